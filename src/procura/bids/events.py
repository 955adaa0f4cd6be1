"""Bid domain events. They carry identities and times, never what a bid says."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from procura.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class BidEvent(DomainEvent):
    tender_id: uuid.UUID
    ocid: str
    at: dt.datetime
    bid_id: uuid.UUID
    supplier_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class BidSubmitted(BidEvent):
    replaced: bool


@dataclass(frozen=True, kw_only=True)
class BidWithdrawn(BidEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class BidsOpened(DomainEvent):
    """The tender's bids were opened: publication writes the opening record (bids, bidOpening)."""

    tender_id: uuid.UUID
    ocid: str
    at: dt.datetime
