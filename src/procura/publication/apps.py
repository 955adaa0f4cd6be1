"""Django app configuration for publication (OCDS releases, records, API, bulk files, importer)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    name = "procura.publication"
    label = "publication"
    verbose_name = _("Open data")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.publication import handlers

        handlers.connect()
