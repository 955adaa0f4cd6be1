"""Public pages, the organisation switcher and the error pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procura.accounts import access, selectors
from procura.accounts.middleware import ACTIVE_ORGANISATION_KEY
from procura.accounts.views.common import current_user, next_url
from procura.web.forms import OrganisationSwitchForm


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    """Work as another of one's organisations: kept in the session, checked on every use."""
    user = current_user(request)
    form = OrganisationSwitchForm(request.POST)
    organisation = selectors.organisation_get(form.cleaned_data["organisation"]) if form.is_valid() else None
    if organisation is None or not access.is_member(user, organisation):
        raise PermissionDenied(_("You can only switch to an organisation you are a member of."))
    request.session[ACTIVE_ORGANISATION_KEY] = str(organisation.pk)
    messages.success(request, _("You are now working for %(organisation)s.") % {"organisation": organisation})
    return redirect(next_url(request, form.cleaned_data["next"]))


def _error(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Refusals from access rules carry a message a person can act on; show it.
    message = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return _error(request, 403, message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, _("The form had expired. Go back, reload the page and try again."))


def server_error(request: HttpRequest) -> HttpResponse:
    # Without the request: context processors read the database, which may be what failed.
    return HttpResponseServerError(loader.render_to_string("web/error.html", {"status": 500}))
