"""Django app configuration for suppliers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "procura.suppliers"
    label = "suppliers"
    verbose_name = _("Supplier register")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.documents.access import register_owner_access
        from procura.suppliers.access import can_view_qualification_document
        from procura.suppliers.domain import QUALIFICATION_DOCUMENT_OWNER

        # Qualification documents are seen by the supplier's members and the platform's
        # administrators and auditors; buyers see them through the bids that use them.
        register_owner_access(QUALIFICATION_DOCUMENT_OWNER, can_view_qualification_document)
