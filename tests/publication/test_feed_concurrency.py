"""The change feed on PostgreSQL with concurrent writers (docs/adr/0003): transactions commit in
another order than they began, and a reader paging the feed meanwhile sees every release exactly
once — never skipped, never repeated."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction

from procura.publication import feed
from procura.publication.models import Release
from procura.publication.services import release_store

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."
    ),
]


def _release(ocid: str, n: int) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "id": f"{ocid}-{n}",
        "date": f"2026-03-02T09:00:{n % 60:02d}Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": ocid, "title": f"Release {n}"},
    }


def _read_all(cursor: Any) -> tuple[list[str], Any]:
    """Page the feed from `cursor` to its current end, on this thread's connection."""
    seen: list[str] = []
    while True:
        page, cursor_after = feed.changes(cursor, 7)
        seen += [release.release_id for release in page]
        if cursor_after is not None:
            cursor = cursor_after
        if len(page) < 7:
            return seen, cursor


def test_a_release_committed_late_is_not_skipped() -> None:
    """A begins first and commits last; B's release is committed (and has the higher seq) while
    A is still open. A seq cursor would pass B and never come back for A; the feed holds B back
    until A ends, then gives A and B."""
    a_written = threading.Event()
    b_committed = threading.Event()
    reader_looked = threading.Event()
    errors: list[BaseException] = []

    def writer_a() -> None:
        try:
            with transaction.atomic():
                release_store(release=_release("ocds-prcdev-a", 1))
                a_written.set()
                assert reader_looked.wait(30)  # A stays open until the reader has looked
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def writer_b() -> None:
        try:
            assert a_written.wait(30)
            with transaction.atomic():
                release_store(release=_release("ocds-prcdev-b", 2))
        except BaseException as exc:
            errors.append(exc)
        finally:
            b_committed.set()
            connections.close_all()

    # The reader is the main thread; it first catches up on an empty feed.
    seen, cursor = _read_all(None)
    assert seen == []
    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    assert b_committed.wait(30)
    visible_by_seq = list(Release.objects.order_by("seq").values_list("release_id", flat=True))
    assert visible_by_seq == ["ocds-prcdev-b-2"], "B must be committed while A is still open"
    early, cursor = _read_all(cursor)
    reader_looked.set()
    assert early == []  # B waits behind A's open transaction
    for thread in threads:
        thread.join(30)
    assert not errors
    late, cursor = _read_all(cursor)
    assert late == ["ocds-prcdev-a-1", "ocds-prcdev-b-2"]
    assert _read_all(cursor)[0] == []


def test_many_writers_committing_out_of_order_never_skip_or_repeat() -> None:
    writers, per_writer = 6, 8
    rng = random.Random(20261122)
    delays = [[rng.uniform(0, 0.02) for _ in range(per_writer)] for _ in range(writers)]
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for n in range(per_writer):
                with transaction.atomic():
                    release_store(release=_release(f"ocds-prcdev-w{w}", n))
                    time.sleep(delays[w][n])  # hold the transaction open: commits interleave
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    collected: list[str] = []

    def reader() -> None:
        cursor = None
        try:
            while not done.is_set():
                page, cursor = _read_all(cursor)
                collected.extend(page)
                time.sleep(0.001)
            page, cursor = _read_all(cursor)
            collected.extend(page)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    read_thread = threading.Thread(target=reader)
    read_thread.start()
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    read_thread.join(60)
    assert not errors
    expected = {f"ocds-prcdev-w{w}-{n}" for w in range(writers) for n in range(per_writer)}
    assert len(collected) == len(set(collected)), "a release was delivered twice"
    assert set(collected) == expected, "a release was skipped"
