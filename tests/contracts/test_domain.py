"""The pure contract rules: amendment shares and the flag, milestone lateness, progress, terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procura.contracts.domain import (
    SHARE_CAP,
    Lateness,
    MilestoneFacts,
    canonical_json,
    cumulative_share,
    exceeds,
    invoice_room,
    milestone_lateness,
    names_match,
    payment_room,
    progress,
    rating_in_range,
    stored_share,
    terms_sha256,
)

DUE = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
MONEY = st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("original", "new", "share"),
    [
        ("1000", "1100", "0.1"),
        ("1000", "900", "0.1"),
        ("1000", "1000", "0"),
        ("200", "500", "1.5"),
        ("0", "0", "0"),
    ],
)
def test_cumulative_share(original: str, new: str, share: str) -> None:
    assert cumulative_share(Decimal(original), Decimal(new)) == Decimal(share)


def test_a_contract_signed_at_zero_that_gains_value_has_the_largest_share() -> None:
    assert cumulative_share(Decimal(0), Decimal("0.01")) == SHARE_CAP


def test_negative_values_are_not_contract_values() -> None:
    with pytest.raises(ValueError, match="never negative"):
        cumulative_share(Decimal(-1), Decimal(1))


def test_exceeds_is_strict() -> None:
    threshold = Decimal("0.1")
    assert not exceeds(Decimal("0.1"), threshold)
    assert exceeds(Decimal("0.10000001"), threshold)
    assert not exceeds(Decimal("0.09999"), threshold)


def test_a_stored_share_never_understates_a_flagged_one() -> None:
    assert stored_share(Decimal("0.10001")) == Decimal("0.1001")
    assert stored_share(Decimal("0.1")) == Decimal("0.1000")


@given(
    original=MONEY.filter(lambda v: v > 0), new=MONEY, threshold=st.decimals(min_value="0.01", max_value=1, places=2)
)
def test_the_flag_is_symmetric_and_monotone(original: Decimal, new: Decimal, threshold: Decimal) -> None:
    share = cumulative_share(original, new)
    mirrored = original - (new - original)
    if mirrored >= 0:
        assert cumulative_share(original, mirrored) == share
    assert exceeds(share, threshold) == (abs(new - original) > threshold * original)
    assert stored_share(share) >= min(share, SHARE_CAP) - Decimal("0.0001")


@pytest.mark.parametrize(
    ("status", "done_at", "at", "expected"),
    [
        ("scheduled", None, DUE, Lateness.SCHEDULED),
        ("scheduled", None, DUE + SECOND, Lateness.LATE),
        ("met", DUE, DUE + 10 * SECOND, Lateness.MET),
        ("met", DUE + SECOND, DUE + SECOND, Lateness.MET_LATE),
        ("partiallyMet", DUE - SECOND, DUE + SECOND, Lateness.MET),
        ("partiallyMet", DUE + SECOND, DUE + SECOND, Lateness.MET_LATE),
        ("met", None, DUE + SECOND, Lateness.MET),
        ("notMet", None, DUE - SECOND, Lateness.NOT_MET),
    ],
)
def test_milestone_lateness(status: str, done_at: dt.datetime | None, at: dt.datetime, expected: Lateness) -> None:
    assert milestone_lateness(DUE, status, done_at, at) == expected


def test_progress_counts_milestones_and_paid_share() -> None:
    at = DUE + SECOND
    summary = progress(
        Decimal("1000.00"),
        Decimal("250.00"),
        [
            MilestoneFacts(DUE, "met", DUE),
            MilestoneFacts(DUE, "met", at),
            MilestoneFacts(DUE, "scheduled", None),
            MilestoneFacts(DUE + 2 * SECOND, "scheduled", None),
            MilestoneFacts(DUE, "notMet", None),
        ],
        at,
    )
    assert (summary.paid_percent, summary.remaining) == (25, Decimal("750.00"))
    assert (summary.milestones, summary.met, summary.met_late, summary.late, summary.scheduled, summary.not_met) == (
        5,
        1,
        1,
        1,
        1,
        1,
    )


def test_progress_of_a_contract_worth_nothing() -> None:
    assert progress(Decimal(0), Decimal(0), [], DUE).paid_percent == 0


@given(value=MONEY, paid=MONEY)
def test_progress_stays_within_zero_and_a_hundred(value: Decimal, paid: Decimal) -> None:
    paid = min(paid, value)
    summary = progress(value, paid, [], DUE)
    assert 0 <= summary.paid_percent <= 100
    assert summary.paid + summary.remaining == value


@given(value=MONEY, paid=MONEY, outstanding=MONEY)
def test_rooms_are_never_negative_and_never_more_than_the_value(
    value: Decimal, paid: Decimal, outstanding: Decimal
) -> None:
    assert 0 <= payment_room(value, paid) <= value
    assert 0 <= invoice_room(value, paid, outstanding) <= payment_room(value, paid)


def test_ratings_run_from_one_to_five() -> None:
    assert [rating_in_range(n) for n in range(7)] == [False, True, True, True, True, True, False]


@pytest.mark.parametrize(
    ("typed", "name", "matches"),
    [
        ("Ana Pérez", "Ana Pérez", True),
        ("  ana   PÉREZ ", "Ana Pérez", True),
        ("Ana Perez", "Ana Pérez", False),
        ("", "", False),
        ("Ana", "Ana Pérez", False),
    ],
)
def test_names_match(typed: str, name: str, matches: bool) -> None:
    assert names_match(typed, name) is matches


def test_the_terms_hash_is_over_canonical_json() -> None:
    terms = {"value": {"currency": "EUR", "amount": "10.00"}, "buyer": {"name": "Ayuntamiento"}}
    reordered = {"buyer": {"name": "Ayuntamiento"}, "value": {"amount": "10.00", "currency": "EUR"}}
    assert canonical_json(terms) == b'{"buyer":{"name":"Ayuntamiento"},"value":{"amount":"10.00","currency":"EUR"}}'
    assert terms_sha256(terms) == terms_sha256(reordered)
    assert terms_sha256(terms) != terms_sha256({**terms, "value": {"amount": "10.01", "currency": "EUR"}})
    assert len(terms_sha256(terms)) == 64
