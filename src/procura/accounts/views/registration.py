"""Joining Procura: supplier sign-up, confirming an email address, accepting an invitation."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts import access, selectors, services
from procura.accounts.forms import SignUpForm, SignUpPersonForm
from procura.accounts.middleware import ACTIVE_ORGANISATION_KEY
from procura.accounts.models import Invitation, User
from procura.accounts.roles import Role
from procura.accounts.services.invitations import invitation_by_token
from procura.accounts.views.common import SIGN_IN_BACKEND, current_user, email_link_days, error_page
from procura.core.errors import InvalidInput, NotFound, ProcuraError, RuleViolation
from procura.core.forms import call_service, http_error


@sensitive_post_parameters("password", "password_confirm")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if access.is_signed_in(request.user):
        return render(request, "accounts/sign_up.html", {"signed_in": True})
    form = SignUpForm(request.POST) if request.method == "POST" else SignUpForm()
    if form.is_bound and form.is_valid():
        result = call_service(
            form,
            services.supplier_sign_up,
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
            details=form.details(),
            language=get_language() or "",
        )
        if result is not None:
            user, organisation = result
            login(request, user, backend=SIGN_IN_BACKEND)
            services.user_signed_in(user=user, two_factor=False)
            request.session[ACTIVE_ORGANISATION_KEY] = str(organisation.pk)
            return redirect("accounts:sign-up-complete")
    return render(request, "accounts/sign_up.html", {"form": form})


@login_required
def sign_up_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/sign_up_complete.html", {"link_days": email_link_days()})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token)
    except InvalidInput as exc:
        return render(request, "accounts/verify_email_failed.html", {"message": exc.message}, status=400)
    return render(request, "accounts/verify_email.html", {"verified_email": user.email})


@login_required
@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.email_verified_at is not None:
        messages.info(request, _("Your email address is already confirmed."))
    else:
        services.email_verification_send(user=user)
        messages.success(
            request,
            ngettext(
                "We have sent a new confirmation link to %(email)s. It works for %(days)s day.",
                "We have sent a new confirmation link to %(email)s. It works for %(days)s days.",
                email_link_days(),
            )
            % {"email": user.email, "days": email_link_days()},
        )
    return redirect("accounts:account")


def _joined(request: HttpRequest, invitation: Invitation, user: User) -> HttpResponse:
    request.session[ACTIVE_ORGANISATION_KEY] = str(invitation.organisation_id)
    messages.success(
        request,
        _("You have joined %(organisation)s as %(role)s.")
        % {"organisation": invitation.organisation, "role": Role(invitation.role).label},
    )
    destination = reverse("accounts:organisation", args=[invitation.organisation_id])
    if access.requires_two_factor(user) and not getattr(user, "is_verified", lambda: False)():
        destination = f"{reverse('accounts:two-factor-setup')}?{urlencode({'next': destination})}"
    return HttpResponseRedirect(destination)


@sensitive_post_parameters("password", "password_confirm")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = invitation_by_token(token)
    except NotFound as exc:
        return error_page(request, 404, exc.message)
    try:
        services.check_invitation_usable(found)
    except RuleViolation as exc:
        return error_page(request, 410, exc.message)

    context: dict[str, object] = {
        "invitation": found,
        "role_label": Role(found.role).label,
        "inviter": found.invited_by,
    }
    user = request.user
    if isinstance(user, User) and access.is_signed_in(user):
        if user.email.lower() != found.email.lower():
            return render(request, "accounts/invitation.html", {**context, "state": "other_user"})
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, user=user)
            except RuleViolation as exc:
                return error_page(request, 410, exc.message)
            except ProcuraError as exc:
                raise http_error(exc) from exc
            return _joined(request, found, user)
        return render(request, "accounts/invitation.html", {**context, "state": "accept"})

    if selectors.user_exists(found.email):
        sign_in_url = f"{reverse('accounts:sign-in')}?{urlencode({'next': request.path})}"
        return render(request, "accounts/invitation.html", {**context, "state": "sign_in", "sign_in_url": sign_in_url})

    form = SignUpPersonForm(request.POST if request.method == "POST" else None, email=found.email)
    if form.is_bound and form.is_valid():
        new_user = call_service(
            form,
            services.invitation_accept_as_new_user,
            token=token,
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password"],
            language=get_language() or "",
        )
        if new_user is not None:
            login(request, new_user, backend=SIGN_IN_BACKEND)
            services.user_signed_in(user=new_user, two_factor=False)
            return _joined(request, found, new_user)
    return render(request, "accounts/invitation.html", {**context, "state": "new_account", "form": form})
