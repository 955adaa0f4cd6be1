"""Evaluation API (/api/v1/): the panel and its declarations, marks, qualification of each bid,
clarification requests, the ranking of a lot and the opening of the financial offers.

The rules are the pages' (`access`): nothing about any bid reaches a member of the buyer who has
not taken a seat on the panel and declared no conflict of interest; an observer and the
platform's overseers read, and every write refuses them (403). A bidder reads its own bid's
evaluation and answers the clarification requests made to it. Handlers parse, look up, call one
service and shape the answer; services name the fields of any refusal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from procura.accounts.authentication import api_auth, request_user
from procura.accounts.models import User
from procura.bids import selectors as bids_selectors
from procura.bids.models import Bid
from procura.core.errors import InvalidInput, NotFound
from procura.core.schemas import MoneyOut, Text
from procura.evaluation import access, selectors, services
from procura.evaluation.models import (
    Assessment,
    ClarificationRequest,
    Declaration,
    Evaluation,
    PanelMember,
    Score,
)
from procura.tenders.models import Lot, Tender
from procura.tenders.selectors import visible_tender

router = Router(tags=["evaluation"])


# --- Input schemas --------------------------------------------------------------------------------
class PanelMemberIn(Schema):
    email: Text = Field(max_length=254, description="The email address of the person's Procura account.")
    role: Literal["evaluator", "observer"] = Field(
        description="evaluator (a member of the buyer) or observer (independent of the buyer and the bidders)."
    )
    affiliation: Text = Field("", max_length=300, description="An observer's organisation, shown with their name.")


class DeclarationIn(Schema):
    has_conflict: bool = Field(description="true: you have a conflict of interest with a bidder (you are recused).")
    statement: Text = Field("", max_length=10_000, description="The conflict, when there is one: required then.")
    signed_name: Text = Field(max_length=200, description="Your full name as your account gives it: the signature.")


class ScoreModeIn(Schema):
    mode: Literal["average", "consensus"]


class ScoreIn(Schema):
    bid: uuid.UUID = Field(description="The bid's id.")
    criterion: uuid.UUID = Field(description="The id of one of the tender's quality criteria.")
    mark: Decimal = Field(description='From 0 to 10, at most one decimal place, such as "7.5".')
    justification: Text = Field(max_length=10_000, description="The reasons for the mark (required).")


class ChecksIn(Schema):
    eligibility_met: bool
    exclusion_clear: bool = Field(description="true: no ground for exclusion applies to the bidder.")
    notes: Text = Field("", max_length=10_000)


class DisqualifyIn(Schema):
    reason: Text = Field(max_length=10_000, description="Told to the bidder (required).")


class LowPriceIn(Schema):
    justification: Text = Field(max_length=10_000, description="Why the abnormally low price is acceptable.")


class ClarificationRequestIn(Schema):
    bid: uuid.UUID
    question: Text = Field(max_length=10_000)
    respond_by: dt.datetime = Field(description="The deadline for the answer, in the future, with its time zone.")


class AnswerIn(Schema):
    response: Text = Field(max_length=10_000)


# --- Output schemas -------------------------------------------------------------------------------
class PersonOut(Schema):
    id: uuid.UUID
    name: str


class BidderOut(Schema):
    id: str
    name: str
    identifier: str


class DeclarationOut(Schema):
    has_conflict: bool
    statement: str
    signed_name: str
    signed_at: dt.datetime
    bidders: list[BidderOut] = Field(description="The bidders as named when the declaration was signed.")


class PanelMemberOut(Schema):
    id: uuid.UUID
    person: PersonOut
    role: str = Field(description="evaluator or observer")
    affiliation: str
    added_at: dt.datetime
    declaration: DeclarationOut | None = Field(description="null until the member signs it.")


class ClarificationRequestOut(Schema):
    id: uuid.UUID
    bid_id: uuid.UUID
    question: str
    respond_by: dt.datetime
    asked_at: dt.datetime
    response: str
    responded_at: dt.datetime | None


class AssessmentOut(Schema):
    bid_id: uuid.UUID
    lot: str
    supplier: BidderOut
    status: str = Field(description="pending (under evaluation), qualified or disqualified")
    price: MoneyOut | None = Field(description="null while a two-envelope price is sealed.")
    eligibility_met: bool | None
    exclusion_clear: bool | None
    check_notes: str
    disqualification_reason: str
    abnormally_low: bool
    low_price_justification: str
    decided_at: dt.datetime | None
    clarification_requests: list[ClarificationRequestOut]


class LotOut(Schema):
    id: str
    title: str
    pending: int
    qualified: int
    disqualified: int
    assessments: list[AssessmentOut]


class YouOut(Schema):
    seat: str | None = Field(description="Your seat on the panel (evaluator or observer), or null.")
    declared: bool
    recused: bool
    can_read_bids: bool
    can_score: bool
    can_manage_evaluation: bool
    can_manage_panel: bool


class EvaluationOut(Schema):
    ocid: str
    method: str = Field(description="lowest_price or price_quality (from the award criteria)")
    score_mode: str = Field(description="average or consensus")
    two_envelopes: bool
    financial_opened_at: dt.datetime | None
    abnormally_low_share: str
    panel: list[PanelMemberOut]
    you: YouOut
    lots: list[LotOut] | None = Field(
        description="The bids' evaluation, lot by lot; null for whoever may not read the bids (not declared)."
    )


class ScoreOut(Schema):
    id: uuid.UUID
    bid_id: uuid.UUID
    criterion_id: uuid.UUID
    member_id: uuid.UUID | None = Field(description="The evaluator's seat; null for the consensus mark.")
    mark: str
    justification: str
    recorded_at: dt.datetime


class RankingLineOut(Schema):
    rank: int | None = Field(description="null until every bid listed has every mark.")
    bid_id: uuid.UUID
    supplier: BidderOut
    status: str
    price: MoneyOut
    price_points: str | None
    quality_points: str | None
    total: str | None
    marks: dict[str, str | None] = Field(description="Quality criterion id → the mark that counts.")
    missing: list[str] = Field(description="Quality criteria still without a mark.")
    abnormally_low: bool
    low_price_justified: bool


class RankingOut(Schema):
    ocid: str
    lot: str
    method: str
    ranked: bool
    lines: list[RankingLineOut]
    unpriced: list[uuid.UUID] = Field(description="Bids in the running whose price is still sealed.")


class BidEvaluationOut(Schema):
    bid_id: uuid.UUID
    status: str | None = Field(description="null before the opening or for a withdrawn bid.")
    disqualification_reason: str
    clarification_requests: list[ClarificationRequestOut]


# --- Shaping --------------------------------------------------------------------------------------
def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _declaration_out(declaration: Declaration) -> DeclarationOut:
    return DeclarationOut(
        has_conflict=declaration.has_conflict,
        statement=declaration.statement,
        signed_name=declaration.signed_name,
        signed_at=declaration.signed_at,
        bidders=[BidderOut(**b) for b in declaration.bidders],
    )


def _member_out(member: PanelMember) -> PanelMemberOut:
    declaration = member.declaration if access.has_declared(member) else None
    return PanelMemberOut(
        id=member.pk,
        person=PersonOut(id=member.user_id, name=member.user.full_name),
        role=member.role,
        affiliation=member.affiliation,
        added_at=member.added_at,
        declaration=_declaration_out(declaration) if declaration is not None else None,
    )


def _request_out(request: ClarificationRequest) -> ClarificationRequestOut:
    return ClarificationRequestOut(
        id=request.pk,
        bid_id=request.bid_id,
        question=request.question,
        respond_by=request.respond_by,
        asked_at=request.asked_at,
        response=request.response,
        responded_at=request.responded_at,
    )


def _bidder_out(bid: Bid) -> BidderOut:
    return BidderOut(id=str(bid.supplier_id), name=bid.supplier.legal_name, identifier=bid.supplier.identifier)


def _assessment_out(assessment: Assessment, requests: list[ClarificationRequest]) -> AssessmentOut:
    opened = assessment.bid.opened
    return AssessmentOut(
        bid_id=assessment.bid_id,
        lot=assessment.lot.local_id,
        supplier=_bidder_out(assessment.bid),
        status=assessment.status,
        price=MoneyOut.optional(opened.amount, opened.currency or assessment.bid.tender.currency),
        eligibility_met=assessment.eligibility_met,
        exclusion_clear=assessment.exclusion_clear,
        check_notes=assessment.check_notes,
        disqualification_reason=assessment.disqualification_reason,
        abnormally_low=assessment.abnormally_low,
        low_price_justification=assessment.low_price_justification,
        decided_at=assessment.decided_at,
        clarification_requests=[_request_out(r) for r in requests],
    )


def _evaluation_out(request: HttpRequest, tender: Tender, evaluation: Evaluation) -> EvaluationOut:
    user = request.user
    seat = access.seat_of(user, tender)
    lots = None
    if access.can_view_evaluation(user, tender):
        assessments = selectors.assessments_of(evaluation)
        requests = selectors.clarification_requests_for(evaluation)
        lots = [
            LotOut(
                id=status.lot.local_id,
                title=status.lot.title,
                pending=status.pending,
                qualified=status.qualified,
                disqualified=status.disqualified,
                assessments=[
                    _assessment_out(a, requests.get(a.bid_id, [])) for a in assessments if a.lot_id == status.lot.pk
                ],
            )
            for status in selectors.lot_statuses(evaluation)
        ]
    return EvaluationOut(
        ocid=tender.ocid,
        method=selectors.method_of(tender).value,
        score_mode=evaluation.score_mode,
        two_envelopes=tender.two_envelopes,
        financial_opened_at=evaluation.financial_opened_at,
        abnormally_low_share=f"{evaluation.abnormally_low_share:f}",
        panel=[_member_out(m) for m in selectors.panel_of(evaluation)],
        you=YouOut(
            seat=seat.role if seat is not None else None,
            declared=access.has_declared(seat),
            recused=access.is_recused(seat),
            can_read_bids=access.can_read_bids(user, tender),
            can_score=access.can_score(user, tender),
            can_manage_evaluation=access.can_manage_evaluation(user, tender),
            can_manage_panel=access.can_manage_panel(user, tender),
        ),
        lots=lots,
    )


def _score_out(score: Score) -> ScoreOut:
    return ScoreOut(
        id=score.pk,
        bid_id=score.bid_id,
        criterion_id=score.criterion_id,
        member_id=score.member_id,
        mark=f"{score.mark:f}",
        justification=score.justification,
        recorded_at=score.recorded_at,
    )


# --- Look-ups -------------------------------------------------------------------------------------
def _tender(request: HttpRequest, ocid: str) -> Tender:
    """The tender once its bids are opened; NotFound before (there is no evaluation yet)."""
    tender = visible_tender(request.user, ocid)
    if not bids_selectors.is_opened(tender):
        raise NotFound(
            _("The bids for %(ocid)s have not been opened yet: there is no evaluation.") % {"ocid": tender.ocid}
        )
    return tender


def _assessment(tender: Tender, bid_id: uuid.UUID, *, field: str | None = None) -> Assessment:
    evaluation = services.evaluation_for(tender)
    assessment = (
        Assessment.objects.select_related("bid", "bid__supplier", "bid__opened", "bid__tender", "lot")
        .filter(evaluation=evaluation, bid_id=bid_id)
        .first()
    )
    if assessment is None:
        message = _("This tender has no bid %(bid)s under evaluation.") % {"bid": bid_id}
        if field is not None:
            raise InvalidInput.for_field(field, message)
        raise NotFound(message)
    return assessment


def _fresh_assessment(bid_id: uuid.UUID) -> AssessmentOut:
    found = Assessment.objects.select_related("bid", "bid__supplier", "bid__opened", "bid__tender", "lot").get(
        bid_id=bid_id
    )
    return _assessment_out(found, selectors.clarification_requests_of(found.bid))


def _lot(tender: Tender, lot_id: str) -> Lot:
    lot = tender.lots.filter(local_id=lot_id[:32]).first()
    if lot is None:
        raise NotFound(_("Tender %(ocid)s has no lot %(lot)s.") % {"ocid": tender.ocid, "lot": lot_id[:32]})
    return lot


# --- The evaluation and its panel -----------------------------------------------------------------
@router.get(
    "/tenders/{ocid}/evaluation",
    response=EvaluationOut,
    auth=api_auth,
    summary="A tender's evaluation: the panel and, for whoever may read the bids, each lot's bids",
    description="For the panel's members (declared or not), the buyer's procurement officers and the "
    "platform's overseers. `lots` is null for anyone who has not declared (or declared a conflict). "
    "404 before the bids are opened.",
)
def evaluation_detail(request: HttpRequest, ocid: str) -> EvaluationOut:
    tender = _tender(request, ocid)
    access.check_can_see_panel(request_user(request), tender)
    return _evaluation_out(request, tender, services.evaluation_for(tender))


@router.post(
    "/tenders/{ocid}/evaluation/panel-members",
    response={201: PanelMemberOut},
    auth=api_auth,
    summary="Seat an evaluator or an independent observer on the panel",
    description="For the buyer's procurement officers.",
)
def panel_member_add(request: HttpRequest, ocid: str, payload: PanelMemberIn) -> Status[PanelMemberOut]:
    tender = _tender(request, ocid)
    actor = request_user(request)
    access.check_can_manage_panel(actor, tender)
    person = selectors.user_by_email(payload.email)
    if person is None:
        raise InvalidInput.for_field("email", _("Nobody has a Procura account with this email address."))
    member = services.panel_member_add(
        actor=actor, tender=tender, user=person, role=payload.role, affiliation=payload.affiliation
    )
    return Status(201, _member_out(member))


@router.delete(
    "/tenders/{ocid}/evaluation/panel-members/{member_id}",
    response={204: None},
    auth=api_auth,
    summary="Take someone off the panel",
    description="For the buyer's procurement officers. The member's marks stop counting.",
)
def panel_member_remove(request: HttpRequest, ocid: str, member_id: uuid.UUID) -> Status[None]:
    tender = _tender(request, ocid)
    actor = request_user(request)
    access.check_can_manage_panel(actor, tender)
    member = PanelMember.objects.filter(pk=member_id, evaluation__tender=tender, removed_at__isnull=True).first()
    if member is None:
        raise NotFound(_("There is no such panel member."))
    services.panel_member_remove(actor=actor, member=member)
    return Status(204, None)


@router.post(
    "/tenders/{ocid}/evaluation/declaration",
    response={201: DeclarationOut},
    auth=api_auth,
    summary="Sign your conflict-of-interest declaration",
    description="For a member of the panel, once, before seeing any bid. It names every bidder. A declared "
    "conflict recuses you.",
)
def declaration_sign(request: HttpRequest, ocid: str, payload: DeclarationIn) -> Status[DeclarationOut]:
    tender = _tender(request, ocid)
    declaration = services.declaration_sign(
        actor=request_user(request),
        tender=tender,
        has_conflict=payload.has_conflict,
        statement=payload.statement,
        signed_name=payload.signed_name,
    )
    return Status(201, _declaration_out(declaration))


@router.post(
    "/tenders/{ocid}/evaluation/score-mode",
    response=EvaluationOut,
    auth=api_auth,
    summary="Choose how the panel's marks count: their average or a consensus mark",
)
def score_mode_set(request: HttpRequest, ocid: str, payload: ScoreModeIn) -> EvaluationOut:
    tender = _tender(request, ocid)
    evaluation = services.score_mode_set(actor=request_user(request), tender=tender, mode=payload.mode)
    return _evaluation_out(request, tender, evaluation)


# --- Marks ----------------------------------------------------------------------------------------
def _record(request: HttpRequest, ocid: str, payload: ScoreIn, *, consensus: bool) -> Score:
    tender = _tender(request, ocid)
    actor = request_user(request)
    if consensus:
        access.check_can_manage_evaluation(actor, tender)
    else:
        access.check_can_score(actor, tender)
    assessment = _assessment(tender, payload.bid, field="bid")
    criterion = tender.criteria.filter(pk=payload.criterion).first()
    if criterion is None:
        raise InvalidInput.for_field("criterion", _("Choose one of the tender's quality criteria."))
    service = services.consensus_record if consensus else services.score_record
    return service(
        actor=actor, bid=assessment.bid, criterion=criterion, mark=payload.mark, justification=payload.justification
    )


@router.post(
    "/tenders/{ocid}/evaluation/scores",
    response={201: ScoreOut},
    auth=api_auth,
    summary="Record your mark for one quality criterion of one bid",
    description="For an evaluator who declared no conflict. Recording again replaces your earlier mark.",
)
def score_record(request: HttpRequest, ocid: str, payload: ScoreIn) -> Status[ScoreOut]:
    return Status(201, _score_out(_record(request, ocid, payload, consensus=False)))


@router.post(
    "/tenders/{ocid}/evaluation/consensus-scores",
    response={201: ScoreOut},
    auth=api_auth,
    summary="Record the panel's consensus mark for one quality criterion of one bid",
    description="For a procurement officer on the panel, when marks count by consensus.",
)
def consensus_record(request: HttpRequest, ocid: str, payload: ScoreIn) -> Status[ScoreOut]:
    return Status(201, _score_out(_record(request, ocid, payload, consensus=True)))


# --- Qualification --------------------------------------------------------------------------------
def _manager_and_assessment(request: HttpRequest, ocid: str, bid_id: uuid.UUID) -> tuple[Assessment, User]:
    tender = _tender(request, ocid)
    actor = request_user(request)
    access.check_can_manage_evaluation(actor, tender)
    return _assessment(tender, bid_id), actor


@router.post(
    "/tenders/{ocid}/evaluation/assessments/{bid_id}/checks",
    response=AssessmentOut,
    auth=api_auth,
    summary="Record the eligibility and exclusion checks of a bid",
)
def assessment_checks(request: HttpRequest, ocid: str, bid_id: uuid.UUID, payload: ChecksIn) -> AssessmentOut:
    assessment, actor = _manager_and_assessment(request, ocid, bid_id)
    services.assessment_record_checks(
        actor=actor,
        bid=assessment.bid,
        eligibility_met=payload.eligibility_met,
        exclusion_clear=payload.exclusion_clear,
        notes=payload.notes,
    )
    return _fresh_assessment(bid_id)


@router.post(
    "/tenders/{ocid}/evaluation/assessments/{bid_id}/qualify",
    response=AssessmentOut,
    auth=api_auth,
    summary="Find a bid qualified",
    description="Both checks passed; an abnormally low price accepted with a justification first.",
)
def assessment_qualify(request: HttpRequest, ocid: str, bid_id: uuid.UUID) -> AssessmentOut:
    assessment, actor = _manager_and_assessment(request, ocid, bid_id)
    services.bid_qualify(actor=actor, bid=assessment.bid)
    return _fresh_assessment(bid_id)


@router.post(
    "/tenders/{ocid}/evaluation/assessments/{bid_id}/disqualify",
    response=AssessmentOut,
    auth=api_auth,
    summary="Disqualify a bid, with the reason",
)
def assessment_disqualify(request: HttpRequest, ocid: str, bid_id: uuid.UUID, payload: DisqualifyIn) -> AssessmentOut:
    assessment, actor = _manager_and_assessment(request, ocid, bid_id)
    services.bid_disqualify(actor=actor, bid=assessment.bid, reason=payload.reason)
    return _fresh_assessment(bid_id)


@router.post(
    "/tenders/{ocid}/evaluation/assessments/{bid_id}/accept-low-price",
    response=AssessmentOut,
    auth=api_auth,
    summary="Record why an abnormally low price is acceptable",
)
def assessment_accept_low_price(
    request: HttpRequest, ocid: str, bid_id: uuid.UUID, payload: LowPriceIn
) -> AssessmentOut:
    assessment, actor = _manager_and_assessment(request, ocid, bid_id)
    services.low_price_accept(
        actor=actor,
        bid=assessment.bid,
        justification=payload.justification,
    )
    return _fresh_assessment(bid_id)


# --- Clarification requests -----------------------------------------------------------------------
@router.post(
    "/tenders/{ocid}/evaluation/clarification-requests",
    response={201: ClarificationRequestOut},
    auth=api_auth,
    summary="Ask a bidder to clarify its bid, with a deadline",
)
def clarification_request_send(
    request: HttpRequest, ocid: str, payload: ClarificationRequestIn
) -> Status[ClarificationRequestOut]:
    tender = _tender(request, ocid)
    actor = request_user(request)
    access.check_can_manage_evaluation(actor, tender)
    assessment = _assessment(tender, payload.bid, field="bid")
    sent = services.clarification_request_send(
        actor=actor, bid=assessment.bid, question=payload.question, respond_by=payload.respond_by
    )
    return Status(201, _request_out(sent))


@router.post(
    "/tenders/{ocid}/evaluation/clarification-requests/{request_id}/answer",
    response=ClarificationRequestOut,
    auth=api_auth,
    summary="Answer a clarification request about your bid",
    description="For the bidder's bid managers, by the deadline, once. Nobody else finds the request (404).",
)
def clarification_request_answer(
    request: HttpRequest, ocid: str, request_id: uuid.UUID, payload: AnswerIn
) -> ClarificationRequestOut:
    tender = _tender(request, ocid)
    actor = request_user(request)
    found = selectors.clarification_request_get(request_id)
    if found is None or found.bid.tender_id != tender.pk or not access.can_view_own_assessment(actor, found.bid):
        raise NotFound(_("There is no such clarification request."))
    answered = services.clarification_request_answer(actor=actor, request=found, response=payload.response)
    return _request_out(answered)


@router.get(
    "/bids/{bid_id}/evaluation",
    response=BidEvaluationOut,
    auth=api_auth,
    summary="Your bid's evaluation: its status and the clarification requests made to you",
    description="For the bidder's members. Nobody else finds it (404).",
)
def bid_evaluation(request: HttpRequest, bid_id: uuid.UUID) -> BidEvaluationOut:
    actor = request_user(request)
    bid = bids_selectors.get_bid(bid_id)
    if bid is None or not access.can_view_own_assessment(actor, bid):
        raise NotFound(_("There is no such bid."))
    assessment = selectors.assessment_of(bid)
    requests = selectors.clarification_requests_of(bid) if assessment is not None else []
    return BidEvaluationOut(
        bid_id=bid.pk,
        status=assessment.status if assessment is not None else None,
        disqualification_reason=assessment.disqualification_reason if assessment is not None else "",
        clarification_requests=[_request_out(r) for r in requests],
    )


# --- Ranking and the financial opening ------------------------------------------------------------
@router.get(
    "/tenders/{ocid}/lots/{lot_id}/ranking",
    response=RankingOut,
    auth=api_auth,
    summary="A lot's ranking",
    description="Qualified bids and bids still under evaluation with a known price, best first. For whoever "
    "may read the bids.",
)
def lot_ranking(request: HttpRequest, ocid: str, lot_id: str) -> RankingOut:
    tender = _tender(request, ocid)
    access.check_can_view_evaluation(request_user(request), tender)
    lot = _lot(tender, lot_id)
    services.evaluation_for(tender)
    lines = selectors.ranking(tender, lot)
    return RankingOut(
        ocid=tender.ocid,
        lot=lot.local_id,
        method=selectors.method_of(tender).value,
        ranked=bool(lines) and all(line.rank is not None for line in lines),
        lines=[
            RankingLineOut(
                rank=line.rank,
                bid_id=line.bid.pk,
                supplier=_bidder_out(line.bid),
                status=line.status,
                price=MoneyOut.optional(line.price, line.currency) or MoneyOut(amount="", currency=line.currency),
                price_points=_text(line.price_points),
                quality_points=_text(line.quality_points),
                total=_text(line.total),
                marks={key: _text(value) for key, value in line.marks.items()},
                missing=list(line.missing),
                abnormally_low=line.abnormally_low,
                low_price_justified=line.low_price_justified,
            )
            for line in lines
        ],
        unpriced=[a.bid_id for a in selectors.unpriced_bids(tender, lot)],
    )


@router.post(
    "/tenders/{ocid}/financial-opening",
    response=EvaluationOut,
    auth=api_auth,
    summary="Two envelopes: open the financial offers of the qualified bids",
    description="For a procurement officer on the panel, once every bid is qualified or disqualified.",
)
def financial_opening(request: HttpRequest, ocid: str) -> EvaluationOut:
    tender = _tender(request, ocid)
    evaluation = services.financial_offers_open(actor=request_user(request), tender=tender)
    return _evaluation_out(request, tender, evaluation)
