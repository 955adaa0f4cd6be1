"""Bid test helpers: a tender open for bids, a complete bid, moving the clock past the opening."""

from __future__ import annotations

import datetime as dt
from typing import Any

from procura.accounts.models import Organisation, User
from procura.bids import services
from procura.bids.models import Bid, Receipt
from procura.tenders.models import Tender
from tests.tenders.support import DAY, published

__all__ = ["DAY", "after_opening", "draft_bid", "open_tender", "submitted_bid"]


def open_tender(officer: User, buyer: Organisation, **overrides: Any) -> Tender:
    """A published open tender taking bids now (deadline in 20 days, opening an hour later)."""
    return published(officer, buyer, **overrides)


def draft_bid(tender: Tender, manager: User, supplier: Organisation, *, price: str = "1000.00", **kwargs: Any) -> Bid:
    lot = tender.lots.order_by("position").first()
    assert lot is not None
    bid = services.bid_start(actor=manager, tender=tender, lot=kwargs.pop("lot", lot), supplier=supplier)
    return services.bid_draft_save(actor=manager, bid=bid, price=price, **kwargs)


def submitted_bid(
    tender: Tender, manager: User, supplier: Organisation, *, price: str = "1000.00", **kwargs: Any
) -> tuple[Bid, Receipt]:
    bid = draft_bid(tender, manager, supplier, price=price, **kwargs)
    receipt = services.bid_submit(actor=manager, bid=bid)
    bid.refresh_from_db()
    return bid, receipt


def after_opening(tender: Tender) -> dt.datetime:
    """A moment after the tender's bids open."""
    tender.refresh_from_db()
    moment = services.opening_time(tender)
    assert moment is not None
    return moment + dt.timedelta(minutes=1)
