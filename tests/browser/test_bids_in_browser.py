"""In headless Chromium: a supplier's bid manager starts a bid from the tender page, is told what
is wrong by the input, saves, attaches a file, submits, replaces and withdraws the bid, and
downloads receipts that verify with the published key. axe-core finds no serious or critical
problem on the tender page, the bid page (with and without errors), the receipt page, the
withdrawal confirmation, the receipts page and the supplier's workspace."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from procura.accounts.roles import OrganisationKind, Role
from procura.accounts.services import membership_grant
from procura.bids import receipts
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, BidVersion, Receipt
from procura.classifications.services import load_demo_classifications
from tests import factories
from tests.browser.conftest import serious_violations
from tests.browser.test_tenders_in_browser import _sign_in
from tests.tenders.support import published

pytestmark = pytest.mark.browser

TITLE = "Examination gloves for the browser hospitals"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    return root


def _problems(page: Any, where: str) -> list[str]:
    page.wait_for_load_state()
    return [f"{where}: {problem}" for problem in serious_violations(page)]


def _download(page: Any, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    path = info.value.path()
    return Path(path).read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_bid_manager_submits_replaces_and_withdraws_a_bid(browser: Any, page: Any, live_server: Any) -> None:
    # given an open tender that asks how bidders meet its eligibility criteria, and a supplier's
    # bid manager
    load_demo_classifications()
    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Browsers")
    officer = factories.member(buyer, Role.PROCUREMENT_OFFICER)
    supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Browser Supplies Ltd")
    manager = factories.user(email="manager@browser.example", full_name="Mina Manager")
    membership_grant(actor=None, user=manager, organisation=supplier, role=Role.BID_MANAGER)
    tender = published(officer, buyer, title=TITLE, eligibility_criteria="Registered to sell medical devices.")
    _sign_in(page, manager)

    # when they open the tender and start a bid for its lot
    page.goto(f"/tenders/{tender.ocid}/")
    problems = _problems(page, "tender page")
    assert page.get_by_text("Bids received").count() == 1
    page.get_by_role("button", name=re.compile(r"^Bid for this lot")).click()

    # then the bid page shows the draft
    page.wait_for_url(re.compile(r"/bids/[0-9a-f-]{36}/$"))
    bid = Bid.objects.get(tender=tender)
    assert page.get_by_role("heading", level=1).inner_text() == "Your bid for Gloves"
    problems += _problems(page, "bid page")

    # when an impossible price is saved, the error is shown by the price and in the summary
    page.get_by_label("Your price for this lot").fill("about a thousand")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "Enter the price as a number" in page.locator(".error-summary").inner_text()
    assert "Enter the price as a number" in page.locator("#id_price_error").inner_text()
    problems += _problems(page, "bid page with errors")
    page.locator(".error-summary").get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_price"

    # when the price and the answer are saved, and a file attached
    page.get_by_label("Your price for this lot").fill("1250.00")
    page.get_by_label("How you meet the eligibility criteria").fill("Registered since 2010, licence 42.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/$"))
    assert "Your draft is saved" in page.locator(".messages").inner_text()
    page.get_by_label("Title of the document").fill("Technical offer")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "offer.txt", "mimeType": "text/plain", "buffer": b"Our technical offer."}
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/#files$"))
    assert page.get_by_role("link", name="Technical offer").count() == 1
    problems += _problems(page, "bid page with a file")

    # when the bid is submitted
    page.get_by_role("button", name="Submit the bid").click()

    # then the receipt page says what was received, and the receipt downloads and verifies
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/receipts/[0-9a-f-]{{36}}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Receipt of your bid"
    problems += _problems(page, "receipt page")
    version = BidVersion.objects.get(bid=bid, number=1)
    assert version.sealed_sha256 in page.content()
    key = receipts.load_public_key(page.request.get("/receipts/public-key.pem").body())
    payload = receipts.verify(_download(page, "Download the signed receipt (JSON)"), key)
    assert payload["kind"] == "submission"
    assert payload["sealed_content_sha256"] == version.sealed_sha256

    # when they change the price and submit the replacement
    page.get_by_role("link", name="Back to the bid").click()
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/$"))
    page.get_by_label("Your price for this lot").fill("1199.99")
    page.get_by_role("button", name="Submit replacement").click()
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/receipts/[0-9a-f-]{{36}}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Receipt of your replacement bid"
    assert receipts.verify(_download(page, "Download the signed receipt (JSON)"), key)["kind"] == "replacement"

    # when they withdraw it, after the confirmation page
    page.get_by_role("link", name="Back to the bid").click()
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/$"))
    assert page.get_by_role("row", name=re.compile(r"^2 counts")).count() == 1
    page.get_by_role("link", name="Withdraw the bid").click()
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/withdraw/$"))
    problems += _problems(page, "withdrawal confirmation")
    page.get_by_role("button", name="Yes, withdraw the bid").click()
    page.wait_for_url(re.compile(rf"/bids/{bid.pk}/receipts/[0-9a-f-]{{36}}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Receipt of your withdrawal"
    assert receipts.verify(_download(page, "Download the signed receipt (JSON)"), key)["kind"] == "withdrawal"

    # then the bid is withdrawn, with two sealed versions and three receipts
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN
    assert BidVersion.objects.filter(bid=bid).count() == 2
    assert sorted(Receipt.objects.filter(bid=bid).values_list("kind", flat=True)) == [
        "replacement",
        "submission",
        "withdrawal",
    ]

    # and the bid page, now read-only, lists the receipts; the workspace lists the bid
    page.goto(f"/bids/{bid.pk}/")
    assert page.get_by_role("button", name="Save draft").count() == 0
    assert page.get_by_role("link", name=re.compile(r"^Signed receipt \(JSON\)")).count() == 3
    problems += _problems(page, "withdrawn bid page")
    page.goto("/bids/")
    assert page.get_by_role("heading", level=1).inner_text() == "My bids"
    assert page.get_by_role("link", name=re.compile(rf"^{TITLE}\W+Gloves$")).count() == 1
    problems += _problems(page, "workspace")
    page.goto("/receipts/")
    problems += _problems(page, "receipts page")
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_the_bid_page_works_on_a_phone(browser: Any, live_server: Any) -> None:
    # given a bid manager with a draft, on a phone-sized screen
    load_demo_classifications()
    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Phones")
    officer = factories.member(buyer, Role.PROCUREMENT_OFFICER)
    supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Phone Supplies Ltd")
    manager = factories.user(email="phone@browser.example", full_name="Pat Phone")
    membership_grant(actor=None, user=manager, organisation=supplier, role=Role.BID_MANAGER)
    tender = published(officer, buyer, title=TITLE)
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 360, "height": 740})
    phone = context.new_page()
    try:
        _sign_in(phone, manager)
        phone.goto(f"/tenders/{tender.ocid}/")
        phone.get_by_role("button", name=re.compile(r"^Bid for this lot")).click()
        phone.wait_for_url(re.compile(r"/bids/[0-9a-f-]{36}/$"))
        # then the page does not scroll sideways, and axe finds nothing serious
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        problems = _problems(phone, "bid page on a phone")
        phone.get_by_label("Your price for this lot").fill("99")
        phone.get_by_role("button", name="Submit the bid").click()
        phone.wait_for_url(re.compile(r"/receipts/[0-9a-f-]{36}/$"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        problems += _problems(phone, "receipt page on a phone")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
