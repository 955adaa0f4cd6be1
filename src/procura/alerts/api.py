"""Alerts API (/api/v1/alerts/...): a person's subscriptions, followed tenders, notifications and
feed link. Everything is the caller's own; someone else's subscription is not found."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from procura.accounts import selectors as accounts_selectors
from procura.accounts.authentication import api_auth, request_user
from procura.accounts.models import Organisation
from procura.alerts import access, emails, selectors, services
from procura.alerts.domain import Frequency, NotificationKind
from procura.alerts.models import AlertSubscription, Notification, TenderFollow
from procura.core.errors import InvalidInput, NotFound
from procura.core.money import Money
from procura.tenders import selectors as tender_selectors
from procura.tenders.models import Tender

router = Router(tags=["alerts"])


# --- Output schemas ---------------------------------------------------------------------------------
class ValueRangeOut(Schema):
    min: str | None = Field(description="Decimal as a string, in the currency's minor units")
    max: str | None
    currency: str


class SubscriptionOut(Schema):
    id: uuid.UUID
    name: str
    supplier_id: uuid.UUID
    frequency: Frequency
    classifications: list[str] = Field(
        description="CPV code prefixes: a tender matches when an item's code starts with one"
    )
    keywords: list[str]
    buyer_ids: list[uuid.UUID]
    value_range: ValueRangeOut | None = Field(
        description=(
            "Tenders whose public estimate lies in the range; a tender whose estimate is withheld never matches a range"
        )
    )
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def of(subscription: AlertSubscription) -> SubscriptionOut:
        value_range = None
        if subscription.value_min is not None or subscription.value_max is not None:

            def shown(amount: Decimal | None) -> str | None:
                return None if amount is None else str(Money(amount, subscription.currency).quantized().amount)

            value_range = ValueRangeOut(
                min=shown(subscription.value_min), max=shown(subscription.value_max), currency=subscription.currency
            )
        return SubscriptionOut(
            id=subscription.pk,
            name=subscription.name,
            supplier_id=subscription.supplier_id,
            frequency=Frequency(subscription.frequency),
            classifications=[c.prefix for c in subscription.classifications.all()],
            keywords=[k.text for k in subscription.keywords.all()],
            buyer_ids=[b.buyer_id for b in subscription.buyers.all()],
            value_range=value_range,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


class TenderRefOut(Schema):
    ocid: str
    title: str
    buyer_name: str
    url: str

    @staticmethod
    def of(tender: Tender) -> TenderRefOut:
        return TenderRefOut(
            ocid=tender.ocid, title=tender.title, buyer_name=tender.buyer.legal_name, url=emails.tender_url(tender)
        )


class FollowOut(Schema):
    tender: TenderRefOut
    followed_at: dt.datetime

    @staticmethod
    def of(follow: TenderFollow) -> FollowOut:
        return FollowOut(tender=TenderRefOut.of(follow.tender), followed_at=follow.created_at)


class NotificationOut(Schema):
    id: uuid.UUID
    kind: NotificationKind
    tender: TenderRefOut
    subscription_id: uuid.UUID | None
    title: str
    summary: str = Field(description="The public rationale, reason or answer (amendments, cancellations, answers)")
    created_at: dt.datetime
    emailed_at: dt.datetime | None

    @staticmethod
    def of(notification: Notification) -> NotificationOut:
        return NotificationOut(
            id=notification.pk,
            kind=NotificationKind(notification.kind),
            tender=TenderRefOut.of(notification.tender),
            subscription_id=notification.subscription_id,
            title=notification.title,
            summary=notification.summary,
            created_at=notification.created_at,
            emailed_at=notification.emailed_at,
        )


class NotificationPage(Schema):
    results: list[NotificationOut]
    next_cursor: str | None


class FeedOut(Schema):
    url: str = Field(description="The personal Atom feed; shown once: only its hash is kept")


# --- Input schemas ----------------------------------------------------------------------------------
class SubscriptionIn(Schema):
    name: str
    supplier_id: uuid.UUID = Field(description="A supplier organisation the caller belongs to")
    frequency: str = Field(default=Frequency.IMMEDIATE.value, description="immediate or daily")
    classifications: list[str] = Field(
        default_factory=list, description="CPV codes or their first digits: 4521, 45210000-2"
    )
    keywords: list[str] = Field(default_factory=list, description="Words or phrases, matched as whole words")
    buyer_ids: list[uuid.UUID] = Field(default_factory=list)
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    currency: str = Field(default="", description="ISO 4217; required with a value range")

    def details(self) -> services.SubscriptionDetails:
        return services.SubscriptionDetails(
            name=self.name,
            frequency=self.frequency,
            classifications=self.classifications,
            keywords=self.keywords,
            buyer_ids=self.buyer_ids,
            value_min=self.value_min,
            value_max=self.value_max,
            currency=self.currency,
        )


class FollowIn(Schema):
    ocid: str = Field(max_length=64)


class NotificationFilters(Schema):
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


# --- Helpers ----------------------------------------------------------------------------------------
def _subscription(request: HttpRequest, subscription_id: uuid.UUID) -> AlertSubscription:
    user = request_user(request)
    access.check_can_use_alerts(user)
    subscription = selectors.subscription_get(subscription_id)
    if subscription is None or not access.can_manage_subscription(user, subscription):
        raise NotFound(_("There is no such alert."))
    return subscription


def _supplier(supplier_id: uuid.UUID) -> Organisation:
    supplier = accounts_selectors.organisation_get(supplier_id)
    if supplier is None:
        raise InvalidInput.for_field("supplier_id", _("There is no such supplier on Procura."))
    return supplier


def _reloaded(subscription: AlertSubscription) -> SubscriptionOut:
    found = selectors.subscription_get(subscription.pk)
    assert found is not None
    return SubscriptionOut.of(found)


def _published_tender(request: HttpRequest, ocid: str) -> Tender:
    tender = tender_selectors.tender_visible(request.user, ocid)
    if tender is None or not tender.is_published:
        raise NotFound(_("There is no tender %(ocid)s.") % {"ocid": ocid})
    return tender


# --- Subscriptions ----------------------------------------------------------------------------------
@router.get("/alerts/subscriptions", response=list[SubscriptionOut], auth=api_auth, summary="My alerts")
def alert_subscription_list(request: HttpRequest) -> list[SubscriptionOut]:
    user = request_user(request)
    access.check_can_use_alerts(user)
    return [SubscriptionOut.of(s) for s in selectors.subscriptions_of(user)]


@router.post(
    "/alerts/subscriptions", response={201: SubscriptionOut}, auth=api_auth, summary="Add an alert for new tenders"
)
def alert_subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Status[SubscriptionOut]:
    user = request_user(request)
    access.check_can_use_alerts(user)
    subscription = services.alert_subscription_create(
        actor=user, supplier=_supplier(payload.supplier_id), details=payload.details()
    )
    return Status(201, _reloaded(subscription))


@router.get(
    "/alerts/subscriptions/{subscription_id}", response=SubscriptionOut, auth=api_auth, summary="One of my alerts"
)
def alert_subscription_detail(request: HttpRequest, subscription_id: uuid.UUID) -> SubscriptionOut:
    return SubscriptionOut.of(_subscription(request, subscription_id))


@router.put(
    "/alerts/subscriptions/{subscription_id}", response=SubscriptionOut, auth=api_auth, summary="Change an alert"
)
def alert_subscription_update(
    request: HttpRequest, subscription_id: uuid.UUID, payload: SubscriptionIn
) -> SubscriptionOut:
    subscription = _subscription(request, subscription_id)
    updated = services.alert_subscription_update(
        actor=request_user(request),
        subscription=subscription,
        supplier=_supplier(payload.supplier_id),
        details=payload.details(),
    )
    return _reloaded(updated)


@router.delete(
    "/alerts/subscriptions/{subscription_id}", response={204: None}, auth=api_auth, summary="Delete an alert"
)
def alert_subscription_delete(request: HttpRequest, subscription_id: uuid.UUID) -> Status[None]:
    services.alert_subscription_delete(
        actor=request_user(request), subscription=_subscription(request, subscription_id)
    )
    return Status(204, None)


# --- Followed tenders -------------------------------------------------------------------------------
@router.get("/alerts/follows", response=list[FollowOut], auth=api_auth, summary="Tenders I follow")
def alert_follow_list(request: HttpRequest) -> list[FollowOut]:
    user = request_user(request)
    access.check_can_use_alerts(user)
    return [FollowOut.of(f) for f in selectors.follows_of(user)]


@router.post(
    "/alerts/follows",
    response={200: FollowOut, 201: FollowOut},
    auth=api_auth,
    summary="Follow a published tender (201; 200 if already followed)",
)
def alert_follow(request: HttpRequest, payload: FollowIn) -> Status[FollowOut]:
    user = request_user(request)
    access.check_can_use_alerts(user)
    follow, created = services.tender_follow(actor=user, tender=_published_tender(request, payload.ocid))
    return Status(201 if created else 200, FollowOut.of(follow))


@router.delete(
    "/alerts/follows/{ocid}", response={204: None}, auth=api_auth, summary="Stop following a tender (idempotent)"
)
def alert_unfollow(request: HttpRequest, ocid: str) -> Status[None]:
    user = request_user(request)
    access.check_can_use_alerts(user)
    services.tender_unfollow(actor=user, tender=_published_tender(request, ocid))
    return Status(204, None)


# --- Notifications and the feed ---------------------------------------------------------------------
@router.get(
    "/alerts/notifications", response=NotificationPage, auth=api_auth, summary="My notifications, the latest first"
)
def alert_notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> NotificationPage:
    user = request_user(request)
    access.check_can_use_alerts(user)
    page = selectors.notification_page(user, cursor=filters.cursor, limit=filters.limit)
    return NotificationPage(results=[NotificationOut.of(n) for n in page.items], next_cursor=page.next_cursor)


@router.post(
    "/alerts/feed",
    response={201: FeedOut},
    auth=api_auth,
    summary="Make a new personal feed link (the previous one stops working); shown once",
)
def alert_feed_reset(request: HttpRequest, response: HttpResponse) -> Status[FeedOut]:
    response["Cache-Control"] = "no-store"  # the secret is shown once: never cached or replayed
    token = services.alert_feed_reset(actor=request_user(request))
    return Status(201, FeedOut(url=emails.absolute(reverse("alerts:alert-feed", args=[token]))))
