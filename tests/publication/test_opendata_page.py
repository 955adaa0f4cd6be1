"""The public Open data page and the bulk file downloads."""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path

import orjson
import pytest
from django.test import Client

from procura.publication import bulk
from procura.publication.models import BulkFile
from tests.publication.bulk_support import bulk_dir, store

__all__ = ["bulk_dir"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def built(bulk_dir: Path) -> Path:
    store("A", "2026-01-05T10:00:00Z")
    store("B", "2026-02-20T09:30:00Z", awards=[{"id": "1", "status": "active"}])
    bulk.bulk_refresh()
    return bulk_dir


def text_of(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def test_the_page_lists_every_file_with_its_size_and_date(built: Path, client: Client) -> None:
    # when
    response = client.get("/open-data/")
    # then
    assert response.status_code == 200
    page = response.content.decode()
    for bulk_file in BulkFile.objects.all():
        assert f'href="/open-data/files/{bulk_file.name}"' in page
    january = BulkFile.objects.get(name="releases-2026-01.json.gz")
    row = re.search(r"<tr>\s*<th scope=\"row\">2026-01</th>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = text_of(row.group(1))
    assert f"releases-2026-01.json.gz 1 {january.size} bytes" in cells  # name, releases, size
    assert january.generated_at.strftime("%Y-%m-%dT%H:%M:%S") in row.group(1)  # the <time datetime>
    year = re.search(r"<tr>\s*<th scope=\"row\">2026</th>(.*?)</tr>", page, re.S)
    assert year is not None
    compiled = BulkFile.objects.get(name="compiled-2026.jsonl.gz")
    assert f"compiled-2026.jsonl.gz ({compiled.size} bytes)" in text_of(year.group(1))
    assert "awards-2026.parquet" in year.group(1)


def test_the_page_shows_the_licence_policy_api_and_the_fields_of_every_table(client: Client, settings: object) -> None:
    settings.PROCURA_OPEN_DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"  # type: ignore[attr-defined]
    page = client.get("/open-data/").content.decode()
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">' in page
    assert 'id="publication-policy"' in page
    for path in ("/api/ocds/releases", "/api/ocds/records", "/api/ocds/changes"):
        assert f'href="{path}"' in page
    for table in bulk.TABLES:
        assert f'id="table-{table.name}"' in page
        for column in table.columns:
            assert f"<code>{column.name}</code>" in page
    assert "No files yet" in page  # nothing built: said, not an empty table
    assert page.count("<h1>") == 1


def test_a_configured_publication_policy_is_linked(client: Client, settings: object) -> None:
    settings.PROCURA_PUBLICATION_POLICY_URL = "https://gov.example/open-contracting-policy"  # type: ignore[attr-defined]
    page = client.get("/open-data/").content.decode()
    assert 'href="https://gov.example/open-contracting-policy"' in page


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("releases-2026-01.json.gz", "application/gzip"),
        ("tables-2026.csv.zip", "application/zip"),
        ("awards-2026.parquet", "application/vnd.apache.parquet"),
    ],
)
def test_a_download_is_the_file_with_its_media_type(built: Path, client: Client, name: str, media_type: str) -> None:
    response = client.get(f"/open-data/files/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"] == f'"{BulkFile.objects.get(name=name).sha256}"'
    assert b"".join(response.streaming_content) == (built / name).read_bytes()  # type: ignore[attr-defined]


def test_a_downloaded_month_package_parses_and_is_not_decompressed_by_the_server(built: Path, client: Client) -> None:
    response = client.get("/open-data/files/releases-2026-02.json.gz")
    assert "Content-Encoding" not in response
    package = orjson.loads(gzip.decompress(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert [release["ocid"] for release in package["releases"]] == ["ocds-prcdev-B"]


def test_a_byte_range_is_served_for_analytics_tools(built: Path, client: Client) -> None:
    whole = (built / "awards-2026.parquet").read_bytes()
    response = client.get("/open-data/files/awards-2026.parquet", HTTP_RANGE="bytes=-8")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {len(whole) - 8}-{len(whole) - 1}/{len(whole)}"
    assert b"".join(response.streaming_content) == whole[-8:]  # type: ignore[attr-defined]
    middle = client.get("/open-data/files/awards-2026.parquet", HTTP_RANGE="bytes=4-9")
    assert b"".join(middle.streaming_content) == whole[4:10]  # type: ignore[attr-defined]
    outside = client.get("/open-data/files/awards-2026.parquet", HTTP_RANGE=f"bytes={len(whole)}-")
    assert outside.status_code == 416


@pytest.mark.parametrize("name", ["releases-1999-01.json.gz", "..%2Fsettings.py", "nothing"])
def test_an_unknown_file_is_a_404_page(built: Path, client: Client, name: str) -> None:
    response = client.get(f"/open-data/files/{name}")
    assert response.status_code == 404
    assert b"<h1>" in response.content


def test_a_listed_file_missing_from_disk_is_a_404_page_not_a_500(built: Path, client: Client) -> None:
    (built / "compiled-2026.jsonl.gz").unlink()
    response = client.get("/open-data/files/compiled-2026.jsonl.gz")
    assert response.status_code == 404
    assert b"<h1>" in response.content


def test_only_reading_is_allowed(built: Path, client: Client) -> None:
    assert client.head("/open-data/files/tables-2026.csv.zip").status_code == 200
    assert client.post("/open-data/files/tables-2026.csv.zip").status_code == 405
    assert client.post("/open-data/").status_code == 405
