"""The one way to write to the audit log: `audit_record`, inside the caller's transaction."""

from __future__ import annotations

import decimal
import uuid
from typing import Any, Protocol

import orjson
from django.db import connection

from procura.audit.chain import GENESIS_HASH, entry_hash
from procura.audit.codes import AuditAction
from procura.audit.models import AuditChainHead, AuditEntry
from procura.core import clock, context


class Actor(Protocol):
    """Anything with an id and a label can act: a user, or the platform itself (None)."""

    pk: Any

    def get_username(self) -> str: ...


def _json_safe(value: Any) -> Any:
    """Round-trip through JSON so the stored value and the hashed value are the same."""
    if value is None:
        return None

    def default(obj: Any) -> Any:
        if isinstance(obj, decimal.Decimal):
            return str(obj)
        if isinstance(obj, (set, frozenset)):
            return sorted(obj)
        raise TypeError(f"{type(obj).__name__} is not JSON-serialisable in the audit log")

    return orjson.loads(orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS))


def audit_record(
    *,
    action: AuditAction,
    actor: Actor | None,
    object_type: str,
    object_id: Any,
    organisation_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the transaction of the change it records,
    so the entry exists exactly when the change does."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change")
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1, sequence=0, last_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    request = context.current()
    fields: dict[str, Any] = {
        "sequence": head.sequence + 1,
        "occurred_at": clock.now(),
        "actor_id": getattr(actor, "pk", None),
        "actor_label": actor.get_username() if actor is not None else "platform",
        "organisation_id": organisation_id,
        "action": str(AuditAction(action)),
        "object_type": object_type,
        "object_id": str(object_id),
        "before": _json_safe(before),
        "after": _json_safe(after),
        "request_id": request.request_id if request else "",
        "client_address": request.client_address if request else None,
    }
    digest = entry_hash(head.last_hash, fields)
    entry = AuditEntry(previous_hash=head.last_hash, entry_hash=digest, **fields)
    entry.save()
    head.sequence = entry.sequence
    head.last_hash = digest
    head.save(update_fields=["sequence", "last_hash"])
    return entry
