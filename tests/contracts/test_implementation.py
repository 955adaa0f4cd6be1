"""Milestones, deliveries and their acceptance, invoices and payments: payments never add up
to more than the contract's value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from procura.audit.models import AuditEntry
from procura.contracts import selectors, services
from procura.contracts.domain import Lateness
from procura.contracts.models import (
    Contract,
    Invoice,
    InvoiceStatus,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    Payment,
)
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from tests.conftest import World
from tests.contracts.support import DAY, awarded, prepared, signed

pytestmark = pytest.mark.django_db


def _milestone(w: World, contract: Contract, *, due: dt.timedelta = 30 * DAY, **kwargs: Any) -> Milestone:
    values: dict[str, object] = {"title": "First delivery", "kind": MilestoneKind.DELIVERY}
    values.update(kwargs)
    return services.milestone_add(
        actor=w.officer,
        contract=contract,
        due_at=contract.period_start + due,
        **values,  # type: ignore[arg-type]
    )


def _invoice(w: World, contract: Contract, milestone: Milestone, amount: str, number: str = "INV-1") -> Invoice:
    return services.invoice_submit(
        actor=w.bid_manager,
        contract=contract,
        milestone=milestone,
        number=number,
        amount=amount,
        issued_on=clock.now().date(),
    )


# --- Milestones -----------------------------------------------------------------------------------
def test_milestones_are_planned_delivered_and_accepted(world: World, frozen_clock: clock.Clock) -> None:
    # given
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract, value_amount="400.00")
    assert (milestone.local_id, milestone.status, milestone.value_amount) == (
        "milestone-1",
        MilestoneStatus.SCHEDULED,
        Decimal("400.00"),
    )
    # when the supplier delivers and the buyer accepts
    frozen_clock.set(milestone.due_at - DAY)
    services.milestone_mark_delivered(actor=world.bid_manager, milestone=milestone, note="Delivered to the depot.")
    frozen_clock.advance(2 * DAY)
    services.milestone_accept(actor=world.officer, milestone=milestone, status=MilestoneStatus.MET)
    # then
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.MET
    assert (milestone.delivered_by, milestone.delivery_note) == (world.bid_manager, "Delivered to the depot.")
    assert (milestone.accepted_by, milestone.accepted_at) == (world.officer, clock.now())
    # delivered before the due date: on time, although accepted after it
    assert selectors.lateness(milestone, clock.now()) == Lateness.MET
    actions = list(AuditEntry.objects.filter(action__startswith="contract.milestone").values_list("action", flat=True))
    assert actions == ["contract.milestone_added", "contract.milestone_delivered", "contract.milestone_accepted"]


def test_a_milestone_not_done_by_its_due_date_is_late(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    frozen_clock.set(milestone.due_at)
    assert selectors.lateness(milestone, clock.now()) == Lateness.SCHEDULED
    frozen_clock.advance(dt.timedelta(seconds=1))
    assert selectors.lateness(milestone, clock.now()) == Lateness.LATE
    services.milestone_mark_delivered(actor=world.bid_manager, milestone=milestone)
    services.milestone_accept(
        actor=world.officer, milestone=milestone, status=MilestoneStatus.PARTIALLY_MET, note="Half"
    )
    milestone.refresh_from_db()
    assert selectors.lateness(milestone, clock.now()) == Lateness.MET_LATE
    progress = selectors.contract_progress(contract, clock.now())
    assert (progress.milestones, progress.met_late, progress.met, progress.late) == (1, 1, 0, 0)


def test_milestones_are_due_no_earlier_than_the_contract_starts(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        _milestone(world, contract, due=-dt.timedelta(seconds=1))
    assert set(refused.value.fields) == {"due_at"}
    # on the first day, or after the period (a final report), is fine
    _milestone(world, contract, due=dt.timedelta(0))
    assert _milestone(world, contract, due=contract.period_end - contract.period_start + DAY).local_id == "milestone-2"


def test_a_milestone_needs_a_title_a_kind_and_a_sensible_amount(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": " "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"value_amount": "0"}, "value_amount"),
        ({"value_amount": "1000.01"}, "value_amount"),
        ({"value_amount": "ten"}, "value_amount"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as refused:
            _milestone(world, contract, **kwargs)
        assert set(refused.value.fields) == {field}, kwargs
    assert not Milestone.objects.exists()


def test_milestones_can_be_planned_before_signature_but_not_delivered(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    milestone = _milestone(world, contract)
    with pytest.raises(RuleViolation, match="not in force"):
        services.milestone_mark_delivered(actor=world.bid_manager, milestone=milestone)
    with pytest.raises(RuleViolation, match="not in force"):
        services.milestone_accept(actor=world.officer, milestone=milestone, status=MilestoneStatus.MET)


def test_a_milestone_is_delivered_and_decided_once(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    services.milestone_mark_delivered(actor=world.bid_manager, milestone=milestone)
    with pytest.raises(Conflict):
        services.milestone_mark_delivered(actor=world.bid_manager, milestone=milestone)
    services.milestone_accept(
        actor=world.officer, milestone=milestone, status=MilestoneStatus.NOT_MET, note="Wrong size"
    )
    with pytest.raises(Conflict):
        services.milestone_accept(actor=world.officer, milestone=milestone, status=MilestoneStatus.MET)


def test_acceptance_short_of_met_says_why(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    for status in (MilestoneStatus.PARTIALLY_MET, MilestoneStatus.NOT_MET):
        with pytest.raises(InvalidInput) as refused:
            services.milestone_accept(actor=world.officer, milestone=milestone, status=status, note=" ")
        assert set(refused.value.fields) == {"note"}
    with pytest.raises(InvalidInput) as bad:
        services.milestone_accept(actor=world.officer, milestone=milestone, status=MilestoneStatus.SCHEDULED)
    assert set(bad.value.fields) == {"status"}


def test_who_plans_delivers_and_accepts(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    for who in ("approver", "bid_manager", "other_officer", "admin"):
        with pytest.raises(PermissionDenied):
            services.milestone_add(
                actor=getattr(world, who), contract=contract, title="t", kind="delivery", due_at=contract.period_end
            )
        with pytest.raises(PermissionDenied):
            services.milestone_accept(actor=getattr(world, who), milestone=milestone, status="met")
    for who in ("viewer", "officer", "other_bid_manager", "auditor"):
        with pytest.raises(PermissionDenied):
            services.milestone_mark_delivered(actor=getattr(world, who), milestone=milestone)


def test_a_milestone_of_another_contract_is_not_found(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    other = signed(world, frozen_clock)
    milestone = _milestone(world, other)
    with pytest.raises(NotFound):
        services.invoice_submit(
            actor=world.bid_manager,
            contract=contract,
            milestone=milestone,
            number="X",
            amount="1.00",
            issued_on=clock.now().date(),
        )


# --- Invoices -------------------------------------------------------------------------------------
def test_invoices_are_submitted_then_approved_or_rejected(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    first = _invoice(world, contract, milestone, "300.00")
    second = _invoice(world, contract, milestone, "200.00", number="INV-2")
    assert (first.status, first.amount, first.currency) == (InvoiceStatus.SUBMITTED, Decimal("300.00"), "GBP")
    services.invoice_approve(actor=world.approver, invoice=first)
    services.invoice_reject(actor=world.officer, invoice=second, reason="Wrong purchase order number.")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by) == (InvoiceStatus.APPROVED, world.approver)
    assert (second.status, second.rejection_reason) == (InvoiceStatus.REJECTED, "Wrong purchase order number.")
    with pytest.raises(Conflict):
        services.invoice_approve(actor=world.officer, invoice=second)
    with pytest.raises(InvalidInput):
        services.invoice_reject(actor=world.officer, invoice=first, reason="")


def test_invoices_never_exceed_what_is_left_of_the_value(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    milestone = _milestone(world, contract)
    first = _invoice(world, contract, milestone, "700.00")
    with pytest.raises(RuleViolation) as refused:
        _invoice(world, contract, milestone, "300.01", number="INV-2")
    assert "300.00 GBP" in refused.value.message
    assert set(refused.value.fields) == {"amount"}
    # a rejected invoice frees its amount
    services.invoice_reject(actor=world.officer, invoice=first, reason="No")
    assert _invoice(world, contract, milestone, "1000.00", number="INV-3").amount == Decimal("1000.00")


def test_a_milestones_amount_payable_bounds_its_invoices(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    milestone = _milestone(world, contract, value_amount="250.00")
    _invoice(world, contract, milestone, "200.00")
    with pytest.raises(RuleViolation, match=r"50\.00 GBP"):
        _invoice(world, contract, milestone, "50.01", number="INV-2")


def test_invoice_details_are_checked(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    _invoice(world, contract, milestone, "10.00")
    today = clock.now().date()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"number": "INV-1"}, "number"),
        ({"number": " "}, "number"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"issued_on": today + dt.timedelta(days=1)}, "issued_on"),
        ({"issued_on": today - dt.timedelta(days=30)}, "issued_on"),
    ]
    for kwargs, field in cases:
        values: dict[str, Any] = {"number": "INV-9", "amount": "1.00", "issued_on": today, **kwargs}
        with pytest.raises(InvalidInput) as refused:
            services.invoice_submit(actor=world.bid_manager, contract=contract, milestone=milestone, **values)
        assert set(refused.value.fields) == {field}, kwargs
    assert Invoice.objects.count() == 1


def test_a_milestone_not_met_is_not_invoiced(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    services.milestone_accept(
        actor=world.officer, milestone=milestone, status=MilestoneStatus.NOT_MET, note="Never came"
    )
    with pytest.raises(RuleViolation, match="not met"):
        _invoice(world, contract, milestone, "10.00")


def test_no_invoice_before_signature(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    milestone = _milestone(world, contract)
    with pytest.raises(RuleViolation, match="not in force"):
        _invoice(world, contract, milestone, "10.00")


@pytest.mark.parametrize("who", ["viewer", "officer", "other_bid_manager"])
def test_only_the_suppliers_bid_managers_invoice(world: World, frozen_clock: clock.Clock, who: str) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    with pytest.raises(PermissionDenied):
        services.invoice_submit(
            actor=getattr(world, who),
            contract=contract,
            milestone=milestone,
            number="1",
            amount="1.00",
            issued_on=clock.now().date(),
        )


@pytest.mark.parametrize("who", ["evaluator", "bid_manager", "other_officer", "auditor"])
def test_only_officers_and_approvers_decide_invoices(world: World, frozen_clock: clock.Clock, who: str) -> None:
    contract = signed(world, frozen_clock)
    invoice = _invoice(world, contract, _milestone(world, contract), "10.00")
    with pytest.raises(PermissionDenied):
        services.invoice_approve(actor=getattr(world, who), invoice=invoice)
    with pytest.raises(PermissionDenied):
        services.invoice_reject(actor=getattr(world, who), invoice=invoice, reason="r")


# --- Payments -------------------------------------------------------------------------------------
def test_a_payment_is_a_transaction_from_buyer_to_supplier(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    frozen_clock.advance(DAY)
    paid_at = clock.now() - dt.timedelta(seconds=1)
    payment = services.payment_record(
        actor=world.approver, contract=contract, amount="250.00", paid_at=paid_at, reference="BACS 0042"
    )
    assert (payment.payer, payment.payee, payment.amount, payment.currency, payment.paid_at) == (
        world.buyer,
        world.supplier,
        Decimal("250.00"),
        "GBP",
        paid_at,
    )
    assert (payment.local_id, payment.reference, payment.recorded_by) == ("payment-1", "BACS 0042", world.approver)
    assert selectors.paid_total(contract) == Decimal("250.00")
    entry = AuditEntry.objects.get(action="contract.payment_recorded")
    assert entry.after is not None
    assert entry.after["paid_total"] == "250.00"


def test_payments_never_exceed_the_value(world: World, frozen_clock: clock.Clock) -> None:
    # given
    contract = signed(world, frozen_clock, value="1000.00")
    services.payment_record(actor=world.officer, contract=contract, amount="999.99", paid_at=clock.now())
    # when one cent too many is paid
    with pytest.raises(RuleViolation) as refused:
        services.payment_record(actor=world.officer, contract=contract, amount="0.02", paid_at=clock.now())
    # then it is refused, naming what is left
    assert "0.01 GBP" in refused.value.message
    assert set(refused.value.fields) == {"amount"}
    services.payment_record(actor=world.officer, contract=contract, amount="0.01", paid_at=clock.now())
    assert selectors.paid_total(contract) == Decimal("1000.00")
    with pytest.raises(RuleViolation):
        services.payment_record(actor=world.officer, contract=contract, amount="0.01", paid_at=clock.now())
    assert Payment.objects.count() == 2


def test_an_amended_value_bounds_the_payments(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    services.contract_amend(actor=world.officer, contract=contract, rationale="More", value_amount="1200.00")
    services.payment_record(actor=world.officer, contract=contract, amount="1200.00", paid_at=clock.now())
    with pytest.raises(RuleViolation):
        services.payment_record(actor=world.officer, contract=contract, amount="0.01", paid_at=clock.now())


def test_payment_dates_are_between_signature_and_now(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    assert contract.signed_at is not None
    for paid_at in (clock.now() + dt.timedelta(seconds=1), contract.signed_at - dt.timedelta(seconds=1)):
        with pytest.raises(InvalidInput) as refused:
            services.payment_record(actor=world.officer, contract=contract, amount="1.00", paid_at=paid_at)
        assert set(refused.value.fields) == {"paid_at"}
    services.payment_record(actor=world.officer, contract=contract, amount="1.00", paid_at=contract.signed_at)


def test_nothing_is_paid_before_signature(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    with pytest.raises(RuleViolation):
        services.payment_record(actor=world.officer, contract=contract, amount="1.00", paid_at=clock.now())


def test_paying_an_invoice_in_full_marks_it_paid(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    invoice = _invoice(world, contract, _milestone(world, contract), "300.00")
    with pytest.raises(RuleViolation, match="approved"):
        services.payment_record(
            actor=world.officer, contract=contract, amount="300.00", paid_at=clock.now(), invoice=invoice
        )
    services.invoice_approve(actor=world.officer, invoice=invoice)
    services.payment_record(
        actor=world.officer, contract=contract, amount="100.00", paid_at=clock.now(), invoice=invoice
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED
    with pytest.raises(RuleViolation, match=r"200\.00 GBP"):
        services.payment_record(
            actor=world.officer, contract=contract, amount="200.01", paid_at=clock.now(), invoice=invoice
        )
    services.payment_record(
        actor=world.officer, contract=contract, amount="200.00", paid_at=clock.now(), invoice=invoice
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    with pytest.raises(RuleViolation, match="paid"):
        services.payment_record(
            actor=world.officer, contract=contract, amount="1.00", paid_at=clock.now(), invoice=invoice
        )


def test_after_termination_only_approved_invoices_are_paid(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = _milestone(world, contract)
    invoice = _invoice(world, contract, milestone, "300.00")
    services.contract_terminate(actor=world.officer, contract=contract, reason="Supplier insolvent.")
    with pytest.raises(RuleViolation) as refused:
        services.payment_record(actor=world.officer, contract=contract, amount="10.00", paid_at=clock.now())
    assert set(refused.value.fields) == {"invoice"}
    # what is owed is still invoiced, decided and paid
    services.invoice_approve(actor=world.officer, invoice=invoice)
    services.payment_record(
        actor=world.officer, contract=contract, amount="300.00", paid_at=clock.now(), invoice=invoice
    )
    later = _invoice(world, contract, milestone, "50.00", number="INV-2")
    assert later.status == InvoiceStatus.SUBMITTED


@pytest.mark.parametrize("who", ["evaluator", "bid_manager", "other_officer", "admin", "auditor"])
def test_only_officers_and_approvers_record_payments(world: World, frozen_clock: clock.Clock, who: str) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(PermissionDenied):
        services.payment_record(actor=getattr(world, who), contract=contract, amount="1.00", paid_at=clock.now())
    assert not Payment.objects.exists()


def test_progress_is_paid_against_value(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    services.payment_record(actor=world.officer, contract=contract, amount="333.33", paid_at=clock.now())
    progress = selectors.contract_progress(contract, clock.now())
    assert (progress.paid, progress.remaining, progress.paid_percent) == (
        Decimal("333.33"),
        Decimal("666.67"),
        33,
    )
