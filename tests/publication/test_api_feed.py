"""The change-feed cursor: an opaque token that round-trips, and anything forged is refused
naming the parameter; on SQLite the feed is seq order, and a caught-up reader keeps its place."""

from __future__ import annotations

import base64

import pytest
from django.db import connection

from procura.core.errors import InvalidInput
from procura.publication import feed
from procura.publication.feed import Cursor
from tests.publication.api_support import many, store


@pytest.mark.parametrize("cursor", [Cursor(0, 0), Cursor(0, 1), Cursor(812_345, 99), Cursor(2**63 - 1, 2**63 - 1)])
def test_a_cursor_round_trips_through_its_url_safe_token(cursor: Cursor) -> None:
    # when
    token = cursor.token()
    # then
    assert Cursor.parse(token) == cursor
    assert token.replace("-", "").replace("_", "").isalnum()


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a cursor",
        "!!!",
        _token(b"[1, 2]"),
        _token(b'["feed", 1]'),
        _token(b'["feed", 1, 2, 3]'),
        _token(b'["records", 1, 2]'),
        _token(b'["feed", -1, 2]'),
        _token(b'["feed", 1, 9223372036854775808]'),
        _token(b'["feed", true, 2]'),
        _token(b'["feed", 1.5, 2]'),
        _token(b'["feed", "1", 2]'),
        _token(b'["feed", {"dec": "x"}, 2]'),
        _token(b'["feed", {"dt": "x"}, 2]'),
        _token(b'{"feed": 1}'),
        _token(b"\xff\xfe"),
    ],
)
def test_a_forged_cursor_is_refused_naming_the_parameter(token: str) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        Cursor.parse(token, param="since")
    # then
    assert list(refused.value.fields) == ["since"]


@pytest.mark.django_db(transaction=True)
def test_changes_follow_commit_order_and_keep_the_place_when_caught_up() -> None:
    # given
    stored = many(5)
    # when
    first, cursor = feed.changes(None, 3)
    rest, cursor = feed.changes(cursor, 3)
    nothing, same = feed.changes(cursor, 3)
    later = store("ocds-prcdev-late", 77)
    news, _ = feed.changes(same, 3)
    # then
    assert [r.release_id for r in first + rest] == [r.release_id for r in stored]
    assert nothing == []
    assert same == cursor
    assert [r.release_id for r in news] == [later.release_id]
    if connection.vendor == "sqlite":
        assert all(r.txid == 0 for r in stored)  # writers are serialised: seq order is commit order
    else:
        assert [r.txid for r in stored] == sorted(r.txid for r in stored)  # one transaction each
