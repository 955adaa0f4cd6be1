"""Emails: immediate ones once the tender's transaction has committed, exactly once; a daily
summary per person that never repeats; the person's language; nothing the public page hides."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings

from procura.alerts import tasks
from procura.alerts.models import Notification
from procura.alerts.services import alerts_email_digests, alerts_email_immediate, tender_follow
from procura.core import clock
from procura.tenders import services as tender_services
from tests import factories
from tests.alerts.support import subscribe
from tests.conftest import World
from tests.tenders.support import draft, published


def publish_and_commit(world: World, capture: Any, **overrides: Any) -> Any:
    tender = draft(world.officer, world.buyer, **overrides)
    with capture(execute=True):
        tender_services.tender_publish(actor=world.officer, tender=tender)
    return tender


def test_an_immediate_email_is_sent_once_after_commit(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    subscribe(world.bid_manager, world.supplier, name="Gloves", keywords=["gloves"])
    tender = draft(world.officer, world.buyer)
    # when the tender is published: nothing is sent until the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        tender_services.tender_publish(actor=world.officer, tender=tender)
        assert mail.outbox == []
    # then
    (email,) = mail.outbox
    assert email.to == [world.bid_manager.email]
    assert email.subject == "New tender: Examination gloves for regional hospitals"
    assert "It matches your alert “Gloves”." in email.body
    assert "Buyer: Ministry of Tests" in email.body
    assert "Deadline for bids: " in email.body
    assert f"{settings.BASE_URL}/tenders/{tender.ocid}/" in email.body
    assert Notification.objects.get().emailed_at == clock.now()
    # and the catch-up job and a repeated job send nothing more
    assert tasks.email_unsent_alerts.call_local() == 0
    assert alerts_email_immediate(notification_ids=[Notification.objects.get().pk]) == 0
    assert len(mail.outbox) == 1


@override_settings(BASE_URL="https://procura.example")
def test_the_link_is_the_public_tender_page(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(world.bid_manager, world.supplier)
    tender = publish_and_commit(world, django_capture_on_commit_callbacks)
    assert f"https://procura.example/tenders/{tender.ocid}/" in mail.outbox[0].body


def test_daily_subscriptions_wait_for_the_summary(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(world.bid_manager, world.supplier, frequency="daily")
    publish_and_commit(world, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert alerts_email_immediate() == 0
    assert Notification.objects.get().emailed_at is None


def test_the_catch_up_sends_what_was_not_sent(world: World, frozen_clock: clock.Clock) -> None:
    # given a notification whose job never ran (the test's transaction never commits)
    subscribe(world.bid_manager, world.supplier)
    published(world.officer, world.buyer)
    assert mail.outbox == []
    # when
    sent = tasks.email_unsent_alerts.call_local()
    # then
    assert sent == 1
    assert len(mail.outbox) == 1
    assert tasks.email_unsent_alerts.call_local() == 0
    assert len(mail.outbox) == 1


def test_a_refused_email_stays_unsent_for_the_next_run(
    world: World, frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    subscribe(world.bid_manager, world.supplier)
    published(world.officer, world.buyer)

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("procura.alerts.services.delivery.send_mail", refuse)
    # when
    assert alerts_email_immediate() == 0
    # then
    assert Notification.objects.get().emailed_at is None
    monkeypatch.undo()
    assert alerts_email_immediate() == 1
    assert len(mail.outbox) == 1


def test_the_daily_summary_is_one_email_per_person_and_never_repeats(world: World, frozen_clock: clock.Clock) -> None:
    # given two people with daily subscriptions and two new tenders
    subscribe(world.bid_manager, world.supplier, name="All", frequency="daily")
    subscribe(world.other_bid_manager, world.other_supplier, name="Gloves", keywords=["gloves"], frequency="daily")
    subscribe(world.viewer, world.supplier, name="Now", frequency="immediate")
    first = published(world.officer, world.buyer, title="Examination gloves")
    second = published(world.officer, world.buyer, title="Surgical gloves")
    # when
    sent = tasks.email_daily_alert_summaries.call_local()
    # then
    assert sent == 2
    by_person = {email.to[0]: email for email in mail.outbox}
    assert set(by_person) == {world.bid_manager.email, world.other_bid_manager.email}
    for email in by_person.values():
        assert email.subject == "Procura: 2 updates from your alerts"
        assert f"/tenders/{first.ocid}/" in email.body
        assert f"/tenders/{second.ocid}/" in email.body
    assert not Notification.objects.filter(delivery="daily", emailed_at__isnull=True).exists()
    assert Notification.objects.get(user=world.viewer, tender=first).emailed_at is None  # not a summary's
    # and the next day only what is new is sent
    assert alerts_email_digests() == 0
    frozen_clock.advance(dt.timedelta(days=1))
    third = published(world.officer, world.buyer, title="Nitrile gloves")
    assert alerts_email_digests() == 2
    latest = mail.outbox[2:]
    assert all(email.subject == "Procura: 1 update from your alerts" for email in latest)
    assert all(f"/tenders/{third.ocid}/" in e.body and f"/tenders/{first.ocid}/" not in e.body for e in latest)


def test_followers_are_emailed_the_amendment_rationale(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.alerts.test_notifications import amend

    tender = published(world.officer, world.buyer)
    tender_follow(actor=world.viewer, tender=tender)
    with django_capture_on_commit_callbacks(execute=True):
        amend(world, tender, rationale="Aprons were forgotten.")
    (email,) = mail.outbox
    assert email.to == [world.viewer.email]
    assert email.subject == "Tender amended: Nitrile examination gloves for regional hospitals"
    assert "Why it changed: Aprons were forgotten." in email.body


def test_a_withheld_value_is_never_emailed_and_a_shown_one_is(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(world.bid_manager, world.supplier)
    hidden = draft(world.officer, world.buyer, "negotiated", value_amount="77777")
    shown = draft(world.officer, world.buyer, value_amount="66666")
    with django_capture_on_commit_callbacks(execute=True):
        tender_services.tender_publish(actor=world.officer, tender=hidden)
    with django_capture_on_commit_callbacks(execute=True):
        tender_services.tender_publish(actor=world.officer, tender=shown)
    hidden_email, shown_email = mail.outbox
    assert "77" not in hidden_email.body.replace(hidden.ocid, "")
    assert "Estimated value" not in hidden_email.body
    assert "Estimated value: £66,666.00" in shown_email.body


def test_emails_are_in_the_persons_language(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    # given a person who reads Spanish
    person = factories.member(world.supplier, "viewer")
    type(person).objects.filter(pk=person.pk).update(language="es")
    subscribe(person, world.supplier)
    # when
    publish_and_commit(world, django_capture_on_commit_callbacks)
    # then amounts and dates are written the Spanish way
    (email,) = mail.outbox
    assert "90.000,00" in email.body
