"""Importing another publisher's OCDS data into the read-only historical store.

A country moving to Procura brings its history as release packages, record packages, single
releases or records, arrays of releases, or JSON lines (each line any of those). Real data has
defects, so every item is judged on its own: what can be kept is kept, and each item left out
is reported with its place in the file and the reason (`SkipReason`).

Reading (`read_entries`) is pure and streams JSON lines one line at a time; a package file is
loaded whole. Writing (`import_entries`) is the only write path of the historical tables and
runs one transaction per file: a file that fails half-way (unreadable, not JSON) leaves nothing
behind, and a file read to its end is kept with its skipped items reported.

Identity is (ocid, release id), unique within a contracting process in OCDS. The same release
imported again is counted as already present and changes nothing; a different release under an
id already held is refused (the first one read wins). The live tables (tenders, plans, the
release outbox and its records) are never read or written here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import orjson
from django.db import transaction

from procura.core import clock
from procura.publication import merge
from procura.publication.models.history import (
    OCID_MAX_LENGTH,
    RELEASE_ID_MAX_LENGTH,
    HistoricalProcess,
    HistoricalRelease,
)

BATCH_SIZE = 500
MAX_AMOUNT = Decimal(10) ** 22  # what value_amount (24 digits, 2 decimals) can hold
UTF8_BOM = b"\xef\xbb\xbf"


class SkipReason(StrEnum):
    """Why an item was left out. The values are stable: tests and scripts read them."""

    BAD_JSON_LINE = "bad-json-line"
    NOT_OBJECT = "not-object"
    LINKED_RELEASE = "linked-release"
    NO_OCID = "no-ocid"
    NO_ID = "no-id"
    NO_DATE = "no-date"
    INVALID_DATE = "invalid-date"
    TOO_LONG = "too-long"
    CONFLICTING_DUPLICATE = "conflicting-duplicate"
    RECORD_WITHOUT_OCID = "record-without-ocid"


SKIP_LABELS: dict[SkipReason, str] = {
    SkipReason.BAD_JSON_LINE: "bad JSON line",
    SkipReason.NOT_OBJECT: "not a JSON object",
    SkipReason.LINKED_RELEASE: "linked release (a url and no content)",
    SkipReason.NO_OCID: "release without ocid",
    SkipReason.NO_ID: "release without id",
    SkipReason.NO_DATE: "release without date",
    SkipReason.INVALID_DATE: "invalid date (not an RFC 3339 date-time with a time zone)",
    SkipReason.TOO_LONG: f"ocid or id longer than {OCID_MAX_LENGTH} characters",
    SkipReason.CONFLICTING_DUPLICATE: "duplicate release id with different content",
    SkipReason.RECORD_WITHOUT_OCID: "record without ocid (none in the record, its compiled release or releases)",
}


class UnusableInput(Exception):
    """A file that cannot be imported at all: unreadable, not JSON, or not OCDS-shaped."""


# --- What reading yields ----------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A release to keep, as found (checked when written)."""

    location: str
    release: dict[str, Any]
    publisher: str


@dataclass(frozen=True)
class PublisherCompiled:
    """A compiled release the publisher made (a record's, or one tagged "compiled")."""

    location: str
    ocid: str
    release: dict[str, Any]
    publisher: str


@dataclass(frozen=True)
class Defect:
    location: str
    reason: SkipReason
    detail: str = ""


Entry = Candidate | PublisherCompiled | Defect


@dataclass(frozen=True)
class Skipped:
    location: str
    reason: SkipReason
    detail: str = ""

    def describe(self) -> str:
        text = f"{self.location}: skipped: {SKIP_LABELS[self.reason]}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass
class FileOutcome:
    """What one file did to the store."""

    name: str
    imported: int = 0
    already_present: int = 0
    publisher_compiled: int = 0  # compiled releases from the publisher kept (new or newer)
    processes_created: int = 0
    processes_updated: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    error: str = ""  # set when the file was unusable: then nothing of it was written

    @property
    def failed(self) -> bool:
        return bool(self.error)


# --- Reading ----------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _publisher_name(container: Mapping[str, Any], inherited: str = "") -> str:
    publisher = container.get("publisher")
    if isinstance(publisher, Mapping):
        return _text(publisher.get("name")) or inherited
    return inherited


def _is_linked(value: Mapping[str, Any]) -> bool:
    """A record's linked release: where to find it, not the release itself."""
    return "url" in value and "id" not in value and "ocid" not in value


def _is_compiled(value: Mapping[str, Any]) -> bool:
    tags = value.get("tag")
    return isinstance(tags, list) and "compiled" in tags


def _is_record(value: Mapping[str, Any]) -> bool:
    return "compiledRelease" in value or "versionedRelease" in value or ("ocid" in value and "date" not in value)


def _release_entry(value: Any, location: str, publisher: str) -> Entry:
    if not isinstance(value, dict):
        return Defect(location, SkipReason.NOT_OBJECT, type(value).__name__)
    if _is_linked(value):
        return Defect(location, SkipReason.LINKED_RELEASE, _text(value.get("url")))
    if _is_compiled(value):
        ocid = _text(value.get("ocid"))
        if not ocid:
            return Defect(location, SkipReason.NO_OCID)
        return PublisherCompiled(location, ocid, value, publisher)
    return Candidate(location, value, publisher)


def _record_ocid(record: Mapping[str, Any]) -> str:
    """The record's ocid; real records sometimes leave it out, so their releases are asked too."""
    ocid = _text(record.get("ocid"))
    if ocid:
        return ocid
    compiled = record.get("compiledRelease")
    if isinstance(compiled, Mapping) and _text(compiled.get("ocid")):
        return _text(compiled.get("ocid"))
    releases = record.get("releases")
    for release in releases if isinstance(releases, list) else []:
        if isinstance(release, Mapping) and _text(release.get("ocid")):
            return _text(release.get("ocid"))
    return ""


def _record_entries(record: Any, location: str, publisher: str) -> Iterator[Entry]:
    if not isinstance(record, dict):
        yield Defect(location, SkipReason.NOT_OBJECT, type(record).__name__)
        return
    publisher = _publisher_name(record, publisher)
    ocid = _record_ocid(record)
    if not ocid:
        yield Defect(location, SkipReason.RECORD_WITHOUT_OCID)
        return
    releases = record.get("releases")
    for index, release in enumerate(releases if isinstance(releases, list) else []):
        yield _release_entry(release, f"{location}.releases[{index}]", publisher)
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict) and compiled:
        yield PublisherCompiled(f"{location}.compiledRelease", ocid, compiled, publisher)


def _value_entries(value: Any, location: str) -> Iterator[Entry]:
    """Entries of one JSON value: a package, a record, a release or an array of them."""
    prefix = f"{location}: " if location else ""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict) and ("releases" in item or "records" in item):
                yield from _value_entries(item, f"{location}[{index}]")
            else:
                yield _release_entry(item, f"{location}[{index}]", "")
        return
    if not isinstance(value, dict):
        yield Defect(location or "top level", SkipReason.NOT_OBJECT, type(value).__name__)
        return
    publisher = _publisher_name(value)
    if "records" in value:
        records = value["records"]
        if not isinstance(records, list):
            raise UnusableInput(f"{prefix}records is not an array")
        for index, record in enumerate(records):
            yield from _record_entries(record, f"{prefix}records[{index}]", publisher)
        return
    if "releases" in value and _is_record(value):
        yield from _record_entries(value, f"{prefix}record", publisher)
        return
    if "releases" in value:
        releases = value["releases"]
        if not isinstance(releases, list):
            raise UnusableInput(f"{prefix}releases is not an array")
        for index, release in enumerate(releases):
            yield _release_entry(release, f"{prefix}releases[{index}]", publisher)
        return
    yield _release_entry(value, location or "release", _publisher_name(value.get("packageInfo") or {}))


def _nonblank_lines(stream: IO[bytes], count: int) -> list[bytes]:
    lines: list[bytes] = []
    for line in stream:
        if line.strip():
            lines.append(line.strip())
            if len(lines) == count:
                break
    return lines


def _parses_as_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line.removeprefix(UTF8_BOM)), dict)
    except orjson.JSONDecodeError:
        return False


def _is_json_lines(stream: IO[bytes]) -> bool:
    """JSON lines when the file has two non-blank lines and one of the first two is a whole object.

    A pretty-printed document starts with "{" or "[" alone on its line, which is never a whole
    object; a one-line document has a single line.
    """
    first = _nonblank_lines(stream, 2)
    stream.seek(0)
    return len(first) == 2 and (_parses_as_object(first[0]) or _parses_as_object(first[1]))


def _line_entries(stream: IO[bytes]) -> Iterator[Entry]:
    for number, line in enumerate(stream, start=1):
        stripped = line.strip().removeprefix(UTF8_BOM) if number == 1 else line.strip()
        if not stripped:
            continue
        try:
            value = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            yield Defect(f"line {number}", SkipReason.BAD_JSON_LINE, str(exc))
            continue
        yield from _value_entries(value, f"line {number}")


def read_entries(stream: IO[bytes]) -> Iterator[Entry]:
    """Every entry of a seekable binary stream, JSON lines streamed, a document loaded whole.

    Raises UnusableInput when the stream is empty, not JSON, or not OCDS-shaped.
    """
    if _is_json_lines(stream):
        yield from _line_entries(stream)
        return
    raw = stream.read().removeprefix(UTF8_BOM)
    if not raw.strip():
        raise UnusableInput("the file is empty")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UnusableInput(f"not JSON: {exc}") from None
    yield from _value_entries(value, "")


def read_path(path: str) -> Iterator[Entry]:
    """Entries of the file at `path` ("-" for standard input, read whole)."""
    try:
        if path == "-":
            yield from read_entries(io.BytesIO(sys.stdin.buffer.read()))
            return
        with Path(path).open("rb") as stream:
            yield from read_entries(stream)
    except OSError as exc:
        raise UnusableInput(f"cannot read the file: {exc.strerror or exc}") from None


# --- Checking ---------------------------------------------------------------------------------
def parse_date(value: Any) -> dt.datetime | None:
    """An RFC 3339 date-time with a time zone, in UTC; None for anything else."""
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(dt.UTC)


def _identifier(value: Any) -> str:
    """An id given as a string or, as some publishers do, an integer."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    return _text(value)


@dataclass(frozen=True)
class Checked:
    ocid: str
    release_id: str
    date: dt.datetime
    tags: str
    body: bytes
    digest: str


def digest_of(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def check_release(release: dict[str, Any]) -> Checked | tuple[SkipReason, str]:
    """The release's key facts, or the reason it cannot be kept."""
    ocid = _text(release.get("ocid"))
    if not ocid:
        return SkipReason.NO_OCID, ""
    release_id = _identifier(release.get("id"))
    if not release_id:
        return SkipReason.NO_ID, f"ocid {ocid}"
    if len(ocid) > OCID_MAX_LENGTH or len(release_id) > RELEASE_ID_MAX_LENGTH:
        return SkipReason.TOO_LONG, ""
    if release.get("date") in (None, ""):
        return SkipReason.NO_DATE, f"id {release_id}"
    date = parse_date(release.get("date"))
    if date is None:
        return SkipReason.INVALID_DATE, f"id {release_id}: {str(release.get('date'))[:60]!r}"
    tags = release.get("tag")
    tag_text = " ".join(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ""
    return Checked(
        ocid=ocid,
        release_id=release_id,
        date=date,
        tags=tag_text[:500],
        body=orjson.dumps(release),
        digest=digest_of(release),
    )


# --- Facts for the search -----------------------------------------------------------------------
def normalised(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: what the search compares on both databases."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def amount_of(value: Any) -> tuple[Decimal | None, str]:
    """An OCDS Value's amount (numbers, or numeric strings as some publishers write) and currency."""
    value = _mapping(value)
    raw = value.get("amount")
    currency = _text(value.get("currency"))[:3].upper()
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None, currency
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        return None, currency
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        return None, currency
    return amount.quantize(Decimal("0.01")), currency


def buyer_name_of(compiled: Mapping[str, Any]) -> str:
    name = _text(_mapping(compiled.get("buyer")).get("name"))
    if name:
        return name
    for party in _objects(compiled.get("parties")):
        roles = party.get("roles")
        if isinstance(roles, list) and "buyer" in roles and _text(party.get("name")):
            return _text(party.get("name"))
    return _text(_mapping(_mapping(compiled.get("tender")).get("procuringEntity")).get("name"))


def title_of(compiled: Mapping[str, Any]) -> str:
    tender = _mapping(compiled.get("tender"))
    candidates = [tender.get("title")]
    candidates += [award.get("title") for award in _objects(compiled.get("awards"))]
    candidates += [contract.get("title") for contract in _objects(compiled.get("contracts"))]
    candidates.append(_mapping(_mapping(compiled.get("planning")).get("budget")).get("project"))
    return next((_text(c) for c in candidates if _text(c)), "")


@dataclass(frozen=True)
class ProcessFacts:
    title: str
    description: str
    buyer_name: str
    status: str
    value_amount: Decimal | None
    currency: str
    tender_start: dt.datetime | None
    tender_end: dt.datetime | None


def facts_of(compiled: Mapping[str, Any]) -> ProcessFacts:
    tender = _mapping(compiled.get("tender"))
    amount, currency = amount_of(tender.get("value"))
    if amount is None:
        amount, currency = amount_of(_mapping(_mapping(compiled.get("planning")).get("budget")).get("amount"))
    period = _mapping(tender.get("tenderPeriod"))
    return ProcessFacts(
        title=title_of(compiled),
        description=_text(tender.get("description")),
        buyer_name=buyer_name_of(compiled)[:500],
        status=_text(tender.get("status"))[:100],
        value_amount=amount,
        currency=currency,
        tender_start=parse_date(period.get("startDate")),
        tender_end=parse_date(period.get("endDate")),
    )


# --- Writing ----------------------------------------------------------------------------------
@dataclass
class _FileState:
    """What one file's transaction has done so far."""

    outcome: FileOutcome
    source: str
    at: dt.datetime
    seen: dict[tuple[str, str], str] = field(default_factory=dict)  # (ocid, id) -> digest, this file
    touched: set[str] = field(default_factory=set)  # ocids with a new release
    compiled: dict[str, PublisherCompiled] = field(default_factory=dict)  # newest per ocid
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # ocid -> (source, publisher)


def _source_for(requested: str, publisher: str, ocid: str) -> str:
    """The operator's label, else the publisher's name, else the ocid prefix (ocds-xxxxxx)."""
    if requested:
        return requested[:200]
    if publisher:
        return publisher[:200]
    return "-".join(ocid.split("-")[:2])[:200]


def _skip(state: _FileState, location: str, reason: SkipReason, detail: str = "") -> None:
    state.outcome.skipped.append(Skipped(location, reason, detail))


def _write_batch(state: _FileState, batch: list[tuple[Candidate, Checked]]) -> None:
    """Insert the batch's new releases; judge the ones already held or seen in this file."""
    ocids = {checked.ocid for _, checked in batch}
    held = {
        (ocid, release_id): digest
        for ocid, release_id, digest in HistoricalRelease.objects.filter(ocid__in=ocids).values_list(
            "ocid", "release_id", "digest"
        )
    }
    new_rows: list[HistoricalRelease] = []
    for candidate, checked in batch:
        key = (checked.ocid, checked.release_id)
        known = state.seen.get(key) or held.get(key)
        if known is not None:
            if known == checked.digest:
                state.outcome.already_present += 1
            else:
                _skip(state, candidate.location, SkipReason.CONFLICTING_DUPLICATE, f"ocid {key[0]}, id {key[1]}")
            continue
        state.seen[key] = checked.digest
        source = _source_for(state.source, candidate.publisher, checked.ocid)
        state.sources.setdefault(checked.ocid, (source, candidate.publisher))
        new_rows.append(
            HistoricalRelease(
                ocid=checked.ocid,
                release_id=checked.release_id,
                date=checked.date,
                tags=checked.tags,
                source=source,
                publisher=candidate.publisher[:500],
                digest=checked.digest,
                body=checked.body,
                imported_at=state.at,
            )
        )
        state.touched.add(checked.ocid)
    HistoricalRelease.objects.bulk_create(new_rows, batch_size=BATCH_SIZE)
    state.outcome.imported += len(new_rows)


def _note_compiled(state: _FileState, entry: PublisherCompiled) -> None:
    """Keep the newest publisher's compiled release per ocid (dates compared when valid)."""
    if len(entry.ocid) > OCID_MAX_LENGTH:
        _skip(state, entry.location, SkipReason.TOO_LONG)
        return
    if parse_date(entry.release.get("date")) is None:
        reason = SkipReason.NO_DATE if entry.release.get("date") in (None, "") else SkipReason.INVALID_DATE
        _skip(state, entry.location, reason, f"compiled release of {entry.ocid}")
        return
    current = state.compiled.get(entry.ocid)
    if current is None or _date_of(entry.release) >= _date_of(current.release):
        state.compiled[entry.ocid] = entry


def _date_of(release: Mapping[str, Any]) -> dt.datetime:
    return parse_date(release.get("date")) or dt.datetime.min.replace(tzinfo=dt.UTC)


def _compile(rows: list[tuple[dt.datetime, bytes]]) -> tuple[dict[str, Any], str]:
    """The compiled release of a process's (date, body) rows; a problem text if compiling failed."""
    releases = [orjson.loads(bytes(body)) for _, body in rows]
    try:
        return merge.compile_release(releases), ""
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # Data the merge routine cannot combine (a field that is an object in one release and a
        # string in another): the process is still shown, from its latest release.
        return releases[-1], f"{type(exc).__name__}: {exc}"


def _apply_facts(process: HistoricalProcess, compiled: Mapping[str, Any]) -> None:
    facts = facts_of(compiled)
    process.title = facts.title
    process.description = facts.description
    process.buyer_name = facts.buyer_name
    process.status = facts.status
    process.value_amount = facts.value_amount
    process.currency = facts.currency
    process.tender_start = facts.tender_start
    process.tender_end = facts.tender_end
    process.buyer_key = normalised(facts.buyer_name)[:500]
    process.search_text = normalised(" ".join([facts.title, facts.description, facts.buyer_name, process.ocid]))


PROCESS_FIELDS = [f.name for f in HistoricalProcess._meta.concrete_fields if f.name not in ("ocid", "imported_at")]


def _refreshed(
    state: _FileState, ocid: str, process: HistoricalProcess | None, rows: list[tuple[dt.datetime, bytes]]
) -> HistoricalProcess:
    """The process recompiled from all its releases (`rows`, by date), its search facts updated."""
    offered = state.compiled.get(ocid)
    if process is None:
        publisher = offered.publisher if offered else state.sources.get(ocid, ("", ""))[1]
        source = state.sources.get(ocid, (_source_for(state.source, publisher, ocid), ""))[0]
        process = HistoricalProcess(ocid=ocid, source=source, publisher=publisher[:500], imported_at=state.at)
    if offered is not None:
        process.publisher_compiled = orjson.dumps(offered.release)
        process.publisher = process.publisher or offered.publisher[:500]
    if rows:
        compiled, problem = _compile(rows)
        process.compiled = orjson.dumps(compiled)
        process.compiled_by = HistoricalProcess.COMPILED_BY_PROCURA
        process.compile_problem = problem
        process.release_count = len(rows)
        process.first_date, process.last_date = rows[0][0], rows[-1][0]
    else:
        assert process.publisher_compiled is not None  # a process with no release came from a compiled one
        compiled = orjson.loads(bytes(process.publisher_compiled))
        process.compiled = bytes(process.publisher_compiled)
        process.compiled_by = HistoricalProcess.COMPILED_BY_PUBLISHER
        process.compile_problem = ""
        process.release_count = 0
        process.first_date = process.last_date = _date_of(compiled)
    process.year = process.first_date.year
    process.updated_at = state.at
    _apply_facts(process, compiled)
    return process


def _refresh_processes(state: _FileState, ocids: list[str]) -> None:
    """Recompile a batch of processes from everything held for them: a few queries per batch."""
    existing = HistoricalProcess.objects.in_bulk(ocids)
    rows: dict[str, list[tuple[dt.datetime, bytes]]] = {ocid: [] for ocid in ocids}
    held = HistoricalRelease.objects.filter(ocid__in=ocids).order_by("ocid", "date", "release_id")
    for ocid, date, body in held.values_list("ocid", "date", "body"):
        rows[ocid].append((date, bytes(body)))
    created: list[HistoricalProcess] = []
    updated: list[HistoricalProcess] = []
    for ocid in ocids:
        process = _refreshed(state, ocid, existing.get(ocid), rows[ocid])
        (updated if ocid in existing else created).append(process)
    HistoricalProcess.objects.bulk_create(created, batch_size=BATCH_SIZE)
    HistoricalProcess.objects.bulk_update(updated, PROCESS_FIELDS, batch_size=50)
    state.outcome.processes_created += len(created)
    state.outcome.processes_updated += len(updated)


def _keep_compiled(state: _FileState) -> set[str]:
    """The ocids whose publisher's compiled release is new or newer than the one held."""
    changed: set[str] = set()
    held = dict(
        HistoricalProcess.objects.filter(ocid__in=list(state.compiled)).values_list("ocid", "publisher_compiled")
    )
    for ocid, entry in state.compiled.items():
        current = held.get(ocid)
        if current is not None:
            current_release = orjson.loads(bytes(current))
            if digest_of(current_release) == digest_of(entry.release) or _date_of(current_release) > _date_of(
                entry.release
            ):
                state.outcome.already_present += 1
                continue
        changed.add(ocid)
        state.outcome.publisher_compiled += 1
    state.compiled = {ocid: state.compiled[ocid] for ocid in changed}
    return changed


def _write(state: _FileState, entries: Iterable[Entry]) -> None:
    batch: list[tuple[Candidate, Checked]] = []
    for entry in entries:
        if isinstance(entry, Defect):
            _skip(state, entry.location, entry.reason, entry.detail)
        elif isinstance(entry, PublisherCompiled):
            _note_compiled(state, entry)
        else:
            checked = check_release(entry.release)
            if isinstance(checked, tuple):
                _skip(state, entry.location, *checked)
                continue
            batch.append((entry, checked))
            if len(batch) >= BATCH_SIZE:
                _write_batch(state, batch)
                batch = []
    if batch:
        _write_batch(state, batch)
    changed = sorted(state.touched | _keep_compiled(state))
    for start in range(0, len(changed), BATCH_SIZE):
        _refresh_processes(state, changed[start : start + BATCH_SIZE])


def import_entries(*, name: str, entries: Iterable[Entry], source: str = "") -> FileOutcome:
    """Import one file's entries in one transaction; on UnusableInput nothing of the file is kept.

    `source` labels where the data came from (default: the publisher's name, else the ocid prefix).
    """
    outcome = FileOutcome(name=name)
    state = _FileState(outcome=outcome, source=source.strip(), at=clock.now())
    try:
        with transaction.atomic():
            _write(state, entries)
    except UnusableInput as exc:
        return FileOutcome(name=name, error=str(exc))
    return outcome


def import_path(*, path: str, source: str = "") -> FileOutcome:
    """Import the file at `path` ("-" for standard input) into the historical store."""
    return import_entries(name=path, entries=read_path(path), source=source)
