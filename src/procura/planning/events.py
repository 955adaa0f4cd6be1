"""What happens in planning, as domain events for higher apps (publication above all)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from procura.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PlanCreated(DomainEvent):
    plan_id: uuid.UUID
    buyer_id: uuid.UUID
    year: int


@dataclass(frozen=True, kw_only=True)
class PlanUpdated(DomainEvent):
    plan_id: uuid.UUID
    buyer_id: uuid.UUID
    published: bool


@dataclass(frozen=True, kw_only=True)
class PlanPublished(DomainEvent):
    plan_id: uuid.UUID
    buyer_id: uuid.UUID
    published_at: dt.datetime
    ocids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PlanLineAdded(DomainEvent):
    plan_id: uuid.UUID
    line_id: uuid.UUID
    buyer_id: uuid.UUID
    ocid: str
    published: bool  # the plan is public: the line is news now


@dataclass(frozen=True, kw_only=True)
class PlanLineUpdated(DomainEvent):
    plan_id: uuid.UUID
    line_id: uuid.UUID
    buyer_id: uuid.UUID
    ocid: str
    published: bool


@dataclass(frozen=True, kw_only=True)
class PlanLineRemoved(DomainEvent):
    plan_id: uuid.UUID
    line_id: uuid.UUID
    buyer_id: uuid.UUID
    ocid: str


@dataclass(frozen=True, kw_only=True)
class SpendControlThresholdSet(DomainEvent):
    buyer_id: uuid.UUID
    amount: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class BusinessCaseSubmitted(DomainEvent):
    business_case_id: uuid.UUID
    line_id: uuid.UUID
    buyer_id: uuid.UUID
    ocid: str


@dataclass(frozen=True, kw_only=True)
class BusinessCaseDecided(DomainEvent):
    business_case_id: uuid.UUID
    line_id: uuid.UUID
    buyer_id: uuid.UUID
    ocid: str
    approved: bool


@dataclass(frozen=True, kw_only=True)
class BusinessCaseDocumentAdded(DomainEvent):
    business_case_id: uuid.UUID
    document_id: uuid.UUID
    buyer_id: uuid.UUID
