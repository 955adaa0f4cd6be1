"""Qualification documents of a supplier: add (upload) and remove.

A qualification document is stored once and reused in every bid. Removing one only marks it
removed: bids that used it still refer to it, and its file stays for them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import Conflict, NotFound
from procura.core.events import record
from procura.core.values import Problems, clean_text
from procura.documents.models import DocumentType
from procura.documents.services import document_upload
from procura.suppliers import access, domain, events, selectors
from procura.suppliers.models import QualificationDocument, QualificationKind
from procura.suppliers.services.locks import locked_supplier
from procura.suppliers.services.values import clean_date

TITLE_LIMIT = 250  # Document.title


def _clean_dates(issued_on: Any, expires_on: Any, problems: Problems) -> tuple[dt.date | None, dt.date | None]:
    today = selectors.today()
    issued = clean_date(issued_on, field="issued_on", problems=problems, example="2026-01-31")
    expires = clean_date(expires_on, field="expires_on", problems=problems, example="2027-01-31")
    if issued is not None and issued > today:
        problems.add("issued_on", _("The issue date cannot be in the future."))
    if expires is not None:
        if issued is not None and expires < issued:
            problems.add("expires_on", _("The expiry date must be on or after the issue date."))
        elif expires < today:
            problems.add(
                "expires_on",
                _("This document expired on %(date)s. Upload the current one.") % {"date": expires.isoformat()},
            )
    return issued, expires


def qualification_document_add(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    title: str,
    file: Any,
    issued_on: dt.date | str | None = None,
    expires_on: dt.date | str | None = None,
) -> QualificationDocument:
    """Upload a document proving the supplier qualifies (a certificate, a tax clearance...), with
    the dates it holds between. An already expired document is refused: upload the current one."""
    with transaction.atomic():
        supplier = locked_supplier(organisation)
        access.check_can_edit_register(actor, supplier)
        problems = Problems()
        if kind not in QualificationKind.values:
            problems.add("kind", _("Choose the kind of document, such as a certificate or a tax clearance."))
        title = clean_text(
            title, field="title", problems=problems, max_length=TITLE_LIMIT, required=_("Enter the document's title.")
        )
        issued, expires = _clean_dates(issued_on, expires_on, problems)
        if file is None:
            problems.add("file", _("Choose a file to upload."))
        problems.raise_if_any(_("Some details of the qualification document need correcting."))
        qualification_id = uuid.uuid4()
        # The documents service checks the file (type, content, size, malware) and audits the upload.
        document = document_upload(
            actor=actor,
            organisation=supplier,
            owner_type=domain.QUALIFICATION_DOCUMENT_OWNER,
            owner_id=qualification_id,
            title=title,
            document_type=DocumentType.OTHER,
            file=file,
        )
        qualification = QualificationDocument.objects.create(
            pk=qualification_id,
            organisation=supplier,
            document=document,
            kind=kind,
            title=title,
            issued_on=issued,
            expires_on=expires,
            created_by=actor,
            created_at=clock.now(),
        )
        audit_record(
            action=AuditAction.QUALIFICATION_DOCUMENT_ADDED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="qualification_document",
            object_id=qualification.pk,
            after={
                "kind": kind,
                "title": title,
                "issued_on": issued.isoformat() if issued else None,
                "expires_on": expires.isoformat() if expires else None,
                "document": str(document.pk),
                "sha256": document.sha256,
            },
        )
        record(
            events.QualificationDocumentAdded(
                organisation_id=supplier.pk,
                qualification_id=qualification.pk,
                document_id=document.pk,
                kind=kind,
                expires_on=expires,
            )
        )
    return qualification


def qualification_document_remove(*, actor: User, qualification: QualificationDocument) -> QualificationDocument:
    """Take a document out of the register (new bids no longer offer it)."""
    with transaction.atomic():
        supplier = locked_supplier(qualification.organisation)
        access.check_can_edit_register(actor, supplier)
        current = QualificationDocument.objects.filter(pk=qualification.pk, organisation=supplier).first()
        if current is None:
            raise NotFound(_("There is no such qualification document."))
        if current.removed_at is not None:
            raise Conflict(_("“%(title)s” has already been removed.") % {"title": current.title})
        current.removed_at = clock.now()
        current.save(update_fields=["removed_at"])
        audit_record(
            action=AuditAction.QUALIFICATION_DOCUMENT_REMOVED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="qualification_document",
            object_id=current.pk,
            before={"removed_at": None},
            after={"removed_at": current.removed_at.isoformat(), "title": current.title, "kind": current.kind},
        )
        record(events.QualificationDocumentRemoved(organisation_id=supplier.pk, qualification_id=current.pk))
    return current
