"""Building alerts through the services, as a supplier would."""

from __future__ import annotations

from typing import Any

from procura.accounts.models import Organisation, User
from procura.alerts.models import AlertSubscription
from procura.alerts.services import SubscriptionDetails, alert_subscription_create
from procura.tenders.services import LotDetails
from tests.tenders.support import item


def subscribe(user: User, supplier: Organisation, name: str = "Medical supplies", **criteria: Any) -> AlertSubscription:
    return alert_subscription_create(actor=user, supplier=supplier, details=SubscriptionDetails(name=name, **criteria))


def lots_with(code: str = "33141000-0", description: str = "Sterile examination gloves, nitrile, size M") -> Any:
    """The `lots` of a tender with one item of this code and description."""
    return (LotDetails(title="Lot", items=(item(classification_code=code, description=description),)),)
