"""Read queries over the release outbox and the records: filtered, keyset-paged, bytes untouched."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from procura.publication import feed
from procura.publication.feed import Cursor
from procura.publication.models import Record, Release

# What a page of releases needs; the body is served byte for byte.
_RELEASE_COLUMNS = ("seq", "txid", "release_id", "date", "body")
_RECORD_COLUMNS = ("ocid", "last_seq", "last_date", "compiled")


@dataclass(frozen=True)
class ReleaseFilters:
    ocid: str | None = None
    date_from: dt.datetime | None = None  # inclusive
    date_to: dt.datetime | None = None  # exclusive
    tag: str | None = None
    buyer: uuid.UUID | None = None


@dataclass(frozen=True)
class RecordFilters:
    ocid: str | None = None
    buyer: uuid.UUID | None = None


@dataclass(frozen=True)
class ReleasePage:
    """Releases in the order served; `next`/`prev` are the cursors of the neighbouring pages."""

    items: list[Release]
    next: Cursor | None
    prev: Cursor | None


@dataclass(frozen=True)
class RecordPage:
    items: list[Record]
    next: int | None  # a record's last_seq
    prev: int | None


def releases(filters: ReleaseFilters) -> QuerySet[Release]:
    queryset = Release.objects.only(*_RELEASE_COLUMNS)
    if filters.ocid is not None:
        queryset = queryset.filter(ocid=filters.ocid)
    if filters.date_from is not None:
        queryset = queryset.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        queryset = queryset.filter(date__lt=filters.date_to)
    if filters.tag is not None:
        # Tags are stored space-separated with a space at each end, so " tender " never matches
        # "tenderUpdate".
        queryset = queryset.filter(tags__contains=f" {filters.tag} ")
    if filters.buyer is not None:
        queryset = queryset.filter(buyer_id=filters.buyer)
    return queryset


def release_newest_first(filters: ReleaseFilters, *, before: Cursor | None, limit: int) -> ReleasePage:
    """The newest releases (feed order, descending), or those older than `before`."""
    queryset = releases(filters)
    if before is not None:
        queryset = feed.rows_before(queryset, before)
    rows = list(queryset.order_by("-txid", "-seq")[: limit + 1])
    items = rows[:limit]
    more = len(rows) > limit
    return ReleasePage(
        items=items,
        next=Cursor.of(items[-1]) if more else None,
        prev=Cursor.of(items[0]) if before is not None and items else None,
    )


def release_since(filters: ReleaseFilters, *, since: Cursor, limit: int) -> ReleasePage:
    """Releases after `since` in commit order (the change feed, filtered)."""
    rows, _ = feed.changes(since, limit + 1, releases(filters))
    items = rows[:limit]
    more = len(rows) > limit
    return ReleasePage(
        items=items,
        next=Cursor.of(items[-1]) if more else None,
        prev=Cursor.of(items[0]) if items else None,
    )


def release_changes(*, since: Cursor | None, limit: int) -> tuple[list[Release], Cursor]:
    return feed.changes(since, limit, releases(ReleaseFilters()))


def release_by_id(release_id: str) -> Release | None:
    return Release.objects.only(*_RELEASE_COLUMNS).filter(release_id=release_id).first()


def records(filters: RecordFilters, *, versioned: bool) -> QuerySet[Record]:
    columns = (*_RECORD_COLUMNS, "versioned") if versioned else _RECORD_COLUMNS
    queryset = Record.objects.only(*columns).filter(release_count__gt=0)
    if filters.ocid is not None:
        queryset = queryset.filter(ocid=filters.ocid)
    if filters.buyer is not None:
        queryset = queryset.filter(buyer_id=filters.buyer)
    return queryset


def record_page(
    filters: RecordFilters, *, versioned: bool, before: int | None, since: int | None, limit: int
) -> RecordPage:
    """Records by their latest change: newest first, older than `before`, or newer than `since`
    (oldest first). `last_seq` is unique: each release belongs to one record."""
    queryset = records(filters, versioned=versioned)
    if since is not None:
        rows = list(queryset.filter(last_seq__gt=since).order_by("last_seq")[: limit + 1])
    else:
        if before is not None:
            queryset = queryset.filter(last_seq__lt=before)
        rows = list(queryset.order_by("-last_seq")[: limit + 1])
    items = rows[:limit]
    more = len(rows) > limit
    cursor_given = since is not None or before is not None
    return RecordPage(
        items=items,
        next=items[-1].last_seq if more else None,
        prev=items[0].last_seq if cursor_given and items else None,
    )


def record_by_ocid(ocid: str, *, versioned: bool) -> Record | None:
    return records(RecordFilters(ocid=ocid), versioned=versioned).first()


@dataclass(frozen=True)
class ReleaseLink:
    release_id: str
    date: dt.datetime
    tags: list[str]


def release_links(ocids: Iterable[str]) -> dict[str, list[ReleaseLink]]:
    """Each process's releases in date order (oldest first), as a record's linked releases."""
    links: dict[str, list[ReleaseLink]] = defaultdict(list)
    ocid_list = list(ocids)
    if not ocid_list:
        return links
    rows = (
        Release.objects.filter(ocid__in=ocid_list)
        .order_by("ocid", "date", "seq")
        .values_list("ocid", "release_id", "date", "tags")
    )
    for ocid, release_id, date, tags in rows:
        links[ocid].append(ReleaseLink(release_id=release_id, date=date, tags=tags.split()))
    return links
