"""Spend-control rules on plain values: when approval is needed and what it covers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procura.core.money import Money
from procura.planning.domain import (
    ApprovalState,
    approval_covers,
    approval_required,
    approval_state,
    year_is_sensible,
)

EUR_100K = Money(Decimal("100000"), "EUR")


@pytest.mark.parametrize(
    ("threshold", "amount", "required"),
    [
        (None, Money(Decimal("5000000"), "EUR"), False),
        (EUR_100K, Money(Decimal("100000.01"), "EUR"), True),
        (EUR_100K, Money(Decimal("100000.00"), "EUR"), False),
        (EUR_100K, Money(Decimal("99999"), "EUR"), False),
        (EUR_100K, Money(Decimal("1"), "USD"), True),
        (EUR_100K, None, True),
    ],
)
def test_approval_is_required_above_the_threshold_or_when_unsure(
    threshold: Money | None, amount: Money | None, required: bool
) -> None:
    assert approval_required(threshold=threshold, amount=amount) is required


@pytest.mark.parametrize(
    ("amount", "covered"),
    [
        (Money(Decimal("100000"), "EUR"), True),
        (Money(Decimal("50"), "EUR"), True),
        (Money(Decimal("100000.01"), "EUR"), False),
        (Money(Decimal("50"), "GBP"), False),
        (None, False),
    ],
)
def test_an_approval_covers_up_to_its_value_in_its_currency(amount: Money | None, covered: bool) -> None:
    assert approval_covers(approved=EUR_100K, amount=amount) is covered


@pytest.mark.parametrize(
    ("required", "approved", "latest", "awaiting", "state"),
    [
        (True, True, True, False, ApprovalState.APPROVED),
        (False, True, True, True, ApprovalState.APPROVED),
        (True, False, False, True, ApprovalState.AWAITING_DECISION),
        (False, False, None, False, ApprovalState.NOT_NEEDED),
        (True, False, False, False, ApprovalState.REJECTED),
        (True, False, True, False, ApprovalState.NEEDED),  # approved, but for less than the line is now worth
        (True, False, None, False, ApprovalState.NEEDED),
    ],
)
def test_the_approval_state_shown_to_people(
    required: bool, approved: bool, latest: bool | None, awaiting: bool, state: ApprovalState
) -> None:
    assert (
        approval_state(
            required=required, approved=approved, latest_decision_approved=latest, awaiting_decision=awaiting
        )
        == state
    )


@pytest.mark.parametrize(("year", "sensible"), [(1999, False), (2000, True), (2027, True), (2100, True), (2101, False)])
def test_plan_years_run_from_2000_to_2100(year: int, sensible: bool) -> None:
    assert year_is_sensible(year) is sensible
