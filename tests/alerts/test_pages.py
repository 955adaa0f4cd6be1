"""The alert pages, through HTTP as a supplier uses them: my alerts, adding, changing and
deleting one, following tenders, and the feed link shown once."""

from __future__ import annotations

import re
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from procura.alerts.models import AlertFeed, AlertSubscription, TenderFollow
from procura.alerts.selectors import feed_by_token
from procura.core import clock
from procura.tenders.models import Tender
from tests.alerts.support import subscribe
from tests.conftest import World
from tests.tenders.support import draft, published


def html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined,no-any-return]


def form_data(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "name": "Roads in the north",
        "classifications": "4523, 45233140-2",
        "keywords": "resurfacing, ring road",
        "value_min": "100000",
        "value_max": "500000",
        "currency": "eur",
        "frequency": "daily",
    }
    data.update(overrides)
    return data


def test_my_alerts_page_lists_alerts_follows_and_notifications(world: World, frozen_clock: clock.Clock) -> None:
    # given
    subscribe(world.bid_manager, world.supplier, name="Gloves", keywords=["gloves"], value_max="100000", currency="GBP")
    tender = published(world.officer, world.buyer)
    from procura.alerts.services import tender_follow

    tender_follow(actor=world.bid_manager, tender=tender)
    # when
    response = world.client("bid_manager").get("/alerts/")
    # then
    page = html(response)
    assert response.status_code == 200
    assert page.count("<h1>") == 1
    assert "Gloves" in page
    assert "Keywords: gloves" in page
    assert "up to £100,000.00" in page
    assert "New tender: Examination gloves for regional hospitals" in page  # the notification
    assert f'name="ocid" value="{tender.ocid}"' in page  # the stop-following button
    assert "Make my feed link" in page


def test_buyers_are_refused_with_the_reason(world: World) -> None:
    response = world.client("officer").get("/alerts/")
    assert response.status_code == 403
    assert "Alerts are for people who work for a supplier." in html(response)


def test_a_supplier_adds_an_alert(world: World, frozen_clock: clock.Clock) -> None:
    # given
    client = world.client("viewer")
    # when
    response = client.post(
        "/alerts/subscriptions/new/",
        form_data(supplier_id=str(world.supplier.pk), buyer_ids=[str(world.buyer.pk), str(world.other_buyer.pk)]),
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/alerts/"
    subscription = AlertSubscription.objects.get()
    assert (subscription.user, subscription.supplier, subscription.name, subscription.frequency) == (
        world.viewer,
        world.supplier,
        "Roads in the north",
        "daily",
    )
    assert [c.prefix for c in subscription.classifications.all()] == ["4523", "4523314"]
    assert [k.phrase for k in subscription.keywords.all()] == ["resurfacing", "ring road"]
    assert {b.buyer_id for b in subscription.buyers.all()} == {world.buyer.pk, world.other_buyer.pk}
    assert (subscription.value_min, subscription.value_max, subscription.currency) == (
        Decimal("100000"),
        Decimal("500000"),
        "EUR",
    )


def test_bad_input_comes_back_with_every_message_by_its_field(world: World) -> None:
    # when
    response = world.client("viewer").post(
        "/alerts/subscriptions/new/",
        form_data(
            name="",
            supplier_id=str(world.supplier.pk),
            classifications="4, 4599",
            keywords="--",
            value_min="900",
            value_max="100",
            currency="",
        ),
    )
    # then every problem is reported at once, the form's and the service's
    page = html(response)
    assert response.status_code == 200
    assert "Give the alert a name" in page
    assert "“4” is not a CPV code or its first digits" in page
    assert "No CPV code starts with 4599." in page
    assert "“--” has no words to look for." in page
    assert "Enter the currency of the value range" in page
    assert "The maximum value must not be less than the minimum." in page
    assert 'href="#id_classifications"' in page  # the error summary links to the field
    assert 'href="#id_name"' in page
    assert not AlertSubscription.objects.exists()


def test_a_minimum_above_the_maximum_is_refused(world: World) -> None:
    response = world.client("viewer").post(
        "/alerts/subscriptions/new/",
        form_data(supplier_id=str(world.supplier.pk), value_min="900", value_max="100", currency="EUR"),
    )
    assert response.status_code == 200
    assert "The maximum value must not be less than the minimum." in html(response)
    assert not AlertSubscription.objects.exists()


def test_another_suppliers_organisation_cannot_be_chosen(world: World) -> None:
    response = world.client("viewer").post(
        "/alerts/subscriptions/new/", form_data(supplier_id=str(world.other_supplier.pk))
    )
    assert response.status_code == 200
    assert "Select a valid choice" in html(response)
    assert not AlertSubscription.objects.exists()


def test_an_alert_is_changed_with_its_values_shown(world: World, frozen_clock: clock.Clock) -> None:
    # given
    subscription = subscribe(
        world.viewer, world.supplier, name="Old", keywords=["gloves"], value_min="250000", currency="EUR"
    )
    client = world.client("viewer")
    # when
    page = html(client.get(f"/alerts/subscriptions/{subscription.pk}/"))
    response = client.post(
        f"/alerts/subscriptions/{subscription.pk}/",
        form_data(name="New", supplier_id=str(world.supplier.pk), keywords="masks", frequency="immediate"),
    )
    # then
    assert 'value="250000.00"' in page
    assert "\ngloves</textarea>" in page
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.name, subscription.frequency) == ("New", "immediate")
    assert [k.text for k in subscription.keywords.all()] == ["masks"]


def test_someone_elses_alert_is_not_found(world: World, frozen_clock: clock.Clock) -> None:
    subscription = subscribe(world.viewer, world.supplier)
    client = world.client("bid_manager")  # same supplier, another person
    assert client.get(f"/alerts/subscriptions/{subscription.pk}/").status_code == 404
    assert client.post(f"/alerts/subscriptions/{subscription.pk}/delete/").status_code == 404
    assert AlertSubscription.objects.filter(pk=subscription.pk).exists()


def test_an_alert_is_deleted_after_confirming(world: World, frozen_clock: clock.Clock) -> None:
    subscription = subscribe(world.viewer, world.supplier, name="Gloves")
    client = world.client("viewer")
    confirm = client.get(f"/alerts/subscriptions/{subscription.pk}/delete/")
    assert "Delete the alert Gloves" in html(confirm)
    assert AlertSubscription.objects.exists()
    response = client.post(f"/alerts/subscriptions/{subscription.pk}/delete/")
    assert response.status_code == 302
    assert not AlertSubscription.objects.exists()


def test_following_and_unfollowing_from_a_tender_page(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(world.officer, world.buyer)
    client = world.client("viewer")
    # when
    followed = client.post("/alerts/follow/", {"ocid": tender.ocid, "next": f"/tenders/{tender.ocid}/"})
    again = client.post("/alerts/follow/", {"ocid": tender.ocid})
    # then
    assert followed.status_code == 302
    assert followed["Location"] == f"/tenders/{tender.ocid}/"
    assert again.status_code == 302
    assert TenderFollow.objects.filter(user=world.viewer, tender=tender).count() == 1
    # when
    unfollowed = client.post("/alerts/unfollow/", {"ocid": tender.ocid, "next": "https://evil.example/"})
    # then
    assert unfollowed["Location"] == f"/tenders/{tender.ocid}/"  # never off the site
    assert not TenderFollow.objects.exists()


def test_drafts_and_unknown_tenders_cannot_be_followed(world: World, frozen_clock: clock.Clock) -> None:
    secret = draft(world.officer, world.buyer)
    client = world.client("viewer")
    assert client.post("/alerts/follow/", {"ocid": secret.ocid}).status_code == 404
    assert client.post("/alerts/follow/", {"ocid": "ocds-prcdev-nothing"}).status_code == 404
    assert client.post("/alerts/follow/", {}).status_code == 404
    assert not TenderFollow.objects.exists()


def test_the_feed_link_is_shown_once(world: World, frozen_clock: clock.Clock) -> None:
    # given
    client = world.client("viewer")
    # when
    response = client.post("/alerts/feed/reset/")
    first = html(client.get("/alerts/"))
    second = html(client.get("/alerts/"))
    # then
    assert response.status_code == 302
    match = re.search(r'value="(http[^"]+/alerts/feed/([A-Za-z0-9_-]+)\.atom)"', first)
    assert match is not None
    assert feed_by_token(match.group(2)) == AlertFeed.objects.get(user=world.viewer)
    assert match.group(2) not in second
    assert "Make a new feed link" in second


def _follow_button(client: Client, tender: Tender) -> str:
    """The follow form on the real tender page, or "" when the page offers none."""
    response = client.get(reverse("tenders:tender", args=[tender.ocid]))
    html = response.content.decode()
    match = re.search(r'<form[^>]*action="/alerts/(?:un)?follow/".*?</form>', html, re.S)
    return match.group(0) if match else ""


def test_the_follow_button_for_tender_pages(world: World, frozen_clock: clock.Clock) -> None:
    from procura.alerts.services import tender_follow

    tender = published(world.officer, world.buyer)
    viewer = world.client("viewer")
    # people of suppliers are offered to follow, then to stop
    offered = _follow_button(viewer, tender)
    assert 'action="/alerts/follow/"' in offered
    assert f'name="ocid" value="{tender.ocid}"' in offered
    assert "Follow this tender" in offered
    tender_follow(actor=world.viewer, tender=tender)
    assert 'action="/alerts/unfollow/"' in _follow_button(viewer, tender)
    # nobody else sees a button
    assert _follow_button(world.client("officer"), tender) == ""
    assert _follow_button(Client(), tender) == ""
    assert _follow_button(viewer, draft(world.officer, world.buyer)) == ""
