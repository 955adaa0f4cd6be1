"""Background work for awards: the end of the standstill."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from procura.evaluation import awards


@db_periodic_task(crontab(minute="*/5"))
def activate_due_awards() -> int:
    """Every five minutes: put in force the awards whose standstill has ended with no complaint
    pending. Signature never waits for this (selectors.signature_block_reason reads the dates)."""
    return awards.awards_activate_due()
