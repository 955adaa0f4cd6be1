"""Real concurrent clients for PostgreSQL tests: a job on its own thread and connection, and a
way to see that one is waiting for a row lock another transaction holds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

WAIT = 60  # seconds any thread or lock may take before the test calls it stuck


class Running:
    """A job on its own thread (so its own connection); `join()` returns its result or raises."""

    def __init__(self, job: Callable[[], Any], start: threading.Barrier | None = None) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.pid: int | None = None
        self.pid_known = threading.Event()
        self._job, self._start = job, start
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = int(cursor.fetchone()[0])
            self.pid_known.set()
            if self._start is not None:
                self._start.wait(WAIT)
            self.result = self._job()
        except BaseException as exc:  # re-raised by join()
            self.error = exc
        finally:
            self.pid_known.set()
            connections.close_all()

    def join(self) -> Any:
        self.thread.join(WAIT * 2)
        assert not self.thread.is_alive(), "a thread is stuck (a lock never released?)"
        if self.error is not None:
            raise self.error
        return self.result


def wait_until_blocked_on_a_lock(running: Running, *, lock: str) -> None:
    """Until `running`'s connection waits for a lock another transaction holds; a failure if it
    finishes first (then `lock`, "the tender row" say, was not taken) or neither happens."""
    assert running.pid_known.wait(WAIT)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [running.pid])
            row = cursor.fetchone()
        if row is not None and row[0] == "Lock":
            return
        if not running.thread.is_alive():
            pytest.fail(f"the transaction finished without waiting for the one in flight: {lock} was not locked")
        time.sleep(0.005)
    pytest.fail("the transaction neither waited for a lock nor finished")
