"""Uploading documents: checks, hashing, storage, versions, scanning and the audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from procura.audit.models import AuditEntry
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from procura.documents import access, selectors
from procura.documents.models import Document, DocumentType
from procura.documents.scanning import ScanStatus
from procura.documents.services import document_open, document_rescan, document_upload
from tests.conftest import World
from tests.documents import samples
from tests.documents.samples import fake_clamd, named, stored_files, unreachable_address

TENDER = uuid.UUID("5b1c3e55-7a51-4c7e-9a55-000000000001")


def _upload(world: World, file: Any, **kwargs: Any) -> Document:
    details: dict[str, Any] = {
        "actor": world.officer,
        "organisation": world.buyer,
        "owner_type": "test-owner",
        "owner_id": TENDER,
        "title": "Tender notice",
        "document_type": DocumentType.TENDER_NOTICE,
        "file": file,
        **kwargs,
    }
    return document_upload(**details)


def _uploads_audited() -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(object_type="document").order_by("sequence").values_list("action", "object_id")
    )


@pytest.mark.django_db
def test_an_upload_is_hashed_measured_stored_and_audited(world: World, media: Path, frozen_clock: Any) -> None:
    # given
    upload = SimpleUploadedFile("Tender notice.pdf", samples.PDF, content_type="application/octet-stream")
    # when
    document = _upload(world, upload, description="The notice as published.", language="EN")
    # then the row says what the file is
    assert document.version == 1
    assert (document.owner_type, document.owner_id, document.organisation) == ("test-owner", TENDER, world.buyer)
    assert (document.title, document.description, document.language) == (
        "Tender notice",
        "The notice as published.",
        "en",
    )
    assert document.file_name == "Tender notice.pdf"
    assert document.media_type == "application/pdf"  # from the checked type, not what the browser said
    assert document.size == len(samples.PDF)
    assert document.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    assert document.scan_status == ScanStatus.UNSCANNED
    assert document.scan_detail == "not scanned: no scanner configured"
    assert document.uploaded_by == world.officer
    assert document.uploaded_at == clock.now()
    assert document.superseded_at is None
    # and the file is stored under a name made from the row's id, outside the repository
    assert document.storage_name == f"documents/{document.pk.hex[:2]}/{document.pk.hex}"
    assert stored_files(media) == [media / document.storage_name]
    assert (media / document.storage_name).read_bytes() == samples.PDF
    # and the upload is audited
    entry = AuditEntry.objects.get(object_type="document")
    assert (entry.action, entry.object_id, entry.actor_id, entry.organisation_id) == (
        "document.uploaded",
        str(document.pk),
        world.officer.pk,
        world.buyer.pk,
    )
    assert entry.after == {
        "document_id": str(document.document_id),
        "version": 1,
        "replaces": None,
        "owner_type": "test-owner",
        "owner_id": str(TENDER),
        "title": "Tender notice",
        "document_type": "tenderNotice",
        "file_name": "Tender notice.pdf",
        "media_type": "application/pdf",
        "size": len(samples.PDF),
        "sha256": hashlib.sha256(samples.PDF).hexdigest(),
        "scan_status": "unscanned",
        "scan_detail": "not scanned: no scanner configured",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("notice.pdf", samples.PDF, "application/pdf"),
        ("site.png", samples.PNG, "image/png"),
        ("site.jpg", samples.JPEG, "image/jpeg"),
        ("site.jpeg", samples.JPEG, "image/jpeg"),
        ("prices.csv", samples.CSV, "text/csv"),
        ("note.txt", samples.TXT, "text/plain"),
        ("terms.docx", samples.DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("prices.xlsx", samples.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("terms.odt", samples.ODT, "application/vnd.oasis.opendocument.text"),
        ("prices.ods", samples.ODS, "application/vnd.oasis.opendocument.spreadsheet"),
        ("drawings.zip", samples.ZIP, "application/zip"),
    ],
)
def test_every_accepted_type_is_accepted(world: World, name: str, content: bytes, media_type: str) -> None:
    # when
    document = _upload(world, named(content, name))
    # then
    assert (document.file_name, document.media_type, document.size) == (name, media_type, len(content))
    assert document.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "sanitised"),
    [
        ("C:\\Users\\ana\\Pliego de condiciones – año 2026.PDF", "Pliego de condiciones – año 2026.pdf"),
        ("../../etc/Report: final?.pdf", "Report final.pdf"),
        ("  notice\tfor\x00 bidders .pdf", "notice for bidders.pdf"),
        ('a<b>"c"|d*.pdf', "a b c d.pdf"),
        ("CON.pdf", "CON_.pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(world: World, given: str, sanitised: str) -> None:
    document = _upload(world, named(samples.PDF, given))
    assert document.file_name == sanitised


@pytest.mark.django_db
def test_a_stream_that_cannot_seek_is_read_once_and_hashed(world: World) -> None:
    # when
    document = _upload(world, samples.Unseekable(samples.CSV, "prices.csv"))
    # then
    assert (document.size, document.sha256) == (len(samples.CSV), hashlib.sha256(samples.CSV).hexdigest())
    with document_open(document=document) as stored:
        assert stored.read() == samples.CSV


def _refusal(world: World, file: Any, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        _upload(world, file, **kwargs)
    return info.value


TYPES = "PDF, ODT, ODS, DOCX, XLSX, CSV, TXT, PNG, JPG, JPEG or ZIP"
NOT_REAL = "is not a real %s file: its content does not match its .%s extension. " + (
    "Check you chose the right file, or save it again in that format."
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notice.pdf", b"", "notice.pdf is empty. Choose a file with content."),
        ("notice.pdf", samples.PNG, "notice.pdf " + NOT_REAL % ("PDF", "pdf")),
        ("notice.pdf", b" %PDF-1.7 after a space", "notice.pdf " + NOT_REAL % ("PDF", "pdf")),
        ("site.png", samples.JPEG, "site.png " + NOT_REAL % ("PNG image", "png")),
        ("site.jpg", samples.PDF, "site.jpg " + NOT_REAL % ("JPEG image", "jpg")),
        ("terms.docx", samples.ZIP, "terms.docx " + NOT_REAL % ("Word document (DOCX)", "docx")),
        ("terms.docx", samples.PDF, "terms.docx " + NOT_REAL % ("Word document (DOCX)", "docx")),
        ("prices.xlsx", samples.DOCX, "prices.xlsx " + NOT_REAL % ("Excel workbook (XLSX)", "xlsx")),
        ("terms.odt", samples.ODS, "terms.odt " + NOT_REAL % ("OpenDocument text (ODT)", "odt")),
        ("prices.ods", samples.ZIP, "prices.ods " + NOT_REAL % ("OpenDocument spreadsheet (ODS)", "ods")),
        ("drawings.zip", b"PK\x03\x04 but no archive", "drawings.zip " + NOT_REAL % ("ZIP archive", "zip")),
        ("prices.csv", samples.XLSX, "prices.csv " + NOT_REAL % ("CSV", "csv")),
        ("note.txt", b"text\x00with a NUL", "note.txt " + NOT_REAL % ("Plain text", "txt")),
        ("setup.exe", b"MZ", f"setup.exe is a .exe file. Upload a file of one of these types: {TYPES}."),
        ("README", samples.TXT, f"README has no file extension. Upload a file of one of these types: {TYPES}."),
    ],
)
def test_a_refused_file_names_the_field_and_writes_nothing(
    world: World, media: Path, name: str, content: bytes, message: str
) -> None:
    # when
    error = _refusal(world, named(content, name))
    # then
    assert error.fields == {"file": [message]}
    assert Document.objects.count() == 0
    assert stored_files(media) == []
    assert _uploads_audited() == []


@pytest.mark.django_db
def test_a_file_over_its_types_limit_is_refused_with_both_sizes(world: World, media: Path) -> None:
    # given a 61 MB PDF
    big = named(samples.PDF + bytes(61 * 1024 * 1024 - len(samples.PDF)), "scans.pdf")
    # when
    error = _refusal(world, big)
    # then
    assert error.fields == {"file": ["scans.pdf is 61 MB; PDF files may be at most 50 MB."]}
    assert Document.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_a_stream_of_unknown_size_is_refused_as_soon_as_it_passes_the_limit(
    world: World, media: Path, settings: Any
) -> None:
    # given images may be at most 1 KB, and a stream that does not say its size
    settings.DOCUMENTS = {**settings.DOCUMENTS, "max_sizes": {**settings.DOCUMENTS["max_sizes"], "image": 1024}}
    stream = samples.Unseekable(samples.PNG + bytes(300_000), "site.png")
    # when
    error = _refusal(world, stream)
    # then
    assert error.fields == {"file": ["site.png is larger than 1 KB, the most allowed for PNG image files."]}
    assert stream.consumed < 300_000  # it stopped reading early
    assert stored_files(media) == []


@pytest.mark.django_db
def test_the_size_limits_and_types_come_from_the_settings(world: World, settings: Any) -> None:
    # given ZIP files are no longer allowed and CSV files may be at most 100 bytes
    settings.DOCUMENTS = {
        **settings.DOCUMENTS,
        "allowed_extensions": ["pdf", "csv"],
        "max_sizes": {**settings.DOCUMENTS["max_sizes"], "text": 100},
    }
    # then
    assert _refusal(world, named(samples.ZIP, "drawings.zip")).fields == {
        "file": ["drawings.zip is a .zip file. Upload a file of one of these types: PDF or CSV."]
    }
    assert _refusal(world, named(b"a,b\n" * 30, "prices.csv")).fields == {
        "file": ["prices.csv is 120 bytes; CSV files may be at most 100 bytes."]
    }


@pytest.mark.django_db
def test_every_wrong_detail_is_reported_at_once(world: World, media: Path) -> None:
    # when
    error = _refusal(world, named(samples.PDF, "notice.exe"), title="  ", document_type="poster", language="english")
    # then
    assert error.message == "Some details of the document need correcting."
    assert error.fields == {
        "title": ["Enter the document's title."],
        "document_type": ["Choose the type of document."],
        "language": ["Enter the document's language as a two-letter code, such as en or es."],
        "file": [f"notice.exe is a .exe file. Upload a file of one of these types: {TYPES}."],
    }
    assert stored_files(media) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "message"),
    [
        (None, "Choose a file to upload."),
        (io.BytesIO(samples.PDF), "The file needs a name with an extension, such as notice.pdf."),
        (named(samples.PDF, "../.."), "The file needs a name with an extension, such as notice.pdf."),
    ],
)
def test_a_missing_file_or_file_name_is_refused(world: World, file: Any, message: str) -> None:
    assert _refusal(world, file).fields == {"file": [message]}


@pytest.mark.django_db
def test_only_members_of_the_organisation_can_upload_its_documents(world: World, media: Path) -> None:
    # when an officer of another buyer uploads as the buyer
    with pytest.raises(PermissionDenied) as info:
        _upload(world, named(samples.PDF, "notice.pdf"), actor=world.other_officer)
    # then
    assert info.value.message == "Only members of Ministry of Tests can add documents for it."
    assert Document.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_the_platform_itself_can_upload(world: World) -> None:
    document = _upload(world, named(samples.PDF, "notice.pdf"), actor=None)
    assert document.uploaded_by is None
    assert AuditEntry.objects.get(object_type="document").actor_label == "platform"


@pytest.mark.django_db
def test_if_the_database_write_fails_the_stored_file_is_removed(
    world: World, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the audit log fails
    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("procura.documents.services.audit_record", broken_audit)
    # when
    with pytest.raises(RuntimeError, match="disk full"):
        _upload(world, named(samples.PDF, "notice.pdf"))
    # then
    assert Document.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_a_new_version_keeps_the_document_id_and_supersedes_the_old_one(
    world: World, media: Path, frozen_clock: Any
) -> None:
    # given
    first = _upload(world, named(samples.PDF, "notice.pdf"))
    first_uploaded_at = first.uploaded_at
    # when
    later = frozen_clock.advance(dt.timedelta(hours=2))
    second = _upload(world, named(samples.PDF + b"% amended\n", "notice-v2.pdf"), replaces=first)
    # then
    first.refresh_from_db()
    assert (second.version, second.document_id, second.superseded_at) == (2, first.document_id, None)
    assert (first.version, first.uploaded_at, first.superseded_at) == (1, first_uploaded_at, later)
    assert selectors.documents_for(owner_type="test-owner", owner_id=TENDER) == [second]
    assert selectors.documents_for(owner_type="test-owner", owner_id=TENDER, current_only=False) == [first, second]
    assert selectors.document_versions(first.document_id) == [first, second]
    assert AuditEntry.objects.filter(object_id=str(second.pk)).get().after["replaces"] == str(first.pk)
    # and both files stay stored: earlier versions remain available
    assert stored_files(media) == sorted([media / first.storage_name, media / second.storage_name])


@pytest.mark.django_db
def test_only_the_current_version_can_be_replaced(world: World, media: Path) -> None:
    # given two versions
    first = _upload(world, named(samples.PDF, "notice.pdf"))
    _upload(world, named(samples.PDF, "notice.pdf"), replaces=first)
    first.refresh_from_db()
    # when the old version is replaced again
    with pytest.raises(Conflict) as info:
        _upload(world, named(samples.PDF, "notice.pdf"), replaces=first)
    # then
    assert info.value.message == "Version 1 of Tender notice has already been replaced; replace the current version."
    assert Document.objects.count() == 2
    assert len(stored_files(media)) == 2


@pytest.mark.django_db
def test_a_stale_copy_of_a_replaced_version_is_caught_in_the_transaction(world: World, media: Path) -> None:
    # given a copy of version 1 read before someone else replaced it
    first = _upload(world, named(samples.PDF, "notice.pdf"))
    stale = Document.objects.get(pk=first.pk)
    _upload(world, named(samples.PDF, "notice.pdf"), replaces=first)
    # when
    with pytest.raises(Conflict):
        _upload(world, named(samples.PDF, "notice.pdf"), replaces=stale)
    # then
    assert Document.objects.count() == 2
    assert len(stored_files(media)) == 2


@pytest.mark.django_db
def test_a_new_version_must_belong_to_the_same_owner(world: World) -> None:
    first = _upload(world, named(samples.PDF, "notice.pdf"))
    error = _refusal(world, named(samples.PDF, "notice.pdf"), owner_id=uuid.uuid4(), replaces=first)
    assert error.fields == {"replaces": ["A new version must belong to the same owner as the document."]}


# --- Scanning through clamd -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_clamd_finds_clean_is_clean_and_servable(world: World, clamd_at: Any) -> None:
    with fake_clamd() as (address, server):
        clamd_at(address)
        document = _upload(world, named(samples.PDF, "notice.pdf"))
    assert (document.scan_status, document.scan_detail) == (ScanStatus.CLEAN, "clamd: OK")
    assert server.streams == [samples.PDF]
    assert access.can_view_document(world.officer, document) is True


@pytest.mark.django_db
def test_an_infected_file_is_refused_and_never_stored(world: World, media: Path, clamd_at: Any) -> None:
    # when
    with fake_clamd() as (address, _server):
        clamd_at(address)
        error = _refusal(world, named(samples.EICAR, "note.txt"))
    # then
    assert error.fields == {"file": ["note.txt contains malware (Eicar-Signature), so it was not accepted."]}
    assert Document.objects.count() == 0
    assert stored_files(media) == []
    assert _uploads_audited() == []


@pytest.mark.django_db
def test_when_clamd_is_unreachable_the_file_is_kept_but_not_served(world: World, media: Path, clamd_at: Any) -> None:
    # given clamd is configured but down
    clamd_at(unreachable_address())
    # when
    document = _upload(world, named(samples.PDF, "notice.pdf"))
    # then it is stored, marked failed, and nobody may see it
    assert document.scan_status == ScanStatus.FAILED
    assert document.scan_detail.startswith("clamd unreachable at 127.0.0.1:")
    assert stored_files(media) == [media / document.storage_name]
    assert access.can_view_document(world.officer, document) is False
    with pytest.raises(NotFound):
        document_open(document=document)


@pytest.mark.django_db
def test_a_failed_scan_is_settled_by_a_rescan_once_clamd_is_back(world: World, clamd_at: Any) -> None:
    # given a document whose scan failed
    clamd_at(unreachable_address())
    document = _upload(world, named(samples.PDF, "notice.pdf"))
    # when clamd is back and the document is scanned again
    with fake_clamd() as (address, _server):
        clamd_at(address)
        rescanned = document_rescan(actor=world.officer, document=document)
    # then
    assert (rescanned.scan_status, rescanned.scan_detail) == (ScanStatus.CLEAN, "clamd: OK")
    assert access.can_view_document(world.officer, rescanned) is True
    entry = AuditEntry.objects.filter(action="document.scanned").get()
    assert entry.before["scan_status"] == "failed"
    assert entry.after == {"scan_status": "clean", "scan_detail": "clamd: OK"}


@pytest.mark.django_db
def test_a_stored_file_found_infected_later_is_deleted_and_never_served(
    world: World, media: Path, clamd_at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a text file stored while clamd was down
    clamd_at(unreachable_address())
    document = _upload(world, named(samples.EICAR, "note.txt"))
    # when it is scanned again
    with fake_clamd() as (address, _server):
        clamd_at(address)
        with django_capture_on_commit_callbacks(execute=True):
            rescanned = document_rescan(actor=None, document=document)
    # then
    assert (rescanned.scan_status, rescanned.scan_detail, rescanned.storage_name) == (
        ScanStatus.INFECTED,
        "Eicar-Signature",
        "",
    )
    assert stored_files(media) == []
    assert access.can_view_document(world.officer, rescanned) is False


@pytest.mark.django_db
def test_a_rescan_needs_a_scanner_and_a_member(world: World) -> None:
    document = _upload(world, named(samples.PDF, "notice.pdf"))
    with pytest.raises(PermissionDenied):
        document_rescan(actor=world.other_officer, document=document)
    with pytest.raises(RuleViolation) as info:
        document_rescan(actor=world.officer, document=document)
    assert info.value.message == "No malware scanner is configured, so the document cannot be scanned."


@pytest.mark.django_db
def test_the_periodic_job_rescans_failed_documents(world: World, clamd_at: Any) -> None:
    from procura.documents.tasks import rescan_failed_documents

    # given two failed scans and one clean document
    clamd_at(unreachable_address())
    failed = [_upload(world, named(samples.PDF, f"notice-{n}.pdf")) for n in (1, 2)]
    # when the job runs with clamd back
    with fake_clamd() as (address, server):
        clamd_at(address)
        settled = rescan_failed_documents.call_local()
    # then
    assert settled == 2
    assert len(server.streams) == 2
    assert {d.scan_status for d in Document.objects.filter(pk__in=[d.pk for d in failed])} == {ScanStatus.CLEAN}


@pytest.mark.django_db
def test_document_open_reads_the_stored_bytes(world: World) -> None:
    document = _upload(world, named(samples.DOCX, "terms.docx"))
    with document_open(document=document) as stored:
        assert stored.read() == samples.DOCX
    assert default_storage.exists(document.storage_name)
