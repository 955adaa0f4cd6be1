"""The public OCDS API: paging that reaches every release exactly once, filters, packages valid
against the 1.1.5 schemas, stored bytes served untouched, and the HTTP promises (errors in the
envelope, conditional GET, CORS, rate limit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from django.core.cache import cache
from django.test import Client

from procura.accounts.roles import OrganisationKind
from procura.publication.feed import Cursor
from procura.publication.models import Release
from tests import factories
from tests.publication.api_support import (
    BASE,
    many,
    record_package_errors,
    release_package_errors,
    store,
    walk,
)

pytestmark = pytest.mark.django_db
# The feed serves only committed releases (on PostgreSQL, those below the visibility horizon:
# docs/adr/0003), so tests that read it commit their writes.
COMMITTED = pytest.mark.django_db(transaction=True)

API = "/api/ocds"
PAGINATION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/master/extension.json"
)


@pytest.fixture(autouse=True)
def _fresh_rate_window() -> Iterator[None]:
    """The rate limit counts in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def _ids(releases: list[Release]) -> list[str]:
    return [release.release_id for release in releases]


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- Paging -----------------------------------------------------------------------------------
def test_releases_newest_first_pages_reach_every_release_once() -> None:
    # given
    stored = many(23)
    # when
    seen, pages = walk(Client(), f"{API}/releases?limit=5")
    # then
    assert seen == list(reversed(_ids(stored)))
    assert [len(page["releases"]) for page in pages] == [5, 5, 5, 5, 3]
    assert "next" not in pages[-1].get("links", {})
    for page in pages:
        assert page["extensions"][-1] == PAGINATION
        assert release_package_errors(page) == []


def test_release_pages_default_to_100_and_accept_up_to_1000() -> None:
    # given
    many(105, processes=3)
    client = Client()
    # when
    default = client.get(f"{API}/releases").json()
    large = client.get(f"{API}/releases?limit=1000").json()
    # then
    assert len(default["releases"]) == 100
    assert _query(default["links"]["next"]).get("limit") is None
    assert len(large["releases"]) == 105
    assert "next" not in large["links"]


@COMMITTED
def test_since_walk_is_oldest_first_and_reaches_every_release_once() -> None:
    # given
    stored = many(17)
    # when
    seen, pages = walk(Client(), f"{API}/releases?since=start&limit=4")
    # then
    assert seen == _ids(stored)
    assert [len(page["releases"]) for page in pages] == [4, 4, 4, 4, 1]
    for page in pages:
        assert release_package_errors(page) == []


@COMMITTED
def test_prev_link_returns_the_neighbouring_page() -> None:
    # given
    stored = many(12)
    client = Client()
    first = client.get(f"{API}/releases?limit=5").json()
    second = client.get(first["links"]["next"]).json()
    # when
    back = client.get(second["links"]["prev"]).json()
    # then
    assert "prev" not in first["links"]
    assert [r["id"] for r in second["releases"]] == list(reversed(_ids(stored)))[5:10]
    assert [r["id"] for r in back["releases"]] == _ids(stored)[7:]  # the newer ones, oldest first


def test_release_pages_serve_the_stored_bytes_untouched() -> None:
    # given
    stored = many(3)
    # when
    response = Client().get(f"{API}/releases")
    # then
    for release in stored:
        assert bytes(release.body) in response.content
    assert response["Content-Type"] == "application/json"


def test_package_metadata_comes_from_settings(settings: Any) -> None:
    # given
    settings.PROCURA_PUBLISHER_NAME = "Ministry of Open Data"
    settings.PROCURA_OPEN_DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
    settings.PROCURA_PUBLICATION_POLICY_URL = "https://example.org/policy"
    latest = many(2)[-1]
    # when
    package = Client().get(f"{API}/releases?limit=2").json()
    # then
    assert package["publisher"]["name"] == "Ministry of Open Data"
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["publicationPolicy"] == "https://example.org/policy"
    assert package["version"] == "1.1"
    assert package["publishedDate"] == latest.date.isoformat().replace("+00:00", "Z")
    assert package["uri"] == f"{settings.BASE_URL}/api/ocds/releases?limit=2"


# --- Filters ---------------------------------------------------------------------------------
def test_ocid_filter() -> None:
    # given
    many(10, processes=3)
    # when
    seen, _ = walk(Client(), f"{API}/releases?ocid=ocds-prcdev-001&limit=2")
    # then
    assert seen == ["ocds-prcdev-001-0007", "ocds-prcdev-001-0004", "ocds-prcdev-001-0001"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date_from=2026-03-02T09:03:00Z&date_to=2026-03-02T09:05:00Z", [5, 4, 3]),  # both inclusive
        ("date_from=2026-03-02T10:03:00%2B01:00", [9, 8, 7, 6, 5, 4, 3]),  # an offset
        ("date_from=2026-03-02T10:03:00+01:00", [9, 8, 7, 6, 5, 4, 3]),  # "+" arrived as a space
        ("date_to=2026-03-02T09:01:00", [1, 0]),  # no offset: UTC
        ("date_from=2026-03-02&date_to=2026-03-02", list(range(9, -1, -1))),  # the whole day
        ("date_from=2026-03-03", []),
        ("date_to=2026-03-01", []),
    ],
)
def test_date_filters(query: str, expected: list[int]) -> None:
    # given
    for n in range(10):
        store("ocds-prcdev-dates", n, date=BASE + dt.timedelta(minutes=n))
    # when
    response = Client().get(f"{API}/releases?{query}")
    # then
    assert response.status_code == 200, response.content
    assert [r["id"] for r in response.json()["releases"]] == [f"ocds-prcdev-dates-{n:04d}" for n in expected]


def test_tag_filter_matches_whole_tags_only() -> None:
    # given
    store("ocds-prcdev-t", 1, tag="tender")
    store("ocds-prcdev-t", 2, tag="tenderUpdate")
    store("ocds-prcdev-t", 3, tag="tenderAmendment")
    client = Client()
    # when
    tender = client.get(f"{API}/releases?tag=tender").json()
    update = client.get(f"{API}/releases?tag=tenderUpdate").json()
    # then
    assert [r["id"] for r in tender["releases"]] == ["ocds-prcdev-t-0001"]
    assert [r["id"] for r in update["releases"]] == ["ocds-prcdev-t-0002"]


def test_buyer_filter_and_filters_kept_in_links() -> None:
    # given
    buyer = factories.organisation(OrganisationKind.BUYER)
    other = factories.organisation(OrganisationKind.BUYER)
    mine = [store("ocds-prcdev-b1", n, buyer=buyer) for n in range(5)]
    store("ocds-prcdev-b2", 9, buyer=other)
    # when
    seen, pages = walk(Client(), f"{API}/releases?buyer={buyer.pk}&limit=2")
    # then
    assert seen == list(reversed(_ids(mine)))
    assert _query(pages[0]["links"]["next"])["buyer"] == [str(buyer.pk)]


@COMMITTED
def test_filtered_since_walk() -> None:
    # given
    stored = many(12, processes=2)
    # when
    seen, _ = walk(Client(), f"{API}/releases?since=start&ocid=ocds-prcdev-000&limit=2")
    # then
    assert seen == [r.release_id for r in stored if r.ocid == "ocds-prcdev-000"]


# --- One release ---------------------------------------------------------------------------
def test_release_detail_is_a_package_holding_that_release() -> None:
    # given
    stored = many(3)
    # when
    response = Client().get(f"{API}/releases/{stored[1].release_id}")
    # then
    assert response.status_code == 200
    package = response.json()
    assert [r["id"] for r in package["releases"]] == [stored[1].release_id]
    assert bytes(stored[1].body) in response.content
    assert PAGINATION not in package["extensions"]
    assert release_package_errors(package) == []
    assert response["Cache-Control"].startswith("public")


def test_release_ids_with_slashes_and_spaces_resolve() -> None:
    # given
    from procura.publication.services import release_store

    body = {
        "ocid": "ocds-prcdev-odd",
        "id": "odd/id with space",
        "date": "2026-03-02T09:00:00Z",
        "tag": ["planning"],
        "initiationType": "tender",
    }
    release_store(release=body)
    # when
    response = Client().get(f"{API}/releases/odd%2Fid%20with%20space")
    # then
    assert response.status_code == 200
    assert response.json()["releases"][0]["id"] == "odd/id with space"


# --- Records -------------------------------------------------------------------------------
def test_records_link_their_releases_in_date_order_with_the_compiled_release() -> None:
    # given
    store("ocds-prcdev-r1", 2, tag="tenderUpdate", date=BASE + dt.timedelta(hours=2))
    store("ocds-prcdev-r1", 1, tag="tender", date=BASE + dt.timedelta(hours=1))
    store("ocds-prcdev-r2", 3, date=BASE)
    # when
    package = Client().get(f"{API}/records").json()
    # then
    assert [record["ocid"] for record in package["records"]] == [
        "ocds-prcdev-r2",
        "ocds-prcdev-r1",
    ]  # latest change first
    first = package["records"][1]
    assert [link["tag"] for link in first["releases"]] == [["tender"], ["tenderUpdate"]]
    assert first["releases"][0]["url"].endswith("/api/ocds/releases/ocds-prcdev-r1-0001#ocds-prcdev-r1-0001")
    assert first["compiledRelease"]["tag"] == ["compiled"]
    assert first["compiledRelease"]["ocid"] == "ocds-prcdev-r1"
    assert "versionedRelease" not in first
    assert record_package_errors(package) == []


def test_linked_release_urls_resolve() -> None:
    # given
    store("ocds-prcdev-r1", 1)
    client = Client()
    link = client.get(f"{API}/records/ocds-prcdev-r1").json()["records"][0]["releases"][0]["url"]
    # when
    response = client.get(urlsplit(link).path)
    # then
    assert response.json()["releases"][0]["id"] == "ocds-prcdev-r1-0001"


def test_versioned_records_on_request() -> None:
    # given
    store("ocds-prcdev-v", 1, tag="tender")
    store("ocds-prcdev-v", 2, tag="tenderUpdate")
    # when
    listed = Client().get(f"{API}/records?versioned=true").json()
    single = Client().get(f"{API}/records/ocds-prcdev-v?versioned=1").json()
    # then
    for package in (listed, single):
        record = package["records"][0]
        assert record["versionedRelease"]["ocid"] == "ocds-prcdev-v"
        assert record_package_errors(package) == []


def test_record_pages_reach_every_record_once_both_ways() -> None:
    # given
    many(30, processes=11)
    client = Client()
    # when
    newest = []
    url: str | None = f"{API}/records?limit=3"
    while url:
        page = client.get(url).json()
        newest += [r["ocid"] for r in page["records"]]
        url = page["links"].get("next")
    oldest = []
    url = f"{API}/records?limit=4&since=start"
    while url:
        page = client.get(url).json()
        oldest += [r["ocid"] for r in page["records"]]
        url = page["links"].get("next")
    # then
    expected_newest = [f"ocds-prcdev-{i % 11:03d}" for i in range(29, 18, -1)]
    assert newest == expected_newest
    assert oldest == list(reversed(expected_newest))


def test_record_detail_and_buyer_filter() -> None:
    # given
    buyer = factories.organisation(OrganisationKind.BUYER)
    store("ocds-prcdev-mine", 1, buyer=buyer)
    store("ocds-prcdev-theirs", 2)
    client = Client()
    # when
    mine = client.get(f"{API}/records?buyer={buyer.pk}").json()
    single = client.get(f"{API}/records/ocds-prcdev-theirs")
    # then
    assert [r["ocid"] for r in mine["records"]] == ["ocds-prcdev-mine"]
    assert single.status_code == 200
    assert single.json()["records"][0]["ocid"] == "ocds-prcdev-theirs"


# --- The change feed -------------------------------------------------------------------------
@COMMITTED
def test_changes_give_every_release_once_and_always_a_next_link() -> None:
    # given
    stored = many(10)
    client = Client()
    # when
    seen: list[str] = []
    url = f"{API}/changes?limit=3"
    while True:
        page = client.get(url).json()
        assert "next" in page["links"]
        seen += [r["id"] for r in page["releases"]]
        if not page["releases"]:
            break
        url = page["links"]["next"]
    # then
    assert seen == _ids(stored)
    assert page["links"]["next"] == url  # nothing new: poll the same place


@COMMITTED
def test_polling_the_last_next_link_returns_only_what_is_new() -> None:
    # given
    many(4)
    client = Client()
    caught_up = client.get(f"{API}/changes").json()["links"]["next"]
    # when
    new = store("ocds-prcdev-new", 99)
    page = client.get(caught_up).json()
    # then
    assert [r["id"] for r in page["releases"]] == [new.release_id]
    assert page["links"]["next"] != caught_up


def test_an_empty_feed_still_points_where_to_poll() -> None:
    # when
    page = Client().get(f"{API}/changes").json()
    # then
    assert page["releases"] == []
    assert Cursor.parse(_query(page["links"]["next"])["since"][0]) == Cursor(0, 0)


# --- Errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/releases/ocds-prcdev-nothing-1",
        "/records/ocds-prcdev-nothing",
        "/nothing-here",
        "/releases/",
    ],
)
def test_unknown_addresses_are_404_in_the_envelope(path: str) -> None:
    # when
    response = Client().get(API + path)
    # then
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert set(body["error"]) == {"code", "message", "fields"}
    assert response["Access-Control-Allow-Origin"] == "*"


def _records_token() -> str:
    from procura.core.pagination import encode_cursor

    return encode_cursor(["records", 5])


def _decimal_forgery() -> str:
    import base64

    return base64.urlsafe_b64encode(b'["feed", {"dec": "x"}, 1]').decode().rstrip("=")


@pytest.mark.parametrize(
    ("endpoint", "query", "field"),
    [
        ("releases", "limit=0", "limit"),
        ("releases", "limit=1001", "limit"),
        ("releases", "limit=ten", "limit"),
        ("releases", "limit=-5", "limit"),
        ("releases", "date_from=yesterday", "date_from"),
        ("releases", "date_to=2026-13-01", "date_to"),
        ("releases", "date_to=9999-12-31", "date_to"),
        ("releases", "tag=bogus", "tag"),
        ("releases", "tag=compiled", "tag"),
        ("releases", "buyer=42", "buyer"),
        ("releases", "since=garbage", "since"),
        ("releases", "since=%ZZ", "since"),
        ("releases", "before=eyJ4IjoxfQ", "before"),
        ("releases", f"since={Cursor(1, 2).token()}&before={Cursor(1, 2).token()}", "since"),
        ("releases", "ocid=a%00b", "ocid"),
        ("releases", "ocid=" + "x" * 300, "ocid"),
        ("releases", f"since={_records_token()}", "since"),
        ("releases", f"since={_decimal_forgery()}", "since"),
        ("changes", "since=W10", "since"),
        ("changes", "since=WyJmZWVkIiwgLTEsIDFd", "since"),  # ["feed", -1, 1]
        ("changes", "limit=1e3", "limit"),
        ("records", "versioned=maybe", "versioned"),
        ("records", f"since={Cursor(1, 2).token()}", "since"),
        ("records", "before=start", "before"),
        ("records", "buyer=not-a-uuid", "buyer"),
        ("records/ocds-prcdev-x", "versioned=2", "versioned"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(endpoint: str, query: str, field: str) -> None:
    # when
    response = Client().get(f"{API}/{endpoint}?{query}")
    # then
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_a_nul_in_a_path_is_refused_not_a_crash() -> None:
    # when
    response = Client().get(f"{API}/releases/abc%00def")
    # then
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["id"]


def test_writes_are_405_with_allow() -> None:
    # when
    response = Client().post(f"{API}/releases", data=b"{}", content_type="application/json")
    # then
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD, OPTIONS"


# --- HTTP caching, CORS, rate limit ------------------------------------------------------------
def test_conditional_get_with_etag_and_last_modified() -> None:
    # given
    many(3)
    client = Client()
    first = client.get(f"{API}/releases")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    # when
    by_etag = client.get(f"{API}/releases", HTTP_IF_NONE_MATCH=etag)
    by_date = client.get(f"{API}/releases", HTTP_IF_MODIFIED_SINCE=last_modified)
    store("ocds-prcdev-later", 50, date=BASE + dt.timedelta(days=1))
    after_change = client.get(f"{API}/releases", HTTP_IF_NONE_MATCH=etag)
    # then
    assert by_etag.status_code == 304
    assert by_etag["ETag"] == etag
    assert by_etag["Access-Control-Allow-Origin"] == "*"
    assert by_date.status_code == 304
    assert after_change.status_code == 200
    assert after_change["ETag"] != etag
    assert first["Cache-Control"] == "public, max-age=30"


def test_records_etag_changes_when_a_record_changes() -> None:
    # given
    store("ocds-prcdev-e", 1)
    client = Client()
    etag = client.get(f"{API}/records/ocds-prcdev-e")["ETag"]
    # when
    store("ocds-prcdev-e", 2, tag="tenderUpdate")
    response = client.get(f"{API}/records/ocds-prcdev-e", HTTP_IF_NONE_MATCH=etag)
    # then
    assert response.status_code == 200
    assert len(response.json()["records"][0]["releases"]) == 2


@pytest.mark.parametrize("endpoint", ["releases", "records", "changes", "releases/x", "records/y"])
def test_cors_is_open_with_a_preflight(endpoint: str) -> None:
    # when
    preflight = Client().options(
        f"{API}/{endpoint}",
        HTTP_ORIGIN="https://journalist.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    response = Client().get(f"{API}/{endpoint}", HTTP_ORIGIN="https://journalist.example")
    # then
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert preflight["Access-Control-Allow-Headers"] == "if-none-match"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_rate_limit_answers_429_with_retry_after_per_client(settings: Any) -> None:
    # given
    settings.PROCURA_OCDS_RATE_LIMIT = "3/minute"
    client = Client(REMOTE_ADDR="203.0.113.7")
    # when
    statuses = [client.get(f"{API}/releases").status_code for _ in range(4)]
    limited = client.get(f"{API}/changes")
    other = Client(REMOTE_ADDR="203.0.113.8").get(f"{API}/releases")
    # then
    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited["Access-Control-Allow-Origin"] == "*"
    assert other.status_code == 200


def test_rate_limit_can_be_switched_off(settings: Any) -> None:
    # given
    settings.PROCURA_OCDS_RATE_LIMIT = ""
    client = Client()
    # when
    statuses = {client.get(f"{API}/changes").status_code for _ in range(30)}
    # then
    assert statuses == {200}


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("600/minute", (600, 60)), ("5/s", (5, 1)), ("100/hour", (100, 3600)), ("off", None), ("0", None)],
)
def test_rate_setting(rate: str, expected: tuple[int, int] | None) -> None:
    from procura.publication.api import parse_rate

    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["600", "ten/minute", "5/fortnight", "-1/minute"])
def test_a_bad_rate_setting_is_a_configuration_error(rate: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from procura.publication.api import parse_rate

    with pytest.raises(ImproperlyConfigured, match="PROCURA_OCDS_RATE_LIMIT"):
        parse_rate(rate)


def test_every_page_of_a_larger_walk_is_a_valid_package() -> None:
    # given
    many(40, processes=9)
    client = Client()
    # when
    packages = [orjson.loads(client.get(f"{API}/releases?limit=20").content)]
    records = orjson.loads(client.get(f"{API}/records?limit=20&versioned=true").content)
    # then
    assert release_package_errors(packages[0]) == []
    assert record_package_errors(records) == []


def test_the_package_check_is_not_vacuous() -> None:
    # given
    store("ocds-prcdev-c", 1)
    package = Client().get(f"{API}/releases").json()
    # when
    package["releases"][0]["tag"] = ["bogus"]
    del package["publisher"]
    # then
    problems = release_package_errors(package)
    assert any(problem.startswith("releases/0/tag/0") for problem in problems)
    assert any("'publisher' is a required property" in problem for problem in problems)
