"""Reads for planning: plans, lines, business cases, and whether spending on a line is approved.

`plan_line_get` and `spend_approval` are what the tenders app asks before a tender goes ahead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation
from procura.core.errors import InvalidInput
from procura.core.money import Money
from procura.core.pagination import Page, paginate
from procura.documents.models import Document
from procura.planning import domain
from procura.planning.models import (
    ApprovalDecision,
    BusinessCase,
    PlanLine,
    PlanStatus,
    ProcurementPlan,
    SpendControlPolicy,
)

PLAN_ORDER = ("-year", "title", "id")


@dataclass(frozen=True)
class SpendApproval:
    """Whether spending needs an approver's decision, and whether it has one.

    `required`: the buyer has a threshold and the amount is above it (or unknown, or in another
    currency). `approved`: the line's latest decided business case is approved and its value
    covers the amount, in the same currency. `business_case`: that latest decided case (None if
    none has been decided). `pending_case`: a case awaiting a decision, if there is one.
    """

    required: bool
    approved: bool
    business_case: BusinessCase | None
    threshold: Money | None
    pending_case: BusinessCase | None = None

    @property
    def state(self) -> domain.ApprovalState:
        latest = None if self.business_case is None else self.business_case.decision == ApprovalDecision.APPROVED
        return domain.approval_state(
            required=self.required,
            approved=self.approved,
            latest_decision_approved=latest,
            awaiting_decision=self.pending_case is not None,
        )


def _uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def plan_get(pk: uuid.UUID | str) -> ProcurementPlan | None:
    found = _uuid(pk)
    if found is None:
        return None
    return ProcurementPlan.objects.select_related("buyer").filter(pk=found).first()


def plan_line_get(pk: uuid.UUID | str) -> PlanLine | None:
    """A plan line with its plan and buyer, or None (also for a malformed id)."""
    found = _uuid(pk)
    if found is None:
        return None
    return PlanLine.objects.select_related("plan__buyer").filter(pk=found).first()


def business_case_get(pk: uuid.UUID | str) -> BusinessCase | None:
    found = _uuid(pk)
    if found is None:
        return None
    return (
        BusinessCase.objects.select_related("plan_line__plan__buyer", "submitted_by", "decided_by")
        .filter(pk=found)
        .first()
    )


def plans_for(buyer: Organisation) -> QuerySet[ProcurementPlan]:
    """Every plan of a buyer, drafts included, the latest year first."""
    return (
        ProcurementPlan.objects.filter(buyer=buyer)
        .select_related("buyer")
        .annotate(line_count=Count("lines"))
        .order_by(*PLAN_ORDER)
    )


def published_plans(
    *,
    buyer_id: uuid.UUID | None = None,
    year: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ProcurementPlan]:
    """One page of published plans, the latest year first, optionally of one buyer or year."""
    queryset = ProcurementPlan.objects.filter(status=PlanStatus.PUBLISHED).select_related("buyer")
    if buyer_id is not None:
        queryset = queryset.filter(buyer_id=buyer_id)
    if year is not None:
        queryset = queryset.filter(year=year)
    try:
        return paginate(queryset.annotate(line_count=Count("lines")), order=PLAN_ORDER, cursor=cursor, limit=limit)
    except (TypeError, ValueError, ValidationError):
        # A cursor that decodes but holds values of the wrong kinds was not issued here.
        if cursor is None:
            raise
        raise InvalidInput.for_field("cursor", _("The cursor is not one this server issued.")) from None


def buyers_with_published_plans() -> list[Organisation]:
    return list(
        Organisation.objects.filter(procurement_plans__status=PlanStatus.PUBLISHED)
        .distinct()
        .order_by("legal_name", "id")
    )


def published_plan_years() -> list[int]:
    return list(
        ProcurementPlan.objects.filter(status=PlanStatus.PUBLISHED)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def lines_of(plan: ProcurementPlan) -> list[PlanLine]:
    return list(plan.lines.select_related("plan__buyer").order_by("position", "id"))


def business_cases_of(line: PlanLine) -> list[BusinessCase]:
    """A line's business cases, the latest first."""
    return list(
        line.business_cases.select_related("plan_line", "submitted_by", "decided_by").order_by("-submitted_at", "-id")
    )


def business_cases_awaiting_decision(buyer: Organisation) -> QuerySet[BusinessCase]:
    """The approvers' inbox: the buyer's cases awaiting a decision, the oldest first."""
    return (
        BusinessCase.objects.filter(plan_line__plan__buyer=buyer, decision=ApprovalDecision.PENDING)
        .select_related("plan_line__plan__buyer", "submitted_by")
        .order_by("submitted_at", "id")
    )


def business_case_documents(cases: Iterable[BusinessCase]) -> dict[uuid.UUID, list[Document]]:
    """The current version of each supporting document of these cases, in upload order."""
    found: dict[uuid.UUID, list[Document]] = {case.pk: [] for case in cases}
    documents = Document.objects.filter(
        owner_type=domain.BUSINESS_CASE_OWNER, owner_id__in=list(found), superseded_at__isnull=True
    ).order_by("uploaded_at", "id")
    for document in documents:
        found[document.owner_id].append(document)
    return found


def spend_control_threshold(buyer: Organisation) -> Money | None:
    policy = SpendControlPolicy.objects.filter(buyer=buyer).first()
    return None if policy is None else Money(policy.threshold_amount, policy.currency).quantized()


def _approval(
    *,
    threshold: Money | None,
    amount: Money | None,
    cases: list[BusinessCase],
) -> SpendApproval:
    decided = next((c for c in cases if c.decision != ApprovalDecision.PENDING), None)
    pending = next((c for c in cases if c.decision == ApprovalDecision.PENDING), None)
    approved = (
        decided is not None
        and decided.decision == ApprovalDecision.APPROVED
        and domain.approval_covers(approved=Money(decided.estimated_amount, decided.currency), amount=amount)
    )
    return SpendApproval(
        required=domain.approval_required(threshold=threshold, amount=amount),
        approved=approved,
        business_case=decided,
        threshold=threshold,
        pending_case=pending,
    )


def _latest_first(cases: Iterable[BusinessCase]) -> list[BusinessCase]:
    # Decided cases by decision time; a case decided later is the one that counts.
    return sorted(cases, key=lambda c: (c.decided_at or c.submitted_at, c.submitted_at, str(c.pk)), reverse=True)


def spend_approval(
    *, buyer: Organisation, amount: Decimal | None, currency: str, plan_line: PlanLine | None
) -> SpendApproval:
    """Does spending `amount` (the line's estimated value when the amount is unknown) need
    approval under the buyer's spend control, and has it been approved on the plan line?

    A line of another buyer never approves anything for this one.
    """
    threshold = spend_control_threshold(buyer)
    spend: Money | None = None
    if amount is not None:
        try:
            spend = Money(amount, currency)
        except (TypeError, ValueError):  # not a currency: an amount we cannot compare
            spend = None
    elif plan_line is not None:
        spend = Money(plan_line.estimated_amount, plan_line.currency)
    cases: list[BusinessCase] = []
    if plan_line is not None and plan_line.plan.buyer_id == buyer.pk:
        cases = _latest_first(plan_line.business_cases.all())
    return _approval(threshold=threshold, amount=spend, cases=cases)


def spend_approvals(*, buyer: Organisation, lines: Iterable[PlanLine]) -> dict[uuid.UUID, SpendApproval]:
    """`spend_approval` for each of a buyer's lines at its estimated value, in two queries."""
    lines = list(lines)
    threshold = spend_control_threshold(buyer)
    by_line: dict[uuid.UUID, list[BusinessCase]] = {line.pk: [] for line in lines}
    for case in BusinessCase.objects.filter(plan_line__in=lines, plan_line__plan__buyer=buyer):
        by_line[case.plan_line_id].append(case)
    return {
        line.pk: _approval(
            threshold=threshold,
            amount=Money(line.estimated_amount, line.currency),
            cases=_latest_first(by_line[line.pk]),
        )
        for line in lines
    }
