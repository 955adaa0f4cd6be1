"""Every write to documents: upload (a new document or a new version of one) and rescan.

An upload is checked (details, the uploader's membership, type by extension and content, size),
hashed while it is read, scanned, stored in Django's default storage under a name derived from
its row's id, and recorded with its audit entry in one transaction. The file is stored before
the transaction opens, so a slow storage never holds database locks; if the transaction fails
the stored file is deleted again. (If a caller's own, outer transaction rolls back afterwards,
the file stays in storage without a row: harmless, and never served.)

The caller, a higher app, decides who may attach documents to its owner; this module checks only
that the uploader is a member of the organisation the document belongs to.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from procura.core.events import record
from procura.documents import access, filetypes
from procura.documents.events import DocumentScanned, DocumentUploaded
from procura.documents.models import Document, DocumentType
from procura.documents.scanning import CHUNK_SIZE, NullScanner, ScanResult, ScanStatus, configured_scanner

logger = logging.getLogger(__name__)

# Uploads up to this size are checked in memory; larger ones in a temporary file.
SPOOL_IN_MEMORY = 4 * 1024 * 1024
TITLE_MAX_LENGTH = 250  # Document.title
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")  # ISO 639-1, as OCDS documents[].language


@dataclass
class _Received:
    """An upload read once: a seekable copy, its size, SHA-256 and first bytes."""

    copy: IO[bytes]
    size: int
    sha256: str
    head: bytes


def document_upload(
    *,
    actor: User | None,
    organisation: Organisation,
    owner_type: str,
    owner_id: uuid.UUID,
    title: str,
    document_type: str,
    file: UploadedFile | IO[bytes] | None,
    description: str = "",
    language: str = "",
    replaces: Document | None = None,
) -> Document:
    """Attach a file to an owner (`owner_type`, `owner_id`) as `organisation`'s document; with
    `replaces`, as the next version of that document. `file` is an UploadedFile or any binary
    stream with a `name`. `actor=None` is the platform itself (imports, demo data)."""
    title = (title or "").strip()
    description = (description or "").strip()
    language = (language or "").strip().lower()
    file_name = filetypes.sanitise_file_name(str(getattr(file, "name", "") or ""))
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Enter the document's title.")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("Shorten the title to at most %(count)s characters.") % {"count": TITLE_MAX_LENGTH}]
    if document_type not in DocumentType.values:
        errors["document_type"] = [_("Choose the type of document.")]
    if language and not LANGUAGE_CODE.match(language):
        errors["language"] = [_("Enter the document's language as a two-letter code, such as en or es.")]
    if not owner_type or len(owner_type) > 64 or not isinstance(owner_id, uuid.UUID):
        errors["owner"] = [_("Say what the document belongs to.")]
    file_type: filetypes.FileType | None = None
    if file is None:
        errors["file"] = [_("Choose a file to upload.")]
    elif not file_name:
        errors["file"] = [_("The file needs a name with an extension, such as notice.pdf.")]
    else:
        try:
            file_type = filetypes.type_for(file_name)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors or file_type is None:
        raise InvalidInput(_("Some details of the document need correcting."), fields=errors)
    if actor is not None:
        access.check_can_upload_document(actor, organisation)
    if replaces is not None:
        _check_replaceable(replaces, organisation=organisation, owner_type=owner_type, owner_id=owner_id)

    received = _receive(file, file_name, file_type)
    with received.copy:
        filetypes.check_content(file_name, file_type, received.head, received.copy)
        received.copy.seek(0)
        scan = configured_scanner().scan(received.copy)
        if scan.status == ScanStatus.INFECTED:
            logger.warning(
                "upload refused: malware found",
                extra={
                    "signature": scan.detail,
                    "sha256": received.sha256,
                    "organisation": str(organisation.pk),
                    "actor": str(getattr(actor, "pk", "platform")),
                },
            )
            message = _("%(name)s contains malware (%(signature)s), so it was not accepted.") % {
                "name": file_name,
                "signature": scan.detail,
            }
            raise InvalidInput(message, fields={"file": [message]})
        received.copy.seek(0)
        pk = uuid.uuid4()
        storage_name = default_storage.save(f"documents/{pk.hex[:2]}/{pk.hex}", File(received.copy))
    try:
        with transaction.atomic():
            document = _create(
                pk=pk,
                actor=actor,
                organisation=organisation,
                owner_type=owner_type,
                owner_id=owner_id,
                title=title,
                description=description,
                document_type=document_type,
                language=language,
                file_name=file_name,
                media_type=file_type.media_type,
                received=received,
                storage_name=storage_name,
                scan=scan,
                replaces=replaces,
            )
    except BaseException:
        default_storage.delete(storage_name)
        raise
    return document


def _check_replaceable(replaces: Document, *, organisation: Organisation, owner_type: str, owner_id: uuid.UUID) -> None:
    if (replaces.owner_type, replaces.owner_id, replaces.organisation_id) != (owner_type, owner_id, organisation.pk):
        raise InvalidInput.for_field("replaces", _("A new version must belong to the same owner as the document."))
    if replaces.superseded_at is not None:
        raise Conflict(
            _("Version %(version)s of %(title)s has already been replaced; replace the current version.")
            % {"version": replaces.version, "title": replaces.title}
        )


def _chunks(file: Any) -> Iterator[bytes]:
    if hasattr(file, "chunks"):  # Django's File and UploadedFile; they start from the beginning
        yield from file.chunks(CHUNK_SIZE)
        return
    if getattr(file, "seekable", lambda: False)():
        file.seek(0)
    while chunk := file.read(CHUNK_SIZE):
        yield chunk


def _declared_size(file: Any) -> int | None:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    if getattr(file, "seekable", lambda: False)():
        position = file.tell()
        end = int(file.seek(0, 2))
        file.seek(position)
        return end
    return None


def _receive(file: Any, file_name: str, file_type: filetypes.FileType) -> _Received:
    """Read the upload once into a private copy, hashing and measuring it on the way; stop as
    soon as it passes its size limit."""
    declared = _declared_size(file)
    if declared is not None:
        filetypes.check_size(file_name, file_type, declared)
    limit = filetypes.size_limit(file_type)
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (the caller closes it)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        for chunk in _chunks(file):
            size += len(chunk)
            if size > limit:
                filetypes.check_size(file_name, file_type, size, complete=False)
            digest.update(chunk)
            copy.write(chunk)
            if len(head) < filetypes.HEAD_SIZE:
                head += chunk[: filetypes.HEAD_SIZE - len(head)]
        filetypes.check_size(file_name, file_type, size)
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return _Received(copy=copy, size=size, sha256=digest.hexdigest(), head=head)


def _create(
    *,
    pk: uuid.UUID,
    actor: User | None,
    organisation: Organisation,
    owner_type: str,
    owner_id: uuid.UUID,
    title: str,
    description: str,
    document_type: str,
    language: str,
    file_name: str,
    media_type: str,
    received: _Received,
    storage_name: str,
    scan: ScanResult,
    replaces: Document | None,
) -> Document:
    now = clock.now()
    document_id, version = uuid.uuid4(), 1
    if replaces is not None:
        previous = Document.objects.select_for_update().filter(pk=replaces.pk).first()
        if previous is None:
            raise NotFound(_("The document to replace no longer exists."))
        _check_replaceable(previous, organisation=organisation, owner_type=owner_type, owner_id=owner_id)
        # Supersede first: at most one version may be current at any moment.
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
        document_id, version = previous.document_id, previous.version + 1
    try:
        with transaction.atomic():
            document = Document.objects.create(
                pk=pk,
                document_id=document_id,
                version=version,
                owner_type=owner_type,
                owner_id=owner_id,
                organisation=organisation,
                title=title,
                description=description,
                document_type=document_type,
                language=language,
                file_name=file_name,
                media_type=media_type,
                size=received.size,
                sha256=received.sha256,
                storage_name=storage_name,
                scan_status=scan.status,
                scan_detail=scan.detail[:500],
                scanned_at=now if scan.status in {ScanStatus.CLEAN, ScanStatus.FAILED} else None,
                uploaded_by=actor,
                uploaded_at=now,
            )
    except IntegrityError:
        raise Conflict(_("Someone else added a new version of this document at the same moment; try again.")) from None
    audit_record(
        action=AuditAction.DOCUMENT_UPLOADED,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="document",
        object_id=document.pk,
        after={
            "document_id": str(document_id),
            "version": version,
            "replaces": str(replaces.pk) if replaces is not None else None,
            "owner_type": owner_type,
            "owner_id": str(owner_id),
            "title": title,
            "document_type": document_type,
            "file_name": file_name,
            "media_type": media_type,
            "size": received.size,
            "sha256": received.sha256,
            "scan_status": str(scan.status),
            "scan_detail": scan.detail[:500],
        },
    )
    record(
        DocumentUploaded(
            document=document.pk,
            document_id=document_id,
            version=version,
            owner_type=owner_type,
            owner_id=owner_id,
            replaces=replaces.pk if replaces is not None else None,
        )
    )
    return document


def document_open(*, document: Document) -> File[bytes]:
    """The stored file of a servable document, opened for reading; the caller closes it."""
    if not access.is_servable(document):
        raise NotFound(_("There is no such document."))
    try:
        return default_storage.open(document.storage_name, "rb")
    except FileNotFoundError:
        logger.error("stored file missing", extra={"document": str(document.pk), "storage_name": document.storage_name})
        raise NotFound(_("There is no such document.")) from None


def document_rescan(*, actor: User | None, document: Document) -> Document:
    """Scan a stored file again (after a failed scan, or with newer signatures). A file now found
    infected is deleted from storage once the change commits. `actor=None` is the platform's
    periodic job."""
    if actor is not None:
        access.check_can_rescan_document(actor, document)
    scanner = configured_scanner()
    if isinstance(scanner, NullScanner):
        raise RuleViolation(_("No malware scanner is configured, so the document cannot be scanned."))
    if not document.storage_name:
        raise RuleViolation(_("The file of this document is no longer stored, so it cannot be scanned."))
    try:
        with default_storage.open(document.storage_name, "rb") as stored:
            scan = scanner.scan(stored)
    except FileNotFoundError:
        raise RuleViolation(_("The file of this document is missing from storage.")) from None
    with transaction.atomic():
        current = Document.objects.select_for_update().select_related("organisation").get(pk=document.pk)
        before = {"scan_status": current.scan_status, "scan_detail": current.scan_detail}
        current.scan_status = scan.status
        current.scan_detail = scan.detail[:500]
        current.scanned_at = clock.now()
        if scan.status == ScanStatus.INFECTED and current.storage_name:
            infected_name = current.storage_name
            current.storage_name = ""
            transaction.on_commit(lambda: default_storage.delete(infected_name))
        current.save(update_fields=["scan_status", "scan_detail", "scanned_at", "storage_name"])
        audit_record(
            action=AuditAction.DOCUMENT_SCANNED,
            actor=actor,
            organisation_id=current.organisation_id,
            object_type="document",
            object_id=current.pk,
            before=before,
            after={"scan_status": str(scan.status), "scan_detail": current.scan_detail},
        )
        if before["scan_status"] != current.scan_status:
            record(
                DocumentScanned(
                    document=current.pk,
                    owner_type=current.owner_type,
                    owner_id=current.owner_id,
                    scan_status=current.scan_status,
                )
            )
    return current
