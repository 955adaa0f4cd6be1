"""In headless Chromium: a tender goes from the opening of its bids to a signed contract. The
procurement officer seats themself on the panel (and sees no bid before declaring), signs the
declaration, checks and qualifies both bids, reads the ranking and awards the lot to the lowest
price; anyone reads the award notice. The contract is prepared during the standstill, whose
signature is refused then; after it, the buyer and the supplier each sign with a code from
their authenticator and the contract is in force. axe-core finds no serious or critical problem
on any page visited."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from procura.accounts.roles import OrganisationKind, Role
from procura.accounts.services import membership_grant
from procura.bids.services import bids_open
from procura.classifications.services import load_demo_classifications
from procura.contracts.models import Contract, ContractStatus
from procura.core import clock
from procura.evaluation.models import Assessment, AssessmentStatus, Award, AwardStatus
from tests import factories
from tests.bids.support import after_opening, open_tender, submitted_bid
from tests.browser.conftest import serious_violations
from tests.browser.test_tenders_in_browser import _sign_in
from tests.contracts.support import current_code

pytestmark = pytest.mark.browser

TITLE = "Examination gloves for the award hospitals"
WINNER = "Cheapest Gloves Ltd"
RIVAL = "Dearer Gloves Ltd"
REASONS = "The lowest price among the qualified bids."
STANDSTILL_DAYS = 10


@pytest.fixture(autouse=True)
def setting(settings: Any, tmp_path: Path) -> None:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    settings.STANDSTILL_DAYS = STANDSTILL_DAYS


def _problems(page: Any, where: str) -> list[str]:
    page.wait_for_load_state()
    return [f"{where}: {problem}" for problem in serious_violations(page)]


def _local(moment: dt.datetime) -> str:
    """A datetime-local value in the platform time zone (UTC in the tests)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def _move_clock(stack: ExitStack, to: dt.datetime) -> None:
    """Run the platform's clock (the live server's too: same process) from `to` on."""
    stack.enter_context(clock.shifted(to - clock.now()))


def _sign(page: Any, party: str, name: str, code: str) -> None:
    form = page.locator(f"form[action$='/signatures/{party}/']")
    form.get_by_label("Your full name").fill(name)
    form.get_by_label("Code from your authenticator app").fill(code)
    form.get_by_role("button", name="Sign the contract").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_a_tender_goes_from_opening_to_a_signed_contract(browser: Any, page: Any, live_server: Any) -> None:
    with ExitStack() as stack:
        _from_opening_to_contract(stack, browser, page, live_server)


def _from_opening_to_contract(stack: ExitStack, browser: Any, page: Any, live_server: Any) -> None:
    # given a buyer's procurement officer, a lowest-price tender with two bids, now opened
    load_demo_classifications()
    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Awards")
    officer = factories.user(email="officer@award.example", full_name="Olivia Officer")
    membership_grant(actor=None, user=officer, organisation=buyer, role=Role.PROCUREMENT_OFFICER)
    winner = factories.organisation(OrganisationKind.SUPPLIER, name=WINNER)
    manager = factories.user(email="manager@award.example", full_name="Mina Manager")
    membership_grant(actor=None, user=manager, organisation=winner, role=Role.BID_MANAGER)
    rival = factories.organisation(OrganisationKind.SUPPLIER, name=RIVAL)
    rival_manager = factories.member(rival, Role.BID_MANAGER)
    tender = open_tender(officer, buyer, title=TITLE, value_amount=Decimal("90000"))
    assert tender.award_criteria == "priceOnly"
    lot = tender.lots.get()
    cheap, _ = submitted_bid(tender, manager, winner, price="80000.00")
    dear, _ = submitted_bid(tender, rival_manager, rival, price="85000.00")
    _move_clock(stack, after_opening(tender))
    bids_open(tender=tender)
    evaluation = f"/tenders/{tender.ocid}/evaluation/"
    lot_page = f"{evaluation}lots/{lot.local_id}/"
    _sign_in(page, officer)

    # when the officer opens the evaluation, not on the panel yet
    page.goto(evaluation)
    assert page.get_by_role("heading", level=1).inner_text() == "Evaluation"
    assert "seat yourself on the panel" in page.locator("main").inner_text()
    problems = _problems(page, "evaluation home, no seat")

    # then neither the lot's bids nor the opened bids show them anything of the bids
    response = page.goto(lot_page)
    assert response is not None
    assert response.status == 403
    assert "80,000" not in page.content()
    problems += _problems(page, "lot page refused, no seat")

    # when they seat themself on the panel as an evaluator
    page.goto(evaluation)
    page.get_by_role("link", name="Manage the panel").click()
    page.wait_for_url(re.compile(r"/evaluation/panel/$"))
    problems += _problems(page, "panel")
    page.get_by_label("Email address of the person's Procura account").fill(officer.email)
    page.get_by_role("group", name="Seat").get_by_label("Evaluator").check()
    page.get_by_role("button", name="Add to the panel").click()
    page.wait_for_url(re.compile(r"/evaluation/panel/$"))
    assert "is on the panel" in page.locator(".messages").inner_text()
    problems += _problems(page, "panel with a member")

    # then, before declaring, the bids are still refused, with the reason
    response = page.goto(lot_page)
    assert response is not None
    assert response.status == 403
    assert "Sign your conflict-of-interest declaration first" in page.locator("main").inner_text()
    assert "80,000" not in page.content()
    problems += _problems(page, "lot page refused, not declared")
    response = page.goto(f"/tenders/{tender.ocid}/bids/")
    assert response is not None
    assert response.status in {403, 404}
    assert "80,000" not in page.content()

    # when they sign the declaration from the evaluation home
    page.goto(evaluation)
    assert page.get_by_role("heading", name="Sign your declaration first").count() == 1
    problems += _problems(page, "evaluation home, not declared")
    page.get_by_role("link", name="Sign the declaration").click()
    page.wait_for_url(re.compile(r"/evaluation/declaration/$"))
    assert page.get_by_role("list", name="The bidders").get_by_role("listitem").count() == 2
    problems += _problems(page, "declaration")
    page.get_by_label("I have no conflict of interest with any of these bidders").check()
    page.get_by_label("Your full name, as your signature").fill(officer.full_name)
    page.get_by_role("button", name="Sign the declaration").click()
    page.wait_for_url(re.compile(r"/evaluation/$"))
    assert "You can now read the bids" in page.locator(".messages").inner_text()
    problems += _problems(page, "evaluation home, declared")

    # and records the checks of each bid and qualifies it, on the lot's page
    page.get_by_role("link", name=f"Bids ({lot.local_id})").click()
    page.wait_for_url(re.compile(rf"/lots/{lot.local_id}/$"))
    assert "£80,000.00" in page.locator(f"#bid-{cheap.pk}").inner_text()
    problems += _problems(page, "lot page")
    for bid, name in ((cheap, WINNER), (dear, RIVAL)):
        section = page.locator(f"#bid-{bid.pk}")
        section.get_by_role("group", name="Does the bidder meet the eligibility criteria?").get_by_label("Yes").check()
        section.get_by_role("group", name="Is the bidder clear of every ground for exclusion?").get_by_label(
            "Yes"
        ).check()
        section.get_by_role("button", name=f"Record the checks ({name})", exact=True).click()
        page.wait_for_url(re.compile(rf"/lots/{lot.local_id}/#bid-{bid.pk}$"))
        assert "The checks are recorded" in page.locator(".messages").inner_text()
        page.locator(f"#bid-{bid.pk}").get_by_role("button", name=f"Qualify the bid ({name})", exact=True).click()
        page.wait_for_url(re.compile(rf"/lots/{lot.local_id}/#bid-{bid.pk}$"))
        assert "The bid is qualified" in page.locator(".messages").inner_text()
    problems += _problems(page, "lot page, qualified")
    assert set(Assessment.objects.filter(bid__tender=tender).values_list("status", flat=True)) == {
        AssessmentStatus.QUALIFIED
    }

    # then the ranking puts the lowest price first
    page.get_by_role("link", name="Ranking").first.click()
    page.wait_for_url(re.compile(rf"/lots/{lot.local_id}/ranking/$"))
    rows = page.get_by_role("table").locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("th").inner_text() == WINNER
    assert rows.nth(0).locator("td").first.inner_text() == "1"
    assert rows.nth(1).locator("th").inner_text() == RIVAL
    problems += _problems(page, "ranking")

    # when they award the lot to the lowest price, from the tender page, with the reasons
    page.goto(f"/tenders/{tender.ocid}/")
    problems += _problems(page, "tender page, evaluation")
    page.get_by_role("link", name=re.compile(r"^Award page")).click()
    page.wait_for_url(re.compile(rf"/lots/{lot.local_id}/award/$"))
    problems += _problems(page, "award page")
    page.get_by_role("button", name="Decide the award").click()  # no reasons: refused by the input
    page.wait_for_load_state()
    assert "Give the reasons for the decision" in page.locator(".error-summary").inner_text()
    problems += _problems(page, "award page with errors")
    page.get_by_label(re.compile(rf"^{WINNER} \(rank 1\)")).check()
    page.get_by_label("Reasons for the decision").fill(REASONS)
    page.get_by_role("button", name="Decide the award").click()

    # then the award notice names the winner, for the officer and for anyone
    page.wait_for_url(re.compile(rf"/tenders/{re.escape(tender.ocid)}/awards/[^/]+/$"))
    award = Award.objects.get(lot=lot)
    assert award.bid_id == cheap.pk
    assert award.status == AwardStatus.PENDING
    assert "standstill runs" in page.locator(".messages").inner_text()
    problems += _problems(page, "award notice, officer")
    notice_path = f"/tenders/{tender.ocid}/awards/{award.local_id}/"
    visitor = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        visitor_page = visitor.new_page()
        visitor_page.goto(notice_path)
        facts = visitor_page.locator(".summary-list")
        assert WINNER in facts.locator("div", has_text="Awarded to").inner_text()
        assert "£80,000.00" in facts.locator("div", has_text="Value").inner_text()
        assert REASONS in visitor_page.locator("main").inner_text()
        problems += _problems(visitor_page, "award notice, public")
    finally:
        visitor.close()

    # when they prepare the contract during the standstill, from the tender page
    now = clock.now()
    page.goto(f"/tenders/{tender.ocid}/")
    page.get_by_role("link", name=f"Prepare the contract for {lot.title} with {WINNER}").click()
    page.wait_for_url(re.compile(rf"/contracts/new/{award.pk}/$"))
    assert "not signed yet" in page.locator("main").inner_text()
    problems += _problems(page, "new contract")
    page.get_by_label("The contract starts").fill(_local(now + dt.timedelta(days=15)))
    page.get_by_label("The contract ends").fill(_local(now + dt.timedelta(days=380)))
    page.get_by_role("button", name="Prepare the contract").click()
    page.wait_for_url(re.compile(r"/contracts/[0-9a-f-]{36}/manage/$"))
    contract = Contract.objects.get(award=award)
    manage = f"/contracts/{contract.pk}/manage/"
    assert "Signature is not possible yet" in page.locator("#signatures").locator("..").inner_text()
    problems += _problems(page, "contract workspace, standstill")

    # then signing is refused while the standstill runs, with the reason
    _sign(page, "buyer", officer.full_name, current_code(officer))
    summary = page.locator(".error-summary").inner_text()
    assert "The standstill period runs until" in summary
    assert "no contract can be signed before then" in summary
    problems += _problems(page, "contract workspace, signature refused")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.PENDING
    assert contract.signatures.count() == 0

    # when the standstill is over, the officer signs for the buyer
    assert award.standstill_ends_at is not None
    _move_clock(stack, award.standstill_ends_at + dt.timedelta(minutes=1))
    page.goto(manage)
    assert page.get_by_text("Signature is not possible yet").count() == 0
    _sign(page, "buyer", officer.full_name, current_code(officer))
    page.wait_for_url(re.compile(rf"{manage}#signatures$"))
    assert "Your signature is recorded" in page.locator(".messages").inner_text()
    problems += _problems(page, "contract workspace, buyer signed")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.PENDING

    # and the supplier's bid manager, signed in elsewhere, signs for the supplier
    supplier_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        supplier_page = supplier_context.new_page()
        _sign_in(supplier_page, manager)
        supplier_page.goto(manage)
        problems += _problems(supplier_page, "contract workspace, supplier")
        _sign(supplier_page, "supplier", manager.full_name, current_code(manager))
        supplier_page.wait_for_url(re.compile(rf"{manage}#signatures$"))
        assert "Your signature is recorded" in supplier_page.locator(".messages").inner_text()
        problems += _problems(supplier_page, "contract workspace, in force")
    finally:
        supplier_context.close()

    # then the contract is in force, signed by both parties, on its public page
    page.goto(f"/contracts/{contract.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == contract.title
    assert page.locator(".summary-list strong.tag").first.inner_text() == "In force"
    signatures = page.get_by_role("table", name="Signatures").locator("tbody tr")
    assert signatures.count() == 2
    assert officer.full_name in signatures.nth(0).inner_text() + signatures.nth(1).inner_text()
    assert manager.full_name in signatures.nth(0).inner_text() + signatures.nth(1).inner_text()
    problems += _problems(page, "contract page")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert contract.signed_at is not None
    assert problems == [], "\n".join(problems)
