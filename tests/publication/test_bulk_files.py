"""Bulk files: what each holds, and the job rebuilding only the periods that changed."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from procura.core import clock
from procura.publication import bulk, schema
from procura.publication.models import BulkFile, Record, Release
from procura.publication.tasks import refresh_bulk_files
from tests.publication.bulk_support import PREFIX, bulk_dir, store

__all__ = ["bulk_dir"]
pytestmark = pytest.mark.django_db

YEAR_FILES_2026 = {"compiled-2026.jsonl.gz", "tables-2026.csv.zip"} | {f"{t}-2026.parquet" for t in bulk.TABLE_NAMES}


def month_bodies(month: str) -> list[dict[str, Any]]:
    start = dt.datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
    end = bulk._month_end(start)
    rows = Release.objects.filter(date__gte=start, date__lt=end).order_by("date", "seq").values_list("body", flat=True)
    return [orjson.loads(bytes(body)) for body in rows]


def read_package(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rb") as handle:
        package: dict[str, Any] = orjson.loads(handle.read())
    return package


def generated(name: str) -> dt.datetime:
    return BulkFile.objects.get(name=name).generated_at


def three_months() -> None:
    """Process A: December 2025 and January 2026; B: January; C: February."""
    store("A", "2025-12-10T10:00:00Z", tag="planning")
    store("A", "2026-01-05T10:00:00Z")
    store("B", "2026-01-20T09:30:00Z")
    store(
        "C", "2026-02-02T08:00:00Z", awards=[{"id": "1", "status": "active", "value": {"amount": 5, "currency": "GBP"}}]
    )


def test_a_first_refresh_builds_every_month_and_year(bulk_dir: Path) -> None:
    # given
    three_months()
    # when
    result = bulk.bulk_refresh()
    # then
    months = {"releases-2025-12.json.gz", "releases-2026-01.json.gz", "releases-2026-02.json.gz"}
    assert set(result.built) == months | YEAR_FILES_2026
    assert {path.name for path in bulk_dir.iterdir()} == months | YEAR_FILES_2026  # no temporary files left
    for bulk_file in BulkFile.objects.all():
        path = bulk_dir / bulk_file.name
        assert bulk_file.size == path.stat().st_size
        assert bulk_file.sha256 == bulk.digest(path)
    january = BulkFile.objects.get(name="releases-2026-01.json.gz")
    assert (january.kind, january.period, january.release_count) == ("releases", "2026-01", 2)
    assert january.last_seq == Release.objects.get(ocid=PREFIX + "B").seq
    compiled = BulkFile.objects.get(name="compiled-2026.jsonl.gz")
    assert (compiled.row_count, compiled.release_count) == (3, 4)  # A (2 releases), B and C
    assert BulkFile.objects.get(name="awards-2026.parquet").row_count == 1


def test_a_month_package_holds_exactly_the_months_stored_releases(bulk_dir: Path) -> None:
    three_months()
    bulk.bulk_refresh()
    for month in ("2025-12", "2026-01", "2026-02"):
        package = read_package(bulk_dir / f"releases-{month}.json.gz")
        assert package["releases"] == month_bodies(month)
        assert package["version"] == "1.1"
        assert package["extensions"] == schema.extension_urls()
        assert package["uri"].endswith(f"/open-data/files/releases-{month}.json.gz")
        assert package["license"]
        assert package["publisher"]["name"]
    assert [r["ocid"] for r in read_package(bulk_dir / "releases-2026-01.json.gz")["releases"]] == [
        PREFIX + "A",
        PREFIX + "B",
    ]


def test_the_compiled_file_holds_the_years_compiled_releases(bulk_dir: Path) -> None:
    three_months()
    bulk.bulk_refresh()
    with gzip.open(bulk_dir / "compiled-2026.jsonl.gz", "rb") as handle:
        lines = [orjson.loads(line) for line in handle]
    expected = [orjson.loads(bytes(r.compiled)) for r in Record.objects.order_by("ocid")]
    assert lines == expected
    assert [line["ocid"] for line in lines] == [PREFIX + "A", PREFIX + "B", PREFIX + "C"]


def test_parquet_tables_hold_the_same_rows_as_the_csv_tables_with_types(bulk_dir: Path) -> None:
    # given
    three_months()
    tender = {
        "id": "B",
        "title": "Tender B",
        "status": "active",
        "value": {"amount": 1500.5, "currency": "EUR"},
        "tenderPeriod": {"endDate": "2026-02-25T12:00:00Z"},
    }
    store("B", "2026-01-25T09:30:00Z", tender=tender)
    # when
    bulk.bulk_refresh()
    # then
    with zipfile.ZipFile(bulk_dir / "tables-2026.csv.zip") as archive:
        assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in bulk.TABLE_NAMES)
        csv_tables = {
            name: list(csv.reader(io.TextIOWrapper(archive.open(f"{name}.csv"), encoding="utf-8")))
            for name in bulk.TABLE_NAMES
        }
    for table in bulk.TABLES:
        parquet = pq.read_table(bulk_dir / f"{table.name}-2026.parquet")
        assert parquet.schema == bulk.arrow_schema(table)
        header, *rows = csv_tables[table.name]
        assert header == table.header
        as_text = [[bulk.csv_cell(cell) for cell in row.values()] for row in parquet.to_pylist()]
        assert as_text == rows, table.name
    processes = pq.read_table(bulk_dir / "processes-2026.parquet")
    assert processes.schema.field("value_amount").type == pa.float64()
    assert processes.schema.field("tender_end").type == pa.timestamp("us", tz="UTC")
    assert processes.schema.field("number_of_tenderers").type == pa.int64()
    row_b = next(row for row in processes.to_pylist() if row["ocid"] == PREFIX + "B")
    assert row_b["value_amount"] == 1500.5
    assert row_b["value_currency"] == "EUR"
    assert row_b["tender_end"] == dt.datetime(2026, 2, 25, 12, tzinfo=dt.UTC)
    csv_b = dict(
        zip(csv_tables["processes"][0], next(r for r in csv_tables["processes"] if r[0] == PREFIX + "B"), strict=True)
    )
    assert (csv_b["value_amount"], csv_b["tender_end"], csv_b["title"]) == (
        "1500.5",
        "2026-02-25T12:00:00Z",
        "Tender B",
    )


def test_the_job_rebuilds_only_the_periods_that_changed(bulk_dir: Path) -> None:
    # given: files built on 1 March
    three_months()
    with clock.frozen(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)):
        bulk.bulk_refresh()
    before = {f.name: (f.generated_at, (bulk_dir / f.name).stat().st_mtime_ns) for f in BulkFile.objects.all()}
    # when: a new February release, and a refresh on 2 March
    store("D", "2026-02-15T12:00:00Z")
    with clock.frozen(dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)):
        result = refresh_bulk_files.call_local()
    # then: February and the 2026 files are rebuilt, December and January are untouched
    assert set(result) == {"releases-2026-02.json.gz"} | YEAR_FILES_2026
    march_2 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    for name, (generated_at, mtime) in before.items():
        bulk_file = BulkFile.objects.get(name=name)
        if name in result:
            assert bulk_file.generated_at == march_2, name
        else:
            assert bulk_file.generated_at == generated_at, name
            assert (bulk_dir / name).stat().st_mtime_ns == mtime, name
    assert [r["ocid"] for r in read_package(bulk_dir / "releases-2026-02.json.gz")["releases"]] == [
        PREFIX + "C",
        PREFIX + "D",
    ]
    # and a refresh with nothing new rebuilds nothing
    assert bulk.bulk_refresh().built == []


def test_an_update_to_an_existing_process_rebuilds_its_year_even_when_no_count_changes(bulk_dir: Path) -> None:
    # given: two processes of 2026, files built
    store("A", "2026-01-05T10:00:00Z")
    store("B", "2026-01-06T10:00:00Z")
    bulk.bulk_refresh()
    # when: A gets a new release in the same month (same record count in 2026)
    store("A", "2026-01-07T10:00:00Z", tender={"id": "A", "title": "Renamed", "status": "active"})
    result = bulk.bulk_refresh()
    # then
    assert "compiled-2026.jsonl.gz" in result.built
    with gzip.open(bulk_dir / "compiled-2026.jsonl.gz", "rb") as handle:
        titles = {line["ocid"]: line["tender"]["title"] for line in map(orjson.loads, handle)}
    assert titles == {PREFIX + "A": "Renamed", PREFIX + "B": "Tender B"}


def test_a_process_moving_to_a_later_year_leaves_the_earlier_years_files(bulk_dir: Path) -> None:
    # given: one process, last changed in 2025
    store("A", "2025-12-10T10:00:00Z")
    bulk.bulk_refresh()
    assert (bulk_dir / "compiled-2025.jsonl.gz").is_file()
    # when: it changes in 2026
    store("A", "2026-01-05T10:00:00Z")
    result = bulk.bulk_refresh()
    # then: the 2025 year files are gone (the December release package stays)
    assert "compiled-2025.jsonl.gz" in result.removed
    assert not (bulk_dir / "compiled-2025.jsonl.gz").exists()
    assert not BulkFile.objects.filter(period="2025").exists()
    assert BulkFile.objects.filter(name="releases-2025-12.json.gz").exists()
    assert (bulk_dir / "compiled-2026.jsonl.gz").is_file()


def test_a_failed_build_leaves_the_previous_file_whole_and_no_partial_file(
    bulk_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    store("A", "2026-01-05T10:00:00Z")
    bulk.bulk_refresh()
    old = (bulk_dir / "compiled-2026.jsonl.gz").read_bytes()
    store("B", "2026-01-06T10:00:00Z")

    def broken(release: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bulk, "flatten", broken)
    # when
    with pytest.raises(RuntimeError):
        bulk.bulk_refresh()
    # then
    assert (bulk_dir / "compiled-2026.jsonl.gz").read_bytes() == old
    assert not [path for path in bulk_dir.iterdir() if path.name.startswith(".")]


def test_a_missing_file_is_rebuilt_even_when_its_period_did_not_change(bulk_dir: Path) -> None:
    store("A", "2026-01-05T10:00:00Z")
    bulk.bulk_refresh()
    (bulk_dir / "releases-2026-01.json.gz").unlink()
    assert bulk.bulk_refresh().built == ["releases-2026-01.json.gz"]
    assert (bulk_dir / "releases-2026-01.json.gz").is_file()


def test_nothing_published_builds_nothing(bulk_dir: Path) -> None:
    result = bulk.bulk_refresh()
    assert (result.built, result.removed) == ([], [])
    assert not BulkFile.objects.exists()
