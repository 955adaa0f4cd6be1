"""The Django admin, for platform administrators only and only after two-factor sign-in."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from procura.accounts import access


class PlatformAdminSite(admin.AdminSite):
    site_header = "Procura administration"
    site_title = "Procura administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            access.is_signed_in(user)
            and access.is_platform_administrator(user)
            and getattr(user, "is_verified", lambda: False)()
        )
