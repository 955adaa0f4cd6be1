"""Whatever a client puts in the query string or path of the OCDS API, the answer is a page or an
error in the envelope: never a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.publication.api_support import many

pytestmark = pytest.mark.django_db

ENDPOINTS = ["releases", "records", "changes", "releases/ocds-prcdev-000-0001", "records/ocds-prcdev-000"]
PARAMS = ["limit", "since", "before", "ocid", "date_from", "date_to", "tag", "buyer", "versioned", "other"]
values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "1000", "1001", "true", "start", "2026-03-02", "2026-03-02T09:00:00+14:00"]),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
    st.integers().map(str),
)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Any) -> Iterator[None]:
    settings.PROCURA_OCDS_RATE_LIMIT = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def data(db: None) -> None:
    many(5, processes=2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    query=st.dictionaries(st.sampled_from(PARAMS), values, max_size=4),
)
def test_no_query_string_makes_a_server_error(data: None, endpoint: str, query: dict[str, str]) -> None:
    # when
    response = Client().get(f"/api/ocds/{endpoint}?{urlencode(query)}")
    # then
    assert response.status_code in {200, 404, 422}, (query, response.content)
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["releases", "records"]), key=st.text(min_size=1, max_size=80))
def test_no_path_makes_a_server_error(data: None, kind: str, key: str) -> None:
    # when
    response = Client().get(f"/api/ocds/{kind}/{quote(key, safe='')}")
    # then
    assert response.status_code in {404, 422}, (key, response.content)
    assert response.json()["error"]["code"] in {"not_found", "invalid"}
