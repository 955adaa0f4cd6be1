"""The bid journey through the services: start, save, submit, replace, withdraw, open."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procura.bids import receipts, selectors, services
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, BidVersion, OpenedBid
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from tests.bids.support import after_opening, draft_bid, open_tender, submitted_bid
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_submit_replace_withdraw_and_open(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    bid, first = submitted_bid(tender, world.bid_manager, world.supplier, price="1200.50")
    payload = receipts.verify(first.document, receipts.public_key())
    assert payload["kind"] == "submission"
    assert payload["tender"]["ocid"] == tender.ocid
    assert payload["sealed_content_sha256"] == BidVersion.objects.get(bid=bid, number=1).sealed_sha256
    assert b"1200.50" not in bytes(BidVersion.objects.get(bid=bid, number=1).sealed)

    services.bid_draft_save(actor=world.bid_manager, bid=bid, price="1100")
    second = services.bid_submit(actor=world.bid_manager, bid=bid)
    assert receipts.verify(second.document, receipts.public_key())["kind"] == "replacement"
    assert bid.versions.count() == 2

    rival, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, price="999")
    withdrawal = services.bid_withdraw(actor=world.other_bid_manager, bid=rival)
    assert receipts.verify(withdrawal.document, receipts.public_key())["kind"] == "withdrawal"

    with pytest.raises(RuleViolation):
        services.bids_open(tender=tender)
    frozen_clock.set(after_opening(tender))
    opening = services.bids_open(tender=tender)
    assert services.bids_open(tender=tender) == opening
    opened = {o.bid_id: o for o in OpenedBid.objects.filter(opening=opening)}
    assert opened[bid.pk].amount == Decimal("1100")
    assert opened[rival.pk].version_id is None
    assert selectors.public_bid_count(tender) == 1


def test_one_live_bid_per_supplier_and_lot(world: World) -> None:
    tender = open_tender(world.officer, world.buyer)
    draft_bid(tender, world.bid_manager, world.supplier)
    with pytest.raises(Conflict):
        draft_bid(tender, world.bid_manager, world.supplier)
    assert Bid.objects.filter(tender=tender).count() == 1


def test_altered_receipt_fails(world: World) -> None:
    tender = open_tender(world.officer, world.buyer)
    _, receipt = submitted_bid(tender, world.bid_manager, world.supplier)
    altered = receipt.document.replace(tender.ocid, tender.ocid + "x")
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify(altered, receipts.public_key())


def test_late_bid_refused_and_nothing_written(world: World, frozen_clock: clock.Clock) -> None:
    import datetime as dt

    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    assert tender.tender_end is not None
    frozen_clock.set(tender.tender_end)
    ok = services.bid_submit(actor=world.bid_manager, bid=bid)
    assert ok.issued_at == tender.tender_end
    services.bid_draft_save(actor=world.bid_manager, bid=bid, price="5")
    frozen_clock.set(tender.tender_end + dt.timedelta(microseconds=1))
    with pytest.raises(RuleViolation):
        services.bid_submit(actor=world.bid_manager, bid=bid)
    assert bid.versions.count() == 1
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED


def test_only_bid_managers_bid_and_incomplete_refused(world: World) -> None:
    tender = open_tender(world.officer, world.buyer)
    lot = tender.lots.get()
    with pytest.raises(PermissionDenied):
        services.bid_start(actor=world.viewer, tender=tender, lot=lot, supplier=world.supplier)
    with pytest.raises(PermissionDenied):
        services.bid_start(actor=world.officer, tender=tender, lot=lot, supplier=world.supplier)
    bid = services.bid_start(actor=world.bid_manager, tender=tender, lot=lot, supplier=world.supplier)
    with pytest.raises(InvalidInput) as error:
        services.bid_submit(actor=world.bid_manager, bid=bid)
    assert "price" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.bid_draft_save(actor=world.bid_manager, bid=bid, price="12.345")
    assert "price" in error.value.fields


def test_the_sweep_declares_an_open_tender_without_bids_unsuccessful_but_not_one_with_bids(
    world: World, frozen_clock: clock.Clock
) -> None:
    import datetime as dt

    from procura.tenders.services import tenders_sweep

    empty = open_tender(world.officer, world.buyer)
    with_bid = open_tender(world.officer, world.buyer)
    submitted_bid(with_bid, world.bid_manager, world.supplier)
    assert empty.tender_end is not None
    frozen_clock.set(empty.tender_end + dt.timedelta(seconds=1))
    tenders_sweep()
    empty.refresh_from_db()
    with_bid.refresh_from_db()
    assert empty.recorded_status == "unsuccessful"
    assert with_bid.recorded_status == "evaluation"


def test_amending_a_tender_with_bids_keeps_them_and_refuses_removing_their_lot(world: World) -> None:
    from dataclasses import replace

    from procura.tenders.services import LotDetails, details_of, tender_amend
    from tests.tenders.support import item

    tender = open_tender(world.officer, world.buyer)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier)
    current = details_of(tender)
    lot = current.lots[0]
    changed = replace(current, lots=(replace(lot, title="Gloves, nitrile"), LotDetails(title="Masks", items=(item(),))))
    tender_amend(actor=world.officer, tender=tender, details=changed, rationale="Masks added as a second lot.")
    bid.refresh_from_db()
    assert bid.lot.title == "Gloves, nitrile"
    assert tender.lots.count() == 2
    without = replace(details_of(tender), lots=(details_of(tender).lots[1],))
    with pytest.raises(InvalidInput) as error:
        tender_amend(actor=world.officer, tender=tender, details=without, rationale="Gloves dropped.")
    assert "lots" in error.value.fields
    assert tender.lots.count() == 2
