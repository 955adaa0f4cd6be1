"""Every write to bids: drafts, sealed files, submission, replacement, withdrawal, the opening
(and, for two-envelope tenders, the later financial opening).

Submissions decide acceptance inside their transaction. The tender row is held with a shared
lock (`core.locks.share_lock`) for the whole transaction, so the deadline cannot move while a
bid is being accepted (an amendment's row lock waits for it) and bids for the same tender do not
queue behind each other. The moment of submission is read after all checking and sealing, just
before the rows are written; it is the time the receipt certifies, and a bid whose moment is one
microsecond past the deadline as it stands then is refused and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.bids import access, receipts, sealing
from procura.bids.domain import (
    RECEIPT_FORMAT_VERSION,
    RECEIPT_TYPE,
    BidContent,
    BidStatus,
    CriterionFacts,
    Question,
    ReceiptKind,
    bid_questions,
    completeness_problems,
    financial_part,
    normalise_price,
    price_problems,
    technical_part,
)
from procura.bids.events import BidsOpened, BidSubmitted, BidWithdrawn
from procura.bids.models import Bid, BidOpening, BidVersion, OpenedBid, Receipt, SealedFile, TenderKey
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from procura.core.locks import share_lock
from procura.documents import filetypes
from procura.documents.scanning import ScanStatus, configured_scanner
from procura.suppliers.models import QualificationDocument
from procura.suppliers.services import check_not_debarred
from procura.tenders.domain import Participation, TenderStatus, tender_status
from procura.tenders.models import Lot, Tender
from procura.tenders.rules import rules_of

logger = logging.getLogger("procura.bids")


# --- Keys and sealing -----------------------------------------------------------------------------
def _key_context(tender: Tender) -> bytes:
    return f"procura-tender-key:{tender.pk}".encode()


def tender_data_key(tender: Tender) -> bytes:
    """The tender's data key, unwrapped; created (and stored wrapped) the first time it is needed."""
    record = TenderKey.objects.filter(tender_id=tender.pk).first()
    if record is None:
        manager = sealing.key_manager()
        wrapped = manager.wrap(sealing.new_data_key(), context=_key_context(tender))
        TenderKey.objects.bulk_create(
            [TenderKey(tender_id=tender.pk, key_manager=manager.name, wrapped_key=wrapped, created_at=clock.now())],
            ignore_conflicts=True,  # two first bids at once: one key wins, both use it
        )
        record = TenderKey.objects.get(tender_id=tender.pk)
    return sealing.key_manager().unwrap(bytes(record.wrapped_key), context=_key_context(tender))


def _draft_context(bid: Bid) -> bytes:
    return f"procura-bid:{bid.pk}:draft".encode()


def _version_context(bid: Bid, number: int) -> bytes:
    return f"procura-bid:{bid.pk}:v{number}".encode()


def _file_context(bid_id: uuid.UUID, file_id: uuid.UUID) -> bytes:
    return f"procura-bid-file:{bid_id}:{file_id}".encode()


def _seal_json(key: bytes, data: Mapping[str, Any], context: bytes) -> bytes:
    return sealing.seal(key, json.dumps(data, sort_keys=True, separators=(",", ":")).encode(), context)


def _unseal_json(key: bytes, sealed: bytes, context: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sealing.unseal(key, sealed, context))
    return data


def working_content(bid: Bid) -> BidContent:
    """What the bidder is working on: the draft if there is one, else the version that counts.
    Callers check access first (only the bidder before the opening)."""
    key = tender_data_key(bid.tender)
    if bid.draft_sealed:
        return BidContent.from_json(_unseal_json(key, bytes(bid.draft_sealed), _draft_context(bid)))
    latest = bid.versions.order_by("-number").first()
    if latest is not None:
        return BidContent.from_json(_unseal_json(key, bytes(latest.sealed), _version_context(bid, latest.number)))
    return BidContent(currency=bid.tender.currency)


def version_content(version: BidVersion) -> BidContent:
    key = tender_data_key(version.bid.tender)
    return BidContent.from_json(_unseal_json(key, bytes(version.sealed), _version_context(version.bid, version.number)))


def sealed_file_open(*, sealed_file: SealedFile) -> bytes:
    """The file's bytes in clear. Callers check access first."""
    key = tender_data_key(sealed_file.bid.tender)
    with default_storage.open(sealed_file.storage_name, "rb") as stored:
        data = stored.read()
    return sealing.unseal(key, data, _file_context(sealed_file.bid_id, sealed_file.pk))


# --- Rules ---------------------------------------------------------------------------------------
def questions_for(tender: Tender) -> list[Question]:
    return bid_questions(
        eligibility_criteria=tender.eligibility_criteria,
        criteria=[CriterionFacts(c.position, c.name, c.kind) for c in tender.criteria.all()],
    )


def _deadline_text(tender: Tender) -> str:
    return tender.tender_end.isoformat(timespec="microseconds") if tender.tender_end else ""


def _check_open_for_drafts(tender: Tender, now: dt.datetime) -> None:
    """Drafts can be prepared from publication until the deadline."""
    status = tender_status(tender.lifecycle, now)
    if status in {TenderStatus.DRAFT} or not tender.is_published:
        raise NotFound(_("There is no such tender."))
    if tender.tender_end is None:
        raise RuleViolation(_("This procedure does not take bids on the platform."))
    if status.is_final:
        raise RuleViolation(_("This tender is closed: it no longer takes bids."))
    if now > tender.tender_end:
        raise RuleViolation(
            _("Bids closed at %(deadline)s.") % {"deadline": _deadline_text(tender)},
            fields={"deadline": [_("The deadline for bids has passed.")]},
        )
    participation = rules_of(tender.rules).participation
    if participation != Participation.ANY:
        raise RuleViolation(
            _(
                "Only suppliers the buyer has admitted or invited may bid in this procedure, and the "
                "platform does not record admissions yet: contact the buyer."
            )
        )


def _check_accepting_bids(tender: Tender, now: dt.datetime) -> None:
    """Submission, replacement and withdrawal: only while bids are open, deadline inclusive."""
    _check_open_for_drafts(tender, now)
    if tender_status(tender.lifecycle, now) != TenderStatus.TENDERING:
        start = tender.tender_start.isoformat(timespec="minutes") if tender.tender_start else ""
        raise RuleViolation(_("Bids can be submitted from %(start)s.") % {"start": start})


def _check_lot(tender: Tender, lot: Lot) -> None:
    if lot.tender_id != tender.pk:
        raise InvalidInput.for_field("lot", _("Choose a lot of this tender."))


def _locked_bid(bid: Bid) -> Bid:
    locked = Bid.objects.select_for_update().filter(pk=bid.pk).first()
    if locked is None:
        raise NotFound(_("There is no such bid."))
    return Bid.objects.select_related("tender", "tender__buyer", "lot", "supplier").get(pk=locked.pk)


# --- Drafts ---------------------------------------------------------------------------------------
def bid_start(*, actor: User, tender: Tender, lot: Lot, supplier: Organisation) -> Bid:
    """Start a draft bid for a lot. A supplier has at most one live bid per lot: starting another
    returns a Conflict naming the existing one."""
    access.check_can_bid(actor, supplier)
    _check_lot(tender, lot)
    now = clock.now()
    _check_open_for_drafts(tender, now)
    check_not_debarred(supplier=supplier, at=now, field="supplier")
    key = tender_data_key(tender)
    pk = uuid.uuid4()
    bid = Bid(pk=pk, tender=tender, lot=lot, supplier=supplier, created_by=actor, created_at=now, updated_at=now)
    bid.draft_sealed = _seal_json(key, BidContent(currency=tender.currency).as_json(), _draft_context(bid))
    bid.draft_updated_at = now
    try:
        with transaction.atomic():
            bid.save(force_insert=True)
            audit_record(
                action=AuditAction.BID_DRAFT_SAVED,
                actor=actor,
                organisation_id=supplier.pk,
                object_type="bid",
                object_id=bid.pk,
                after={"tender": tender.ocid, "lot": lot.local_id, "started": True},
            )
    except IntegrityError:
        raise Conflict(
            _("%(supplier)s already has a bid for this lot: continue with that one.")
            % {"supplier": supplier.legal_name}
        ) from None
    return bid


def bid_draft_save(
    *,
    actor: User,
    bid: Bid,
    price: str,
    answers: Mapping[str, str] | None = None,
    qualification_ids: Sequence[uuid.UUID] | None = None,
) -> Bid:
    """Save the working draft (sealed). A draft may be incomplete; what it holds must be valid."""
    tender = bid.tender
    errors: dict[str, list[str]] = {}
    for field, message, params in price_problems(price, currency=tender.currency):
        errors.setdefault(field, []).append(_(message) % params if params else _(message))
    questions = {q.key: q for q in questions_for(tender)}
    clean_answers: dict[str, str] = {}
    for key, text in (answers or {}).items():
        if key not in questions:
            errors.setdefault(f"answers.{key}", []).append(_("This tender asks no such question."))
            continue
        text = (text or "").strip()
        if len(text) > 20_000:
            errors.setdefault(f"answers.{key}", []).append(_("An answer can be at most 20,000 characters."))
        if text:
            clean_answers[key] = text
    qualifications = []
    for qid in qualification_ids or ():
        qualification = (
            QualificationDocument.objects.select_related("document")
            .filter(pk=qid, organisation_id=bid.supplier_id, removed_at__isnull=True)
            .first()
        )
        if qualification is None:
            errors.setdefault("qualifications", []).append(_("Choose qualification documents of your organisation."))
            continue
        qualifications.append(
            {
                "id": str(qualification.pk),
                "kind": qualification.kind,
                "title": qualification.title,
                "sha256": qualification.document.sha256,
                "expires_on": qualification.expires_on.isoformat() if qualification.expires_on else None,
            }
        )
    if errors:
        raise InvalidInput(_("Some details of the bid need correcting."), fields=errors)
    with transaction.atomic():
        bid = _locked_bid(bid)
        access.check_can_bid(actor, bid.supplier)
        if bid.status == BidStatus.WITHDRAWN:
            raise RuleViolation(_("This bid was withdrawn; start a new bid for the lot."))
        now = clock.now()
        _check_open_for_drafts(bid.tender, now)
        current = working_content(bid)
        content = BidContent(
            price_amount=normalise_price(price),
            currency=tender.currency,
            answers=clean_answers,
            qualifications=tuple(qualifications),
            files=current.files,
        )
        _write_draft(bid, content, now)
        audit_record(
            action=AuditAction.BID_DRAFT_SAVED,
            actor=actor,
            organisation_id=bid.supplier_id,
            object_type="bid",
            object_id=bid.pk,
            after={"tender": bid.tender.ocid, "lot": bid.lot.local_id},
        )
    return bid


def _write_draft(bid: Bid, content: BidContent, now: dt.datetime) -> None:
    key = tender_data_key(bid.tender)
    bid.draft_sealed = _seal_json(key, content.as_json(), _draft_context(bid))
    bid.draft_updated_at = now
    bid.updated_at = now
    bid.save(update_fields=["draft_sealed", "draft_updated_at", "updated_at"])


def _read_upload(file: IO[bytes] | Any, file_name: str, file_type: filetypes.FileType) -> bytes:
    limit = filetypes.size_limit(file_type)
    declared = getattr(file, "size", None)
    if isinstance(declared, int):
        filetypes.check_size(file_name, file_type, declared)
    data = file.read(limit + 1)
    filetypes.check_size(file_name, file_type, len(data))
    filetypes.check_content(file_name, file_type, data[:4096], io.BytesIO(data))
    return bytes(data)


def bid_file_add(*, actor: User, bid: Bid, file: IO[bytes] | Any, title: str = "") -> SealedFile:
    """Attach a file to the draft, sealed before it is stored."""
    access.check_can_bid(actor, bid.supplier)
    file_name = filetypes.sanitise_file_name(str(getattr(file, "name", "") or ""))
    if file is None:
        raise InvalidInput.for_field("file", _("Choose a file to upload."))
    if not file_name:
        raise InvalidInput.for_field("file", _("The file needs a name with an extension, such as offer.pdf."))
    file_type = filetypes.type_for(file_name)
    data = _read_upload(file, file_name, file_type)
    scan = configured_scanner().scan(io.BytesIO(data))
    if scan.status == ScanStatus.INFECTED:
        message = _("%(name)s contains malware (%(signature)s), so it was not accepted.") % {
            "name": file_name,
            "signature": scan.detail,
        }
        raise InvalidInput(message, fields={"file": [message]})
    title = (title or "").strip()[:250] or file_name
    file_id = uuid.uuid4()
    key = tender_data_key(bid.tender)
    sealed = sealing.seal(key, data, _file_context(bid.pk, file_id))
    storage_name = default_storage.save(f"sealed/{bid.tender_id.hex}/{file_id.hex}", ContentFile(sealed))
    try:
        with transaction.atomic():
            locked = _locked_bid(bid)
            access.check_can_bid(actor, locked.supplier)
            if locked.status == BidStatus.WITHDRAWN:
                raise RuleViolation(_("This bid was withdrawn; start a new bid for the lot."))
            now = clock.now()
            _check_open_for_drafts(locked.tender, now)
            current = working_content(locked)
            if len(current.files) >= 50:
                raise InvalidInput.for_field("file", _("A bid can have at most 50 files."))
            sealed_file = SealedFile.objects.create(
                pk=file_id,
                bid=locked,
                storage_name=storage_name,
                sealed_sha256=sealing.sha256_hex(sealed),
                created_at=now,
            )
            entry = {
                "id": str(file_id),
                "title": title,
                "file_name": file_name,
                "media_type": file_type.media_type,
                "size": len(data),
                "sha256": sealing.sha256_hex(data),
            }
            content = BidContent(
                price_amount=current.price_amount,
                currency=current.currency or locked.tender.currency,
                answers=current.answers,
                qualifications=current.qualifications,
                files=(*current.files, entry),
            )
            _write_draft(locked, content, now)
            audit_record(
                action=AuditAction.BID_FILE_ADDED,
                actor=actor,
                organisation_id=locked.supplier_id,
                object_type="bid",
                object_id=locked.pk,
                after={
                    "tender": locked.tender.ocid,
                    "sealed_file": str(file_id),
                    "sealed_sha256": sealed_file.sealed_sha256,
                },
            )
    except BaseException:
        default_storage.delete(storage_name)
        raise
    return sealed_file


def bid_file_remove(*, actor: User, bid: Bid, file_id: uuid.UUID) -> Bid:
    """Take a file out of the draft. The sealed file stays stored while a submitted version
    refers to it."""
    with transaction.atomic():
        bid = _locked_bid(bid)
        access.check_can_bid(actor, bid.supplier)
        now = clock.now()
        _check_open_for_drafts(bid.tender, now)
        current = working_content(bid)
        remaining = tuple(f for f in current.files if f.get("id") != str(file_id))
        if len(remaining) == len(current.files):
            raise NotFound(_("The bid has no such file."))
        content = BidContent(
            price_amount=current.price_amount,
            currency=current.currency,
            answers=current.answers,
            qualifications=current.qualifications,
            files=remaining,
        )
        _write_draft(bid, content, now)
        audit_record(
            action=AuditAction.BID_FILE_REMOVED,
            actor=actor,
            organisation_id=bid.supplier_id,
            object_type="bid",
            object_id=bid.pk,
            after={"tender": bid.tender.ocid, "sealed_file": str(file_id)},
        )
    return bid


def bid_draft_discard(*, actor: User, bid: Bid) -> None:
    """Throw the working draft away. A bid never submitted goes altogether (freeing the lot for a
    new one); a submitted bid keeps the version that counts."""
    with transaction.atomic():
        bid = _locked_bid(bid)
        access.check_can_bid(actor, bid.supplier)
        if bid.status == BidStatus.WITHDRAWN:
            raise RuleViolation(_("This bid was withdrawn; there is no draft to discard."))
        now = clock.now()
        audit_record(
            action=AuditAction.BID_DRAFT_DISCARDED,
            actor=actor,
            organisation_id=bid.supplier_id,
            object_type="bid",
            object_id=bid.pk,
            after={"tender": bid.tender.ocid, "lot": bid.lot.local_id, "status": bid.status},
        )
        if bid.status == BidStatus.DRAFT:
            stored = list(bid.files.values_list("storage_name", flat=True))
            bid.files.all().delete()
            bid.receipts.all().delete()
            bid.delete()
            transaction.on_commit(lambda: _delete_stored(stored))
            return
        if not bid.draft_sealed:
            raise RuleViolation(_("There are no unsubmitted changes to discard."))
        bid.draft_sealed = b""
        bid.draft_updated_at = None
        bid.updated_at = now
        bid.save(update_fields=["draft_sealed", "draft_updated_at", "updated_at"])


def _delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


# --- Submission, replacement, withdrawal ----------------------------------------------------------
def _receipt_payload(
    *, receipt_id: uuid.UUID, kind: ReceiptKind, bid: Bid, version_number: int, at: dt.datetime, sealed_sha256: str
) -> dict[str, Any]:
    tender, lot, supplier = bid.tender, bid.lot, bid.supplier
    return {
        "type": RECEIPT_TYPE,
        "format": RECEIPT_FORMAT_VERSION,
        "id": str(receipt_id),
        "kind": str(kind),
        "platform": settings.BASE_URL,
        "tender": {"ocid": tender.ocid, "title": tender.title},
        "lot": {"id": lot.local_id, "title": lot.title},
        "supplier": {"id": supplier.identifier, "name": supplier.legal_name},
        "bid": {"id": str(bid.pk), "version": version_number},
        "time": at.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "sealed_content_sha256": sealed_sha256,
    }


def _issue_receipt(*, kind: ReceiptKind, bid: Bid, version: BidVersion, at: dt.datetime) -> Receipt:
    receipt_id = uuid.uuid4()
    payload = _receipt_payload(
        receipt_id=receipt_id,
        kind=kind,
        bid=bid,
        version_number=version.number,
        at=at,
        sealed_sha256=version.sealed_sha256,
    )
    return Receipt.objects.create(
        pk=receipt_id, bid=bid, version=version, kind=kind, issued_at=at, document=receipts.sign(payload)
    )


def bid_submit(*, actor: User, bid: Bid) -> Receipt:
    """Seal the draft as the bid's new version and return the signed receipt. The first time it
    is a submission, after that a replacement (every version is kept; the latest counts)."""
    with transaction.atomic():
        tender = share_lock(Tender, bid.tender_id)
        bid = _locked_bid(bid)
        bid.tender = tender
        access.check_can_bid(actor, bid.supplier)
        if bid.status == BidStatus.WITHDRAWN:
            raise RuleViolation(_("This bid was withdrawn; start a new bid for the lot."))
        if not bid.draft_sealed:
            raise RuleViolation(_("There are no changes to submit: the bid as it stands already counts."))
        _check_accepting_bids(tender, clock.now())
        content = working_content(bid)
        problems = completeness_problems(content, questions_for(tender))
        if problems:
            raise InvalidInput(
                _("The bid cannot be submitted yet: %(count)s thing(s) to complete.") % {"count": len(problems)},
                fields={field: [_(message)] for field, message in problems},
            )
        last = bid.versions.order_by("-number").values_list("number", flat=True).first() or 0
        number = last + 1
        sealed = bytes(bid.draft_sealed)
        # Re-seal under the version's own context: a version cannot be passed off as another.
        key = tender_data_key(tender)
        sealed = sealing.seal(key, sealing.unseal(key, sealed, _draft_context(bid)), _version_context(bid, number))
        replaced = bid.status == BidStatus.SUBMITTED
        # The moment of submission: after every check and all the sealing, just before writing.
        now = clock.now()
        _check_accepting_bids(tender, now)
        # A supplier debarred while it held a draft cannot submit it; bids it submitted before
        # stay, and the award refuses them.
        check_not_debarred(supplier=bid.supplier, at=now)
        version = BidVersion.objects.create(
            bid=bid,
            number=number,
            sealed=sealed,
            sealed_sha256=sealing.sha256_hex(sealed),
            submitted_at=now,
            submitted_by=actor,
        )
        bid.status = BidStatus.SUBMITTED
        bid.draft_sealed = b""
        bid.draft_updated_at = None
        bid.submitted_at = now
        bid.updated_at = now
        bid.save(update_fields=["status", "draft_sealed", "draft_updated_at", "submitted_at", "updated_at"])
        receipt = _issue_receipt(
            kind=ReceiptKind.REPLACEMENT if replaced else ReceiptKind.SUBMISSION, bid=bid, version=version, at=now
        )
        events.record(
            BidSubmitted(
                tender_id=tender.pk,
                ocid=tender.ocid,
                at=now,
                bid_id=bid.pk,
                supplier_id=bid.supplier_id,
                replaced=replaced,
            )
        )
        audit_record(
            action=AuditAction.BID_REPLACED if replaced else AuditAction.BID_SUBMITTED,
            actor=actor,
            organisation_id=bid.supplier_id,
            object_type="bid",
            object_id=bid.pk,
            after={
                "tender": tender.ocid,
                "lot": bid.lot.local_id,
                "version": number,
                "sealed_sha256": version.sealed_sha256,
                "receipt": str(receipt.pk),
            },
        )
    return receipt


def bid_withdraw(*, actor: User, bid: Bid) -> Receipt:
    """Withdraw a submitted bid before the deadline, with a signed receipt. Its versions stay
    sealed; at the opening it is listed as withdrawn, its content never read."""
    with transaction.atomic():
        tender = share_lock(Tender, bid.tender_id)
        bid = _locked_bid(bid)
        bid.tender = tender
        access.check_can_bid(actor, bid.supplier)
        if bid.status == BidStatus.WITHDRAWN:
            raise Conflict(_("This bid has already been withdrawn."))
        if bid.status == BidStatus.DRAFT:
            raise RuleViolation(_("This bid was never submitted: discard the draft instead."))
        latest = bid.versions.order_by("-number").first()
        if latest is None:  # pragma: no cover - a submitted bid always has a version
            raise RuleViolation(_("This bid was never submitted: discard the draft instead."))
        now = clock.now()
        _check_accepting_bids(tender, now)
        bid.status = BidStatus.WITHDRAWN
        bid.withdrawn_at = now
        bid.draft_sealed = b""
        bid.draft_updated_at = None
        bid.updated_at = now
        bid.save(update_fields=["status", "withdrawn_at", "draft_sealed", "draft_updated_at", "updated_at"])
        receipt = _issue_receipt(kind=ReceiptKind.WITHDRAWAL, bid=bid, version=latest, at=now)
        events.record(
            BidWithdrawn(tender_id=tender.pk, ocid=tender.ocid, at=now, bid_id=bid.pk, supplier_id=bid.supplier_id)
        )
        audit_record(
            action=AuditAction.BID_WITHDRAWN,
            actor=actor,
            organisation_id=bid.supplier_id,
            object_type="bid",
            object_id=bid.pk,
            after={
                "tender": tender.ocid,
                "lot": bid.lot.local_id,
                "version": latest.number,
                "receipt": str(receipt.pk),
            },
        )
    return receipt


# --- The opening ----------------------------------------------------------------------------------
def opening_time(tender: Tender) -> dt.datetime | None:
    """When the bids are opened: the announced opening, never before the deadline has passed."""
    if tender.tender_end is None:
        return None
    return max(tender.bid_opening_at or tender.tender_end, tender.tender_end)


def _opened_content(content: BidContent) -> dict[str, Any]:
    return content.as_json()


def bids_open(*, tender: Tender, at: dt.datetime | None = None) -> BidOpening:
    """Open the tender's bids (the platform, at the opening time): decrypt the version that
    counts of every submitted bid and record the opening. Idempotent: a second call returns the
    opening made by the first.

    A two-envelope tender's opening reads only the technical part of each bid: its price stays
    sealed in the version (no amount, currency or price in any clear column) until
    `bids_open_financial` opens it for the bids the technical evaluation qualifies."""
    with transaction.atomic():
        tender = Tender.objects.select_for_update().select_related("buyer").get(pk=tender.pk)
        existing = BidOpening.objects.filter(tender=tender).first()
        if existing is not None:
            return existing
        now = at or clock.now()
        moment = opening_time(tender)
        if not tender.is_published or moment is None:
            raise RuleViolation(_("This tender has no bids to open."))
        status = tender_status(tender.lifecycle, now)
        if status == TenderStatus.CANCELLED:
            raise RuleViolation(_("The tender was cancelled: its bids stay sealed."))
        if now < moment or (tender.tender_end is not None and now <= tender.tender_end):
            raise RuleViolation(
                _("The bids open at %(moment)s, not before.") % {"moment": moment.isoformat(timespec="minutes")}
            )
        opening = BidOpening.objects.create(tender=tender, opened_at=now)
        key = tender_data_key(tender) if TenderKey.objects.filter(tender=tender).exists() else b""
        opened = []
        counted = Bid.objects.filter(tender=tender, status__in=[BidStatus.SUBMITTED, BidStatus.WITHDRAWN])
        for bid in counted.select_related("lot", "supplier").order_by("lot__position", "submitted_at", "id"):
            if bid.status == BidStatus.WITHDRAWN:
                opened.append(OpenedBid(bid=bid, opening=opening, version=None, content={}))
                continue
            version = bid.versions.order_by("-number").first()
            assert version is not None
            content = BidContent.from_json(
                _unseal_json(key, bytes(version.sealed), _version_context(bid, version.number))
            )
            # Two envelopes: only the technical part now; the price stays sealed in the version.
            sealed_price = tender.two_envelopes
            price = None if sealed_price else content.price()
            clear = _opened_content(content)
            opened.append(
                OpenedBid(
                    bid=bid,
                    opening=opening,
                    version=version,
                    amount=price.amount if price else None,
                    currency=price.currency if price else "",
                    content=technical_part(clear) if sealed_price else clear,
                    price_opened_at=None if sealed_price else now,
                )
            )
        OpenedBid.objects.bulk_create(opened)
        audit_record(
            action=AuditAction.BIDS_OPENED,
            actor=None,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            after={
                "tender": tender.ocid,
                "opened_at": now.isoformat(),
                "bids": [str(o.bid_id) for o in opened if o.version_id],
                "withdrawn": [str(o.bid_id) for o in opened if not o.version_id],
                "prices_sealed": tender.two_envelopes,
            },
        )
        events.record(BidsOpened(tender_id=tender.pk, ocid=tender.ocid, at=now))
    return opening


def bids_open_financial(
    *, tender: Tender, bid_ids: Collection[uuid.UUID], at: dt.datetime | None = None
) -> list[OpenedBid]:
    """Open the financial envelopes (the prices) of the named bids of a two-envelope tender whose
    bids have been opened: decrypt the version that counted at the opening, set the amount,
    currency and `price_opened_at`, and add the financial part to the opened content. Returns
    the named bids' opened records, in the order named.

    Idempotent per bid: a bid whose price is already open is returned unchanged. Refused
    (RuleViolation) when the tender does not use two envelopes, its bids are not opened yet, it
    was cancelled, or a named bid is not one of its opened bids (withdrawn bids never are).

    No access check here: the evaluation app calls this after checking itself that the person
    may open the prices and that these bids are technically qualified. It records the audit
    entry (BIDS_FINANCIAL_OPENED) but no event: the evaluation app records its own
    FinancialOffersOpened event, which publication follows.
    """
    try:
        wanted = list(dict.fromkeys(uuid.UUID(str(bid_id)) for bid_id in bid_ids))
    except ValueError:
        raise InvalidInput.for_field("bid_ids", _("Choose opened bids of this tender.")) from None
    with transaction.atomic():
        # The tender row lock orders financial openings of one tender (and the opening itself).
        tender = Tender.objects.select_for_update().select_related("buyer").get(pk=tender.pk)
        if not tender.two_envelopes:
            raise RuleViolation(_("This tender does not use two envelopes: its prices were opened with the bids."))
        opening = BidOpening.objects.filter(tender=tender).first()
        if opening is None:
            raise RuleViolation(_("The bids of this tender have not been opened yet, so neither can their prices."))
        if tender.cancelled_at is not None:
            raise RuleViolation(_("The tender was cancelled: its prices stay sealed."))
        now = at or clock.now()
        if now < opening.opened_at:
            raise RuleViolation(_("Prices cannot be opened before the bids were opened."))
        rows = {
            row.bid_id: row
            for row in OpenedBid.objects.filter(opening=opening, bid_id__in=wanted, version__isnull=False)
            .select_related("bid", "version")
            .order_by("bid_id")
        }
        unknown = [str(bid_id) for bid_id in wanted if bid_id not in rows]
        if unknown:
            raise RuleViolation(
                _("Only the prices of this tender's opened bids can be opened; these are not among them: %(ids)s.")
                % {"ids": ", ".join(unknown)},
                fields={"bid_ids": [_("Choose opened bids of this tender.")]},
            )
        newly_opened = []
        key = tender_data_key(tender) if any(row.price_opened_at is None for row in rows.values()) else b""
        for bid_id in wanted:
            row = rows[bid_id]
            if row.price_opened_at is not None:
                continue
            version = row.version
            assert version is not None
            content = BidContent.from_json(
                _unseal_json(key, bytes(version.sealed), _version_context(row.bid, version.number))
            )
            price = content.price()
            row.amount = price.amount if price else None
            row.currency = price.currency if price else ""
            row.content = {**(row.content or {}), **financial_part(_opened_content(content))}
            row.price_opened_at = now
            row.save(update_fields=["amount", "currency", "content", "price_opened_at"])
            newly_opened.append(row)
        if newly_opened:
            audit_record(
                action=AuditAction.BIDS_FINANCIAL_OPENED,
                actor=None,
                organisation_id=tender.buyer_id,
                object_type="tender",
                object_id=tender.pk,
                after={
                    "tender": tender.ocid,
                    "prices_opened_at": now.isoformat(),
                    "bids": [str(row.bid_id) for row in newly_opened],
                },
            )
    return [rows[bid_id] for bid_id in wanted]


def bids_open_due(*, at: dt.datetime | None = None, limit: int = 100) -> int:
    """Open every tender whose opening time has come. Returns how many were opened."""
    now = at or clock.now()
    candidates = (
        Tender.objects.filter(
            published_at__isnull=False,
            cancelled_at__isnull=True,
            tender_end__lt=now,
            bid_opening__isnull=True,
        )
        .order_by("tender_end", "id")
        .values_list("pk", "tender_end", "bid_opening_at")[: limit * 4]
    )
    opened = 0
    for pk, end, announced in candidates:
        if end is None or max(announced or end, end) > now:
            continue
        try:
            bids_open(tender=Tender(pk=pk), at=now)
            opened += 1
        except (RuleViolation, sealing.SealBroken):
            logger.error("bid opening failed for tender %s", pk, exc_info=True)
        if opened >= limit:
            break
    return opened


def live_bid_count(tender: Tender) -> int | None:
    """Submitted bids (the counter the tender sweep asks for: none means unsuccessful); None for
    a tender that does not take bids on the platform (no deadline, or only admitted suppliers),
    whose outcome the sweep must not guess."""
    if tender.tender_end is None or rules_of(tender.rules).participation != Participation.ANY:
        return None
    return Bid.objects.filter(tender_id=tender.pk, status=BidStatus.SUBMITTED).count()
