"""Periodic housekeeping jobs for core."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from procura.core.idempotency import purge_expired


@db_periodic_task(crontab(minute="17"))
def purge_idempotency_records() -> int:
    return purge_expired()
