import datetime as dt

import pytest

from procura.core import clock


def test_now_is_aware_utc() -> None:
    assert clock.now().utcoffset() == dt.timedelta(0)


def test_frozen_clock_can_be_moved() -> None:
    start = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    with clock.frozen(start) as handle:
        assert clock.now() == start
        handle.advance(dt.timedelta(days=2))
        assert clock.now() == start + dt.timedelta(days=2)
    assert clock.now() != start + dt.timedelta(days=2)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        clock.ensure_aware(dt.datetime(2026, 1, 1))
