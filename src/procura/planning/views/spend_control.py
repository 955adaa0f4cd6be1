"""Spend-control pages: the approvers' inbox and decisions, and the buyer's threshold."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts.models import Organisation
from procura.accounts.views.common import current_user
from procura.core.forms import call_service
from procura.planning import access, selectors, services
from procura.planning.forms import DecisionForm, ThresholdForm
from procura.planning.models import ApprovalDecision, BusinessCase
from procura.planning.views.common import business_case_or_404, buyer_or_404, default_currency, require


def _decision_form(case: BusinessCase, data: dict[str, str] | None = None) -> DecisionForm:
    return DecisionForm(data, auto_id=f"id_{case.pk.hex}_%s")


def _approvals_page(
    request: HttpRequest, buyer: Organisation, *, failed: BusinessCase | None = None, form: DecisionForm | None = None
) -> HttpResponse:
    user = request.user
    cases = list(selectors.business_cases_awaiting_decision(buyer))
    documents = selectors.business_case_documents(cases)
    entries = [
        {
            "case": case,
            "documents": documents[case.pk],
            "own": not access.can_decide_business_case(user, case),
            "form": form if failed is not None and case.pk == failed.pk else _decision_form(case),
        }
        for case in cases
    ]
    return render(request, "planning/approvals.html", {"buyer": buyer, "entries": entries, "form": form})


@login_required
@require_http_methods(["GET", "HEAD"])
def plan_approvals(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    buyer = buyer_or_404(organisation_id)
    require(access.check_can_decide_business_cases, current_user(request), buyer)
    return _approvals_page(request, buyer)


@login_required
@require_POST
def plan_business_case_decide(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = business_case_or_404(request, case_id)
    user = current_user(request)
    buyer = case.plan_line.plan.buyer
    require(access.check_can_decide_business_case, user, case)
    form = _decision_form(case, request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        decided = call_service(
            form,
            services.business_case_decide,
            actor=user,
            business_case=case,
            approve=approve,
            reasons=form.cleaned_data["reasons"],
        )
        if decided is not None:
            message = (
                _("You approved the business case for “%(title)s”.")
                if approve
                else _("You rejected the business case for “%(title)s”.")
            )
            messages.success(request, message % {"title": case.plan_line.title})
            return redirect("planning:plan-approvals", buyer.pk)
    if case.decision != ApprovalDecision.PENDING:  # decided meanwhile: it is no longer in the inbox to show the error
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("planning:plan-approvals", buyer.pk)
    return _approvals_page(request, buyer, failed=case, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def plan_spend_control(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    buyer = buyer_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_set_spend_control_threshold, user, buyer)
    threshold = selectors.spend_control_threshold(buyer)
    if request.method == "POST":
        form = ThresholdForm(request.POST)
    elif threshold is not None:
        form = ThresholdForm(initial={"amount": threshold.amount, "currency": threshold.currency})
    else:
        form = ThresholdForm(initial={"currency": default_currency(buyer)})
    if form.is_bound and form.is_valid():
        policy = call_service(
            form,
            services.spend_control_threshold_set,
            actor=user,
            buyer=buyer,
            amount=form.cleaned_data["amount"],
            currency=form.cleaned_data["currency"],
        )
        if policy is not None:
            messages.success(request, _("The spend-control threshold is saved."))
            return redirect("planning:plan-workspace", buyer.pk)
    return render(request, "planning/spend_control.html", {"buyer": buyer, "form": form, "threshold": threshold})
