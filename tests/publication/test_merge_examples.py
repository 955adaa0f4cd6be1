"""The standard's worked merging examples: procura's merge gives their compiled and versioned releases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from procura.publication import merge
from procura.publication import schema as ocds_schema

EXAMPLES = ocds_schema.ocds_dir() / "examples" / "merging"
MERGE_INPUTS = (
    "merge-tender-1.json",
    "merge-tender-2.json",
    "merge-tender-3.json",
    "merge-award-1.json",
    "merge-award-2.json",
)
# Each record file embeds its input releases; merged*.json and versioned.json link to the merge-*.json packages.
CASES = {
    "example02-field-record.json": None,
    "example02-object-record.json": None,
    "example03-record.json": None,
    "merged.json": MERGE_INPUTS,
    "merged-tender.json": MERGE_INPUTS,
    "versioned.json": MERGE_INPUTS,
}


def _load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _case(name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    record = _load(name)["records"][0]
    inputs = CASES[name]
    releases = record["releases"] if inputs is None else [r for f in inputs for r in _load(f)["releases"]]
    return releases, record


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rules", ["core", "default"])
def test_example_compiles_to_the_expected_record(name: str, rules: str) -> None:
    # given
    releases, record = _case(name)
    merge_rules = merge.MergeRules.from_schema(ocds_schema.core_schema()) if rules == "core" else merge.default_rules()
    # when
    compiled = merge.compile_release(releases, merge_rules)
    versioned = merge.versioned_release(releases, merge_rules)
    # then: equal, key order included
    assert json.dumps(compiled) == json.dumps(record["compiledRelease"])
    if "versionedRelease" in record:
        assert json.dumps(versioned) == json.dumps(record["versionedRelease"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_incremental_fold_equals_the_expected_record(name: str) -> None:
    # given
    releases, record = _case(name)
    compiled: dict[str, Any] | None = None
    versioned: dict[str, Any] | None = None
    # when
    for release in sorted(releases, key=lambda r: r["date"]):
        compiled = merge.compile_step(compiled, release)
        versioned = merge.version_step(versioned, release)
    # then
    assert compiled == record["compiledRelease"]
    if "versionedRelease" in record:
        assert versioned == record["versionedRelease"]


def test_a_step_never_mutates_its_inputs() -> None:
    releases, _ = _case("versioned.json")
    ordered = sorted(releases, key=lambda r: r["date"])
    compiled = merge.compile_release(ordered[:3])
    versioned = merge.versioned_release(ordered[:3])
    before = json.dumps([compiled, versioned, ordered[3]])
    merge.compile_step(compiled, ordered[3])
    merge.version_step(versioned, ordered[3])
    assert json.dumps([compiled, versioned, ordered[3]]) == before


def test_an_older_release_asks_for_a_rebuild() -> None:
    releases, _ = _case("versioned.json")
    ordered = sorted(releases, key=lambda r: r["date"])
    compiled = merge.compile_release(ordered[1:])
    assert merge.needs_rebuild(compiled, ordered[0])
    assert not merge.needs_rebuild(merge.compile_release(ordered[:-1]), ordered[-1])
    with pytest.raises(merge.RebuildRequired, match="older than the latest"):
        merge.compile_step(compiled, ordered[0])


def test_rules_equal_ocdsmerge_rules_for_the_core_schema() -> None:
    from ocdsmerge.rules import get_merge_rules

    assert merge.MergeRules.from_schema(ocds_schema.core_schema()).paths == get_merge_rules(ocds_schema.core_schema())


def test_default_rules_cover_the_declared_extensions() -> None:
    # given: the rules ocdsmerge derives from the same schema
    from ocdsmerge.rules import get_merge_rules

    # when
    paths = merge.default_rules().paths
    # then
    assert paths == get_merge_rules(ocds_schema.patched_schema())
    assert paths[("awards", "relatedLots")] == "wholeListMerge"
    assert paths[("bids", "details", "tenderers", "additionalIdentifiers")] == "wholeListMerge"


def test_releases_without_dates_cannot_be_sorted() -> None:
    with pytest.raises(merge.MergeError, match="has no date"):
        merge.compile_release([{"ocid": "a", "date": "2020"}, {"ocid": "a", "id": "x"}])


def test_conflicting_types_raise_a_merge_error_like_ocdsmerge() -> None:
    releases: list[dict[str, Any]] = [
        {"ocid": "a", "date": "1", "tender": "text"},
        {"ocid": "a", "date": "2", "tender": {"title": "x"}},
    ]
    with pytest.raises(merge.MergeError, match="An earlier release had the value 'text' for /tender"):
        merge.compile_release(releases)
