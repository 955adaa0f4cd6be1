"""Organisation pages: the public directory and profiles, editing, members and invitations."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts import access, selectors, services
from procura.accounts.forms import InviteForm, OrganisationFilterForm, OrganisationForm
from procura.accounts.models import Organisation
from procura.accounts.roles import Role
from procura.accounts.views.common import current_user, error_page, organisation_or_404, require, run_action
from procura.core.errors import InvalidInput
from procura.core.forms import call_service
from procura.core.pagination import paginate

PAGE_SIZE = 50


@require_http_methods(["GET", "HEAD"])
def organisations(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    cursor = request.GET.get("cursor") or None
    try:
        page = paginate(
            selectors.public_organisations(kind=kind or None),
            order=("legal_name", "id"),
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    except InvalidInput:
        return error_page(request, 400, _("This page link is not valid. Start again from the first page."))
    query = {"kind": kind} if kind else {}
    context = {
        "form": form,
        "page": page,
        "is_first_page": cursor is None,
        "first_page_query": urlencode(query),
        "next_page_query": urlencode({**query, "cursor": page.next_cursor}) if page.next_cursor else "",
    }
    return render(request, "accounts/organisations.html", context)


@require_http_methods(["GET", "HEAD"])
def organisation(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    found = organisation_or_404(organisation_id)
    user = request.user
    context = {
        "organisation": found,
        "can_edit": access.can_edit_organisation(user, found),
        "can_view_members": access.can_view_members(user, found),
    }
    return render(request, "accounts/organisation.html", context)


def _details_of(organisation: Organisation) -> dict[str, str]:
    return {name: getattr(organisation, name) for name in OrganisationForm.base_fields}


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    found = organisation_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_edit_organisation, user, found)
    if request.method == "POST":
        form = OrganisationForm(request.POST, kind=found.kind)
    else:
        form = OrganisationForm(initial=_details_of(found), kind=found.kind)
    if form.is_bound and form.is_valid():
        updated = call_service(
            form, services.organisation_update, actor=user, organisation=found, details=form.details()
        )
        if updated is not None:
            messages.success(request, _("The organisation's details are saved."))
            return redirect("accounts:organisation", found.pk)
    return render(request, "accounts/organisation_edit.html", {"organisation": found, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    found = organisation_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_view_members, user, found)
    can_manage = access.can_manage_members(user, found)
    if request.method == "POST":
        require(access.check_can_manage_members, user, found)
    form = InviteForm(request.POST if request.method == "POST" else None, kind=found.kind) if can_manage else None
    if form is not None and form.is_bound and form.is_valid():
        result = call_service(
            form,
            services.invitation_create,
            actor=user,
            organisation=found,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
        if result is not None:
            invitation, _token = result  # the token is emailed by the service and shown nowhere
            messages.success(
                request,
                _("We have sent an invitation to %(email)s to join as %(role)s.")
                % {"email": invitation.email, "role": Role(invitation.role).label},
            )
            return redirect("accounts:members", found.pk)
    context = {
        "organisation": found,
        "members": selectors.members_of(found),
        "invitations": selectors.pending_invitations(found).select_related("invited_by") if can_manage else [],
        "can_manage": can_manage,
        "form": form,
        "invitation_days": settings.INVITATION_LIFETIME_DAYS,
    }
    return render(request, "accounts/members.html", context)


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> HttpResponse:
    found = organisation_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_manage_members, user, found)
    invitation = selectors.invitation_get(found, invitation_id)
    if invitation is None:
        raise Http404
    if run_action(request, services.invitation_revoke, actor=user, invitation=invitation):
        messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("accounts:members", found.pk)


@login_required
@require_POST
def membership_remove(request: HttpRequest, organisation_id: uuid.UUID, membership_id: uuid.UUID) -> HttpResponse:
    found = organisation_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_manage_members, user, found)
    membership = selectors.membership_get(found, membership_id)
    if membership is None:
        raise Http404
    if run_action(request, services.membership_revoke, actor=user, membership=membership):
        messages.success(
            request,
            _("%(name)s is no longer %(role)s at %(organisation)s.")
            % {"name": membership.user, "role": Role(membership.role).label, "organisation": found},
        )
        if not access.can_view_members(user, found):  # they removed themselves
            return redirect("accounts:account")
    return redirect("accounts:members", found.pk)
