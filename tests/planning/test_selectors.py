"""Reads: whether spending is approved (what the tenders app asks), and the lists of plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from procura.core import clock
from procura.core.errors import InvalidInput
from procura.core.money import Money
from procura.planning.selectors import (
    business_cases_awaiting_decision,
    plan_get,
    plan_line_get,
    published_plans,
    spend_approval,
)
from procura.planning.services import (
    business_case_decide,
    business_case_submit,
    plan_create,
    plan_line_add,
    plan_publish,
    spend_control_threshold_set,
)
from tests.conftest import World
from tests.planning.conftest import Plans, line_details

pytestmark = pytest.mark.django_db


def _case(world: World, plans: Plans, amount: str, *, approve: bool | None) -> None:
    case = business_case_submit(
        actor=world.officer,
        plan_line=plans.draft_line,
        need="Need.",
        estimated_amount=Decimal(amount),
        currency="EUR",
        options_considered="Options.",
    )
    if approve is not None:
        business_case_decide(actor=world.approver, business_case=case, approve=approve, reasons="Because.")


def test_without_a_threshold_nothing_needs_approval(world: World, codes: None) -> None:
    approval = spend_approval(buyer=world.buyer, amount=Decimal("9000000"), currency="EUR", plan_line=None)
    assert (approval.required, approval.approved, approval.business_case, approval.threshold) == (
        False,
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("amount", "currency", "required"),
    [
        ("100000.01", "EUR", True),
        ("100000", "EUR", False),
        ("10", "USD", True),
        (None, "EUR", True),  # the line's value, 250 000 EUR
        ("10", "NOT-A-CURRENCY", True),
    ],
)
def test_approval_is_required_above_the_threshold(
    world: World, plans: Plans, amount: str | None, currency: str, required: bool
) -> None:
    approval = spend_approval(
        buyer=world.buyer,
        amount=None if amount is None else Decimal(amount),
        currency=currency,
        plan_line=plans.draft_line,
    )
    assert approval.required is required
    assert approval.approved is False
    assert approval.threshold == Money(Decimal("100000.00"), "EUR")


def test_an_unknown_amount_without_a_line_needs_approval(world: World, plans: Plans) -> None:
    approval = spend_approval(buyer=world.buyer, amount=None, currency="EUR", plan_line=None)
    assert (approval.required, approval.approved) == (True, False)


def test_an_approved_case_covers_up_to_its_value(world: World, plans: Plans) -> None:
    # given an approved case for 250 000 EUR on the line
    _case(world, plans, "250000", approve=True)
    line = plan_line_get(plans.draft_line.pk)
    # then spending up to that is approved, and more is not
    for amount, approved in [("250000", True), ("120000", True), ("250000.01", False), (None, True)]:
        approval = spend_approval(
            buyer=world.buyer, amount=None if amount is None else Decimal(amount), currency="EUR", plan_line=line
        )
        assert approval.approved is approved, amount
        assert approval.business_case is not None
        assert approval.business_case.decision == "approved"
    assert spend_approval(buyer=world.buyer, amount=Decimal("10"), currency="GBP", plan_line=line).approved is False


def test_the_latest_decision_counts(world: World, plans: Plans, frozen_clock: clock.Clock) -> None:
    # given an approval, then a later rejection of a new case
    _case(world, plans, "250000", approve=True)
    frozen_clock.advance(dt.timedelta(days=1))
    _case(world, plans, "300000", approve=False)
    # then the line is not approved
    approval = spend_approval(buyer=world.buyer, amount=None, currency="EUR", plan_line=plans.draft_line)
    assert (approval.required, approval.approved) == (True, False)
    assert approval.business_case is not None
    assert approval.business_case.decision == "rejected"
    assert str(approval.state) == "rejected"


def test_a_new_case_awaiting_a_decision_does_not_undo_an_approval(
    world: World, plans: Plans, frozen_clock: clock.Clock
) -> None:
    _case(world, plans, "250000", approve=True)
    frozen_clock.advance(dt.timedelta(days=1))
    _case(world, plans, "400000", approve=None)
    approval = spend_approval(buyer=world.buyer, amount=None, currency="EUR", plan_line=plans.draft_line)
    assert approval.approved is True
    assert approval.pending_case is not None
    assert approval.pending_case.estimated_amount == Decimal("400000")
    assert str(approval.state) == "approved"


def test_a_pending_case_is_not_an_approval(world: World, plans: Plans) -> None:
    approval = spend_approval(buyer=world.buyer, amount=None, currency="EUR", plan_line=plans.published_line)
    assert (approval.required, approval.approved, approval.business_case) == (True, False, None)
    assert approval.pending_case is not None
    assert str(approval.state) == "awaiting_decision"


def test_another_buyers_line_approves_nothing(world: World, plans: Plans) -> None:
    _case(world, plans, "250000", approve=True)
    spend_control_threshold_set(actor=world.admin, buyer=world.other_buyer, amount=Decimal("1"), currency="EUR")
    approval = spend_approval(
        buyer=world.other_buyer, amount=Decimal("100"), currency="EUR", plan_line=plans.draft_line
    )
    assert (approval.required, approval.approved, approval.business_case) == (True, False, None)


def test_malformed_ids_are_not_found(world: World) -> None:
    assert plan_get("not-a-uuid") is None
    assert plan_line_get("12345") is None


def test_published_plans_are_filtered_and_paged(world: World, plans: Plans) -> None:
    # given a third published plan, of the buyer's 2025
    older = plan_create(actor=world.officer, buyer=world.buyer, year=2025, title="Purchases 2025")
    plan_line_add(actor=world.officer, plan=older, details=line_details())
    plan_publish(actor=world.officer, plan=older)
    # then drafts are never listed, the latest year comes first, and filters apply
    everything = published_plans()
    assert [(p.title, p.line_count) for p in everything.items] == [  # type: ignore[attr-defined]
        ("Council purchases", 1),
        ("Purchases 2026", 1),
        ("Purchases 2025", 1),
    ]
    assert [p.title for p in published_plans(buyer_id=world.buyer.pk).items] == ["Purchases 2026", "Purchases 2025"]
    assert [p.title for p in published_plans(year=2025).items] == ["Purchases 2025"]
    # and pages follow on with the cursor
    first = published_plans(limit=2)
    assert first.next_cursor is not None
    second = published_plans(limit=2, cursor=first.next_cursor)
    assert [p.title for p in second.items] == ["Purchases 2025"]
    assert second.next_cursor is None
    with pytest.raises(InvalidInput):
        published_plans(cursor="garbage")


def test_the_inbox_holds_the_buyers_pending_cases(world: World, plans: Plans) -> None:
    assert list(business_cases_awaiting_decision(world.buyer)) == [plans.pending_case]
    assert list(business_cases_awaiting_decision(world.other_buyer)) == []
    business_case_decide(actor=world.approver, business_case=plans.pending_case, approve=True, reasons="")
    assert list(business_cases_awaiting_decision(world.buyer)) == []
