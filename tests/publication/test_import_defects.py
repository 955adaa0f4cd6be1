"""`procura ocds import` on synthetic inputs: every shape it reads and every defect it reports."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from procura.publication.importer import (
    Candidate,
    Entry,
    SkipReason,
    UnusableInput,
    import_entries,
    import_path,
    read_entries,
)
from procura.publication.models import HistoricalProcess, HistoricalRelease
from tests.publication.history_support import run_import

pytestmark = pytest.mark.django_db

OCID = "ocds-test01-0001"


def release(number: int, *, ocid: str = OCID, **fields: Any) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "id": f"{ocid}-r{number}",
        "date": f"2019-03-0{number}T10:00:00Z",
        "tag": ["tender"] if number == 1 else ["tenderUpdate"],
        "initiationType": "tender",
        "buyer": {"id": "B1", "name": "Ciudad de Ejemplo"},
        "tender": {
            "id": "T1",
            "title": f"Road repair, version {number}",
            "description": "Resurfacing of the Camino Real",
            "status": "active",
            "value": {"amount": 1000 * number, "currency": "EUR"},
            "tenderPeriod": {"startDate": "2019-03-01T00:00:00Z", "endDate": "2019-04-01T12:00:00Z"},
        },
        **fields,
    }


def package(*releases: Any, **fields: Any) -> dict[str, Any]:
    return {
        "uri": "https://example.org/p.json",
        "publisher": {"name": "Example Agency"},
        "releases": list(releases),
        "version": "1.1",
        **fields,
    }


def write(tmp_path: Path, name: str, value: Any) -> str:
    target = tmp_path / name
    target.write_bytes(value if isinstance(value, bytes) else orjson.dumps(value))
    return str(target)


def jsonl(*values: Any) -> bytes:
    return b"\n".join(v if isinstance(v, bytes) else orjson.dumps(v) for v in values) + b"\n"


def reasons(path: str) -> list[str]:
    return [skipped.reason for skipped in import_path(path=path).skipped]


# --- Shapes ---------------------------------------------------------------------------------------
def test_a_release_package_is_imported_and_compiled(tmp_path: Path) -> None:
    # given
    path = write(tmp_path, "package.json", package(release(1), release(2)))
    # when
    outcome = import_path(path=path)
    # then
    assert (outcome.imported, outcome.processes_created, outcome.skipped) == (2, 1, [])
    process = HistoricalProcess.objects.get(ocid=OCID)
    assert process.title == "Road repair, version 2"  # the compiled release: the latest value
    assert process.value_amount == 2000
    assert process.currency == "EUR"
    assert process.buyer_name == "Ciudad de Ejemplo"
    assert process.source == "Example Agency"
    assert process.release_count == 2
    assert process.year == 2019
    assert process.tender_end is not None
    assert process.tender_end.isoformat() == "2019-04-01T12:00:00+00:00"
    compiled = orjson.loads(bytes(process.compiled))
    assert compiled["tag"] == ["compiled"]
    assert compiled["id"] == f"{OCID}-2019-03-02T10:00:00Z"
    assert process.search_text == normalised_expected()


def normalised_expected() -> str:
    return f"road repair, version 2 resurfacing of the camino real ciudad de ejemplo {OCID}"


def test_json_lines_an_array_and_a_record_package_are_read(tmp_path: Path) -> None:
    # given
    lines = write(tmp_path, "releases.jsonl", jsonl(release(1, ocid="ocds-test01-a"), release(2, ocid="ocds-test01-a")))
    array = write(tmp_path, "array.json", [release(1, ocid="ocds-test01-b")])
    records = write(
        tmp_path,
        "records.json",
        {
            "records": [
                {
                    "ocid": "ocds-test01-c",
                    "releases": [release(1, ocid="ocds-test01-c")],
                    "compiledRelease": {**release(1, ocid="ocds-test01-c"), "tag": ["compiled"]},
                }
            ]
        },
    )
    # when
    outcomes = [import_path(path=p) for p in (lines, array, records)]
    # then
    assert [o.imported for o in outcomes] == [2, 1, 1]
    assert outcomes[2].publisher_compiled == 1
    assert set(HistoricalProcess.objects.values_list("ocid", flat=True)) == {
        "ocds-test01-a",
        "ocds-test01-b",
        "ocds-test01-c",
    }
    assert HistoricalProcess.objects.get(ocid="ocds-test01-c").compiled_by == "procura"


def test_a_pretty_printed_package_is_not_taken_for_json_lines(tmp_path: Path) -> None:
    # given
    path = write(tmp_path, "pretty.json", orjson.dumps(package(release(1), release(2)), option=orjson.OPT_INDENT_2))
    # when
    outcome = import_path(path=path)
    # then
    assert (outcome.imported, outcome.skipped, outcome.error) == (2, [], "")


def test_json_lines_are_read_one_line_at_a_time() -> None:
    # given: a stream whose third line would fail if it were ever parsed before the second is used
    stream = io.BytesIO(jsonl(release(1), release(2), b"{not json"))
    # when
    entries = read_entries(stream)
    first = next(entries)
    # then
    assert isinstance(first, Candidate)
    assert first.location == "line 1"
    assert stream.tell() < len(stream.getvalue())  # the rest is not read yet


# --- Defects --------------------------------------------------------------------------------------
def test_each_defective_release_is_skipped_with_its_reason_and_the_rest_kept(tmp_path: Path) -> None:
    # given
    good = release(1)
    no_ocid = {k: v for k, v in release(2).items() if k != "ocid"}
    no_id = {k: v for k, v in release(3).items() if k != "id"}
    no_date = {k: v for k, v in release(4).items() if k != "date"}
    bad_date = release(5, date="05/03/2019")
    naive_date = release(6, date="2019-03-06T10:00:00")
    linked = {"url": "https://example.org/r7.json", "date": "2019-03-07T00:00:00Z", "tag": ["award"]}
    too_long = release(8, id="x" * 300)
    path = write(
        tmp_path,
        "defects.json",
        package(good, no_ocid, no_id, no_date, bad_date, naive_date, "a string", linked, too_long),
    )
    # when
    outcome = import_path(path=path)
    # then
    assert outcome.imported == 1
    assert [(s.location, s.reason) for s in outcome.skipped] == [
        ("releases[1]", SkipReason.NO_OCID),
        ("releases[2]", SkipReason.NO_ID),
        ("releases[3]", SkipReason.NO_DATE),
        ("releases[4]", SkipReason.INVALID_DATE),
        ("releases[5]", SkipReason.INVALID_DATE),
        ("releases[6]", SkipReason.NOT_OBJECT),
        ("releases[7]", SkipReason.LINKED_RELEASE),
        ("releases[8]", SkipReason.TOO_LONG),
    ]
    assert list(HistoricalRelease.objects.values_list("release_id", flat=True)) == [good["id"]]


def test_bad_json_lines_are_skipped_and_the_others_kept(tmp_path: Path) -> None:
    # given
    path = write(tmp_path, "lines.jsonl", jsonl(release(1), b'{"ocid": "broken', b"[1, 2", release(2)))
    # when
    outcome = import_path(path=path)
    # then
    assert outcome.imported == 2
    assert [(s.location, s.reason) for s in outcome.skipped] == [
        ("line 2", SkipReason.BAD_JSON_LINE),
        ("line 3", SkipReason.BAD_JSON_LINE),
    ]


def test_a_different_release_under_an_id_already_held_is_refused(tmp_path: Path) -> None:
    # given
    import_path(path=write(tmp_path, "first.json", package(release(1))))
    changed = release(1)
    changed["tender"]["title"] = "Something else"
    # when
    outcome = import_path(path=write(tmp_path, "second.json", package(changed, changed)))
    # then
    assert outcome.imported == 0
    assert [s.reason for s in outcome.skipped] == [SkipReason.CONFLICTING_DUPLICATE] * 2
    assert HistoricalProcess.objects.get(ocid=OCID).title == "Road repair, version 1"


def test_a_conflict_inside_one_file_keeps_the_first_copy(tmp_path: Path) -> None:
    # given
    changed = release(1)
    changed["tender"]["title"] = "Something else"
    # when
    reasons_found = reasons(write(tmp_path, "both.json", package(release(1), changed, release(1))))
    # then
    assert reasons_found == [SkipReason.CONFLICTING_DUPLICATE]
    assert HistoricalRelease.objects.count() == 1
    assert HistoricalProcess.objects.get(ocid=OCID).title == "Road repair, version 1"


def test_the_same_release_again_is_already_present_and_changes_nothing(tmp_path: Path) -> None:
    # given
    path = write(tmp_path, "package.json", package(release(1), release(2)))
    import_path(path=path)
    before = HistoricalProcess.objects.get(ocid=OCID)
    # when: the same releases, keys in another order, in JSON lines
    reordered = [dict(reversed(list(r.items()))) for r in (release(2), release(1))]
    outcome = import_path(path=write(tmp_path, "again.jsonl", jsonl(*reordered)))
    # then
    assert (outcome.imported, outcome.already_present, outcome.skipped) == (0, 2, [])
    assert (outcome.processes_created, outcome.processes_updated) == (0, 0)
    after = HistoricalProcess.objects.get(ocid=OCID)
    assert (after.updated_at, bytes(after.compiled)) == (before.updated_at, bytes(before.compiled))
    assert HistoricalRelease.objects.count() == 2


def test_a_later_release_recompiles_the_process(tmp_path: Path) -> None:
    # given
    import_path(path=write(tmp_path, "first.json", package(release(1))))
    # when
    outcome = import_path(path=write(tmp_path, "second.json", package(release(2))))
    # then
    assert (outcome.imported, outcome.processes_updated) == (1, 1)
    process = HistoricalProcess.objects.get(ocid=OCID)
    assert (process.release_count, process.title) == (2, "Road repair, version 2")


def test_a_record_of_linked_releases_gives_the_publishers_compiled_release_until_releases_come(
    tmp_path: Path,
) -> None:
    # given
    compiled = {**release(2), "id": f"{OCID}-compiled", "tag": ["tenderUpdate", "compiled"]}
    record = {
        "ocid": OCID,
        "releases": [{"url": "https://example.org/1.json", "date": "2019-03-01T10:00:00Z"}],
        "compiledRelease": compiled,
    }
    # when
    first = import_path(path=write(tmp_path, "record.json", {"records": [record]}))
    # then
    assert (first.imported, first.publisher_compiled, first.processes_created) == (0, 1, 1)
    assert [s.reason for s in first.skipped] == [SkipReason.LINKED_RELEASE]
    process = HistoricalProcess.objects.get(ocid=OCID)
    assert (process.compiled_by, process.release_count, process.title) == ("publisher", 0, "Road repair, version 2")
    # when its release arrives
    import_path(path=write(tmp_path, "release.json", package(release(1))))
    # then
    process.refresh_from_db()
    assert (process.compiled_by, process.release_count, process.title) == ("procura", 1, "Road repair, version 1")


def test_a_record_with_no_ocid_anywhere_is_skipped(tmp_path: Path) -> None:
    # given
    record = {"releases": [{"url": "https://example.org/1.json"}], "compiledRelease": {"tag": ["compiled"]}}
    # when / then
    assert reasons(write(tmp_path, "record.json", {"records": [record, "x"]})) == [
        SkipReason.RECORD_WITHOUT_OCID,
        SkipReason.NOT_OBJECT,
    ]
    assert HistoricalProcess.objects.count() == 0


def test_values_in_odd_shapes_are_read_or_left_empty(tmp_path: Path) -> None:
    # given
    odd = release(1)
    odd["tender"]["value"] = {"amount": "1234.567", "currency": "xts"}
    odd["tender"]["title"] = {"en": "not a string"}
    odd["awards"] = [{"id": "A1", "title": "Award title"}]
    odd["id"] = 42  # a number: some publishers do this
    # when
    outcome = import_path(path=write(tmp_path, "odd.json", package(odd)))
    # then
    assert outcome.imported == 1
    process = HistoricalProcess.objects.get(ocid=OCID)
    assert (str(process.value_amount), process.currency, process.title) == ("1234.57", "XTS", "Award title")
    assert HistoricalRelease.objects.get().release_id == "42"


# --- Failed files -------------------------------------------------------------------------------
def test_nothing_of_a_file_that_fails_half_way_is_written() -> None:
    # given: entries that end with the file becoming unreadable
    def entries() -> Iterator[Entry]:
        yield Candidate("releases[0]", release(1), "")
        yield Candidate("releases[1]", release(1, ocid="ocds-test01-other"), "")
        raise UnusableInput("cannot read the file: Input/output error")

    # when
    outcome = import_entries(name="broken.json", entries=entries())
    # then
    assert outcome.failed
    assert outcome.error == "cannot read the file: Input/output error"
    assert HistoricalRelease.objects.count() == HistoricalProcess.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "the file is empty"),
        (b'{\n  "releases": [', "not JSON"),
        (b'{"releases": {"a": 1}}', "releases is not an array"),
        (b'{"records": 3}', "records is not an array"),
    ],
)
def test_unusable_files_are_reported_and_write_nothing(tmp_path: Path, content: bytes, error: str) -> None:
    # when
    outcome = import_path(path=write(tmp_path, "bad.json", content))
    # then
    assert outcome.failed
    assert error in outcome.error
    assert HistoricalRelease.objects.count() == 0


def test_a_missing_file_is_reported() -> None:
    # when
    outcome = import_path(path="/nonexistent/file.json")
    # then
    assert outcome.error == "cannot read the file: No such file or directory"


# --- The tool's exit status ---------------------------------------------------------------------------
def test_exit_0_when_something_was_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(write(tmp_path, "p.json", package(release(1), {"id": "x"}))) == 0
    out = capsys.readouterr().out
    assert "p.json: releases[1]: skipped: release without ocid" in out
    assert "releases imported: 1" in out


def test_exit_1_when_every_item_was_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(write(tmp_path, "p.json", package({"id": "x"}, "y"))) == 1
    assert "skipped: 2" in capsys.readouterr().out


def test_exit_2_for_an_unusable_file_while_the_others_are_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    good = write(tmp_path, "good.json", package(release(1)))
    bad = write(tmp_path, "bad.json", b"not json at all")
    # when
    status = run_import(bad, good)
    # then
    assert status == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"procura: error: {bad}: not JSON")
    assert "Traceback" not in captured.err
    assert "files read: 1, unusable: 1" in captured.out
    assert HistoricalRelease.objects.count() == 1


def test_source_labels_the_import(tmp_path: Path) -> None:
    # when
    run_import("--quiet", "--source", "Old portal (2010-2019)", write(tmp_path, "p.json", package(release(1))))
    # then
    assert HistoricalProcess.objects.get().source == "Old portal (2010-2019)"
    assert HistoricalRelease.objects.get().source == "Old portal (2010-2019)"


def test_help_documents_the_exit_statuses() -> None:
    # given
    import argparse

    from procura.publication.tools import import_

    parser = argparse.ArgumentParser(prog="procura ocds import")
    import_.configure(parser)
    # when
    text = parser.format_help()
    # then
    assert "Exit status: 0 when something was imported" in text
    assert "1 when the\nfiles were read but nothing could be imported" in text
    assert "2 when a\nfile could not be read" in text
