"""Payments never exceed the contract's value under real concurrency (PostgreSQL, one connection
per thread).

Every payment locks the contract row, sums what was paid under the lock and writes in the same
transaction, so payments for one contract are decided one after the other: however many arrive
at once, those that would take the total past the value are refused and leave nothing behind.
An amendment that lowers the value takes the same lock, so it cannot slip under a payment in
flight either.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_contracts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from procura.accounts.models import User
from procura.audit.models import AuditEntry
from procura.contracts import selectors, services
from procura.contracts.models import Contract, ContractAmendment, Payment
from procura.core import clock
from procura.core.errors import RuleViolation
from tests.concurrency import WAIT, Running, wait_until_blocked_on_a_lock
from tests.conftest import World
from tests.contracts.support import signed

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."
    ),
]


# --- Threads and gates ----------------------------------------------------------------------------
@dataclass
class Gate:
    """Stops a thread at its first clock reading inside a transaction (where it already holds the
    contract's row lock) until the test releases it."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


class GatedClock:
    """`clock.now()` as frozen, except that a thread given a gate stops at it once."""

    def __init__(self, frozen_now: Callable[[], Any]) -> None:
        self._local = threading.local()
        self._frozen_now = frozen_now

    def gate(self, gate: Gate | None) -> None:
        self._local.gate = gate

    def now(self) -> Any:
        gate: Gate | None = getattr(self._local, "gate", None)
        if gate is not None and connection.in_atomic_block:
            self._local.gate = None
            gate.arrived.set()
            if not gate.released.wait(WAIT):
                raise TimeoutError("the test never released this thread")
        return self._frozen_now()


@pytest.fixture
def gated_clock(frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch) -> GatedClock:
    gated = GatedClock(clock.now)
    monkeypatch.setattr(clock, "now", gated.now)
    return gated


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    start = threading.Barrier(len(jobs))
    running = [Running(job, start) for job in jobs]
    for r in running:
        r.thread.join(WAIT * 2)
    return [r.join() for r in running]


@contextmanager
def finishing(gates: list[Gate], running: list[Running]) -> Iterator[list[Running]]:
    """Release the gates and let every thread end when the block ends, whatever happened in it,
    so that no transaction outlives a failed test."""
    try:
        yield running
    finally:
        for gate in gates:
            gate.released.set()
        for r in running:
            r.thread.join(WAIT * 2)


def pay(contract: Contract, person: User, amount: str) -> Callable[[], Payment | RuleViolation]:
    def job() -> Payment | RuleViolation:
        try:
            return services.payment_record(actor=person, contract=contract, amount=amount, paid_at=clock.now())
        except RuleViolation as refused:
            return refused

    return job


# --- Tests ----------------------------------------------------------------------------------------
def test_many_payments_at_once_stop_at_the_value(world: World, frozen_clock: clock.Clock) -> None:
    # given a contract worth 1000.00 and eight payments of 300.00 arriving at once
    contract = signed(world, frozen_clock, value="1000.00")
    payers = [world.officer, world.approver] * 4
    # when
    results = run_together([pay(contract, person, "300.00") for person in payers])
    # then exactly three were recorded, the others refused, and the total is within the value
    recorded = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert (len(recorded), len(refused)) == (3, 5)
    assert selectors.paid_total(contract) == Decimal("900.00")
    assert sorted(Payment.objects.filter(contract=contract).values_list("local_id", flat=True)) == [
        "payment-1",
        "payment-2",
        "payment-3",
    ]
    assert AuditEntry.objects.filter(action="contract.payment_recorded").count() == 3
    assert all("100.00 GBP" in r.message for r in refused)


def test_payments_that_exactly_fill_the_value_all_succeed(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    results = run_together([pay(contract, world.officer, "125.00") for _ in range(8)])
    assert all(isinstance(r, Payment) for r in results)
    assert selectors.paid_total(contract) == Decimal("1000.00")
    assert isinstance(pay(contract, world.officer, "0.01")(), RuleViolation)


def test_a_payment_waits_for_the_one_in_flight_and_is_refused_after_it(
    world: World, frozen_clock: clock.Clock, gated_clock: GatedClock
) -> None:
    # given a payment of 600.00 in flight, stopped inside its transaction
    contract = signed(world, frozen_clock, value="1000.00")
    gate = Gate()

    def first() -> Payment | RuleViolation:
        gated_clock.gate(gate)
        return pay(contract, world.officer, "600.00")()

    with finishing([gate], [Running(first)]) as running:
        assert gate.arrived.wait(WAIT)
        # when a second payment of 600.00 arrives, it waits for the contract row
        running.append(Running(pay(contract, world.approver, "600.00")))
        wait_until_blocked_on_a_lock(running[1], lock="the contract row")
        gate.released.set()
        results = [r.join() for r in running]
    # then the first is recorded, the second refused naming what was left after the first
    assert isinstance(results[0], Payment)
    assert isinstance(results[1], RuleViolation)
    assert "400.00 GBP" in results[1].message
    assert selectors.paid_total(contract) == Decimal("600.00")


def test_an_amendment_cannot_lower_the_value_under_a_payment_in_flight(
    world: World, frozen_clock: clock.Clock, gated_clock: GatedClock
) -> None:
    # given a payment of 600.00 in flight
    contract = signed(world, frozen_clock, value="1000.00")
    gate = Gate()

    def paying() -> Payment | RuleViolation:
        gated_clock.gate(gate)
        return pay(contract, world.officer, "600.00")()

    def lowering() -> ContractAmendment | RuleViolation:
        try:
            return services.contract_amend(
                actor=world.officer, contract=contract, rationale="Smaller scope", value_amount="500.00"
            )
        except RuleViolation as refused:
            return refused

    with finishing([gate], [Running(paying)]) as running:
        assert gate.arrived.wait(WAIT)
        # when the value is amended down to 500.00 meanwhile
        running.append(Running(lowering))
        wait_until_blocked_on_a_lock(running[1], lock="the contract row")
        gate.released.set()
        results = [r.join() for r in running]
    # then the amendment, decided after the payment, is refused: the value stays above what was paid
    assert isinstance(results[0], Payment)
    assert isinstance(results[1], RuleViolation)
    assert "already been paid" in results[1].message
    contract.refresh_from_db()
    assert contract.value_amount == Decimal("1000.00")
    assert not ContractAmendment.objects.exists()
