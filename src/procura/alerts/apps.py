"""Django app configuration for alerts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "procura.alerts"
    label = "alerts"
    verbose_name = _("Alerts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.alerts import handlers
        from procura.alerts.panels import follow_panel
        from procura.tenders.panels import register_tender_panel

        handlers.connect()
        register_tender_panel("follow", follow_panel, order=5)
