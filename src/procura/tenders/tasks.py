"""Periodic tender jobs: make time-driven status changes durable."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from procura.tenders.services import tenders_sweep


@db_periodic_task(crontab(minute="*"))
def sweep_tender_deadlines() -> int:
    return tenders_sweep()
