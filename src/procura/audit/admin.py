"""Read-only admin view of the audit log."""

from __future__ import annotations

from django.contrib import admin

from procura.audit.models import AuditEntry
from procura.core.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "occurred_at", "action", "actor_label", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "request_id")
    ordering = ("-sequence",)
