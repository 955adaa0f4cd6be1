"""The daily job warns a supplier's bid managers before a qualification document lapses: once per
document and threshold (30 days, 7 days, expired), in each person's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from procura.accounts.roles import Role
from procura.core import clock
from procura.suppliers.models import ExpiryWarning, QualificationDocument
from procura.suppliers.services import qualification_document_add, qualification_document_remove
from procura.suppliers.tasks import send_qualification_expiry_warnings
from tests import factories
from tests.conftest import World
from tests.suppliers.conftest import pdf

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _upload(world: World, expires_on: dt.date | None, title: str = "Tax clearance 2026") -> QualificationDocument:
    return qualification_document_add(
        actor=world.bid_manager,
        organisation=world.supplier,
        kind="tax_clearance",
        title=title,
        file=pdf(),
        expires_on=expires_on,
    )


def _run_on(frozen_clock: Any, day: dt.date) -> int:
    frozen_clock.set(dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC))
    mail.outbox.clear()
    return send_qualification_expiry_warnings.call_local()


def test_each_warning_goes_once_to_each_bid_manager(world: World, frozen_clock: Any) -> None:
    # given a second bid manager and a document that expires on 10 April (valid that whole day)
    second = factories.member(world.supplier, Role.BID_MANAGER, full_name="Second Manager")
    qualification = _upload(world, dt.date(2026, 4, 10))
    managers = {world.bid_manager.email, second.email}

    # when the job runs every day from today until well after the expiry
    sent: dict[dt.date, list[tuple[str, str]]] = {}
    day = dt.date(2026, 3, 2)
    while day <= dt.date(2026, 4, 20):
        _run_on(frozen_clock, day)
        if mail.outbox:
            sent[day] = sorted((m.to[0], m.subject) for m in mail.outbox)
        day += dt.timedelta(days=1)

    # then 30 days before, 7 days before and the day after the expiry, each to both managers
    assert sorted(sent) == [dt.date(2026, 3, 11), dt.date(2026, 4, 3), dt.date(2026, 4, 11)]
    for day, messages in sent.items():
        assert {to for to, _ in messages} == managers, day
    assert {s for _, s in sent[dt.date(2026, 3, 11)]} == {"“Tax clearance 2026” of Small Firm Ltd expires in 30 days"}
    assert {s for _, s in sent[dt.date(2026, 4, 3)]} == {"“Tax clearance 2026” of Small Firm Ltd expires in 7 days"}
    assert {s for _, s in sent[dt.date(2026, 4, 11)]} == {"“Tax clearance 2026” of Small Firm Ltd has expired"}
    warnings = ExpiryWarning.objects.filter(qualification=qualification).order_by("sent_at")
    assert [(w.threshold, w.recipients) for w in warnings] == [("30_days", 2), ("7_days", 2), ("expired", 2)]


def test_the_mail_says_when_and_links_to_the_register(world: World, frozen_clock: Any, settings: Any) -> None:
    # given
    _upload(world, dt.date(2026, 3, 20))
    # when
    assert _run_on(frozen_clock, dt.date(2026, 3, 2)) == 1
    # then
    (message,) = mail.outbox
    assert message.to == [world.bid_manager.email]
    assert "2026-03-20" in message.body
    assert "in 18 days" in message.body
    assert f"{settings.BASE_URL}/suppliers/{world.supplier.pk}/" in message.body


def test_viewers_other_suppliers_and_buyers_are_not_warned(world: World, frozen_clock: Any) -> None:
    _upload(world, dt.date(2026, 3, 5))
    _run_on(frozen_clock, dt.date(2026, 3, 2))
    assert [m.to for m in mail.outbox] == [[world.bid_manager.email]]


def test_a_document_uploaded_close_to_expiry_gets_only_the_most_urgent_warning(world: World, frozen_clock: Any) -> None:
    qualification = _upload(world, dt.date(2026, 3, 6))
    assert _run_on(frozen_clock, dt.date(2026, 3, 2)) == 1
    assert [m.subject for m in mail.outbox] == ["“Tax clearance 2026” of Small Firm Ltd expires in 4 days"]
    assert list(ExpiryWarning.objects.filter(qualification=qualification).values_list("threshold", flat=True)) == [
        "7_days"
    ]
    # the same day again: nothing new
    assert _run_on(frozen_clock, dt.date(2026, 3, 2)) == 0
    assert mail.outbox == []


def test_a_document_expiring_today_is_said_to_expire_today(world: World, frozen_clock: Any) -> None:
    _upload(world, dt.date(2026, 3, 2))
    _run_on(frozen_clock, dt.date(2026, 3, 2))
    assert [m.subject for m in mail.outbox] == ["“Tax clearance 2026” of Small Firm Ltd expires today"]


def test_removed_and_lasting_documents_are_not_warned_about(world: World, frozen_clock: Any) -> None:
    removed = _upload(world, dt.date(2026, 3, 20), title="Removed")
    _upload(world, None, title="Lasting")
    _upload(world, dt.date(2026, 12, 31), title="Far off")
    qualification_document_remove(actor=world.bid_manager, qualification=removed)
    assert _run_on(frozen_clock, dt.date(2026, 3, 2)) == 0
    assert mail.outbox == []


def test_bid_managers_are_warned_in_their_language(world: World, frozen_clock: Any, monkeypatch: Any) -> None:
    # given a bid manager who prefers Spanish, and a record of the language each text is written in
    from django.utils import translation

    from procura.suppliers.services import expiry_warnings

    world.bid_manager.language = "es"
    world.bid_manager.save(update_fields=["language"])
    second = factories.member(world.supplier, Role.BID_MANAGER)
    languages: list[str | None] = []
    real_ngettext = expiry_warnings.ngettext

    def recording_ngettext(singular: str, plural: str, number: int) -> str:
        languages.append(translation.get_language())
        return real_ngettext(singular, plural, number)

    monkeypatch.setattr(expiry_warnings, "ngettext", recording_ngettext)
    _upload(world, dt.date(2026, 4, 10))
    # when
    _run_on(frozen_clock, dt.date(2026, 3, 12))  # 29 days before
    # then the Spanish speaker's texts were written in Spanish, the other's in the site's language
    assert len(mail.outbox) == 2
    assert sorted(languages) == ["en", "en", "es", "es"]  # subject and body for each
    assert second.language == ""


def test_the_database_refuses_a_second_warning_for_the_same_threshold(world: World, frozen_clock: Any) -> None:
    qualification = _upload(world, dt.date(2026, 3, 20))
    _run_on(frozen_clock, dt.date(2026, 3, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpiryWarning.objects.create(
            qualification=qualification, threshold="30_days", expires_on=dt.date(2026, 3, 20), sent_at=clock.now()
        )


def test_a_failed_mail_is_tried_again_the_next_day(world: World, frozen_clock: Any, monkeypatch: Any) -> None:
    # given a mail server that fails once
    from procura.suppliers.services import expiry_warnings

    qualification = _upload(world, dt.date(2026, 3, 20))
    real_send = expiry_warnings.send_mail
    calls = {"n": 0}

    def flaky_send(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("mail server down")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(expiry_warnings, "send_mail", flaky_send)
    # when
    assert _run_on(frozen_clock, dt.date(2026, 3, 2)) == 0
    assert not ExpiryWarning.objects.filter(qualification=qualification).exists()
    assert _run_on(frozen_clock, dt.date(2026, 3, 3)) == 1
    # then
    assert len(mail.outbox) == 1
    assert ExpiryWarning.objects.filter(qualification=qualification, threshold="30_days").exists()
