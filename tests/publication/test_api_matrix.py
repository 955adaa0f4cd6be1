"""Authorization matrix of the OCDS API: every endpoint is public and read-only, so everyone —
anonymous, a supplier, the buyer, an auditor, an administrator — gets the same 200 and the same
bytes (drafts never appear: only published facts have releases)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from procura.publication.models import Release
from tests.conftest import World
from tests.publication.api_support import store

PEOPLE = ["anonymous", "bid_manager", "officer", "other_officer", "auditor", "admin"]


@dataclass(frozen=True)
class Row:
    name: str  # the URL name in the "ocds" namespace
    url: Callable[[Release], str]


ROWS = [
    Row("releases", lambda release: "/api/ocds/releases?limit=10"),
    Row("release", lambda release: f"/api/ocds/releases/{release.release_id}"),
    Row("records", lambda release: "/api/ocds/records?versioned=true"),
    Row("record", lambda release: f"/api/ocds/records/{release.ocid}"),
    Row("changes", lambda release: "/api/ocds/changes"),
]

# Read by tests/web/test_authorization_matrix.py: the named URLs this table covers.
COVERED_URL_NAMES = {row.name for row in ROWS}


@pytest.fixture(autouse=True)
def _fresh_rate_window() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)  # the change feed serves committed releases only
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_everyone_gets_the_same_public_data(world: World, row: Row) -> None:
    # given
    release = store("ocds-prcdev-matrix", 1, buyer=world.buyer)
    store("ocds-prcdev-matrix", 2, tag="tenderUpdate", buyer=world.buyer)
    stored = Release.objects.count()
    # when
    responses = {
        person: world.client(None if person == "anonymous" else person).get(row.url(release)) for person in PEOPLE
    }
    # then
    assert {person: r.status_code for person, r in responses.items()} == dict.fromkeys(PEOPLE, 200)
    public = responses["anonymous"].content
    assert release.release_id.encode() in public
    assert all(r.content == public for r in responses.values())
    assert Release.objects.count() == stored


def test_every_ocds_url_has_a_row() -> None:
    from procura.publication import api_urls

    named = {pattern.name for pattern in api_urls.urlpatterns if getattr(pattern, "name", None)}
    assert named == COVERED_URL_NAMES
