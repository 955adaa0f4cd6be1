"""Pure hash-chain arithmetic: the canonical content of an entry and its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import orjson

GENESIS_HASH = "0" * 64
CHAINED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "request_id",
    "client_address",
)


def _normalise(name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name in {"actor_id", "organisation_id"}:
        return str(value)
    return value


def canonical_content(fields: dict[str, Any]) -> bytes:
    """Sorted-key JSON of the chained fields, identical however the row was read back."""
    return orjson.dumps(
        {name: _normalise(name, fields.get(name)) for name in CHAINED_FIELDS},
        option=orjson.OPT_SORT_KEYS,
    )


def entry_hash(previous_hash: str, fields: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(canonical_content(fields))
    return digest.hexdigest()
