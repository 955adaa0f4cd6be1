"""Django app configuration for tenders."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    name = "procura.tenders"
    label = "tenders"
    verbose_name = _("Tenders")
    default_auto_field = "django.db.models.BigAutoField"
