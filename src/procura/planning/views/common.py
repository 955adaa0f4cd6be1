"""Helpers the planning pages share: finding what a URL names, refusals, approval labels."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from babel.numbers import get_territory_currencies
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind
from procura.accounts.views.common import organisation_or_404
from procura.core.errors import NotAuthenticated
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.planning import access, selectors
from procura.planning.domain import ApprovalState
from procura.planning.models import BusinessCase, PlanLine, ProcurementPlan
from procura.planning.selectors import SpendApproval

APPROVAL_LABELS = {
    ApprovalState.NOT_NEEDED: _("Not needed"),
    ApprovalState.NEEDED: _("Approval needed"),
    ApprovalState.AWAITING_DECISION: _("Awaiting decision"),
    ApprovalState.APPROVED: _("Approved"),
    ApprovalState.REJECTED: _("Rejected"),
}
APPROVAL_TAGS = {
    ApprovalState.NOT_NEEDED: "",
    ApprovalState.NEEDED: "tag-warning",
    ApprovalState.AWAITING_DECISION: "tag-warning",
    ApprovalState.APPROVED: "tag-good",
    ApprovalState.REJECTED: "tag-warning",
}


def approval_display(approval: SpendApproval) -> dict[str, Any]:
    state = approval.state
    return {"approval": approval, "state": state, "label": APPROVAL_LABELS[state], "tag": APPROVAL_TAGS[state]}


def require(check: Callable[..., None], user: Any, *args: Any) -> None:
    """Run an `access.check_*` rule; a refusal becomes the 403 page with its message."""
    try:
        check(user, *args)
    except (ServicePermissionDenied, NotAuthenticated) as exc:
        raise PermissionDenied(exc.message) from exc


def buyer_or_404(organisation_id: uuid.UUID) -> Organisation:
    organisation = organisation_or_404(organisation_id)
    if organisation.kind != OrganisationKind.BUYER:
        raise Http404
    return organisation


def plan_or_404(request: HttpRequest, plan_id: uuid.UUID) -> ProcurementPlan:
    """The plan, if this person may see it: a draft hidden from them is simply not found."""
    plan = selectors.plan_get(plan_id)
    if plan is None or not access.can_view_plan(request.user, plan):
        raise Http404
    return plan


def line_or_404(request: HttpRequest, line_id: uuid.UUID) -> PlanLine:
    line = selectors.plan_line_get(line_id)
    if line is None or not access.can_view_plan(request.user, line.plan):
        raise Http404
    return line


def business_case_or_404(request: HttpRequest, case_id: uuid.UUID) -> BusinessCase:
    case = selectors.business_case_get(case_id)
    if case is None or not access.can_see_inside(request.user, case.plan_line.plan.buyer):
        raise Http404
    return case


def default_currency(buyer: Organisation) -> str:
    """The currency of the buyer's country, as a starting value for money fields."""
    currencies = get_territory_currencies(buyer.country_code, dt.date.today()) if buyer.country_code else []
    return str(currencies[0]) if currencies else "EUR"
