"""Reads of the audit log, and verification of its hash chain."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from procura.audit.chain import CHAINED_FIELDS, GENESIS_HASH, entry_hash
from procura.audit.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class ChainVerification:
    checked: int
    broken_sequence: int | None = None
    broken_id: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(*, batch_size: int = 2000) -> ChainVerification:
    """Recompute every hash in sequence order; report the first entry that does not hold.

    Detects an edited entry (its hash no longer matches its content), a deleted entry (a gap in
    the sequence, or a previous_hash that no longer matches), and a removed tail (the chain head
    records a later sequence than the last entry).
    """
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    last_sequence = 0
    query = AuditEntry.objects.order_by("sequence").values("id", "previous_hash", "entry_hash", *CHAINED_FIELDS)
    for row in query.iterator(chunk_size=batch_size):
        sequence = row["sequence"]
        where = {"broken_sequence": sequence, "broken_id": str(row["id"])}
        if sequence != expected_sequence:
            return ChainVerification(
                checked,
                problem=f"entries {expected_sequence} to {sequence - 1} are missing",
                **where,
            )
        if row["previous_hash"] != expected_previous:
            return ChainVerification(checked, problem="its previous_hash does not match the entry before it", **where)
        if entry_hash(row["previous_hash"], row) != row["entry_hash"]:
            return ChainVerification(checked, problem="its content does not match its hash", **where)
        expected_previous = row["entry_hash"]
        expected_sequence += 1
        last_sequence = sequence
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != last_sequence or head.last_hash != expected_previous):
        return ChainVerification(
            checked,
            broken_sequence=last_sequence + 1,
            problem=f"the chain head records entry {head.sequence} but the log ends at {last_sequence}",
        )
    return ChainVerification(checked)


def entries_for_object(*, object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("sequence")
