"""Alert tables: suppliers' subscriptions and their criteria, followed tenders, the notifications
written for them, and each person's secret Atom feed.

Criteria live in their own indexed rows (one per code prefix, keyword or buyer) so that finding
the subscriptions a new tender matches is one query, however many subscriptions there are. The
`has_*` flags say whether a criterion is set at all (an empty criterion means any).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation, User
from procura.alerts.domain import Frequency, NotificationKind
from procura.tenders.models import Tender

FREQUENCY_LABELS = {
    Frequency.IMMEDIATE: _("Immediately"),
    Frequency.DAILY: _("In a daily summary"),
}
KIND_LABELS = {
    NotificationKind.NEW_TENDER: _("New tender"),
    NotificationKind.AMENDMENT: _("Tender amended"),
    NotificationKind.CANCELLATION: _("Tender cancelled"),
    NotificationKind.ANSWER: _("Question answered"),
}

MAX_DIGITS = 22  # as planning: every ISO 4217 currency fits (18 whole digits, 4 minor units)
DECIMAL_PLACES = 4


class AlertSubscription(models.Model):
    """A person's standing search for opportunities, on behalf of a supplier they belong to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alert_subscriptions")
    supplier = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="alert_subscriptions")
    name = models.CharField(_("name"), max_length=200)
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=[(f.value, FREQUENCY_LABELS[f]) for f in Frequency]
    )
    has_classifications = models.BooleanField(default=False)
    has_keywords = models.BooleanField(default=False)
    has_buyers = models.BooleanField(default=False)
    value_min = models.DecimalField(
        _("minimum value"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    value_max = models.DecimalField(
        _("maximum value"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "alerts_subscription"
        ordering = ["user_id", "name", "id"]
        indexes = [models.Index(fields=["user", "name"], name="alerts_subscription_user")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_min__isnull=True)
                | models.Q(value_max__isnull=True)
                | models.Q(value_min__lte=models.F("value_max")),
                name="alerts_subscription_range_ordered",
            ),
            models.CheckConstraint(
                condition=(models.Q(value_min__isnull=True) & models.Q(value_max__isnull=True))
                | ~models.Q(currency=""),
                name="alerts_subscription_range_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SubscriptionClassification(models.Model):
    """ "Tenders with an item whose CPV code starts with `prefix`" (2 to 8 digits)."""

    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="classifications")
    prefix = models.CharField(max_length=8)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "alerts_subscription_classification"
        ordering = ["subscription_id", "position"]
        indexes = [models.Index(fields=["prefix", "subscription"], name="alerts_classification_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "prefix"], name="alerts_classification_once"),
        ]

    def __str__(self) -> str:
        return self.prefix


class SubscriptionKeyword(models.Model):
    """A keyword or phrase, as typed (`text`) and as compared (`phrase`, with its `first_word`
    indexed so the database narrows the candidates before whole phrases are checked)."""

    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="keywords")
    text = models.CharField(max_length=100)
    phrase = models.CharField(max_length=200)
    first_word = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "alerts_subscription_keyword"
        ordering = ["subscription_id", "position"]
        indexes = [models.Index(fields=["first_word", "subscription"], name="alerts_keyword_first_word")]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "phrase"], name="alerts_keyword_once"),
        ]

    def __str__(self) -> str:
        return self.text


class SubscriptionBuyer(models.Model):
    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="buyers")
    buyer = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "alerts_subscription_buyer"
        ordering = ["subscription_id", "id"]
        indexes = [models.Index(fields=["buyer", "subscription"], name="alerts_buyer_buyer")]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "buyer"], name="alerts_buyer_once"),
        ]

    def __str__(self) -> str:
        return str(self.buyer_id)


class TenderFollow(models.Model):
    """A person follows a tender: its amendments, cancellation and answered questions reach them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="followed_tenders")
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "alerts_tender_follow"
        ordering = ["user_id", "-created_at", "id"]
        indexes = [models.Index(fields=["tender"], name="alerts_follow_tender")]
        constraints = [models.UniqueConstraint(fields=["user", "tender"], name="alerts_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.tender_id}"


class Notification(models.Model):
    """Something a person is told about a tender, written in the tender's own transaction.

    `title` and `summary` hold only what the public tender page shows (the title, and the public
    rationale, reason or answer); labels are put in the reader's language when shown or emailed.
    `emailed_at` is set in the same transaction that sends the email, so it is sent once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alert_notifications")
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=[(k.value, KIND_LABELS[k]) for k in NotificationKind])
    subscription = models.ForeignKey(
        AlertSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    # The amendment or clarification this is about (None for a new tender or a cancellation).
    source_id = models.UUIDField(null=True, blank=True)
    delivery = models.CharField(max_length=16, choices=[(f.value, FREQUENCY_LABELS[f]) for f in Frequency])
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "alerts_notification"
        ordering = ["user_id", "-created_at", "id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "id"], name="alerts_notification_user"),
            models.Index(
                fields=["delivery", "created_at"],
                name="alerts_notification_unsent",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]
        constraints = [
            # Told once of each new tender, once of each amendment, answer or cancellation.
            models.UniqueConstraint(
                fields=["user", "tender", "kind"],
                condition=models.Q(source_id__isnull=True),
                name="alerts_notification_once_per_tender",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="alerts_notification_once_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.title}"


class AlertFeed(models.Model):
    """A person's secret Atom feed. Only the SHA-256 of the token is stored: the link is shown
    once, when it is made, and can be replaced at any time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="alert_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "alerts_feed"

    def __str__(self) -> str:
        return f"feed of {self.user_id}"
