"""Reads of bids. What they return is safe for whoever passed the access check the caller made:
nothing here decrypts (services.working_content and services.version_content do, for callers
that have checked `access.can_view_bid`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import F, QuerySet

from procura.accounts.models import Organisation
from procura.bids.domain import BidStatus, may_show_bid_count
from procura.bids.models import Bid, BidOpening, OpenedBid, Receipt
from procura.tenders.models import Lot, Tender
from procura.tenders.rules import rules_of

LIVE = (BidStatus.DRAFT, BidStatus.SUBMITTED)


def supplier_bids(supplier: Organisation) -> QuerySet[Bid]:
    """A supplier's bids, newest first, with what a list shows."""
    return (
        Bid.objects.filter(supplier=supplier)
        .select_related("tender", "tender__buyer", "lot", "supplier")
        .order_by("-updated_at", "id")
    )


def live_bid(*, supplier: Organisation, lot: Lot) -> Bid | None:
    return Bid.objects.filter(supplier=supplier, lot=lot, status__in=LIVE).select_related("tender", "lot").first()


def live_bids_for_tender(*, supplier: Organisation, tender: Tender) -> dict[str, Bid]:
    """The supplier's live bids on a tender, by lot id."""
    return {
        str(bid.lot_id): bid
        for bid in Bid.objects.filter(supplier=supplier, tender=tender, status__in=LIVE).select_related("lot")
    }


def get_bid(pk: uuid.UUID | str) -> Bid | None:
    return Bid.objects.select_related("tender", "tender__buyer", "lot", "supplier", "opened").filter(pk=pk).first()


def receipts_of(bid: Bid) -> QuerySet[Receipt]:
    return bid.receipts.select_related("version").order_by("issued_at", "id")


def get_receipt(pk: uuid.UUID | str) -> Receipt | None:
    return (
        Receipt.objects.select_related("bid", "bid__supplier", "bid__tender", "bid__tender__buyer")
        .filter(pk=pk)
        .first()
    )


def opening_of(tender: Tender) -> BidOpening | None:
    return BidOpening.objects.filter(tender_id=tender.pk).first()


def is_opened(tender: Tender) -> bool:
    return BidOpening.objects.filter(tender_id=tender.pk).exists()


def submitted_count(tender: Tender) -> int:
    return Bid.objects.filter(tender_id=tender.pk, status=BidStatus.SUBMITTED).count()


def public_bid_count(tender: Tender) -> int | None:
    """The number of bids anyone may be told, or None when the procedure keeps it sealed."""
    opened = is_opened(tender)
    if not may_show_bid_count(public_opening=rules_of(tender.rules).bid_count_before_opening, opened=opened):
        return None
    if opened:
        return OpenedBid.objects.filter(opening__tender_id=tender.pk, version__isnull=False).count()
    return submitted_count(tender)


def price_sealed(opened: OpenedBid) -> bool:
    """An opened bid whose price is still sealed: a two-envelope bid before its financial opening
    (a withdrawn bid has no price to open)."""
    return opened.version_id is not None and opened.price_opened_at is None


@dataclass(frozen=True)
class OpeningLine:
    """One line of the public opening record."""

    bid_id: str
    lot_id: str
    lot_title: str
    supplier: Organisation
    withdrawn: bool
    amount: object
    currency: str
    submitted_at: object
    price_sealed: bool = False  # two envelopes: the price is opened after the technical evaluation


def opening_record(tender: Tender) -> tuple[BidOpening | None, list[OpeningLine]]:
    """The public opening record: bidders, price per lot, withdrawn bids, time. Empty before.
    A two-envelope bid's price is absent (`amount` None, `price_sealed`) until its financial
    opening; lines with prices come first, lowest first, on every database."""
    opening = opening_of(tender)
    if opening is None:
        return None, []
    lines = [
        OpeningLine(
            bid_id=str(opened.bid_id),
            lot_id=opened.bid.lot.local_id,
            lot_title=opened.bid.lot.title,
            supplier=opened.bid.supplier,
            withdrawn=opened.version_id is None,
            amount=opened.amount,
            currency=opened.currency,
            submitted_at=opened.bid.submitted_at,
            price_sealed=price_sealed(opened),
        )
        for opened in OpenedBid.objects.filter(opening=opening)
        .select_related("bid", "bid__lot", "bid__supplier")
        .order_by("bid__lot__position", F("amount").asc(nulls_last=True), "bid__submitted_at", "bid_id")
    ]
    return opening, lines
