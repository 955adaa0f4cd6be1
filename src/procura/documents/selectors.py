"""Reads for documents: an owner's documents, a document's versions, one version by id."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

from procura.documents.models import Document


def documents_for(*, owner_type: str, owner_id: uuid.UUID, current_only: bool = True) -> list[Document]:
    """The owner's documents in upload order; only the current version of each unless told."""
    queryset = Document.objects.filter(owner_type=owner_type, owner_id=owner_id)
    if current_only:
        queryset = queryset.filter(superseded_at__isnull=True)
    return list(queryset.select_related("organisation").order_by("uploaded_at", "version", "id"))


def document_versions(document_id: uuid.UUID) -> list[Document]:
    """Every version of a document, the first first."""
    return list(Document.objects.filter(document_id=document_id).select_related("organisation").order_by("version"))


def document_get(pk: uuid.UUID | str) -> Document | None:
    try:
        return Document.objects.select_related("organisation").filter(pk=pk).first()
    except (ValidationError, ValueError):  # a malformed id is simply "not found"
        return None
