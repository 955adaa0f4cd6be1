"""Every write to an evaluation: the panel and its declarations, marks, qualification of each bid,
clarification requests to bidders and the opening of the financial offers (two envelopes).

Each service checks who acts (`access`), the input and the rules, then writes, audits and
records its domain event in one transaction, so a refusal leaves nothing behind. Writes about
one bid lock its assessment row first; writes about the whole evaluation lock the evaluation
row: two officers acting at once are put in order, never half-applied.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, roles_in
from procura.accounts.models import Membership, User
from procura.alerts.emails import absolute
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.bids import services as bids_services
from procura.bids.models import Bid, BidOpening, OpenedBid
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from procura.core.values import Problems, clean_text
from procura.evaluation import access, selectors
from procura.evaluation.domain import Method, ScoreMode, abnormally_low, mark_problem
from procura.evaluation.events import BidQualificationDecided, FinancialOffersOpened
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    Award,
    AwardStatus,
    ClarificationRequest,
    Declaration,
    Evaluation,
    PanelMember,
    PanelRole,
    Score,
)
from procura.suppliers import selectors as suppliers_selectors
from procura.suppliers.services import check_not_debarred
from procura.tenders.domain import TenderStatus, tender_status
from procura.tenders.models import Criterion, Lot, Tender

logger = logging.getLogger("procura.evaluation")

TEXT_LIMIT = 10_000
SHARE_PLACES = Decimal("0.001")
CLOSED_STATUSES = {TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL, TenderStatus.COMPLETE}


# --- Shared rules ---------------------------------------------------------------------------------
def abnormally_low_share() -> Decimal:
    """The configured share (settings.ABNORMALLY_LOW_SHARE, checked to lie in (0, 1] at start-up)
    as the evaluation stores it."""
    return Decimal(str(settings.ABNORMALLY_LOW_SHARE)).quantize(SHARE_PLACES)


def _tender(tender_id: uuid.UUID) -> Tender:
    return Tender.objects.select_related("buyer").get(pk=tender_id)


def _check_evaluating(tender: Tender) -> None:
    """Nothing about the evaluation changes once the tender is cancelled, unsuccessful or complete."""
    status = tender_status(tender.lifecycle, clock.now())
    if status in CLOSED_STATUSES:
        raise RuleViolation(
            _("Tender %(ocid)s is %(status)s: its evaluation can no longer change.")
            % {"ocid": tender.ocid, "status": _status_word(status)}
        )


def _status_word(status: TenderStatus) -> str:
    return {
        TenderStatus.CANCELLED: _("cancelled"),
        TenderStatus.UNSUCCESSFUL: _("closed without award"),
        TenderStatus.COMPLETE: _("complete"),
    }.get(status, str(status))


def _check_lot_undecided(lot: Lot) -> None:
    """A lot with a standing award decision (awarded, in standstill, or closed without award) is
    decided: its bids and marks no longer change. A cancelled award reopens it."""
    if Award.objects.filter(lot_id=lot.pk).exclude(status=AwardStatus.CANCELLED).exists():
        raise RuleViolation(
            _("Lot %(lot)s has been decided: its evaluation can no longer change.") % {"lot": lot.local_id}
        )


def _locked_evaluation(tender: Tender) -> Evaluation:
    evaluation = evaluation_for(tender)
    return Evaluation.objects.select_for_update().select_related("tender", "tender__buyer").get(pk=evaluation.pk)


def _locked_assessment(bid: Bid) -> Assessment:
    """The bid's assessment, its row locked; NotFound for a bid that is not being evaluated."""
    evaluation_for(_tender(bid.tender_id))
    locked = Assessment.objects.select_for_update().filter(bid_id=bid.pk).first()
    if locked is None:
        raise NotFound(_("This bid is not being evaluated: it was withdrawn before the deadline or never submitted."))
    return Assessment.objects.select_related(
        "bid", "bid__supplier", "bid__opened", "bid__tender", "bid__tender__buyer", "lot", "evaluation"
    ).get(pk=locked.pk)


def _assessment_after(assessment: Assessment) -> dict[str, Any]:
    return {
        "tender": assessment.bid.tender.ocid,
        "lot": assessment.lot.local_id,
        "supplier": str(assessment.bid.supplier_id),
        "status": assessment.status,
    }


# --- The evaluation -------------------------------------------------------------------------------
def evaluation_for(tender: Tender) -> Evaluation:
    """The tender's evaluation, made the first time it is needed after the opening (by the
    opening itself, through `handlers.on_bids_opened`): one assessment for every opened bid,
    abnormally low prices flagged as far as prices are known. NotFound before the opening."""
    existing = Evaluation.objects.select_related("tender", "tender__buyer").filter(tender_id=tender.pk).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        # The tender row orders two first uses: the second finds the first one's evaluation.
        locked = Tender.objects.select_for_update().select_related("buyer").get(pk=tender.pk)
        existing = Evaluation.objects.select_related("tender", "tender__buyer").filter(tender_id=locked.pk).first()
        if existing is not None:
            return existing
        if not BidOpening.objects.filter(tender_id=locked.pk).exists():
            raise NotFound(
                _("The bids for %(ocid)s have not been opened yet: there is nothing to evaluate.")
                % {"ocid": locked.ocid}
            )
        now = clock.now()
        evaluation = Evaluation.objects.create(
            tender=locked,
            abnormally_low_share=abnormally_low_share(),
            created_at=now,
            updated_at=now,
        )
        opened = OpenedBid.objects.filter(opening__tender_id=locked.pk, version__isnull=False).select_related("bid")
        Assessment.objects.bulk_create(
            [Assessment(bid=o.bid, evaluation=evaluation, lot_id=o.bid.lot_id, updated_at=now) for o in opened]
        )
        flag_abnormally_low(evaluation)
        audit_record(
            action=AuditAction.EVALUATION_STARTED,
            actor=None,
            organisation_id=locked.buyer_id,
            object_type="tender",
            object_id=locked.pk,
            after={
                "tender": locked.ocid,
                "method": selectors.method_of(locked).value,
                "bids": sorted(str(o.bid_id) for o in opened),
                "abnormally_low_share": evaluation.abnormally_low_share,
            },
        )
    return evaluation


def flag_abnormally_low(evaluation: Evaluation) -> list[uuid.UUID]:
    """Flag, lot by lot, the bids whose known price is abnormally low (domain.abnormally_low,
    over the lot's known prices, against the lot's estimate — or the tender's, when it has one
    lot). Called whenever prices become known; returns the bids whose flag changed."""
    tender = evaluation.tender
    lots = list(tender.lots.order_by("position"))
    assessments = list(evaluation.assessments.select_related("bid__opened"))
    changed: list[uuid.UUID] = []
    now = clock.now()
    for lot in lots:
        mine = [a for a in assessments if a.lot_id == lot.pk]
        prices = {
            str(a.bid_id): a.bid.opened.amount
            for a in mine
            if a.bid.opened.amount is not None and a.bid.opened.amount > 0
        }
        estimate = (
            lot.value_amount if lot.value_amount is not None else (tender.value_amount if len(lots) == 1 else None)
        )
        flagged = abnormally_low(prices, estimate=estimate, share=evaluation.abnormally_low_share)
        for assessment in mine:
            flag = str(assessment.bid_id) in flagged
            if assessment.abnormally_low != flag:
                assessment.abnormally_low = flag
                assessment.updated_at = now
                assessment.save(update_fields=["abnormally_low", "updated_at"])
                changed.append(assessment.bid_id)
    return changed


def score_mode_set(*, actor: User, tender: Tender, mode: str) -> Evaluation:
    """Whether a criterion counts with the mean of the evaluators' marks or a mark the panel
    agreed (recorded by an officer). Only for price and quality, before any lot is decided."""
    tender = _tender(tender.pk)
    access.check_can_manage_evaluation(actor, tender)
    try:
        chosen = ScoreMode(mode)
    except ValueError:
        raise InvalidInput.for_field(
            "mode", _("Choose how marks are combined: the average of the evaluators' marks, or a consensus mark.")
        ) from None
    if selectors.method_of(tender) is not Method.PRICE_QUALITY:
        raise RuleViolation(_("This tender is judged on price alone: there are no marks to combine."))
    with transaction.atomic():
        _check_evaluating(tender)
        evaluation = _locked_evaluation(tender)
        if Award.objects.filter(tender_id=tender.pk).exclude(status=AwardStatus.CANCELLED).exists():
            raise RuleViolation(_("A lot has been decided already: how marks are combined can no longer change."))
        before = evaluation.score_mode
        if before == chosen.value:
            return evaluation
        evaluation.score_mode = chosen.value
        evaluation.updated_at = clock.now()
        evaluation.save(update_fields=["score_mode", "updated_at"])
        audit_record(
            action=AuditAction.EVALUATION_SCORE_MODE_SET,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            before={"score_mode": before},
            after={"tender": tender.ocid, "score_mode": chosen.value},
        )
    return evaluation


# --- The panel ------------------------------------------------------------------------------------
def panel_member_add(*, actor: User, tender: Tender, user: User, role: str, affiliation: str = "") -> PanelMember:
    """Seat someone on the panel. Evaluators are members of the buyer (any role); an observer is
    independent: an active person belonging neither to the buyer nor to any bidder."""
    tender = _tender(tender.pk)
    access.check_can_manage_panel(actor, tender)
    problems = Problems()
    errors = problems.fields
    try:
        chosen = PanelRole(role)
    except ValueError:
        errors["role"] = [_("Choose evaluator or independent observer.")]
        chosen = None
    affiliation = clean_text(affiliation, field="affiliation", problems=problems, max_length=300)
    if user is None or not user.is_active:
        errors.setdefault("user", []).append(_("Choose a person with an active account on Procura."))
    if errors or chosen is None:
        raise InvalidInput(_("Some details of the panel member need correcting."), fields=errors)
    with transaction.atomic():
        _check_evaluating(tender)
        evaluation = _locked_evaluation(tender)
        name = user.full_name or user.email
        if selectors.bidder_ids(tender) & set(
            Membership.objects.filter(user=user).values_list("organisation_id", flat=True)
        ):
            raise InvalidInput.for_field(
                "user",
                _("%(name)s belongs to a bidder for this tender, so cannot sit on its panel.") % {"name": name},
            )
        in_buyer = bool(roles_in(user, tender.buyer))
        if chosen == PanelRole.EVALUATOR and not in_buyer:
            raise InvalidInput.for_field(
                "user",
                _("Evaluators are members of %(buyer)s; %(name)s is not. Invite them to the organisation first.")
                % {"buyer": tender.buyer.legal_name, "name": name},
            )
        if chosen == PanelRole.OBSERVER and in_buyer:
            raise InvalidInput.for_field(
                "user",
                _(
                    "An observer is independent of the buyer; %(name)s is a member of %(buyer)s. "
                    "Seat them as an evaluator."
                )
                % {"buyer": tender.buyer.legal_name, "name": name},
            )
        if evaluation.members.filter(user=user, removed_at__isnull=True).exists():
            raise Conflict(_("%(name)s already sits on this panel.") % {"name": name})
        now = clock.now()
        member = PanelMember.objects.create(
            evaluation=evaluation,
            user=user,
            role=chosen,
            affiliation=affiliation if chosen == PanelRole.OBSERVER else "",
            added_by=actor,
            added_at=now,
        )
        audit_record(
            action=AuditAction.PANEL_MEMBER_ADDED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="panel_member",
            object_id=member.pk,
            after={"tender": tender.ocid, "user": str(user.pk), "role": member.role, "affiliation": member.affiliation},
        )
    return member


def panel_member_remove(*, actor: User, member: PanelMember) -> PanelMember:
    """Take someone off the panel. They no longer read the bids; their marks stop counting (and
    stay recorded). Their declaration stays, as signed."""
    tender = _tender(member.evaluation.tender_id)
    access.check_can_manage_panel(actor, tender)
    with transaction.atomic():
        _check_evaluating(tender)
        _locked_evaluation(tender)
        locked = PanelMember.objects.select_for_update().filter(pk=member.pk, evaluation__tender_id=tender.pk).first()
        if locked is None:
            raise NotFound(_("There is no such panel member."))
        if locked.removed_at is not None:
            raise Conflict(_("This person has already left the panel."))
        locked.removed_at = clock.now()
        locked.save(update_fields=["removed_at"])
        audit_record(
            action=AuditAction.PANEL_MEMBER_REMOVED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="panel_member",
            object_id=locked.pk,
            after={"tender": tender.ocid, "user": str(locked.user_id), "role": locked.role},
        )
    return locked


def _same_name(typed: str, full_name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(full_name.split()).casefold()


def declaration_sign(
    *, actor: User, tender: Tender, has_conflict: bool, statement: str, signed_name: str
) -> Declaration:
    """Sign one's conflict-of-interest declaration for the tender, naming every bidder, before
    seeing any bid. Once only; a declared conflict recuses the member."""
    tender = _tender(tender.pk)
    check_signed_in(actor)
    problems = Problems()
    errors = problems.fields
    statement = clean_text(statement, field="statement", problems=problems, max_length=TEXT_LIMIT)
    signed_name = clean_text(
        signed_name,
        field="signed_name",
        problems=problems,
        max_length=200,  # the column's length
    )
    if has_conflict and not statement:
        errors["statement"] = [_("Describe the conflict of interest: with which bidder, and how.")]
    if not signed_name:
        errors["signed_name"] = [_("Type your full name to sign the declaration.")]
    elif not _same_name(signed_name, actor.full_name):
        errors["signed_name"] = [
            _("Type your full name exactly as your account gives it (%(name)s) to sign.") % {"name": actor.full_name}
        ]
    with transaction.atomic():
        evaluation = evaluation_for(tender)
        seat = (
            PanelMember.objects.select_for_update()
            .filter(evaluation=evaluation, user=actor, removed_at__isnull=True)
            .first()
        )
        if seat is None:
            raise PermissionDenied(
                _("Only the members of the evaluation panel of %(ocid)s declare: you have no seat on it.")
                % {"ocid": tender.ocid}
            )
        if Declaration.objects.filter(member=seat).exists():
            raise Conflict(_("You have already signed your declaration for this tender; it cannot be changed."))
        if errors:
            raise InvalidInput(_("The declaration is not signed yet: some details need correcting."), fields=errors)
        _check_evaluating(tender)
        bidders = selectors.bidders_of(tender)
        declaration = Declaration.objects.create(
            member=seat,
            bidders=bidders,
            has_conflict=bool(has_conflict),
            statement=statement,
            signed_name=signed_name,
            signed_at=clock.now(),
        )
        audit_record(
            action=AuditAction.DECLARATION_SIGNED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="panel_member",
            object_id=seat.pk,
            after={
                "tender": tender.ocid,
                "role": seat.role,
                "has_conflict": declaration.has_conflict,
                "bidders": [b["id"] for b in bidders],
            },
        )
    return declaration


# --- Marks ----------------------------------------------------------------------------------------
def _mark(value: Decimal | str | int | None, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        mark = Decimal(str(value).strip()) if value is not None and str(value).strip() else None
    except InvalidOperation:
        mark = None
    if mark is None:
        errors["mark"] = [_("Enter a mark from 0 to 10, such as 7.5.")]
        return None
    problem = mark_problem(mark)
    if problem is not None:
        errors["mark"] = [_(problem)]
        return None
    return mark


def _check_criterion(tender: Tender, criterion: Criterion) -> None:
    if selectors.method_of(tender) is not Method.PRICE_QUALITY:
        raise RuleViolation(_("This tender is judged on price alone: there are no quality criteria to score."))
    if criterion.tender_id != tender.pk or criterion.kind != "quality":
        raise InvalidInput.for_field("criterion", _("Choose one of the tender's quality criteria."))


def _record_mark(
    *,
    actor: User,
    bid: Bid,
    criterion: Criterion,
    mark: Decimal | str | int | None,
    justification: str,
    consensus: bool,
) -> Score:
    tender = _tender(bid.tender_id)
    if consensus:
        access.check_can_manage_evaluation(actor, tender)
    else:
        access.check_can_score(actor, tender)
    _check_criterion(tender, criterion)
    problems = Problems()
    errors = problems.fields
    value = _mark(mark, errors)
    justification = clean_text(
        justification,
        field="justification",
        problems=problems,
        max_length=TEXT_LIMIT,
        required=_("Give the reasons for this mark: every mark is justified."),
    )
    if errors or value is None:
        raise InvalidInput(_("The mark is not recorded: some details need correcting."), fields=errors)
    with transaction.atomic():
        _check_evaluating(tender)
        assessment = _locked_assessment(bid)
        if consensus and assessment.evaluation.score_mode != ScoreMode.CONSENSUS:
            raise RuleViolation(
                _("Marks count as the average of the evaluators' marks here: switch to consensus marks first.")
            )
        if assessment.status == AssessmentStatus.DISQUALIFIED:
            raise RuleViolation(_("This bid was disqualified: it is not scored."))
        _check_lot_undecided(assessment.lot)
        member = None if consensus else access.seat_of(actor, tender)
        now = clock.now()
        score = Score.objects.filter(bid_id=bid.pk, criterion=criterion, member=member).first()
        before = None if score is None else {"mark": score.mark, "justification": score.justification}
        if score is None:
            score = Score(bid_id=bid.pk, criterion=criterion, member=member)
        score.mark = value
        score.justification = justification
        score.recorded_by = actor
        score.recorded_at = now
        score.save()
        audit_record(
            action=AuditAction.CONSENSUS_SCORE_RECORDED if consensus else AuditAction.SCORE_RECORDED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="bid",
            object_id=bid.pk,
            before=before,
            after={
                "tender": tender.ocid,
                "lot": assessment.lot.local_id,
                "criterion": str(criterion.pk),
                "member": str(member.pk) if member is not None else None,
                "mark": value,
                "justification": justification,
            },
        )
    return score


def score_record(
    *, actor: User, bid: Bid, criterion: Criterion, mark: Decimal | str | int | None, justification: str
) -> Score:
    """An evaluator's own mark (0–10) for one quality criterion of one bid, with its reasons.
    Recording again replaces the evaluator's earlier mark."""
    return _record_mark(
        actor=actor, bid=bid, criterion=criterion, mark=mark, justification=justification, consensus=False
    )


def consensus_record(
    *, actor: User, bid: Bid, criterion: Criterion, mark: Decimal | str | int | None, justification: str
) -> Score:
    """The mark the panel agreed for one criterion of one bid, recorded by an officer on the
    panel, when the evaluation combines marks by consensus. Recording again replaces it."""
    return _record_mark(
        actor=actor, bid=bid, criterion=criterion, mark=mark, justification=justification, consensus=True
    )


# --- Qualification --------------------------------------------------------------------------------
def _check_pending(assessment: Assessment) -> None:
    if assessment.status == AssessmentStatus.QUALIFIED:
        raise Conflict(_("This bid has already been qualified."))
    if assessment.status == AssessmentStatus.DISQUALIFIED:
        raise Conflict(_("This bid has already been disqualified."))


def assessment_record_checks(
    *, actor: User, bid: Bid, eligibility_met: bool, exclusion_clear: bool, notes: str = ""
) -> Assessment:
    """Record the eligibility and exclusion checks of a bid still under evaluation."""
    tender = _tender(bid.tender_id)
    access.check_can_manage_evaluation(actor, tender)
    problems = Problems()
    errors = problems.fields
    notes = clean_text(notes, field="notes", problems=problems, max_length=TEXT_LIMIT)
    if errors:
        raise InvalidInput(_("The checks are not recorded: some details need correcting."), fields=errors)
    with transaction.atomic():
        _check_evaluating(tender)
        assessment = _locked_assessment(bid)
        _check_pending(assessment)
        _check_lot_undecided(assessment.lot)
        before = {
            "eligibility_met": assessment.eligibility_met,
            "exclusion_clear": assessment.exclusion_clear,
            "notes": assessment.check_notes,
        }
        assessment.eligibility_met = bool(eligibility_met)
        assessment.exclusion_clear = bool(exclusion_clear)
        assessment.check_notes = notes
        assessment.updated_at = clock.now()
        assessment.save(update_fields=["eligibility_met", "exclusion_clear", "check_notes", "updated_at"])
        audit_record(
            action=AuditAction.ASSESSMENT_CHECKS_RECORDED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="bid",
            object_id=bid.pk,
            before=before,
            after={
                **_assessment_after(assessment),
                "eligibility_met": assessment.eligibility_met,
                "exclusion_clear": assessment.exclusion_clear,
                "notes": notes,
            },
        )
    return assessment


def _decided(assessment: Assessment, *, tender: Tender, now: dt.datetime) -> None:
    events.record(BidQualificationDecided(tender_id=tender.pk, ocid=tender.ocid, at=now, bid_id=assessment.bid_id))


def bid_qualify(*, actor: User, bid: Bid) -> Assessment:
    """Find a bid qualified: both checks passed, the supplier not debarred, and an abnormally low
    price accepted with a recorded justification."""
    tender = _tender(bid.tender_id)
    access.check_can_manage_evaluation(actor, tender)
    with transaction.atomic():
        _check_evaluating(tender)
        assessment = _locked_assessment(bid)
        _check_pending(assessment)
        _check_lot_undecided(assessment.lot)
        if assessment.eligibility_met is not True or assessment.exclusion_clear is not True:
            raise RuleViolation(
                _(
                    "A bid is qualified only once its eligibility is met and no ground for exclusion applies: "
                    "record both checks first."
                )
            )
        if selectors.low_price_unjustified(assessment):
            raise RuleViolation(
                _(
                    "The price is abnormally low: record why it is acceptable (after asking the bidder to "
                    "explain it) before qualifying the bid, or disqualify it."
                )
            )
        now = clock.now()
        check_not_debarred(supplier=assessment.bid.supplier, at=now)
        assessment.status = AssessmentStatus.QUALIFIED
        assessment.decided_by = actor
        assessment.decided_at = now
        assessment.updated_at = now
        assessment.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(
            action=AuditAction.BID_QUALIFIED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="bid",
            object_id=bid.pk,
            after=_assessment_after(assessment),
        )
        _decided(assessment, tender=tender, now=now)
    return assessment


def bid_disqualify(*, actor: User, bid: Bid, reason: str) -> Assessment:
    """Disqualify a bid, with the reason (told to the bidder). A qualified bid can still be
    disqualified until its lot is decided (an abnormally low price not explained, say)."""
    tender = _tender(bid.tender_id)
    access.check_can_manage_evaluation(actor, tender)
    problems = Problems()
    errors = problems.fields
    reason = clean_text(
        reason,
        field="reason",
        problems=problems,
        max_length=TEXT_LIMIT,
        required=_("Give the reason for disqualifying the bid: the bidder is told."),
    )
    if errors:
        raise InvalidInput(_("The bid is not disqualified: some details need correcting."), fields=errors)
    with transaction.atomic():
        _check_evaluating(tender)
        assessment = _locked_assessment(bid)
        if assessment.status == AssessmentStatus.DISQUALIFIED:
            raise Conflict(_("This bid has already been disqualified."))
        _check_lot_undecided(assessment.lot)
        before = {"status": assessment.status}
        now = clock.now()
        assessment.status = AssessmentStatus.DISQUALIFIED
        assessment.disqualification_reason = reason
        assessment.decided_by = actor
        assessment.decided_at = now
        assessment.updated_at = now
        assessment.save(update_fields=["status", "disqualification_reason", "decided_by", "decided_at", "updated_at"])
        audit_record(
            action=AuditAction.BID_DISQUALIFIED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="bid",
            object_id=bid.pk,
            before=before,
            after={**_assessment_after(assessment), "reason": reason},
        )
        _decided(assessment, tender=tender, now=now)
    return assessment


def low_price_accept(*, actor: User, bid: Bid, justification: str) -> Assessment:
    """Record why an abnormally low price is acceptable (usually the bidder's explanation, asked
    for with a clarification request). Without it, the bid is neither qualified nor awarded."""
    tender = _tender(bid.tender_id)
    access.check_can_manage_evaluation(actor, tender)
    problems = Problems()
    errors = problems.fields
    justification = clean_text(
        justification,
        field="justification",
        problems=problems,
        max_length=TEXT_LIMIT,
        required=_("Say why the price is acceptable: the justification is kept on record."),
    )
    if errors:
        raise InvalidInput(_("The price is not accepted: some details need correcting."), fields=errors)
    with transaction.atomic():
        _check_evaluating(tender)
        assessment = _locked_assessment(bid)
        if assessment.status == AssessmentStatus.DISQUALIFIED:
            raise RuleViolation(_("This bid was disqualified: there is no price to accept."))
        if not assessment.abnormally_low:
            raise RuleViolation(_("This price is not flagged as abnormally low: there is nothing to justify."))
        if assessment.low_price_justification:
            raise Conflict(_("A justification for this price has already been recorded."))
        _check_lot_undecided(assessment.lot)
        assessment.low_price_justification = justification
        assessment.low_price_accepted_by = actor
        assessment.updated_at = clock.now()
        assessment.save(update_fields=["low_price_justification", "low_price_accepted_by", "updated_at"])
        audit_record(
            action=AuditAction.LOW_PRICE_ACCEPTED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="bid",
            object_id=bid.pk,
            after={**_assessment_after(assessment), "justification": justification},
        )
    return assessment


# --- Clarification requests -----------------------------------------------------------------------
def _email(recipients: list[str], subject: str, body: str) -> None:
    """Send after the commit; a mail server that is down loses the email, never the request."""
    if not recipients:
        return

    def send() -> None:
        try:
            send_mail(subject, body, None, recipients)
        except OSError:  # the request is recorded and shown on the bid's page anyway
            logger.exception("clarification email could not be sent")

    transaction.on_commit(send)


def clarification_request_send(
    *, actor: User, bid: Bid, question: str, respond_by: dt.datetime
) -> ClarificationRequest:
    """Ask a bidder to clarify its bid, with a deadline for the answer. The bidder's bid managers
    are emailed; the answer is given on the bid's evaluation page or through the API."""
    tender = _tender(bid.tender_id)
    access.check_can_manage_evaluation(actor, tender)
    problems = Problems()
    errors = problems.fields
    question = clean_text(
        question,
        field="question",
        problems=problems,
        max_length=TEXT_LIMIT,
        required=_("Write the question for the bidder."),
    )
    now = clock.now()
    if respond_by is None or respond_by.tzinfo is None or respond_by.utcoffset() is None:
        errors["respond_by"] = [_("Give the date and time by which the bidder must answer.")]
    elif respond_by <= now:
        errors["respond_by"] = [_("The deadline for the answer must be in the future.")]
    if errors:
        raise InvalidInput(_("The request is not sent: some details need correcting."), fields=errors)
    with transaction.atomic():
        _check_evaluating(tender)
        assessment = _locked_assessment(bid)
        if assessment.status == AssessmentStatus.DISQUALIFIED:
            raise RuleViolation(_("This bid was disqualified: its bidder is not asked for clarification."))
        _check_lot_undecided(assessment.lot)
        request = ClarificationRequest.objects.create(
            bid_id=bid.pk,
            question=question,
            respond_by=respond_by,
            asked_by=actor,
            asked_at=clock.now(),
        )
        audit_record(
            action=AuditAction.CLARIFICATION_REQUEST_SENT,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="clarification_request",
            object_id=request.pk,
            after={
                **_assessment_after(assessment),
                "bid": str(bid.pk),
                "question": question,
                "respond_by": respond_by.isoformat(),
            },
        )
        supplier = assessment.bid.supplier
        _email(
            [person.email for person in suppliers_selectors.bid_managers_of(supplier)],
            _("%(buyer)s asks about your bid for %(title)s")
            % {"buyer": tender.buyer.legal_name, "title": tender.title},
            _(
                "%(buyer)s asks %(supplier)s to clarify its bid for “%(title)s” (%(ocid)s), lot %(lot)s:\n\n"
                "%(question)s\n\nAnswer by %(deadline)s UTC on this page:\n%(link)s\n"
            )
            % {
                "buyer": tender.buyer.legal_name,
                "supplier": supplier.legal_name,
                "title": tender.title,
                "ocid": tender.ocid,
                "lot": assessment.lot.local_id,
                "question": question,
                "deadline": respond_by.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                "link": absolute(reverse("evaluation:bid-status", args=[bid.pk])),
            },
        )
    return request


def clarification_request_answer(*, actor: User, request: ClarificationRequest, response: str) -> ClarificationRequest:
    """The bidder's answer, by one of its bid managers, no later than the deadline; once only."""
    bid = Bid.objects.select_related("supplier", "tender", "tender__buyer").get(pk=request.bid_id)
    access.check_can_answer_clarification(actor, bid)
    problems = Problems()
    errors = problems.fields
    response = clean_text(
        response, field="response", problems=problems, max_length=TEXT_LIMIT, required=_("Write your answer.")
    )
    if errors:
        raise InvalidInput(_("The answer is not sent: some details need correcting."), fields=errors)
    tender = _tender(bid.tender_id)
    with transaction.atomic():
        _check_evaluating(tender)
        locked = ClarificationRequest.objects.select_for_update().filter(pk=request.pk).first()
        if locked is None:
            raise NotFound(_("There is no such clarification request."))
        if locked.responded_at is not None:
            raise Conflict(_("This request has already been answered; the answer cannot be changed."))
        now = clock.now()
        if now > locked.respond_by:
            raise RuleViolation(
                _("The answer was due by %(deadline)s UTC; that deadline has passed.")
                % {"deadline": locked.respond_by.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")}
            )
        locked.response = response
        locked.responded_by = actor
        locked.responded_at = now
        locked.save(update_fields=["response", "responded_by", "responded_at"])
        audit_record(
            action=AuditAction.CLARIFICATION_REQUEST_ANSWERED,
            actor=actor,
            organisation_id=bid.supplier_id,
            object_type="clarification_request",
            object_id=locked.pk,
            after={"tender": tender.ocid, "bid": str(bid.pk), "response": response},
        )
        asker = User.objects.filter(pk=locked.asked_by_id, is_active=True).first()
        _email(
            [asker.email] if asker is not None else [],
            _("%(supplier)s answered your question about its bid") % {"supplier": bid.supplier.legal_name},
            _(
                "%(supplier)s answered your clarification request about its bid for “%(title)s” (%(ocid)s):\n\n"
                "%(response)s\n\n%(link)s\n"
            )
            % {
                "supplier": bid.supplier.legal_name,
                "title": tender.title,
                "ocid": tender.ocid,
                "response": response,
                "link": absolute(reverse("evaluation:lot-bids", args=[tender.ocid, bid.lot.local_id])),
            },
        )
    return locked


# --- Two envelopes --------------------------------------------------------------------------------
def financial_offers_open(*, actor: User, tender: Tender) -> Evaluation:
    """Two envelopes: once every bid has been assessed, open the prices of the technically
    qualified bids only (the others stay sealed for good), then flag abnormally low prices."""
    tender = _tender(tender.pk)
    access.check_can_manage_evaluation(actor, tender)
    if not tender.two_envelopes:
        raise RuleViolation(_("This tender has one envelope: its prices were opened with the bids."))
    with transaction.atomic():
        _check_evaluating(tender)
        evaluation = _locked_evaluation(tender)
        if evaluation.financial_opened_at is not None:
            raise Conflict(_("The financial offers have already been opened."))
        assessments = list(evaluation.assessments.all())
        pending = sum(1 for a in assessments if a.status == AssessmentStatus.PENDING)
        if pending:
            raise RuleViolation(
                _(
                    "%(count)s bid(s) are still under evaluation: qualify or disqualify every bid before "
                    "the financial offers are opened."
                )
                % {"count": pending}
            )
        qualified = sorted(
            (a.bid_id for a in assessments if a.status == AssessmentStatus.QUALIFIED), key=lambda pk: str(pk)
        )
        now = clock.now()
        if qualified:
            bids_services.bids_open_financial(tender=tender, bid_ids=qualified, at=now)
        evaluation.financial_opened_at = now
        evaluation.updated_at = now
        evaluation.save(update_fields=["financial_opened_at", "updated_at"])
        audit_record(
            action=AuditAction.FINANCIAL_OFFERS_OPENED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            after={"tender": tender.ocid, "bids": [str(pk) for pk in qualified]},
        )
        events.record(FinancialOffersOpened(tender_id=tender.pk, ocid=tender.ocid, at=now, bid_ids=tuple(qualified)))
        flag_abnormally_low(evaluation)
    return evaluation
