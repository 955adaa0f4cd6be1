"""Planning rules that need no database: plan years and spend control.

A buyer's spend-control threshold says above which value a purchase needs an approver's decision
on a business case. These functions decide on plain values, so the rules are tested without
fixtures and read the same wherever they are used (plan pages, the API, the tenders app).
"""

from __future__ import annotations

from enum import StrEnum

from procura.core.money import Money

# Supporting documents of business cases are documents of this owner type.
BUSINESS_CASE_OWNER = "business_case"

FIRST_PLAN_YEAR = 2000
LAST_PLAN_YEAR = 2100


class ApprovalState(StrEnum):
    """Where a plan line stands with spend control, as shown to people."""

    NOT_NEEDED = "not_needed"
    NEEDED = "needed"
    AWAITING_DECISION = "awaiting_decision"
    APPROVED = "approved"
    REJECTED = "rejected"


def year_is_sensible(year: int) -> bool:
    return FIRST_PLAN_YEAR <= year <= LAST_PLAN_YEAR


def approval_required(*, threshold: Money | None, amount: Money | None) -> bool:
    """Above the threshold a purchase needs approval. Without a threshold it never does; with
    one, an unknown amount or an amount in another currency needs it too, to be safe."""
    if threshold is None:
        return False
    if amount is None or amount.currency != threshold.currency:
        return True
    return amount.amount > threshold.amount


def approval_covers(*, approved: Money, amount: Money | None) -> bool:
    """An approval covers an amount up to its own value, in its own currency."""
    if amount is None or amount.currency != approved.currency:
        return False
    return amount.amount <= approved.amount


def approval_state(
    *, required: bool, approved: bool, latest_decision_approved: bool | None, awaiting_decision: bool
) -> ApprovalState:
    """`latest_decision_approved` is None when no business case has been decided yet."""
    if approved:
        return ApprovalState.APPROVED
    if awaiting_decision:
        return ApprovalState.AWAITING_DECISION
    if not required:
        return ApprovalState.NOT_NEEDED
    if latest_decision_approved is False:
        return ApprovalState.REJECTED
    return ApprovalState.NEEDED
