"""Every write to the release outbox and the records kept from it.

`release_store` is the one place a release is written: inside the transaction of the change it
publishes, it gives the release its id, stores its bytes, stamps the writing transaction (for the
change feed: docs/adr/0003-ocds-change-feed.md) and brings the process's record up to date
incrementally, under the record's row lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction

from procura.accounts.models import Organisation
from procura.core import clock
from procura.core.errors import InvalidInput
from procura.publication import merge
from procura.publication.models import Record, Release
from procura.publication.releases import iso

Json = dict[str, Any]
STAMP_KEYS = ("id", "date", "tag")


def _transaction_id() -> int:
    """The id of the writing transaction on PostgreSQL (the change feed orders by it); 0 on SQLite,
    where writers are serialised and the row sequence is already commit order."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        row = cursor.fetchone()
    return int(row[0])


def _locked_record(ocid: str, buyer: Organisation | None, date: dt.datetime) -> tuple[Record, bool]:
    """The process's record under a row lock, created empty if this is its first release."""
    record = Record.objects.select_for_update().filter(ocid=ocid).first()
    if record is not None:
        return record, False
    try:
        with transaction.atomic():
            record = Record.objects.create(
                ocid=ocid, buyer=buyer, release_count=0, last_seq=0, last_date=date, compiled=b"", versioned=b""
            )
        return record, True
    except IntegrityError:  # another transaction created it first: wait for its lock
        return Record.objects.select_for_update().get(ocid=ocid), False


def _parse_date(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise InvalidInput.for_field("date", "A release needs a date.")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput.for_field("date", f"{value!r} is not an ISO 8601 date-time.") from None
    if parsed.tzinfo is None:
        raise InvalidInput.for_field("date", f"{value!r} has no time zone.")
    return parsed


def release_store(*, release: Json, buyer: Organisation | None = None) -> Release:
    """Store one release (with `ocid`, `date` and `tag`; an `id` is given when missing) and update
    its record. Runs in the caller's transaction, or its own."""
    ocid = release.get("ocid")
    if not isinstance(ocid, str) or not ocid:
        raise InvalidInput.for_field("ocid", "A release needs an ocid.")
    tags = release.get("tag")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags):
        raise InvalidInput.for_field("tag", "A release needs a list of tags.")
    date = _parse_date(release.get("date"))
    with transaction.atomic():
        record, _created = _locked_record(ocid, buyer, date)
        count = record.release_count + 1
        if not release.get("id"):
            release = {**release, "id": f"{ocid}-{count}"}
        body = orjson.dumps(release)
        stored = Release.objects.create(
            txid=_transaction_id(),
            release_id=str(release["id"]),
            ocid=ocid,
            date=date,
            tags=" " + " ".join(tags) + " ",
            buyer=buyer,
            body=body,
        )
        try:
            compiled = merge.compile_step(_loads(record.compiled), release)
            versioned = merge.version_step(_loads(record.versioned), release)
        except merge.RebuildRequired:  # e.g. an older release than the latest: merge them all again
            everything = [
                orjson.loads(bytes(body))
                for body in Release.objects.filter(ocid=ocid).order_by("seq").values_list("body", flat=True)
            ]
            compiled = merge.compile_release(everything)
            versioned = merge.versioned_release(everything)
        record.release_count = count
        record.last_seq = stored.seq
        record.last_date = max(date, record.last_date)
        record.buyer = record.buyer or buyer
        record.compiled = orjson.dumps(compiled)
        record.versioned = orjson.dumps(versioned)
        record.save()
    return stored


def _loads(value: bytes | memoryview | None) -> Json | None:
    if not value:
        return None
    return orjson.loads(bytes(value))


def last_release(ocid: str) -> Json | None:
    body = Release.objects.filter(ocid=ocid).order_by("-seq").values_list("body", flat=True).first()
    return None if body is None else orjson.loads(bytes(body))


def _content(release: Json) -> Json:
    return {key: value for key, value in release.items() if key not in STAMP_KEYS}


def release_publish(
    *,
    content: Json,
    tags: Iterable[str],
    at: dt.datetime | None = None,
    buyer: Organisation | None = None,
    only_if_changed: bool = False,
) -> Release | None:
    """Publish the current public state of a stage (built by `releases`) as a new release.

    With `only_if_changed`, nothing is written when the content equals the latest release's:
    a change that is invisible in OCDS (a status with no OCDS equivalent) is not news."""
    if only_if_changed:
        previous = last_release(content["ocid"])
        if previous is not None and _content(previous) == orjson.loads(orjson.dumps(content)):
            return None
    release = {**content, "date": iso(at or clock.now()), "tag": list(tags)}
    return release_store(release=release, buyer=buyer)
