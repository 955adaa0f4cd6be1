"""`procura ocds validate`: exit statuses, messages and the input forms it reads."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from procura.cli import main
from tests.publication.test_validate import UNKNOWN_EXTENSION, package, release


def _write(path: Path, data: object) -> Path:
    path.write_bytes(orjson.dumps(data))
    return path


def test_valid_package_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _write(tmp_path / "ok.json", package([release(1), release(2)]))
    assert main(["ocds", "validate", str(file)]) == 0
    assert capsys.readouterr().out == f"{file}: valid (2 releases)\n"


def test_invalid_package_exits_1_naming_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _write(tmp_path / "bad.json", package([release(1, tender__status="bogus", date="yesterday"), release(1)]))
    assert main(["ocds", "validate", str(file)]) == 1
    lines = capsys.readouterr().out.splitlines()
    ids = "ocds-abc123-0001, ocds-abc123-0001-tender-1"
    assert f"{file}: releases: Non-unique combination of ocid, id values: {ids} [schema: uniqueItems]" in lines
    assert f'{file}: releases/0/date: "yesterday" is not a valid date-time [schema: date-time]' in lines
    codelist = "tenderStatus.csv"
    assert (
        f"{file}: releases/0/tender/status: 'bogus' is not in the closed codelist {codelist} [codelist: {codelist}]"
        in lines
    )
    assert lines[-1] == f"{file}: invalid: 3 problems (1 codelist, 2 schema) (2 releases)"


def test_json_lines_of_releases_and_packages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "data.jsonl"
    lines = [release(1), release(2, ocid="x-1"), package([release(3, tender__id=None)])]
    file.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n\n")
    assert main(["ocds", "validate", "--quiet", str(file)]) == 1
    assert capsys.readouterr().out == f"{file}: invalid: 2 problems (1 conformance, 1 schema) (3 releases)\n"
    assert main(["ocds", "validate", str(file)]) == 1
    out = capsys.readouterr().out
    assert f"{file}: line 2: ocid: ocid 'x-1'" in out
    assert f"{file}: line 3: releases/0/tender/id: null is not a string [schema: string]" in out


def test_record_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = package([])
    del data["releases"]
    data["records"] = [{"ocid": "ocds-abc123-0001", "releases": [release(1)], "compiledRelease": release(1)}]
    file = _write(tmp_path / "records.json", data)
    assert main(["ocds", "validate", str(file)]) == 0
    assert capsys.readouterr().out == f"{file}: valid (1 release in 1 record)\n"


def test_unknown_extension_is_reported_but_not_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = package([release()])
    data["extensions"].append(UNKNOWN_EXTENSION)
    file = _write(tmp_path / "ext.json", data)
    assert main(["ocds", "validate", str(file)]) == 0
    out = capsys.readouterr().out
    assert f"extension {UNKNOWN_EXTENSION} is not available offline" in out
    assert "[warning: unavailable]" in out


def test_several_files_exit_with_the_worst_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path / "good.json", package([release()]))
    bad = _write(tmp_path / "bad.json", package([release(tender__status="x")]))
    assert main(["ocds", "validate", "--quiet", str(good), str(bad)]) == 1
    assert main(["ocds", "validate", "--quiet", str(good), str(tmp_path / "missing.json")]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.json: no such file"),
        (b"", "input.json: is empty"),
        (b"{not json", "input.json: is not JSON: "),
        (b'{"a": 1}\n{broken\n', "input.json: line 2 is not JSON: "),
        (b"42", "input.json: the file holds a JSON int, not an OCDS package or release"),
        (b"\xff\xfe{}", "input.json: is not JSON: "),
    ],
)
def test_unusable_input_exits_2_naming_file_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    file = tmp_path / ("missing.json" if content is None else "input.json")
    if content is not None:
        file.write_bytes(content)
    assert main(["ocds", "validate", str(file)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"procura: error: {tmp_path}/{message}")
    assert "Traceback" not in captured.err


def test_directory_and_unknown_extension_option_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ocds", "validate", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"procura: error: {tmp_path}: is a directory, not a file\n"
    file = _write(tmp_path / "ok.json", release())
    assert main(["ocds", "validate", "--extension", "nope", str(file)]) == 2
    assert "procura: error: unknown extension nope" in capsys.readouterr().err


def test_extension_option_applies_to_bare_releases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _write(tmp_path / "release.json", release(tender__lots=[{"id": "L1", "status": "zzz"}]))
    assert main(["ocds", "validate", "--quiet", str(file)]) == 0
    assert main(["ocds", "validate", "--quiet", "--extension", "lots", str(file)]) == 1
