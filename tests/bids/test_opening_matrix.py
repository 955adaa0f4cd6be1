"""Authorization matrix for the opened bids: every page, every person, before and after the opening.

Before the opening the pages do not exist for anyone (404), whoever asks. After it, the buyer's
people on the evaluation panel who declared no conflict of interest (the officer and the
evaluator) and the platform's administrators and auditors read them; visitors are asked to sign
in; everyone else (a member of the buyer not on the panel, another buyer, the suppliers, the
bidder itself) gets the 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from procura.core import clock
from tests.bids.test_opening_pages import (
    OFFER,
    SEALED_CONTENT,
    Bids,
    bids_before_opening,
    file_url,
    open_the_bids,
    opened_bids_url,
)
from tests.conftest import PEOPLE, World

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {"opened-bids", "opened-bid-file"}

SIGN_IN = "sign-in"
BEFORE, AFTER = "before the opening", "after the opening"

NOBODY: dict[str, int | str] = dict.fromkeys(PEOPLE, 404)
READERS: dict[str, int | str] = {
    "anonymous": SIGN_IN,
    "officer": 200,
    "approver": 404,  # a member of the buyer, not on the evaluation panel
    "evaluator": 200,
    "other_officer": 404,
    "bid_manager": 404,
    "viewer": 404,
    "other_bid_manager": 404,
    "admin": 200,
    "auditor": 200,
}
# What the readers ask for is not part of the opened bids: not found, for them too.
NOT_PART_OF_THE_BIDS: dict[str, int | str] = {person: 404 if code == 200 else code for person, code in READERS.items()}


@dataclass(frozen=True)
class Row:
    name: str  # URL name
    method: str
    url: Callable[[Bids], str]
    before: dict[str, int | str]
    after: dict[str, int | str]


ROWS = [
    Row("opened-bids", "GET", opened_bids_url, NOBODY, READERS),
    Row("opened-bids", "GET", lambda b: "/tenders/ocds-prcdev-unknown/bids/", NOBODY, NOBODY),
    # Reading only: any other method is refused whatever the tender (it says nothing about its bids).
    Row("opened-bids", "POST", opened_bids_url, dict.fromkeys(PEOPLE, 405), dict.fromkeys(PEOPLE, 405)),
    Row("opened-bid-file", "GET", lambda b: file_url(b, b.offer), NOBODY, READERS),
    Row("opened-bid-file", "GET", lambda b: file_url(b, b.old_file), NOBODY, NOT_PART_OF_THE_BIDS),
    Row("opened-bid-file", "GET", lambda b: file_url(b, b.rival_file), NOBODY, NOT_PART_OF_THE_BIDS),
    Row(
        "opened-bid-file",
        "GET",
        lambda b: f"/tenders/{b.tender.ocid}/bids/{b.bid.pk}/files/{uuid.uuid4()}/",
        NOBODY,
        NOT_PART_OF_THE_BIDS,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("moment", [BEFORE, AFTER])
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name} {i}" for i, r in enumerate(ROWS)])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_read_the_opened_bids(
    world: World, frozen_clock: clock.Clock, row: Row, person: str, moment: str
) -> None:
    # given
    bids = bids_before_opening(world)
    if moment == AFTER:
        open_the_bids(bids, frozen_clock, world)
    client = world.client(None if person == "anonymous" else person)
    # when
    response = client.generic(row.method, row.url(bids))
    # then
    expected = (row.after if moment == AFTER else row.before)[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    else:
        assert response.status_code == expected
    if response.status_code != 200:
        body = response.content.decode(errors="replace")
        for secret in SEALED_CONTENT:
            assert secret not in body, secret
        assert OFFER not in response.content
    if response.status_code == 404:
        assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_tables_cover_every_person() -> None:
    for row in ROWS:
        assert set(row.before) == set(PEOPLE), row
        assert set(row.after) == set(PEOPLE), row
