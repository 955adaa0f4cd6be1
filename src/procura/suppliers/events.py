"""What happens in the supplier register and the debarment list, as domain events for higher apps
(publication above all).

Every change to a supplier's beneficial owners is a `BeneficialOwnersChanged`: the publication app
subscribes to that one class to refresh the supplier's party data where it is published.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from procura.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class BeneficialOwnersChanged(DomainEvent):
    organisation_id: uuid.UUID
    owner_id: uuid.UUID
    # The published beneficial owners (OCDS) differ after the change.
    public_data_changed: bool


@dataclass(frozen=True, kw_only=True)
class BeneficialOwnerAdded(BeneficialOwnersChanged):
    pass


@dataclass(frozen=True, kw_only=True)
class BeneficialOwnerUpdated(BeneficialOwnersChanged):
    pass


@dataclass(frozen=True, kw_only=True)
class BeneficialOwnerRemoved(BeneficialOwnersChanged):
    pass


@dataclass(frozen=True, kw_only=True)
class QualificationDocumentAdded(DomainEvent):
    organisation_id: uuid.UUID
    qualification_id: uuid.UUID
    document_id: uuid.UUID
    kind: str
    expires_on: dt.date | None


@dataclass(frozen=True, kw_only=True)
class QualificationDocumentRemoved(DomainEvent):
    organisation_id: uuid.UUID
    qualification_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class DebarmentRecorded(DomainEvent):
    """A supplier is debarred (from `starts_on`, until `ends_on` or indefinitely)."""

    debarment_id: uuid.UUID
    supplier_id: uuid.UUID
    starts_on: dt.datetime
    ends_on: dt.datetime | None


@dataclass(frozen=True, kw_only=True)
class DebarmentLifted(DomainEvent):
    """A debarment was lifted before its end: from `lifted_at` the supplier may bid again."""

    debarment_id: uuid.UUID
    supplier_id: uuid.UUID
    lifted_at: dt.datetime
