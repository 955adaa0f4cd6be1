"""Shared fixtures: the clock, mail, and the people of the authorization matrix."""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.core import clock
from tests import factories


@pytest.fixture
def frozen_clock() -> Iterator[clock.Clock]:
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)) as handle:
        yield handle


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Units of measure come from a data migration; the flush after each transactional test
    (PostgreSQL concurrency, browser) removes them, so every database test puts them back."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not (names & _DB_FIXTURES or marker):
        return
    transactional = bool(names & {"transactional_db", "live_server"}) or bool(
        marker and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)


@pytest.fixture(autouse=True)
def _published_releases_are_valid(request: pytest.FixtureRequest, _reference_data: None) -> Iterator[None]:
    """Every OCDS release and compiled record that any database test produces is valid against
    1.1.5 and the declared extensions, closed codelists included (checked after the test)."""
    yield
    names = set(request.fixturenames)
    if not (names & _DB_FIXTURES or request.node.get_closest_marker("django_db")):
        return
    if "publication" in request.node.path.parts:
        return  # those tests store hand-made releases on purpose, and check Procura's their own way
    import orjson
    from django.db import connection

    if connection.connection is None or not connection.is_usable():
        return  # a streamed download closed the test's connection: nothing more to read
    from procura.publication.models import Record, Release
    from procura.publication.validate import validate_release

    bodies = [("release", b) for b in Release.objects.values_list("body", flat=True)]
    bodies += [("record", b) for b in Record.objects.exclude(compiled=b"").values_list("compiled", flat=True)]
    for kind, body in bodies:
        release = orjson.loads(bytes(body))
        problems = validate_release(release)
        assert problems == [], f"invalid {kind} {release.get('id')}: {problems[:3]}"


@pytest.fixture(autouse=True)
def _locmem_email(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


# The people of a matrix: everyone in the World but the review body, and someone not signed in.
# A matrix adds the review body ("reviewer") and its own people (an observer, say) where its pages
# concern them.
PEOPLE = [
    "anonymous",
    "officer",
    "approver",
    "evaluator",
    "other_officer",
    "bid_manager",
    "viewer",
    "other_bid_manager",
    "admin",
    "auditor",
]


@dataclass
class World:
    """The organisations and people every authorization-matrix test uses."""

    buyer: Organisation
    other_buyer: Organisation
    supplier: Organisation
    other_supplier: Organisation
    officer: User
    approver: User
    evaluator: User
    other_officer: User
    bid_manager: User
    viewer: User
    other_bid_manager: User
    admin: User
    auditor: User
    reviewer: User

    def client(self, who: str | None) -> Client:
        if who is None:
            return Client()
        return factories.signed_in_client(getattr(self, who))


@pytest.fixture
def world(db: None) -> World:
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Tests")
    other_buyer = factories.organisation(OrganisationKind.BUYER, name="Other Council")
    supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Small Firm Ltd")
    other_supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Rival Firm Ltd", scale="large")
    oversight = factories.organisation(OrganisationKind.OVERSIGHT, name="Audit Office")
    return World(
        buyer=buyer,
        other_buyer=other_buyer,
        supplier=supplier,
        other_supplier=other_supplier,
        officer=factories.member(buyer, Role.PROCUREMENT_OFFICER),
        approver=factories.member(buyer, Role.APPROVER),
        evaluator=factories.member(buyer, Role.EVALUATOR),
        other_officer=factories.member(other_buyer, Role.PROCUREMENT_OFFICER),
        bid_manager=factories.member(supplier, Role.BID_MANAGER),
        viewer=factories.member(supplier, Role.VIEWER),
        other_bid_manager=factories.member(other_supplier, Role.BID_MANAGER),
        admin=factories.platform_admin(),
        auditor=factories.member(oversight, Role.AUDITOR),
        reviewer=factories.member(oversight, Role.REVIEW_BODY),
    )


# --- Browser fixtures (one Chromium per test process, for every test folder) ---------------------
CHROMIUM = Path(os.environ.get("PROCURA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("PROCURA_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
