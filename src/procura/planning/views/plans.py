"""Plan pages: the public list and plan pages, a buyer's plans, editing and publishing a plan."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from procura.accounts import selectors as accounts_selectors
from procura.accounts.roles import OrganisationKind
from procura.accounts.views.common import current_user, error_page, run_action
from procura.core.errors import InvalidInput
from procura.core.forms import call_service
from procura.planning import access, selectors, services
from procura.planning.forms import PlanEditForm, PlanFilterForm, PlanForm
from procura.planning.models import PlanStatus, ProcurementPlan
from procura.planning.views.common import approval_display, buyer_or_404, plan_or_404, require

PAGE_SIZE = 50


@require_http_methods(["GET", "HEAD"])
def plan_list(request: HttpRequest) -> HttpResponse:
    buyers = selectors.buyers_with_published_plans()
    form = PlanFilterForm(
        request.GET,
        buyers=[(str(b.pk), b.legal_name) for b in buyers],
        years=selectors.published_plan_years(),
    )
    form.is_valid()  # a choice that is not offered is ignored; the other filter still applies
    buyer = form.cleaned_data.get("buyer") or ""
    year = form.cleaned_data.get("year")
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.published_plans(
            buyer_id=uuid.UUID(buyer) if buyer else None, year=year, cursor=cursor, limit=PAGE_SIZE
        )
    except InvalidInput:
        return error_page(request, 400, _("This page link is not valid. Start again from the first page."))
    query = {k: v for k, v in {"buyer": buyer, "year": year or ""}.items() if v}
    my_buyers = [
        entry.organisation
        for entry in accounts_selectors.organisations_of(request.user)  # type: ignore[arg-type]
        if entry.organisation.kind == OrganisationKind.BUYER
    ]
    context = {
        "form": form,
        "page": page,
        "is_first_page": cursor is None,
        "first_page_query": urlencode(query),
        "next_page_query": urlencode({**query, "cursor": page.next_cursor}) if page.next_cursor else "",
        "my_buyers": my_buyers,
    }
    return render(request, "planning/plan_list.html", context)


def _line_rows(plan: ProcurementPlan) -> list[dict[str, Any]]:
    lines = selectors.lines_of(plan)
    approvals = selectors.spend_approvals(buyer=plan.buyer, lines=lines)
    return [{"line": line, **approval_display(approvals[line.pk])} for line in lines]


@require_http_methods(["GET", "HEAD"])
def plan_detail(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id)
    context = {
        "plan": plan,
        "rows": _line_rows(plan),
        "can_manage": access.can_manage_plans(request.user, plan.buyer),
        "can_see_inside": access.can_see_inside(request.user, plan.buyer),
    }
    return render(request, "planning/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_workspace(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    buyer = buyer_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_see_inside, user, buyer)
    can_manage = access.can_manage_plans(user, buyer)
    if request.method == "POST":
        require(access.check_can_manage_plans, user, buyer)
    form = PlanForm(request.POST if request.method == "POST" else None) if can_manage else None
    if form is not None and form.is_bound and form.is_valid():
        plan = call_service(
            form,
            services.plan_create,
            actor=user,
            buyer=buyer,
            year=form.cleaned_data["year"],
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        if plan is not None:
            messages.success(request, _("The plan is created as a draft. Add its lines, then publish it."))
            return redirect("planning:plan-edit", plan.pk)
    can_decide = access.can_decide_business_cases(user, buyer)
    context = {
        "buyer": buyer,
        "plans": selectors.plans_for(buyer),
        "form": form,
        "threshold": selectors.spend_control_threshold(buyer),
        "can_set_threshold": access.can_set_spend_control_threshold(user, buyer),
        "can_decide": can_decide,
        "awaiting_count": selectors.business_cases_awaiting_decision(buyer).count() if can_decide else 0,
    }
    return render(request, "planning/workspace.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id)
    user = current_user(request)
    require(access.check_can_manage_plans, user, plan.buyer)
    if request.method == "POST":
        form = PlanEditForm(request.POST)
    else:
        form = PlanEditForm(initial={"title": plan.title, "description": plan.description})
    if form.is_bound and form.is_valid():
        updated = call_service(
            form,
            services.plan_update,
            actor=user,
            plan=plan,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        if updated is not None:
            messages.success(request, _("The plan's details are saved."))
            return redirect("planning:plan-edit", plan.pk)
    context = {
        "plan": plan,
        "form": form,
        "rows": _line_rows(plan),
        "is_draft": plan.status == PlanStatus.DRAFT,
    }
    return render(request, "planning/plan_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_publish(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    """Publishing asks for confirmation first: the plan and its lines become public for good."""
    plan = plan_or_404(request, plan_id)
    user = current_user(request)
    require(access.check_can_manage_plans, user, plan.buyer)
    if plan.status == PlanStatus.PUBLISHED:
        messages.info(request, _("This plan is already published."))
        return redirect("planning:plan-detail", plan.pk)
    if request.method == "POST":
        if run_action(request, services.plan_publish, actor=user, plan=plan):
            messages.success(request, _("The plan is published. Anyone can now see it and its lines."))
            return redirect("planning:plan-detail", plan.pk)
        return redirect("planning:plan-edit", plan.pk)
    return render(request, "planning/plan_publish.html", {"plan": plan, "line_count": plan.lines.count()})
