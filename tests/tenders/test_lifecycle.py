"""Lifecycle: the clock moves through every transition of every procedure, and the sweep makes
each one durable exactly once, with the moment it took effect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import pytest

from procura.audit.models import AuditEntry
from procura.core import clock, events
from procura.core.errors import RuleViolation
from procura.tenders import services
from procura.tenders.domain import TenderStatus
from procura.tenders.events import TenderCancelled, TenderStatusChanged, TenderUnsuccessful
from procura.tenders.models import StatusChange, Tender
from procura.tenders.selectors import status_of
from procura.tenders.services import LotDetails, details_of
from procura.tenders.tasks import sweep_tender_deadlines
from tests.conftest import World
from tests.tenders.support import DAY, item, published

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # the frozen clock's start: every tender is published then
TICK = dt.timedelta(microseconds=1)
HOUR = dt.timedelta(hours=1)

S = TenderStatus
E = TypeVar("E", bound=events.DomainEvent)


@contextmanager
def collected(event_type: type[E]) -> Iterator[list[E]]:
    received: list[E] = []
    events.subscribe(event_type, received.append)
    try:
        yield received
    finally:
        events.unsubscribe(event_type, received.append)


def history(tender: Tender) -> list[tuple[str, dt.datetime]]:
    return list(tender.status_changes.order_by("effective_at", "id").values_list("status", "effective_at"))


def recorded_audit(tender: Tender) -> list[dict[str, Any]]:
    entries = AuditEntry.objects.filter(action="tender.status_recorded", object_id=str(tender.pk)).order_by("sequence")
    return [{"before": e.before, "after": e.after, "actor": e.actor_label} for e in entries]


def fresh(tender: Tender) -> Tender:
    return Tender.objects.get(pk=tender.pk)


# --- Every procedure, moment by moment ------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    at: dt.datetime
    status: TenderStatus  # what the tender shows at `at`, whether or not the sweep ran
    recorded: tuple[tuple[TenderStatus, dt.datetime], ...]  # what a sweep at `at` makes durable
    next_deadline: dt.datetime | None  # the tender's next moment after that sweep


@dataclass(frozen=True)
class Case:
    procedure: str
    overrides: Callable[[], dict[str, Any]]
    initial: TenderStatus
    first_deadline: Callable[[Tender], dt.datetime | None]
    steps: Callable[[Tender], list[Step]]


def _open_steps(t: Tender) -> list[Step]:
    assert t.enquiry_end
    assert t.tender_end
    assert t.bid_opening_at
    enquiry, deadline, opening = t.enquiry_end, t.tender_end, t.bid_opening_at
    return [
        Step(enquiry, S.TENDERING, (), deadline),
        Step(enquiry + TICK, S.TENDERING, (), deadline),
        Step(deadline - TICK, S.TENDERING, (), deadline),
        Step(deadline, S.TENDERING, (), deadline),  # inclusive: a bid at the deadline is on time
        Step(deadline + TICK, S.EVALUATION, ((S.EVALUATION, deadline + TICK),), opening),
        Step(opening, S.EVALUATION, (), None),
        Step(opening + TICK, S.EVALUATION, (), None),
    ]


def _restricted_steps(t: Tender) -> list[Step]:
    assert t.qualification_end
    assert t.tender_start
    assert t.enquiry_end
    assert t.tender_end
    assert t.bid_opening_at
    qualification, start, enquiry = t.qualification_end, t.tender_start, t.enquiry_end
    deadline, opening = t.tender_end, t.bid_opening_at
    return [
        Step(qualification - TICK, S.QUALIFICATION, (), qualification),
        Step(qualification, S.QUALIFICATION, (), qualification),
        Step(qualification + TICK, S.ENQUIRIES, ((S.ENQUIRIES, qualification + TICK),), start),
        Step(start - TICK, S.ENQUIRIES, (), start),
        Step(start, S.TENDERING, ((S.TENDERING, start),), deadline),  # bids open at the start itself
        Step(enquiry, S.TENDERING, (), deadline),
        Step(enquiry + TICK, S.TENDERING, (), deadline),
        Step(deadline, S.TENDERING, (), deadline),
        Step(deadline + TICK, S.EVALUATION, ((S.EVALUATION, deadline + TICK),), opening),
        Step(opening, S.EVALUATION, (), None),
    ]


def _restricted_with_a_gap_steps(t: Tender) -> list[Step]:
    # questions close between the qualification stage and the opening of bids: "announced"
    assert t.qualification_end
    assert t.tender_start
    assert t.enquiry_end
    assert t.tender_end
    assert t.bid_opening_at
    qualification, enquiry, start = t.qualification_end, t.enquiry_end, t.tender_start
    deadline, opening = t.tender_end, t.bid_opening_at
    return [
        Step(qualification, S.QUALIFICATION, (), qualification),
        Step(qualification + TICK, S.ENQUIRIES, ((S.ENQUIRIES, qualification + TICK),), enquiry),
        Step(enquiry, S.ENQUIRIES, (), enquiry),
        Step(enquiry + TICK, S.PLANNED, ((S.PLANNED, enquiry + TICK),), start),
        Step(start, S.TENDERING, ((S.TENDERING, start),), deadline),
        Step(deadline, S.TENDERING, (), deadline),
        Step(deadline + TICK, S.EVALUATION, ((S.EVALUATION, deadline + TICK),), opening),
        Step(opening, S.EVALUATION, (), None),
    ]


def _quotation_steps(t: Tender) -> list[Step]:
    # bids open three days after publication: questions first
    assert t.tender_start
    assert t.enquiry_end
    assert t.tender_end
    assert t.bid_opening_at
    start, enquiry, deadline, opening = t.tender_start, t.enquiry_end, t.tender_end, t.bid_opening_at
    return [
        Step(start - TICK, S.ENQUIRIES, (), start),
        Step(start, S.TENDERING, ((S.TENDERING, start),), deadline),
        Step(enquiry, S.TENDERING, (), deadline),
        Step(enquiry + TICK, S.TENDERING, (), deadline),
        Step(deadline, S.TENDERING, (), deadline),
        Step(deadline + TICK, S.EVALUATION, ((S.EVALUATION, deadline + TICK),), opening),
        Step(opening, S.EVALUATION, (), None),
    ]


def _negotiated_steps(t: Tender) -> list[Step]:
    assert t.tender_end
    assert t.bid_opening_at is None
    deadline = t.tender_end
    return [
        Step(deadline, S.TENDERING, (), deadline),
        Step(deadline + TICK, S.EVALUATION, ((S.EVALUATION, deadline + TICK),), None),
        Step(deadline + 30 * DAY, S.EVALUATION, (), None),
    ]


def _direct_steps(t: Tender) -> list[Step]:
    return [Step(T0 + DAY, S.EVALUATION, (), None), Step(T0 + 400 * DAY, S.EVALUATION, (), None)]


CASES = [
    Case("open", dict, S.TENDERING, lambda t: t.tender_end, _open_steps),
    Case("restricted", dict, S.QUALIFICATION, lambda t: t.qualification_end, _restricted_steps),
    Case(
        "restricted",
        lambda: {"enquiry_end": T0 + 12 * DAY + 6 * HOUR},
        S.QUALIFICATION,
        lambda t: t.qualification_end,
        _restricted_with_a_gap_steps,
    ),
    Case(
        "request_for_quotation",
        lambda: {"tender_start": T0 + 3 * DAY},
        S.ENQUIRIES,
        lambda t: t.tender_start,
        _quotation_steps,
    ),
    Case("negotiated", dict, S.TENDERING, lambda t: t.tender_end, _negotiated_steps),
    Case("direct", dict, S.EVALUATION, lambda t: None, _direct_steps),
]
CASE_IDS = ["open", "restricted", "restricted-announced-gap", "request_for_quotation", "negotiated", "direct"]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_every_transition_is_shown_at_its_moment_and_recorded_once_by_the_sweep(
    world: World, frozen_clock: clock.Clock, case: Case
) -> None:
    # given a tender published under the frozen clock
    tender = published(world.officer, world.buyer, case.procedure, **case.overrides())
    assert tender.published_at == T0
    assert status_of(tender) == case.initial
    assert tender.recorded_status == case.initial
    assert tender.next_deadline_at == case.first_deadline(tender)
    assert history(tender) == [(case.initial, T0)]
    expected_history = [(case.initial, T0)]
    expected_audit: list[dict[str, Any]] = []
    shown = case.initial
    for step in case.steps(tender):
        # when the clock reaches the moment
        frozen_clock.set(step.at)
        # then the tender shows its status at once, sweep or not
        assert status_of(fresh(tender)) == step.status, step
        # and the sweep makes exactly the transitions that took effect durable, with their moments
        due = fresh(tender).next_deadline_at
        with collected(TenderStatusChanged) as received:
            looked_at = services.tenders_sweep()
        assert looked_at == (1 if due is not None and due <= step.at else 0), step
        expected_history += list(step.recorded)
        assert history(tender) == expected_history, step
        assert [(e.status, e.at, e.previous) for e in received] == [
            (status, at, previous)
            for (status, at), previous in zip(step.recorded, [shown, *(s for s, _ in step.recorded)], strict=False)
        ], step
        assert all(e.tender_id == tender.pk and e.ocid == tender.ocid for e in received)
        for status, at in step.recorded:
            expected_audit.append(
                {
                    "before": {"status": shown},
                    "after": {"status": status, "effective_at": at.isoformat()},
                    "actor": "platform",
                }
            )
            shown = status
        assert recorded_audit(tender) == expected_audit, step
        stored = fresh(tender)
        assert stored.next_deadline_at == step.next_deadline, step
        if step.recorded or looked_at:
            assert stored.recorded_status == step.status, step
        # and a second sweep at the same moment records nothing new
        with collected(TenderStatusChanged) as again:
            services.tenders_sweep()
        assert again == []
        assert history(tender) == expected_history
        assert len(recorded_audit(tender)) == len(expected_audit)
    assert StatusChange.objects.filter(tender=tender).count() == len(expected_history)


def test_the_published_deadline_is_the_first_moment_a_status_changes(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender: questions close on day 10, bids on day 20, opened an hour later
    tender = published(world.officer, world.buyer, "open")
    # then the sweep waits for the bid deadline (the question deadline changes no status)
    assert (tender.enquiry_end, tender.tender_end, tender.bid_opening_at) == (
        T0 + 10 * DAY,
        T0 + 20 * DAY,
        T0 + 20 * DAY + HOUR,
    )
    assert tender.next_deadline_at == T0 + 20 * DAY
    assert fresh(tender).next_deadline_at == T0 + 20 * DAY


# --- A sweep that ran late ------------------------------------------------------------------------
def test_a_late_sweep_records_every_missed_transition_with_its_true_moment(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a restricted tender whose questions close before bids open, and no sweep for 40 days
    tender = published(world.officer, world.buyer, "restricted", enquiry_end=T0 + 12 * DAY + 6 * HOUR)
    assert tender.qualification_end
    assert tender.enquiry_end
    assert tender.tender_start
    assert tender.tender_end
    frozen_clock.set(T0 + 40 * DAY)
    # when the sweep finally runs
    with collected(TenderStatusChanged) as received:
        assert services.tenders_sweep() == 1
    # then four transitions are recorded, each at the moment it took effect
    expected = [
        (S.ENQUIRIES, tender.qualification_end + TICK),
        (S.PLANNED, tender.enquiry_end + TICK),
        (S.TENDERING, tender.tender_start),
        (S.EVALUATION, tender.tender_end + TICK),
    ]
    assert history(tender) == [(S.QUALIFICATION, T0), *expected]
    assert [(e.status, e.at) for e in received] == expected
    assert [e.previous for e in received] == [S.QUALIFICATION, S.ENQUIRIES, S.PLANNED, S.TENDERING]
    assert [a["after"]["status"] for a in recorded_audit(tender)] == [s for s, _ in expected]
    assert StatusChange.objects.filter(tender=tender).values_list("recorded_at", flat=True).distinct().count() == 2
    stored = fresh(tender)
    assert stored.recorded_status == S.EVALUATION
    assert stored.next_deadline_at is None  # the bid opening has passed too
    # and a second late sweep records nothing
    with collected(TenderStatusChanged) as again:
        assert services.tenders_sweep() == 0
    assert again == []


def test_a_sweep_two_transitions_late_records_both(world: World, frozen_clock: clock.Clock) -> None:
    # given a restricted tender swept at publication only
    tender = published(world.officer, world.buyer, "restricted")
    assert tender.qualification_end
    assert tender.tender_start
    # when the sweep runs only once bids have opened (the qualification end and the start passed)
    frozen_clock.set(tender.tender_start + HOUR)
    with collected(TenderStatusChanged) as received:
        services.tenders_sweep()
    # then both are recorded with their true moments, not the sweep's
    assert [(e.status, e.at) for e in received] == [
        (S.ENQUIRIES, tender.qualification_end + TICK),
        (S.TENDERING, tender.tender_start),
    ]
    assert list(
        tender.status_changes.order_by("effective_at").values_list("status", "effective_at", "recorded_at")
    ) == [
        (S.QUALIFICATION, T0, T0),
        (S.ENQUIRIES, tender.qualification_end + TICK, clock.now()),
        (S.TENDERING, tender.tender_start, clock.now()),
    ]
    stored = fresh(tender)
    assert (stored.recorded_status, stored.next_deadline_at) == (S.TENDERING, tender.tender_end)


def test_the_sweep_looks_only_at_tenders_whose_moment_has_come(world: World, frozen_clock: clock.Clock) -> None:
    # given a negotiated tender closing on day 6 and an open one closing on day 20, and a draft
    soon = published(world.officer, world.buyer, "negotiated")
    later = published(world.officer, world.buyer, "open")
    services.tender_create(actor=world.officer, buyer=world.buyer, details=details_of(later))
    # when the clock passes the first deadline only
    frozen_clock.set(T0 + 6 * DAY + TICK)
    looked_at = services.tenders_sweep()
    # then one tender was looked at, and only its transition recorded
    assert looked_at == 1
    assert history(soon)[-1] == (S.EVALUATION, T0 + 6 * DAY + TICK)
    assert history(later) == [(S.TENDERING, T0)]


# --- Amended while open ---------------------------------------------------------------------------
def test_a_material_amendment_two_days_before_the_deadline_moves_it_and_the_sweep_follows(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given an open tender, swept two days before its deadline
    tender = published(world.officer, world.buyer, "open")
    old_deadline = tender.tender_end
    assert old_deadline == T0 + 20 * DAY
    frozen_clock.set(old_deadline - 2 * DAY)
    services.tenders_sweep()
    assert fresh(tender).next_deadline_at == old_deadline
    # when a lot is added (a material change)
    current = details_of(tender)
    amendment = services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(current, lots=(*current.lots, LotDetails(title="Aprons", items=(item(),)))),
        rationale="Aprons were forgotten.",
    )
    # then bids stay open seven days from now, and the sweep waits for the new deadline
    new_deadline = clock.now() + 7 * DAY
    stored = fresh(tender)
    assert amendment.material is True
    assert (amendment.deadline_before, amendment.deadline_after) == (old_deadline, new_deadline)
    assert stored.tender_end == new_deadline
    assert stored.bid_opening_at == new_deadline
    assert stored.next_deadline_at == new_deadline
    # and past the old deadline the tender is still open for bids; the sweep records nothing
    frozen_clock.set(old_deadline + TICK)
    assert status_of(fresh(tender)) == S.TENDERING
    with collected(TenderStatusChanged) as received:
        assert services.tenders_sweep() == 0
    assert received == []
    assert history(tender) == [(S.TENDERING, T0)]
    # even when the sweep is made to look at the tender at the old deadline
    services.tender_record_status(tender=tender, at=old_deadline + TICK)
    assert history(tender) == [(S.TENDERING, T0)]
    assert fresh(tender).recorded_status == S.TENDERING
    # and bids close at the new deadline, inclusive
    frozen_clock.set(new_deadline)
    assert status_of(fresh(tender)) == S.TENDERING
    frozen_clock.set(new_deadline + TICK)
    with collected(TenderStatusChanged) as received:
        assert services.tenders_sweep() == 1
    assert [(e.status, e.at) for e in received] == [(S.EVALUATION, new_deadline + TICK)]
    assert history(tender) == [(S.TENDERING, T0), (S.EVALUATION, new_deadline + TICK)]
    assert fresh(tender).next_deadline_at is None  # the opening moved to the deadline, now passed


def test_a_minor_amendment_before_the_deadline_leaves_the_sweep_on_time(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given an open tender two days before its deadline
    tender = published(world.officer, world.buyer, "open")
    deadline = tender.tender_end
    assert deadline is not None
    frozen_clock.set(deadline - 2 * DAY)
    # when only the title changes
    services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), title="Nitrile gloves"),
        rationale="Clearer title.",
    )
    # then the deadline stands and bids close at it
    assert fresh(tender).next_deadline_at == deadline
    frozen_clock.set(deadline + TICK)
    services.tenders_sweep()
    assert history(tender) == [(S.TENDERING, T0), (S.EVALUATION, deadline + TICK)]


def test_a_deadline_brought_forward_still_leaves_the_amendment_minimum(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender closing on day 30, on day 11 (questions closed on day 10)
    tender = published(
        world.officer, world.buyer, "open", tender_end=T0 + 30 * DAY, bid_opening_at=T0 + 30 * DAY + HOUR
    )
    frozen_clock.set(T0 + 11 * DAY)
    # when the deadline is brought forward to day 16 (still 15 days from publication)
    amendment = services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), tender_end=T0 + 16 * DAY, bid_opening_at=T0 + 16 * DAY + HOUR),
        rationale="Needed sooner.",
    )
    # then the change is material, and bidders keep the seven days an amendment leaves
    stored = fresh(tender)
    assert amendment.material is True
    assert (amendment.deadline_before, amendment.deadline_after) == (T0 + 30 * DAY, T0 + 18 * DAY)
    assert (stored.tender_end, stored.bid_opening_at, stored.next_deadline_at) == (
        T0 + 18 * DAY,
        T0 + 18 * DAY,
        T0 + 18 * DAY,
    )
    assert {c["field"] for c in amendment.changes} == {"tender_end", "bid_opening_at"}


def test_bids_that_have_opened_stay_open_whatever_an_amendment_says(world: World, frozen_clock: clock.Clock) -> None:
    # given a restricted tender open for bids since day 13, swept
    tender = published(world.officer, world.buyer, "restricted")
    start = tender.tender_start
    assert start == T0 + 13 * DAY
    frozen_clock.set(start + DAY)
    services.tenders_sweep()
    # when an amendment moves the opening of bids later (with a clearer title)
    services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), title="Gloves, restricted", tender_start=clock.now() + DAY),
        rationale="Later start.",
    )
    # then bids stay open: the start that has passed is kept, and nothing went back in time
    stored = fresh(tender)
    assert stored.tender_start == start
    assert status_of(stored) == S.TENDERING
    assert status_of(stored, start + HOUR) == S.TENDERING
    services.tenders_sweep()
    assert [s for s, _ in history(tender)] == [S.QUALIFICATION, S.ENQUIRIES, S.TENDERING]


def test_an_open_deadline_cannot_be_moved_into_the_past(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender whose questions close on day 10, and a question asked on day 9
    tender = published(world.officer, world.buyer, "open")
    frozen_clock.set(T0 + 9 * DAY)
    services.clarification_ask(actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Latex?")
    # when an amendment sets the question deadline to day 6 (already past)
    with pytest.raises(services.InvalidInput) as caught:
        services.tender_amend(
            actor=world.officer,
            tender=tender,
            details=replace(details_of(tender), enquiry_end=T0 + 6 * DAY),
            rationale="Close questions.",
        )
    # then it is refused: closing retroactively would turn an accepted question into a late one
    assert set(caught.value.fields) == {"enquiry_period_end"}
    assert fresh(tender).enquiry_end == T0 + 10 * DAY
    assert tender.amendments.count() == 0
    # while closing it at a moment still to come is fine
    services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), enquiry_end=clock.now()),
        rationale="Close questions.",
    )
    assert fresh(tender).enquiry_end == T0 + 9 * DAY


# --- Cancellation and failure ---------------------------------------------------------------------
ACTIVE = [
    ("restricted", {}, T0 + DAY, S.QUALIFICATION),
    ("restricted", {}, T0 + 12 * DAY + TICK, S.ENQUIRIES),
    ("restricted", {"enquiry_end": T0 + 12 * DAY + 6 * HOUR}, T0 + 12 * DAY + 7 * HOUR, S.PLANNED),
    ("open", {}, T0 + DAY, S.TENDERING),
    ("open", {}, T0 + 20 * DAY, S.TENDERING),  # at the deadline itself
    ("open", {}, T0 + 20 * DAY + TICK, S.EVALUATION),
    ("negotiated", {}, T0 + 7 * DAY, S.EVALUATION),
    ("direct", {}, T0, S.EVALUATION),
]


@pytest.mark.parametrize(("procedure", "overrides", "at", "status"), ACTIVE)
def test_a_tender_can_be_cancelled_in_every_active_status(
    world: World,
    frozen_clock: clock.Clock,
    procedure: str,
    overrides: dict[str, Any],
    at: dt.datetime,
    status: TenderStatus,
) -> None:
    # given a published tender in `status`, swept
    tender = published(world.officer, world.buyer, procedure, **overrides)
    frozen_clock.set(at)
    services.tenders_sweep()
    assert status_of(fresh(tender)) == status
    before = history(tender)
    assert before[-1][0] == status
    just_before = status_of(tender, at - TICK)
    # when it is cancelled
    with collected(TenderCancelled) as cancelled, collected(TenderStatusChanged) as changed:
        services.tender_cancel(actor=world.officer, tender=tender, reason="The need has gone.")
    # then it is cancelled from now on, for good
    stored = fresh(tender)
    assert (stored.cancelled_at, stored.cancellation_reason) == (at, "The need has gone.")
    assert (stored.recorded_status, stored.next_deadline_at) == (S.CANCELLED, None)
    assert history(tender) == [*before, (S.CANCELLED, at)]
    assert [(e.ocid, e.at, e.reason) for e in cancelled] == [(tender.ocid, at, "The need has gone.")]
    assert changed == []
    audit = AuditEntry.objects.get(action="tender.cancelled", object_id=str(tender.pk))
    assert audit.before == {"status": status}
    assert audit.after == {"status": "cancelled", "reason": "The need has gone."}
    assert status_of(stored, at - TICK) == just_before  # the past is unchanged
    for later in (at, at + TICK, at + 30 * DAY, at + 400 * DAY):
        frozen_clock.set(later)
        assert status_of(fresh(tender)) == S.CANCELLED
        with collected(TenderStatusChanged) as swept:
            assert services.tenders_sweep() == 0
        assert swept == []
    assert history(tender) == [*before, (S.CANCELLED, at)]
    with pytest.raises(RuleViolation):
        services.tender_cancel(actor=world.officer, tender=tender, reason="Again.")
    with pytest.raises(RuleViolation):
        services.tender_mark_unsuccessful(actor=world.officer, tender=tender, reason="No bids.")


def test_cancelling_before_the_sweep_ran_keeps_the_missed_transitions(world: World, frozen_clock: clock.Clock) -> None:
    # given a restricted tender open for bids since day 13, never swept
    tender = published(world.officer, world.buyer, "restricted")
    assert tender.qualification_end
    assert tender.tender_start
    frozen_clock.set(T0 + 15 * DAY)
    # when it is cancelled
    with collected(TenderStatusChanged) as changed:
        services.tender_cancel(actor=world.officer, tender=tender, reason="The need has gone.")
    # then its history still says it was open for questions, then for bids, before being cancelled
    assert history(tender) == [
        (S.QUALIFICATION, T0),
        (S.ENQUIRIES, tender.qualification_end + TICK),
        (S.TENDERING, tender.tender_start),
        (S.CANCELLED, T0 + 15 * DAY),
    ]
    assert [(e.status, e.previous) for e in changed] == [(S.ENQUIRIES, S.QUALIFICATION), (S.TENDERING, S.ENQUIRIES)]
    assert [a["after"]["status"] for a in recorded_audit(tender)] == [S.ENQUIRIES, S.TENDERING]


def test_a_tender_is_declared_unsuccessful_only_after_bids_close(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender, swept as time passes
    tender = published(world.officer, world.buyer, "open")
    deadline = tender.tender_end
    assert deadline is not None
    for at in (T0 + DAY, deadline):  # open for bids, and at the deadline itself (inclusive)
        frozen_clock.set(at)
        with pytest.raises(RuleViolation):
            services.tender_mark_unsuccessful(actor=world.officer, tender=tender, reason="No bids.")
    assert fresh(tender).unsuccessful_at is None
    frozen_clock.set(deadline + TICK)
    services.tenders_sweep()
    # when it is declared unsuccessful a day after the close
    frozen_clock.set(deadline + DAY)
    with collected(TenderUnsuccessful) as received:
        services.tender_mark_unsuccessful(actor=world.officer, tender=tender, reason="No valid bids.")
    # then
    stored = fresh(tender)
    assert (stored.unsuccessful_at, stored.unsuccessful_reason) == (deadline + DAY, "No valid bids.")
    assert (stored.recorded_status, stored.next_deadline_at) == (S.UNSUCCESSFUL, None)
    assert history(tender) == [(S.TENDERING, T0), (S.EVALUATION, deadline + TICK), (S.UNSUCCESSFUL, deadline + DAY)]
    assert [(e.at, e.reason) for e in received] == [(deadline + DAY, "No valid bids.")]
    assert AuditEntry.objects.filter(action="tender.unsuccessful", object_id=str(tender.pk)).count() == 1
    frozen_clock.set(deadline + 100 * DAY)
    assert status_of(fresh(tender)) == S.UNSUCCESSFUL
    assert services.tenders_sweep() == 0
    with pytest.raises(RuleViolation):
        services.tender_cancel(actor=world.officer, tender=tender, reason="Too late.")


def test_declaring_failure_before_the_sweep_ran_keeps_the_close(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender whose bids closed, never swept
    tender = published(world.officer, world.buyer, "open")
    deadline = tender.tender_end
    assert deadline is not None
    frozen_clock.set(deadline + DAY)
    # when it is declared unsuccessful
    services.tender_mark_unsuccessful(actor=world.officer, tender=tender, reason="No valid bids.")
    # then the close of bids is in its history before the failure
    assert history(tender) == [(S.TENDERING, T0), (S.EVALUATION, deadline + TICK), (S.UNSUCCESSFUL, deadline + DAY)]


@contextmanager
def bid_counter(count: int) -> Iterator[list[Tender]]:
    asked: list[Tender] = []

    def counter(tender: Tender) -> int:
        asked.append(tender)
        return count

    services.register_bid_counter(counter)
    try:
        yield asked
    finally:
        services._bid_counters.remove(counter)


def test_a_tender_without_bids_is_declared_unsuccessful_by_the_sweep_at_close(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given an open tender and a bids app that counts no bids for it
    tender = published(world.officer, world.buyer, "open")
    deadline = tender.tender_end
    assert deadline is not None
    with bid_counter(0) as asked, collected(TenderUnsuccessful) as failed, collected(TenderStatusChanged) as changed:
        # while bids are open nobody asks how many there are
        frozen_clock.set(deadline)
        services.tenders_sweep()
        assert asked == []
        # when the sweep runs just after the close
        frozen_clock.set(deadline + TICK)
        services.tenders_sweep()
        # then the close is recorded, and the tender declared unsuccessful by the platform
        assert [t.pk for t in asked] == [tender.pk]
        stored = fresh(tender)
        assert (stored.unsuccessful_at, stored.unsuccessful_reason) == (deadline + TICK, "No valid bids were received.")
        assert (stored.recorded_status, stored.next_deadline_at) == (S.UNSUCCESSFUL, None)
        assert history(tender) == [
            (S.TENDERING, T0),
            (S.EVALUATION, deadline + TICK),
            (S.UNSUCCESSFUL, deadline + TICK),
        ]
        assert [(e.status, e.at) for e in changed] == [(S.EVALUATION, deadline + TICK)]
        assert [(e.at, e.reason) for e in failed] == [(deadline + TICK, "No valid bids were received.")]
        entry = AuditEntry.objects.get(action="tender.unsuccessful", object_id=str(tender.pk))
        assert (entry.actor_id, entry.actor_label) == (None, "platform")
        # and later sweeps leave it alone
        frozen_clock.set(deadline + 2 * DAY)
        assert services.tenders_sweep() == 0
        assert len(asked) == 1
    assert services._bid_counters == []


def test_a_tender_with_bids_stays_in_evaluation(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer, "open")
    deadline = tender.tender_end
    assert deadline is not None
    with bid_counter(3) as asked:
        frozen_clock.set(deadline + TICK)
        services.tenders_sweep()
    stored = fresh(tender)
    assert [t.pk for t in asked] == [tender.pk]
    assert (stored.recorded_status, stored.unsuccessful_at) == (S.EVALUATION, None)
    assert history(tender) == [(S.TENDERING, T0), (S.EVALUATION, deadline + TICK)]


# --- The periodic task ----------------------------------------------------------------------------
def test_the_periodic_task_sweeps(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender whose bids closed a moment ago
    tender = published(world.officer, world.buyer, "open")
    deadline, opening = tender.tender_end, tender.bid_opening_at
    assert deadline is not None
    assert opening is not None
    frozen_clock.set(deadline + TICK)
    # when huey runs the periodic task (immediate in tests)
    with collected(TenderStatusChanged) as received:
        sweep_tender_deadlines()
    # then the close was recorded once, and the task waits for the bid opening
    assert [(e.status, e.at) for e in received] == [(S.EVALUATION, deadline + TICK)]
    assert history(tender) == [(S.TENDERING, T0), (S.EVALUATION, deadline + TICK)]
    assert fresh(tender).next_deadline_at == opening
    # and when its function runs at the opening, it looks at the tender and has nothing left to wait for
    frozen_clock.set(opening)
    assert sweep_tender_deadlines.call_local() == 1
    assert fresh(tender).next_deadline_at is None
    assert sweep_tender_deadlines.call_local() == 0
    assert history(tender) == [(S.TENDERING, T0), (S.EVALUATION, deadline + TICK)]
