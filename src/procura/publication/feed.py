"""The change feed: every release exactly once, in commit order, from an opaque cursor.

A release row carries the id of the transaction that wrote it (`txid`). On PostgreSQL the feed is
ordered by (`txid`, `seq`) and only serves rows whose transaction id is below the reading
snapshot's `xmin`: every transaction with a lower id has finished by then, so no row can later
appear before a cursor already handed out, even when transactions commit out of order. On SQLite
writers are serialised, `txid` is 0 everywhere and `seq` order is commit order, so the same query
runs without the horizon. See docs/adr/0003-ocds-outbox-and-change-feed.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from procura.core.errors import InvalidInput, ProcuraError
from procura.core.pagination import decode_cursor, encode_cursor
from procura.publication.models import Release

_KIND = "feed"  # tokens carry their kind, so a records cursor is not taken for a feed cursor
_MAX_ID = 2**63 - 1  # both columns are signed 64-bit integers
_HORIZON_SQL = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the feed: after the release (`txid`, `seq`)."""

    txid: int
    seq: int

    @classmethod
    def of(cls, release: Release) -> Cursor:
        return cls(txid=release.txid, seq=release.seq)

    def token(self) -> str:
        """The opaque, url-safe form clients pass back as `since` (or `before`)."""
        return encode_cursor([_KIND, self.txid, self.seq])

    @classmethod
    def parse(cls, token: str, *, param: str = "since") -> Cursor:
        """The cursor a token names; anything this server did not issue is a 422 naming `param`."""
        message = _("%(param)s is not a cursor this server issued.") % {"param": param}
        try:
            values = decode_cursor(token, 3)
        except (ProcuraError, ArithmeticError):  # ArithmeticError: a forged {"dec": ...} value
            raise InvalidInput.for_field(param, message) from None
        kind, txid, seq = values
        if kind != _KIND or not all(_is_id(v) for v in (txid, seq)):
            raise InvalidInput.for_field(param, message)
        return cls(txid=txid, seq=seq)


START = Cursor(txid=0, seq=0)  # before every release (seq starts at 1)


def _is_id(value: object) -> bool:
    return type(value) is int and 0 <= value <= _MAX_ID


def rows_after(queryset: QuerySet[Release], cursor: Cursor) -> QuerySet[Release]:
    """Rows strictly after `cursor` in feed order."""
    return queryset.filter(Q(txid__gt=cursor.txid) | Q(txid=cursor.txid, seq__gt=cursor.seq))


def rows_before(queryset: QuerySet[Release], cursor: Cursor) -> QuerySet[Release]:
    """Rows strictly before `cursor` in feed order."""
    return queryset.filter(Q(txid__lt=cursor.txid) | Q(txid=cursor.txid, seq__lt=cursor.seq))


def settled(queryset: QuerySet[Release]) -> QuerySet[Release]:
    """Only rows no still-running transaction can precede: the horizon (PostgreSQL only).

    `pg_current_snapshot()` is taken by the same statement, so the horizon and the rows read
    agree; on SQLite there are no concurrent writers and every committed row is settled.
    """
    if connection.vendor != "postgresql":
        return queryset
    return queryset.filter(txid__lt=RawSQL(_HORIZON_SQL, ()))  # noqa: S611 (constant SQL, no parameters)


def feed_order(queryset: QuerySet[Release]) -> QuerySet[Release]:
    return queryset.order_by("txid", "seq")


def changes(
    after: Cursor | None, limit: int, queryset: QuerySet[Release] | None = None
) -> tuple[list[Release], Cursor]:
    """Up to `limit` releases of `queryset` (all by default) after `after` in commit order, and
    the cursor to poll next.

    The next cursor is always given: when nothing is new it is the one passed in, so a client
    keeps polling from where it stands.
    """
    start = after or START
    rows = settled(rows_after(queryset if queryset is not None else Release.objects.all(), start))
    items = list(feed_order(rows)[:limit])
    return items, (Cursor.of(items[-1]) if items else start)
