"""Read-only admin views of the supplier register and the debarment list; owners' personal data
(date of birth, address) is not shown. Debarments are recorded and lifted through their pages."""

from __future__ import annotations

from django.contrib import admin

from procura.core.admin import ReadOnlyAdmin
from procura.suppliers.models import BeneficialOwner, Debarment, ExpiryWarning, QualificationDocument


@admin.register(BeneficialOwner)
class BeneficialOwnerAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "nationality", "share", "publishable", "updated_at")
    list_filter = ("publishable",)
    search_fields = ("name", "organisation__legal_name")
    exclude = ("date_of_birth", "address")


@admin.register(QualificationDocument)
class QualificationDocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "organisation", "kind", "issued_on", "expires_on", "created_at", "removed_at")
    list_filter = ("kind",)
    search_fields = ("title", "organisation__legal_name")


@admin.register(ExpiryWarning)
class ExpiryWarningAdmin(ReadOnlyAdmin):
    list_display = ("qualification", "threshold", "expires_on", "recipients", "sent_at")
    list_filter = ("threshold",)


@admin.register(Debarment)
class DebarmentAdmin(ReadOnlyAdmin):
    list_display = ("supplier", "authority", "starts_on", "ends_on", "lifted_at", "reference")
    search_fields = ("supplier__legal_name", "authority", "reference")
