"""Helpers for the merge tests: a small custom schema and release strategies."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def custom_schema(*, whole_list_extra: bool) -> dict[str, Any]:
    """A small release schema exercising every rule; `whole_list_extra` marks `extra` wholeListMerge."""
    item = {
        "type": "object",
        "properties": {
            "id": {"type": ["string", "integer"]},
            "a": {"type": ["string", "null"]},
            "sub": {"type": "array", "items": {"$ref": "#/definitions/Sub"}},
            "codes": {"type": "array", "items": {"$ref": "#/definitions/Sub"}, "wholeListMerge": True},
            "secret": {"type": "string", "omitWhenMerged": True},
        },
    }
    extra: dict[str, Any] = {"type": "array", "items": {"$ref": "#/definitions/Sub"}}
    if whole_list_extra:
        extra["wholeListMerge"] = True
    return {
        "type": "object",
        "definitions": {
            "Sub": {"type": "object", "properties": {"id": {"type": "string"}, "b": {"type": "string"}}},
            "Item": item,
        },
        "properties": {
            "ocid": {"type": "string"},
            "id": {"type": "string", "omitWhenMerged": True},
            "date": {"type": "string", "omitWhenMerged": True},
            "tag": {"type": "array", "items": {"type": "string"}, "omitWhenMerged": True},
            "title": {"type": ["string", "null"]},
            "obj": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "versionId": True},
                    "a": {"type": "string"},
                    "nested": {"type": "object", "properties": {"c": {"type": "string"}}},
                    "hidden": {"type": "string", "omitWhenMerged": True},
                },
            },
            "items": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
            "noid": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}},
            "whole": {"type": "array", "items": {"$ref": "#/definitions/Sub"}, "mergeStrategy": "ocdsVersion"},
            "words": {"type": "array", "items": {"type": "string"}},
            "extra": extra,
        },
    }


KEYS = (
    "title",
    "obj",
    "items",
    "noid",
    "whole",
    "words",
    "extra",
    "unknown",
    "a",
    "b",
    "c",
    "id",
    "sub",
    "codes",
    "secret",
    "nested",
    "hidden",
)
scalars = st.one_of(st.none(), st.sampled_from(["x", "y", ""]), st.integers(-2, 3), st.booleans(), st.just(1.5))
ids = st.one_of(st.sampled_from(["1", "2", "3"]), st.sampled_from([1, 2]), st.none(), st.just(True))


def values(depth: int = 3) -> st.SearchStrategy[Any]:
    """JSON values biased to what the merge rules care about: objects, arrays of objects with ids."""
    if depth == 0:
        return scalars
    inner = values(depth - 1)
    objects = st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    with_id = st.builds(lambda body, identifier: {"id": identifier, **body}, objects, ids)
    object_arrays = st.lists(st.one_of(with_id, with_id, objects), max_size=3)
    return st.one_of(scalars, objects, object_arrays, st.lists(scalars, max_size=2))


def releases(ocid: str = "ocds-213czf-1") -> st.SearchStrategy[list[dict[str, Any]]]:
    """Sequences of releases of one ocid, with repeated dates (ties keep their order)."""
    body = st.dictionaries(st.sampled_from(KEYS[:8]), values(), max_size=6)
    release = st.builds(
        lambda fields, date, number, tag: {"ocid": ocid, "id": f"r{number}", "date": date, "tag": tag, **fields},
        body,
        st.sampled_from(["2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", "2020-01-03T00:00:00Z"]),
        st.integers(0, 99),
        st.sampled_from([["tender"], ["award"], ["tenderUpdate", "award"]]),
    )
    return st.lists(release, min_size=1, max_size=5)
