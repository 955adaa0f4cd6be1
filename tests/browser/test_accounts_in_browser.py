"""In headless Chromium: sign in with two-factor, and axe-core finds no serious or critical
accessibility problem on any page of the accounts foundation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from procura.accounts.roles import OrganisationKind, Role
from procura.accounts.services import invitation_create, membership_grant, totp_current_code
from tests import factories
from tests.browser.conftest import serious_violations
from tests.web.support import authenticator_set_up_earlier

pytestmark = pytest.mark.browser


def _check(page: Any, path: str) -> list[str]:
    page.goto(path)
    return [f"{path}: {problem}" for problem in serious_violations(page)]


@pytest.mark.django_db(transaction=True)
def test_an_officer_signs_in_with_two_factor_and_every_page_is_accessible(page: Any) -> None:
    # given a buyer with an officer whose authenticator is set up, and a supplier
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Browsers")
    supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Tiny Tabs Ltd")
    officer = factories.user(email="officer@browser.example", full_name="Olivia Browser")
    membership_grant(actor=None, user=officer, organisation=buyer, role=Role.PROCUREMENT_OFFICER)
    device = authenticator_set_up_earlier(officer)
    invitation_create(actor=officer, organisation=buyer, email="colleague@browser.example", role=Role.EVALUATOR)
    problems = _check(page, "/account/sign-in/")

    # when they enter their password
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # then they are asked for the code, not yet signed in
    page.wait_for_url(re.compile(r"/account/sign-in/code/"))
    assert "Olivia Browser" not in page.content()
    problems += [f"/account/sign-in/code/: {p}" for p in serious_violations(page)]

    # when they give the code from their authenticator
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_current_code(device))
    page.get_by_role("button", name="Continue").click()

    # then they are signed in, their name and organisation in the header
    page.wait_for_load_state()
    assert "/account/sign-in" not in page.url
    header = page.locator("header").inner_text()
    assert "Olivia Browser" in header

    # and every page they can reach is accessible
    for path in [
        "/",
        "/account/",
        "/account/tokens/",
        "/organisations/",
        f"/organisations/{buyer.pk}/",
        f"/organisations/{supplier.pk}/",
        f"/organisations/{buyer.pk}/members/",
        f"/organisations/{buyer.pk}/edit/",
        "/account/sign-out/",
        "/organisations/00000000-0000-0000-0000-000000000001/",
    ]:
        problems += _check(page, path)

    # with form errors shown too
    page.goto(f"/organisations/{buyer.pk}/members/")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    problems += [f"members with errors: {p}" for p in serious_violations(page)]
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_pages_for_visitors_are_accessible_in_both_languages(page: Any) -> None:
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Visitors")
    officer = factories.member(buyer, Role.PROCUREMENT_OFFICER)
    _, token = invitation_create(
        actor=officer, organisation=buyer, email="newcomer@browser.example", role=Role.EVALUATOR
    )
    paths = [
        "/",
        "/account/sign-in/",
        "/account/sign-up/",
        "/account/password-reset/",
        "/account/password-reset/sent/",
        "/organisations/",
        f"/organisations/{buyer.pk}/",
        f"/invitations/{token}/",
        "/invitations/not-a-real-token/",
        "/no-such-page/",
    ]
    problems: list[str] = []
    for path in paths:
        problems += _check(page, path)
    # the sign-up form with every error showing
    page.goto("/account/sign-up/")
    page.get_by_role("button", name=re.compile("register|create", re.IGNORECASE)).click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    problems += [f"sign-up with errors: {p}" for p in serious_violations(page)]
    # and in Spanish, chosen with the language switcher (no JavaScript needed)
    page.goto("/")
    page.get_by_label(re.compile("Language", re.IGNORECASE)).select_option("es")
    page.locator("form[action='/i18n/setlang/'] button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    for path in paths[:4]:
        problems += _check(page, path)
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_a_new_officer_sets_up_two_factor_in_the_browser(page: Any) -> None:
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Setups")
    officer = factories.user(email="fresh@browser.example", full_name="Fred Fresh")
    membership_grant(actor=None, user=officer, organisation=buyer, role=Role.PROCUREMENT_OFFICER)
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # sent to set up an authenticator before anything else
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    assert serious_violations(page) == []
    assert page.locator("img[src^='data:image/svg+xml']").count() == 1  # the QR code
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_current_code(device))
    page.get_by_role("button", name=re.compile(".")).filter(
        has_text=re.compile("Turn on|Confirm|Continue|Activate", re.IGNORECASE)
    ).first.click()
    page.wait_for_load_state()
    assert "/account/two-factor/" not in page.url
    device.refresh_from_db()
    assert device.confirmed


def test_the_skip_link_is_the_first_stop_for_the_keyboard(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")
