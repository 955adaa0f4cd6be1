"""The buyer's tender workspace: drafts in steps, publication, questions, amendments, cancellation.

Pages ask `access` what to show; every change goes through `services`, whose refusals come back
as messages by the inputs they concern (NotFound is the 404 page, PermissionDenied the 403 page
with its message). Drafts are not found outside their buyer and the platform's overseers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts import selectors as accounts_selectors
from procura.accounts.middleware import ACTIVE_ORGANISATION_KEY
from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind
from procura.accounts.views.common import current_user, error_page
from procura.classifications.selectors import units
from procura.core import clock
from procura.core.errors import InvalidInput, NotAuthenticated, NotFound, ProcuraError
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import http_error
from procura.core.pagination import paginate
from procura.documents import selectors as documents_selectors
from procura.documents.access import can_view_document
from procura.documents.services import document_upload
from procura.planning import selectors as planning_selectors
from procura.planning.models import PlanLine, PlanStatus
from procura.tenders import access, rules, selectors, services
from procura.tenders.domain import TenderStatus, next_deadline
from procura.tenders.forms import (
    AMENDABLE_STEPS,
    FIELD_LABELS,
    STEP_TITLES,
    STEPS,
    AnswerForm,
    BasicsForm,
    CancelForm,
    CriteriaForm,
    DocumentForm,
    LotsForm,
    PublishForm,
    ScheduleForm,
    StepForm,
    UnsuccessfulForm,
    anchor_of,
    step_of,
)
from procura.tenders.models import (
    AWARD_CRITERIA_LABELS,
    CATEGORY_LABELS,
    CRITERION_KIND_LABELS,
    PROCEDURE_LABELS,
    STATUS_LABELS,
    Amendment,
    Clarification,
    Tender,
)

PAGE_SIZE = 50
T = TypeVar("T")
REFUSALS = (ServicePermissionDenied, NotAuthenticated, NotFound)


# --- Shared -----------------------------------------------------------------------------------------
def _tender_for(request: HttpRequest, ocid: str, *, manage: bool) -> tuple[User, Tender]:
    """The signed-in person and the tender, if they may see it in the workspace (`manage`: and
    change it); otherwise the 404 page (a draft outside its buyer) or the 403 page."""
    user = current_user(request)
    tender = selectors.tender_get(ocid)
    if tender is None:
        raise Http404
    try:
        access.check_can_view_tender(user, tender)
        if manage:
            access.check_can_manage_tender(user, tender)
        else:
            access.check_can_view_buyer_tenders(user, tender.buyer)
    except REFUSALS as exc:
        raise http_error(exc) from exc
    return user, tender


def _run(service: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a service; a refusal of who acts becomes the 403 or 404 page, other refusals raise."""
    try:
        return service(**kwargs)
    except REFUSALS as exc:
        raise http_error(exc) from exc


def _workspace_buyer(request: HttpRequest, user: User) -> Organisation | None:
    """The buyer whose workspace this is: `?buyer=`, else the organisation the person works for
    (the switcher in the header), else their first buyer."""
    requested = request.GET.get("buyer")
    if requested:
        found = accounts_selectors.organisation_get(requested)
        if found is None or found.kind != OrganisationKind.BUYER:
            raise Http404
        return found
    buyers = [
        e.organisation
        for e in accounts_selectors.organisations_of(user)
        if e.organisation.kind == OrganisationKind.BUYER
    ]
    active = request.session.get(ACTIVE_ORGANISATION_KEY)
    return next((b for b in buyers if str(b.pk) == active), buyers[0] if buyers else None)


def _time_zone() -> str:
    return str(settings.TIME_ZONE)


def _plan_lines(buyer: Organisation, current: PlanLine | None = None) -> list[PlanLine]:
    """Lines of the buyer's published plans (and the line already linked, wherever it is)."""
    lines = [
        line
        for plan in planning_selectors.plans_for(buyer)
        if plan.status == PlanStatus.PUBLISHED
        for line in planning_selectors.lines_of(plan)
    ]
    if current is not None and all(line.pk != current.pk for line in lines):
        lines.insert(0, current)
    return lines


def _edit_url(tender: Tender, step: str) -> str:
    return reverse("tenders:tender-edit", args=[tender.ocid, step])


@dataclass(frozen=True)
class ChecklistEntry:
    message: str
    step_title: str
    url: str


def _checklist(tender: Tender, problems: dict[str, list[str]]) -> list[ChecklistEntry]:
    """What still blocks publication, each with a link to the input where it is put right."""
    entries = []
    for name, texts in problems.items():
        step = step_of(name)
        url = f"{_edit_url(tender, step)}#{anchor_of(name)}"
        entries += [ChecklistEntry(message=text, step_title=str(STEP_TITLES[step]), url=url) for text in texts]
    return entries


@dataclass(frozen=True)
class StepLink:
    name: str
    title: str
    url: str
    complete: bool
    current: bool


def _steps(tender: Tender, current: str, problems: dict[str, list[str]], documents: int) -> list[StepLink]:
    blocked = {step_of(name) for name in problems}
    return [
        StepLink(
            name=step,
            title=str(STEP_TITLES[step]),
            url=_edit_url(tender, step),
            complete=documents > 0 if step == "documents" else step not in blocked,
            current=step == current,
        )
        for step in STEPS
    ]


def _documents(tender: Tender) -> list[Any]:
    return documents_selectors.documents_for(owner_type="tender", owner_id=tender.pk)


# --- The dashboard ----------------------------------------------------------------------------------
@dataclass
class DashboardRow:
    tender: Tender
    status: TenderStatus
    status_label: str
    deadline: tuple[str, dt.datetime] | None
    unanswered: int
    can_edit: bool
    can_amend: bool
    can_cancel: bool
    can_mark_unsuccessful: bool
    links: list[tuple[str, str]] = field(default_factory=list)


def _next_deadline(tender: Tender, now: dt.datetime) -> tuple[str, dt.datetime] | None:
    """What the tender waits for next and when; for a draft, its planned deadline for bids."""
    if not tender.is_published:
        return (_("Deadline for bids (planned)"), tender.tender_end) if tender.tender_end else None
    moment = next_deadline(tender.lifecycle, now)
    if moment is None:
        return None
    labels = [
        (tender.qualification_end, _("Requests to participate close")),
        (tender.enquiry_end, _("Questions close")),
        (tender.tender_end, _("Bids close")),
        (tender.tender_start, _("Bids open")),
        (tender.bid_opening_at, _("Bids are opened")),
    ]
    return next((text for when, text in labels if when == moment), _("Next change")), moment


def _row(tender: Tender, now: dt.datetime, unanswered: int, can_manage: bool) -> DashboardRow:
    status = selectors.status_of(tender, now)
    row = DashboardRow(
        tender=tender,
        status=status,
        status_label=str(STATUS_LABELS[status]),
        deadline=_next_deadline(tender, now),
        unanswered=unanswered,
        can_edit=can_manage and status == TenderStatus.DRAFT,
        can_amend=can_manage and tender.is_published and status in services.AMENDABLE,
        can_cancel=can_manage and tender.is_published and not status.is_final,
        can_mark_unsuccessful=can_manage and status == TenderStatus.EVALUATION,
    )
    if row.can_edit:
        row.links.append((_("Edit"), _edit_url(tender, "basics")))
    row.links.append((_("Preview") if status == TenderStatus.DRAFT else _("Check"), _url("tender-preview", tender)))
    if tender.is_published:
        row.links.append((_("Questions"), _url("tender-questions", tender)))
    if row.can_amend:
        row.links.append((_("Amend"), _url("tender-amend", tender)))
    if row.can_cancel:
        row.links.append((_("Cancel"), _url("tender-cancel", tender)))
    return row


def _url(name: str, tender: Tender) -> str:
    return reverse(f"tenders:{name}", args=[tender.ocid])


@login_required
@require_http_methods(["GET", "HEAD"])
def tender_dashboard(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    buyer = _workspace_buyer(request, user)
    if buyer is None:
        if not access.can_oversee_tenders(user):
            raise PermissionDenied(_("The tender workspace is for the people of a buyer."))
        buyers = accounts_selectors.public_organisations(kind=OrganisationKind.BUYER)
        return render(request, "tenders/workspace/choose_buyer.html", {"buyers": buyers})
    _run(access.check_can_view_buyer_tenders, user=user, buyer=buyer)
    cursor = request.GET.get("cursor") or None
    try:
        page = paginate(selectors.buyer_tenders(buyer), order=("-created_at", "id"), cursor=cursor, limit=PAGE_SIZE)
    except InvalidInput:
        return error_page(request, 400, _("This page link is not valid. Start again from the first page."))
    questions = list(selectors.unanswered_questions(buyer))
    waiting: dict[uuid.UUID, int] = {}
    for question in questions:
        waiting[question.tender_id] = waiting.get(question.tender_id, 0) + 1
    can_manage = access.can_manage_tenders(user, buyer)
    now = clock.now()
    rows = [_row(tender, now, waiting.get(tender.pk, 0), can_manage) for tender in page.items]
    query = f"buyer={buyer.pk}&" if request.GET.get("buyer") else ""
    context = {
        "buyer": buyer,
        "rows": rows,
        "questions": questions,
        "can_manage": can_manage,
        "closed": [row for row in rows if row.can_mark_unsuccessful],
        "is_first_page": cursor is None,
        "first_page_query": query.rstrip("&"),
        "next_page_query": f"{query}cursor={page.next_cursor}" if page.next_cursor else "",
        "new_url": reverse("tenders:tender-new") + (f"?buyer={buyer.pk}" if request.GET.get("buyer") else ""),
    }
    return render(request, "tenders/workspace/dashboard.html", context)


# --- Step 1 of a new tender ------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def tender_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    buyer = _workspace_buyer(request, user)
    if buyer is None:
        raise PermissionDenied(_("Only a procurement officer of a buyer can prepare tenders."))
    _run(access.check_can_manage_tenders, user=user, buyer=buyer)
    lines = _plan_lines(buyer)
    if request.method == "POST":
        form = BasicsForm(request.POST, plan_lines=lines)
    else:
        form = BasicsForm(plan_lines=lines, initial={"currency": rules.current_rulebook().currency})
    if form.is_bound and form.is_valid():
        try:
            tender = _run(
                services.tender_create,
                actor=user,
                buyer=buyer,
                details=form.new_details(),
                plan_line=form.selected_plan_line(),
            )
        except ProcuraError as exc:
            form.attach(exc)
        else:
            messages.success(request, _("The draft is saved. Now add its lots and items."))
            return redirect("tenders:tender-edit", tender.ocid, "lots")
    context = {"buyer": buyer, "form": form, "step_title": STEP_TITLES["basics"], "step_titles": STEP_TITLES.values()}
    return render(request, "tenders/workspace/new.html", context)


# --- The steps of a draft --------------------------------------------------------------------------
def _step_form(step: str, tender: Tender, data: Any = None, *, amend: bool = False) -> StepForm:
    details = services.details_of(tender)
    if step == "basics":
        plan_lines = [] if amend else _plan_lines(tender.buyer, tender.plan_line)
        return BasicsForm(
            data, plan_lines=plan_lines, amend=amend, initial=BasicsForm.initial_from(details, tender.plan_line)
        )
    if step == "lots":
        return LotsForm(data, lots=details.lots, units=units(), amend=amend)
    if step == "criteria":
        return CriteriaForm(
            data,
            award_criteria=details.award_criteria,
            criteria=details.criteria,
            two_envelopes=details.two_envelopes,
            amend=amend,
        )
    return ScheduleForm(
        data,
        procedure_rules=tender.rules.get("procedure", {}),
        time_zone=_time_zone(),
        amend=amend,
        initial=ScheduleForm.initial_from(details),
    )


def _next_step(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def _render_step(
    request: HttpRequest, tender: Tender, step: str, form: Any, *, status: int = 200, **extra: Any
) -> HttpResponse:
    problems = services.tender_publication_problems(tender)
    documents = _documents(tender)
    context = {
        "tender": tender,
        "step": step,
        "step_title": STEP_TITLES[step],
        "steps": _steps(tender, step, problems, len(documents)),
        "form": form,
        "to_do": [
            entry for entry in _checklist(tender, problems) if entry.url.split("#")[0] == _edit_url(tender, step)
        ],
        "time_zone": _time_zone(),
        "next_step": _next_step(step),
        "preview_url": _url("tender-preview", tender),
        **extra,
    }
    return render(request, "tenders/workspace/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def tender_edit(request: HttpRequest, ocid: str, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    user, tender = _tender_for(request, ocid, manage=True)
    if tender.is_published:
        messages.info(request, _("The tender is published: a change is now an amendment, with its rationale."))
        return redirect("tenders:tender-amend", tender.ocid)
    if step == "documents":
        return _documents_step(request, user, tender)
    form = _step_form(step, tender, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        details = form.apply(services.details_of(tender))
        try:
            with transaction.atomic():  # the details and the plan line are saved together or not at all
                saved = _run(services.tender_update, actor=user, tender=tender, details=details)
                if isinstance(form, BasicsForm) and form.selected_plan_line() != tender.plan_line:
                    saved = _run(
                        services.tender_link_plan_line, actor=user, tender=saved, plan_line=form.selected_plan_line()
                    )
        except ProcuraError as exc:
            form.attach(exc)
        else:
            messages.success(request, _("%(step)s: saved.") % {"step": STEP_TITLES[step]})
            following = _next_step(step)
            if request.POST.get("action") == "add" or following is None:
                return redirect(_edit_url(saved, step))
            return redirect(_edit_url(saved, following))
    return _render_step(request, tender, step, form)


def _documents_step(request: HttpRequest, user: User, tender: Tender) -> HttpResponse:
    form = DocumentForm(request.POST, request.FILES) if request.method == "POST" else DocumentForm()
    if form.is_bound and form.is_valid():
        try:
            document = _run(
                document_upload,
                actor=user,
                organisation=tender.buyer,
                owner_type="tender",
                owner_id=tender.pk,
                title=form.cleaned_data["title"],
                document_type=form.cleaned_data["document_type"],
                file=form.cleaned_data["file"],
            )
        except ProcuraError as exc:
            form.attach(exc)
        else:
            messages.success(request, _("%(title)s is added.") % {"title": document.title})
            return redirect(_edit_url(tender, "documents"))
    return _render_step(request, tender, "documents", form, documents=_documents(tender))


# --- Preview and publication ---------------------------------------------------------------------
def _label(labels: Mapping[Any, Any], value: str) -> str:
    return str(labels.get(value, value))


def _notice(tender: Tender, user: Any) -> dict[str, Any]:
    """The tender as the public page shows it (the estimated value only where the rules allow)."""
    return {
        "tender": tender,
        "value_shown": selectors.value_shown(tender),
        "procedure_label": _label(PROCEDURE_LABELS, tender.procedure),
        "category_label": _label(CATEGORY_LABELS, tender.main_category),
        "award_criteria_label": _label(AWARD_CRITERIA_LABELS, tender.award_criteria),
        "criteria": [(c, _label(CRITERION_KIND_LABELS, c.kind)) for c in tender.criteria.all()],
        "lots": list(tender.lots.prefetch_related("items").order_by("position")),
        "documents": [d for d in _documents(tender) if can_view_document(user, d)],
        "time_zone": _time_zone(),
    }


def _render_preview(
    request: HttpRequest, user: User, tender: Tender, form: PublishForm, *, status: int = 200
) -> HttpResponse:
    problems = services.tender_publication_problems(tender)
    status_now = selectors.status_of(tender)
    context = {
        **_notice(tender, user),
        "form": form,
        "checklist": _checklist(tender, problems),
        "status_label": STATUS_LABELS[status_now],
        "can_publish": not tender.is_published and access.can_manage_tenders(user, tender.buyer),
        "steps": _steps(tender, "", problems, len(_documents(tender))) if not tender.is_published else [],
        "public_url": reverse("tenders:tender", args=[tender.ocid]),
    }
    return render(request, "tenders/workspace/preview.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def tender_preview(request: HttpRequest, ocid: str) -> HttpResponse:
    user, tender = _tender_for(request, ocid, manage=False)
    return _render_preview(request, user, tender, PublishForm())


@login_required
@require_POST
def tender_publish(request: HttpRequest, ocid: str) -> HttpResponse:
    user, tender = _tender_for(request, ocid, manage=True)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _render_preview(request, user, tender, form, status=422)
    try:
        published = _run(services.tender_publish, actor=user, tender=tender)
    except ProcuraError as exc:
        form.add_error(None, exc.message)
        return _render_preview(request, user, tender, form, status=422)
    messages.success(request, _("The tender is published."))
    return redirect(reverse("tenders:tender", args=[published.ocid]))


# --- Questions ------------------------------------------------------------------------------------
def _answer_prefix(clarification: Clarification) -> str:
    return f"answer-{clarification.local_id.lower()}"


def _render_questions(
    request: HttpRequest, user: User, tender: Tender, bound: AnswerForm | None = None, *, status: int = 200
) -> HttpResponse:
    can_answer = access.can_manage_tenders(user, tender.buyer)
    # The asker is never shown here: the buyer must not single out a bidder (access.can_see_asker).
    unanswered: list[tuple[Clarification, AnswerForm | None]] = []
    answered: list[Clarification] = []
    for clarification in selectors.clarifications_for_buyer(tender):
        if clarification.answered_at is not None:
            answered.append(clarification)
        elif not can_answer:
            unanswered.append((clarification, None))
        elif bound is not None and bound.prefix == _answer_prefix(clarification):
            unanswered.append((clarification, bound))
        else:
            unanswered.append((clarification, AnswerForm(prefix=_answer_prefix(clarification))))
    context = {
        "tender": tender,
        "unanswered": unanswered,
        "answered": answered,
        "can_answer": can_answer,
        "form": bound,
        "status_label": STATUS_LABELS[selectors.status_of(tender)],
    }
    return render(request, "tenders/workspace/questions.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def tender_questions(request: HttpRequest, ocid: str) -> HttpResponse:
    user, tender = _tender_for(request, ocid, manage=False)
    return _render_questions(request, user, tender)


@login_required
@require_POST
def tender_answer(request: HttpRequest, ocid: str, pk: uuid.UUID) -> HttpResponse:
    user, tender = _tender_for(request, ocid, manage=True)
    clarification = next((c for c in selectors.clarifications_for_buyer(tender) if c.pk == pk), None)
    if clarification is None:
        raise Http404
    form = AnswerForm(request.POST, prefix=_answer_prefix(clarification))
    if form.is_valid():
        try:
            _run(
                services.clarification_answer,
                actor=user,
                clarification=clarification,
                answer=form.cleaned_data["answer"],
            )
        except ProcuraError as exc:
            form.attach(exc)
        else:
            messages.success(request, _("Your answer to %(id)s is published.") % {"id": clarification.local_id})
            return redirect("tenders:tender-questions", tender.ocid)
    return _render_questions(request, user, tender, form, status=422)


# --- Amendments ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AmendmentShown:
    amendment: Amendment
    fields: list[str]


def _shown(amendment: Amendment) -> AmendmentShown:
    names = [str(change.get("field", "")) for change in amendment.changes]
    return AmendmentShown(amendment, [str(FIELD_LABELS.get(name, name.replace("_", " "))) for name in names if name])


@login_required
@require_http_methods(["GET", "POST"])
def tender_amend(request: HttpRequest, ocid: str) -> HttpResponse:
    user, tender = _tender_for(request, ocid, manage=True)
    if not tender.is_published:
        return redirect(_edit_url(tender, "basics"))
    step = request.GET.get("step") or "basics"
    if step not in AMENDABLE_STEPS:
        raise Http404
    status = selectors.status_of(tender)
    amendable = status in services.AMENDABLE
    form = _step_form(step, tender, request.POST if request.method == "POST" else None, amend=True)
    if request.method == "POST" and not amendable:
        form.add_error(
            None, _("The tender can no longer be amended: it is %(status)s.") % {"status": STATUS_LABELS[status]}
        )
    elif form.is_bound and form.is_valid():
        details = form.apply(services.details_of(tender))
        try:
            amendment = _run(
                services.tender_amend,
                actor=user,
                tender=tender,
                details=details,
                rationale=form.cleaned_data["rationale"],
            )
        except ProcuraError as exc:
            form.attach(exc)
        else:
            messages.success(request, _("Amendment %(id)s is published.") % {"id": amendment.local_id})
            return redirect(f"{_url('tender-amend', tender)}?step={step}&amendment={amendment.local_id}")
    made = request.GET.get("amendment")
    amendments = selectors.amendments(tender)
    shown = next((_shown(a) for a in amendments if a.local_id == made), None) if made else None
    context = {
        "tender": tender,
        "step": step,
        "steps": [(name, STEP_TITLES[name], f"{_url('tender-amend', tender)}?step={name}") for name in AMENDABLE_STEPS],
        "form": form,
        "amendable": amendable,
        "status_label": STATUS_LABELS[status],
        "minimum_days": int(tender.rules.get("amendment_minimum_days", 0)),
        "made": shown,
        "history": [_shown(a) for a in amendments],
        "time_zone": _time_zone(),
    }
    return render(request, "tenders/workspace/amend.html", context, status=422 if form.errors else 200)


# --- Cancellation and failure ---------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def tender_cancel(request: HttpRequest, ocid: str) -> HttpResponse:
    user, tender = _tender_for(request, ocid, manage=True)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            _run(services.tender_cancel, actor=user, tender=tender, reason=form.cleaned_data["reason"])
        except ProcuraError as exc:
            form.attach(exc)
        else:
            messages.success(request, _("%(title)s is cancelled.") % {"title": tender.title})
            return redirect("tenders:tender-dashboard")
    status = selectors.status_of(tender)
    context = {
        "tender": tender,
        "form": form,
        "status_label": STATUS_LABELS[status],
        "cancellable": tender.is_published and not status.is_final,
    }
    return render(request, "tenders/workspace/cancel.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def tender_unsuccessful(request: HttpRequest, ocid: str) -> HttpResponse:
    user, tender = _tender_for(request, ocid, manage=True)
    form = UnsuccessfulForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("tenders:tender-dashboard")
    try:
        _run(services.tender_mark_unsuccessful, actor=user, tender=tender, reason=form.cleaned_data["reason"])
    except ProcuraError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(title)s is closed as unsuccessful.") % {"title": tender.title})
    return redirect("tenders:tender-dashboard")


urlpatterns: list[URLPattern] = [
    path("workspace/", tender_dashboard, name="tender-dashboard"),
    path("workspace/new/", tender_new, name="tender-new"),
    path("workspace/<str:ocid>/edit/<str:step>/", tender_edit, name="tender-edit"),
    path("workspace/<str:ocid>/preview/", tender_preview, name="tender-preview"),
    path("workspace/<str:ocid>/publish/", tender_publish, name="tender-publish"),
    path("workspace/<str:ocid>/questions/", tender_questions, name="tender-questions"),
    path("workspace/<str:ocid>/questions/<uuid:pk>/answer/", tender_answer, name="tender-answer"),
    path("workspace/<str:ocid>/amend/", tender_amend, name="tender-amend"),
    path("workspace/<str:ocid>/cancel/", tender_cancel, name="tender-cancel"),
    path("workspace/<str:ocid>/unsuccessful/", tender_unsuccessful, name="tender-unsuccessful"),
]
