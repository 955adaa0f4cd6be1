"""Authorization matrix of the Open data page and its downloads: everyone reads, nobody writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from procura.publication import bulk
from procura.publication.models import BulkFile
from tests.conftest import PEOPLE as EVERYONE
from tests.conftest import World
from tests.publication.bulk_support import bulk_dir, store

__all__ = ["bulk_dir"]

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {"open-data", "download"}

PEOPLE = [*EVERYONE, "reviewer"]


@pytest.fixture
def month_file(bulk_dir: Path, db: None) -> str:
    store("M1", "2026-01-05T10:00:00Z")
    bulk.bulk_refresh()
    return BulkFile.objects.get(name__startswith="releases-2026-01").name


@pytest.mark.parametrize("person", PEOPLE)
def test_everyone_reads_the_page_and_downloads_files(world: World, month_file: str, person: str) -> None:
    client = world.client(None if person == "anonymous" else person)
    page = client.get("/open-data/")
    assert page.status_code == 200
    assert month_file in page.content.decode()
    download = client.get(f"/open-data/files/{month_file}")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/gzip"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("person", ["anonymous", "officer", "admin"])
def test_nobody_writes(world: World, month_file: str, person: str, method: str) -> None:
    client = world.client(None if person == "anonymous" else person)
    for path in ("/open-data/", f"/open-data/files/{month_file}"):
        response = getattr(client, method)(path)
        assert response.status_code in {403, 405}, (path, response.status_code)
    assert BulkFile.objects.filter(name=month_file).exists()
