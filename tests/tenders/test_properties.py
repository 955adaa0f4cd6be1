"""Properties of published tenders under any sequence of operations (ADR 0002).

No sequence of valid operations leaves a published tender with a tender period shorter than its
procedure's minimum, changes the rules it was published under, or rewrites its past; invalid
operations are refused and change nothing. Each example runs in a transaction rolled back at its
end, because function-scoped fixtures (the database, `world`) are shared by all examples.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from procura.audit.models import AuditEntry
from procura.core import clock
from procura.core.errors import InvalidInput, RuleViolation
from procura.tenders import rules, services
from procura.tenders.domain import ProcedureRules, Rulebook, TenderStatus, next_deadline
from procura.tenders.models import Tender
from procura.tenders.selectors import status_of
from procura.tenders.services import LotDetails, details_of
from tests.conftest import World
from tests.tenders.support import DAY, details, item

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)
HOUR = dt.timedelta(hours=1)
S = TenderStatus
AMENDABLE = {S.PLANNED, S.QUALIFICATION, S.ENQUIRIES, S.TENDERING}

# A later rulebook: longer minimums, a lower threshold, a longer extension after amendments.
ALTERNATIVE_CHANGES: dict[str, Any] = {
    "version": "2027.1",
    "amendment_minimum_days": 10,
    "procedures": {
        "open": {
            "min_tender_days": 20,
            "min_tender_days_above_threshold": 35,
            "threshold": "100000",
            "min_enquiry_days": 6,
            "enquiry_closes_days_before_deadline": 4,
        },
        "restricted": {
            "min_tender_days": 12,
            "min_tender_days_above_threshold": 28,
            "threshold": "100000",
            "min_qualification_days": 12,
            "min_enquiry_days": 4,
            "enquiry_closes_days_before_deadline": 4,
        },
        "request_for_quotation": {
            "min_tender_days": 12,
            "min_enquiry_days": 4,
            "enquiry_closes_days_before_deadline": 3,
        },
        "negotiated": {"min_tender_days": 8},
        "direct": {},
    },
}


@pytest.fixture
def alternative_rulebook(tmp_path: Path) -> str:
    data = json.loads(rules.DEFAULT_RULEBOOK.read_text(encoding="utf-8"))
    data["version"] = ALTERNATIVE_CHANGES["version"]
    data["amendment_minimum_days"] = ALTERNATIVE_CHANGES["amendment_minimum_days"]
    for name, changes in ALTERNATIVE_CHANGES["procedures"].items():
        data["procedures"][name].update(changes)
    path = tmp_path / "rulebook-2027.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _books(alternative: str) -> list[Rulebook]:
    return [rules._load(str(rules.DEFAULT_RULEBOOK)), rules._load(alternative)]


def use_rulebook(django_settings: Any, path: str) -> None:
    django_settings.PROCEDURE_RULES_FILE = path
    rules._load.cache_clear()


# --- Operations -----------------------------------------------------------------------------------
MOMENTS = ("qualification_end", "enquiry_end", "tender_start", "tender_end", "bid_opening_at")
BASE = st.sampled_from(["now", "stored"])  # a new time counted from now, or from the stored one
SHIFT = st.integers(min_value=-10 * 24, max_value=20 * 24)  # hours: earlier or later

OPERATION = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=0, max_value=12 * 24 * 3600)),
    st.tuples(st.just("jump"), st.sampled_from(MOMENTS), st.sampled_from([-1, 0, 1])),
    st.tuples(st.just("deadline"), BASE, SHIFT, st.booleans()),
    st.tuples(st.just("enquiry_deadline"), BASE, SHIFT),
    st.tuples(st.just("tender_start"), BASE, SHIFT),
    st.tuples(st.just("title"), st.sampled_from(["Nitrile gloves", "Gloves", ""])),
    st.tuples(st.just("value"), st.sampled_from([None, Decimal("90000"), Decimal("120000"), Decimal("500000")])),
    st.tuples(st.just("add_lot"), st.sampled_from(["A lot was forgotten."] * 3 + [""])),
    st.tuples(st.just("remove_lot")),
    st.tuples(st.just("ask")),
    st.tuples(st.just("cancel"), st.sampled_from(["", " ", "The need has gone."])),
    st.tuples(st.just("unsuccessful")),
    st.tuples(st.just("sweep")),
    st.tuples(st.just("rulebook"), st.booleans()),
)


@dataclass
class Run:
    world: World
    frozen: clock.Clock
    tender: Tender
    rules: dict[str, Any]
    rules_version: str
    published_as: TenderStatus
    seen: dict[dt.datetime, TenderStatus] = field(default_factory=dict)  # the status at each past moment

    def fresh(self) -> Tender:
        return Tender.objects.get(pk=self.tender.pk)


def snapshot(tender: Tender) -> Any:
    """Everything an operation could write, for 'a refused operation changes nothing'."""
    t = Tender.objects.get(pk=tender.pk)
    return (
        {f.attname: getattr(t, f.attname) for f in Tender._meta.concrete_fields},
        list(t.lots.values_list("local_id", "title", "position")),
        list(t.items.values_list("local_id", "lot__local_id", "description", "quantity")),
        list(t.criteria.values_list("name", "weight")),
        list(t.amendments.values_list("local_id", "made_at")),
        list(t.clarifications.values_list("local_id", "asked_at")),
        list(t.status_changes.values_list("status", "effective_at")),
        AuditEntry.objects.count(),
    )


def _amend(run: Run, change: dict[str, Any], rationale: str = "Because the market asked.") -> None:
    services.tender_amend(
        actor=run.world.officer,
        tender=run.tender,
        details=replace(details_of(run.fresh()), **change),
        rationale=rationale,
    )


def _moved(stored: dt.datetime | None, now: dt.datetime, base: str, hours: int) -> dt.datetime:
    return (stored if base == "stored" and stored is not None else now) + hours * HOUR


def apply(run: Run, operation: tuple[Any, ...], alternative: str, django_settings: Any) -> None:
    kind, *args = operation
    now = clock.now()
    tender = run.fresh()
    if kind == "advance":
        run.frozen.advance(dt.timedelta(seconds=args[0]))
    elif kind == "jump":
        moment = getattr(tender, args[0])
        target = None if moment is None else moment + args[1] * TICK
        if target is not None and target > now:
            run.frozen.set(target)
    elif kind == "deadline":
        deadline = _moved(tender.tender_end, now, args[0], args[1])
        change: dict[str, Any] = {"tender_end": deadline}
        if args[2] and tender.bid_opening_at is not None:
            change["bid_opening_at"] = deadline + HOUR
        _amend(run, change)
    elif kind == "enquiry_deadline":
        _amend(run, {"enquiry_end": _moved(tender.enquiry_end, now, args[0], args[1])})
    elif kind == "tender_start":
        _amend(run, {"tender_start": _moved(tender.tender_start, now, args[0], args[1])})
    elif kind == "title":
        _amend(run, {"title": args[0]})
    elif kind == "value":
        _amend(run, {"value_amount": args[0]})
    elif kind == "add_lot":
        current = details_of(tender)
        lot = LotDetails(title=f"Lot {len(current.lots) + 1}", items=(item(),))
        _amend(run, {"lots": (*current.lots, lot)}, rationale=args[0])
    elif kind == "remove_lot":
        _amend(run, {"lots": details_of(tender).lots[:-1]})
    elif kind == "ask":
        status = status_of(tender)
        accepted = not status.is_final and tender.enquiry_end is not None and now <= tender.enquiry_end
        try:
            services.clarification_ask(
                actor=run.world.bid_manager, tender=tender, supplier=run.world.supplier, question="Is latex fine?"
            )
        except RuleViolation:
            assert not accepted
            raise
        assert accepted
    elif kind == "cancel":
        services.tender_cancel(actor=run.world.officer, tender=tender, reason=args[0])
    elif kind == "unsuccessful":
        services.tender_mark_unsuccessful(actor=run.world.officer, tender=tender, reason="No valid bids.")
    elif kind == "sweep":
        services.tenders_sweep()
    elif kind == "rulebook":
        use_rulebook(django_settings, alternative if args[0] else "")
    else:  # pragma: no cover
        raise AssertionError(kind)


# --- Invariants -----------------------------------------------------------------------------------
def reference_status(t: Tender, at: dt.datetime) -> TenderStatus:
    """The status rules of ADR 0002, written out again from the stored row."""
    if t.published_at is None or at < t.published_at:
        return S.DRAFT
    for when, status in (
        (t.cancelled_at, S.CANCELLED),
        (t.unsuccessful_at, S.UNSUCCESSFUL),
        (t.completed_at, S.COMPLETE),
    ):
        if when is not None and when <= at:
            return status
    if t.qualification_end is not None and at <= t.qualification_end:
        return S.QUALIFICATION
    if t.tender_end is None or at > t.tender_end:
        return S.EVALUATION
    if t.tender_start is None or t.tender_start <= at:
        return S.TENDERING
    if t.enquiry_end is not None and at <= t.enquiry_end:
        return S.ENQUIRIES
    return S.PLANNED


def check_invariants(run: Run, *, wrote: bool) -> None:
    now = clock.now()
    t = run.fresh()
    assert t.published_at == T0
    # the rules it was published under never change
    assert t.rules == run.rules
    assert t.rules_version == run.rules_version
    own = rules.rules_of(t.rules)
    # the tender period is never shorter than its own rules' minimum for its value
    if own.has("tender"):
        assert t.tender_end is not None
        assert t.tender_start is not None
        minimum = own.minimum_tender_days(t.value_amount) * DAY
        assert t.tender_end - t.published_at >= minimum
        assert t.tender_end - max(t.tender_start, t.published_at) >= minimum
    else:
        assert (t.tender_start, t.tender_end, t.bid_opening_at) == (None, None, None)
    # the status shown is the one the dates give
    status = status_of(t)
    assert status == reference_status(t, now)
    # the past never changes: every status seen at an earlier moment is still the status then
    for at, seen in run.seen.items():
        if at < now:
            assert status_of(t, at) == seen, (at, seen)
    run.seen[now] = status
    # material amendments while open left at least the minimum (of the tender's own rules)
    minimum_days = int(t.rules["amendment_minimum_days"])
    amendments = list(t.amendments.all())
    assert sorted(int(a.local_id.removeprefix("AMD-")) for a in amendments) == list(range(1, len(amendments) + 1))
    for amendment in amendments:
        if amendment.material:
            assert amendment.deadline_after is not None
            assert amendment.deadline_after - amendment.made_at >= minimum_days * DAY
    # every accepted question was asked by the question deadline
    for asked_at in t.clarifications.values_list("asked_at", flat=True):
        assert t.enquiry_end is not None
        assert asked_at <= t.enquiry_end
    # the recorded history agrees with the dates at each recorded moment, and never repeats itself
    changes = list(t.status_changes.order_by("effective_at", "id").values_list("status", "effective_at"))
    assert changes[0] == (run.published_as, T0)
    for (previous, _), (current, _) in itertools.pairwise(changes):
        assert previous != current
    latest_at_each_moment = {at: status for status, at in changes}  # the last one recorded at a moment
    for at, recorded in latest_at_each_moment.items():
        assert status_of(t, at) == recorded, (at, recorded)
    # the stored next deadline is when the status next changes: until then nothing is due
    if wrote:
        assert t.next_deadline_at == next_deadline(t.lifecycle, now)
        assert t.recorded_status == status == changes[-1][0]
    if t.next_deadline_at is None or t.next_deadline_at > now:
        assert status == t.recorded_status == changes[-1][0]
        if t.next_deadline_at is not None:
            assert status_of(t, t.next_deadline_at - TICK) == status


# --- The property ---------------------------------------------------------------------------------
AMENDMENTS = {"deadline", "enquiry_deadline", "tender_start", "title", "value", "add_lot", "remove_lot"}
MATERIAL = {"deadline", "add_lot", "remove_lot"}
WRITES = AMENDMENTS | {"cancel", "unsuccessful"}  # each leaves the tender's history and next moment current


def _initial(procedure: str, value: Decimal | None, extra_days: int, books: list[Rulebook]) -> dict[str, Any]:
    """A schedule valid under both rulebooks, `extra_days` above the stricter minimum."""
    both: list[ProcedureRules] = [book.rules_for(procedure) for book in books]
    overrides: dict[str, Any] = {"value_amount": value}
    if procedure == "direct":
        return overrides
    tender_days = max(r.minimum_tender_days(value) for r in both) + extra_days
    start = T0
    if procedure == "restricted":
        start = T0 + (max(r.min_qualification_days for r in both) + 1) * DAY
        overrides |= {"qualification_end": start - DAY, "tender_start": start}
    overrides["tender_end"] = start + tender_days * DAY
    if procedure != "negotiated":
        gap = max(r.enquiry_closes_days_before_deadline for r in both)
        overrides |= {"enquiry_end": overrides["tender_end"] - (gap + 1) * DAY}
        overrides |= {"bid_opening_at": overrides["tender_end"] + HOUR}
    return overrides


@settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    procedure=st.sampled_from(["open", "restricted", "request_for_quotation", "negotiated", "direct"]),
    value=st.sampled_from([Decimal("90000"), Decimal("120000"), Decimal("500000"), None]),
    extra_days=st.integers(min_value=0, max_value=10),
    created_under_alternative=st.booleans(),
    published_under_alternative=st.booleans(),
    operations=st.lists(OPERATION, max_size=14),
)
def test_no_sequence_of_operations_shortens_the_tender_period_or_changes_its_rules(
    world: World,
    frozen_clock: clock.Clock,
    settings: Any,
    alternative_rulebook: str,
    procedure: str,
    value: Decimal | None,
    extra_days: int,
    created_under_alternative: bool,
    published_under_alternative: bool,
    operations: list[tuple[Any, ...]],
) -> None:
    with transaction.atomic():
        try:
            frozen_clock.set(T0)
            # given a tender drafted under one rulebook and published under another
            use_rulebook(settings, alternative_rulebook if created_under_alternative else "")
            overrides = _initial(procedure, value, extra_days, _books(alternative_rulebook))
            tender = services.tender_create(
                actor=world.officer, buyer=world.buyer, details=details(procedure, **overrides)
            )
            use_rulebook(settings, alternative_rulebook if published_under_alternative else "")
            tender = services.tender_publish(actor=world.officer, tender=tender)
            book = rules.current_rulebook()
            assert tender.rules_version == f"default/{book.version}"
            assert tender.rules["procedure"] == book.rules_for(procedure).as_json()
            run = Run(world, frozen_clock, tender, tender.rules, tender.rules_version, status_of(tender))
            check_invariants(run, wrote=True)
            for operation in operations:
                # when any operation is tried
                before = snapshot(tender)
                writes = operation[0] in WRITES or (operation[0] == "sweep" and _due(run.fresh()))
                try:
                    apply(run, operation, alternative_rulebook, settings)
                except (InvalidInput, RuleViolation):
                    # then a refused one changes nothing
                    assert snapshot(tender) == before, operation
                    writes = False
                    event(f"refused: {operation[0]}")
                else:
                    event(f"done: {operation[0]}")
                    if operation[0] in AMENDMENTS:
                        assert len(snapshot(tender)[4]) == len(before[4]) + 1, operation
                        latest = tender.amendments.get(local_id=f"AMD-{len(before[4]) + 1}")
                        if operation[0] in MATERIAL:
                            assert latest.material, operation
                # and every invariant holds after it
                check_invariants(run, wrote=writes)
        finally:
            transaction.set_rollback(True)
            use_rulebook(settings, "")


def _due(tender: Tender) -> bool:
    return tender.next_deadline_at is not None and tender.next_deadline_at <= clock.now()
