"""Award and complaint pages: the buyer's award page of a lot, the public award notice, each
bidder's decision notices, filing a complaint, the public complaint page, the review body's queue
and decision, withdrawal, and the "Award" section of the public tender page.

What is public (the decision, its reasons, the public part of complaints and decisions) is shown
to everyone; what a complainant or the review body marks confidential is shown only to those
`award_access.can_see_confidential` lets in, marked as confidential, and those pages are never
cached for others. Every change goes through `awards` and `complaints`; their refusals come back
by the inputs they name, and a refusal of who acts becomes the 403 or 404 page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts.models import User
from procura.accounts.views.common import current_user
from procura.bids.models import BidOpening
from procura.core import clock
from procura.core.errors import NotAuthenticated, NotFound, ProcuraError
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import ProcuraForm, http_error
from procura.core.money import Money
from procura.documents.access import can_view_document
from procura.documents.models import Document
from procura.evaluation import award_access as access
from procura.evaluation import awards, complaints, selectors
from procura.evaluation.award_forms import AwardDecideForm, ComplaintDecisionForm, ComplaintForm, LotCloseForm
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    Award,
    AwardStatus,
    Complaint,
    ComplaintStatus,
    DecisionNotice,
)
from procura.tenders import selectors as tender_selectors
from procura.tenders.domain import TenderStatus
from procura.tenders.models import Lot, Tender

T = TypeVar("T")
REFUSALS = (ServicePermissionDenied, NotAuthenticated, NotFound)
# These pages differ by who reads them (confidential parts): caches keep them private.
PRIVATE = "private, no-cache"

AWARD_TAGS = {
    AwardStatus.PENDING: "tag-warning",
    AwardStatus.ACTIVE: "tag-good",
    AwardStatus.CANCELLED: "",
    AwardStatus.UNSUCCESSFUL: "",
}
COMPLAINT_TAGS = {
    ComplaintStatus.PENDING: "tag-warning",
    ComplaintStatus.UPHELD: "tag-good",
    ComplaintStatus.DISMISSED: "",
    ComplaintStatus.WITHDRAWN: "",
}


def _check(check: Callable[..., Any], *args: Any) -> Any:
    """An access check whose refusal becomes the 403 or 404 page."""
    try:
        return check(*args)
    except REFUSALS as exc:
        raise http_error(exc) from exc


def _run(form: Any, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """A service for a valid form: its refusal of who acts is the 403/404 page, any other goes
    onto the form; None then."""
    try:
        return service(**kwargs)
    except REFUSALS as exc:
        raise http_error(exc) from exc
    except ProcuraError as exc:
        form.add_service_errors(exc)
        return None


def _tender_or_404(user: Any, ocid: str) -> Tender:
    tender = tender_selectors.tender_visible(user, ocid) if len(ocid) <= 64 else None
    if tender is None:
        raise Http404
    return tender


def _award_or_404(user: Any, ocid: str, local_id: str) -> Award:
    tender = _tender_or_404(user, ocid)
    award = selectors.award_get(tender, local_id)
    if award is None:
        raise Http404
    return award


def _documents(user: Any, complaint: Complaint, *, confidential: bool) -> list[Document]:
    return [
        document
        for document in selectors.complaint_documents(complaint, confidential=confidential)
        if can_view_document(user, document)
    ]


# --- The buyer's award page of a lot ---------------------------------------------------------------
def _lot_or_404(user: User, ocid: str, lot_id: str) -> tuple[Tender, Lot]:
    """The tender and lot, once its bids are opened (before that the page does not exist), for
    those who may see the award page (the others get the 403 page with the reason)."""
    tender = _tender_or_404(user, ocid)
    lot = tender.lots.filter(local_id=lot_id).first()
    if lot is None or not BidOpening.objects.filter(tender_id=tender.pk).exists():
        raise Http404
    _check(access.check_can_view_award_workspace, user, tender)
    return tender, lot


def _bid_label(line: selectors.RankedLine) -> str:
    rank = _("rank %(rank)s") % {"rank": line.rank} if line.rank is not None else _("not ranked yet")
    return f"{line.supplier.legal_name} ({rank})"


def _decide_form(lines: list[selectors.RankedLine], data: Any = None) -> AwardDecideForm:
    awardable = [line for line in lines if line.status == AssessmentStatus.QUALIFIED]
    language = get_language() or "en"
    hints = {
        str(line.bid.pk): " · ".join(
            part
            for part in (
                Money(line.price, line.currency).format(language),
                _("%(total)s points") % {"total": line.total} if line.total is not None else "",
                _("abnormally low price, accepted") if line.abnormally_low else "",
            )
            if part
        )
        for line in awardable
    }
    return AwardDecideForm(data, choices=[(str(line.bid.pk), _bid_label(line)) for line in awardable], hints=hints)


def _award_page(
    request: HttpRequest,
    user: User,
    tender: Tender,
    lot: Lot,
    *,
    decide_form: AwardDecideForm | None = None,
    close_form: LotCloseForm | None = None,
) -> HttpResponse:
    lines = selectors.ranking(tender, lot)
    evaluation = selectors.evaluation_get(tender)
    assessments: list[Assessment] = selectors.assessments_of(evaluation, lot) if evaluation is not None else []
    standing = selectors.standing_award(lot)
    status = tender_selectors.status_of(tender)
    can_decide = access.can_decide_award(user, tender) and standing is None and status == TenderStatus.EVALUATION
    context = {
        "tender": tender,
        "lot": lot,
        "lines": lines,
        "method": str(selectors.method_of(tender)),
        "pending": [a for a in assessments if a.status == AssessmentStatus.PENDING],
        "disqualified": [a for a in assessments if a.status == AssessmentStatus.DISQUALIFIED],
        "unpriced": selectors.unpriced_bids(tender, lot),
        "standing": standing,
        "history": [
            a for a in selectors.tender_awards(tender) if a.lot_id == lot.pk and a.status == AwardStatus.CANCELLED
        ],
        "can_decide": can_decide,
        "decide_form": (decide_form or _decide_form(lines)) if can_decide else None,
        "close_form": (close_form or LotCloseForm()) if can_decide else None,
        "standstill_days": awards.standstill_period().total_seconds() / 86400,
        "form": decide_form if decide_form is not None and decide_form.errors else close_form,
    }
    response = render(request, "awards/award_lot.html", context)
    response["Cache-Control"] = PRIVATE
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def award_lot(request: HttpRequest, ocid: str, lot_id: str) -> HttpResponse:
    """The lot's ranking and the award decision; posting decides the award."""
    user = current_user(request)
    tender, lot = _lot_or_404(user, ocid, lot_id)
    if request.method != "POST":
        return _award_page(request, user, tender, lot)
    _check(access.check_can_decide_award, user, tender)
    form = _decide_form(selectors.ranking(tender, lot), data=request.POST)
    if form.is_valid():
        bid = next(
            (line.bid for line in selectors.ranking(tender, lot) if str(line.bid.pk) == form.cleaned_data["bid"]), None
        )
        if bid is None:
            form.add_error("bid", _("Choose one of the bids listed."))
        else:
            award = _run(form, awards.award_decide, actor=user, lot=lot, bid=bid, reasons=form.cleaned_data["reasons"])
            if award is not None:
                messages.success(
                    request,
                    _(
                        "The award is decided and every bidder has its decision notice. The standstill runs until it "
                        "ends; no contract can be signed before then."
                    ),
                )
                return redirect("awards:award", tender.ocid, award.local_id)
    return _award_page(request, user, tender, lot, decide_form=form)


@login_required
@require_POST
def award_close(request: HttpRequest, ocid: str, lot_id: str) -> HttpResponse:
    """Close the lot without award."""
    user = current_user(request)
    tender, lot = _lot_or_404(user, ocid, lot_id)
    _check(access.check_can_decide_award, user, tender)
    form = LotCloseForm(request.POST)
    if form.is_valid():
        award = _run(form, awards.lot_close_without_award, actor=user, lot=lot, reason=form.cleaned_data["reason"])
        if award is not None:
            messages.success(request, _("The lot is closed without award. Every bidder has its decision notice."))
            return redirect("awards:award", tender.ocid, award.local_id)
    return _award_page(request, user, tender, lot, close_form=form)


# --- The public award notice -------------------------------------------------------------------------
@dataclass(frozen=True)
class ComplaintRow:
    complaint: Complaint
    status_tag: str


def _complaint_rows(award: Award) -> list[ComplaintRow]:
    return [
        ComplaintRow(complaint=c, status_tag=COMPLAINT_TAGS.get(ComplaintStatus(c.status), ""))
        for c in award.complaints.select_related("complainant").order_by("filed_at", "id")
    ]


@require_http_methods(["GET", "HEAD"])
def award_notice(request: HttpRequest, ocid: str, local_id: str) -> HttpResponse:
    """The award decision as published: winner, value, dates, reasons, bids, complaints."""
    award = _award_or_404(request.user, ocid, local_id)
    now = clock.now()
    notices = [
        notice
        for notice in award.notices.select_related("supplier")
        if access.is_notice_recipient(request.user, notice)
    ]
    context = {
        "award": award,
        "tender": award.tender,
        "lot": award.lot,
        "status_tag": AWARD_TAGS.get(AwardStatus(award.status), ""),
        "bid_count": selectors.lot_bid_count(award.lot),
        "complaints": _complaint_rows(award),
        "signature_block": selectors.signature_block_reason(award, now)
        if award.status != AwardStatus.CANCELLED
        else "",
        "can_complain": access.can_file_complaint(request.user, award)
        and award.standstill_ends_at is not None
        and now < award.standstill_ends_at,
        "my_notices": notices,
    }
    response = render(request, "awards/award_notice.html", context)
    response["Cache-Control"] = PRIVATE
    return response


# --- Decision notices -------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD"])
def decision_notices(request: HttpRequest) -> HttpResponse:
    """The decision notices sent to the person's suppliers."""
    user = current_user(request)
    suppliers = access.notice_suppliers(user)
    if not suppliers:
        raise PermissionDenied(
            _("Decision notices are sent to bidders. Your account is not a member of any supplier organisation.")
        )
    context = {"notices": selectors.decision_notices_for(suppliers)}
    response = render(request, "awards/decision_notices.html", context)
    response["Cache-Control"] = PRIVATE
    return response


def _notice_or_404(user: User, notice_id: uuid.UUID) -> DecisionNotice:
    notice = selectors.decision_notice_get(notice_id)
    if notice is None:
        raise Http404
    _check(access.check_can_view_notice, user, notice)
    return notice


@login_required
@require_http_methods(["GET", "HEAD"])
def decision_notice(request: HttpRequest, notice_id: uuid.UUID) -> HttpResponse:
    """One bidder's decision notice; opening it records that the bidder has read it."""
    user = current_user(request)
    notice = _notice_or_404(user, notice_id)
    if request.method == "GET":
        notice = awards.decision_notice_mark_read(actor=user, notice=notice)
    award = notice.award
    content = notice.content or {}
    now = clock.now()
    context = {
        "notice": notice,
        "award": award,
        "tender": award.tender,
        "lot": award.lot,
        "content": content,
        "result": content.get("result") or {},
        "winner": content.get("winner"),
        "can_complain": access.can_file_complaint(user, award)
        and award.standstill_ends_at is not None
        and now < award.standstill_ends_at,
    }
    response = render(request, "awards/decision_notice.html", context)
    response["Cache-Control"] = PRIVATE
    return response


# --- Complaints ------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_file(request: HttpRequest, ocid: str, local_id: str) -> HttpResponse:
    """File a complaint about an award, during its standstill."""
    user = current_user(request)
    award = _award_or_404(user, ocid, local_id)
    suppliers = access.complaint_suppliers(user, award)
    if not suppliers:
        raise PermissionDenied(
            _("Only a bid manager of a bidder for this lot, other than the winner, can complain about the award.")
        )
    form = ComplaintForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        suppliers=suppliers,
    )
    if form.is_bound and form.is_valid():
        documents = []
        if form.cleaned_data.get("public_document"):
            documents.append(complaints.ComplaintDocument(file=form.cleaned_data["public_document"]))
        if form.cleaned_data.get("confidential_document"):
            documents.append(
                complaints.ComplaintDocument(file=form.cleaned_data["confidential_document"], confidential=True)
            )
        complaint = _run(
            form,
            complaints.complaint_file,
            actor=user,
            award=award,
            grounds=form.cleaned_data["grounds"],
            confidential_grounds=form.cleaned_data.get("confidential_grounds") or "",
            documents=documents,
            complainant=form.chosen_complainant(),
        )
        if complaint is not None:
            messages.success(
                request,
                _("Your complaint is filed. No contract can be signed for this lot until the review body decides it."),
            )
            return redirect("complaints:complaint", complaint.pk)
    now = clock.now()
    context = {
        "award": award,
        "tender": award.tender,
        "lot": award.lot,
        "form": form,
        "open": award.status == AwardStatus.PENDING
        and award.standstill_ends_at is not None
        and now < award.standstill_ends_at,
    }
    response = render(request, "complaints/complaint_file.html", context)
    response["Cache-Control"] = PRIVATE
    return response


def _complaint_or_404(user: Any, complaint_id: uuid.UUID) -> Complaint:
    complaint = selectors.complaint_get(complaint_id)
    if complaint is None:
        raise Http404
    _check(access.check_can_view_complaint, user, complaint)
    return complaint


@require_http_methods(["GET", "HEAD"])
def complaint(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    """A complaint and its decision: the public parts for everyone; the confidential parts only
    for the complainant, the review body and the platform's auditors, marked as such."""
    found = _complaint_or_404(request.user, complaint_id)
    confidential = access.can_see_confidential(request.user, found)
    pending = found.status == ComplaintStatus.PENDING
    context = {
        "complaint": found,
        "award": found.award,
        "tender": found.award.tender,
        "lot": found.award.lot,
        "status_tag": COMPLAINT_TAGS.get(ComplaintStatus(found.status), ""),
        "show_confidential": confidential,
        "documents": _documents(request.user, found, confidential=False),
        "confidential_documents": _documents(request.user, found, confidential=True) if confidential else [],
        "can_withdraw": pending and access.can_withdraw_complaint(request.user, found),
        "can_decide": pending and access.can_decide_complaint(request.user),
    }
    response = render(request, "complaints/complaint.html", context)
    response["Cache-Control"] = PRIVATE
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def complaint_review(request: HttpRequest) -> HttpResponse:
    """The review body's queue: complaints under review, then the latest decided."""
    user = current_user(request)
    _check(access.check_can_decide_complaint, user)
    context = {"pending": selectors.complaints_pending(), "decided": selectors.complaints_decided()}
    response = render(request, "complaints/review.html", context)
    response["Cache-Control"] = PRIVATE
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_decide(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    """The review body upholds or dismisses a complaint."""
    user = current_user(request)
    found = _complaint_or_404(user, complaint_id)
    _check(access.check_can_decide_complaint, user)
    form = ComplaintDecisionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        decided = _run(
            form,
            complaints.complaint_decide,
            actor=user,
            complaint=found,
            upheld=form.upheld(),
            decision=form.cleaned_data["decision"],
            confidential_decision=form.cleaned_data.get("confidential_decision") or "",
        )
        if decided is not None:
            if decided.status == ComplaintStatus.UPHELD:
                messages.success(
                    request, _("The complaint is upheld. The award is cancelled; the lot is evaluated again.")
                )
            else:
                messages.success(request, _("The complaint is dismissed. The award stands."))
            return redirect("complaints:complaint", found.pk)
    context = {
        "complaint": found,
        "award": found.award,
        "tender": found.award.tender,
        "lot": found.award.lot,
        "form": form,
        "documents": _documents(user, found, confidential=False),
        "confidential_documents": _documents(user, found, confidential=True),
        "pending": found.status == ComplaintStatus.PENDING,
    }
    response = render(request, "complaints/complaint_decide.html", context)
    response["Cache-Control"] = PRIVATE
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_withdraw(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    """The complainant withdraws its complaint, after a page that says what it means."""
    user = current_user(request)
    found = _complaint_or_404(user, complaint_id)
    _check(access.check_can_withdraw_complaint, user, found)
    form = ProcuraForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            complaints.complaint_withdraw(actor=user, complaint=found)
        except REFUSALS as exc:
            raise http_error(exc) from exc
        except ProcuraError as exc:
            form.is_valid()
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your complaint is withdrawn."))
            return redirect("complaints:complaint", found.pk)
    context = {
        "complaint": found,
        "award": found.award,
        "tender": found.award.tender,
        "lot": found.award.lot,
        "form": form,
    }
    return render(request, "complaints/complaint_withdraw.html", context)


# --- The "Award" section of the public tender page --------------------------------------------------
@dataclass(frozen=True)
class LotDecision:
    lot: Lot
    award: Award | None  # the standing decision
    cancelled: list[Award]
    complaints: list[ComplaintRow]
    status_tag: str


def award_panel(request: HttpRequest, tender: Tender) -> str:
    """The tender page's award section: each lot's decision (winner, value, standstill), the
    complaints and their outcome, publicly; for those who may, the way to each lot's award
    page. "" before the bids are opened and while nothing is decided for anyone else."""
    opened = BidOpening.objects.filter(tender_id=tender.pk).exists()
    if not opened:
        return ""
    decisions = selectors.tender_awards(tender)
    workspace = access.can_view_award_workspace(request.user, tender)
    if not decisions and not workspace:
        return ""
    lots = []
    for lot in tender.lots.order_by("position"):
        mine = [a for a in decisions if a.lot_id == lot.pk]
        standing = next((a for a in mine if a.status != AwardStatus.CANCELLED), None)
        rows = [
            ComplaintRow(complaint=c, status_tag=COMPLAINT_TAGS.get(ComplaintStatus(c.status), ""))
            for a in mine
            for c in a.complaints.all()
        ]
        lots.append(
            LotDecision(
                lot=lot,
                award=standing,
                cancelled=[a for a in mine if a.status == AwardStatus.CANCELLED],
                complaints=rows,
                status_tag=AWARD_TAGS.get(AwardStatus(standing.status), "") if standing else "",
            )
        )
    context = {"tender": tender, "lots": lots, "workspace": workspace, "now": clock.now()}
    return render_to_string("awards/tender_panel.html", context, request=request)
