"""Alert email jobs: immediate emails queued after each commit, a catch-up for any that were not
sent, and the daily summary."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from procura.alerts.services import alerts_email_digests, alerts_email_immediate


@db_task()
def email_alerts_now(notification_ids: list[str]) -> int:
    """Queued by the event handlers once the tender's transaction has committed."""
    return alerts_email_immediate(notification_ids=notification_ids)


@db_periodic_task(crontab(minute="*/5"))
def email_unsent_alerts() -> int:
    """Catch-up: immediate notifications whose job was lost (queue down, worker stopped, mail refused)."""
    return alerts_email_immediate()


@db_periodic_task(crontab(hour="6", minute="30"))
def email_daily_alert_summaries() -> int:
    """Each morning (the huey clock's time zone, UTC by default), one email per person."""
    return alerts_email_digests()
