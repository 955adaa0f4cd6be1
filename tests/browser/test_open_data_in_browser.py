"""In headless Chromium: the Open data page, the historical records search and a process page,
in English and Spanish, with no serious or critical accessibility problem (axe-core), and a
search made with the form alone (no JavaScript needed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from procura.accounts.roles import OrganisationKind, Role
from procura.classifications.services import load_demo_classifications
from procura.publication import bulk
from procura.publication.importer import import_path
from procura.publication.models import HistoricalProcess
from procura.publication.schema import ocds_dir
from tests import factories
from tests.browser.conftest import serious_violations
from tests.tenders.support import published

pytestmark = pytest.mark.browser

UK_SAMPLE = "uk-contracts-finder"


def _check(page: Any, path: str) -> list[str]:
    page.goto(path)
    return [f"{path}: {problem}" for problem in serious_violations(page)]


@pytest.mark.django_db(transaction=True)
def test_open_data_pages_are_accessible_and_searchable_without_javascript(
    page: Any, settings: Any, tmp_path: Path
) -> None:
    # given a published tender (its releases), the bulk files built, and another publisher's data
    settings.PROCURA_BULK_DIR = str(tmp_path / "opendata")
    load_demo_classifications()
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Openness")
    tender = published(factories.member(buyer, Role.PROCUREMENT_OFFICER), buyer)
    assert bulk.bulk_refresh().built
    example = sorted((ocds_dir() / "real-examples" / UK_SAMPLE).rglob("*.json"))[0]
    assert import_path(path=str(example)).imported >= 1
    problems: list[str] = []
    # the Open data page lists the month's release package and says under which licence
    problems += _check(page, "/open-data/")
    month = tender.published_at.strftime("releases-%Y-%m.json.gz")
    assert page.get_by_role("link", name=re.compile(re.escape(month))).count() >= 1
    assert page.get_by_role("heading", name=re.compile("licen", re.IGNORECASE)).count() >= 1
    # the historical records: search with the form, open a process
    problems += _check(page, "/open-data/history/")
    process = HistoricalProcess.objects.order_by("ocid").first()
    assert process is not None
    page.get_by_role("searchbox").fill(process.ocid)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state()
    first = page.locator(".tender-result h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == title
    problems += [f"{page.url}: {p}" for p in serious_violations(page)]
    # and in Spanish, chosen with the language switcher
    page.goto("/")
    page.get_by_label(re.compile("Language", re.IGNORECASE)).select_option("es")
    page.locator("form[action='/i18n/setlang/'] button").click()
    page.wait_for_load_state()
    for path in ("/open-data/", "/open-data/history/"):
        problems += _check(page, path)
    assert page.locator("html").get_attribute("lang") == "es"
    assert problems == []
