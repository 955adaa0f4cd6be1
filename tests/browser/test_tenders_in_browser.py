"""In headless Chromium: a procurement officer prepares a tender step by step, is refused
publication above the spend-control threshold, gets a business case approved through the
planning pages, links the plan line, publishes, and the tender is found on the public list.
axe-core finds no serious or critical problem on any workspace page or the public tender page."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from procura.accounts.models import User
from procura.accounts.roles import OrganisationKind, Role
from procura.accounts.services import membership_grant, totp_current_code
from procura.classifications.services import load_demo_classifications
from procura.core import clock
from procura.planning.models import BusinessCase
from procura.planning.services import (
    PlanLineDetails,
    plan_create,
    plan_line_add,
    plan_publish,
    spend_control_threshold_set,
)
from procura.tenders.models import Tender
from tests import factories
from tests.browser.conftest import serious_violations
from tests.web.support import authenticator_set_up_earlier

pytestmark = pytest.mark.browser

TITLE = "Nitrile gloves for the browser hospitals"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    return root


def _units_of_measure() -> None:
    """Units of measure come from a data migration, which the flush after each transactional test
    (another browser test, say) has emptied: put them back."""
    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)


def _sign_in(page: Any, person: User) -> None:
    device = authenticator_set_up_earlier(person)
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/account/sign-in/code/"))
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/account/sign-in" not in page.url


def _problems(page: Any, where: str) -> list[str]:
    page.wait_for_load_state()
    return [f"{where}: {problem}" for problem in serious_violations(page)]


def _local(moment: dt.datetime) -> str:
    """A datetime-local value in the platform time zone (UTC in the tests)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db(transaction=True)
def test_an_officer_prepares_and_publishes_a_tender_after_spend_approval(
    browser: Any, page: Any, live_server: Any
) -> None:
    # given a buyer with a spend-control threshold of 100,000, an officer, an approver, and a
    # published plan line for the purchase
    load_demo_classifications()
    _units_of_measure()
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Browsers")
    officer = factories.user(email="officer@browser.example", full_name="Olivia Officer")
    approver = factories.user(email="approver@browser.example", full_name="Arthur Approver")
    membership_grant(actor=None, user=officer, organisation=buyer, role=Role.PROCUREMENT_OFFICER)
    membership_grant(actor=None, user=approver, organisation=buyer, role=Role.APPROVER)
    spend_control_threshold_set(actor=approver, buyer=buyer, amount=Decimal("100000"), currency="GBP")
    plan = plan_create(actor=officer, buyer=buyer, year=clock.now().year, title="Purchases this year")
    line = plan_line_add(
        actor=officer,
        plan=plan,
        details=PlanLineDetails(
            title="Gloves for every hospital",
            main_category="goods",
            classification_scheme="CPV",
            classification_code="33141000-0",
            estimated_amount=Decimal("250000"),
            currency="GBP",
            budget_source="Health programme",
            planned_tender_date=clock.now().date(),
            procedure="open",
        ),
    )
    plan_publish(actor=officer, plan=plan)
    now = clock.now()
    _sign_in(page, officer)

    # when the officer opens their tenders from the navigation and starts a tender
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My tenders").click()
    page.wait_for_url(re.compile(r"/tenders/workspace/$"))
    problems = _problems(page, "dashboard")
    page.get_by_role("link", name="Create a tender").click()
    page.wait_for_url(re.compile(r"/tenders/workspace/new/$"))
    problems += _problems(page, "new")

    # with the basics (not yet linked to the plan line)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("A year of nitrile examination gloves for the regional hospitals.")
    page.get_by_label("Goods").check()
    page.get_by_label("Open procedure").check()
    page.get_by_label("Currency").fill("GBP")
    page.get_by_label("Estimated value").fill("250000")
    page.get_by_role("button", name="Save and continue").click()

    # then the draft has its lots step; an error shows by its input, then a lot with an item
    page.wait_for_url(re.compile(r"/edit/lots/$"))
    problems += _problems(page, "lots")
    page.locator("#id_lots-0-title").fill("Gloves")
    page.locator("#id_lots-0-items-0-description").fill("Nitrile examination gloves, size M")
    page.locator("#id_lots-0-items-0-classification_code").fill("33141000-0")
    page.locator("#id_lots-0-items-0-quantity").fill("0")
    page.locator("#id_lots-0-items-0-unit_code").select_option("C62")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    assert "Enter a quantity greater than zero" in page.locator("#id_lots-0-items-0-quantity_error").inner_text()
    problems += _problems(page, "lots with errors")
    page.locator("#id_lots-0-items-0-quantity").fill("20000")
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url(re.compile(r"/edit/criteria/$"))
    problems += _problems(page, "criteria")
    page.get_by_label("Lowest price").check()
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url(re.compile(r"/edit/schedule/$"))
    problems += _problems(page, "schedule")
    page.get_by_label("Deadline for questions").fill(_local(now + dt.timedelta(days=10)))
    page.get_by_label("Deadline for bids").fill(_local(now + dt.timedelta(days=35)))
    page.get_by_label("Bid opening: time").fill(_local(now + dt.timedelta(days=35, hours=1)))
    page.get_by_label("Bid opening: place").fill("Online, streamed")
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url(re.compile(r"/edit/documents/$"))
    problems += _problems(page, "documents")
    page.get_by_label("Title of the document").fill("Technical specification")
    page.get_by_label("Type of document").select_option("technicalSpecifications")
    page.get_by_label("File").set_input_files(
        {"name": "specification.txt", "mimeType": "text/plain", "buffer": b"Nitrile, powder free, size M."}
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r"/edit/documents/$"))
    assert page.get_by_role("link", name="Technical specification").count() == 1
    page.get_by_role("link", name="Continue to the preview").click()

    # when they try to publish
    page.wait_for_url(re.compile(r"/preview/$"))
    problems += _problems(page, "preview")
    page.get_by_label("I confirm this notice is ready to publish").check()
    page.get_by_role("button", name="Publish the tender").click()

    # then publication is refused for lack of spend approval, on the preview page
    page.wait_for_load_state()
    summary = page.locator(".error-summary").inner_text()
    assert "above the spend-control threshold" in summary
    problems += _problems(page, "preview refused")
    tender = Tender.objects.get(title=TITLE)
    assert tender.published_at is None

    # when the officer submits a business case on the plan line, through the planning pages
    page.goto(f"/plans/lines/{line.pk}/")
    page.get_by_label("The need").fill("Hospitals run out of gloves every winter.")
    page.get_by_label("Options considered").fill("Doing nothing; buying locally; one national tender.")
    page.get_by_role("button", name="Submit the business case").click()
    page.wait_for_load_state()
    case = BusinessCase.objects.get(plan_line=line)

    # and the approver, signed in elsewhere, approves it
    approver_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    approver_page = approver_context.new_page()
    try:
        _sign_in(approver_page, approver)
        approver_page.goto(f"/plans/organisations/{buyer.pk}/approvals/")
        approver_page.get_by_role("button", name=re.compile(r"^Approve")).click()
        approver_page.wait_for_load_state()
    finally:
        approver_context.close()
    case.refresh_from_db()
    assert case.decision == "approved"

    # and the officer links the plan line in the basics, and publishes
    page.goto(f"/tenders/workspace/{tender.ocid}/edit/basics/")
    problems += _problems(page, "basics")
    page.get_by_label("Line of the procurement plan").select_option(str(line.pk))
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(rf"/tenders/workspace/{line.ocid}/edit/lots/$"))
    page.goto(f"/tenders/workspace/{line.ocid}/preview/")
    assert page.locator(".workspace-checklist").count() == 0
    page.get_by_label("I confirm this notice is ready to publish").check()
    page.get_by_role("button", name="Publish the tender").click()

    # then the public page of the tender is shown, under the plan line's ocid
    page.wait_for_url(re.compile(rf"/tenders/{line.ocid}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    problems += _problems(page, "public tender page")
    tender.refresh_from_db()
    assert tender.published_at is not None
    assert tender.ocid == line.ocid

    # and anyone finds it on the public list by its title
    visitor = browser.new_context(base_url=live_server.url, locale="en-GB")
    visitor_page = visitor.new_page()
    try:
        visitor_page.goto("/tenders/")
        visitor_page.get_by_role("searchbox").fill("nitrile gloves browser")
        visitor_page.get_by_role("searchbox").press("Enter")
        visitor_page.wait_for_load_state()
        assert visitor_page.get_by_role("link", name=TITLE).count() == 1
    finally:
        visitor.close()

    # and the workspace pages after publication are accessible too
    for path in (
        "/tenders/workspace/",
        f"/tenders/workspace/{line.ocid}/questions/",
        f"/tenders/workspace/{line.ocid}/amend/",
        f"/tenders/workspace/{line.ocid}/amend/?step=lots",
        f"/tenders/workspace/{line.ocid}/amend/?step=criteria",
        f"/tenders/workspace/{line.ocid}/amend/?step=schedule",
        f"/tenders/workspace/{line.ocid}/cancel/",
        f"/tenders/workspace/{line.ocid}/preview/",
    ):
        page.goto(path)
        problems += _problems(page, path)
    assert problems == [], "\n".join(problems)
