"""Who may open each page: one table, checked for every person of the authorization matrix.

Also: the layout every page shares, error pages, security headers and the language switcher.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory

from procura.accounts.roles import Role
from procura.accounts.services import membership_grant
from procura.web import views
from tests.conftest import World
from tests.web.support import text

PEOPLE = ["anonymous", "officer", "evaluator", "other_officer", "bid_manager", "admin", "auditor"]
SIGN_IN = "sign-in"  # expected outcome: redirected to the sign-in page


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World], str]
    expected: dict[str, int | str]  # person -> status code, or SIGN_IN


def _public() -> dict[str, int | str]:
    return dict.fromkeys(PEOPLE, 200)


def _signed_in() -> dict[str, int | str]:
    return {person: (SIGN_IN if person == "anonymous" else 200) for person in PEOPLE}


def _buyer_members() -> dict[str, int | str]:
    return {
        "anonymous": SIGN_IN,
        "officer": 200,
        "evaluator": 200,
        "other_officer": 403,
        "bid_manager": 403,
        "admin": 200,
        "auditor": 200,
    }


def _buyer_managers() -> dict[str, int | str]:
    return {
        "anonymous": SIGN_IN,
        "officer": 200,
        "evaluator": 403,
        "other_officer": 403,
        "bid_manager": 403,
        "admin": 200,
        "auditor": 403,
    }


PAGES = [
    Page("home", lambda w: "/", _public()),
    Page("sign-in", lambda w: "/account/sign-in/", _public()),
    Page("sign-up", lambda w: "/account/sign-up/", _public()),
    Page("sign-out", lambda w: "/account/sign-out/", _public()),
    Page("password-reset", lambda w: "/account/password-reset/", _public()),
    Page("password-reset-done", lambda w: "/account/password-reset/sent/", _public()),
    Page("password-reset-complete", lambda w: "/account/password-reset/complete/", _public()),
    Page("organisations", lambda w: "/organisations/", _public()),
    Page("organisations-filtered", lambda w: "/organisations/?kind=supplier", _public()),
    Page("organisation", lambda w: f"/organisations/{w.buyer.pk}/", _public()),
    Page("supplier", lambda w: f"/organisations/{w.supplier.pk}/", _public()),
    Page("account", lambda w: "/account/", _signed_in()),
    Page("tokens", lambda w: "/account/tokens/", _signed_in()),
    Page("two-factor-setup", lambda w: "/account/two-factor/", _signed_in()),
    Page("sign-up-complete", lambda w: "/account/sign-up/complete/", _signed_in()),
    Page("members", lambda w: f"/organisations/{w.buyer.pk}/members/", _buyer_members()),
    Page("organisation-edit", lambda w: f"/organisations/{w.buyer.pk}/edit/", _buyer_managers()),
]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_open_each_page(world: World, page: Page, person: str) -> None:
    # given the person's client and the page
    client = world.client(None if person == "anonymous" else person)
    url = page.url(world)
    # when they open it
    response = client.get(url)
    # then they see it, are sent to sign in, or are refused
    expected = page.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/?next=")
    else:
        assert response.status_code == expected
    if response.status_code in {200, 403}:
        html = response.content.decode()
        assert html.count("<h1") == 1
        # The content security policy forbids inline scripts and styles: none may appear.
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html


@pytest.mark.django_db
def test_a_refusal_is_the_error_page_with_the_reason(world: World) -> None:
    # when an officer of another buyer opens the buyer's members
    response = world.client("other_officer").get(f"/organisations/{world.buyer.pk}/members/")
    # then the 403 page says why
    assert response.status_code == 403
    assert "<title>You cannot see this page — Procura</title>" in response.content.decode()
    assert "Only members of Ministry of Tests can see its members." in text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/organisations/{uuid.UUID(int=1)}/",
        "/organisations/not-a-uuid/",
        f"/organisations/{uuid.UUID(int=1)}/members/",
        f"/organisations/{uuid.UUID(int=1)}/edit/",
        "/no-such-page/",
    ],
)
def test_unknown_and_malformed_ids_get_the_not_found_page(world: World, path: str) -> None:
    # when the officer opens a page for an organisation that does not exist
    response = world.client("officer").get(path)
    # then the translated 404 page is shown
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert '<a href="/">Go to the home page</a>' in response.content.decode()


@pytest.mark.django_db
def test_a_bad_page_cursor_is_a_clear_error_not_a_crash(world: World) -> None:
    # when the directory is asked for a page with a forged cursor
    response = Client().get("/organisations/?cursor=bm90LWEtY3Vyc29y")
    # then the page says the link is not valid
    assert response.status_code == 400
    assert "This page link is not valid. Start again from the first page." in text(response)


@pytest.mark.django_db
def test_the_directory_filters_by_kind_and_pages_with_a_cursor(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given pages of one supplier each
    monkeypatch.setattr("procura.accounts.views.organisation_pages.PAGE_SIZE", 1)
    client = Client()
    # when the suppliers are listed
    first = client.get("/organisations/?kind=supplier")
    # then the first page shows the first supplier by name, with a link to the next page
    assert first.status_code == 200
    assert "Rival Firm Ltd" in first.content.decode()
    assert "Small Firm Ltd" not in first.content.decode()
    assert "Ministry of Tests" not in first.content.decode()
    next_link = first.context["next_page_query"]
    assert next_link.startswith("kind=supplier&cursor=")
    # and the next page shows the second
    second = client.get(f"/organisations/?{next_link}")
    assert "Small Firm Ltd" in second.content.decode()
    assert "Rival Firm Ltd" not in second.content.decode()


@pytest.mark.django_db
def test_the_public_profile_shows_the_organisation(world: World) -> None:
    # when anyone opens a supplier's profile
    response = Client().get(f"/organisations/{world.other_supplier.pk}/")
    # then its public details are shown, and no management links
    page = text(response)
    assert "<h1>Rival Firm Ltd</h1>" in page
    assert world.other_supplier.identifier in page
    assert "<dt>Size</dt><dd>Large</dd>" in page
    assert "United Kingdom" in page
    assert f"/organisations/{world.other_supplier.pk}/edit/" not in page
    assert f"/organisations/{world.other_supplier.pk}/members/" not in page


@pytest.mark.django_db
def test_the_layout_has_landmarks_a_skip_link_and_the_signed_out_state(world: World) -> None:
    # when an anonymous visitor opens the home page
    response = Client().get("/")
    page = response.content.decode()
    # then the layout is complete
    assert '<html lang="en">' in page
    assert "<title>Public procurement, open to everyone — Procura</title>" in page
    assert '<a class="skip-link" href="#main-content">Skip to main content</a>' in page
    assert '<main id="main-content"' in page
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in page
    assert 'href="/account/sign-in/">Sign in</a>' in page
    assert 'href="/account/sign-up/">Register your business</a>' in page
    assert 'action="/i18n/setlang/"' in page
    assert "Procura — open-source e-procurement" in page


@pytest.mark.django_db
def test_the_layout_shows_who_is_signed_in_with_a_sign_out_button(world: World) -> None:
    # when the bid manager opens the home page
    page = text(world.client("bid_manager").get("/"))
    # then their name, organisation, account link and a sign-out form are in the header
    assert "Signed in as <strong>Test Person</strong>" in page
    assert f'href="/organisations/{world.supplier.pk}/">Small Firm Ltd</a>' in page
    assert 'href="/account/">Account</a>' in page
    assert '<form method="post" action="/account/sign-out/"' in page
    # and with only one organisation there is no switcher
    assert 'id="switch-organisation"' not in page


@pytest.mark.django_db
def test_security_headers_are_sent(world: World) -> None:
    # when a page is opened
    response = Client().get("/")
    # then the browser is told to lock it down
    directives = {d.strip() for d in response["Content-Security-Policy"].split(";")}
    assert {"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} <= directives
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_language_switcher_changes_the_page_language(world: World) -> None:
    # given a visitor
    client = Client()
    # when they choose Spanish
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/organisations/"})
    # then they go back where they were and pages are in Spanish
    assert response.status_code == 302
    assert response["Location"] == "/organisations/"
    assert '<html lang="es">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_organisation_switcher_keeps_the_choice_and_returns_safely(world: World) -> None:
    # given an officer who also evaluates for another buyer
    membership_grant(actor=None, user=world.officer, organisation=world.other_buyer, role=Role.EVALUATOR)
    client = world.client("officer")
    assert 'id="switch-organisation"' in client.get("/").content.decode()
    # when they switch to it
    response = client.post(
        "/organisation/switch/", {"organisation": str(world.other_buyer.pk), "next": "/organisations/"}
    )
    # then it is remembered and they go back
    assert response.status_code == 302
    assert response["Location"] == "/organisations/"
    assert client.session["procura.active_organisation"] == str(world.other_buyer.pk)
    # and an off-site "next" is ignored
    response = client.post(
        "/organisation/switch/", {"organisation": str(world.buyer.pk), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert client.session["procura.active_organisation"] == str(world.buyer.pk)


@pytest.mark.django_db
def test_nobody_can_switch_to_an_organisation_they_are_not_in(world: World) -> None:
    # given the officer
    client = world.client("officer")
    # when they try to work for a supplier
    response = client.post("/organisation/switch/", {"organisation": str(world.supplier.pk), "next": "/"})
    # then they are refused and nothing changes
    assert response.status_code == 403
    assert "procura.active_organisation" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("handler", "status", "heading"),
    [
        ("bad_request", 400, "Something in the request was not right"),
        ("permission_denied", 403, "You cannot see this page"),
        ("page_not_found", 404, "Page not found"),
        ("server_error", 500, "Sorry, something went wrong"),
    ],
)
def test_each_error_handler_renders_the_error_page(world: World, handler: str, status: int, heading: str) -> None:
    # given a request
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    # when the handler renders
    response = getattr(views, handler)(request)
    # then the page has the status, a translated heading and a way home
    page = response.content.decode()
    assert response.status_code == status
    assert f"<title>{heading} — Procura</title>" in page
    assert f"<h1>{heading}</h1>" in page
    assert '<a href="/">Go to the home page</a>' in page
