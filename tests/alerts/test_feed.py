"""The personal Atom feed: valid Atom 1.0, the person's latest notifications, public facts only,
opened by its secret link alone, and gone once the link is replaced."""

from __future__ import annotations

import datetime as dt
import uuid
from xml.etree import ElementTree

from django.test import Client

from procura.alerts.models import AlertFeed, Notification
from procura.alerts.selectors import FEED_SIZE
from procura.alerts.services import alert_feed_reset, tender_follow
from procura.core import clock
from procura.tenders import services as tender_services
from tests.alerts.support import subscribe
from tests.conftest import World
from tests.tenders.support import published

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(token: str) -> ElementTree.Element:
    response = Client().get(f"/alerts/feed/{token}.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ElementTree.fromstring(response.content)  # noqa: S314 - this server's own feed


def test_the_feed_is_valid_atom_with_the_persons_notifications(world: World, frozen_clock: clock.Clock) -> None:
    # given
    subscribe(world.bid_manager, world.supplier, keywords=["gloves"])
    subscribe(world.viewer, world.supplier)  # someone else's notifications are not in the feed
    first = published(world.officer, world.buyer, title="Examination gloves")
    frozen_clock.advance(dt.timedelta(hours=1))
    second = published(world.officer, world.buyer, title="Surgical gloves")
    token = alert_feed_reset(actor=world.bid_manager)
    # when
    root = feed(token)
    # then the feed has what Atom 1.0 requires
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Your alerts on Procura"
    assert root.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
    assert root.findtext(f"{ATOM}updated")
    assert token not in ElementTree.tostring(root, encoding="unicode")  # the secret is not echoed
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "New tender: Surgical gloves",
        "New tender: Examination gloves",
    ]
    for entry, tender in zip(entries, [second, first], strict=True):
        assert entry.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
        assert entry.findtext(f"{ATOM}updated")
        link = entry.find(f"{ATOM}link")
        assert link is not None
        assert link.get("href", "").endswith(f"/tenders/{tender.ocid}/")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Ministry of Tests"
        assert "Deadline for bids" in entry.findtext(f"{ATOM}summary", "")
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 2


def test_the_feed_never_shows_a_withheld_value(world: World, frozen_clock: clock.Clock) -> None:
    subscribe(world.bid_manager, world.supplier)
    published(world.officer, world.buyer, "negotiated", value_amount="77777")
    token = alert_feed_reset(actor=world.bid_manager)
    text = ElementTree.tostring(feed(token), encoding="unicode")
    assert "77,777" not in text
    assert "77777" not in text
    assert "Estimated value" not in text


def test_followed_tender_news_reaches_the_feed(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    tender_follow(actor=world.viewer, tender=tender)
    tender_services.tender_cancel(actor=world.officer, tender=tender, reason="The need has gone <b>away</b>.")
    token = alert_feed_reset(actor=world.viewer)
    (entry,) = feed(token).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Tender cancelled: Examination gloves for regional hospitals"
    summary = entry.findtext(f"{ATOM}summary", "")
    assert "Reason: The need has gone &lt;b&gt;away&lt;/b&gt;." in summary  # escaped: text, not markup


def test_the_feed_holds_the_latest_fifty(world: World, frozen_clock: clock.Clock) -> None:
    subscribe(world.bid_manager, world.supplier)
    tender = published(world.officer, world.buyer)
    now = clock.now()
    Notification.objects.bulk_create(
        Notification(
            user=world.bid_manager,
            tender=tender,
            kind="amendment",
            source_id=uuid.uuid4(),
            delivery="immediate",
            title=f"n{i}",
            created_at=now + dt.timedelta(minutes=i),
        )
        for i in range(FEED_SIZE + 5)
    )
    token = alert_feed_reset(actor=world.bid_manager)
    assert len(feed(token).findall(f"{ATOM}entry")) == FEED_SIZE


def test_unknown_and_replaced_links_are_not_found(world: World, frozen_clock: clock.Clock) -> None:
    # given
    old = alert_feed_reset(actor=world.bid_manager)
    new = alert_feed_reset(actor=world.bid_manager)
    # then
    assert Client().get(f"/alerts/feed/{old}.atom").status_code == 404
    assert Client().get("/alerts/feed/not-a-token.atom").status_code == 404
    assert Client().get(f"/alerts/feed/{new}.atom").status_code == 200
    assert AlertFeed.objects.count() == 1
    assert new not in AlertFeed.objects.get().token_hash  # only a hash is stored


def test_a_closed_account_has_no_feed(world: World, frozen_clock: clock.Clock) -> None:
    token = alert_feed_reset(actor=world.bid_manager)
    type(world.bid_manager).objects.filter(pk=world.bid_manager.pk).update(is_active=False)
    assert Client().get(f"/alerts/feed/{token}.atom").status_code == 404
