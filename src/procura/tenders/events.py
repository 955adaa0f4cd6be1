"""Tender domain events. Publication (OCDS) subscribes to these inside the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from procura.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TenderEvent(DomainEvent):
    tender_id: uuid.UUID
    ocid: str
    at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class TenderPublished(TenderEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class TenderAmended(TenderEvent):
    amendment_id: uuid.UUID
    material: bool


@dataclass(frozen=True, kw_only=True)
class TenderCancelled(TenderEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class TenderUnsuccessful(TenderEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class TenderCompleted(TenderEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class TenderStatusChanged(TenderEvent):
    """A status that follows from time took effect at `at` (recorded by the sweep)."""

    status: str
    previous: str


@dataclass(frozen=True, kw_only=True)
class ClarificationAsked(TenderEvent):
    clarification_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ClarificationAnswered(TenderEvent):
    clarification_id: uuid.UUID
