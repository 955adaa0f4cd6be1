"""Two email workers at once on PostgreSQL: a notification one worker holds is skipped by the
other (SKIP LOCKED), so each email goes out once. (On SQLite every transaction takes the write
lock at BEGIN, so workers run one after the other; tests/alerts/test_delivery.py covers repeats.)"""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, connections, transaction

from procura.alerts.models import Notification
from procura.alerts.services import alerts_email_immediate
from procura.core import clock
from tests.conftest import World
from tests.tenders.support import published

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."
    ),
]


def test_a_notification_another_worker_holds_is_skipped_then_sent_once(world: World, frozen_clock: clock.Clock) -> None:
    # given an unsent immediate notification
    tender = published(world.officer, world.buyer)
    notification = Notification.objects.create(
        user=world.viewer,
        tender=tender,
        kind="new_tender",
        delivery="immediate",
        title=tender.title,
        created_at=clock.now(),
    )
    held = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def other_worker() -> None:
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=notification.pk)
                held.set()
                release.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert held.wait(timeout=30)
    # when this worker runs while the other holds the row
    skipped = alerts_email_immediate()
    release.set()
    worker.join(timeout=30)
    # then it skipped it, and once free it is sent exactly once
    assert errors == []
    assert skipped == 0
    assert mail.outbox == []
    assert alerts_email_immediate() == 1
    assert alerts_email_immediate() == 0
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None
