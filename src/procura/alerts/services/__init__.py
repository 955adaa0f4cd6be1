"""Every write of alerts: subscriptions, follows and feeds (people), notifications (events) and
their emails (jobs)."""

from procura.alerts.services.delivery import alerts_email_digests, alerts_email_immediate
from procura.alerts.services.notifications import notify_followers, notify_new_tender
from procura.alerts.services.subscriptions import (
    MAX_SUBSCRIPTIONS,
    SubscriptionDetails,
    alert_feed_reset,
    alert_subscription_create,
    alert_subscription_delete,
    alert_subscription_update,
    tender_follow,
    tender_unfollow,
)

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "SubscriptionDetails",
    "alert_feed_reset",
    "alert_subscription_create",
    "alert_subscription_delete",
    "alert_subscription_update",
    "alerts_email_digests",
    "alerts_email_immediate",
    "notify_followers",
    "notify_new_tender",
    "tender_follow",
    "tender_unfollow",
]
