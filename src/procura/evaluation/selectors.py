"""Read-side queries for evaluation. Callers check `evaluation.access` first where it matters."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.bids.models import Bid, OpenedBid
from procura.evaluation.domain import (
    QUALITY_KIND,
    BidFacts,
    CriterionWeight,
    Method,
    Ranked,
    ScoreMode,
    effective_mark,
    method_for,
    rank,
    weights_problems,
)
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    Award,
    AwardStatus,
    ClarificationRequest,
    Complaint,
    ComplaintStatus,
    DecisionNotice,
    Declaration,
    Evaluation,
    PanelMember,
    PanelRole,
    Score,
)
from procura.tenders.models import Criterion, Lot, Tender


def signature_block_reason(award: Award, at: dt.datetime) -> str | None:
    """Why no contract may be signed for this award at `at`, or None when it may.

    The one rule for signature: never during the standstill, never while a complaint about
    the award is pending, never for a cancelled award or a lot without award."""
    if award.status == AwardStatus.CANCELLED:
        return _("This award was cancelled; the lot is being evaluated again.")
    if award.status == AwardStatus.UNSUCCESSFUL:
        return _("This lot was closed without an award.")
    if award.standstill_ends_at is not None and at < award.standstill_ends_at:
        return _("The standstill period runs until %(end)s: no contract can be signed before then.") % {
            "end": formats.date_format(award.standstill_ends_at, "DATETIME_FORMAT")
        }
    if award.complaints.filter(status=ComplaintStatus.PENDING).exists():
        return _("A complaint about this award is under review: signature is suspended until it is decided.")
    return None


# --- The evaluation, its panel and the bidders ------------------------------------------------------
def evaluation_get(tender: Tender) -> Evaluation | None:
    return Evaluation.objects.select_related("tender", "tender__buyer").filter(tender_id=tender.pk).first()


def user_by_email(email: str) -> User | None:
    """The account with this email address (the panel is set up by email)."""
    return User.objects.filter(email__iexact=(email or "").strip()).first()


def method_of(tender: Tender) -> Method:
    """How the tender's bids are compared, from its award criteria."""
    return method_for(tender.award_criteria)


def panel_of(evaluation: Evaluation) -> list[PanelMember]:
    """The panel as it sits now (removed members left out), evaluators first, with declarations."""
    members = (
        evaluation.members.filter(removed_at__isnull=True)
        .select_related("user", "added_by")
        .prefetch_related("declaration")
        .order_by("added_at", "id")
    )
    return sorted(members, key=lambda m: m.role != PanelRole.EVALUATOR)


def declaration_of(member: PanelMember) -> Declaration | None:
    return Declaration.objects.filter(member_id=member.pk).first()


def bidders_of(tender: Tender) -> list[dict[str, str]]:
    """Every supplier with an opened (submitted, not withdrawn) bid for the tender, as a
    declaration names them: [{"id", "name", "identifier"}], by name."""
    suppliers = {
        opened.bid.supplier_id: opened.bid.supplier
        for opened in OpenedBid.objects.filter(opening__tender_id=tender.pk, version__isnull=False).select_related(
            "bid__supplier"
        )
    }
    ordered = sorted(suppliers.values(), key=lambda s: (s.legal_name.casefold(), str(s.pk)))
    return [{"id": str(s.pk), "name": s.legal_name, "identifier": s.identifier} for s in ordered]


def bidder_ids(tender: Tender) -> set[uuid.UUID]:
    return set(
        OpenedBid.objects.filter(opening__tender_id=tender.pk, version__isnull=False).values_list(
            "bid__supplier_id", flat=True
        )
    )


# --- Assessments ------------------------------------------------------------------------------------
def assessments_of(evaluation: Evaluation, lot: Lot | None = None) -> list[Assessment]:
    """The bids under evaluation (one assessment each), by lot then supplier."""
    queryset = evaluation.assessments.select_related(
        "bid", "bid__supplier", "bid__opened", "lot", "decided_by", "low_price_accepted_by"
    )
    if lot is not None:
        queryset = queryset.filter(lot=lot)
    return sorted(queryset, key=lambda a: (a.lot.position, a.bid.supplier.legal_name.casefold(), str(a.bid_id)))


def assessment_of(bid: Bid) -> Assessment | None:
    return (
        Assessment.objects.select_related("bid", "bid__supplier", "bid__opened", "lot", "evaluation")
        .filter(bid_id=bid.pk)
        .first()
    )


def price_of(assessment: Assessment) -> Decimal | None:
    """The bid's price as opened; None while a two-envelope price is sealed (or none was given)."""
    opened = getattr(assessment.bid, "opened", None)
    return None if opened is None else opened.amount


def low_price_unjustified(assessment: Assessment) -> bool:
    """The price is flagged abnormally low and no justification to accept it is recorded: the bid
    cannot be qualified, nor awarded, as it stands."""
    return assessment.abnormally_low and not assessment.low_price_justification


@dataclass(frozen=True)
class LotStatus:
    """How far the evaluation of one lot has come."""

    lot: Lot
    pending: int
    qualified: int
    disqualified: int
    flagged: int  # abnormally low prices not yet justified

    @property
    def total(self) -> int:
        return self.pending + self.qualified + self.disqualified


def lot_statuses(evaluation: Evaluation) -> list[LotStatus]:
    assessments = assessments_of(evaluation)
    statuses = []
    for lot in evaluation.tender.lots.order_by("position"):
        mine = [a for a in assessments if a.lot_id == lot.pk]
        statuses.append(
            LotStatus(
                lot=lot,
                pending=sum(1 for a in mine if a.status == AssessmentStatus.PENDING),
                qualified=sum(1 for a in mine if a.status == AssessmentStatus.QUALIFIED),
                disqualified=sum(1 for a in mine if a.status == AssessmentStatus.DISQUALIFIED),
                flagged=sum(1 for a in mine if low_price_unjustified(a) and a.status != AssessmentStatus.DISQUALIFIED),
            )
        )
    return statuses


def clarification_requests_of(bid: Bid) -> list[ClarificationRequest]:
    return list(bid.clarification_requests.select_related("asked_by", "responded_by").order_by("asked_at", "id"))


def clarification_requests_for(
    evaluation: Evaluation, lot: Lot | None = None
) -> dict[uuid.UUID, list[ClarificationRequest]]:
    """The clarification requests of the evaluation's bids, by bid."""
    queryset = ClarificationRequest.objects.filter(bid__tender_id=evaluation.tender_id)
    if lot is not None:
        queryset = queryset.filter(bid__lot=lot)
    found: dict[uuid.UUID, list[ClarificationRequest]] = {}
    for request in queryset.select_related("asked_by", "responded_by").order_by("asked_at", "id"):
        found.setdefault(request.bid_id, []).append(request)
    return found


def clarification_request_get(request_id: uuid.UUID | str) -> ClarificationRequest | None:
    return (
        ClarificationRequest.objects.select_related("bid", "bid__supplier", "bid__tender", "bid__tender__buyer")
        .filter(pk=request_id)
        .first()
    )


# --- Marks and the ranking --------------------------------------------------------------------------
def quality_criteria(tender: Tender) -> list[Criterion]:
    return list(tender.criteria.filter(kind=QUALITY_KIND).order_by("position"))


def marks_of(lot: Lot) -> list[Score]:
    """Every mark recorded for the lot's bids: the sitting evaluators' own and the consensus."""
    return list(
        Score.objects.filter(bid__lot=lot)
        .filter(Q(member__isnull=True) | Q(member__removed_at__isnull=True))
        .select_related("member", "member__user", "recorded_by", "criterion")
        .order_by("bid_id", "criterion__position", "recorded_at", "id")
    )


def effective_marks(evaluation: Evaluation, lot: Lot) -> dict[tuple[uuid.UUID, uuid.UUID], Decimal | None]:
    """(bid id, criterion id) → the mark it counts with under the evaluation's score mode; None
    until there is one. Marks of members who left the panel do not count."""
    mode = ScoreMode(evaluation.score_mode)
    own: dict[tuple[uuid.UUID, uuid.UUID], list[Decimal]] = {}
    agreed: dict[tuple[uuid.UUID, uuid.UUID], Decimal] = {}
    for score in marks_of(lot):
        key = (score.bid_id, score.criterion_id)
        if score.member_id is None:
            agreed[key] = score.mark
        else:
            own.setdefault(key, []).append(score.mark)
    bids = evaluation.assessments.filter(lot=lot).values_list("bid_id", flat=True)
    return {
        (bid_id, criterion.pk): effective_mark(
            own.get((bid_id, criterion.pk), []), consensus=agreed.get((bid_id, criterion.pk)), mode=mode
        )
        for bid_id in bids
        for criterion in quality_criteria(evaluation.tender)
    }


@dataclass(frozen=True)
class RankedLine:
    """One bid in a lot's ranking. `rank` and the points are None until every bid listed has a
    mark for every quality criterion (price and quality); `missing` names what it still lacks."""

    assessment: Assessment
    bid: Bid
    supplier: Organisation
    status: str
    price: Decimal
    currency: str
    marks: dict[str, Decimal | None]  # criterion id → effective mark (quality criteria)
    missing: tuple[str, ...]  # names of the quality criteria still without a mark
    price_points: Decimal | None
    quality_points: Decimal | None
    total: Decimal | None
    rank: int | None
    abnormally_low: bool
    low_price_justified: bool


def ranking(tender: Tender, lot: Lot) -> list[RankedLine]:
    """The lot's bids that are qualified or still pending and have a known price, best first.

    Lowest price ranks by price. Price and quality ranks by points (domain.rank) from the
    effective marks; until every listed bid has every mark, nothing is ranked, and each line
    says which criteria it lacks. Bids whose price is still sealed (two envelopes) or that were
    disqualified are left out."""
    evaluation = evaluation_get(tender)
    if evaluation is None:
        return []
    method = method_of(tender)
    criteria = quality_criteria(tender) if method is Method.PRICE_QUALITY else []
    effective = effective_marks(evaluation, lot) if criteria else {}
    candidates = [
        a
        for a in assessments_of(evaluation, lot)
        if a.status != AssessmentStatus.DISQUALIFIED and price_of(a) is not None and (price_of(a) or 0) > 0
    ]
    marks = {a.bid_id: {str(c.pk): effective.get((a.bid_id, c.pk)) for c in criteria} for a in candidates}
    missing = {a.bid_id: tuple(c.name for c in criteria if marks[a.bid_id][str(c.pk)] is None) for a in candidates}
    weights = [CriterionWeight(str(c.pk), c.kind, c.weight) for c in tender.criteria.order_by("position")]
    rankable = bool(candidates) and not any(missing.values())
    if method is Method.PRICE_QUALITY and weights_problems(weights):
        rankable = False
    ranked: dict[uuid.UUID, Ranked] = {}
    if rankable:
        facts = [
            BidFacts(
                key=str(a.bid_id),
                price=Decimal(price_of(a) or 0),
                marks={k: v for k, v in marks[a.bid_id].items() if v is not None},
            )
            for a in candidates
        ]
        ranked = {uuid.UUID(row.key): row for row in rank(method, facts, weights)}
    lines = []
    for a in candidates:
        row = ranked.get(a.bid_id)
        scored = row is not None and method is Method.PRICE_QUALITY
        opened = a.bid.opened
        lines.append(
            RankedLine(
                assessment=a,
                bid=a.bid,
                supplier=a.bid.supplier,
                status=a.status,
                price=Decimal(price_of(a) or 0),
                currency=opened.currency or tender.currency,
                marks=marks[a.bid_id],
                missing=missing[a.bid_id],
                price_points=row.price_points if scored and row is not None else None,
                quality_points=row.quality_points if scored and row is not None else None,
                total=row.total if scored and row is not None else None,
                rank=row.rank if row is not None else None,
                abnormally_low=a.abnormally_low,
                low_price_justified=bool(a.low_price_justification),
            )
        )
    # Ranked lines best first; unranked ones (marks missing) by price, then supplier.
    return sorted(
        lines,
        key=lambda line: (line.rank is None, line.rank or 0, line.price, line.supplier.legal_name.casefold()),
    )


def unpriced_bids(tender: Tender, lot: Lot) -> list[Assessment]:
    """The lot's bids still in the running whose price is not known (a sealed financial offer)."""
    evaluation = evaluation_get(tender)
    if evaluation is None:
        return []
    return [
        a for a in assessments_of(evaluation, lot) if a.status != AssessmentStatus.DISQUALIFIED and price_of(a) is None
    ]


# --- Awards, decision notices and complaints ----------------------------------------------------------
def tender_awards(tender: Tender) -> list[Award]:
    """Every award decision of the tender (cancelled ones included), by lot then date, with the
    complaints about each."""
    return list(
        Award.objects.filter(tender_id=tender.pk)
        .select_related("tender", "lot", "supplier", "bid")
        .prefetch_related("complaints__complainant")
        .order_by("lot__position", "decided_at", "id")
    )


def award_get(tender: Tender, local_id: str) -> Award | None:
    return (
        Award.objects.select_related("tender", "tender__buyer", "lot", "supplier", "bid", "decided_by")
        .filter(tender_id=tender.pk, local_id=local_id)
        .first()
    )


def award_by_id(award_id: uuid.UUID | str) -> Award | None:
    return Award.objects.select_related("tender", "tender__buyer", "lot", "supplier", "bid").filter(pk=award_id).first()


def standing_award(lot: Lot) -> Award | None:
    """The lot's decision in force or in its standstill (or its closing without award), if any."""
    return (
        Award.objects.select_related("supplier", "lot")
        .filter(lot_id=lot.pk)
        .exclude(status=AwardStatus.CANCELLED)
        .first()
    )


def lot_bid_count(lot: Lot) -> int:
    """Bids opened for the lot, withdrawn ones left out."""
    return OpenedBid.objects.filter(bid__lot_id=lot.pk, version__isnull=False).count()


def decision_notices_for(suppliers: list[Organisation]) -> list[DecisionNotice]:
    """The decision notices sent to these suppliers, newest first."""
    return list(
        DecisionNotice.objects.filter(supplier__in=suppliers)
        .select_related("award", "award__tender", "award__lot", "supplier")
        .order_by("-sent_at", "id")
    )


def decision_notice_get(notice_id: uuid.UUID | str) -> DecisionNotice | None:
    return (
        DecisionNotice.objects.select_related("award", "award__tender", "award__lot", "supplier", "bid")
        .filter(pk=notice_id)
        .first()
    )


def complaint_get(complaint_id: uuid.UUID | str) -> Complaint | None:
    return (
        Complaint.objects.select_related(
            "award",
            "award__tender",
            "award__tender__buyer",
            "award__lot",
            "award__supplier",
            "complainant",
            "decided_by",
        )
        .filter(pk=complaint_id)
        .first()
    )


def complaints_pending() -> list[Complaint]:
    """The review body's queue: complaints under review, oldest first."""
    return list(
        Complaint.objects.filter(status=ComplaintStatus.PENDING)
        .select_related("award", "award__tender", "award__lot", "complainant")
        .order_by("filed_at", "id")
    )


def complaints_decided(limit: int = 50) -> list[Complaint]:
    """The latest complaints decided or withdrawn, newest first."""
    return list(
        Complaint.objects.exclude(status=ComplaintStatus.PENDING)
        .select_related("award", "award__tender", "award__lot", "complainant")
        .order_by("-filed_at", "id")[:limit]
    )


def complaint_documents(complaint: Complaint, *, confidential: bool) -> list[Any]:
    """The documents filed with a complaint: the public ones, or those marked confidential
    (callers check `award_access.can_see_confidential` before asking for these)."""
    from procura.documents.selectors import documents_for
    from procura.evaluation.award_access import COMPLAINT_DOCUMENT_OWNER, CONFIDENTIAL_COMPLAINT_DOCUMENT_OWNER

    owner_type = CONFIDENTIAL_COMPLAINT_DOCUMENT_OWNER if confidential else COMPLAINT_DOCUMENT_OWNER
    return documents_for(owner_type=owner_type, owner_id=complaint.pk)
