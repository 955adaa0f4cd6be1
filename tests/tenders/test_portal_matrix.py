"""Authorization matrix for the public tender portal: every page and action, for every person,
with a published tender and a draft."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from procura.core import clock
from procura.tenders.models import Clarification, Tender
from tests.conftest import PEOPLE, World
from tests.tenders.support import draft, published

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {"tenders", "tenders-csv", "tenders-feed", "tender", "tender-question"}

SIGN_IN = "sign-in"

EVERYONE = dict.fromkeys(PEOPLE, 200)
# A draft: the buyer's members and platform oversight; a 404 for everyone else, so that its
# existence does not leak.
DRAFT_VIEWERS: dict[str, int | str] = {
    "anonymous": 404,
    "officer": 200,
    "approver": 200,
    "evaluator": 200,
    "other_officer": 404,
    "bid_manager": 404,
    "viewer": 404,
    "other_bid_manager": 404,
    "admin": 200,
    "auditor": 200,
}
# Asking: bid managers of suppliers; everyone else signed in is refused with the reason.
ASKERS: dict[str, int | str] = {
    "anonymous": SIGN_IN,
    "officer": 403,
    "approver": 403,
    "evaluator": 403,
    "other_officer": 403,
    "bid_manager": 200,
    "viewer": 403,
    "other_bid_manager": 200,
    "admin": 403,
    "auditor": 403,
}
# Asking about a draft: nobody; those who cannot see it get the 404, the others the refusal.
DRAFT_ASKERS: dict[str, int | str] = {
    "anonymous": SIGN_IN,
    "officer": 403,
    "approver": 403,
    "evaluator": 403,
    "other_officer": 404,
    "bid_manager": 404,
    "viewer": 404,
    "other_bid_manager": 404,
    "admin": 403,
    "auditor": 403,
}


@dataclass(frozen=True)
class Row:
    name: str  # URL name
    method: str
    url: Callable[[Tender, Tender], str]  # (published, draft) -> URL
    expected: dict[str, int | str]
    data: dict[str, str] | None = None
    asks: bool = False  # a POST that creates a question when allowed


def _questions(tender: Tender) -> str:
    return f"/tenders/{tender.ocid}/questions/"


ROWS = [
    Row("tenders", "GET", lambda p, d: "/tenders/", EVERYONE),
    Row("tenders", "GET", lambda p, d: "/tenders/?q=gloves&status=tendering&sme_suitable=on", EVERYONE),
    Row("tenders-csv", "GET", lambda p, d: "/tenders/export.csv", EVERYONE),
    Row("tenders-feed", "GET", lambda p, d: "/tenders/feed.atom", EVERYONE),
    Row("tender", "GET", lambda p, d: f"/tenders/{p.ocid}/", EVERYONE),
    Row("tender", "GET", lambda p, d: f"/tenders/{d.ocid}/", DRAFT_VIEWERS),
    Row("tender", "GET", lambda p, d: "/tenders/ocds-prcdev-unknown/", dict.fromkeys(PEOPLE, 404)),
    Row("tender-question", "GET", lambda p, d: _questions(p), ASKERS),
    Row("tender-question", "GET", lambda p, d: _questions(d), DRAFT_ASKERS),
    Row(
        "tender-question",
        "POST",
        lambda p, d: _questions(p),
        {**ASKERS, "bid_manager": 302, "other_bid_manager": 302},
        data={"question": "Is delivery included?"},
        asks=True,
    ),
    Row(
        "tender-question",
        "POST",
        lambda p, d: _questions(d),
        DRAFT_ASKERS,
        data={"question": "Is delivery included?"},
        asks=True,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name} {i}" for i, r in enumerate(ROWS)])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_open_each_portal_page(world: World, frozen_clock: clock.Clock, row: Row, person: str) -> None:
    # given
    open_tender = published(world.officer, world.buyer)
    secret = draft(world.officer, world.buyer, title="Secret draft")
    client = world.client(None if person == "anonymous" else person)
    url = row.url(open_tender, secret)
    # when
    if row.method == "POST":
        response = client.post(url, urlencode(row.data or {}), content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(url)
    # then
    expected = row.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    else:
        assert response.status_code == expected
    if response.status_code == 404:
        assert "<h1>Page not found</h1>" in response.content.decode()
        assert "Secret draft" not in response.content.decode()
    if response.status_code == 403:
        assert "Only a bid manager of a registered supplier can ask questions about a tender." in (
            response.content.decode()
        )
    if row.asks:
        assert Clarification.objects.exists() == (expected == 302), "a question is stored exactly when allowed"
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)


def test_the_tables_cover_every_person() -> None:
    for row in ROWS:
        assert set(row.expected) == set(PEOPLE), row
