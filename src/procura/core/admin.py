"""Admin building blocks: every model admin in Procura is read-only (writes go through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from procura.core.models import OcidCounter


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OcidCounter)
class OcidCounterAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "last_serial")
