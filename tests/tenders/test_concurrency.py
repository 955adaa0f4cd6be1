"""Tender writes racing each other on PostgreSQL: each service locks the tender row, so the
checks it makes hold at the moment it commits.

Every thread has its own connection. The platform clock is process-global, so it is frozen once
and never moved while threads run; where threads need different times (questions straddling a
deadline), `clock.now` is replaced by one that answers each thread its own precomputed moment.
The audit log is one chain whose head row every write locks while holding the tender's row, so
the order of audit entries is the order in which the writes committed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.db import connection, connections

from procura.audit.models import AuditEntry
from procura.core import clock, events
from procura.core.errors import RuleViolation
from procura.tenders import services
from procura.tenders.events import ClarificationAsked, TenderAmended, TenderPublished
from procura.tenders.models import Amendment, Clarification, StatusChange, Tender
from procura.tenders.services import details_of
from tests.conftest import World
from tests.tenders.support import DAY, draft, published

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."
    ),
]

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _units(transactional_db: None) -> None:
    """Units of measure come from a data migration, which the flush after each transactional test
    removes: put them back (the migration keeps the rows it finds)."""
    from django.apps import apps

    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)


def run_together(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start every job at once, each on its own thread (and so its own connection)."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = job()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (a lock never released?)"
    return results, errors


@pytest.fixture
def per_thread_clock(frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch) -> threading.local:
    """`clock.now()` answers the calling thread's own `.at` when it has one, else the frozen time."""
    local = threading.local()
    frozen_now = clock.now

    def now() -> dt.datetime:
        at: dt.datetime | None = getattr(local, "at", None)
        return at if at is not None else frozen_now()

    monkeypatch.setattr(clock, "now", now)
    return local


def audit_sequence(action: str, object_id: Any) -> int:
    return AuditEntry.objects.get(action=action, object_id=str(object_id)).sequence


# --- Questions against a moving enquiry deadline --------------------------------------------------
def test_questions_straddling_the_enquiry_deadline_respect_it_as_it_stood_when_they_committed(
    world: World, per_thread_clock: threading.local
) -> None:
    # given an open tender whose questions close on day 10, and an amendment (made an hour before)
    # moving that deadline a day later
    tender = published(world.officer, world.buyer, "open")
    old = tender.enquiry_end
    assert old == T0 + 10 * DAY
    new = old + DAY
    changed = replace(details_of(tender), enquiry_end=new)
    asked_at = [old - TICK, old, old + TICK, old + 12 * HOUR, new, new + TICK] * 2

    def amend() -> str:
        per_thread_clock.at = old - HOUR
        return services.tender_amend(
            actor=world.officer, tender=tender, details=changed, rationale="More time for questions."
        ).local_id

    def ask(at: dt.datetime) -> Callable[[], str]:
        def job() -> str:
            per_thread_clock.at = at
            try:
                question = services.clarification_ask(
                    actor=world.bid_manager, tender=tender, supplier=world.supplier, question=f"Asked at {at}?"
                )
            except RuleViolation as refused:
                return f"refused: {', '.join(refused.fields)}"
            return str(question.pk)

        return job

    # when the questions and the amendment race
    results, errors = run_together([amend, *(ask(at) for at in asked_at)])
    # then nothing failed, the amendment was made, and each question met the deadline of its moment
    assert errors == []
    assert results[0] == "AMD-1"
    stored = Tender.objects.get(pk=tender.pk)
    assert stored.enquiry_end == new
    amended = audit_sequence("tender.amended", tender.pk)
    outcomes = list(zip(asked_at, results[1:], strict=True))
    refused = "refused: question"  # the one refusal: late for the deadline
    for at, outcome in outcomes:
        if outcome == refused:
            assert at > old  # the deadline was never earlier than the old one
            continue
        question = Clarification.objects.get(pk=outcome)
        assert question.asked_at == at
        committed_after_amendment = audit_sequence("clarification.asked", outcome) > amended
        assert at <= (new if committed_after_amendment else old), (at, committed_after_amendment)
    # questions by the old deadline are always taken, after the new one never
    assert [outcome != refused for at, outcome in outcomes if at <= old] == [True] * 4
    assert [outcome for at, outcome in outcomes if at > new] == [refused, refused]
    accepted = [outcome for _, outcome in outcomes if outcome != refused]
    local_ids = sorted(Clarification.objects.filter(tender=tender).values_list("local_id", flat=True))
    assert local_ids == sorted(f"Q-{n}" for n in range(1, len(accepted) + 1))


# --- Publication ----------------------------------------------------------------------------------
def test_publishing_one_draft_from_eight_threads_publishes_it_once(world: World, frozen_clock: clock.Clock) -> None:
    # given a complete draft
    tender = draft(world.officer, world.buyer, "open")
    received: list[TenderPublished] = []
    events.subscribe(TenderPublished, received.append)
    try:
        # when eight requests publish it at once
        results, errors = run_together(
            [lambda: services.tender_publish(actor=world.officer, tender=tender) for _ in range(8)]
        )
    finally:
        events.unsubscribe(TenderPublished, received.append)
    # then every request sees it published, once
    assert errors == []
    assert {(r.pk, r.published_at) for r in results} == {(tender.pk, T0)}
    assert [(e.tender_id, e.at) for e in received] == [(tender.pk, T0)]
    assert AuditEntry.objects.filter(action="tender.published", object_id=str(tender.pk)).count() == 1
    assert list(StatusChange.objects.filter(tender=tender).values_list("status", "effective_at")) == [("tendering", T0)]


# --- Amendments -----------------------------------------------------------------------------------
def test_concurrent_amendments_are_numbered_in_turn_and_never_shorten_the_deadline(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given an open tender two days before its deadline, and eight buyers' forms read at that moment:
    # four change the description (material), four only the title
    tender = published(world.officer, world.buyer, "open")
    deadline = tender.tender_end
    assert deadline is not None
    now = frozen_clock.set(deadline - 2 * DAY)
    read = details_of(Tender.objects.get(pk=tender.pk))
    forms = [replace(read, description=f"Nitrile gloves, revision {n}.") for n in range(4)]
    forms += [replace(read, title=f"Examination gloves, lot plan {n}") for n in range(4)]
    received: list[TenderAmended] = []
    events.subscribe(TenderAmended, received.append)
    try:
        # when all eight are submitted at once
        results, errors = run_together(
            [
                lambda form=form: services.tender_amend(
                    actor=world.officer, tender=tender, details=form, rationale="Corrections."
                )
                for form in forms
            ]
        )
    finally:
        events.unsubscribe(TenderAmended, received.append)
    # then each became one amendment, numbered in the order they committed
    assert errors == []
    amendments = sorted(Amendment.objects.filter(tender=tender), key=lambda a: int(a.local_id.removeprefix("AMD-")))
    assert [a.local_id for a in amendments] == [f"AMD-{n}" for n in range(1, 9)]
    assert sorted(r.local_id for r in results) == [a.local_id for a in amendments]
    # (events are recorded under the tender's lock, so in the order the amendments committed)
    assert [e.amendment_id for e in received] == [a.pk for a in amendments]
    assert AuditEntry.objects.filter(action="tender.amended", object_id=str(tender.pk)).count() == 8
    # and the deadline only ever moved later: seven days from now, from the first material change on
    assert amendments[0].deadline_before == deadline
    for previous, amendment in itertools.pairwise(amendments):
        assert amendment.deadline_before == previous.deadline_after
    for amendment in amendments:
        assert amendment.deadline_before is not None
        assert amendment.deadline_after is not None
        assert amendment.deadline_after >= amendment.deadline_before
    stored = Tender.objects.get(pk=tender.pk)
    assert stored.tender_end == now + 7 * DAY
    assert stored.bid_opening_at is not None
    assert stored.bid_opening_at >= stored.tender_end
    assert stored.next_deadline_at == stored.tender_end
    # (a question asked now is still on time: the amendments never closed questions early)
    assert stored.enquiry_end is not None
    assert stored.enquiry_end >= T0 + 10 * DAY


def test_a_question_and_a_cancellation_race_without_a_question_on_a_cancelled_tender(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given an open tender taking questions
    tender = published(world.officer, world.buyer, "open")
    frozen_clock.set(T0 + DAY)
    received: list[ClarificationAsked] = []
    events.subscribe(ClarificationAsked, received.append)

    def ask() -> str | None:
        try:
            services.clarification_ask(
                actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Still going ahead?"
            )
        except RuleViolation:
            return None
        return "asked"

    try:
        # when six questions and a cancellation arrive at once
        results, errors = run_together(
            [
                lambda: services.tender_cancel(actor=world.officer, tender=tender, reason="The need has gone.").ocid,
                *([ask] * 6),
            ]
        )
    finally:
        events.unsubscribe(ClarificationAsked, received.append)
    # then every question that was taken committed before the cancellation
    assert errors == []
    cancelled = audit_sequence("tender.cancelled", tender.pk)
    taken = AuditEntry.objects.filter(action="clarification.asked")
    assert all(entry.sequence < cancelled for entry in taken)
    assert taken.count() == results.count("asked") == len(received) == Clarification.objects.count()
