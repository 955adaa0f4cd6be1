"""The Django admin: an inspection tool for platform administrators after two-factor sign-in.

Model admins are read-only (`core.admin.ReadOnlyAdmin`): changes go through the services, so
they are checked and audited like any other change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

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

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # One way in: Procura's sign-in, with its second factor and throttling.
        return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("accounts:sign-in"))
