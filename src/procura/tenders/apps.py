"""Django app configuration for tenders."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    name = "procura.tenders"
    label = "tenders"
    verbose_name = _("Tenders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.documents.access import register_owner_access
        from procura.tenders.access import can_view_tender_document

        # A tender's documents are visible to whoever may see the tender (drafts: the buyer).
        register_owner_access("tender", can_view_tender_document)
        post_migrate.connect(_reinstall_fulltext, sender=self)


def _reinstall_fulltext(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """On SQLite, a migration that rebuilds tenders_tender drops the FTS triggers: put them back
    after every migrate (the statements are idempotent)."""
    from django.db import connections

    from procura.tenders.fulltext import install_statements

    connection = connections[using]
    if "tenders_tender" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in install_statements(connection.vendor):
            cursor.execute(statement)
