"""Background work for bids: the public opening, at its time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from procura.bids import services


@db_periodic_task(crontab(minute="*"))
def open_due_bids() -> int:
    """Every minute: open the bids of tenders whose opening time has come."""
    return services.bids_open_due()
