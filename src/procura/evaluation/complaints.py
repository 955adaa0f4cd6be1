"""Every write to complaints: filing during the standstill, withdrawal, and the review body's decision.

A losing bidder of the lot files a complaint while the award is in its standstill (strictly
before `standstill_ends_at`), with public grounds, an optional confidential part and documents;
documents go through the documents app, those marked confidential under their own owner type
(`award_access.CONFIDENTIAL_COMPLAINT_DOCUMENT_OWNER`), so the one access rule that hides them is
the documents app's. While a complaint is pending no contract is signed for the lot
(`selectors.signature_block_reason`). The review body decides it with public reasons and an
optional confidential part:

* upheld — the award is cancelled (the complaint is named as the reason), and every assessment
  of the lot goes back to pending: the panel evaluates the lot again and a new award can be
  decided. Who had decided each assessment, and when, is kept in the audit log.
* dismissed — nothing else changes; once the standstill has ended and no other complaint is
  pending, the award comes into force at once.

Other complaints still pending on an award that an upheld complaint cancelled are left pending on
purpose: each complaint is decided on its own grounds by the review body (upholding one of them
then changes nothing more, the award being cancelled already). They no longer hold anything up.

Locks are taken award first, then complaint, everywhere, so two decisions never deadlock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, ProcuraError, RuleViolation
from procura.core.values import checked_text
from procura.documents.models import Document, DocumentType
from procura.documents.services import document_upload
from procura.evaluation import award_access as access
from procura.evaluation.awards import REASONS_MAX_LENGTH, activate_if_due
from procura.evaluation.events import AwardCancelled, ComplaintDecided, ComplaintFiled
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    Award,
    AwardStatus,
    Complaint,
    ComplaintStatus,
)
from procura.tenders.models import Tender

MAX_DOCUMENTS = 10


@dataclass(frozen=True)
class ComplaintDocument:
    """A file filed with a complaint: an UploadedFile (or binary stream with a name), a title
    (the file name if empty), and whether the complainant marks it confidential."""

    file: IO[bytes] | Any
    title: str = ""
    confidential: bool = False


def _clean(value: str, *, field: str, required: str | None) -> str:
    return checked_text(value, field=field, max_length=REASONS_MAX_LENGTH, required=required)


def _moment(value: dt.datetime) -> str:
    return formats.date_format(value, "DATETIME_FORMAT")


def _locked_award(award_id: uuid.UUID) -> Award:
    locked = Award.objects.select_for_update().filter(pk=award_id).first()
    if locked is None:
        raise NotFound(_("There is no such award."))
    return Award.objects.select_related("tender", "tender__buyer", "lot", "supplier").get(pk=locked.pk)


def _locked_complaint(complaint: Complaint) -> tuple[Award, Complaint]:
    award_id = Complaint.objects.filter(pk=complaint.pk).values_list("award_id", flat=True).first()
    if award_id is None:
        raise NotFound(_("There is no such complaint."))
    award = _locked_award(award_id)
    Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
    locked = Complaint.objects.select_related("complainant", "award").get(pk=complaint.pk)
    locked.award = award
    return award, locked


def _status_label(status: str) -> str:
    return str(ComplaintStatus(status).label).lower()


# --- Filing ----------------------------------------------------------------------------------------
def complaint_file(
    *,
    actor: User,
    award: Award,
    grounds: str,
    confidential_grounds: str = "",
    documents: Sequence[ComplaintDocument] = (),
    complainant: Organisation | None = None,
) -> Complaint:
    """File a complaint about an award during its standstill, for a bidder of the lot other than
    the winner (`complainant`: which, when the person is bid manager of several). It suspends
    signature for the lot until the review body decides it."""
    grounds = _clean(
        grounds, field="grounds", required=_("Set out the grounds of the complaint: this part is published.")
    )
    confidential_grounds = _clean(confidential_grounds, field="confidential_grounds", required=None)
    documents = tuple(documents)
    if len(documents) > MAX_DOCUMENTS:
        raise InvalidInput.for_field(
            "documents", _("File at most %(count)s documents with a complaint.") % {"count": MAX_DOCUMENTS}
        )
    with transaction.atomic():
        award = _locked_award(award.pk)
        supplier = access.check_can_file_complaint(actor, award, complainant)
        now = clock.now()
        if award.status != AwardStatus.PENDING:
            raise RuleViolation(
                _("A complaint can be filed only during the standstill; this award is %(status)s.")
                % {"status": str(AwardStatus(award.status).label).lower()}
            )
        if award.standstill_ends_at is None or now >= award.standstill_ends_at:
            raise RuleViolation(
                _("The standstill ended on %(end)s: complaints about this award can no longer be filed.")
                % {"end": _moment(award.standstill_ends_at or now)}
            )
        if award.complaints.filter(complainant=supplier, status=ComplaintStatus.PENDING).exists():
            raise Conflict(
                _(
                    "%(supplier)s already has a complaint about this award under review: withdraw it first to file "
                    "another."
                )
                % {"supplier": supplier.legal_name}
            )
        complaint = Complaint.objects.create(
            award=award,
            complainant=supplier,
            local_id=f"complaint-{award.complaints.count() + 1}",
            grounds=grounds,
            confidential_grounds=confidential_grounds,
            filed_by=actor,
            filed_at=now,
        )
        filed = [_attach(actor, complaint, supplier, document) for document in documents]
        events.record(
            ComplaintFiled(
                tender_id=award.tender_id,
                ocid=award.tender.ocid,
                at=now,
                award_id=award.pk,
                complaint_id=complaint.pk,
            )
        )
        audit_record(
            action=AuditAction.COMPLAINT_FILED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="complaint",
            object_id=complaint.pk,
            # The confidential part stays out of the log: only that there is one.
            after={
                "tender": award.tender.ocid,
                "award": award.local_id,
                "complaint": complaint.local_id,
                "has_confidential_grounds": bool(confidential_grounds),
                "documents": [str(d.pk) for d in filed],
            },
        )
    return complaint


def _attach(actor: User, complaint: Complaint, supplier: Organisation, document: ComplaintDocument) -> Document:
    owner_type = (
        access.CONFIDENTIAL_COMPLAINT_DOCUMENT_OWNER if document.confidential else access.COMPLAINT_DOCUMENT_OWNER
    )
    title = (document.title or "").strip() or str(getattr(document.file, "name", "") or "").rsplit("/", 1)[-1]
    try:
        return document_upload(
            actor=actor,
            organisation=supplier,
            owner_type=owner_type,
            owner_id=complaint.pk,
            title=title,
            document_type=DocumentType.OTHER,
            file=document.file,
        )
    except ProcuraError as exc:
        messages = [message for field_messages in exc.fields.values() for message in field_messages] or [exc.message]
        raise InvalidInput(exc.message, fields={"documents": messages}) from None


# --- Withdrawal ------------------------------------------------------------------------------------
def complaint_withdraw(*, actor: User, complaint: Complaint) -> Complaint:
    """The complainant withdraws its pending complaint. If the standstill has ended and no other
    complaint is pending, the award comes into force at once."""
    with transaction.atomic():
        award, complaint = _locked_complaint(complaint)
        access.check_can_withdraw_complaint(actor, complaint)
        if complaint.status != ComplaintStatus.PENDING:
            raise RuleViolation(
                _("This complaint is %(status)s: only a complaint under review can be withdrawn.")
                % {"status": _status_label(complaint.status)}
            )
        now = clock.now()
        complaint.status = ComplaintStatus.WITHDRAWN
        complaint.save(update_fields=["status"])
        audit_record(
            action=AuditAction.COMPLAINT_WITHDRAWN,
            actor=actor,
            organisation_id=complaint.complainant_id,
            object_type="complaint",
            object_id=complaint.pk,
            before={"status": ComplaintStatus.PENDING},
            after={"status": ComplaintStatus.WITHDRAWN, "withdrawn_at": now.isoformat()},
        )
        activate_if_due(award, now)
    return complaint


# --- The review body's decision --------------------------------------------------------------------
def complaint_decide(
    *, actor: User, complaint: Complaint, upheld: bool, decision: str, confidential_decision: str = ""
) -> Complaint:
    """The review body upholds (the award is cancelled and the lot evaluated again) or dismisses
    a pending complaint, with public reasons and an optional confidential part."""
    access.check_can_decide_complaint(actor)
    decision = _clean(decision, field="decision", required=_("Give the reasons for the decision: they are published."))
    confidential_decision = _clean(confidential_decision, field="confidential_decision", required=None)
    with transaction.atomic():
        award, complaint = _locked_complaint(complaint)
        access.check_can_decide_complaint(actor)
        if complaint.status != ComplaintStatus.PENDING:
            raise Conflict(_("This complaint is already %(status)s.") % {"status": _status_label(complaint.status)})
        now = clock.now()
        complaint.status = ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED
        complaint.decision = decision
        complaint.confidential_decision = confidential_decision
        complaint.decided_by = actor
        complaint.decided_at = now
        complaint.save(update_fields=["status", "decision", "confidential_decision", "decided_by", "decided_at"])
        tender = award.tender
        events.record(
            ComplaintDecided(
                tender_id=tender.pk,
                ocid=tender.ocid,
                at=now,
                award_id=award.pk,
                complaint_id=complaint.pk,
                upheld=upheld,
            )
        )
        audit_record(
            action=AuditAction.COMPLAINT_DECIDED,
            actor=actor,
            organisation_id=complaint.complainant_id,
            object_type="complaint",
            object_id=complaint.pk,
            before={"status": ComplaintStatus.PENDING},
            after={
                "status": complaint.status,
                "award": award.local_id,
                "tender": tender.ocid,
                "has_confidential_decision": bool(confidential_decision),
            },
        )
        if upheld:
            if award.status == AwardStatus.PENDING:
                _cancel_award(actor, award, complaint, tender, now)
        else:
            activate_if_due(award, now)
    return complaint


def _cancel_award(actor: User, award: Award, complaint: Complaint, tender: Tender, now: dt.datetime) -> None:
    """Cancel the award on an upheld complaint and send every bid of the lot back to evaluation."""
    before = award.status
    award.status = AwardStatus.CANCELLED
    award.cancelled_at = now
    award.cancellation_reason = _("Complaint %(complaint)s was upheld by the review body: %(decision)s") % {
        "complaint": complaint.local_id,
        "decision": complaint.decision,
    }
    award.save(update_fields=["status", "cancelled_at", "cancellation_reason"])
    events.record(AwardCancelled(tender_id=tender.pk, ocid=tender.ocid, at=now, award_id=award.pk))
    audit_record(
        action=AuditAction.AWARD_CANCELLED,
        actor=actor,
        organisation_id=tender.buyer_id,
        object_type="award",
        object_id=award.pk,
        before={"status": before},
        after={"status": AwardStatus.CANCELLED, "complaint": complaint.local_id, "award": award.local_id},
    )
    _reopen_assessments(actor, award, now)


def _reopen_assessments(actor: User, award: Award, now: dt.datetime) -> None:
    """Every assessment of the lot back to pending; who decided it and when stays in the audit log."""
    for assessment in Assessment.objects.select_for_update().filter(lot_id=award.lot_id).order_by("bid_id"):
        audit_record(
            action=AuditAction.ASSESSMENT_REOPENED,
            actor=actor,
            organisation_id=award.tender.buyer_id,
            object_type="assessment",
            object_id=assessment.bid_id,
            before={
                "status": assessment.status,
                "decided_by": str(assessment.decided_by_id) if assessment.decided_by_id else None,
                "decided_at": assessment.decided_at.isoformat() if assessment.decided_at else None,
            },
            after={"status": AssessmentStatus.PENDING, "award": award.local_id},
        )
        assessment.status = AssessmentStatus.PENDING
        assessment.decided_by = None
        assessment.decided_at = None
        assessment.updated_at = now
        assessment.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
