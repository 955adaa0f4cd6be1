"""Django app configuration for contracts (signature, milestones, invoices, payments, amendments)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "procura.contracts"
    label = "contracts"
    verbose_name = _("Contracts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.contracts.panels import contracts_panel
        from procura.tenders.panels import register_tender_panel

        # The tender page: the contracts concluded for its lots, with their progress.
        register_tender_panel("contracts", contracts_panel, order=50)
