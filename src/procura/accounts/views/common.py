"""Helpers the account pages share: safe redirects, error pages, the signed-in user, refusals."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from procura.accounts import selectors
from procura.accounts.models import Organisation, User
from procura.core.errors import NotAuthenticated, NotFound, ProcuraError
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import http_error

# The backend that signs people in after their password (and second factor) checked out.
SIGN_IN_BACKEND = "procura.accounts.backends.EmailBackend"


def password_reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def email_link_days() -> int:
    return max(1, settings.EMAIL_VERIFICATION_MAX_AGE // 86400)


def next_url(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """`candidate` if it stays on this site, otherwise `default` (the home page)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def current_user(request: HttpRequest) -> User:
    """The signed-in user of a page behind `login_required`."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def organisation_or_404(organisation_id: uuid.UUID | str) -> Organisation:
    organisation = selectors.organisation_get(organisation_id)
    if organisation is None:
        raise Http404
    return organisation


def require(check: Callable[[Any, Organisation], None], user: User, organisation: Organisation) -> None:
    """Run an `access.check_*` rule; a refusal becomes the 403 page with its message."""
    try:
        check(user, organisation)
    except (ServicePermissionDenied, NotAuthenticated) as exc:
        raise PermissionDenied(exc.message) from exc


def run_action(request: HttpRequest, service: Callable[..., Any], /, **kwargs: Any) -> bool:
    """Run a service behind a button (no form): a refusal becomes an error message, or 403/404."""
    try:
        service(**kwargs)
    except (ServicePermissionDenied, NotAuthenticated, NotFound) as exc:
        raise http_error(exc) from exc
    except ProcuraError as exc:
        messages.error(request, exc.message)
        return False
    return True


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Show pages in the person's preferred language from now on (as the language switcher does)."""
    if language and language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=cast(Any, settings.LANGUAGE_COOKIE_SAMESITE),
        )
    return response
