"""Two envelopes: the opening reads everything but the prices; the financial opening reads the
prices of the bids the evaluation names, and only theirs.

Until its financial opening a price is nowhere in clear: not in any page, API answer, feed or
admin page for anyone but its bidder, and not in any database row or stored file.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from procura.audit.models import AuditEntry
from procura.bids import selectors, services
from procura.bids.models import Bid, OpenedBid
from procura.core import clock, events
from procura.core.errors import RuleViolation
from procura.publication import bulk
from procura.tenders.models import Tender
from procura.tenders.services import CriterionDetails
from tests.bids.support import after_opening, declared_panel, open_tender, submitted_bid
from tests.bids.test_sealed_nowhere import OWN, PEOPLE, _admin_urls, _api_urls, _body, _kwarg_values, _site_urls
from tests.conftest import World
from tests.web.support import text

pytestmark = pytest.mark.django_db

SEALED = "Price sealed until the technical evaluation"
ELIGIBILITY = "Registered manufacturer of medical gloves."
# Distinctive prices, as stored, as pages format them, and as JSON numbers carry them.
PRICES = {"supplier": "918211.64", "other_supplier": "827322.57"}
SHAPES = {
    "supplier": ["918211.64", "918,211.64", "918.211,64"],
    "other_supplier": ["827322.57", "827,322.57", "827.322,57"],
}
ANSWER = "Weekly deliveries from the Sheffield depot."


def _tender(world: World, *, two_envelopes: bool = True) -> Tender:
    return open_tender(
        world.officer,
        world.buyer,
        eligibility_criteria=ELIGIBILITY,
        award_criteria="ratedCriteria",
        criteria=(
            CriterionDetails(name="Price", kind="price", weight="60"),
            CriterionDetails(name="Delivery plan", kind="quality", weight="40"),
        ),
        two_envelopes=two_envelopes,
    )


def _answers(tender: Tender) -> dict[str, str]:
    return {q.key: ANSWER for q in services.questions_for(tender)}


def _bids(world: World, tender: Tender) -> tuple[Bid, Bid, Bid]:
    """Two bids that count, and a bid withdrawn from another two-envelope tender."""
    bid, _ = submitted_bid(
        tender, world.bid_manager, world.supplier, price=PRICES["supplier"], answers=_answers(tender)
    )
    rival, _ = submitted_bid(
        tender, world.other_bid_manager, world.other_supplier, price=PRICES["other_supplier"], answers=_answers(tender)
    )
    other_tender = _tender(world)
    withdrawn, _ = submitted_bid(
        other_tender, world.other_bid_manager, world.other_supplier, price="5.00", answers=_answers(tender)
    )
    services.bid_withdraw(actor=world.other_bid_manager, bid=withdrawn)
    return bid, rival, withdrawn


def _opened(tender: Tender, frozen_clock: clock.Clock) -> dt.datetime:
    moment = after_opening(tender)
    frozen_clock.set(moment)
    services.bids_open(tender=tender)
    return moment


def _rows_holding(values: list[str]) -> list[tuple[str, str]]:
    found = []
    for model in apps.get_models():
        for row in model._default_manager.all().values_list():
            joined = b"|".join(
                bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode() for value in row
            )
            found += [(model._meta.label, value) for value in values if value.encode() in joined]
    return found


@pytest.fixture
def recorded() -> Iterator[list[events.DomainEvent]]:
    seen: list[events.DomainEvent] = []
    events.subscribe(events.DomainEvent, seen.append)
    try:
        yield seen
    finally:
        events.unsubscribe(events.DomainEvent, seen.append)


# --- The opening ----------------------------------------------------------------------------------
def test_the_opening_of_a_two_envelope_tender_reads_everything_but_the_price(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given
    tender = _tender(world)
    bid, rival, _ = _bids(world, tender)
    # when
    _opened(tender, frozen_clock)
    # then the technical part is read and the price is not
    for item in OpenedBid.objects.filter(bid__in=[bid, rival]):
        assert (item.amount, item.currency, item.price_opened_at) == (None, "", None)
        assert "price" not in item.content
        assert set(item.content["answers"].values()) == {ANSWER}
        assert selectors.price_sealed(item) is True
    entry = AuditEntry.objects.get(action="bids.opened", object_id=str(tender.pk))
    assert entry.after["prices_sealed"] is True
    # and no database row holds a price in clear
    assert _rows_holding([PRICES["supplier"], PRICES["other_supplier"]]) == []


def test_an_ordinary_opening_reads_the_price_at_the_opening(world: World, frozen_clock: clock.Clock) -> None:
    tender = _tender(world, two_envelopes=False)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="1200.50", answers=_answers(tender))
    moment = _opened(tender, frozen_clock)
    item = OpenedBid.objects.get(bid=bid)
    assert (item.amount, item.currency, item.price_opened_at) == (Decimal("1200.50"), "GBP", moment)
    assert item.content["price"] == {"amount": "1200.50", "currency": "GBP"}
    assert selectors.price_sealed(item) is False
    assert SEALED not in text(Client().get(reverse("tenders:tender", args=[tender.ocid])))


def test_no_path_reveals_a_two_envelope_price_after_the_opening(
    world: World, frozen_clock: clock.Clock, media: Path
) -> None:
    # given a two-envelope tender whose bids have been opened, with the officer on the panel
    # (declared: on the buyer's side only the panel reads opened bids), and the bulk files made after it
    tender = _tender(world)
    bid, _, _ = _bids(world, tender)
    _opened(tender, frozen_clock)
    declared_panel(tender, world.officer, world.officer)
    bulk.bulk_refresh()
    receipt = bid.receipts.first()
    assert receipt is not None
    values = _kwarg_values(world, tender, bid, receipt)
    site, _ = _site_urls(values)
    api_urls = _api_urls(values)
    admin_urls = _admin_urls(list(Bid.objects.all()))
    # when every page, API answer and admin page is fetched by everyone
    leaks = []
    for who in PEOPLE:
        client = world.client(who)
        own = OWN.get(who or "")
        forbidden = [shape.encode() for owner, shapes in SHAPES.items() if owner != own for shape in shapes]
        for url in site + api_urls + (admin_urls if who == "admin" else []):
            body = _body(client, url)
            leaks += [(who, url, marker) for marker in forbidden if marker in body]
    # then no price is anywhere but on its own bidder's pages
    assert leaks == []
    # and the crawl did reach the opened record: the public panel and the buyer's pages say the prices are sealed
    assert SEALED in text(Client().get(reverse("tenders:tender", args=[tender.ocid])))
    officer = world.client("officer")
    assert SEALED in text(officer.get(reverse("bidopening:opened-bids", args=[tender.ocid])))
    bid_page = text(officer.get(reverse("bids:bid", kwargs={"bid_id": bid.pk})))
    assert SEALED in bid_page
    assert ANSWER in bid_page
    # while the bidder still sees its own price
    own = _body(world.client("bid_manager"), reverse("bids:bid", kwargs={"bid_id": bid.pk}))
    assert b"918,211.64" in own
    # and the API gives the opening record without prices
    record = Client().get(f"/api/v1/tenders/{tender.ocid}/opening").json()
    assert [line["price"] for line in record["bids"]] == [None, None]


# --- The financial opening --------------------------------------------------------------------------
def test_the_financial_opening_reveals_only_the_named_bids(
    world: World, frozen_clock: clock.Clock, recorded: list[events.DomainEvent]
) -> None:
    # given an opened two-envelope tender
    tender = _tender(world)
    bid, rival, _ = _bids(world, tender)
    _opened(tender, frozen_clock)
    frozen_clock.advance(dt.timedelta(days=3))
    recorded.clear()
    # when the evaluation opens the price of the first bid only
    result = services.bids_open_financial(tender=tender, bid_ids=[bid.pk])
    # then that bid's price is read, at this moment, into every column
    assert [item.bid_id for item in result] == [bid.pk]
    item = OpenedBid.objects.get(bid=bid)
    assert (item.amount, item.currency, item.price_opened_at) == (Decimal(PRICES["supplier"]), "GBP", clock.now())
    assert item.content["price"] == {"amount": PRICES["supplier"], "currency": "GBP"}
    assert set(item.content["answers"].values()) == {ANSWER}
    # and the other stays sealed, in the database and on the public record
    other = OpenedBid.objects.get(bid=rival)
    assert (other.amount, other.currency, other.price_opened_at) == (None, "", None)
    assert _rows_holding([PRICES["other_supplier"]]) == []
    panel = text(Client().get(reverse("tenders:tender", args=[tender.ocid])))
    assert "£918,211.64" in panel
    assert SEALED in panel
    assert "827,322.57" not in panel
    record = Client().get(f"/api/v1/tenders/{tender.ocid}/opening").json()
    assert {line["bid_id"]: line["price"] for line in record["bids"]} == {
        str(bid.pk): {"amount": PRICES["supplier"], "currency": "GBP"},
        str(rival.pk): None,
    }
    # audited, with no event of its own (the evaluation records FinancialOffersOpened)
    entry = AuditEntry.objects.get(action="bids.financial_opened", object_id=str(tender.pk))
    assert entry.after["bids"] == [str(bid.pk)]
    assert PRICES["supplier"] not in str(entry.after)
    assert recorded == []


def test_the_financial_opening_is_idempotent_per_bid(world: World, frozen_clock: clock.Clock) -> None:
    # given a bid whose price was opened
    tender = _tender(world)
    bid, rival, _ = _bids(world, tender)
    _opened(tender, frozen_clock)
    services.bids_open_financial(tender=tender, bid_ids=[bid.pk])
    first = OpenedBid.objects.get(bid=bid).price_opened_at
    frozen_clock.advance(dt.timedelta(hours=2))
    # when it is named again, with another bid
    result = services.bids_open_financial(tender=tender, bid_ids=[rival.pk, bid.pk, rival.pk])
    # then the first is unchanged and only the new one is opened (and audited) now
    assert [item.bid_id for item in result] == [rival.pk, bid.pk]
    assert OpenedBid.objects.get(bid=bid).price_opened_at == first
    assert OpenedBid.objects.get(bid=rival).price_opened_at == clock.now()
    entries = AuditEntry.objects.filter(action="bids.financial_opened").order_by("sequence")
    assert [entry.after["bids"] for entry in entries] == [[str(bid.pk)], [str(rival.pk)]]
    # and naming only opened prices changes and audits nothing
    services.bids_open_financial(tender=tender, bid_ids=[bid.pk, rival.pk])
    assert AuditEntry.objects.filter(action="bids.financial_opened").count() == 2


def test_the_financial_opening_is_refused_for_a_tender_without_two_envelopes(
    world: World, frozen_clock: clock.Clock
) -> None:
    tender = _tender(world, two_envelopes=False)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, answers=_answers(tender))
    _opened(tender, frozen_clock)
    with pytest.raises(RuleViolation) as caught:
        services.bids_open_financial(tender=tender, bid_ids=[bid.pk])
    assert "does not use two envelopes" in caught.value.message


def test_the_financial_opening_is_refused_before_the_opening(world: World, frozen_clock: clock.Clock) -> None:
    tender = _tender(world)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, answers=_answers(tender))
    with pytest.raises(RuleViolation) as caught:
        services.bids_open_financial(tender=tender, bid_ids=[bid.pk])
    assert "have not been opened yet" in caught.value.message
    assert not OpenedBid.objects.exists()


def test_the_financial_opening_names_only_opened_bids_of_the_tender(world: World, frozen_clock: clock.Clock) -> None:
    # given an opened tender; a bid of another tender and an unknown id are not among its opened bids
    tender = _tender(world)
    bid, _rival, elsewhere = _bids(world, tender)
    _opened(tender, frozen_clock)
    for wrong in (elsewhere.pk, uuid.uuid4()):
        # when a bid that is not one of its opened bids is named with a good one
        with pytest.raises(RuleViolation) as caught:
            services.bids_open_financial(tender=tender, bid_ids=[bid.pk, wrong])
        # then all is refused, naming the bid, and nothing is opened
        assert str(wrong) in caught.value.message
        assert caught.value.fields == {"bid_ids": ["Choose opened bids of this tender."]}
    assert OpenedBid.objects.get(bid=bid).price_opened_at is None
    assert not AuditEntry.objects.filter(action="bids.financial_opened").exists()


def test_a_withdrawn_bid_has_no_price_to_open(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender where one bid was withdrawn before the deadline
    tender = _tender(world)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, answers=_answers(tender))
    gone, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, answers=_answers(tender))
    services.bid_withdraw(actor=world.other_bid_manager, bid=gone)
    _opened(tender, frozen_clock)
    # then it is listed as withdrawn, not as sealed, and its price cannot be opened
    lines = {line.bid_id: line for line in selectors.opening_record(tender)[1]}
    assert (lines[str(gone.pk)].withdrawn, lines[str(gone.pk)].price_sealed) == (True, False)
    assert (lines[str(bid.pk)].withdrawn, lines[str(bid.pk)].price_sealed) == (False, True)
    with pytest.raises(RuleViolation):
        services.bids_open_financial(tender=tender, bid_ids=[gone.pk])


def test_once_a_bid_is_submitted_two_envelopes_cannot_change(world: World, frozen_clock: clock.Clock) -> None:
    """The bids app's registered counter is what tenders asks (tests/tenders covers the rest)."""
    from dataclasses import replace

    from procura.tenders.services import details_of, tender_amend

    tender = _tender(world, two_envelopes=False)
    submitted_bid(tender, world.bid_manager, world.supplier, answers=_answers(tender))
    with pytest.raises(RuleViolation) as caught:
        tender_amend(
            actor=world.officer,
            tender=tender,
            details=replace(details_of(tender), two_envelopes=True),
            rationale="Separate the prices.",
        )
    assert list(caught.value.fields) == ["two_envelopes"]


def test_bids_opened_before_two_envelopes_existed_had_their_price_read_at_the_opening(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given an opened bid as the migration finds it (no time of the price reading)
    tender = _tender(world, two_envelopes=False)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, answers=_answers(tender))
    moment = _opened(tender, frozen_clock)
    OpenedBid.objects.filter(bid=bid).update(price_opened_at=None)
    # when the migration's data step runs
    migration: Any = importlib.import_module("procura.bids.migrations.0002_opened_bid_price_opened_at")
    migration.prices_read_at_their_opening(apps, None)
    # then the price counts as read at the opening
    assert OpenedBid.objects.get(bid=bid).price_opened_at == moment
