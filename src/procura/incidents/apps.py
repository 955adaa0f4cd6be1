"""Django app configuration for incidents."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "procura.incidents"
    label = "incidents"
    verbose_name = _("Platform incidents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.incidents.services import bids_opened_refusal
        from procura.tenders.services import register_extension_guard

        # Tenders cannot look at bids: once they are opened, no deadline extension.
        register_extension_guard(bids_opened_refusal)
