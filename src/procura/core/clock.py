"""The platform's one clock: aware UTC datetimes that tests can freeze or move."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_frozen_at: dt.datetime | None = None
_offset = dt.timedelta(0)


def now() -> dt.datetime:
    """The current time as an aware UTC datetime (frozen or shifted in tests)."""
    with _lock:
        if _frozen_at is not None:
            return _frozen_at
        offset = _offset
    return dt.datetime.now(dt.UTC) + offset


def ensure_aware(value: dt.datetime) -> dt.datetime:
    """Refuse naive datetimes: every stored or compared time carries its zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: Procura only works with timezone-aware datetimes")
    return value.astimezone(dt.UTC)


@contextmanager
def frozen(at: dt.datetime) -> Iterator[Clock]:
    """Freeze `now()` at `at`; the yielded handle moves it forward."""
    global _frozen_at
    with _lock:
        previous = _frozen_at
        _frozen_at = ensure_aware(at)
    try:
        yield Clock()
    finally:
        with _lock:
            _frozen_at = previous


@contextmanager
def shifted(by: dt.timedelta) -> Iterator[None]:
    """Run the real clock shifted by `by` (for live servers in browser tests)."""
    global _offset
    with _lock:
        previous = _offset
        _offset = previous + by
    try:
        yield
    finally:
        with _lock:
            _offset = previous


class Clock:
    """Handle on a frozen clock."""

    def advance(self, by: dt.timedelta) -> dt.datetime:
        global _frozen_at
        with _lock:
            if _frozen_at is None:
                raise RuntimeError("the clock is not frozen")
            _frozen_at = _frozen_at + by
            return _frozen_at

    def set(self, at: dt.datetime) -> dt.datetime:
        global _frozen_at
        with _lock:
            _frozen_at = ensure_aware(at)
            return _frozen_at
