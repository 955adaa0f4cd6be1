"""The deadline is exact under real concurrency (PostgreSQL, one connection per thread).

A submission holds the tender row with a shared lock from its first statement to its commit, and
reads the deadline under it; moving the deadline (an amendment, or an extension) takes the row for
update. So a move waits for the submissions in flight, submissions that arrive during a move wait
for it, and each submission is judged against the deadline in force when it commits: accepted at
or before it, refused one microsecond after, leaving nothing behind (no version, no receipt, no
audit entry).

Every thread has its own connection. `clock.now()` is replaced by one that answers each thread
its own moment (the moment it "commits"); a thread given a gate stops at its first clock reading
inside a transaction — where it already holds its locks — until the test releases it, which is
how a submission or a move is held in flight while the others are started. The audit log is one
chain whose head row every write locks while holding the tender row, so the order of audit
entries is the order in which submissions and moves committed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.db import connection

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.audit.models import AuditEntry
from procura.bids import receipts, services
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, BidVersion, Receipt, TenderKey
from procura.core import clock
from procura.core.errors import Conflict, RuleViolation
from procura.tenders.domain import amended_deadline
from procura.tenders.models import Amendment, Tender
from procura.tenders.services import details_of, tender_amend, tender_extend_deadline
from tests import factories
from tests.bids.support import DAY, draft_bid, open_tender
from tests.concurrency import WAIT, Running, wait_until_blocked_on_a_lock
from tests.conftest import World

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."
    ),
]

TICK = dt.timedelta(microseconds=1)
MILLISECOND = dt.timedelta(milliseconds=1)
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


# --- Threads, per-thread clocks and gates ---------------------------------------------------------
@dataclass
class Gate:
    """Stops a thread at its first clock reading inside a transaction until released."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


class ThreadClock:
    """`clock.now()` answers the calling thread its own moment, else the frozen time."""

    def __init__(self, frozen_now: Callable[[], dt.datetime]) -> None:
        self._local = threading.local()
        self._frozen_now = frozen_now

    def use(self, at: dt.datetime, gate: Gate | None = None) -> None:
        self._local.at = at
        self._local.gate = gate

    def now(self) -> dt.datetime:
        gate: Gate | None = getattr(self._local, "gate", None)
        if gate is not None and connection.in_atomic_block:
            self._local.gate = None
            gate.arrived.set()
            if not gate.released.wait(WAIT):
                raise TimeoutError("the test never released this thread")
        at: dt.datetime | None = getattr(self._local, "at", None)
        return at if at is not None else self._frozen_now()


@pytest.fixture
def thread_clock(frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch) -> ThreadClock:
    per_thread = ThreadClock(clock.now)
    monkeypatch.setattr(clock, "now", per_thread.now)
    return per_thread


def join_all(running: list[Running]) -> list[Any]:
    """Every job's result, once all have ended (then the first error, if any, is raised)."""
    for r in running:
        r.thread.join(WAIT * 2)
    return [r.join() for r in running]


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at once, each on its own thread; their results (a job's error is raised)."""
    start = threading.Barrier(len(jobs))
    return join_all([Running(job, start) for job in jobs])


@contextmanager
def finishing(running: list[Running], gates: list[Gate]) -> Iterator[list[Running]]:
    """Release the gates and let every thread end when the block ends, whatever happened in it,
    so that no transaction outlives a failed test. The block adds the threads it starts."""
    started = list(running)
    try:
        yield started
    finally:
        for gate in gates:
            gate.released.set()
        for r in started:
            r.thread.join(WAIT * 2)


# --- Bidders and outcomes -------------------------------------------------------------------------
@dataclass
class Bidder:
    supplier: Organisation
    manager: User
    bid: Bid


def bidders(tender: Tender, count: int) -> list[Bidder]:
    """`count` suppliers, each with its own bid manager and a complete draft for the tender's lot."""
    made = []
    for n in range(count):
        supplier = factories.organisation(OrganisationKind.SUPPLIER, name=f"Bidder {n + 1} Ltd")
        manager = factories.member(supplier, Role.BID_MANAGER)
        made.append(Bidder(supplier, manager, draft_bid(tender, manager, supplier, price=f"{1000 + n}.00")))
    return made


def submit(thread_clock: ThreadClock, bidder: Bidder, at: dt.datetime, gate: Gate | None = None) -> Callable[[], Any]:
    """A job submitting `bidder`'s draft at `at`: its Receipt, or the RuleViolation that refused it."""

    def job() -> Receipt | RuleViolation:
        thread_clock.use(at, gate)
        try:
            return services.bid_submit(actor=bidder.manager, bid=bidder.bid)
        except RuleViolation as refused:
            return refused

    return job


@dataclass(frozen=True)
class DeadlineMove:
    """A way to move a tender's deadline later: an amendment of its details, or an extension."""

    name: str
    audit_action: str

    def new_deadline(self, tender: Tender, at: dt.datetime) -> dt.datetime:
        """Where the deadline ends up when moved at `at` (an amendment keeps the rulebook's minimum)."""
        assert tender.tender_end is not None
        if self.name == "extension":
            return tender.tender_end + DAY
        minimum = int(tender.rules.get("amendment_minimum_days", 0))
        return amended_deadline(deadline=tender.tender_end + DAY, at=at, minimum_days=minimum)

    def job(
        self, thread_clock: ThreadClock, officer: User, tender: Tender, at: dt.datetime, gate: Gate | None = None
    ) -> Callable[[], Amendment]:
        """A job moving the deadline at `at`, a day later (or as much more as the rulebook says)."""
        assert tender.tender_end is not None
        assert tender.bid_opening_at is not None
        later = replace(
            details_of(tender), tender_end=tender.tender_end + DAY, bid_opening_at=tender.bid_opening_at + DAY
        )

        def job() -> Amendment:
            thread_clock.use(at, gate)
            if self.name == "extension":
                assert later.tender_end is not None
                return tender_extend_deadline(
                    actor=officer, tender=tender, new_deadline=later.tender_end, rationale="More time to bid."
                )
            return tender_amend(actor=officer, tender=tender, details=later, rationale="More time to bid.")

        return job

    def sequence(self, tender: Tender) -> int:
        return AuditEntry.objects.get(action=self.audit_action, object_id=str(tender.pk)).sequence


@pytest.fixture(
    params=[
        pytest.param(DeadlineMove("amendment", "tender.amended"), id="amendment"),
        pytest.param(DeadlineMove("extension", "tender.deadline_extended"), id="extension"),
    ]
)
def move(request: pytest.FixtureRequest) -> DeadlineMove:
    return request.param  # type: ignore[no-any-return]


def receipt_time(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def deadline_named(refused: RuleViolation, *candidates: dt.datetime) -> dt.datetime:
    """The deadline the refusal says the bid missed (it must name one of `candidates`)."""
    assert "deadline" in refused.fields, refused.fields
    named = [d for d in candidates if d.isoformat(timespec="microseconds") in refused.message]
    assert len(named) == 1, refused.message
    return named[0]


def submitted_sequence(bid: Bid) -> int:
    return AuditEntry.objects.get(action="bid.submitted", object_id=str(bid.pk)).sequence


def audit_entries(bid: Bid) -> list[str]:
    return list(AuditEntry.objects.filter(object_id=str(bid.pk)).values_list("action", flat=True))


def assert_accepted(bidder: Bidder, result: Any, at: dt.datetime) -> None:
    """One sealed version at `at`, with a receipt saying so, and the audit entry."""
    assert isinstance(result, Receipt), result
    assert list(BidVersion.objects.filter(bid=bidder.bid).values_list("number", "submitted_at")) == [(1, at)]
    assert list(Receipt.objects.filter(bid=bidder.bid).values_list("pk", "issued_at")) == [(result.pk, at)]
    payload = receipts.verify(result.document, receipts.public_key())
    assert (payload["kind"], payload["time"], payload["bid"]["version"]) == ("submission", receipt_time(at), 1)
    entry = AuditEntry.objects.get(action="bid.submitted", object_id=str(bidder.bid.pk))
    assert entry.occurred_at == at
    bid = Bid.objects.get(pk=bidder.bid.pk)
    assert (bid.status, bid.submitted_at) == (BidStatus.SUBMITTED, at)


def assert_refused_leaving_nothing(bidder: Bidder, result: Any, audit_before: list[str]) -> None:
    """No version, no receipt, no audit entry; the draft is as it was."""
    assert isinstance(result, RuleViolation), result
    assert not BidVersion.objects.filter(bid=bidder.bid).exists()
    assert not Receipt.objects.filter(bid=bidder.bid).exists()
    assert audit_entries(bidder.bid) == audit_before
    bid = Bid.objects.get(pk=bidder.bid.pk)
    assert (bid.status, bid.submitted_at) == (BidStatus.DRAFT, None)
    assert bytes(bid.draft_sealed) == bytes(bidder.bid.draft_sealed)


@pytest.fixture
def tender(world: World, thread_clock: ThreadClock) -> Tender:
    return open_tender(world.officer, world.buyer)


# --- (a) Many suppliers straddling the deadline ---------------------------------------------------
def test_sixteen_suppliers_straddling_the_deadline_are_accepted_exactly_up_to_it(
    tender: Tender, thread_clock: ThreadClock
) -> None:
    # given sixteen suppliers with complete drafts, each submitting at its own moment around the
    # deadline: half at or before it (four exactly at it), half a microsecond or more after
    deadline = tender.tender_end
    assert deadline is not None
    moments = [
        *(deadline - SECOND, deadline - MILLISECOND, deadline - 2 * TICK, deadline - TICK),
        *(deadline, deadline, deadline, deadline),
        *(deadline + TICK, deadline + TICK, deadline + TICK, deadline + 2 * TICK),
        *(deadline + MILLISECOND, deadline + SECOND, deadline + MINUTE, deadline + HOUR),
    ]
    group = bidders(tender, len(moments))
    audit_before = {b.bid.pk: audit_entries(b.bid) for b in group}
    # when they all submit at once
    results = run_together([submit(thread_clock, b, at) for b, at in zip(group, moments, strict=True)])
    # then exactly those at or before the deadline were accepted, each with its version and receipt
    assert [isinstance(r, Receipt) for r in results] == [at <= deadline for at in moments] == [True] * 8 + [False] * 8
    for bidder, at, result in zip(group, moments, results, strict=True):
        if at <= deadline:
            assert_accepted(bidder, result, at)
        else:
            # and every late one was refused naming the deadline, leaving nothing behind
            assert deadline_named(result, deadline) == deadline
            assert_refused_leaving_nothing(bidder, result, audit_before[bidder.bid.pk])
    assert BidVersion.objects.filter(bid__tender=tender).count() == 8
    assert Receipt.objects.filter(bid__tender=tender).count() == 8
    assert AuditEntry.objects.filter(action="bid.submitted").count() == 8


# --- (b) Moving the deadline (an amendment or an extension), racing submissions --------------------
def test_moving_the_deadline_waits_for_submissions_in_flight_which_meet_the_old_one(
    world: World, tender: Tender, thread_clock: ThreadClock, move: DeadlineMove
) -> None:
    # given four submissions in flight (holding their locks) around the old deadline
    old = tender.tender_end
    assert old is not None
    moved_at = old - HOUR
    new = move.new_deadline(tender, moved_at)
    in_flight_moments = [old - TICK, old, old + TICK, old + SECOND]
    group = bidders(tender, len(in_flight_moments) + 4)
    audit_before = {b.bid.pk: audit_entries(b.bid) for b in group}
    gates = [Gate() for _ in in_flight_moments]
    in_flight = [
        Running(submit(thread_clock, b, at, gate)) for b, at, gate in zip(group, in_flight_moments, gates, strict=False)
    ]
    with finishing(in_flight, gates) as started:
        for gate in gates:
            assert gate.arrived.wait(WAIT)
        # when the deadline is moved later meanwhile: that waits for them
        mover = Running(move.job(thread_clock, world.officer, tender, moved_at))
        started.append(mover)
        wait_until_blocked_on_a_lock(mover, lock="the tender row")
    made, *results = join_all([mover, *in_flight])
    # then they were judged against the deadline as it stood (the old one), and committed first
    assert (made.deadline_before, made.deadline_after) == (old, new)
    assert Tender.objects.get(pk=tender.pk).tender_end == new
    moved = move.sequence(tender)
    for bidder, at, result in zip(group, in_flight_moments, results, strict=False):
        if at <= old:
            assert_accepted(bidder, result, at)
            assert submitted_sequence(bidder.bid) < moved
        else:
            assert deadline_named(result, old, new) == old
            assert_refused_leaving_nothing(bidder, result, audit_before[bidder.bid.pk])
    # and submissions made after the move meet the new deadline, to the microsecond
    later = group[len(in_flight_moments) :]
    later_moments = [old + TICK, old + HOUR, new, new + TICK]
    results = run_together([submit(thread_clock, b, at) for b, at in zip(later, later_moments, strict=True)])
    assert [isinstance(r, Receipt) for r in results] == [True, True, True, False]
    for bidder, at, result in zip(later, later_moments, results, strict=True):
        if at <= new:
            assert_accepted(bidder, result, at)
            assert submitted_sequence(bidder.bid) > moved
        else:
            assert deadline_named(result, old, new) == new
            assert_refused_leaving_nothing(bidder, result, audit_before[bidder.bid.pk])


def test_submissions_arriving_while_the_deadline_moves_wait_and_meet_the_new_one(
    world: World, tender: Tender, thread_clock: ThreadClock, move: DeadlineMove
) -> None:
    # given the deadline being moved later, in flight (holding the tender row)
    old = tender.tender_end
    assert old is not None
    moved_at = old - HOUR
    new = move.new_deadline(tender, moved_at)
    moments = [old - TICK, old + TICK, old + HOUR, new, new + TICK]
    group = bidders(tender, len(moments))
    audit_before = {b.bid.pk: audit_entries(b.bid) for b in group}
    gate = Gate()
    mover = Running(move.job(thread_clock, world.officer, tender, moved_at, gate))
    with finishing([mover], [gate]) as started:
        assert gate.arrived.wait(WAIT)
        # when submissions, some past the old deadline but within the new one, arrive meanwhile
        waiting = [Running(submit(thread_clock, b, at)) for b, at in zip(group, moments, strict=True)]
        started.extend(waiting)
        for running in waiting:
            wait_until_blocked_on_a_lock(running, lock="the tender row")
    made, *results = join_all([mover, *waiting])
    # then they waited for the move and were judged against the new deadline
    assert (made.deadline_before, made.deadline_after) == (old, new)
    moved = move.sequence(tender)
    assert [isinstance(r, Receipt) for r in results] == [True, True, True, True, False]
    for bidder, at, result in zip(group, moments, results, strict=True):
        if at <= new:
            assert_accepted(bidder, result, at)
            assert submitted_sequence(bidder.bid) > moved
        else:
            assert deadline_named(result, old, new) == new
            assert_refused_leaving_nothing(bidder, result, audit_before[bidder.bid.pk])


def test_submissions_racing_a_deadline_move_meet_the_deadline_in_force_when_they_commit(
    world: World, tender: Tender, thread_clock: ThreadClock, move: DeadlineMove
) -> None:
    # given sixteen suppliers submitting at moments around the old and the new deadline
    old = tender.tender_end
    assert old is not None
    moved_at = old - HOUR
    new = move.new_deadline(tender, moved_at)
    moments = [
        *(old - SECOND, old - TICK, old, old),
        *(old + TICK, old + TICK, old + SECOND, old + HOUR),
        *(new - HOUR, new - TICK, new, new),
        *(new + TICK, new + TICK, new + SECOND, old + 2 * TICK),
    ]
    group = bidders(tender, len(moments))
    audit_before = {b.bid.pk: audit_entries(b.bid) for b in group}
    # when they and a move of the deadline, later, all start at once
    made, *results = run_together(
        [
            move.job(thread_clock, world.officer, tender, moved_at),
            *(submit(thread_clock, b, at) for b, at in zip(group, moments, strict=True)),
        ]
    )
    # then each accepted submission was within the deadline in force when it committed (the old
    # one if it committed before the move, else the new one), and each refusal named the
    # deadline it was judged against, which it had missed
    assert (made.deadline_before, made.deadline_after) == (old, new)
    moved = move.sequence(tender)
    for bidder, at, result in zip(group, moments, results, strict=True):
        if isinstance(result, Receipt):
            assert_accepted(bidder, result, at)
            in_force = new if submitted_sequence(bidder.bid) > moved else old
            assert at <= in_force, (at, in_force)
        else:
            judged = deadline_named(result, old, new)
            assert at > judged, (at, judged)
            assert_refused_leaving_nothing(bidder, result, audit_before[bidder.bid.pk])
    # bids by the old deadline are always accepted, bids after the new one never
    outcomes = [(at, isinstance(r, Receipt)) for at, r in zip(moments, results, strict=True)]
    assert [accepted for at, accepted in outcomes if at <= old] == [True] * 4
    assert [accepted for at, accepted in outcomes if at > new] == [False] * 3


# --- (c) One supplier submitting more than once at once -------------------------------------------
def test_one_draft_submitted_eight_times_at_once_becomes_one_version(world: World, tender: Tender) -> None:
    # given a complete draft (a bid manager pressing "submit" eight times)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    # when the eight requests arrive together
    results = run_together([submit_any(world.bid_manager, bid) for _ in range(8)])
    # then one is the submission, the others are told the bid as it stands already counts
    receipts_issued = [r for r in results if isinstance(r, Receipt)]
    assert len(receipts_issued) == 1
    assert all("no changes to submit" in r.message for r in results if isinstance(r, RuleViolation))
    assert list(BidVersion.objects.filter(bid=bid).values_list("number", flat=True)) == [1]
    assert list(Receipt.objects.filter(bid=bid).values_list("pk", flat=True)) == [receipts_issued[0].pk]
    assert AuditEntry.objects.filter(action="bid.submitted", object_id=str(bid.pk)).count() == 1


def submit_any(manager: User, bid: Bid) -> Callable[[], Receipt | RuleViolation]:
    def job() -> Receipt | RuleViolation:
        try:
            return services.bid_submit(actor=manager, bid=bid)
        except RuleViolation as refused:
            return refused

    return job


def test_a_supplier_replacing_its_bid_from_four_places_at_once_numbers_every_version_once(
    world: World, tender: Tender
) -> None:
    # given a submitted bid, and four of the supplier's sessions each saving its own price and
    # submitting it, three times over
    bid = draft_bid(tender, world.bid_manager, world.supplier, price="5000.00")
    first = services.bid_submit(actor=world.bid_manager, bid=bid)
    prices = {f"{4000 + 10 * session + turn}.00" for session in range(4) for turn in range(3)}

    def session(number: int) -> Callable[[], list[Receipt | RuleViolation]]:
        def job() -> list[Receipt | RuleViolation]:
            outcomes: list[Receipt | RuleViolation] = []
            for turn in range(3):
                services.bid_draft_save(actor=world.bid_manager, bid=bid, price=f"{4000 + 10 * number + turn}.00")
                outcomes.append(submit_any(world.bid_manager, bid)())
            return outcomes

        return job

    # when the four sessions run at once
    outcomes = [o for result in run_together([session(n) for n in range(4)]) for o in result]
    # then every accepted submission is a version of its own, numbered in turn from 2, none lost
    # or duplicated; a submission finding its draft already submitted by another session is told so
    issued = [o for o in outcomes if isinstance(o, Receipt)]
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(issued) + len(refused) == 12
    assert all("no changes to submit" in r.message for r in refused)
    versions = list(BidVersion.objects.filter(bid=bid).order_by("number"))
    assert [v.number for v in versions] == list(range(1, len(issued) + 2))
    assert len(versions) >= 3  # each session saves again after its own submission
    numbers = sorted(receipts.verify(r.document, receipts.public_key())["bid"]["version"] for r in issued)
    assert numbers == list(range(2, len(issued) + 2))
    by_version = {r.version_id: r for r in Receipt.objects.filter(bid=bid)}
    assert set(by_version) == {v.pk for v in versions}
    assert by_version[versions[0].pk].pk == first.pk
    assert {services.version_content(v).price_amount for v in versions[1:]} <= prices
    assert AuditEntry.objects.filter(action="bid.replaced", object_id=str(bid.pk)).count() == len(issued)
    latest = Bid.objects.get(pk=bid.pk)
    assert latest.submitted_at == versions[-1].submitted_at


# --- (d) Two bids for the same lot at once -------------------------------------------------------
def test_starting_the_same_suppliers_bid_for_a_lot_eight_times_at_once_makes_one_bid(
    world: World, tender: Tender
) -> None:
    # given a lot no one has bid for yet (so the tender's data key is made by the first bid)
    lot = tender.lots.get()
    assert not TenderKey.objects.filter(tender=tender).exists()

    def start() -> Bid | Conflict:
        try:
            return services.bid_start(actor=world.bid_manager, tender=tender, lot=lot, supplier=world.supplier)
        except Conflict as refused:
            return refused

    # when the supplier starts a bid for it from eight places at once
    results = run_together([start] * 8)
    # then the database kept one; the other seven were told to continue with that one
    started = [r for r in results if isinstance(r, Bid)]
    refused = [r for r in results if not isinstance(r, Bid)]
    assert (len(started), len(refused)) == (1, 7)
    assert all(isinstance(r, Conflict) and "already has a bid for this lot" in r.message for r in refused)
    assert list(Bid.objects.filter(lot=lot, supplier=world.supplier).values_list("pk", flat=True)) == [started[0].pk]
    assert list(AuditEntry.objects.filter(action="bid.draft_saved").values_list("object_id", flat=True)) == [
        str(started[0].pk)
    ]
    assert TenderKey.objects.filter(tender=tender).count() == 1
    # and the bid that was kept works with the one data key
    services.bid_draft_save(actor=world.bid_manager, bid=started[0], price="10.00")
    assert services.working_content(Bid.objects.get(pk=started[0].pk)).price_amount == "10.00"
