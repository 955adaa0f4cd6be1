"""The alerts API: a person's subscriptions, follows, notifications and feed link."""

from __future__ import annotations

from typing import Any

from django.test import Client

from procura.alerts.models import AlertSubscription, TenderFollow
from procura.core import clock
from tests.alerts.support import subscribe
from tests.conftest import World
from tests.tenders.support import draft, published
from tests.tenders.test_api import bearer, error_of, send


def body(world: World, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Medical gloves",
        "supplier_id": str(world.supplier.pk),
        "frequency": "immediate",
        "classifications": ["3314"],
        "keywords": ["gloves", "Nitrile gloves"],
        "buyer_ids": [str(world.buyer.pk)],
        "value_min": "1000",
        "value_max": "100000.5",
        "currency": "GBP",
    }
    values.update(overrides)
    return values


def test_a_supplier_creates_reads_changes_and_deletes_an_alert(world: World, frozen_clock: clock.Clock) -> None:
    client = bearer(world, "bid_manager")
    # create
    created = send(client, "POST", "/api/v1/alerts/subscriptions", body(world))
    assert created.status_code == 201, created.content
    alert = created.json()
    assert {key: alert[key] for key in ("name", "frequency", "classifications", "keywords", "buyer_ids")} == {
        "name": "Medical gloves",
        "frequency": "immediate",
        "classifications": ["3314"],
        "keywords": ["gloves", "Nitrile gloves"],
        "buyer_ids": [str(world.buyer.pk)],
    }
    assert alert["value_range"] == {"min": "1000.00", "max": "100000.50", "currency": "GBP"}
    # read
    assert send(client, "GET", f"/api/v1/alerts/subscriptions/{alert['id']}").json()["id"] == alert["id"]
    assert [a["id"] for a in send(client, "GET", "/api/v1/alerts/subscriptions").json()] == [alert["id"]]
    # change: criteria not given are emptied (PUT replaces)
    changed = send(
        client,
        "PUT",
        f"/api/v1/alerts/subscriptions/{alert['id']}",
        {"name": "Anything", "supplier_id": str(world.supplier.pk), "frequency": "daily"},
    )
    assert changed.status_code == 200
    assert {key: changed.json()[key] for key in ("name", "frequency", "keywords", "value_range")} == {
        "name": "Anything",
        "frequency": "daily",
        "keywords": [],
        "value_range": None,
    }
    # delete
    assert send(client, "DELETE", f"/api/v1/alerts/subscriptions/{alert['id']}").status_code == 204
    assert not AlertSubscription.objects.exists()


def test_bad_criteria_are_named_field_by_field(world: World) -> None:
    response = send(
        world.client("bid_manager"),
        "POST",
        "/api/v1/alerts/subscriptions",
        body(
            world,
            name=" ",
            frequency="hourly",
            classifications=["12", "road"],
            keywords=["", "!!"],
            buyer_ids=[str(world.supplier.pk)],
            value_min="10",
            value_max="5",
            currency="XXY",
        ),
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {
        "name",
        "frequency",
        "classifications",
        "keywords",
        "buyer_ids",
        "currency",
        "value_max",
    }
    assert error["fields"]["classifications"] == [
        "No CPV code starts with 12.",
        "“road” is not a CPV code or its first digits: enter digits such as 4521 or a code such as 45210000-2.",
    ]
    assert not AlertSubscription.objects.exists()


def test_a_range_needs_its_currency_and_its_order(world: World) -> None:
    client = world.client("bid_manager")
    no_currency = send(client, "POST", "/api/v1/alerts/subscriptions", body(world, currency=""))
    assert error_of(no_currency)["fields"] == {
        "currency": ["Enter the currency of the value range, such as EUR or USD."]
    }
    reversed_range = send(client, "POST", "/api/v1/alerts/subscriptions", body(world, value_min="10", value_max="5"))
    assert error_of(reversed_range)["fields"] == {"value_max": ["The maximum value must not be less than the minimum."]}
    too_precise = send(client, "POST", "/api/v1/alerts/subscriptions", body(world, value_min="10.001"))
    assert list(error_of(too_precise)["fields"]) == ["value_min"]


def test_alerts_are_only_for_a_supplier_one_belongs_to(world: World) -> None:
    client = world.client("bid_manager")
    other = send(client, "POST", "/api/v1/alerts/subscriptions", body(world, supplier_id=str(world.other_supplier.pk)))
    assert other.status_code == 403
    unknown = send(
        client, "POST", "/api/v1/alerts/subscriptions", body(world, supplier_id="00000000-0000-0000-0000-000000000000")
    )
    assert error_of(unknown)["fields"] == {"supplier_id": ["There is no such supplier on Procura."]}
    buyer = send(world.client("officer"), "POST", "/api/v1/alerts/subscriptions", body(world))
    assert buyer.status_code == 403
    assert "Alerts are for people who work for a supplier." in error_of(buyer)["message"]
    assert not AlertSubscription.objects.exists()


def test_someone_elses_alert_is_not_found(world: World, frozen_clock: clock.Clock) -> None:
    subscription = subscribe(world.viewer, world.supplier)
    client = world.client("bid_manager")
    assert send(client, "GET", f"/api/v1/alerts/subscriptions/{subscription.pk}").status_code == 404
    assert send(client, "DELETE", f"/api/v1/alerts/subscriptions/{subscription.pk}").status_code == 404
    assert send(client, "GET", "/api/v1/alerts/subscriptions").json() == []
    assert AlertSubscription.objects.exists()


def test_following_and_unfollowing(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    client = world.client("viewer")
    first = send(client, "POST", "/api/v1/alerts/follows", {"ocid": tender.ocid})
    again = send(client, "POST", "/api/v1/alerts/follows", {"ocid": tender.ocid})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["tender"]["ocid"] == tender.ocid
    assert [f["tender"]["ocid"] for f in send(client, "GET", "/api/v1/alerts/follows").json()] == [tender.ocid]
    assert send(client, "DELETE", f"/api/v1/alerts/follows/{tender.ocid}").status_code == 204
    assert send(client, "DELETE", f"/api/v1/alerts/follows/{tender.ocid}").status_code == 204
    assert not TenderFollow.objects.exists()
    secret = draft(world.officer, world.buyer)
    assert send(client, "POST", "/api/v1/alerts/follows", {"ocid": secret.ocid}).status_code == 404


def test_notifications_are_listed_a_page_at_a_time(world: World, frozen_clock: clock.Clock) -> None:
    import datetime as dt

    subscribe(world.viewer, world.supplier)
    tenders = []
    for i in range(3):
        tenders.append(published(world.officer, world.buyer, title=f"Gloves {i}"))
        frozen_clock.advance(dt.timedelta(minutes=1))
    client = world.client("viewer")
    first = send(client, "GET", "/api/v1/alerts/notifications?limit=2").json()
    second = send(client, "GET", f"/api/v1/alerts/notifications?limit=2&cursor={first['next_cursor']}").json()
    assert [n["title"] for n in first["results"]] == ["Gloves 2", "Gloves 1"]
    assert [n["title"] for n in second["results"]] == ["Gloves 0"]
    assert second["next_cursor"] is None
    assert first["results"][0]["kind"] == "new_tender"
    assert first["results"][0]["tender"]["url"].endswith(f"/tenders/{tenders[2].ocid}/")
    bad = send(client, "GET", "/api/v1/alerts/notifications?cursor=nonsense")
    assert bad.status_code == 422
    assert list(error_of(bad)["fields"]) == ["cursor"]


def test_the_feed_link_is_made_once_and_never_cached(world: World, frozen_clock: clock.Clock) -> None:
    client = world.client("viewer")
    response = send(client, "POST", "/api/v1/alerts/feed")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    url = response.json()["url"]
    path = url[url.index("/alerts/feed/") :]
    assert Client().get(path).status_code == 200
    send(client, "POST", "/api/v1/alerts/feed")
    assert Client().get(path).status_code == 404


def test_a_read_only_token_cannot_change_alerts(world: World) -> None:
    client = bearer(world, "bid_manager", scopes=("read",))
    assert send(client, "POST", "/api/v1/alerts/subscriptions", body(world)).status_code == 403
    assert send(client, "GET", "/api/v1/alerts/subscriptions").status_code == 200
