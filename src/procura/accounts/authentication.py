"""How API callers prove who they are: a Bearer API token, or a signed-in browser session.

Every router uses `api_auth` (or `optional_auth` for public reads that show more to members).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from procura.accounts import access
from procura.accounts.models import User
from procura.accounts.services import ApiScope, api_token_authenticate
from procura.core.errors import PermissionDenied, TwoFactorRequired

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(token)
        if api_token is None:
            raise AuthenticationError(401, _("This API token is unknown, expired or revoked."))
        if request.method not in _SAFE_METHODS and ApiScope.WRITE not in api_token.scopes:
            raise PermissionDenied(_("This API token is read-only; create one with the 'write' scope."))
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class VerifiedSessionAuth(SessionAuth):
    """A browser session (CSRF-checked); roles that need two-factor must have passed it."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        if access.requires_two_factor(user) and not user.is_verified():
            raise TwoFactorRequired(_("Complete two-factor sign-in before using the API."))
        return user


class AnonymousAuth:
    """Lets a request through unauthenticated, after the real methods have had their turn."""

    def __call__(self, request: HttpRequest) -> Any:
        return True


api_auth = [BearerTokenAuth(), VerifiedSessionAuth()]
optional_auth = [BearerTokenAuth(), VerifiedSessionAuth(), AnonymousAuth()]


def request_user(request: HttpRequest) -> User:
    """The user an authenticated API request acts for (the endpoint's `auth` has checked it)."""
    return request.user  # type: ignore[return-value]
