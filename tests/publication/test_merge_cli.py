"""`procura ocds compile`: inputs ocdskit accepts, record packages, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from procura.publication import schema as ocds_schema
from tests.publication.test_merge_properties import run_compile

EXAMPLES = ocds_schema.ocds_dir() / "examples" / "merging"
INPUTS = (
    "merge-tender-1.json",
    "merge-tender-2.json",
    "merge-tender-3.json",
    "merge-award-1.json",
    "merge-award-2.json",
)


def test_concatenated_pretty_packages_compile_to_the_standards_record(tmp_path: Path) -> None:
    # given: the five example packages, pretty-printed, one after the other
    source = tmp_path / "in.json"
    source.write_bytes(b"\n".join((EXAMPLES / name).read_bytes() for name in INPUTS))
    expected = json.loads((EXAMPLES / "versioned.json").read_text())["records"][0]
    # when
    status, output = run_compile([str(source)])
    versioned_status, versioned_output = run_compile([str(source), "--versioned"])
    # then
    assert status == 0
    assert versioned_status == 0
    assert orjson.loads(output) == expected["compiledRelease"]
    assert orjson.loads(versioned_output) == expected["versionedRelease"]


def test_package_holds_records_with_linked_releases_and_metadata(tmp_path: Path) -> None:
    # given
    source = tmp_path / "in.json"
    source.write_bytes(b"\n".join((EXAMPLES / name).read_bytes() for name in INPUTS))
    # when
    status, output = run_compile(
        [str(source), "--package", "--versioned", "--linked-releases", "--publisher-name", "P", "--fake"]
    )
    # then
    package = orjson.loads(output)
    assert status == 0
    assert package["uri"] == "placeholder:"
    assert package["publisher"] == {"name": "P"}
    assert package["version"] == "1.1"
    assert package["packages"][0] == json.loads((EXAMPLES / INPUTS[0]).read_text())["uri"]
    (record,) = package["records"]
    assert set(record) == {"ocid", "releases", "compiledRelease", "versionedRelease"}
    assert len(record["releases"]) == 5
    assert set(record["releases"][0]) == {"url", "date", "tag"}


def test_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    import contextlib
    import io

    from procura.publication.tools import compile as compile_tool

    source = tmp_path / "bad.json"
    source.write_bytes(b'{"ocid": "a", "date": "1"}\n{"ocid": "b",\n "date": }\n')
    no_ocid = tmp_path / "no-ocid.json"
    no_ocid.write_bytes(b'{"releases": [{"date": "1"}]}')
    for argv, message in (
        ([str(source)], f"procura: error: {source}: invalid JSON at line 3 column 10"),
        ([str(tmp_path / "missing.json")], f"procura: error: cannot read {tmp_path / 'missing.json'}: No such file"),
        ([str(no_ocid)], f"procura: error: {no_ocid}: item 1: a release has no ocid"),
        ([str(no_ocid), "--schema", str(tmp_path / "nope.json")], "procura: error: cannot read schema"),
    ):
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):
            status = compile_tool.main(argv)
        assert status == 2
        assert errors.getvalue().startswith(message), errors.getvalue()
