"""The buyer's tender workspace, through its pages: a draft in steps, publication, questions,
amendments, cancellation, failure, and the dashboard. Checks the pages and what is stored."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procura.accounts.services import user_profile_update
from procura.audit.models import AuditEntry
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from procura.documents.access import can_view_document
from procura.documents.selectors import documents_for
from procura.planning.models import PlanLine
from procura.planning.services import (
    PlanLineDetails,
    business_case_decide,
    business_case_submit,
    plan_create,
    plan_line_add,
    plan_publish,
    spend_control_threshold_set,
)
from procura.tenders import services
from procura.tenders.domain import TenderStatus
from procura.tenders.models import Amendment, Clarification, Tender
from procura.tenders.selectors import status_of
from procura.tenders.services import LotDetails, details_of
from tests.conftest import World
from tests.tenders.support import DAY, details, draft, item, published
from tests.web.support import text

WORKSPACE = "/tenders/workspace/"


@pytest.fixture(autouse=True)
def _units(db: None) -> None:
    """Units of measure come from a data migration, which the flush after a transactional test
    (a browser test, say) empties in this database: put them back (the migration keeps what it finds)."""
    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    return root


def _edit(tender: Tender, step: str) -> str:
    return f"{WORKSPACE}{tender.ocid}/edit/{step}/"


def _url(tender: Tender, action: str) -> str:
    return f"{WORKSPACE}{tender.ocid}/{action}/"


def _basics(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Examination gloves for regional hospitals",
        "description": "Two-year supply of nitrile examination gloves.",
        "main_category": "goods",
        "procedure": "open",
        "currency": "GBP",
        "value_amount": "90000",
    }
    data.update(overrides)
    return data


def _local(moment: dt.datetime) -> str:
    """A datetime-local value in the platform time zone (UTC in the tests)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def _plan_line(world: World, *, amount: str = "250000") -> PlanLine:
    plan = plan_create(actor=world.officer, buyer=world.buyer, year=2026, title="Purchases 2026")
    line = plan_line_add(
        actor=world.officer,
        plan=plan,
        details=PlanLineDetails(
            title="Gloves for every hospital",
            main_category="goods",
            classification_scheme="CPV",
            classification_code="33141000-0",
            estimated_amount=Decimal(amount),
            currency="GBP",
            budget_source="Health programme",
            planned_tender_date=dt.date(2026, 4, 1),
            procedure="open",
        ),
    )
    plan_publish(actor=world.officer, plan=plan)
    return line


def _approve(world: World, line: PlanLine, amount: str = "250000") -> None:
    case = business_case_submit(
        actor=world.officer,
        plan_line=line,
        need="Hospitals run out of gloves every winter.",
        estimated_amount=Decimal(amount),
        currency="GBP",
        options_considered="Doing nothing; buying locally; one national tender.",
    )
    business_case_decide(actor=world.approver, business_case=case, approve=True, reasons="")


def _above_threshold_draft(world: World) -> Tender:
    now = clock.now()
    return draft(
        world.officer,
        world.buyer,
        value_amount=Decimal("250000"),
        tender_end=now + 31 * DAY,
        bid_opening_at=now + 31 * DAY + dt.timedelta(hours=1),
    )


# --- A draft, step by step ------------------------------------------------------------------------
def test_an_officer_creates_a_tender_through_the_steps(world: World, frozen_clock: clock.Clock) -> None:
    client = world.client("officer")
    now = clock.now()

    # when they give the basics
    response = client.post(f"{WORKSPACE}new/", _basics())
    # then a draft of their buyer exists and they go on to the lots
    tender = Tender.objects.get()
    assert tender.buyer == world.buyer
    assert tender.published_at is None
    assert response.status_code == 302
    assert response["Location"] == _edit(tender, "lots")

    # when they add a lot with one item, and ask to add another
    response = client.post(
        _edit(tender, "lots"),
        {
            "action": "add",
            "lots-0-title": "Gloves",
            "lots-0-items-0-description": "Nitrile gloves, size M",
            "lots-0-items-0-classification_scheme": "CPV",
            "lots-0-items-0-classification_code": "33141000-0",
            "lots-0-items-0-quantity": "20000",
            "lots-0-items-0-unit_code": "C62",
        },
    )
    # then they stay on the lots, where the new lot has an empty row for another item and lot
    assert response.status_code == 302
    assert response["Location"] == _edit(tender, "lots")
    page = client.get(_edit(tender, "lots")).content.decode()
    assert 'name="lots-0-items-1-description"' in page
    assert 'name="lots-1-title"' in page
    assert 'value="20000"' in page

    # when they add a second item and continue
    response = client.post(
        _edit(tender, "lots"),
        {
            "action": "continue",
            "lots-0-local_id": "LOT-1",
            "lots-0-title": "Gloves",
            "lots-0-items-0-local_id": "ITEM-1",
            "lots-0-items-0-description": "Nitrile gloves, size M",
            "lots-0-items-0-classification_scheme": "CPV",
            "lots-0-items-0-classification_code": "33141000-0",
            "lots-0-items-0-quantity": "20000",
            "lots-0-items-0-unit_code": "C62",
            "lots-0-items-1-description": "Nitrile gloves, size L",
            "lots-0-items-1-classification_scheme": "CPV",
            "lots-0-items-1-classification_code": "33141000-0",
            "lots-0-items-1-quantity": "2.5",
            "lots-0-items-1-unit_code": "KGM",
        },
    )
    assert response["Location"] == _edit(tender, "criteria")

    # when they choose price and quality with weights
    response = client.post(
        _edit(tender, "criteria"),
        {
            "award_criteria": "ratedCriteria",
            "criteria-0-name": "Price",
            "criteria-0-kind": "price",
            "criteria-0-weight": "70",
            "criteria-1-name": "Delivery plan",
            "criteria-1-kind": "quality",
            "criteria-1-weight": "30",
        },
    )
    assert response["Location"] == _edit(tender, "schedule")

    # and the dates and conditions
    response = client.post(
        _edit(tender, "schedule"),
        {
            "enquiry_end": _local(now + 10 * DAY),
            "tender_end": _local(now + 20 * DAY),
            "bid_opening_at": _local(now + 20 * DAY + dt.timedelta(hours=1)),
            "bid_opening_place": "Online",
            "sme_suitable": "on",
            "eligibility_criteria": "Registered medical suppliers.",
        },
    )
    assert response["Location"] == _edit(tender, "documents")

    # and a document
    response = client.post(
        _edit(tender, "documents"),
        {
            "title": "Specification",
            "document_type": "technicalSpecifications",
            "file": SimpleUploadedFile("specification.txt", b"Nitrile, powder free.", content_type="text/plain"),
        },
    )
    assert response.status_code == 302

    # then the whole draft is stored, with its document, and every step is complete
    stored = details_of(Tender.objects.get(pk=tender.pk))
    assert [lot.title for lot in stored.lots] == ["Gloves"]
    assert [(i.description, i.quantity, i.unit_code) for i in stored.lots[0].items] == [
        ("Nitrile gloves, size M", Decimal("2E+4"), "C62"),
        ("Nitrile gloves, size L", Decimal("2.5"), "KGM"),
    ]
    assert [(c.name, c.kind, c.weight) for c in stored.criteria] == [
        ("Price", "price", Decimal("70.00")),
        ("Delivery plan", "quality", Decimal("30.00")),
    ]
    assert stored.tender_end == now + 20 * DAY
    assert stored.enquiry_end == now + 10 * DAY
    assert stored.bid_opening_place == "Online"
    assert stored.sme_suitable is True
    assert [d.title for d in documents_for(owner_type="tender", owner_id=tender.pk)] == ["Specification"]
    preview = client.get(_url(tender, "preview"))
    assert preview.status_code == 200
    assert "Ready to publish" in text(preview)
    assert text(preview).count('<span class="tag tag-warning">To do</span>') == 0
    assert 'aria-current="step"' not in text(preview)


def test_the_step_list_shows_where_you_are_and_what_is_complete(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft without lots
    tender = draft(world.officer, world.buyer, lots=())
    # when the officer opens the criteria step
    response = world.client("officer").get(_edit(tender, "criteria"))
    # then the step is current, the lots are still to do, and the schedule is complete
    page = text(response)
    assert f'<a href="{_edit(tender, "criteria")}" aria-current="step">Award criteria</a>' in page
    assert f'<a href="{_edit(tender, "lots")}">Lots and items</a> <span class="tag tag-warning">To do</span>' in page
    assert (
        f'<a href="{_edit(tender, "schedule")}">Dates and conditions</a> <span class="tag tag-good">Complete</span>'
        in page
    )


def test_errors_are_shown_by_their_inputs_and_nothing_is_saved(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft with two lots
    tender = draft(
        world.officer,
        world.buyer,
        lots=(LotDetails(title="Gloves", items=(item(),)), LotDetails(title="Aprons", items=(item(), item()))),
    )
    before = details_of(tender)
    # when the officer removes the first lot and gets the second lot's second item and a new lot wrong
    response = world.client("officer").post(
        _edit(tender, "lots"),
        {
            "lots-0-local_id": "LOT-1",
            "lots-0-title": "Gloves",
            "lots-0-remove": "on",
            "lots-0-items-0-local_id": "ITEM-1",
            "lots-0-items-0-description": "Gloves",
            "lots-0-items-0-classification_code": "33141000-0",
            "lots-0-items-0-quantity": "1",
            "lots-0-items-0-unit_code": "C62",
            "lots-1-local_id": "LOT-2",
            "lots-1-title": "Aprons",
            "lots-1-items-0-local_id": "ITEM-2",
            "lots-1-items-0-description": "Aprons",
            "lots-1-items-0-classification_scheme": "CPV",
            "lots-1-items-0-classification_code": "33141000-0",
            "lots-1-items-0-quantity": "5",
            "lots-1-items-0-unit_code": "C62",
            "lots-1-items-1-local_id": "ITEM-3",
            "lots-1-items-1-description": "Aprons, large",
            "lots-1-items-1-classification_scheme": "CPV",
            "lots-1-items-1-classification_code": "33141000-0",
            "lots-1-items-1-quantity": "0",
            "lots-1-items-1-unit_code": "C62",
            "lots-2-title": "",
            "lots-2-items-0-description": "Masks",
            "lots-2-items-0-classification_scheme": "CPV",
            "lots-2-items-0-classification_code": "99999999-9",
            "lots-2-items-0-quantity": "10",
            "lots-2-items-0-unit_code": "C62",
        },
    )
    # then each message is by the input it concerns (the rows as typed, not as sent) ...
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["lots-1-items-1-quantity"] == ["Enter a quantity greater than zero, such as 12 or 2.5."]
    assert errors["lots-2-title"] == ["Enter a title for the lot."]
    assert errors["lots-2-items-0-classification_code"] == ["99999999-9 is not a CPV code Procura knows."]
    assert set(errors) == {"lots-1-items-1-quantity", "lots-2-title", "lots-2-items-0-classification_code"}
    page = response.content.decode()
    assert '<a href="#id_lots-1-items-1-quantity">Enter a quantity greater than zero, such as 12 or 2.5.</a>' in page
    assert 'id="id_lots-1-items-1-quantity_error"' in page
    assert "<title>Error: Lots and items" in page
    # ... and nothing is saved
    assert details_of(Tender.objects.get(pk=tender.pk)) == before


def test_the_basics_refuse_a_bad_currency_by_its_input(world: World, frozen_clock: clock.Clock) -> None:
    # when the officer starts a tender in a currency that does not exist
    response = world.client("officer").post(f"{WORKSPACE}new/", _basics(currency="EUX", value_amount="-3"))
    # then the messages are by their inputs and no draft is made
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "currency": ["Enter a currency as its three-letter ISO 4217 code, such as EUR."],
        "value_amount": ["The amount cannot be negative."],
    }
    assert Tender.objects.count() == 0


def test_weights_that_do_not_add_up_are_listed_before_publication(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft
    tender = draft(world.officer, world.buyer)
    client = world.client("officer")
    # when the officer gives weights that add up to 90
    response = client.post(
        _edit(tender, "criteria"),
        {
            "award_criteria": "ratedCriteria",
            "criteria-0-name": "Price",
            "criteria-0-kind": "price",
            "criteria-0-weight": "60",
            "criteria-1-name": "Quality",
            "criteria-1-kind": "quality",
            "criteria-1-weight": "30",
        },
    )
    # then the draft is saved, and the criteria step says what to put right before publishing
    assert response.status_code == 302
    page = text(client.get(_edit(tender, "criteria")))
    assert "Before this tender can be published" in page
    assert (
        f'<a href="{_edit(tender, "criteria")}#id_award_criteria_0">'
        "The weights must add up to 100; they add up to 90.</a>" in page
    )


def test_the_schedule_is_read_in_the_platform_time_zone(world: World, frozen_clock: clock.Clock, settings: Any) -> None:
    # given a platform in Madrid (UTC+2 in summer)
    settings.TIME_ZONE = "Europe/Madrid"
    tender = draft(world.officer, world.buyer)
    # when the officer sets the deadline at noon local time
    response = world.client("officer").post(
        _edit(tender, "schedule"),
        {"enquiry_end": "2026-06-01T12:00", "tender_end": "2026-06-20T12:00", "bid_opening_at": "2026-06-20T13:00"},
    )
    # then it is stored as 10:00 UTC, and the page says which zone it uses
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.tender_end == dt.datetime(2026, 6, 20, 10, 0, tzinfo=dt.UTC)
    page = text(world.client("officer").get(_edit(tender, "schedule")))
    assert 'value="2026-06-20T12:00"' in page
    assert "Date and time in the Europe/Madrid time zone" in page


def test_a_schedule_step_clears_dates_the_procedure_does_not_have(world: World, frozen_clock: clock.Clock) -> None:
    # given a restricted draft turned into an open one
    tender = draft(world.officer, world.buyer, "restricted")
    client = world.client("officer")
    client.post(_edit(tender, "basics"), _basics(procedure="open"))
    # when the officer saves the schedule (which no longer asks for the qualification deadline)
    page = client.get(_edit(tender, "schedule")).content.decode()
    assert 'name="qualification_end"' not in page
    assert 'name="tender_start"' not in page
    now = clock.now()
    client.post(
        _edit(tender, "schedule"),
        {
            "enquiry_end": _local(now + 10 * DAY),
            "tender_end": _local(now + 40 * DAY),
            "bid_opening_at": _local(now + 41 * DAY),
        },
    )
    # then the restricted-only dates are gone and nothing blocks publication
    tender.refresh_from_db()
    assert tender.qualification_end is None
    assert tender.tender_start is None
    assert services.tender_publication_problems(tender) == {}


# --- Preview and publication ---------------------------------------------------------------------
def test_publishing_with_problems_shows_the_checklist(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft with no lots and a deadline too close
    tender = draft(world.officer, world.buyer, lots=(), tender_end=clock.now() + 5 * DAY)
    # when the officer tries to publish it
    response = world.client("officer").post(_url(tender, "publish"), {"confirm": "on"})
    # then the preview lists what to put right, each linked to its input, and nothing is published
    assert response.status_code == 422
    page = text(response)
    assert "The tender cannot be published yet: 3 thing(s) to put right." in page
    assert f'<a href="{_edit(tender, "lots")}#lot-new">Add at least one lot with its items.</a>' in page
    assert (
        f'<a href="{_edit(tender, "schedule")}#id_tender_end">This procedure must be open for bids for at least '
        "15 days from publication; this deadline leaves 5 days.</a>"
    ) in page
    assert f'<a href="{_edit(tender, "schedule")}#id_enquiry_end">Questions must close at least 3 days before' in page
    tender.refresh_from_db()
    assert tender.published_at is None
    assert tender.rules_version == "default/2026.1"


def test_publishing_needs_the_confirmation(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    # when the officer publishes without ticking the confirmation
    response = world.client("officer").post(_url(tender, "publish"), {})
    # then the preview asks for it, and nothing is published
    assert response.status_code == 422
    assert '<a href="#id_confirm">Confirm that the notice is ready to publish.</a>' in response.content.decode()
    tender.refresh_from_db()
    assert tender.published_at is None


def test_publishing_goes_to_the_public_page(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    # when the officer confirms and publishes
    response = world.client("officer").post(_url(tender, "publish"), {"confirm": "on"})
    # then the tender is published and they see its public page
    assert response.status_code == 302
    assert response["Location"] == f"/tenders/{tender.ocid}/"
    tender.refresh_from_db()
    assert tender.published_at == clock.now()
    assert status_of(tender) == TenderStatus.TENDERING


def test_spend_control_refuses_then_an_approved_plan_line_lets_it_publish(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a threshold of 100,000 and a draft of 250,000 not linked to a plan line
    spend_control_threshold_set(actor=world.approver, buyer=world.buyer, amount=Decimal("100000"), currency="GBP")
    tender = _above_threshold_draft(world)
    client = world.client("officer")
    # when the officer publishes
    response = client.post(_url(tender, "publish"), {"confirm": "on"})
    # then the refusal is on the preview, not a server error, and nothing is published
    assert response.status_code == 422
    refusal = (
        "This tender is above the spend-control threshold of 100000.00 GBP: it needs an approved business case "
        "on its plan line before it can be published."
    )
    summary = response.context["form"].non_field_errors()
    assert summary == [refusal]
    assert f'<a href="{_edit(tender, "basics")}#id_plan_line">{refusal}</a>' in text(response)
    assert Tender.objects.get(pk=tender.pk).published_at is None

    # when a business case is approved on a plan line, and the officer links it in the basics
    line = _plan_line(world)
    _approve(world, line)
    response = client.post(_edit(tender, "basics"), _basics(value_amount="250000", plan_line=str(line.pk)))
    # then the draft takes the line's ocid
    tender.refresh_from_db()
    assert response["Location"] == _edit(tender, "lots")
    assert tender.plan_line == line
    assert tender.ocid == line.ocid
    # and it publishes
    response = client.post(_url(tender, "publish"), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/tenders/{line.ocid}/"
    assert Tender.objects.get(pk=tender.pk).published_at == clock.now()


def test_a_published_tender_is_amended_not_edited(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    # when the officer opens a step of it
    response = world.client("officer").get(_edit(tender, "lots"))
    # then they are sent to the amendment page
    assert response.status_code == 302
    assert response["Location"] == _url(tender, "amend")


def test_the_preview_hides_a_value_the_procedure_does_not_publish(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer, "negotiated", value_amount=Decimal("77777"))
    response = world.client("officer").get(_url(tender, "preview"))
    page = text(response)
    assert "<dt>Estimated value</dt><dd>Not published under this procedure</dd>" in page
    assert "77,777" not in page
    assert "77777" not in page


# --- Questions ------------------------------------------------------------------------------------
def test_the_buyer_answers_a_question_and_never_sees_who_asked(world: World, frozen_clock: clock.Clock) -> None:
    # given a question from the supplier's bid manager
    user_profile_update(user=world.bid_manager, full_name="Bella Bidder", language="")
    tender = published(world.officer, world.buyer)
    question = services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Is latex acceptable?"
    )
    client = world.client("officer")
    # when the officer opens the inbox
    inbox = client.get(_url(tender, "questions"))
    # then the question is there with an answer form, and nothing says who asked
    page = text(inbox)
    assert "Is latex acceptable?" in page
    assert 'name="answer-q-1-answer"' in page
    for identity in (world.supplier.legal_name, world.bid_manager.email, world.bid_manager.full_name):
        assert identity not in page
    # when an empty answer is sent
    refused = client.post(f"{_url(tender, 'questions')}{question.pk}/answer/", {"answer-q-1-answer": " "})
    # then it is refused by the input
    assert refused.status_code == 422
    assert '<a href="#id_answer-q-1-answer">Write the answer.</a>' in refused.content.decode()
    assert Clarification.objects.get(pk=question.pk).answered_at is None
    # when they answer
    response = client.post(
        f"{_url(tender, 'questions')}{question.pk}/answer/", {"answer-q-1-answer": "No: nitrile only."}
    )
    # then the answer is published, and shown as answered
    assert response.status_code == 302
    answered = Clarification.objects.get(pk=question.pk)
    assert answered.answer == "No: nitrile only."
    assert answered.answered_by == world.officer
    page = text(client.get(_url(tender, "questions")))
    assert "No: nitrile only." in page
    assert 'name="answer-q-1-answer"' not in page
    assert world.supplier.legal_name not in page


def test_a_question_of_another_tender_is_not_found(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    other = published(world.officer, world.buyer)
    question = services.clarification_ask(actor=world.bid_manager, tender=other, supplier=world.supplier, question="Q?")
    response = world.client("officer").post(
        f"{_url(tender, 'questions')}{question.pk}/answer/", {"answer-q-1-answer": "A"}
    )
    assert response.status_code == 404
    assert Clarification.objects.get(pk=question.pk).answered_at is None


# --- Amendments, cancellation, failure ---------------------------------------------------------------
def test_a_material_amendment_extends_the_deadline_and_says_so(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender two days before its deadline
    tender = published(world.officer, world.buyer)
    frozen_clock.advance(18 * DAY)
    deadline = tender.tender_end
    assert deadline is not None
    client = world.client("officer")
    page = text(client.get(_url(tender, "amend")))
    assert "extends the deadline for bids to at least 7 days from now" in page
    # when the officer changes the description with a rationale
    response = client.post(
        f"{_url(tender, 'amend')}?step=basics",
        {
            "title": tender.title,
            "description": "Two-year supply of nitrile gloves, powder free.",
            "value_amount": "90000",
            "rationale": "Powder-free gloves only.",
        },
    )
    # then the amendment is published, the deadline moved, and the page says so
    amendment = Amendment.objects.get(tender=tender)
    assert amendment.rationale == "Powder-free gloves only."
    assert amendment.material is True
    assert amendment.deadline_after == clock.now() + 7 * DAY
    assert response.status_code == 302
    assert response["Location"] == f"{_url(tender, 'amend')}?step=basics&amendment=AMD-1"
    shown = text(client.get(response["Location"]))
    assert "Amendment AMD-1 is published" in shown
    assert "Changed: Description, Deadline for bids" in shown
    assert "The deadline for bids was extended from" in shown


def test_an_amendment_needs_a_rationale(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    response = world.client("officer").post(
        f"{_url(tender, 'amend')}?step=basics",
        {"title": "Another title", "description": tender.description, "value_amount": "90000", "rationale": ""},
    )
    assert response.status_code == 422
    assert '<a href="#id_rationale">Say why the tender is being changed.</a>' in response.content.decode()
    assert Amendment.objects.count() == 0
    assert Tender.objects.get(pk=tender.pk).title == tender.title


def test_cancelling_needs_a_reason_and_a_confirmation(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    client = world.client("officer")
    # when the officer cancels without reason or confirmation
    response = client.post(_url(tender, "cancel"), {"reason": ""})
    # then both are asked for, and nothing happens
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"reason", "confirm"}
    assert Tender.objects.get(pk=tender.pk).cancelled_at is None
    # when they give both
    response = client.post(_url(tender, "cancel"), {"reason": "The need has gone.", "confirm": "on"})
    # then the tender is cancelled with its published reason
    assert response.status_code == 302
    assert response["Location"] == WORKSPACE
    cancelled = Tender.objects.get(pk=tender.pk)
    assert cancelled.cancellation_reason == "The need has gone."
    assert status_of(cancelled) == TenderStatus.CANCELLED


def test_a_draft_cannot_be_cancelled(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    response = world.client("officer").post(_url(tender, "cancel"), {"reason": "Changed our mind.", "confirm": "on"})
    assert response.status_code == 422
    assert "Only a published tender can be cancelled" in text(response)
    assert Tender.objects.get(pk=tender.pk).cancelled_at is None


def test_a_tender_whose_bids_closed_is_closed_as_unsuccessful(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender whose bids have closed
    tender = published(world.officer, world.buyer)
    client = world.client("officer")
    frozen_clock.advance(21 * DAY)
    # then the dashboard offers to close it as unsuccessful
    dashboard = text(client.get(WORKSPACE))
    assert f'action="{_url(tender, "unsuccessful")}"' in dashboard
    # when the officer closes it without a reason
    response = client.post(_url(tender, "unsuccessful"), {"reason": ""})
    assert response.status_code == 302
    assert "Say why the tender failed: it is published." in text(client.get(WORKSPACE))
    assert Tender.objects.get(pk=tender.pk).unsuccessful_at is None
    # when they give the reason
    response = client.post(_url(tender, "unsuccessful"), {"reason": "No valid bids were received."})
    # then it is unsuccessful
    assert response.status_code == 302
    closed = Tender.objects.get(pk=tender.pk)
    assert closed.unsuccessful_reason == "No valid bids were received."
    assert status_of(closed) == TenderStatus.UNSUCCESSFUL


def test_only_a_tender_in_evaluation_can_be_unsuccessful(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    client = world.client("officer")
    response = client.post(_url(tender, "unsuccessful"), {"reason": "No bids."})
    assert response.status_code == 302
    assert "Only a tender whose bids have closed can be declared unsuccessful" in text(client.get(WORKSPACE))
    assert Tender.objects.get(pk=tender.pk).unsuccessful_at is None


# --- The dashboard ----------------------------------------------------------------------------------
def test_the_dashboard_shows_statuses_next_deadlines_and_questions(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft and an open tender with a question
    open_tender = published(world.officer, world.buyer, title="Open gloves")
    services.clarification_ask(
        actor=world.bid_manager, tender=open_tender, supplier=world.supplier, question="Is latex acceptable?"
    )
    waiting = draft(world.officer, world.buyer, title="Draft aprons")
    other = draft(world.other_officer, world.other_buyer, title="Road salt")
    # when the officer opens the dashboard
    response = world.client("officer").get(WORKSPACE)
    page = text(response)
    # then each tender shows its status now and its next deadline; other buyers' tenders do not show
    assert response.status_code == 200
    assert page.count("<h1") == 1
    rows = {row.tender.title: row for row in response.context["rows"]}
    assert set(rows) == {"Open gloves", "Draft aprons"}
    assert rows["Open gloves"].status_label == "Open for bids"
    assert rows["Open gloves"].deadline == ("Bids close", open_tender.tender_end)
    assert rows["Open gloves"].unanswered == 1
    assert rows["Draft aprons"].status_label == "Draft"
    assert rows["Draft aprons"].deadline == ("Deadline for bids (planned)", waiting.tender_end)
    assert "Bids close:" in page
    assert other.title not in page
    assert "Is latex acceptable?" in page
    assert world.supplier.legal_name not in page
    assert 'href="/tenders/workspace/new/">Create a tender</a>' in page
    # and the edit link only for the draft
    assert f'href="{_edit(waiting, "basics")}"' in page
    assert f'href="{_edit(open_tender, "basics")}"' not in page
    assert f'href="{_url(open_tender, "amend")}"' in page


def test_an_evaluator_sees_the_dashboard_without_actions(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    page = text(world.client("evaluator").get(WORKSPACE))
    assert tender.title in page
    assert "Create a tender" not in page
    assert _edit(tender, "basics") not in page


def test_an_auditor_chooses_a_buyer(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    client = world.client("auditor")
    choose = text(client.get(WORKSPACE))
    assert f'href="/tenders/workspace/?buyer={world.buyer.pk}">Ministry of Tests</a>' in choose
    page = text(client.get(f"{WORKSPACE}?buyer={world.buyer.pk}"))
    assert tender.title in page
    assert "Create a tender" not in page


def test_the_nav_links_buyers_to_their_tenders(world: World) -> None:
    assert 'href="/tenders/workspace/">My tenders</a>' in text(world.client("evaluator").get("/"))
    assert "My tenders" not in text(world.client("bid_manager").get("/"))
    assert "My tenders" not in text(Client().get("/"))


# --- The services the workspace relies on --------------------------------------------------------
def test_publication_problems_are_those_publish_raises_and_nothing_is_written(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a draft with a lot without items and weights summing to 90
    tender = services.tender_create(
        actor=world.officer,
        buyer=world.buyer,
        details=replace(
            details(tender_end=clock.now() + 5 * DAY, enquiry_end=clock.now() + 2 * DAY),
            lots=(LotDetails(title="Gloves", items=(item(),)), LotDetails(title="Aprons")),
        ),
    )
    updated_at = tender.updated_at
    # when the problems are asked for
    problems = services.tender_publication_problems(tender)
    # then they are exactly what publishing raises
    with pytest.raises(InvalidInput) as caught:
        services.tender_publish(actor=world.officer, tender=tender)
    assert problems == caught.value.fields
    assert set(problems) == {"lots.1.items", "tender_period_end", "enquiry_period_end"}
    # and nothing was written, not even on the object passed in
    stored = Tender.objects.get(pk=tender.pk)
    assert stored.updated_at == updated_at
    assert stored.enquiry_start is None
    assert stored.tender_start is None
    assert tender.tender_start is None


def test_publication_problems_include_spend_control_and_end_when_published(
    world: World, frozen_clock: clock.Clock
) -> None:
    spend_control_threshold_set(actor=world.approver, buyer=world.buyer, amount=Decimal("100000"), currency="GBP")
    tender = _above_threshold_draft(world)
    assert list(services.tender_publication_problems(tender)) == ["plan_line"]
    with pytest.raises(RuleViolation):
        services.tender_publish(actor=world.officer, tender=tender)
    cheap = published(world.officer, world.buyer)
    assert services.tender_publication_problems(cheap) == {}


def test_linking_a_plan_line_takes_its_ocid_and_unlinking_gives_a_new_one(
    world: World, frozen_clock: clock.Clock
) -> None:
    tender = draft(world.officer, world.buyer)
    line = _plan_line(world)
    linked = services.tender_link_plan_line(actor=world.officer, tender=tender, plan_line=line)
    assert (linked.ocid, linked.plan_line) == (line.ocid, line)
    assert AuditEntry.objects.filter(action="tender.updated", object_id=str(tender.pk)).count() == 1
    # a second draft cannot take the same line
    second = draft(world.officer, world.buyer)
    with pytest.raises(Conflict):
        services.tender_link_plan_line(actor=world.officer, tender=second, plan_line=line)
    # unlinked, the draft gets an ocid of its own
    unlinked = services.tender_link_plan_line(actor=world.officer, tender=linked, plan_line=None)
    assert unlinked.plan_line is None
    assert unlinked.ocid not in {line.ocid, second.ocid}


def test_only_the_buyers_officer_links_a_draft_to_the_buyers_line(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    line = _plan_line(world)
    with pytest.raises(PermissionDenied):
        services.tender_link_plan_line(actor=world.evaluator, tender=tender, plan_line=line)
    with pytest.raises(NotFound):
        services.tender_link_plan_line(actor=world.other_officer, tender=tender, plan_line=line)
    other_plan = plan_create(actor=world.other_officer, buyer=world.other_buyer, year=2026, title="Council")
    other_line = plan_line_add(
        actor=world.other_officer,
        plan=other_plan,
        details=PlanLineDetails(
            title="Road salt",
            main_category="goods",
            classification_scheme="CPV",
            classification_code="33141000-0",
            estimated_amount=Decimal("1000"),
            currency="GBP",
            budget_source="Roads",
            planned_tender_date=dt.date(2026, 4, 1),
            procedure="open",
        ),
    )
    with pytest.raises(InvalidInput):
        services.tender_link_plan_line(actor=world.officer, tender=tender, plan_line=other_line)
    published_tender = published(world.officer, world.buyer)
    with pytest.raises(RuleViolation):
        services.tender_link_plan_line(actor=world.officer, tender=published_tender, plan_line=line)
    assert Tender.objects.get(pk=tender.pk).plan_line is None


def test_a_tenders_documents_are_seen_by_whoever_sees_the_tender(world: World, frozen_clock: clock.Clock) -> None:
    # given a document of a draft
    tender = draft(world.officer, world.buyer)
    world.client("officer").post(
        _edit(tender, "documents"),
        {
            "title": "Specification",
            "document_type": "technicalSpecifications",
            "file": SimpleUploadedFile("specification.txt", b"Nitrile.", content_type="text/plain"),
        },
    )
    (document,) = documents_for(owner_type="tender", owner_id=tender.pk)
    # then the buyer and overseers see it, suppliers do not, until the tender is published
    assert can_view_document(world.evaluator, document)
    assert can_view_document(world.auditor, document)
    assert not can_view_document(world.bid_manager, document)
    assert not can_view_document(world.other_officer, document)
    services.tender_publish(actor=world.officer, tender=tender)
    assert can_view_document(world.bid_manager, document)
    assert world.client("bid_manager").get(document.get_absolute_url()).status_code == 200


def test_an_evaluator_cannot_upload_to_a_tender(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    response = world.client("evaluator").post(
        _edit(tender, "documents"),
        {
            "title": "Specification",
            "document_type": "technicalSpecifications",
            "file": SimpleUploadedFile("specification.txt", b"Nitrile.", content_type="text/plain"),
        },
    )
    assert response.status_code == 403
    assert documents_for(owner_type="tender", owner_id=tender.pk) == []


# --- Whatever is typed, never a server error ------------------------------------------------------
FORM_VALUES = st.dictionaries(
    st.sampled_from(
        [
            "title",
            "description",
            "main_category",
            "procedure",
            "currency",
            "value_amount",
            "plan_line",
            "lots-0-title",
            "lots-0-value_amount",
            "lots-0-remove",
            "lots-0-local_id",
            "lots-0-items-0-quantity",
            "lots-0-items-0-classification_scheme",
            "lots-0-items-0-classification_code",
            "lots-0-items-0-unit_code",
            "lots-0-items-1-description",
            "lots-0-items-1-quantity",
            "lots-1-title",
            "lots-1-items-0-description",
            "award_criteria",
            "criteria-0-name",
            "criteria-0-kind",
            "criteria-0-weight",
            "criteria-3-weight",
            "enquiry_end",
            "tender_end",
            "bid_opening_at",
            "award_start",
            "sme_suitable",
            "two_envelopes",
            "rationale",
            "reason",
            "confirm",
            "action",
        ]
    ),
    st.text(max_size=40) | st.sampled_from(["", "0", "-1", "1e400", "NaN", "2026-02-30T25:00", "ratedCriteria", "C62"]),
    max_size=10,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=FORM_VALUES)
def test_workspace_forms_never_fail_with_a_server_error(world: World, data: dict[str, str]) -> None:
    tender = Tender.objects.filter(title="Fuzzed").first() or draft(world.officer, world.buyer, title="Fuzzed")
    opened = Tender.objects.filter(title="Fuzzed open").first() or published(
        world.officer, world.buyer, title="Fuzzed open"
    )
    client = world.client("officer")
    for path in (
        f"{WORKSPACE}new/",
        *(_edit(tender, step) for step in ("basics", "lots", "criteria", "schedule", "documents")),
        *(f"{_url(opened, 'amend')}?step={step}" for step in ("basics", "lots", "criteria", "schedule")),
        _url(opened, "cancel"),
        _url(opened, "unsuccessful"),
    ):
        response = client.post(path, data)
        assert response.status_code < 500, (path, data)
