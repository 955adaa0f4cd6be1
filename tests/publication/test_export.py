"""`procura ocds export DIR`: the whole dataset in one folder, and clear refusals."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from procura.cli import main
from procura.publication import bulk, schema
from procura.publication.models import Record, Release
from procura.publication.validate import validate_package
from procura.tenders import services as tenders
from tests.conftest import World
from tests.publication.bulk_support import PREFIX, store
from tests.tenders.support import published

pytestmark = pytest.mark.django_db

EXPECTED_FILES = (
    {"releases.json", "records.json", "compiled.jsonl.gz"}
    | {f"csv/{name}.csv" for name in bulk.TABLE_NAMES}
    | {f"parquet/{name}.parquet" for name in bulk.TABLE_NAMES}
)


def files_in(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def load(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def sample() -> None:
    store("B", "2026-01-20T09:30:00Z")
    store("A", "2025-12-10T10:00:00Z", tag="planning")
    store("A", "2026-01-05T10:00:00Z", awards=[{"id": "1", "status": "active"}])


def test_export_writes_every_file_with_exactly_the_stored_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    sample()
    target = tmp_path / "dataset"
    # when
    status = main(["ocds", "export", str(target)])
    # then
    assert status == 0
    assert files_in(target) == EXPECTED_FILES
    assert "exported 3 releases and 2 records" in capsys.readouterr().out

    releases = load(target / "releases.json")
    stored = [orjson.loads(bytes(b)) for b in Release.objects.order_by("date", "seq").values_list("body", flat=True)]
    assert releases["releases"] == stored
    assert [r["date"] for r in releases["releases"]] == sorted(r["date"] for r in stored)
    assert releases["version"] == "1.1"
    assert releases["extensions"] == schema.extension_urls()

    records = load(target / "records.json")["records"]
    assert [record["ocid"] for record in records] == [PREFIX + "A", PREFIX + "B"]
    assert records[0]["compiledRelease"] == orjson.loads(bytes(Record.objects.get(ocid=PREFIX + "A").compiled))
    assert [(linked["date"], linked["tag"]) for linked in records[0]["releases"]] == [
        ("2025-12-10T10:00:00Z", ["planning"]),
        ("2026-01-05T10:00:00Z", ["tender"]),
    ]
    assert f"/api/ocds/releases/{PREFIX}A-1" in records[0]["releases"][0]["url"]

    with gzip.open(target / "compiled.jsonl.gz", "rb") as handle:
        compiled = [orjson.loads(line) for line in handle]
    assert compiled == [record["compiledRelease"] for record in records]

    with (target / "csv" / "awards.csv").open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == bulk.TABLES_BY_NAME["awards"].header
    assert [(row[0], row[1], row[4]) for row in rows] == [(PREFIX + "A", "1", "active")]
    for name in bulk.TABLE_NAMES:
        with (target / "csv" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            csv_rows = sum(1 for _ in csv.reader(handle)) - 1
        assert pq.read_table(target / "parquet" / f"{name}.parquet").num_rows == csv_rows, name
    assert pq.read_table(target / "parquet" / "processes.parquet").column("ocid").to_pylist() == [
        PREFIX + "A",
        PREFIX + "B",
    ]


def test_an_empty_platform_exports_empty_but_valid_packages(tmp_path: Path) -> None:
    assert main(["ocds", "export", "--quiet", str(tmp_path / "out")]) == 0
    assert load(tmp_path / "out" / "releases.json")["releases"] == []
    assert load(tmp_path / "out" / "records.json")["records"] == []
    assert pq.read_table(tmp_path / "out" / "parquet" / "bids.parquet").num_rows == 0


def test_a_folder_that_is_not_empty_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    store("A", "2026-01-05T10:00:00Z")
    (tmp_path / "notes.txt").write_text("keep me")
    # when
    status = main(["ocds", "export", str(tmp_path)])
    # then
    assert status == 2
    error = capsys.readouterr().err
    assert error.startswith("procura: error: ")
    assert "not empty" in error
    assert "--force" in error
    assert files_in(tmp_path) == {"notes.txt"}
    # and with --force the export is written beside what was there
    assert main(["ocds", "export", "--force", "--quiet", str(tmp_path)]) == 0
    assert files_in(tmp_path) == EXPECTED_FILES | {"notes.txt"}
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.write_text("")
    assert main(["ocds", "export", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_a_folder_that_cannot_be_created_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["ocds", "export", str(blocker / "inside")]) == 2
    error = capsys.readouterr().err
    assert "cannot be created" in error
    assert "Traceback" not in error


@pytest.mark.usefixtures("classified", "media")
def test_the_export_of_published_tenders_is_valid_ocds(world: World, tmp_path: Path) -> None:
    # given: real releases from the tender services
    tender = published(world.officer, world.buyer)
    tenders.tender_cancel(actor=world.officer, tender=tender, reason="No longer needed")
    # when
    assert main(["ocds", "export", "--quiet", str(tmp_path / "out")]) == 0
    # then
    for name in ("releases.json", "records.json"):
        report = validate_package(load(tmp_path / "out" / name), source=name)
        assert report.problems == [], name
    assert len(load(tmp_path / "out" / "releases.json")["releases"]) == 2
