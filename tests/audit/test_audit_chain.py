"""The audit log is append-only and hash-chained; tampering is refused or detected."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from procura.audit.codes import AuditAction
from procura.audit.models import AppendOnlyError, AuditEntry
from procura.audit.selectors import verify_chain
from procura.audit.services import audit_record
from procura.cli import main
from tests import factories


def _record(n: int) -> list[AuditEntry]:
    entries = []
    for i in range(n):
        with transaction.atomic():
            entries.append(
                audit_record(
                    action=AuditAction.ORGANISATION_UPDATED,
                    actor=None,
                    object_type="organisation",
                    object_id=f"org-{i}",
                    before={"legal_name": f"Old {i}"},
                    after={"legal_name": f"New {i}", "amount": "12.50"},
                )
            )
    return entries


def _tamper(sql: str, params: list[object]) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_update")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute(sql, params)


@pytest.mark.django_db
def test_entries_chain_and_verify() -> None:
    entries = _record(5)
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    assert entries[1].previous_hash == entries[0].entry_hash
    result = verify_chain()
    assert result.ok
    assert result.checked == 5


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(action=AuditAction.USER_SIGNED_IN, actor=None, object_type="user", object_id="x")


@pytest.mark.django_db
def test_an_entry_edited_in_the_database_is_named_by_audit_verify(capsys: pytest.CaptureFixture[str]) -> None:
    # given a chain of five entries
    entries = _record(5)
    # when someone edits the third one directly in the database
    _tamper(
        "UPDATE audit_entry SET after = %s WHERE id = %s",
        ['{"legal_name": "Forged"}', entries[2].pk.hex if connection.vendor == "sqlite" else entries[2].pk],
    )
    # then `procura audit verify` names it and fails
    assert main(["audit", "verify"]) == 1
    output = capsys.readouterr().out
    assert f"BROKEN at entry #3 (id {entries[2].pk})" in output
    assert "content does not match its hash" in output


@pytest.mark.django_db
def test_a_deleted_entry_is_detected() -> None:
    entries = _record(4)
    _tamper(
        "DELETE FROM audit_entry WHERE id = %s", [entries[1].pk.hex if connection.vendor == "sqlite" else entries[1].pk]
    )
    result = verify_chain()
    assert not result.ok
    assert result.broken_sequence == 3
    assert result.problem == "entries 2 to 2 are missing"


@pytest.mark.django_db
def test_a_removed_tail_is_detected_through_the_chain_head() -> None:
    entries = _record(3)
    _tamper(
        "DELETE FROM audit_entry WHERE id = %s", [entries[2].pk.hex if connection.vendor == "sqlite" else entries[2].pk]
    )
    result = verify_chain()
    assert not result.ok
    assert result.problem == "the chain head records entry 3 but the log ends at 2"


@pytest.mark.django_db
def test_audit_verify_reports_an_intact_log(capsys: pytest.CaptureFixture[str]) -> None:
    _record(2)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "audit log intact: 2 entries verified"


@pytest.mark.django_db
def test_the_orm_cannot_change_or_remove_entries() -> None:
    (entry,) = _record(1)
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == AuditAction.ORGANISATION_UPDATED


@pytest.mark.django_db
def test_sql_update_and_delete_are_refused_by_the_database() -> None:
    (entry,) = _record(1)
    key = entry.pk.hex if connection.vendor == "sqlite" else entry.pk
    statements = ["UPDATE audit_entry SET action = 'forged' WHERE id = %s"]
    if connection.vendor == "postgresql":  # SQLite lets DELETE through for test flushes; verify catches it
        statements.append("DELETE FROM audit_entry WHERE id = %s")
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [key])
    assert AuditEntry.objects.get(pk=entry.pk).action == AuditAction.ORGANISATION_UPDATED


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_audit_entry() -> None:
    before = AuditEntry.objects.count()

    def change_that_fails_after_auditing() -> None:
        with transaction.atomic():
            factories.organisation()
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails_after_auditing()
    assert AuditEntry.objects.count() == before
    assert verify_chain().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_form_one_unbroken_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            start.wait()
            _record(25)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify_chain()
    assert result.ok
    assert result.checked == 150
