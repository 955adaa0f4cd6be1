"""Bid test helpers: a tender open for bids, a complete bid, moving the clock past the opening."""

from __future__ import annotations

import datetime as dt
from typing import Any

from procura.accounts.models import Organisation, User
from procura.bids import services
from procura.bids.models import Bid, Receipt
from procura.tenders.models import Tender
from tests.tenders.support import DAY, published

__all__ = ["DAY", "after_opening", "declared_panel", "draft_bid", "open_tender", "submitted_bid"]


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


def declared_panel(tender: Tender, officer: User, *people: User) -> None:
    """Seat `people` on the tender's evaluation panel, each declaring no conflict of interest: on
    the buyer's side only such panel members read opened bids (procura.evaluation.access). Call
    after the opening."""
    from procura.evaluation import services as evaluation_services

    for person in people:
        evaluation_services.panel_member_add(actor=officer, tender=tender, user=person, role="evaluator")
        evaluation_services.declaration_sign(
            actor=person, tender=tender, has_conflict=False, statement="", signed_name=person.full_name
        )
