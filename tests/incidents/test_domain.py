"""The outage rule on plain values: which deadlines are affected, and where they move."""

from __future__ import annotations

import datetime as dt

import pytest

from procura.incidents.domain import (
    DEFAULT_GRACE,
    DEFAULT_MINIMUM_EXTENSION,
    ExtensionRule,
    affected,
    extended_deadline,
    extension_length,
    window_end,
)

T = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)
GRACE = 2 * H


def test_the_defaults_follow_koneps_two_hours() -> None:
    assert DEFAULT_GRACE == 2 * H
    assert DEFAULT_MINIMUM_EXTENSION == 2 * H
    assert ExtensionRule() == ExtensionRule(grace=2 * H, minimum_extension=2 * H)


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (T - US, False),  # just before the outage began: suppliers had the platform until then
        (T, True),  # the first moment of the outage
        (T + H, True),  # during it
        (T + 3 * H, True),  # the moment it ended
        (T + 3 * H + GRACE, True),  # the last moment of the grace period
        (T + 3 * H + GRACE + US, False),  # after it
    ],
)
def test_a_deadline_is_affected_within_the_outage_or_its_grace_period(deadline: dt.datetime, expected: bool) -> None:
    assert affected(deadline, T, T + 3 * H, GRACE) is expected


def test_the_window_ends_the_grace_period_after_the_outage() -> None:
    assert window_end(T + H, GRACE) == T + 3 * H


def test_the_extension_is_the_outage_length_but_never_less_than_the_minimum() -> None:
    assert extension_length(T, T + 3 * H, 2 * H) == 3 * H
    assert extension_length(T, T + 10 * M, 2 * H) == 2 * H


def test_a_deadline_during_the_outage_moves_from_the_end_of_the_outage() -> None:
    # outage 10:00–13:00, deadline 11:00: back at 13:00, plus the three hours lost
    new = extended_deadline(
        T + H, incident_start=T, incident_end=T + 3 * H, minimum_extension=2 * H, decided_at=T + 3 * H
    )
    assert new == T + 6 * H


def test_a_deadline_soon_after_the_outage_moves_by_the_outage_length() -> None:
    # outage 10:00–13:00, deadline 14:00: 17:00
    new = extended_deadline(
        T + 4 * H, incident_start=T, incident_end=T + 3 * H, minimum_extension=2 * H, decided_at=T + 3 * H
    )
    assert new == T + 7 * H


def test_a_short_outage_still_gives_the_minimum() -> None:
    # outage 10:00–10:10, deadline 10:05: 10:10 + 2 h
    new = extended_deadline(
        T + 5 * M, incident_start=T, incident_end=T + 10 * M, minimum_extension=2 * H, decided_at=T + 10 * M
    )
    assert new == T + 10 * M + 2 * H


def test_an_extension_made_late_still_leaves_the_minimum_from_that_moment() -> None:
    # outage 10:00–10:30, deadline 10:15, extended at 14:00: not 12:30 (already past) but 16:00
    new = extended_deadline(
        T + 15 * M, incident_start=T, incident_end=T + 30 * M, minimum_extension=2 * H, decided_at=T + 4 * H
    )
    assert new == T + 6 * H


def test_the_new_deadline_is_rounded_up_to_the_minute() -> None:
    end = T + 90 * M + dt.timedelta(seconds=7, microseconds=5)
    new = extended_deadline(T + H, incident_start=T, incident_end=end, minimum_extension=2 * H, decided_at=end)
    assert new == T + 90 * M + 2 * H + M
    assert new.second == 0
    assert new.microsecond == 0


def test_a_rule_needs_a_positive_extension_and_a_grace_period_that_is_not_negative() -> None:
    with pytest.raises(ValueError, match="minimum extension"):
        ExtensionRule(minimum_extension=dt.timedelta(0))
    with pytest.raises(ValueError, match="grace"):
        ExtensionRule(grace=-H)
    assert ExtensionRule(grace=dt.timedelta(0)).grace == dt.timedelta(0)
