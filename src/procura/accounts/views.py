"""Account pages (placeholder)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def sign_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sign in")


def sign_out(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sign out")


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    return HttpResponse("two factor")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("verify")


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("invitation")


def locked_out(request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse("locked", status=429)
