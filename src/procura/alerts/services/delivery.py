"""Emailing notifications, after the tender's transaction has committed: each immediately, or a
daily summary per person.

Never twice: a notification is claimed, emailed and marked `emailed_at` in one transaction. On
PostgreSQL the claim is a row lock that other workers skip (SKIP LOCKED), so they share the work;
on SQLite every transaction takes the write lock at BEGIN (IMMEDIATE), so a second worker waits
and then finds the rows already marked. If sending fails, the transaction rolls back and the
notification stays unsent for the next run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet

from procura.alerts import emails
from procura.alerts.domain import Frequency
from procura.alerts.models import Notification
from procura.core import clock

logger = logging.getLogger("procura.alerts")

BATCH = 500


def _claimable(queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def _unsent(delivery: Frequency) -> QuerySet[Notification]:
    return Notification.objects.filter(delivery=delivery, emailed_at__isnull=True)


def _loaded(ids: Iterable[uuid.UUID]) -> list[Notification]:
    return list(
        Notification.objects.filter(pk__in=list(ids))
        .select_related("user", "tender", "tender__buyer", "subscription")
        .order_by("created_at", "id")
    )


def _mark_emailed(ids: list[uuid.UUID]) -> None:
    Notification.objects.filter(pk__in=ids).update(emailed_at=clock.now())


def _email_one(notification_id: uuid.UUID) -> int:
    with transaction.atomic():
        claimed = list(_claimable(_unsent(Frequency.IMMEDIATE).filter(pk=notification_id)).values_list("pk", flat=True))
        if not claimed:
            return 0  # already emailed, or another worker has it
        (notification,) = _loaded(claimed)
        user = notification.user
        if user.is_active and user.email:
            message = emails.immediate_email(notification)
            send_mail(message.subject, message.body, None, [user.email])
        # A closed account is not written to; its notification counts as handled all the same.
        _mark_emailed(claimed)
        return 1 if user.is_active and user.email else 0


def alerts_email_immediate(*, notification_ids: Iterable[uuid.UUID | str] | None = None, limit: int = BATCH) -> int:
    """Email unsent immediate notifications (every one named, or else the oldest `limit`); how
    many emails were sent."""
    if notification_ids is not None:
        ids = [uuid.UUID(str(pk)) for pk in notification_ids]  # each is checked unsent when claimed
    else:
        ids = list(_unsent(Frequency.IMMEDIATE).order_by("created_at", "id").values_list("pk", flat=True)[:limit])
    sent = 0
    for notification_id in ids:
        try:
            sent += _email_one(notification_id)
        except OSError:  # smtplib's errors included: the next run tries again
            logger.exception("alert email not sent", extra={"notification": str(notification_id)})
    return sent


def _email_digest(user_id: uuid.UUID) -> int:
    with transaction.atomic():
        claimed = list(
            _claimable(_unsent(Frequency.DAILY).filter(user_id=user_id).order_by("created_at", "id")).values_list(
                "pk", flat=True
            )
        )
        if not claimed:
            return 0
        notifications = _loaded(claimed)
        user = notifications[0].user
        if user.is_active and user.email:
            message = emails.digest_email(user, notifications)
            send_mail(message.subject, message.body, None, [user.email])
        _mark_emailed(claimed)
        return 1 if user.is_active and user.email else 0


def alerts_email_digests(*, limit: int = 5_000) -> int:
    """One email per person with every daily-summary notification not yet sent; how many emails."""
    user_ids = list(_unsent(Frequency.DAILY).order_by("user_id").values_list("user_id", flat=True).distinct()[:limit])
    sent = 0
    for user_id in user_ids:
        try:
            sent += _email_digest(user_id)
        except OSError:
            logger.exception("alert summary not sent", extra={"user": str(user_id)})
    return sent
