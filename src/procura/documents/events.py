"""Domain events of documents, recorded in the transaction of the change (see core.events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from procura.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class DocumentUploaded(DomainEvent):
    """A document, or a new version of one, was attached to its owner."""

    document: uuid.UUID  # the row (this version)
    document_id: uuid.UUID  # the stable id shared by every version
    version: int
    owner_type: str
    owner_id: uuid.UUID
    replaces: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class DocumentScanned(DomainEvent):
    """A stored document was scanned again and its scan status changed."""

    document: uuid.UUID
    owner_type: str
    owner_id: uuid.UUID
    scan_status: str
