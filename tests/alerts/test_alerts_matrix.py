"""Authorization matrix of alerts: every page, action and API endpoint, for every person, with
exact status codes and, for writes, that the change happened exactly when it was allowed.

Alerts are personal and for people of supplier organisations: buyers and the platform's people
are refused with the reason; someone else's alert is not found; the feed needs only its link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from procura.accounts.models import Organisation, User
from procura.alerts.models import AlertFeed, AlertSubscription, Notification, TenderFollow
from procura.alerts.services import alert_feed_reset, tender_follow
from procura.audit.models import AuditEntry
from procura.core import clock
from tests.alerts.support import subscribe
from tests.conftest import PEOPLE, World
from tests.tenders.support import draft, published
from tests.tenders.test_api import send

SIGN_IN = "sign-in"
SUPPLIERS = ("bid_manager", "viewer", "other_bid_manager")


def suppliers_only(ok: int | str, *, anonymous: int | str = SIGN_IN) -> dict[str, int | str]:
    """People of suppliers get `ok`; anyone else signed in the 403 with the reason."""
    return {p: anonymous if p == "anonymous" else ok if p in SUPPLIERS else 403 for p in PEOPLE}


def owner_only(ok: int | str, *, anonymous: int | str = SIGN_IN) -> dict[str, int | str]:
    """The bid manager's own alert: theirs; other suppliers' people are told it does not exist."""
    return {**suppliers_only(404, anonymous=anonymous), "bid_manager": ok}


def supplier_of(world: World, person: str) -> Organisation:
    return world.other_supplier if person == "other_bid_manager" else world.supplier


@dataclass
class Case:
    url: str
    data: dict[str, Any] | None = None
    done: Callable[[], bool] | None = None  # the write happened (None: a read)


@dataclass(frozen=True)
class Row:
    name: str  # URL name, without namespace
    method: str
    prepare: Callable[[World, User | None, str], Case]
    expected: dict[str, int | str]


def _mine(world: World) -> AlertSubscription:
    return subscribe(world.bid_manager, world.supplier, name="Bid manager's alert")


def _subscription_form(world: World, person: str) -> dict[str, Any]:
    return {
        "name": "New alert",
        "supplier_id": str(supplier_of(world, person).pk),
        "keywords": "gloves",
        "frequency": "immediate",
    }


def _home(w: World, user: User | None, person: str) -> Case:
    return Case("/alerts/")


def _add_page(w: World, user: User | None, person: str) -> Case:
    return Case("/alerts/subscriptions/new/")


def _add(w: World, user: User | None, person: str) -> Case:
    return Case(
        "/alerts/subscriptions/new/",
        _subscription_form(w, person),
        done=lambda: AlertSubscription.objects.filter(name="New alert").exists(),
    )


def _edit_page(w: World, user: User | None, person: str) -> Case:
    return Case(f"/alerts/subscriptions/{_mine(w).pk}/")


def _edit(w: World, user: User | None, person: str) -> Case:
    mine = _mine(w)
    return Case(
        f"/alerts/subscriptions/{mine.pk}/",
        {**_subscription_form(w, person), "name": "Renamed"},
        done=lambda: AlertSubscription.objects.get(pk=mine.pk).name == "Renamed",
    )


def _delete_page(w: World, user: User | None, person: str) -> Case:
    return Case(f"/alerts/subscriptions/{_mine(w).pk}/delete/")


def _delete(w: World, user: User | None, person: str) -> Case:
    mine = _mine(w)
    return Case(
        f"/alerts/subscriptions/{mine.pk}/delete/",
        {},
        done=lambda: not AlertSubscription.objects.filter(pk=mine.pk).exists(),
    )


def _follow(w: World, user: User | None, person: str) -> Case:
    tender = published(w.officer, w.buyer)
    return Case(
        "/alerts/follow/",
        {"ocid": tender.ocid, "next": f"/tenders/{tender.ocid}/"},
        done=lambda: TenderFollow.objects.filter(tender=tender).exists(),
    )


def _follow_draft(w: World, user: User | None, person: str) -> Case:
    tender = draft(w.officer, w.buyer)
    return Case("/alerts/follow/", {"ocid": tender.ocid}, done=lambda: TenderFollow.objects.exists())


def _unfollow(w: World, user: User | None, person: str) -> Case:
    tender = published(w.officer, w.buyer)
    # Suppliers' people stop following; anyone else finds the viewer's follow where it was.
    tender_follow(actor=user if person in SUPPLIERS and user is not None else w.viewer, tender=tender)
    return Case("/alerts/unfollow/", {"ocid": tender.ocid}, done=lambda: not TenderFollow.objects.exists())


def _feed_reset(w: World, user: User | None, person: str) -> Case:
    return Case("/alerts/feed/reset/", {}, done=lambda: AlertFeed.objects.exists())


def _feed(w: World, user: User | None, person: str) -> Case:
    subscribe(w.bid_manager, w.supplier)
    published(w.officer, w.buyer)
    return Case(f"/alerts/feed/{alert_feed_reset(actor=w.bid_manager)}.atom")


def _bad_feed(w: World, user: User | None, person: str) -> Case:
    alert_feed_reset(actor=w.bid_manager)
    return Case("/alerts/feed/a-guessed-token.atom")


ROWS = [
    Row("alert-home", "GET", _home, suppliers_only(200)),
    Row("alert-subscription-add", "GET", _add_page, suppliers_only(200)),
    Row("alert-subscription-add", "POST", _add, suppliers_only(302)),
    Row("alert-subscription-edit", "GET", _edit_page, owner_only(200)),
    Row("alert-subscription-edit", "POST", _edit, owner_only(302)),
    Row("alert-subscription-delete", "GET", _delete_page, owner_only(200)),
    Row("alert-subscription-delete", "POST", _delete, owner_only(302)),
    Row("alert-follow", "POST", _follow, suppliers_only(302)),
    Row("alert-follow", "POST", _follow_draft, suppliers_only(404)),
    Row("alert-unfollow", "POST", _unfollow, suppliers_only(302)),
    Row("alert-feed-reset", "POST", _feed_reset, suppliers_only(302)),
    Row("alert-feed", "GET", _feed, dict.fromkeys(PEOPLE, 200)),
    Row("alert-feed", "GET", _bad_feed, dict.fromkeys(PEOPLE, 404)),
]

REASON = "Alerts are for people who work for a supplier."


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name} {r.prepare.__name__.strip('_')}" for r in ROWS])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_open_each_alert_page(world: World, frozen_clock: clock.Clock, row: Row, person: str) -> None:
    # given
    user = None if person == "anonymous" else getattr(world, person)
    case = row.prepare(world, user, person)
    client = world.client(None if person == "anonymous" else person)
    # when
    if row.method == "POST":
        response = client.post(
            case.url, urlencode(case.data or {}, doseq=True), content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.get(case.url)
    # then
    expected = row.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    else:
        assert response.status_code == expected, response.content.decode()[:400]
    if response.status_code == 403:
        assert REASON in response.content.decode()
    if case.done is not None:
        assert case.done() is (response.status_code == 302 and expected != SIGN_IN), "written exactly when allowed"


def test_the_page_tables_cover_every_person() -> None:
    for row in ROWS:
        assert set(row.expected) == set(PEOPLE), row


# --- The API ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiRow:
    name: str  # the URL name in the "api" namespace
    method: str
    path: str  # OpenAPI path template
    expected: dict[str, int]
    prepare: Callable[[World, str], Case]


def api_suppliers_only(ok: int) -> dict[str, int]:
    return {p: 401 if p == "anonymous" else ok if p in SUPPLIERS else 403 for p in PEOPLE}


def api_owner_only(ok: int) -> dict[str, int]:
    return {**api_suppliers_only(404), "bid_manager": ok}


def _api_body(w: World, person: str) -> dict[str, Any]:
    return {"name": "New alert", "supplier_id": str(supplier_of(w, person).pk), "keywords": ["gloves"]}


def _api_list(w: World, person: str) -> Case:
    _mine(w)
    return Case("/api/v1/alerts/subscriptions")


def _api_create(w: World, person: str) -> Case:
    return Case(
        "/api/v1/alerts/subscriptions",
        _api_body(w, person),
        done=lambda: AlertSubscription.objects.filter(name="New alert").exists(),
    )


def _api_detail(w: World, person: str) -> Case:
    return Case(f"/api/v1/alerts/subscriptions/{_mine(w).pk}")


def _api_update(w: World, person: str) -> Case:
    mine = _mine(w)
    return Case(
        f"/api/v1/alerts/subscriptions/{mine.pk}",
        {**_api_body(w, person), "name": "Renamed"},
        done=lambda: AlertSubscription.objects.get(pk=mine.pk).name == "Renamed",
    )


def _api_delete(w: World, person: str) -> Case:
    mine = _mine(w)
    return Case(
        f"/api/v1/alerts/subscriptions/{mine.pk}",
        done=lambda: not AlertSubscription.objects.filter(pk=mine.pk).exists(),
    )


def _api_follows(w: World, person: str) -> Case:
    tender_follow(actor=w.viewer, tender=published(w.officer, w.buyer))
    return Case("/api/v1/alerts/follows")


def _api_follow(w: World, person: str) -> Case:
    tender = published(w.officer, w.buyer)
    return Case("/api/v1/alerts/follows", {"ocid": tender.ocid}, done=lambda: TenderFollow.objects.exists())


def _api_unfollow(w: World, person: str) -> Case:
    tender = published(w.officer, w.buyer)
    tender_follow(actor=getattr(w, person) if person in SUPPLIERS else w.viewer, tender=tender)
    return Case(f"/api/v1/alerts/follows/{tender.ocid}", done=lambda: not TenderFollow.objects.exists())


def _api_notifications(w: World, person: str) -> Case:
    subscribe(w.viewer, w.supplier)
    published(w.officer, w.buyer)
    return Case("/api/v1/alerts/notifications")


def _api_feed(w: World, person: str) -> Case:
    return Case("/api/v1/alerts/feed", done=lambda: AlertFeed.objects.exists())


API_ROWS = [
    ApiRow("alert_subscription_list", "GET", "/api/v1/alerts/subscriptions", api_suppliers_only(200), _api_list),
    ApiRow("alert_subscription_create", "POST", "/api/v1/alerts/subscriptions", api_suppliers_only(201), _api_create),
    ApiRow(
        "alert_subscription_detail",
        "GET",
        "/api/v1/alerts/subscriptions/{subscription_id}",
        api_owner_only(200),
        _api_detail,
    ),
    ApiRow(
        "alert_subscription_update",
        "PUT",
        "/api/v1/alerts/subscriptions/{subscription_id}",
        api_owner_only(200),
        _api_update,
    ),
    ApiRow(
        "alert_subscription_delete",
        "DELETE",
        "/api/v1/alerts/subscriptions/{subscription_id}",
        api_owner_only(204),
        _api_delete,
    ),
    ApiRow("alert_follow_list", "GET", "/api/v1/alerts/follows", api_suppliers_only(200), _api_follows),
    ApiRow("alert_follow", "POST", "/api/v1/alerts/follows", api_suppliers_only(201), _api_follow),
    ApiRow("alert_unfollow", "DELETE", "/api/v1/alerts/follows/{ocid}", api_suppliers_only(204), _api_unfollow),
    ApiRow(
        "alert_notification_list", "GET", "/api/v1/alerts/notifications", api_suppliers_only(200), _api_notifications
    ),
    ApiRow("alert_feed_reset", "POST", "/api/v1/alerts/feed", api_suppliers_only(201), _api_feed),
]

# Read by tests/web/test_authorization_matrix.py (named URLs) and tests/api/test_api_authorization.py
# (API operations): what these tables cover.
COVERED_URL_NAMES = {row.name for row in ROWS} | {f"api:{row.name}" for row in API_ROWS}
COVERED_API_OPERATIONS = {(row.method, row.path) for row in API_ROWS}


def _stored() -> tuple[int, ...]:
    return (
        AlertSubscription.objects.count(),
        TenderFollow.objects.count(),
        AlertFeed.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("row", API_ROWS, ids=lambda r: f"{r.method} {r.path}")
def test_alerts_api_matrix(world: World, frozen_clock: clock.Clock, row: ApiRow, person: str) -> None:
    # given
    case = row.prepare(world, person)
    client = Client() if person == "anonymous" else world.client(person)
    before = _stored()
    # when
    response = send(client, row.method, case.url, case.data)
    # then
    assert response.status_code == row.expected[person], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    if case.done is None:
        assert _stored() == before
    else:
        assert case.done() is (response.status_code < 300)


def test_every_alerts_operation_has_a_row() -> None:
    from procura.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "alerts" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS


def test_the_api_tables_cover_every_person() -> None:
    for row in API_ROWS:
        assert set(row.expected) == set(PEOPLE), row
