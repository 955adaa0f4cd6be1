"""Pure tender rules: schedules against procedure minimums, statuses from dates, award criteria."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procura.tenders.domain import (
    DAY,
    AwardCriteria,
    Criterion,
    LifecycleFacts,
    Period,
    ProcedureRules,
    Schedule,
    TenderStatus,
    amended_deadline,
    criteria_problems,
    next_deadline,
    schedule_problems,
    status_transitions,
    tender_status,
)
from procura.tenders.rules import DEFAULT_RULEBOOK, current_rulebook

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OPEN = current_rulebook().rules_for("open")


def test_the_default_rulebook_defines_every_procedure() -> None:
    rulebook = current_rulebook()
    assert DEFAULT_RULEBOOK.exists()
    assert set(rulebook.procedures) == {"open", "restricted", "request_for_quotation", "negotiated", "direct"}
    assert rulebook.rules_for("direct").justification_required is True
    assert rulebook.rules_for("restricted").has("qualification") is True


def test_open_tender_above_threshold_needs_30_days() -> None:
    # given an open tender worth more than the threshold, closing after 29 days
    schedule = Schedule(
        enquiry=Period(T0, T0 + 20 * DAY), tender=Period(T0, T0 + 29 * DAY), bid_opening_at=T0 + 29 * DAY
    )
    # when
    problems = schedule_problems(OPEN, schedule, published_at=T0, value=Decimal("500000"))
    # then
    assert [p.field for p in problems] == ["tender_period_end"]
    assert problems[0].params == {"minimum": 30, "left": "29"}


def test_open_tender_below_threshold_needs_15_days() -> None:
    schedule = Schedule(
        enquiry=Period(T0, T0 + 10 * DAY), tender=Period(T0, T0 + 15 * DAY), bid_opening_at=T0 + 15 * DAY
    )
    assert schedule_problems(OPEN, schedule, published_at=T0, value=Decimal("1000")) == []
    assert [p.field for p in schedule_problems(OPEN, schedule, published_at=T0, value=None)] == ["tender_period_end"]


def test_questions_must_close_before_the_deadline_gap() -> None:
    schedule = Schedule(
        enquiry=Period(T0, T0 + 14 * DAY), tender=Period(T0, T0 + 15 * DAY), bid_opening_at=T0 + 15 * DAY
    )
    problems = schedule_problems(OPEN, schedule, published_at=T0, value=Decimal("1000"))
    assert [(p.field, p.params) for p in problems] == [("enquiry_period_end", {"gap": 3})]


def test_direct_award_has_no_tender_period() -> None:
    direct = current_rulebook().rules_for("direct")
    schedule = Schedule(tender=Period(T0, T0 + 5 * DAY))
    assert [p.field for p in schedule_problems(direct, schedule, published_at=T0, value=None)] == ["tender_period"]
    assert schedule_problems(direct, Schedule(), published_at=T0, value=None) == []


def test_restricted_bids_open_after_qualification() -> None:
    restricted = current_rulebook().rules_for("restricted")
    schedule = Schedule(
        qualification=Period(T0, T0 + 12 * DAY),
        enquiry=Period(T0, T0 + 30 * DAY),
        tender=Period(T0 + 10 * DAY, T0 + 40 * DAY),
        bid_opening_at=T0 + 40 * DAY,
    )
    problems = schedule_problems(restricted, schedule, published_at=T0, value=Decimal("1"))
    assert [p.field for p in problems] == ["tender_period_start"]


def test_rules_round_trip_through_json() -> None:
    assert ProcedureRules.from_json(OPEN.as_json()) == OPEN
    with pytest.raises(ValueError, match="unknown procedure rule"):
        ProcedureRules.from_json({**OPEN.as_json(), "surprise": 1})


def _facts(**overrides: object) -> LifecycleFacts:
    schedule = Schedule(
        enquiry=Period(T0, T0 + 10 * DAY),
        tender=Period(T0 + 2 * DAY, T0 + 30 * DAY),
        bid_opening_at=T0 + 30 * DAY + dt.timedelta(hours=1),
    )
    values: dict[str, object] = {"published_at": T0, "schedule": schedule}
    values.update(overrides)
    return LifecycleFacts(**values)  # type: ignore[arg-type]


def test_status_follows_the_dates() -> None:
    facts = _facts()
    assert tender_status(facts, T0 - dt.timedelta(seconds=1)) == TenderStatus.DRAFT
    assert tender_status(facts, T0) == TenderStatus.ENQUIRIES
    assert tender_status(facts, T0 + 2 * DAY) == TenderStatus.TENDERING
    # the deadline is inclusive: at the deadline bids are still open, a microsecond later not
    assert tender_status(facts, T0 + 30 * DAY) == TenderStatus.TENDERING
    assert tender_status(facts, T0 + 30 * DAY + dt.timedelta(microseconds=1)) == TenderStatus.EVALUATION
    assert tender_status(_facts(cancelled_at=T0 + DAY), T0 + 3 * DAY) == TenderStatus.CANCELLED
    assert tender_status(_facts(unsuccessful_at=T0 + 31 * DAY), T0 + 31 * DAY) == TenderStatus.UNSUCCESSFUL
    assert tender_status(_facts(published_at=None), T0 + 3 * DAY) == TenderStatus.DRAFT


def test_next_deadline_is_the_next_change() -> None:
    facts = _facts()
    assert next_deadline(facts, T0) == T0 + 2 * DAY
    assert next_deadline(facts, T0 + 3 * DAY) == T0 + 30 * DAY
    assert next_deadline(facts, T0 + 30 * DAY + dt.timedelta(minutes=1)) == T0 + 30 * DAY + dt.timedelta(hours=1)
    assert next_deadline(_facts(cancelled_at=T0), T0 + DAY) is None


def test_transitions_between_two_moments() -> None:
    changes = status_transitions(_facts(), since=T0, until=T0 + 31 * DAY)
    assert [status for _, status in changes] == [TenderStatus.TENDERING, TenderStatus.EVALUATION]
    assert changes[0][0] == T0 + 2 * DAY


def test_a_material_amendment_leaves_the_minimum() -> None:
    assert amended_deadline(deadline=T0 + 3 * DAY, at=T0, minimum_days=7) == T0 + 7 * DAY
    assert amended_deadline(deadline=T0 + 20 * DAY, at=T0, minimum_days=7) == T0 + 20 * DAY


def test_price_and_quality_weights_must_sum_to_100() -> None:
    good = [Criterion("Price", "price", Decimal(60)), Criterion("Quality of service", "quality", Decimal(40))]
    assert criteria_problems(AwardCriteria.RATED, good) == []
    bad = [Criterion("Price", "price", Decimal(60)), Criterion("Quality", "quality", Decimal(30))]
    problems = criteria_problems(AwardCriteria.RATED, bad)
    assert [(p.field, p.params) for p in problems] == [("criteria", {"total": "90"})]
    only_quality = [Criterion("Quality", "quality", Decimal(100))]
    assert [p.message for p in criteria_problems(AwardCriteria.RATED, only_quality)] == [
        "Price and quality evaluation needs a price (or cost) criterion."
    ]
    assert criteria_problems(AwardCriteria.PRICE_ONLY, []) == []


@given(st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=6))
def test_weights_are_accepted_exactly_when_they_sum_to_100(quality_weights: list[int]) -> None:
    price = 100 - sum(quality_weights)
    criteria = [Criterion("Price", "price", Decimal(price))] + [
        Criterion(f"Quality {i}", "quality", Decimal(w)) for i, w in enumerate(quality_weights)
    ]
    problems = criteria_problems(AwardCriteria.RATED, criteria)
    assert (problems == []) == (0 < price <= 100)


@given(st.integers(min_value=-5, max_value=60), st.integers(min_value=0, max_value=60))
def test_amended_deadline_never_comes_earlier(deadline_days: int, minimum: int) -> None:
    deadline = T0 + deadline_days * DAY
    extended = amended_deadline(deadline=deadline, at=T0, minimum_days=minimum)
    assert extended >= deadline
    assert extended >= T0 + minimum * DAY
