"""Django app configuration for core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "procura.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"
