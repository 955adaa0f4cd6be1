"""Contract domain events: publication turns them into OCDS releases in the same transaction.

Tags: ContractCreated → contract; ContractTermsUpdated and ContractSigned → contractUpdate; ContractAmended →
contractAmendment; MilestoneChanged, InvoiceChanged and PaymentRecorded → implementation (or
implementationUpdate); ContractTerminated → contractTermination; ContractCompleted →
implementationUpdate.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from procura.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ContractEvent(DomainEvent):
    tender_id: uuid.UUID
    ocid: str
    at: dt.datetime
    contract_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ContractCreated(ContractEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ContractTermsUpdated(ContractEvent):
    """The title, description or period changed before anyone signed."""


@dataclass(frozen=True, kw_only=True)
class ContractSigned(ContractEvent):
    """One party signed; `fully_signed` when both have (the contract is then in force)."""

    party: str
    fully_signed: bool


@dataclass(frozen=True, kw_only=True)
class ContractAmended(ContractEvent):
    amendment_id: uuid.UUID
    exceeds_threshold: bool


@dataclass(frozen=True, kw_only=True)
class MilestoneChanged(ContractEvent):
    """Added, delivered or accepted."""

    milestone_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class InvoiceChanged(ContractEvent):
    """Submitted, approved or rejected (not published in OCDS; notifies the other party)."""

    invoice_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class PaymentRecorded(ContractEvent):
    payment_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ContractTerminated(ContractEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ContractCompleted(ContractEvent):
    pass
