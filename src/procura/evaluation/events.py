"""Evaluation domain events: publication turns them into OCDS releases in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from procura.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class EvaluationEvent(DomainEvent):
    tender_id: uuid.UUID
    ocid: str
    at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class BidQualificationDecided(EvaluationEvent):
    """A bid was found qualified or disqualified (OCDS bids.details[].status valid/disqualified)."""

    bid_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class FinancialOffersOpened(EvaluationEvent):
    """Two envelopes: the prices of the technically qualified bids were opened."""

    bid_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, kw_only=True)
class AwardDecided(EvaluationEvent):
    """A lot was awarded (standstill starts) or declared without award (unsuccessful)."""

    award_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class AwardActivated(EvaluationEvent):
    """The standstill ended with no complaint pending: the award is in force."""

    award_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class AwardCancelled(EvaluationEvent):
    """The award was cancelled (a complaint upheld): the lot is evaluated again."""

    award_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ComplaintFiled(EvaluationEvent):
    award_id: uuid.UUID
    complaint_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ComplaintDecided(EvaluationEvent):
    award_id: uuid.UUID
    complaint_id: uuid.UUID
    upheld: bool
