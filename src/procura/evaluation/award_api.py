"""Awards API (/api/v1/): a tender's award decisions, deciding a lot or closing it without award,
a bidder's decision notices, and complaints (filing, reading, the review body's decision,
withdrawal).

The confidential parts of a complaint and of its decision are withheld by the one rule
(`award_access.can_see_confidential`): for everyone else their fields are null and
`confidential_withheld` says that something was withheld. Handlers parse, look up, call one
service and shape the answer; writes take an `Idempotency-Key` header (core.idempotency).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from procura.accounts.authentication import api_auth, optional_auth, request_user
from procura.accounts.models import Organisation
from procura.bids.models import Bid
from procura.core import clock
from procura.core.errors import InvalidInput, NotFound
from procura.core.schemas import MoneyOut, Text
from procura.evaluation import award_access as access
from procura.evaluation import awards, complaints, selectors
from procura.evaluation.models import Award, AwardStatus, Complaint, DecisionNotice
from procura.tenders.models import Lot, Tender
from procura.tenders.selectors import tender_visible, visible_tender

router = Router(tags=["awards"])

TEXT_MAX_LENGTH = 20_000


# --- Input schemas ----------------------------------------------------------------------------------
class AwardDecideIn(Schema):
    bid: uuid.UUID = Field(description="The bid awarded: qualified and ranked first for the lot.")
    reasons: Text = Field(max_length=TEXT_MAX_LENGTH, description="Sent to every bidder and published.")


class LotCloseIn(Schema):
    reason: Text = Field(max_length=TEXT_MAX_LENGTH, description="Why the lot cannot be awarded; published.")


class ComplaintIn(Schema):
    grounds: Text = Field(max_length=TEXT_MAX_LENGTH, description="Published with the complaint.")
    confidential_grounds: Text = Field(
        "", max_length=TEXT_MAX_LENGTH, description="Shown only to the complainant, the review body and auditors."
    )
    complainant: uuid.UUID | None = Field(
        None, description="The supplier complaining, when you are bid manager of several bidders of the lot."
    )


class ComplaintDecisionIn(Schema):
    upheld: bool = Field(description="true: the award is cancelled and the lot evaluated again; false: dismissed.")
    decision: Text = Field(max_length=TEXT_MAX_LENGTH, description="The reasons, published.")
    confidential_decision: Text = Field(
        "", max_length=TEXT_MAX_LENGTH, description="Shown only to the complainant, the review body and auditors."
    )


# --- Output schemas ---------------------------------------------------------------------------------
class SupplierOut(Schema):
    id: uuid.UUID
    name: str
    identifier: str


class LotRefOut(Schema):
    id: str
    title: str


class ComplaintOut(Schema):
    id: uuid.UUID
    local_id: str
    award_id: uuid.UUID
    award: str = Field(description="The award's id in the tender, such as award-1.")
    ocid: str
    complainant: SupplierOut
    status: str = Field(description="pending (under review), upheld, dismissed or withdrawn")
    grounds: str
    confidential_grounds: str | None = Field(description="null for everyone not allowed to read it.")
    filed_at: dt.datetime
    decision: str
    confidential_decision: str | None = Field(description="null for everyone not allowed to read it.")
    decided_at: dt.datetime | None
    confidential_withheld: bool = Field(description="Confidential parts exist and were withheld from you.")


class ComplaintSummaryOut(Schema):
    id: uuid.UUID
    local_id: str
    complainant: SupplierOut
    status: str
    filed_at: dt.datetime
    decided_at: dt.datetime | None


class AwardOut(Schema):
    id: uuid.UUID
    local_id: str = Field(description="OCDS awards[].id")
    ocid: str
    lot: LotRefOut
    status: str = Field(description="pending (standstill), active, cancelled or unsuccessful (no award)")
    supplier: SupplierOut | None
    value: MoneyOut | None
    reasons: str
    bids: int = Field(description="Bids opened for the lot, withdrawn ones left out.")
    decided_at: dt.datetime
    standstill_ends_at: dt.datetime | None
    activated_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancellation_reason: str
    signature_allowed: bool = Field(description="Whether a contract may be signed now.")
    complaints: list[ComplaintSummaryOut]


class DecisionNoticeOut(Schema):
    id: uuid.UUID
    award_id: uuid.UUID
    ocid: str
    supplier: SupplierOut
    sent_at: dt.datetime
    read_at: dt.datetime | None
    content: dict[str, Any] = Field(
        description="The bidder's result (status, rank, price, points, disqualification reason), the winner, the "
        "reasons, the standstill's end and until when a complaint may be filed."
    )


# --- Shaping --------------------------------------------------------------------------------------
def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def _supplier(organisation: Organisation) -> SupplierOut:
    return SupplierOut(id=organisation.pk, name=organisation.legal_name, identifier=organisation.identifier)


def _award_out(award: Award) -> AwardOut:
    return AwardOut(
        id=award.pk,
        local_id=award.local_id,
        ocid=award.tender.ocid,
        lot=LotRefOut(id=award.lot.local_id, title=award.lot.title),
        status=award.status,
        supplier=_supplier(award.supplier) if award.supplier is not None else None,
        value=MoneyOut.optional(award.value_amount, award.currency),
        reasons=award.reasons,
        bids=selectors.lot_bid_count(award.lot),
        decided_at=award.decided_at.astimezone(dt.UTC),
        standstill_ends_at=_utc(award.standstill_ends_at),
        activated_at=_utc(award.activated_at),
        cancelled_at=_utc(award.cancelled_at),
        cancellation_reason=award.cancellation_reason,
        signature_allowed=award.status in {AwardStatus.PENDING, AwardStatus.ACTIVE}
        and selectors.signature_block_reason(award, clock.now()) is None,
        complaints=[
            ComplaintSummaryOut(
                id=c.pk,
                local_id=c.local_id,
                complainant=_supplier(c.complainant),
                status=c.status,
                filed_at=c.filed_at.astimezone(dt.UTC),
                decided_at=_utc(c.decided_at),
            )
            for c in award.complaints.select_related("complainant").order_by("filed_at", "id")
        ],
    )


def _complaint_out(user: Any, complaint: Complaint) -> ComplaintOut:
    """The complaint as this caller may read it: confidential parts only through the one rule."""
    confidential = access.can_see_confidential(user, complaint)
    has_confidential = bool(
        complaint.confidential_grounds
        or complaint.confidential_decision
        or selectors.complaint_documents(complaint, confidential=True)
    )
    return ComplaintOut(
        id=complaint.pk,
        local_id=complaint.local_id,
        award_id=complaint.award_id,
        award=complaint.award.local_id,
        ocid=complaint.award.tender.ocid,
        complainant=_supplier(complaint.complainant),
        status=complaint.status,
        grounds=complaint.grounds,
        confidential_grounds=complaint.confidential_grounds if confidential else None,
        filed_at=complaint.filed_at.astimezone(dt.UTC),
        decision=complaint.decision,
        confidential_decision=complaint.confidential_decision if confidential else None,
        decided_at=_utc(complaint.decided_at),
        confidential_withheld=has_confidential and not confidential,
    )


def _notice_out(notice: DecisionNotice) -> DecisionNoticeOut:
    return DecisionNoticeOut(
        id=notice.pk,
        award_id=notice.award_id,
        ocid=notice.award.tender.ocid,
        supplier=_supplier(notice.supplier),
        sent_at=notice.sent_at.astimezone(dt.UTC),
        read_at=_utc(notice.read_at),
        content=notice.content or {},
    )


# --- Look-ups ---------------------------------------------------------------------------------------
def _lot(tender: Tender, lot_id: str) -> Lot:
    lot = tender.lots.filter(local_id=lot_id[:32]).first()
    if lot is None:
        raise NotFound(_("Tender %(ocid)s has no lot %(lot)s.") % {"ocid": tender.ocid, "lot": lot_id[:32]})
    return lot


def _award(request: HttpRequest, award_id: uuid.UUID) -> Award:
    award = selectors.award_by_id(award_id)
    if award is None or tender_visible(request.user, award.tender.ocid) is None:
        raise NotFound(_("There is no such award."))
    return award


def _complaint(request: HttpRequest, complaint_id: uuid.UUID) -> Complaint:
    complaint = selectors.complaint_get(complaint_id)
    if complaint is None or not access.can_view_complaint(request.user, complaint):
        raise NotFound(_("There is no such complaint."))
    return complaint


def _fresh_award(award_id: uuid.UUID) -> Award:
    award = selectors.award_by_id(award_id)
    if award is None:  # pragma: no cover - the service just wrote it
        raise NotFound(_("There is no such award."))
    return award


# --- Awards -----------------------------------------------------------------------------------------
@router.get(
    "/tenders/{ocid}/awards",
    response=list[AwardOut],
    auth=optional_auth,
    summary="A tender's award decisions",
    description="Every decision, cancelled ones included, by lot: winner, value, reasons, standstill, "
    "and the complaints about each (their public part is at GET /complaints/{id}).",
)
def award_list(request: HttpRequest, ocid: str) -> list[AwardOut]:
    tender = visible_tender(request.user, ocid)
    return [_award_out(award) for award in selectors.tender_awards(tender)]


@router.post(
    "/tenders/{ocid}/lots/{lot_id}/award",
    response={201: AwardOut},
    auth=api_auth,
    summary="Award a lot",
    description="For the procurement officer who manages the evaluation, once every bid of the lot is "
    "qualified or disqualified: the bid must be qualified and ranked first, its supplier not debarred. "
    "Starts the standstill and sends a decision notice to every bidder. A lot already decided is a 409.",
)
def award_decide(request: HttpRequest, ocid: str, lot_id: str, payload: AwardDecideIn) -> Status[AwardOut]:
    tender = visible_tender(request.user, ocid)
    access.check_can_decide_award(request.user, tender)
    lot = _lot(tender, lot_id)
    bid = Bid.objects.select_related("supplier").filter(pk=payload.bid, lot=lot).first()
    if bid is None:
        raise InvalidInput.for_field("bid", _("Choose a bid that was opened for this lot and not withdrawn."))
    award = awards.award_decide(actor=request_user(request), lot=lot, bid=bid, reasons=payload.reasons)
    return Status(201, _award_out(_fresh_award(award.pk)))


@router.post(
    "/tenders/{ocid}/lots/{lot_id}/close-without-award",
    response={201: AwardOut},
    auth=api_auth,
    summary="Close a lot without award",
    description="When the lot had no bid or every bid was disqualified. When every lot ends so, the tender "
    "is declared unsuccessful.",
)
def lot_close(request: HttpRequest, ocid: str, lot_id: str, payload: LotCloseIn) -> Status[AwardOut]:
    tender = visible_tender(request.user, ocid)
    access.check_can_decide_award(request.user, tender)
    lot = _lot(tender, lot_id)
    award = awards.lot_close_without_award(actor=request_user(request), lot=lot, reason=payload.reason)
    return Status(201, _award_out(_fresh_award(award.pk)))


# --- Decision notices -------------------------------------------------------------------------------
@router.get(
    "/decision-notices",
    response=list[DecisionNoticeOut],
    auth=api_auth,
    summary="Your suppliers' decision notices",
    description="The award decisions sent to the suppliers you are a member of, newest first. Reading them "
    "here does not mark them read (opening the notice's page does).",
)
def decision_notice_list(request: HttpRequest) -> list[DecisionNoticeOut]:
    suppliers = access.notice_suppliers(request_user(request))
    return [_notice_out(n) for n in selectors.decision_notices_for(suppliers)] if suppliers else []


# --- Complaints -------------------------------------------------------------------------------------
@router.post(
    "/awards/{award_id}/complaints",
    response={201: ComplaintOut},
    auth=api_auth,
    summary="File a complaint about an award",
    description="For a bid manager of a bidder of the lot other than the winner, strictly before the "
    "standstill ends. Signature is suspended until the review body decides. Documents are filed on the "
    "complaint page.",
)
def complaint_file(request: HttpRequest, award_id: uuid.UUID, payload: ComplaintIn) -> Status[ComplaintOut]:
    award = _award(request, award_id)
    complainant = None
    if payload.complainant is not None:
        complainant = Organisation.objects.filter(pk=payload.complainant).first()
        if complainant is None:
            raise InvalidInput.for_field("complainant", _("There is no organisation with this id."))
    complaint = complaints.complaint_file(
        actor=request_user(request),
        award=award,
        grounds=payload.grounds,
        confidential_grounds=payload.confidential_grounds,
        complainant=complainant,
    )
    return Status(201, _complaint_out(request.user, _complaint(request, complaint.pk)))


@router.get(
    "/complaints/{complaint_id}",
    response=ComplaintOut,
    auth=optional_auth,
    summary="A complaint and its decision",
    description="Public. The confidential parts are null except for the complainant's members, the review "
    "body and the platform's overseers.",
)
def complaint_detail(request: HttpRequest, complaint_id: uuid.UUID) -> ComplaintOut:
    return _complaint_out(request.user, _complaint(request, complaint_id))


@router.post(
    "/complaints/{complaint_id}/decision",
    response=ComplaintOut,
    auth=api_auth,
    summary="Decide a complaint (review body)",
    description="Upheld: the award is cancelled and every bid of the lot goes back to evaluation. Dismissed: "
    "the award stands and comes into force once the standstill is over.",
)
def complaint_decide(request: HttpRequest, complaint_id: uuid.UUID, payload: ComplaintDecisionIn) -> ComplaintOut:
    complaint = _complaint(request, complaint_id)
    complaints.complaint_decide(
        actor=request_user(request),
        complaint=complaint,
        upheld=payload.upheld,
        decision=payload.decision,
        confidential_decision=payload.confidential_decision,
    )
    return _complaint_out(request.user, _complaint(request, complaint_id))


@router.post(
    "/complaints/{complaint_id}/withdraw",
    response=ComplaintOut,
    auth=api_auth,
    summary="Withdraw a complaint (the complainant)",
)
def complaint_withdraw(request: HttpRequest, complaint_id: uuid.UUID) -> ComplaintOut:
    complaint = _complaint(request, complaint_id)
    complaints.complaint_withdraw(actor=request_user(request), complaint=complaint)
    return _complaint_out(request.user, _complaint(request, complaint_id))
