"""Reads of alerts: a person's subscriptions, followed tenders, notifications and feed."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.db.models import Prefetch, QuerySet

from procura.accounts.access import is_signed_in
from procura.accounts.models import User
from procura.alerts.models import (
    AlertFeed,
    AlertSubscription,
    Notification,
    SubscriptionBuyer,
    TenderFollow,
)
from procura.core.pagination import Page, paginate
from procura.tenders.models import Tender

FEED_SIZE = 50
RECENT_NOTIFICATIONS = 20


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _with_criteria(queryset: QuerySet[AlertSubscription]) -> QuerySet[AlertSubscription]:
    return queryset.select_related("supplier").prefetch_related(
        "classifications",
        "keywords",
        Prefetch("buyers", queryset=SubscriptionBuyer.objects.select_related("buyer").order_by("buyer__legal_name")),
    )


def subscriptions_of(user: User) -> list[AlertSubscription]:
    return list(_with_criteria(AlertSubscription.objects.filter(user=user)).order_by("name", "created_at", "id"))


def subscription_get(subscription_id: uuid.UUID | str) -> AlertSubscription | None:
    try:
        key = uuid.UUID(str(subscription_id))
    except ValueError:
        return None
    return _with_criteria(AlertSubscription.objects.filter(pk=key)).first()


def follows_of(user: User) -> list[TenderFollow]:
    return list(TenderFollow.objects.filter(user=user).select_related("tender", "tender__buyer"))


def is_following(user: Any, tender: Tender) -> bool:
    """For the tender page: whether to offer Follow or Unfollow."""
    if not is_signed_in(user):
        return False
    return TenderFollow.objects.filter(user=user, tender=tender).exists()


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("tender", "tender__buyer")


def recent_notifications(user: User, limit: int = RECENT_NOTIFICATIONS) -> list[Notification]:
    return list(notifications_of(user).order_by("-created_at", "id")[:limit])


def notification_page(user: User, *, cursor: str | None = None, limit: int = 50) -> Page[Notification]:
    return paginate(notifications_of(user), order=("-created_at", "id"), cursor=cursor, limit=limit)


def feed_of(user: User) -> AlertFeed | None:
    return AlertFeed.objects.filter(user=user).first()


def feed_by_token(token: str) -> AlertFeed | None:
    """The feed `token` opens, with its owner, or None for an unknown or replaced token or a
    closed account."""
    if not token or len(token) > 200:
        return None
    feed = AlertFeed.objects.select_related("user").filter(token_hash=feed_token_hash(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed


def feed_entries(user: User, limit: int = FEED_SIZE) -> list[Notification]:
    return list(notifications_of(user).order_by("-created_at", "id")[:limit])
