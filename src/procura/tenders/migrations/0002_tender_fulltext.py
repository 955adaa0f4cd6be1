"""Full-text search of tenders: a GIN expression index on PostgreSQL, an FTS5 table kept in step
by triggers on SQLite (see procura.tenders.fulltext). Nothing changes in Django's model state."""

from django.db import migrations

from procura.tenders.fulltext import install_statements, uninstall_statements


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in uninstall_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("tenders", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
