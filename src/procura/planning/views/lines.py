"""Plan line pages: adding and changing lines, and a line with its business cases."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts.access import is_signed_in
from procura.accounts.views.common import current_user, run_action
from procura.core.forms import call_service
from procura.core.money import Money
from procura.planning import access, selectors, services
from procura.planning.forms import BusinessCaseDocumentForm, BusinessCaseForm, PlanLineForm
from procura.planning.models import ApprovalDecision, PlanLine
from procura.planning.views.common import (
    approval_display,
    business_case_or_404,
    default_currency,
    line_or_404,
    plan_or_404,
    require,
)


@login_required
@require_http_methods(["GET", "POST"])
def plan_line_add(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id)
    user = current_user(request)
    require(access.check_can_manage_plans, user, plan.buyer)
    if request.method == "POST":
        form = PlanLineForm(request.POST)
    else:
        form = PlanLineForm(initial={"currency": default_currency(plan.buyer)})
    if form.is_bound and form.is_valid():
        line = call_service(form, services.plan_line_add, actor=user, plan=plan, details=form.details())
        if line is not None:
            messages.success(request, _("The line “%(title)s” is added.") % {"title": line.title})
            return redirect("planning:plan-edit", plan.pk)
    return render(request, "planning/line_form.html", {"plan": plan, "line": None, "form": form})


def _amount(amount: Decimal, currency: str) -> Decimal:
    """An amount as people write it in its currency: 250000.00 EUR, not the stored 250000.0000."""
    return Money(amount, currency).quantized().amount


def _line_initial(line: PlanLine) -> dict[str, Any]:
    initial = {name: getattr(line, name) for name in PlanLineForm.base_fields}
    initial["estimated_amount"] = _amount(line.estimated_amount, line.currency)
    return {**initial, "lots": line.lots}


@login_required
@require_http_methods(["GET", "POST"])
def plan_line_edit(request: HttpRequest, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(request, line_id)
    user = current_user(request)
    require(access.check_can_manage_plans, user, line.plan.buyer)
    form = PlanLineForm(request.POST) if request.method == "POST" else PlanLineForm(initial=_line_initial(line))
    if form.is_bound and form.is_valid():
        updated = call_service(form, services.plan_line_update, actor=user, line=line, details=form.details())
        if updated is not None:
            messages.success(request, _("The line “%(title)s” is saved.") % {"title": updated.title})
            return redirect("planning:plan-edit", line.plan_id)
    return render(request, "planning/line_form.html", {"plan": line.plan, "line": line, "form": form})


@login_required
@require_POST
def plan_line_remove(request: HttpRequest, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(request, line_id)
    user = current_user(request)
    require(access.check_can_manage_plans, user, line.plan.buyer)
    if run_action(request, services.plan_line_remove, actor=user, line=line):
        messages.success(request, _("The line “%(title)s” is removed.") % {"title": line.title})
    return redirect("planning:plan-edit", line.plan_id)


def _line_page(
    request: HttpRequest,
    line: PlanLine,
    *,
    case_form: BusinessCaseForm | None = None,
    document_form: BusinessCaseDocumentForm | None = None,
) -> HttpResponse:
    user = request.user
    buyer = line.plan.buyer
    can_see_inside = access.can_see_inside(user, buyer)
    can_submit = access.can_submit_business_case(user, buyer)
    cases = selectors.business_cases_of(line) if can_see_inside else []
    pending = next((c for c in cases if c.decision == ApprovalDecision.PENDING), None)
    # One case at a time awaits a decision: until it is decided, documents can be added to it
    # instead of submitting another. A refused submission is still shown with its errors.
    if can_submit and pending is None and case_form is None:
        case_form = BusinessCaseForm(
            initial={"currency": line.currency, "estimated_amount": _amount(line.estimated_amount, line.currency)}
        )
    if case_form is not None and pending is not None and not case_form.errors:
        case_form = None
    if can_submit and pending is not None and document_form is None:
        document_form = BusinessCaseDocumentForm(auto_id="id_document_%s")
    documents = selectors.business_case_documents(cases)
    approval = selectors.spend_approvals(buyer=buyer, lines=[line])[line.pk]
    context = {
        "line": line,
        "plan": line.plan,
        **approval_display(approval),
        "can_see_inside": can_see_inside,
        "can_manage": access.can_manage_plans(user, buyer),
        "entries": [{"case": case, "documents": documents[case.pk]} for case in cases],
        "pending": pending,
        "case_form": case_form,
        "document_form": document_form if pending is not None else None,
        # The page title says "Error:" when either form has errors.
        "form": case_form if case_form is not None and case_form.errors else document_form,
    }
    return render(request, "planning/line_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def plan_line(request: HttpRequest, line_id: uuid.UUID) -> HttpResponse:
    """A line and, for the buyer's people, its business cases; officers submit one here."""
    line = line_or_404(request, line_id)
    if request.method != "POST":
        return _line_page(request, line)
    if not is_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    user = current_user(request)
    require(access.check_can_submit_business_case, user, line.plan.buyer)
    form = BusinessCaseForm(request.POST)
    if form.is_valid():
        case = call_service(
            form,
            services.business_case_submit,
            actor=user,
            plan_line=line,
            need=form.cleaned_data["need"],
            estimated_amount=form.cleaned_data["estimated_amount"],
            currency=form.cleaned_data["currency"],
            options_considered=form.cleaned_data["options_considered"],
        )
        if case is not None:
            messages.success(request, _("The business case is submitted. An approver will decide on it."))
            return redirect("planning:plan-line", line.pk)
    return _line_page(request, line, case_form=form)


@login_required
@require_POST
def plan_business_case_document(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = business_case_or_404(request, case_id)
    user = current_user(request)
    require(access.check_can_submit_business_case, user, case.plan_line.plan.buyer)
    form = BusinessCaseDocumentForm(request.POST, request.FILES, auto_id="id_document_%s")
    if form.is_valid():
        document = call_service(
            form,
            services.business_case_document_add,
            actor=user,
            business_case=case,
            title=form.cleaned_data["title"],
            document_type=form.cleaned_data["document_type"],
            file=form.cleaned_data["file"],
        )
        if document is not None:
            messages.success(request, _("The document “%(title)s” is attached.") % {"title": document.title})
            return redirect("planning:plan-line", case.plan_line_id)
    line = selectors.plan_line_get(case.plan_line_id)
    assert line is not None
    return _line_page(request, line, document_form=form)
