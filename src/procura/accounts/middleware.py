"""Per-request account state: the active organisation, and the two-factor requirement."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from procura.accounts import access

ACTIVE_ORGANISATION_KEY = "procura.active_organisation"

# Paths a signed-in user who still owes a second factor may reach.
_TWO_FACTOR_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/healthz", "/readyz", "/api/")


class AccountMiddleware:
    """Sends a user whose role demands two-factor to set it up or enter a code before
    anything else, and makes their selected organisation available as `request.organisation`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if access.is_signed_in(user) and access.requires_two_factor(user) and not user.is_verified():  # type: ignore[union-attr]
            allowed = {
                reverse("accounts:two-factor-setup"),
                reverse("accounts:sign-out"),
            }
            if request.path not in allowed and not request.path.startswith(_TWO_FACTOR_EXEMPT_PREFIXES):
                return HttpResponseRedirect(reverse("accounts:two-factor-setup"))
        return self.get_response(request)
