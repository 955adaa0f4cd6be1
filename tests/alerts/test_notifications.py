"""Notifications are written by the tender's own transaction: for matching subscriptions when a
tender is published, and for followers when it is amended, cancelled or a question answered."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from procura.alerts.models import Notification
from procura.alerts.services import tender_follow
from procura.core import clock
from procura.tenders import services as tender_services
from procura.tenders.models import Tender
from procura.tenders.services import details_of
from tests.alerts.support import subscribe
from tests.conftest import World
from tests.tenders.support import draft, published


class Rollback(Exception):
    pass


def amend(world: World, tender: Tender, rationale: str = "Aprons were forgotten.") -> Any:
    return tender_services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), title="Nitrile examination gloves for regional hospitals"),
        rationale=rationale,
    )


@transaction.atomic
def publish_then_fail(world: World, tender: Tender, written: list[int]) -> None:
    tender_services.tender_publish(actor=world.officer, tender=tender)
    written.append(Notification.objects.filter(tender=tender).count())
    raise Rollback


@transaction.atomic
def amend_then_fail(world: World, tender: Tender) -> None:
    amend(world, tender)
    raise Rollback


def test_a_rolled_back_publication_leaves_no_notification_and_sends_nothing(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    subscribe(world.bid_manager, world.supplier)
    tender = draft(world.officer, world.buyer)
    # when the publication is part of a transaction that fails afterwards
    written_inside: list[int] = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback):
        publish_then_fail(world, tender, written_inside)
    # then
    assert written_inside == [1]  # the notification was written inside the transaction
    assert not Notification.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_publishing_writes_the_notification_in_its_transaction(world: World, frozen_clock: clock.Clock) -> None:
    # given
    subscription = subscribe(world.bid_manager, world.supplier, keywords=["gloves"])
    # when
    tender = published(world.officer, world.buyer)
    # then
    (notification,) = Notification.objects.all()
    assert (notification.user, notification.tender, notification.kind, notification.subscription) == (
        world.bid_manager,
        tender,
        "new_tender",
        subscription,
    )
    assert notification.title == tender.title
    assert notification.created_at == clock.now()
    assert notification.emailed_at is None  # no email inside the transaction (the test never commits)


def test_followers_hear_of_amendments_answers_and_cancellation(world: World, frozen_clock: clock.Clock) -> None:
    # given one follower and one supplier who does not follow
    tender = published(world.officer, world.buyer)
    tender_follow(actor=world.viewer, tender=tender)
    # when
    amendment = amend(world, tender, rationale="Aprons were forgotten.")
    question = tender_services.clarification_ask(
        actor=world.other_bid_manager, tender=tender, supplier=world.other_supplier, question="Latex-free?"
    )
    tender_services.clarification_answer(actor=world.officer, clarification=question, answer="Yes, all latex-free.")
    tender_services.tender_cancel(actor=world.officer, tender=tender, reason="The need has gone.")
    # then
    told = list(Notification.objects.order_by("created_at", "kind").values_list("user", "kind", "source_id", "summary"))
    assert sorted(told, key=lambda row: row[1]) == [
        (world.viewer.pk, "amendment", amendment.pk, "Aprons were forgotten."),
        (world.viewer.pk, "answer", question.pk, "Yes, all latex-free."),
        (world.viewer.pk, "cancellation", None, "The need has gone."),
    ]
    assert all(n.delivery == "immediate" for n in Notification.objects.all())


def test_an_answer_never_names_who_asked(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(world.officer, world.buyer)
    tender_follow(actor=world.viewer, tender=tender)
    question = tender_services.clarification_ask(
        actor=world.other_bid_manager, tender=tender, supplier=world.other_supplier, question="Latex-free?"
    )
    # when
    tender_services.clarification_answer(actor=world.officer, clarification=question, answer="Yes.")
    # then
    notification = Notification.objects.get(kind="answer")
    assert world.other_supplier.legal_name not in f"{notification.title} {notification.summary}"


def test_a_rolled_back_amendment_tells_no_follower(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(world.officer, world.buyer)
    tender_follow(actor=world.viewer, tender=tender)
    # when
    with pytest.raises(Rollback):
        amend_then_fail(world, tender)
    # then
    assert not Notification.objects.filter(kind="amendment").exists()


def test_people_who_stopped_following_hear_nothing_more(world: World, frozen_clock: clock.Clock) -> None:
    from procura.alerts.services import tender_unfollow

    tender = published(world.officer, world.buyer)
    tender_follow(actor=world.viewer, tender=tender)
    tender_unfollow(actor=world.viewer, tender=tender)
    amend(world, tender)
    assert not Notification.objects.exists()
