"""Evaluation pages. The buyer's side, under /tenders/<ocid>/evaluation/: the evaluation's home
(panel, declarations, progress per lot), the panel, the declaration, each lot's bids with their
qualification and clarification requests, the score sheet, the consensus sheet and the ranking.
The bidder's side: "My evaluation" for one bid, with the clarification requests to answer.

None of these pages exists before the bids are opened (the 404, for everyone). Who sees and does
what is `access`: a person without a cleared seat on the panel sees no bid; an observer and the
platform's overseers see the same pages as the panel, without a single form; every change goes
through `services`, whose refusals are shown by the fields they name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts.models import User
from procura.accounts.roles import OrganisationKind
from procura.accounts.views.common import current_user
from procura.bids import selectors as bids_selectors
from procura.bids.models import Bid
from procura.core import clock
from procura.core.errors import NotAuthenticated, NotFound, ProcuraError
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import ProcuraForm, add_service_errors, call_service, http_error
from procura.evaluation import access, selectors, services
from procura.evaluation.domain import Method, ScoreMode
from procura.evaluation.forms import (
    AnswerForm,
    ChecksForm,
    ClarificationRequestForm,
    DeclarationForm,
    DisqualifyForm,
    LowPriceForm,
    MarkForm,
    PanelMemberForm,
    ScoreModeForm,
)
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    ClarificationRequest,
    Evaluation,
    PanelMember,
    PanelRole,
    Score,
    ScoreModeChoice,
)
from procura.suppliers import selectors as suppliers_selectors
from procura.tenders import selectors as tender_selectors
from procura.tenders.models import Criterion, Lot, Tender

REFUSALS = (ServicePermissionDenied, NotAuthenticated, NotFound)
CACHE_CONTROL = "private, no-cache"  # who may read changes (a seat, a declaration): ask each time


# --- Finding what the URL names -------------------------------------------------------------------
def _tender_or_404(request: HttpRequest, ocid: str) -> Tender:
    """The tender, once its bids are opened; before that the evaluation does not exist for anyone."""
    tender = tender_selectors.tender_visible(request.user, ocid) if len(ocid) <= 64 else None
    if tender is None or not bids_selectors.is_opened(tender):
        raise Http404
    return tender


def _require(check: Callable[[Any, Tender], None], user: User, tender: Tender) -> None:
    """Run an `access.check_*`; a refusal becomes the 403 page with its message."""
    try:
        check(user, tender)
    except REFUSALS as exc:
        raise http_error(exc) from exc


def _evaluation(tender: Tender) -> Evaluation:
    try:
        return services.evaluation_for(tender)
    except NotFound as exc:  # pragma: no cover - the tender's bids are opened
        raise Http404 from exc


def _lot_or_404(tender: Tender, lot_id: str) -> Lot:
    lot = tender.lots.filter(local_id=lot_id[:32]).first()
    if lot is None:
        raise Http404
    return lot


def _assessment_or_404(tender: Tender, bid_id: uuid.UUID) -> Assessment:
    evaluation = _evaluation(tender)
    assessment = (
        Assessment.objects.select_related("bid", "bid__supplier", "bid__opened", "bid__tender", "lot")
        .filter(evaluation=evaluation, bid_id=bid_id)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


def _respond(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, context)
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _you(user: User, tender: Tender) -> dict[str, Any]:
    """What the pages need to know about the person looking."""
    seat = access.seat_of(user, tender)
    return {
        "seat": seat,
        "declared": access.has_declared(seat),
        "recused": access.is_recused(seat),
        "is_observer": seat is not None and seat.role == PanelRole.OBSERVER,
        "can_view": access.can_view_evaluation(user, tender),
        "can_manage": access.can_manage_evaluation(user, tender),
        "can_manage_panel": access.can_manage_panel(user, tender),
        "can_score": access.can_score(user, tender),
    }


# --- Home -----------------------------------------------------------------------------------------
def _home(request: HttpRequest, user: User, tender: Tender, *, mode_form: ScoreModeForm | None = None) -> HttpResponse:
    evaluation = _evaluation(tender)
    you = _you(user, tender)
    method = selectors.method_of(tender)
    if you["can_manage"] and method is Method.PRICE_QUALITY and mode_form is None:
        mode_form = ScoreModeForm(initial={"mode": evaluation.score_mode})
    lots = selectors.lot_statuses(evaluation) if you["can_view"] else []
    context = {
        "tender": tender,
        "evaluation": evaluation,
        "method": method.value,
        "panel": selectors.panel_of(evaluation),
        "you": you,
        "lots": lots,
        "mode_form": mode_form if you["can_manage"] and method is Method.PRICE_QUALITY else None,
        "form": mode_form,
        "score_mode_label": ScoreModeChoice(evaluation.score_mode).label,
        "financial_due": tender.two_envelopes and evaluation.financial_opened_at is None,
        "pending": sum(status.pending for status in lots),
    }
    return _respond(request, "evaluation/home.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest, ocid: str) -> HttpResponse:
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_see_panel, user, tender)
    return _home(request, user, tender)


@login_required
@require_POST
def score_mode(request: HttpRequest, ocid: str) -> HttpResponse:
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_manage_evaluation, user, tender)
    form = ScoreModeForm(request.POST)
    saved = (
        call_service(form, services.score_mode_set, actor=user, tender=tender, mode=form.cleaned_data["mode"])
        if form.is_valid()
        else None
    )
    if saved is not None:
        messages.success(request, _("How the marks count is saved."))
        return redirect("evaluation:evaluation-home", tender.ocid)
    return _home(request, user, tender, mode_form=form)


# --- The panel ------------------------------------------------------------------------------------
def _panel_page(request: HttpRequest, user: User, tender: Tender, form: PanelMemberForm | None = None) -> HttpResponse:
    evaluation = _evaluation(tender)
    can_manage = access.can_manage_panel(user, tender)
    if can_manage and form is None:
        form = PanelMemberForm()
    context = {
        "tender": tender,
        "evaluation": evaluation,
        "panel": selectors.panel_of(evaluation),
        "can_manage_panel": can_manage,
        "form": form if can_manage else None,
        "bidders": selectors.bidders_of(tender),
    }
    return _respond(request, "evaluation/panel.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def panel(request: HttpRequest, ocid: str) -> HttpResponse:
    """The panel; the buyer's procurement officers seat evaluators and observers here."""
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    if request.method != "POST":
        _require(access.check_can_see_panel, user, tender)
        return _panel_page(request, user, tender)
    _require(access.check_can_manage_panel, user, tender)
    form = PanelMemberForm(request.POST)
    if form.is_valid():
        person = selectors.user_by_email(form.cleaned_data["email"])
        if person is None:
            form.add_error("email", _("Nobody has a Procura account with this email address."))
        elif call_service(
            form,
            services.panel_member_add,
            actor=user,
            tender=tender,
            user=person,
            role=form.cleaned_data["role"],
            affiliation=form.cleaned_data["affiliation"],
        ):
            messages.success(
                request,
                _("%(name)s is on the panel. They see no bid until they sign their declaration.")
                % {"name": person.full_name or person.email},
            )
            return redirect("evaluation:panel", tender.ocid)
    return _panel_page(request, user, tender, form)


@login_required
@require_POST
def panel_remove(request: HttpRequest, ocid: str, member_id: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_manage_panel, user, tender)
    member = PanelMember.objects.filter(pk=member_id, evaluation__tender=tender, removed_at__isnull=True).first()
    if member is None:
        raise Http404
    try:
        services.panel_member_remove(actor=user, member=member)
    except REFUSALS as exc:
        raise http_error(exc) from exc
    except ProcuraError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s has left the panel.") % {"name": member.user.full_name})
    return redirect("evaluation:panel", tender.ocid)


# --- The declaration ------------------------------------------------------------------------------
def _require_seat(user: User, tender: Tender) -> PanelMember:
    seat = access.seat_of(user, tender)
    if seat is None:
        raise http_error(
            ServicePermissionDenied(
                _("Only the members of the evaluation panel of %(ocid)s declare: you have no seat on it.")
                % {"ocid": tender.ocid}
            )
        )
    return seat


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def declaration(request: HttpRequest, ocid: str) -> HttpResponse:
    """The conflict-of-interest declaration, naming every bidder, signed by typing one's name."""
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    seat = _require_seat(user, tender)
    form = DeclarationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        signed = call_service(
            form,
            services.declaration_sign,
            actor=user,
            tender=tender,
            has_conflict=form.has_conflict,
            statement=form.cleaned_data["statement"],
            signed_name=form.cleaned_data["signed_name"],
        )
        if signed is not None:
            if signed.has_conflict:
                messages.info(
                    request,
                    _("Your declaration is signed. You declared a conflict: you take no part in this evaluation."),
                )
            else:
                messages.success(request, _("Your declaration is signed. You can now read the bids."))
            return redirect("evaluation:evaluation-home", tender.ocid)
    seat = access.seat_of(user, tender) or seat
    context = {
        "tender": tender,
        "seat": seat,
        "signed": seat.declaration if access.has_declared(seat) else None,
        "bidders": selectors.bidders_of(tender),
        "form": form,
    }
    return _respond(request, "evaluation/declaration.html", context)


# --- A lot's bids: qualification and clarification ------------------------------------------------
def _prefix(bid_id: uuid.UUID) -> str:
    return f"bid-{bid_id}"


@dataclass
class BidRow:
    assessment: Assessment
    price: Any
    currency: str
    price_sealed: bool
    debarred: bool
    requests: list[ClarificationRequest]
    forms: dict[str, ProcuraForm] = field(default_factory=dict)


def _bid_forms(assessment: Assessment, bound: dict[str, ProcuraForm]) -> dict[str, ProcuraForm]:
    """The forms an officer may use on this bid now (a bound one, with its errors, kept)."""
    prefix = _prefix(assessment.bid_id)
    status = assessment.status
    forms: dict[str, ProcuraForm] = {}
    if status == AssessmentStatus.PENDING:
        initial = {
            "eligibility_met": None
            if assessment.eligibility_met is None
            else ("yes" if assessment.eligibility_met else "no"),
            "exclusion_clear": None
            if assessment.exclusion_clear is None
            else ("yes" if assessment.exclusion_clear else "no"),
            "notes": assessment.check_notes,
        }
        forms["checks"] = ChecksForm(prefix=prefix, initial=initial)
        forms["qualify"] = ProcuraForm(prefix=prefix)
    if status != AssessmentStatus.DISQUALIFIED:
        forms["disqualify"] = DisqualifyForm(prefix=prefix)
        forms["clarification"] = ClarificationRequestForm(prefix=prefix)
        if assessment.abnormally_low and not assessment.low_price_justification:
            forms["low_price"] = LowPriceForm(prefix=prefix)
    for key, form in bound.items():
        forms[key] = form
    return forms


def _lot_page(
    request: HttpRequest,
    user: User,
    tender: Tender,
    lot: Lot,
    *,
    bound: tuple[uuid.UUID, str, ProcuraForm] | None = None,
) -> HttpResponse:
    evaluation = _evaluation(tender)
    you = _you(user, tender)
    requests = selectors.clarification_requests_for(evaluation, lot)
    now = clock.now()
    rows = []
    assessments = list(selectors.assessments_of(evaluation, lot))
    debarred = suppliers_selectors.debarred_among((a.bid.supplier_id for a in assessments), now)
    for assessment in assessments:
        price = selectors.price_of(assessment)
        opened = assessment.bid.opened
        row = BidRow(
            assessment=assessment,
            price=price,
            currency=opened.currency or tender.currency,
            price_sealed=price is None and tender.two_envelopes and evaluation.financial_opened_at is None,
            debarred=assessment.bid.supplier_id in debarred,
            requests=requests.get(assessment.bid_id, []),
        )
        if you["can_manage"]:
            mine = {bound[1]: bound[2]} if bound is not None and bound[0] == assessment.bid_id else {}
            row.forms = _bid_forms(assessment, mine)
        rows.append(row)
    context = {
        "tender": tender,
        "evaluation": evaluation,
        "lot": lot,
        "lots": list(tender.lots.order_by("position")),
        "rows": rows,
        "you": you,
        "method": selectors.method_of(tender).value,
        "now": now,
        "form": bound[2] if bound is not None else None,
    }
    return _respond(request, "evaluation/lot.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def lot(request: HttpRequest, ocid: str, lot_id: str) -> HttpResponse:
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_view_evaluation, user, tender)
    return _lot_page(request, user, tender, _lot_or_404(tender, lot_id))


def _bid_action(
    request: HttpRequest,
    ocid: str,
    bid_id: uuid.UUID,
    *,
    key: str,
    form_class: type[ProcuraForm],
    run: Callable[[User, Bid, Any], object],
    done: str,
) -> HttpResponse:
    """One officer's action on one bid, from its form on the lot page: the 403 page for anyone
    who may not act (an observer, before any input is read); the form with its errors on the
    lot page when the input or the service says no; the lot page again when it is done."""
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_manage_evaluation, user, tender)
    assessment = _assessment_or_404(tender, bid_id)
    form = form_class(request.POST, prefix=_prefix(assessment.bid_id))
    if form.is_valid():
        try:
            run(user, assessment.bid, form)
        except REFUSALS as exc:
            raise http_error(exc) from exc
        except ProcuraError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(
                reverse("evaluation:lot-bids", args=[tender.ocid, assessment.lot.local_id]) + f"#bid-{bid_id}"
            )
    return _lot_page(request, user, tender, assessment.lot, bound=(assessment.bid_id, key, form))


@login_required
@require_POST
def checks(request: HttpRequest, ocid: str, bid_id: uuid.UUID) -> HttpResponse:
    return _bid_action(
        request,
        ocid,
        bid_id,
        key="checks",
        form_class=ChecksForm,
        run=lambda user, bid, form: services.assessment_record_checks(
            actor=user,
            bid=bid,
            eligibility_met=form.flag("eligibility_met"),
            exclusion_clear=form.flag("exclusion_clear"),
            notes=form.cleaned_data["notes"],
        ),
        done=_("The checks are recorded."),
    )


@login_required
@require_POST
def qualify(request: HttpRequest, ocid: str, bid_id: uuid.UUID) -> HttpResponse:
    return _bid_action(
        request,
        ocid,
        bid_id,
        key="qualify",
        form_class=ProcuraForm,
        run=lambda user, bid, form: services.bid_qualify(actor=user, bid=bid),
        done=_("The bid is qualified."),
    )


@login_required
@require_POST
def disqualify(request: HttpRequest, ocid: str, bid_id: uuid.UUID) -> HttpResponse:
    return _bid_action(
        request,
        ocid,
        bid_id,
        key="disqualify",
        form_class=DisqualifyForm,
        run=lambda user, bid, form: services.bid_disqualify(actor=user, bid=bid, reason=form.cleaned_data["reason"]),
        done=_("The bid is disqualified."),
    )


@login_required
@require_POST
def low_price(request: HttpRequest, ocid: str, bid_id: uuid.UUID) -> HttpResponse:
    return _bid_action(
        request,
        ocid,
        bid_id,
        key="low_price",
        form_class=LowPriceForm,
        run=lambda user, bid, form: services.low_price_accept(
            actor=user, bid=bid, justification=form.cleaned_data["justification"]
        ),
        done=_("The justification for the price is recorded."),
    )


@login_required
@require_POST
def clarification(request: HttpRequest, ocid: str, bid_id: uuid.UUID) -> HttpResponse:
    return _bid_action(
        request,
        ocid,
        bid_id,
        key="clarification",
        form_class=ClarificationRequestForm,
        run=lambda user, bid, form: services.clarification_request_send(
            actor=user, bid=bid, question=form.cleaned_data["question"], respond_by=form.cleaned_data["respond_by"]
        ),
        done=_("The request is sent to the bidder."),
    )


# --- Marks ------------------------------------------------------------------------------------------
@dataclass
class MarkCell:
    criterion: Criterion
    own: Score | None  # the person's own mark (score sheet)
    marks: list[Score]  # every sitting evaluator's mark
    consensus: Score | None
    effective: Any
    form: MarkForm | None = None


@dataclass
class MarkRow:
    assessment: Assessment
    cells: list[MarkCell]


def _mark_prefix(bid_id: uuid.UUID, criterion_id: uuid.UUID) -> str:
    return f"mark-{bid_id}-{criterion_id}"


def _mark_rows(
    user: User,
    tender: Tender,
    evaluation: Evaluation,
    lot: Lot,
    *,
    with_forms: str,  # "own", "consensus" or ""
    bound: tuple[uuid.UUID, uuid.UUID, MarkForm] | None,
) -> list[MarkRow]:
    criteria = selectors.quality_criteria(tender)
    seat = access.seat_of(user, tender)
    scores = selectors.marks_of(lot)
    effective = selectors.effective_marks(evaluation, lot)
    rows = []
    for assessment in selectors.assessments_of(evaluation, lot):
        if assessment.status == AssessmentStatus.DISQUALIFIED:
            continue
        cells = []
        for criterion in criteria:
            mine = [s for s in scores if s.bid_id == assessment.bid_id and s.criterion_id == criterion.pk]
            own = next((s for s in mine if seat is not None and s.member_id == seat.pk), None)
            consensus = next((s for s in mine if s.member_id is None), None)
            cell = MarkCell(
                criterion=criterion,
                own=own,
                marks=[s for s in mine if s.member_id is not None],
                consensus=consensus,
                effective=effective.get((assessment.bid_id, criterion.pk)),
            )
            if with_forms:
                if bound is not None and bound[0] == assessment.bid_id and bound[1] == criterion.pk:
                    cell.form = bound[2]
                else:
                    given = own if with_forms == "own" else consensus
                    initial = {"mark": given.mark, "justification": given.justification} if given else None
                    cell.form = MarkForm(prefix=_mark_prefix(assessment.bid_id, criterion.pk), initial=initial)
            cells.append(cell)
        rows.append(MarkRow(assessment=assessment, cells=cells))
    return rows


def _marks_page(
    request: HttpRequest,
    user: User,
    tender: Tender,
    lot: Lot,
    *,
    sheet: str,
    bound: tuple[uuid.UUID, uuid.UUID, MarkForm] | None = None,
) -> HttpResponse:
    evaluation = _evaluation(tender)
    you = _you(user, tender)
    method = selectors.method_of(tender)
    consensus_mode = evaluation.score_mode == ScoreMode.CONSENSUS
    if sheet == "own":
        with_forms = "own" if you["can_score"] else ""
    else:
        with_forms = "consensus" if you["can_manage"] and consensus_mode else ""
    rows = (
        _mark_rows(user, tender, evaluation, lot, with_forms=with_forms, bound=bound)
        if method is Method.PRICE_QUALITY
        else []
    )
    context = {
        "tender": tender,
        "evaluation": evaluation,
        "lot": lot,
        "lots": list(tender.lots.order_by("position")),
        "rows": rows,
        "criteria": selectors.quality_criteria(tender) if method is Method.PRICE_QUALITY else [],
        "you": you,
        "sheet": sheet,
        "with_forms": with_forms,
        "consensus_mode": consensus_mode,
        "method": method.value,
        "form": bound[2] if bound is not None else None,
    }
    return _respond(request, "evaluation/marks.html", context)


def _mark_post(request: HttpRequest, ocid: str, lot_id: str, *, sheet: str) -> HttpResponse:
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    lot_ = _lot_or_404(tender, lot_id)
    if sheet == "own":
        _require(access.check_can_score, user, tender)
    else:
        _require(access.check_can_manage_evaluation, user, tender)
    try:
        bid_id = uuid.UUID(str(request.POST.get("bid", "")))
        criterion_id = uuid.UUID(str(request.POST.get("criterion", "")))
    except ValueError:
        raise Http404 from None
    assessment = _assessment_or_404(tender, bid_id)
    criterion = tender.criteria.filter(pk=criterion_id).first()
    if criterion is None or assessment.lot_id != lot_.pk:
        raise Http404
    form = MarkForm(request.POST, prefix=_mark_prefix(bid_id, criterion_id))
    if form.is_valid():
        service = services.score_record if sheet == "own" else services.consensus_record
        if call_service(
            form,
            service,
            actor=user,
            bid=assessment.bid,
            criterion=criterion,
            mark=form.cleaned_data["mark"],
            justification=form.cleaned_data["justification"],
        ):
            messages.success(request, _("The mark is recorded."))
            name = "evaluation:scores" if sheet == "own" else "evaluation:consensus"
            return redirect(reverse(name, args=[tender.ocid, lot_.local_id]) + f"#bid-{bid_id}")
    return _marks_page(request, user, tender, lot_, sheet=sheet, bound=(bid_id, criterion_id, form))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scores(request: HttpRequest, ocid: str, lot_id: str) -> HttpResponse:
    """The score sheet: an evaluator's own mark and justification for each bid and quality
    criterion. Others who read the evaluation see every evaluator's marks, without forms."""
    if request.method == "POST":
        return _mark_post(request, ocid, lot_id, sheet="own")
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_view_evaluation, user, tender)
    return _marks_page(request, user, tender, _lot_or_404(tender, lot_id), sheet="own")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consensus(request: HttpRequest, ocid: str, lot_id: str) -> HttpResponse:
    """Every evaluator's marks side by side and, in consensus mode, the mark the panel agreed."""
    if request.method == "POST":
        return _mark_post(request, ocid, lot_id, sheet="consensus")
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_view_evaluation, user, tender)
    return _marks_page(request, user, tender, _lot_or_404(tender, lot_id), sheet="consensus")


# --- The ranking ------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD"])
def ranking(request: HttpRequest, ocid: str, lot_id: str) -> HttpResponse:
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    _require(access.check_can_view_evaluation, user, tender)
    lot_ = _lot_or_404(tender, lot_id)
    evaluation = _evaluation(tender)
    method = selectors.method_of(tender)
    lines = selectors.ranking(tender, lot_)
    context = {
        "tender": tender,
        "evaluation": evaluation,
        "lot": lot_,
        "lots": list(tender.lots.order_by("position")),
        "lines": lines,
        "ranked": bool(lines) and all(line.rank is not None for line in lines),
        "criteria": selectors.quality_criteria(tender) if method is Method.PRICE_QUALITY else [],
        "unpriced": selectors.unpriced_bids(tender, lot_),
        "disqualified": [
            a for a in selectors.assessments_of(evaluation, lot_) if a.status == AssessmentStatus.DISQUALIFIED
        ],
        "method": method.value,
        "you": _you(user, tender),
    }
    return _respond(request, "evaluation/ranking.html", context)


# --- Two envelopes ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def financial_opening(request: HttpRequest, ocid: str) -> HttpResponse:
    """Two envelopes: open the prices of the qualified bids, once every bid is assessed."""
    user = current_user(request)
    tender = _tender_or_404(request, ocid)
    if not tender.two_envelopes:
        raise Http404
    if request.method == "POST":
        _require(access.check_can_manage_evaluation, user, tender)
    else:
        _require(access.check_can_view_evaluation, user, tender)
    form = ProcuraForm(request.POST if request.method == "POST" else None)
    if (
        form.is_bound
        and form.is_valid()
        and call_service(form, services.financial_offers_open, actor=user, tender=tender) is not None
    ):
        messages.success(request, _("The financial offers of the qualified bids are open."))
        return redirect("evaluation:evaluation-home", tender.ocid)
    evaluation = _evaluation(tender)
    assessments = selectors.assessments_of(evaluation)
    context = {
        "tender": tender,
        "evaluation": evaluation,
        "form": form,
        "you": _you(user, tender),
        "pending": [a for a in assessments if a.status == AssessmentStatus.PENDING],
        "qualified": [a for a in assessments if a.status == AssessmentStatus.QUALIFIED],
        "disqualified": [a for a in assessments if a.status == AssessmentStatus.DISQUALIFIED],
    }
    return _respond(request, "evaluation/financial_opening.html", context)


# --- The bidder's side ------------------------------------------------------------------------------
def _own_bid_or_404(user: User, bid_id: uuid.UUID) -> Bid:
    """The bid, for its supplier's members; for everyone else there is no such page."""
    bid = bids_selectors.get_bid(bid_id)
    if bid is None or not access.can_view_own_assessment(user, bid):
        raise Http404
    return bid


def _bid_status_page(
    request: HttpRequest, user: User, bid: Bid, *, bound: tuple[uuid.UUID, AnswerForm] | None = None
) -> HttpResponse:
    assessment = selectors.assessment_of(bid)
    now = clock.now()
    can_answer = access.can_answer_clarification(user, bid)
    requests = []
    for request_ in selectors.clarification_requests_of(bid) if assessment is not None else []:
        form = None
        if can_answer and request_.responded_at is None and now <= request_.respond_by:
            form = (
                bound[1]
                if bound is not None and bound[0] == request_.pk
                else AnswerForm(prefix=f"answer-{request_.pk}")
            )
        requests.append((request_, form))
    context = {
        "bid": bid,
        "tender": bid.tender,
        "lot": bid.lot,
        "assessment": assessment,
        "opened": bids_selectors.is_opened(bid.tender),
        "requests": requests,
        "now": now,
        "form": bound[1] if bound is not None else None,
    }
    return _respond(request, "evaluation/bid_status.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def bid_status(request: HttpRequest, bid_id: uuid.UUID) -> HttpResponse:
    """My evaluation: where the bid stands and the clarification requests to answer."""
    user = current_user(request)
    return _bid_status_page(request, user, _own_bid_or_404(user, bid_id))


@login_required
@require_POST
def clarification_answer(request: HttpRequest, bid_id: uuid.UUID, request_id: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    bid = _own_bid_or_404(user, bid_id)
    found = ClarificationRequest.objects.filter(pk=request_id, bid=bid).first()
    if found is None:
        raise Http404
    try:
        access.check_can_answer_clarification(user, bid)
    except REFUSALS as exc:
        raise http_error(exc) from exc
    form = AnswerForm(request.POST, prefix=f"answer-{found.pk}")
    answered = (
        call_service(
            form,
            services.clarification_request_answer,
            actor=user,
            request=found,
            response=form.cleaned_data["response"],
        )
        if form.is_valid()
        else None
    )
    if answered is not None:
        messages.success(request, _("Your answer is sent to the buyer."))
        return redirect("evaluation:bid-status", bid.pk)
    return _bid_status_page(request, user, bid, bound=(found.pk, form))


# --- The tender page's section ----------------------------------------------------------------------
def tender_panel(request: HttpRequest, tender: Tender) -> str:
    """The "Evaluation" section of the public tender page: for the panel, the buyer's officers and
    overseers, the way to the evaluation and what they must do first; for a bidder's members,
    the way to each of its bids' evaluation. "" for everyone else, and before the opening."""
    user = request.user
    if not bids_selectors.is_opened(tender):
        return ""
    sees_panel = access.can_see_panel(user, tender)
    own_bids: list[Bid] = []
    if isinstance(user, User) and user.is_authenticated:
        # The bids of the suppliers the person belongs to (a bidder's members see their own).
        own_bids = list(
            Bid.objects.filter(
                tender=tender,
                opened__version__isnull=False,
                supplier__kind=OrganisationKind.SUPPLIER,
                supplier__memberships__user=user,
            )
            .select_related("supplier", "lot")
            .distinct()
            .order_by("lot__position", "supplier__legal_name")
        )
    if not sees_panel and not own_bids:
        return ""
    seat = access.seat_of(user, tender) if sees_panel else None
    context = {
        "tender": tender,
        "sees_panel": sees_panel,
        "seat": seat,
        "declared": access.has_declared(seat),
        "recused": access.is_recused(seat),
        "can_view": sees_panel and access.can_view_evaluation(user, tender),
        "own_bids": own_bids,
    }
    return render_to_string("evaluation/includes/tender_panel.html", context, request=request)
