"""Django app configuration for planning."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "procura.planning"
    label = "planning"
    verbose_name = _("Planning")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.documents.access import register_owner_access
        from procura.planning.access import can_view_business_case_document
        from procura.planning.domain import BUSINESS_CASE_OWNER

        # Supporting documents of business cases are seen by whoever may see the business case.
        register_owner_access(BUSINESS_CASE_OWNER, can_view_business_case_document)
