"""Writing notifications when something happens to a tender, inside the tender's own transaction.

Only rows are written here: if the tender's change rolls back, so do its notifications, and no
email has gone out (emails are sent after commit, by `delivery`). Each function is idempotent:
a person is told once of a new tender, once of each amendment, answer or cancellation.
"""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef

from procura.accounts.models import Membership
from procura.accounts.roles import OrganisationKind
from procura.alerts import matching
from procura.alerts.domain import Frequency, NotificationKind
from procura.alerts.models import AlertSubscription, Notification, TenderFollow
from procura.core import clock
from procura.tenders.models import Tender

SUMMARY_LIMIT = 1_000
BATCH_SIZE = 500


def excerpt(text: str, limit: int = SUMMARY_LIMIT) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _published(tender_id: uuid.UUID) -> Tender | None:
    return Tender.objects.filter(pk=tender_id, published_at__isnull=False).first()


def _one_per_person(matched: list[AlertSubscription], already: set[uuid.UUID]) -> list[AlertSubscription]:
    """One subscription per person: immediate if any of theirs is, else their oldest."""
    chosen: dict[uuid.UUID, AlertSubscription] = {}
    for subscription in matched:
        if subscription.user_id in already:
            continue
        current = chosen.get(subscription.user_id)
        if current is None or (
            current.frequency != Frequency.IMMEDIATE and subscription.frequency == Frequency.IMMEDIATE
        ):
            chosen[subscription.user_id] = subscription
    return list(chosen.values())


def notify_new_tender(*, tender_id: uuid.UUID) -> list[Notification]:
    """Tell everyone whose subscriptions match a newly published tender."""
    tender = _published(tender_id)
    if tender is None:
        return []
    matched = matching.matching_subscriptions(tender)
    if not matched:
        return []
    already = set(
        Notification.objects.filter(tender=tender, kind=NotificationKind.NEW_TENDER).values_list("user_id", flat=True)
    )
    now = clock.now()
    notifications = [
        Notification(
            user_id=subscription.user_id,
            tender=tender,
            kind=NotificationKind.NEW_TENDER,
            subscription=subscription,
            delivery=subscription.frequency,
            title=excerpt(tender.title, 300),
            summary=excerpt(tender.description),
            created_at=now,
        )
        for subscription in _one_per_person(matched, already)
    ]
    Notification.objects.bulk_create(notifications, batch_size=BATCH_SIZE)
    return notifications


def notify_followers(
    *, tender_id: uuid.UUID, kind: NotificationKind, summary: str, source_id: uuid.UUID | None = None
) -> list[Notification]:
    """Tell the followers of a tender that it was amended, cancelled or a question answered.

    Followed tenders are told at once: what changed may move a deadline.
    """
    tender = _published(tender_id)
    if tender is None:
        return []
    told = Notification.objects.filter(tender=tender, kind=kind)
    told = told.filter(source_id=source_id) if source_id is not None else told.filter(source_id__isnull=True)
    still_supplier = Exists(
        Membership.objects.filter(user=OuterRef("user"), organisation__kind=OrganisationKind.SUPPLIER)
    )
    followers = (
        TenderFollow.objects.filter(tender=tender, user__is_active=True)
        .filter(still_supplier)
        .exclude(user_id__in=told.values("user_id"))
        .values_list("user_id", flat=True)
    )
    now = clock.now()
    notifications = [
        Notification(
            user_id=user_id,
            tender=tender,
            kind=kind,
            source_id=source_id,
            delivery=Frequency.IMMEDIATE,
            title=excerpt(tender.title, 300),
            summary=excerpt(summary),
            created_at=now,
        )
        for user_id in followers
    ]
    Notification.objects.bulk_create(notifications, batch_size=BATCH_SIZE)
    return notifications
