"""Property tests: procura's merge, its incremental steps and `procura ocds compile` equal `ocdsmerge`."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import warnings
from pathlib import Path
from typing import Any

import ocdsmerge
import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ocdsmerge.exceptions import InconsistentTypeError

from procura.publication import merge
from procura.publication import schema as ocds_schema
from procura.publication.tools import compile as compile_tool
from tests.publication.merge_support import custom_schema, releases

SCHEMAS = {
    "custom": custom_schema(whole_list_extra=False),
    "custom-whole-extra": custom_schema(whole_list_extra=True),
    "patched": ocds_schema.patched_schema(),
}
MERGERS = {name: ocdsmerge.Merger(schema) for name, schema in SCHEMAS.items()}
RULES = {name: merge.MergeRules.from_schema(schema) for name, schema in SCHEMAS.items()}
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(name: str, data: list[dict[str, Any]], *, versioned: bool) -> str | None:
    """ocdsmerge's output as JSON text (key order kept), or None when it refuses the releases."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if versioned:
                return json.dumps(MERGERS[name].create_versioned_release(data))
            return json.dumps(MERGERS[name].create_compiled_release(data))
        except (InconsistentTypeError, TypeError):  # TypeError: an id that is an object or array
            return None


def _ours(name: str, data: list[dict[str, Any]], *, versioned: bool) -> str | None:
    try:
        if versioned:
            return json.dumps(merge.versioned_release(data, RULES[name]))
        return json.dumps(merge.compile_release(data, RULES[name]))
    except merge.MergeError:
        return None


def _sorted_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def test_the_custom_schema_gives_ocdsmerges_rules() -> None:
    for name, _schema in SCHEMAS.items():
        assert RULES[name].paths == MERGERS[name].merge_rules
    assert RULES["custom-whole-extra"].paths[("extra",)] == "wholeListMerge"
    assert ("extra",) not in RULES["custom"].paths


@PROPERTY
@given(data=releases(), name=st.sampled_from(sorted(SCHEMAS)), versioned=st.booleans())
def test_merge_equals_ocdsmerge(data: list[dict[str, Any]], name: str, versioned: bool) -> None:
    # ocdsmerge may reject a sequence (a value then an object at one path): so must procura
    assert _ours(name, data, versioned=versioned) == _reference(name, data, versioned=versioned)


def _fold(ordered: list[dict[str, Any]], rules: merge.MergeRules, *, versioned: bool) -> str | None:
    """Each step in turn, as a record kept current would: rebuild from all releases so far when a
    step says so, and after a refusal (ocdsmerge refuses some prefixes that a later release fixes)."""
    step = merge.version_step if versioned else merge.compile_step
    whole = merge.versioned_release if versioned else merge.compile_release
    result: dict[str, Any] | None = None
    refused = False
    for index, release in enumerate(ordered):
        try:
            if refused:
                raise merge.RebuildRequired("the previous releases were refused")
            result = step(result, release, rules)
        except merge.RebuildRequired:
            try:
                result, refused = whole(ordered[: index + 1], rules), False
            except merge.MergeError:
                refused = True
        except merge.MergeError:
            refused = True
    return None if refused else json.dumps(result)


def _kinds(value: Any, path: tuple[str, ...], seen: dict[tuple[str, ...], set[str]]) -> None:
    if isinstance(value, dict):
        seen.setdefault(path, set()).add("object")
        for key, child in value.items():
            _kinds(child, (*path, key), seen)
    else:
        seen.setdefault(path, set()).add("array" if isinstance(value, list) else "value")


def _a_field_changes_kind(releases: list[dict[str, Any]]) -> bool:
    """Whether a field is a value (null included) in one release and an object in another.

    ocdsmerge's outcome then depends on the order in which it first met each path (an error, or
    the value ignored), and a compiled release does not keep nulls, so a step from it cannot tell:
    records of such data are rebuilt in full by whoever knows the shape changed. Procura's own
    releases never change a field's kind."""
    seen: dict[tuple[str, ...], set[str]] = {}
    for release in releases:
        _kinds(release, (), seen)
    return any("object" in kinds and "value" in kinds for kinds in seen.values())


@PROPERTY
@given(data=releases(), name=st.sampled_from(sorted(SCHEMAS)), versioned=st.booleans())
def test_incremental_fold_equals_the_whole_merge(data: list[dict[str, Any]], name: str, versioned: bool) -> None:
    # given: releases in date order, ties in arrival order, no field changing kind
    ordered = sorted(data, key=lambda release: release["date"])
    assume(not _a_field_changes_kind(ordered))
    expected = _ours(name, ordered, versioned=versioned)
    # when
    folded = _fold(ordered, RULES[name], versioned=versioned)
    # then: JSON-equal (a field nulled and set again may move within its object)
    if expected is None:
        assert folded is None
    else:
        assert folded is not None
        assert _sorted_json(json.loads(folded)) == _sorted_json(json.loads(expected))


def run_compile(argv: list[str]) -> tuple[int, bytes]:
    """`procura ocds compile ARGV` in this process: exit status and standard output."""
    parser = argparse.ArgumentParser(prog="procura ocds compile")
    compile_tool.configure(parser)
    args = parser.parse_args(argv)
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = compile_tool.run(args)
    out.flush()
    return status, raw.getvalue()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compile")
    for name in ("custom", "custom-whole-extra"):
        (path / f"{name}.json").write_bytes(orjson.dumps(SCHEMAS[name]))
    return path


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    groups=st.lists(releases(), min_size=1, max_size=3),
    name=st.sampled_from(["custom", "custom-whole-extra"]),
    versioned=st.booleans(),
    shape=st.sampled_from(["lines", "package", "array"]),
)
def test_cli_equals_ocdsmerge(
    folder: Path, groups: list[list[dict[str, Any]]], name: str, versioned: bool, shape: str
) -> None:
    # given: several ocids whose releases are interleaved
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for number, group in enumerate(groups):
        for release in group:
            release["ocid"] = f"ocds-213czf-{number}"
            by_ocid.setdefault(release["ocid"], []).append(release)
    flat = [release for pair in zip(*groups, strict=False) for release in pair] + [
        release for group in groups for release in group[min(map(len, groups)) :]
    ]
    source = folder / f"input-{shape}.json"
    if shape == "lines":
        source.write_bytes(b"\n".join(orjson.dumps(release) for release in flat))
    elif shape == "package":
        source.write_bytes(json.dumps({"version": "1.1", "releases": flat}, indent=2).encode())
    else:
        source.write_bytes(orjson.dumps(flat))
    expected = [_reference(name, by_ocid[ocid], versioned=versioned) for ocid in sorted(by_ocid)]
    # when
    status, output = run_compile(
        [str(source), "--schema", str(folder / f"{name}.json"), *(["--versioned"] if versioned else [])]
    )
    # then: one line per ocid, ordered by ocid, equal to ocdsmerge key order included; or a clear refusal
    if None in expected:
        assert status == 2
        return
    assert status == 0
    assert output.decode().splitlines() == [
        json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False) for text in expected if text
    ]
