"""Authorization matrix of the bids API: every endpoint × every person, with exact status codes;
for writes, that the change happened exactly when it was allowed; for reads, that nothing
changed and that a bid's content (its price) reaches exactly the people allowed to read it.

People sign in with a browser session (two-factor verified); tests/bids/test_api.py covers
Bearer tokens and their scopes. The API's URL names are not checked by
tests/web/test_authorization_matrix.py (it skips the "api" namespace), so this module declares
only COVERED_API_OPERATIONS, which tests/api/test_api_authorization.py collects.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from procura.audit.models import AuditEntry
from procura.bids import services
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, BidOpening, BidVersion, Receipt, SealedFile
from procura.core import clock
from procura.core.models import IdempotencyRecord
from procura.tenders.models import Tender
from tests.bids.support import after_opening, declared_panel, draft_bid, open_tender, submitted_bid
from tests.conftest import PEOPLE, World
from tests.documents.samples import PDF
from tests.tenders.test_api import send

PRICE = "8675.31"  # in every bid these rows make: it must appear exactly where the content may be read
BIDDER = frozenset({"bid_manager", "viewer"})
# On the buyer's side, opened bids are read from the evaluation panel, declared without conflict:
# the officer and the evaluator sit on it; the approver does not.
PANEL = frozenset({"officer", "evaluator"})
OVERSEERS = frozenset({"admin", "auditor"})


@dataclass
class Case:
    """What a row prepares: the URL, the body, and how to tell whether the write happened."""

    url: str
    body: dict[str, Any] | None = None
    multipart: dict[str, Any] | None = None
    wrote: Callable[[], bool] | None = None  # None: a read
    reveals_price_to: frozenset[str] = field(default_factory=frozenset)  # a read: who sees PRICE


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # OpenAPI path template
    expected: dict[str, int]
    prepare: Callable[[World, clock.Clock], Case]


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PEOPLE, status)


def _signed_in(status: int) -> dict[str, int]:
    return {person: 401 if person == "anonymous" else status for person in PEOPLE}


def _only(allowed: dict[str, int], refused: int = 403) -> dict[str, int]:
    """`allowed` get their status, anonymous 401, everyone else `refused`."""
    return {person: allowed.get(person, 401 if person == "anonymous" else refused) for person in PEOPLE}


def _bidder_reads(ok: int) -> dict[str, int]:
    """A sealed bid: its bidder's members read it; for everyone else it does not exist."""
    return _only(dict.fromkeys(BIDDER, ok), refused=404)


def _bidder_writes(ok: int) -> dict[str, int]:
    """A write on a sealed bid: its bid manager; its viewer may see it but not change it (403);
    for everyone else it does not exist (404)."""
    return _only({"bid_manager": ok, "viewer": 403}, refused=404)


# --- What each row prepares -------------------------------------------------------------------------
def _tender(w: World) -> Tender:
    return open_tender(w.officer, w.buyer)


def _draft(w: World) -> Bid:
    return draft_bid(_tender(w), w.bid_manager, w.supplier, price=PRICE)


def _submitted(w: World) -> tuple[Bid, Receipt]:
    return submitted_bid(_tender(w), w.bid_manager, w.supplier, price=PRICE)


def _opened(w: World, time: clock.Clock) -> tuple[Bid, Receipt]:
    bid, receipt = _submitted(w)
    time.set(after_opening(bid.tender))
    services.bids_open(tender=bid.tender)
    declared_panel(bid.tender, w.officer, w.officer, w.evaluator)
    return bid, receipt


def _price_of(bid_id: Any) -> str:
    bid = Bid.objects.filter(pk=bid_id).first()
    return "" if bid is None else services.working_content(bid).price_amount


def _list_of_supplier(w: World, time: clock.Clock) -> Case:
    _draft(w)
    return Case(f"/api/v1/bids?supplier={w.supplier.pk}")


def _list_of_mine(w: World, time: clock.Clock) -> Case:
    # Lists never carry content; who sees which bid is test_only_the_bidder_lists_its_bids.
    _draft(w)
    return Case("/api/v1/bids")


def _start(w: World, time: clock.Clock) -> Case:
    tender = _tender(w)
    body = {"tender": tender.ocid, "lot": tender.lots.get().local_id, "supplier": str(w.supplier.pk)}
    return Case("/api/v1/bids", body, wrote=lambda: Bid.objects.filter(tender=tender).exists())


def _detail_sealed(w: World, time: clock.Clock) -> Case:
    return Case(f"/api/v1/bids/{_draft(w).pk}", reveals_price_to=BIDDER)


def _detail_opened(w: World, time: clock.Clock) -> Case:
    bid, _ = _opened(w, time)
    return Case(f"/api/v1/bids/{bid.pk}", reveals_price_to=BIDDER | PANEL | OVERSEERS)


def _draft_save(w: World, time: clock.Clock) -> Case:
    bid = _draft(w)
    return Case(
        f"/api/v1/bids/{bid.pk}/draft",
        {"price": {"amount": "777.00", "currency": "GBP"}},
        wrote=lambda: _price_of(bid.pk) == "777.00",
    )


def _draft_discard(w: World, time: clock.Clock) -> Case:
    bid = _draft(w)
    return Case(f"/api/v1/bids/{bid.pk}/draft", wrote=lambda: not Bid.objects.filter(pk=bid.pk).exists())


def _file_add(w: World, time: clock.Clock) -> Case:
    bid = _draft(w)
    file = io.BytesIO(PDF)
    file.name = "offer.pdf"
    return Case(
        f"/api/v1/bids/{bid.pk}/files",
        multipart={"file": file, "title": "Offer"},
        wrote=lambda: SealedFile.objects.filter(bid=bid).exists(),
    )


def _file_remove(w: World, time: clock.Clock) -> Case:
    bid = _draft(w)
    file = io.BytesIO(PDF)
    file.name = "offer.pdf"
    sealed = services.bid_file_add(actor=w.bid_manager, bid=bid, file=file, title="Offer")
    return Case(
        f"/api/v1/bids/{bid.pk}/files/{sealed.pk}",
        wrote=lambda: services.working_content(Bid.objects.get(pk=bid.pk)).files == (),
    )


def _submit(w: World, time: clock.Clock) -> Case:
    bid = _draft(w)
    return Case(f"/api/v1/bids/{bid.pk}/submit", wrote=lambda: BidVersion.objects.filter(bid=bid).exists())


def _withdraw(w: World, time: clock.Clock) -> Case:
    bid, _ = _submitted(w)
    return Case(
        f"/api/v1/bids/{bid.pk}/withdraw",
        wrote=lambda: Bid.objects.get(pk=bid.pk).status == BidStatus.WITHDRAWN,
    )


def _receipts_sealed(w: World, time: clock.Clock) -> Case:
    bid, _ = _submitted(w)
    return Case(f"/api/v1/bids/{bid.pk}/receipts")


def _receipt_sealed(w: World, time: clock.Clock) -> Case:
    _, receipt = _submitted(w)
    return Case(f"/api/v1/receipts/{receipt.pk}")


def _receipt_opened(w: World, time: clock.Clock) -> Case:
    _, receipt = _opened(w, time)
    return Case(f"/api/v1/receipts/{receipt.pk}")


def _public_key(w: World, time: clock.Clock) -> Case:
    return Case("/api/v1/receipts/public-key")


def _questions(w: World, time: clock.Clock) -> Case:
    return Case(f"/api/v1/tenders/{_submitted(w)[0].tender.ocid}/bid-questions")


def _count(w: World, time: clock.Clock) -> Case:
    return Case(f"/api/v1/tenders/{_submitted(w)[0].tender.ocid}/bid-count")


def _opening_before(w: World, time: clock.Clock) -> Case:
    return Case(f"/api/v1/tenders/{_submitted(w)[0].tender.ocid}/opening")


def _opening_after(w: World, time: clock.Clock) -> Case:
    bid, _ = _opened(w, time)
    # The opening record is public: every price, for everyone.
    return Case(f"/api/v1/tenders/{bid.tender.ocid}/opening", reveals_price_to=frozenset(PEOPLE))


_OPENED_READERS = dict.fromkeys(BIDDER | PANEL | OVERSEERS, 200)

ROWS = [
    Row("GET", "/api/v1/bids", _only(dict.fromkeys(BIDDER, 200)), _list_of_supplier),
    Row("GET", "/api/v1/bids", _signed_in(200), _list_of_mine),
    Row("POST", "/api/v1/bids", _only({"bid_manager": 201}), _start),
    Row("GET", "/api/v1/bids/{bid_id}", _bidder_reads(200), _detail_sealed),
    Row("GET", "/api/v1/bids/{bid_id}", _only(_OPENED_READERS, refused=404), _detail_opened),
    Row("PUT", "/api/v1/bids/{bid_id}/draft", _bidder_writes(200), _draft_save),
    Row("DELETE", "/api/v1/bids/{bid_id}/draft", _bidder_writes(204), _draft_discard),
    Row("POST", "/api/v1/bids/{bid_id}/files", _bidder_writes(201), _file_add),
    Row("DELETE", "/api/v1/bids/{bid_id}/files/{file_id}", _bidder_writes(204), _file_remove),
    Row("POST", "/api/v1/bids/{bid_id}/submit", _bidder_writes(201), _submit),
    Row("POST", "/api/v1/bids/{bid_id}/withdraw", _bidder_writes(201), _withdraw),
    Row("GET", "/api/v1/bids/{bid_id}/receipts", _bidder_reads(200), _receipts_sealed),
    Row("GET", "/api/v1/receipts/{receipt_id}", _bidder_reads(200), _receipt_sealed),
    Row("GET", "/api/v1/receipts/{receipt_id}", _only(_OPENED_READERS, refused=404), _receipt_opened),
    Row("GET", "/api/v1/receipts/public-key", _everyone(200), _public_key),
    Row("GET", "/api/v1/tenders/{ocid}/bid-questions", _everyone(200), _questions),
    Row("GET", "/api/v1/tenders/{ocid}/bid-count", _everyone(200), _count),
    Row("GET", "/api/v1/tenders/{ocid}/opening", _everyone(404), _opening_before),
    Row("GET", "/api/v1/tenders/{ocid}/opening", _everyone(200), _opening_after),
]

# Read by tests/api/test_api_authorization.py: the API operations this table covers.
COVERED_API_OPERATIONS = {(row.method, row.path) for row in ROWS}


def _stored() -> tuple[int, ...]:
    """How much is stored: a read changes none of it."""
    return (
        Bid.objects.count(),
        BidVersion.objects.count(),
        SealedFile.objects.count(),
        Receipt.objects.count(),
        BidOpening.objects.count(),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def _request(client: Client, row: Row, case: Case) -> Any:
    if case.multipart is not None:
        return client.post(case.url, case.multipart)
    return send(client, row.method, case.url, case.body)


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path} {r.prepare.__name__.strip('_')}")
def test_bids_api_matrix(world: World, frozen_clock: clock.Clock, row: Row, person: str) -> None:
    # given
    case = row.prepare(world, frozen_clock)
    client = Client() if person == "anonymous" else world.client(person)
    before = _stored()
    # when
    response = _request(client, row, case)
    # then
    assert response.status_code == row.expected[person], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    if case.wrote is None:
        assert _stored() == before
        assert (PRICE.encode() in response.content) is (person in case.reveals_price_to), response.content
    else:
        assert case.wrote() is (response.status_code < 300)


@pytest.mark.parametrize("person", PEOPLE)
def test_only_the_bidder_lists_its_bids(world: World, frozen_clock: clock.Clock, person: str) -> None:
    # given a bid of the supplier and one of its rival
    bid = _draft(world)
    rival = draft_bid(bid.tender, world.other_bid_manager, world.other_supplier)
    client = Client() if person == "anonymous" else world.client(person)
    # when
    response = send(client, "GET", "/api/v1/bids")
    # then
    if person == "anonymous":
        assert response.status_code == 401
        return
    listed = {entry["id"] for entry in response.json()["results"]}
    assert (str(bid.pk) in listed) is (person in BIDDER)
    assert (str(rival.pk) in listed) is (person == "other_bid_manager")


def test_every_bids_operation_has_a_row() -> None:
    from procura.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "bids" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS
