"""Authorization matrix of the bid pages: every page and action, for every person, before and
after the opening. Before the opening a bid is found only by its supplier's members — the buyer,
administrators and auditors get the 404 page, and no response to anyone else carries what the
bid says."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procura.bids import services
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, Receipt
from procura.core import clock
from procura.tenders.models import Tender
from tests.bids.support import after_opening, declared_panel, draft_bid, open_tender
from tests.conftest import PEOPLE, World

pytestmark = pytest.mark.django_db

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {
    "my-bids",
    "bid-start",
    "bid",
    "bid-file-add",
    "bid-file",
    "bid-file-remove",
    "bid-withdraw",
    "bid-discard",
    "bid-receipt",
    "receipts-about",
    "receipt-public-key",
    "receipt-download",
}

SIGN_IN = "sign-in"
SECRET_PRICE = "4321.09"
SECRET_FILE = b"Our secret method statement."
SECRET_FILE_NAME = "method-statement.txt"

EVERYONE = dict.fromkeys(PEOPLE, 200)
# Before the opening: the bidder's members see the bid; everyone else signed in is told nothing.
BIDDER_SEES: dict[str, int | str] = {
    **dict.fromkeys(PEOPLE, 404),
    "anonymous": SIGN_IN,
    "bid_manager": 200,
    "viewer": 200,
}
# Acting on it: its bid managers; its viewers are refused; everyone else does not find it.
BIDDER_ACTS: dict[str, int | str] = {**BIDDER_SEES, "bid_manager": 302, "viewer": 403}
BIDDER_ACTS_PAGE: dict[str, int | str] = {**BIDDER_SEES, "viewer": 403}
# After the opening: also the platform's overseers and, on the buyer's side, the members of the
# evaluation panel who declared no conflict of interest (the officer and the evaluator; the
# approver, not on the panel, still does not find it).
OPENED_SEES: dict[str, int | str] = {
    **BIDDER_SEES,
    "officer": 200,
    "evaluator": 200,
    "admin": 200,
    "auditor": 200,
}
# After the opening nobody acts: the bid manager's post is refused on the page (bids closed),
# the readers who are no bid managers get the 403 page.
OPENED_ACTS: dict[str, int | str] = {
    **OPENED_SEES,
    "officer": 403,
    "evaluator": 403,
    "admin": 403,
    "auditor": 403,
    "viewer": 403,
    "bid_manager": 200,
}
# Starting a bid: bid managers of suppliers; everyone else signed in is refused with the reason.
STARTERS: dict[str, int | str] = {
    **dict.fromkeys(PEOPLE, 403),
    "anonymous": SIGN_IN,
    "bid_manager": 200,
    "other_bid_manager": 200,
}
# The supplier workspace: members of suppliers.
SUPPLIER_MEMBERS: dict[str, int | str] = {**STARTERS, "viewer": 200}


def _with_file(tender: Tender, world: World, price: str) -> tuple[Bid, Receipt, str]:
    bid = draft_bid(tender, world.bid_manager, world.supplier, price=price)
    sealed = services.bid_file_add(
        actor=world.bid_manager, bid=bid, file=SimpleUploadedFile(SECRET_FILE_NAME, SECRET_FILE)
    )
    receipt = services.bid_submit(actor=world.bid_manager, bid=bid)
    bid.refresh_from_db()
    return bid, receipt, str(sealed.pk)


class State:
    """What a row needs, made the first time it is asked for (a row asks for little)."""

    def __init__(self, world: World, frozen_clock: clock.Clock) -> None:
        self.world = world
        self.frozen_clock = frozen_clock

    @cached_property
    def _sealed(self) -> tuple[Tender, Bid, Receipt, str]:
        tender = open_tender(self.world.officer, self.world.buyer, title="Sealed tender")
        return (tender, *_with_file(tender, self.world, SECRET_PRICE))

    @property
    def tender(self) -> Tender:  # open for bids
        return self._sealed[0]

    @property
    def bid(self) -> Bid:  # submitted, with a file, by world.supplier
        return self._sealed[1]

    @property
    def receipt(self) -> Receipt:
        return self._sealed[2]

    @property
    def file_id(self) -> str:
        return self._sealed[3]

    @cached_property
    def draft(self) -> Bid:  # a draft of world.supplier on another tender
        other = open_tender(self.world.officer, self.world.buyer, title="Drafted tender")
        return draft_bid(other, self.world.bid_manager, self.world.supplier, price=SECRET_PRICE)

    @cached_property
    def fresh(self) -> Tender:  # no bids yet
        return open_tender(self.world.officer, self.world.buyer, title="Fresh tender")

    @cached_property
    def _opened(self) -> tuple[Bid, Receipt, str]:
        """A bid submitted on a tender whose bids were then opened (the clock moves past it)."""
        assert not {"_sealed", "draft", "fresh"} & set(vars(self)), "the opening moves the clock: ask for it first"
        earlier = open_tender(self.world.officer, self.world.buyer, title="Opened tender")
        made = _with_file(earlier, self.world, SECRET_PRICE)
        self.frozen_clock.set(after_opening(earlier))
        services.bids_open(tender=earlier)
        declared_panel(earlier, self.world.officer, self.world.officer, self.world.evaluator)
        return made

    @property
    def opened(self) -> Bid:
        return self._opened[0]

    @property
    def opened_receipt(self) -> Receipt:
        return self._opened[1]

    @property
    def opened_file_id(self) -> str:
        return self._opened[2]


@dataclass(frozen=True)
class Row:
    name: str  # URL name
    method: str
    url: Callable[[State], str]
    expected: dict[str, int | str]
    data: Callable[[State], dict[str, Any]] | None = None
    done: Callable[[State], bool] | None = None  # the change happened (exactly when a 302 is expected)
    sealed: bool = True  # before the opening: nobody but the bidder may read the bid's content
    needs: Callable[[State], object] = lambda s: s.bid  # made before the request, whatever the URL


def _price_of(bid: Bid) -> str:
    return services.working_content(Bid.objects.get(pk=bid.pk)).price_amount


ROWS = [
    Row("receipts-about", "GET", lambda s: "/receipts/", EVERYONE),
    Row("receipt-public-key", "GET", lambda s: "/receipts/public-key.pem", EVERYONE),
    Row("my-bids", "GET", lambda s: "/bids/", SUPPLIER_MEMBERS),
    Row("bid-start", "GET", lambda s: f"/bids/start/{s.fresh.lots.get().pk}/", STARTERS),
    Row(
        "bid-start",
        "POST",
        lambda s: f"/bids/start/{s.fresh.lots.get().pk}/",
        {**STARTERS, "bid_manager": 302, "other_bid_manager": 302},
        done=lambda s: Bid.objects.filter(tender=s.fresh).exists(),
    ),
    Row(
        "bid-start",
        "GET",
        lambda s: f"/bids/start/{uuid.uuid4()}/",
        {**dict.fromkeys(PEOPLE, 404), "anonymous": SIGN_IN},
    ),
    Row("bid", "GET", lambda s: f"/bids/{s.bid.pk}/", BIDDER_SEES),
    Row("bid", "GET", lambda s: f"/bids/{s.draft.pk}/", BIDDER_SEES),
    Row("bid", "GET", lambda s: f"/bids/{uuid.uuid4()}/", {**dict.fromkeys(PEOPLE, 404), "anonymous": SIGN_IN}),
    Row(
        "bid",
        "POST",
        lambda s: f"/bids/{s.bid.pk}/",
        BIDDER_ACTS,
        data=lambda s: {"action": "save", "price": "4000"},
        done=lambda s: _price_of(s.bid) == "4000",
    ),
    Row(
        "bid",
        "POST",
        lambda s: f"/bids/{s.draft.pk}/",
        BIDDER_ACTS,
        data=lambda s: {"action": "submit", "price": "3999"},
        done=lambda s: Bid.objects.get(pk=s.draft.pk).status == BidStatus.SUBMITTED,
    ),
    Row(
        "bid-file-add",
        "POST",
        lambda s: f"/bids/{s.bid.pk}/files/",
        BIDDER_ACTS,
        data=lambda s: {"file": SimpleUploadedFile("annex.txt", b"Annex.")},
        done=lambda s: len(services.working_content(Bid.objects.get(pk=s.bid.pk)).files) == 2,
    ),
    Row("bid-file", "GET", lambda s: f"/bids/{s.bid.pk}/files/{s.file_id}/", BIDDER_SEES),
    Row(
        "bid-file-remove",
        "POST",
        lambda s: f"/bids/{s.bid.pk}/files/{s.file_id}/remove/",
        BIDDER_ACTS,
        done=lambda s: services.working_content(Bid.objects.get(pk=s.bid.pk)).files == (),
    ),
    Row("bid-withdraw", "GET", lambda s: f"/bids/{s.bid.pk}/withdraw/", BIDDER_ACTS_PAGE),
    Row(
        "bid-withdraw",
        "POST",
        lambda s: f"/bids/{s.bid.pk}/withdraw/",
        BIDDER_ACTS,
        done=lambda s: Bid.objects.get(pk=s.bid.pk).status == BidStatus.WITHDRAWN,
    ),
    Row("bid-discard", "GET", lambda s: f"/bids/{s.draft.pk}/discard/", BIDDER_ACTS_PAGE),
    Row(
        "bid-discard",
        "POST",
        lambda s: f"/bids/{s.draft.pk}/discard/",
        BIDDER_ACTS,
        done=lambda s: not Bid.objects.filter(pk=s.draft.pk).exists(),
    ),
    Row("bid-receipt", "GET", lambda s: f"/bids/{s.bid.pk}/receipts/{s.receipt.pk}/", BIDDER_SEES),
    Row(
        "bid-receipt",
        "GET",
        lambda s: f"/bids/{s.draft.pk}/receipts/{s.receipt.pk}/",  # a receipt of another bid
        {**BIDDER_SEES, "bid_manager": 404, "viewer": 404},
    ),
    Row("receipt-download", "GET", lambda s: f"/receipts/{s.receipt.pk}.json", BIDDER_SEES),
    Row(
        "receipt-download",
        "GET",
        lambda s: f"/receipts/{uuid.uuid4()}.json",
        {**dict.fromkeys(PEOPLE, 404), "anonymous": SIGN_IN},
    ),
    # After the opening.
    Row("bid", "GET", lambda s: f"/bids/{s.opened.pk}/", OPENED_SEES, sealed=False, needs=lambda s: s.opened),
    Row(
        "bid",
        "POST",
        lambda s: f"/bids/{s.opened.pk}/",
        OPENED_ACTS,
        data=lambda s: {"action": "save", "price": "1"},
        sealed=False,
        needs=lambda s: s.opened,
    ),
    Row(
        "bid-file",
        "GET",
        lambda s: f"/bids/{s.opened.pk}/files/{s.opened_file_id}/",
        OPENED_SEES,
        sealed=False,
        needs=lambda s: s.opened,
    ),
    Row(
        "bid-receipt",
        "GET",
        lambda s: f"/bids/{s.opened.pk}/receipts/{s.opened_receipt.pk}/",
        OPENED_SEES,
        sealed=False,
        needs=lambda s: s.opened,
    ),
    Row(
        "receipt-download",
        "GET",
        lambda s: f"/receipts/{s.opened_receipt.pk}.json",
        OPENED_SEES,
        sealed=False,
        needs=lambda s: s.opened,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name} {i}" for i, r in enumerate(ROWS)])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_open_each_bid_page(world: World, frozen_clock: clock.Clock, row: Row, person: str) -> None:
    # given
    state = State(world, frozen_clock)
    row.needs(state)
    client = world.client(None if person == "anonymous" else person)
    url = row.url(state)
    # when
    response = client.post(url, row.data(state) if row.data else {}) if row.method == "POST" else client.get(url)
    # then
    expected = row.expected[person]
    body = response.content
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    else:
        assert response.status_code == expected, body.decode(errors="replace")[:800]
    if response.status_code == 404:
        assert b"<h1>Page not found</h1>" in body
    if row.done is not None:
        assert row.done(state) == (expected == 302), "the change must happen exactly when allowed"
    if row.sealed and person not in {"bid_manager", "viewer"}:
        # Nothing the bid says reaches anyone else before the opening.
        for secret in (SECRET_PRICE.encode(), b"4,321.09", SECRET_FILE, SECRET_FILE_NAME.encode()):
            assert secret not in body


@pytest.mark.parametrize("person", PEOPLE)
def test_the_tender_page_never_shows_a_sealed_bid(world: World, frozen_clock: clock.Clock, person: str) -> None:
    # given a submitted bid and a draft on tenders before their opening
    state = State(world, frozen_clock)
    client = world.client(None if person == "anonymous" else person)
    # when anyone opens the tender pages
    for tender in (state.tender, state.draft.tender):
        body = client.get(f"/tenders/{tender.ocid}/").content
        # then nothing the bids say is there, and the links to them only for the bidder
        assert SECRET_PRICE.encode() not in body
        assert SECRET_FILE_NAME.encode() not in body
        bid = state.bid if tender == state.tender else state.draft
        assert (f"/bids/{bid.pk}/".encode() in body) == (person in {"bid_manager", "viewer"})
