"""Incident pages: administrators record outages and extend the deadlines they touched; the
public page lists every incident and the extensions it caused."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts.views.common import current_user
from procura.core.errors import NotAuthenticated, ProcuraError
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import call_service, http_error
from procura.incidents import access, selectors, services
from procura.incidents.forms import IncidentForm
from procura.incidents.models import Incident


def _require_administrator(request: HttpRequest) -> None:
    """A refusal becomes the 403 page with its message (anonymous people never get here:
    `login_required` sends them to sign in)."""
    try:
        access.check_can_manage_incidents(request.user)
    except (ServicePermissionDenied, NotAuthenticated) as exc:
        raise PermissionDenied(exc.message) from exc


def _incident_or_404(incident_id: uuid.UUID) -> Incident:
    incident = selectors.incident_get(incident_id)
    if incident is None:
        raise Http404
    return incident


@login_required
@require_http_methods(["GET", "HEAD"])
def incident_list(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    return render(request, "incidents/incident_list.html", {"incidents": selectors.incidents()})


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    form = IncidentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        incident = call_service(
            form,
            services.incident_record,
            actor=current_user(request),
            started_at=form.cleaned_data["started_at"],
            ended_at=form.cleaned_data["ended_at"],
            description=form.cleaned_data["description"],
        )
        if incident is not None:
            messages.success(request, _("The incident is recorded. Check the affected tenders, then extend them."))
            return redirect("incidents:incident", incident.pk)
    rule = selectors.extension_rule()
    return render(request, "incidents/incident_new.html", {"form": form, "rule": rule})


@login_required
@require_http_methods(["GET", "HEAD"])
def incident_detail(request: HttpRequest, incident_id: uuid.UUID) -> HttpResponse:
    _require_administrator(request)
    incident = _incident_or_404(incident_id)
    context = {
        "incident": incident,
        "window_end": selectors.window_end(incident),
        "affected": selectors.affected_with_new_deadlines(incident),
        "extensions": selectors.extensions_of(incident),
        "refusals": selectors.refusals_of(incident),
    }
    return render(request, "incidents/incident_detail.html", context)


@login_required
@require_POST
def incident_extend(request: HttpRequest, incident_id: uuid.UUID) -> HttpResponse:
    _require_administrator(request)
    incident = _incident_or_404(incident_id)
    try:
        result = services.incident_extend_deadlines(actor=current_user(request), incident=incident)
    except (ServicePermissionDenied, NotAuthenticated) as exc:
        raise http_error(exc) from exc
    except ProcuraError as exc:
        messages.error(request, exc.message)
        return redirect("incidents:incident", incident.pk)
    extended, refused = len(result.extended), len(result.refused)
    if extended:
        messages.success(
            request,
            ngettext(
                "%(count)s deadline is extended: the amendment is published on the tender.",
                "%(count)s deadlines are extended: the amendments are published on the tenders.",
                extended,
            )
            % {"count": extended},
        )
    if refused:
        messages.warning(
            request,
            ngettext(
                "%(count)s tender could not be extended: the reason is shown below.",
                "%(count)s tenders could not be extended: the reasons are shown below.",
                refused,
            )
            % {"count": refused},
        )
    if not extended and not refused:
        messages.info(request, _("There was nothing to extend: every affected deadline has been extended already."))
    return redirect("incidents:incident", incident.pk)


@require_http_methods(["GET", "HEAD"])
def incident_public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/incident_public_list.html", {"incidents": selectors.public_incidents()})
