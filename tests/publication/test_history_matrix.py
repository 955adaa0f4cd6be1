"""Authorization matrix of the historical store's pages: everyone reads, nobody writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from procura.publication.importer import import_path
from procura.publication.models import HistoricalProcess, HistoricalRelease
from tests.conftest import PEOPLE as EVERYONE
from tests.conftest import World
from tests.publication.history_support import HISTORY

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {"history-processes", "history-process", "history-compiled", "history-release"}

PEOPLE = [*EVERYONE, "reviewer"]
OCID = "ocds-test01-0001"

PAGES: list[Callable[[HistoricalRelease], str]] = [
    lambda r: HISTORY,
    lambda r: f"{HISTORY}?q=road&year=2019",
    lambda r: f"{HISTORY}process/{OCID}",
    lambda r: f"{HISTORY}compiled/{OCID}",
    lambda r: f"{HISTORY}release/{r.pk}.json",
]


@pytest.fixture
def history(tmp_path: Path, db: None) -> HistoricalRelease:
    release = {"ocid": OCID, "id": "r1", "date": "2019-03-01T10:00:00Z", "tender": {"title": "Road repair"}}
    (tmp_path / "p.json").write_bytes(orjson.dumps({"releases": [release]}))
    assert import_path(path=str(tmp_path / "p.json")).imported == 1
    return HistoricalRelease.objects.get()


@pytest.mark.parametrize("page", range(len(PAGES)))
@pytest.mark.parametrize("person", PEOPLE)
def test_everyone_reads_every_history_page(world: World, history: HistoricalRelease, person: str, page: int) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    # when
    response = client.get(PAGES[page](history))
    # then
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("page", range(len(PAGES)))
@pytest.mark.parametrize("person", ["anonymous", "officer", "admin"])
def test_nobody_writes_through_history_pages(
    world: World, history: HistoricalRelease, person: str, page: int, method: str
) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    client.handler.enforce_csrf_checks = False
    before = (bytes(HistoricalProcess.objects.get().compiled), bytes(history.body))
    # when
    response = getattr(client, method)(PAGES[page](history), {"title": "Changed"})
    # then
    assert response.status_code == 405
    after = (bytes(HistoricalProcess.objects.get().compiled), bytes(HistoricalRelease.objects.get().body))
    assert after == before
    assert HistoricalRelease.objects.count() == HistoricalProcess.objects.count() == 1


def test_the_historical_tables_are_not_in_the_admin() -> None:
    from django.contrib import admin

    assert not admin.site.is_registered(HistoricalProcess)
    assert not admin.site.is_registered(HistoricalRelease)
