"""Periodic supplier-register jobs: warn bid managers before qualification documents lapse."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from procura.suppliers.services import qualification_expiry_warnings_send


@db_periodic_task(crontab(hour="6", minute="0"))
def send_qualification_expiry_warnings() -> int:
    """Daily: each document's 30-day, 7-day and expired warnings, each sent once."""
    return qualification_expiry_warnings_send()
