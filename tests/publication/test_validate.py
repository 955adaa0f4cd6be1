"""`procura.publication.validate` against libcoveocds 0.17 (run offline) on a corpus of OCDS data.

Every case compares the whole list of problems, as (kind, path, rule) keys, not just the verdict.
libcoveocds is slow, so all its results are computed once per module."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from procura.publication import schema
from procura.publication.validate import (
    is_date_time,
    is_uri,
    validate_package,
    validate_release,
)
from tests.publication.cove_support import cove_check_data, cove_problem_keys, cove_verdict, procura_problem_keys

# bidOpening refers to #/definitions/Location, from the location extension that is not available
# offline: libcoveocds then skips every closed-codelist check (see test_bid_opening_*), so the
# comparisons use the other extensions Procura declares.
EXTENSIONS = ["lots", "bid", "partyDetails_scale", "beneficialOwners"]
UNKNOWN_EXTENSION = "https://example.com/ocds_unknown_extension/master/extension.json"


def package(releases: list[Any], extensions: list[str] | None = None) -> dict[str, Any]:
    return {
        "uri": "https://procura.example/api/ocds/releases",
        "version": "1.1",
        "publisher": {"name": "Procura"},
        "publishedDate": "2024-03-01T10:00:00Z",
        "extensions": schema.extension_urls(EXTENSIONS if extensions is None else extensions),
        "releases": releases,
    }


def release(number: int = 1, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ocid": f"ocds-abc123-{number:04d}",
        "id": f"ocds-abc123-{number:04d}-tender-1",
        "date": "2024-03-01T10:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "es",
        "parties": [
            {"id": "ES-B1", "name": "Ayuntamiento", "roles": ["buyer"], "details": {"scale": "large"}},
            {"id": "ES-S1", "name": "Proveedor", "roles": ["tenderer"], "details": {"scale": "sme"}},
        ],
        "buyer": {"id": "ES-B1", "name": "Ayuntamiento"},
        "tender": {
            "id": "T-1",
            "title": "Obras",
            "status": "active",
            "procurementMethod": "open",
            "mainProcurementCategory": "works",
            "value": {"amount": 1000.5, "currency": "EUR"},
            "tenderPeriod": {"startDate": "2024-03-01T10:00:00Z", "endDate": "2024-04-01T10:00:00+01:00"},
            "lots": [{"id": "L1", "title": "Lote 1", "status": "active", "value": {"amount": 10, "currency": "EUR"}}],
            "items": [{"id": "I1", "description": "Asfalto", "relatedLot": "L1", "quantity": 3}],
            "documents": [{"id": "D1", "url": "https://procura.example/d/1.pdf", "documentType": "tenderNotice"}],
            "numberOfTenderers": 1,
        },
        "bids": {"details": [{"id": "B1", "status": "valid", "date": "2024-04-02T10:00:00Z"}]},
    }
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is DELETE:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return data


DELETE = object()


def record_package(records: list[Any]) -> dict[str, Any]:
    data = package([])
    del data["releases"]
    data["records"] = records
    return data


def linked(**changes: Any) -> dict[str, Any]:
    return {"url": "https://procura.example/r.json#1", "date": "2024-03-01T10:00:00Z", "tag": ["tender"], **changes}


CASES: dict[str, Any] = {
    "valid": package([release(1), release(2)]),
    "valid_no_extensions": package([release(1)], extensions=[]),
    "wrong_types": package(
        [release(tender__value={"amount": "1000", "currency": "EUR"}, tag="tender", parties={"id": 1}, language=5)]
    ),
    "null_where_not_allowed": package([release(tender__id=None, tender__status=None, date=None)]),
    "integer_as_float": package([release(tender__numberOfTenderers=1.0)]),
    "missing_required": package([release(id=DELETE, date=DELETE, tender__id=DELETE, tender__lots__0__id=DELETE)]),
    "package_metadata": {**package([release()]), "publisher": {}, "uri": "not a uri", "publishedDate": 5},
    "empty_releases": package([]),
    "closed_codelists_core": package(
        [
            release(
                tender__status="bogus",
                initiationType="auction",
                tender__procurementMethod="",
                tender__value={"amount": 1, "currency": "EURO"},
                tag=["tender", "nonsense"],
            )
        ]
    ),
    "closed_codelists_extensions": package(
        [release(tender__lots__0__status="zzz", parties__0__details={"scale": "huge"}, bids__details__0__status="x")]
    ),
    "open_codelist_values_are_fine": package(
        [release(tender__documents__0__documentType="somethingElse", parties__0__roles=["inventor"])]
    ),
    "date_times": package(
        [
            release(1, date="2024-13-01T00:00:00Z"),
            release(2, date="2024-02-30T00:00:00Z"),
            release(3, date="2024-03-01 10:00:00Z"),
            release(4, date="2024-03-01T10:00:00"),
            release(5, date="2024-03-01t10:00:00z"),
            release(6, date="2024-03-01T10:00:00.123456-05:00"),
            release(7, date="2024-03-01T24:00:00Z"),
            release(8, date="2024-03-01"),
        ]
    ),
    "uris": package(
        [
            release(1, tender__documents__0__url="not a uri"),
            release(2, tender__documents__0__url="https://exa mple.com/x"),
            release(3, tender__documents__0__url="urn:isbn:0451450523"),
            release(4, tender__documents__0__url="https://[::1]:8080/a?b=c#d"),
            release(5, tender__documents__0__url="/relative/path"),
            release(6, tender__documents__0__url="https://example.com/ñ"),
            release(7, tender__documents__0__url="https://example.com/%zz"),
        ]
    ),
    "duplicate_release_ids": package([release(1), release(1), release(2), release(2, tender__title="other")]),
    "duplicate_party_ids": package([release(parties__1__id="ES-B1")]),
    "duplicate_items_without_ids": package(
        [release(tender__documents=[{"url": "https://a.example/1"}, {"url": "https://a.example/1"}])]
    ),
    "ocid_prefix": package([release(1, ocid="bad-ocid-1"), release(2, ocid="ocds-ABC123-1")]),
    "unknown_extension": {
        **package([release()]),
        "extensions": [*schema.extension_urls(EXTENSIONS), UNKNOWN_EXTENSION],
    },
    "pattern_properties_ignored": package([release(tender__title_es=5)]),
    "beneficial_owners": package(
        [
            release(
                parties__1__beneficialOwners=[
                    {"id": "BO1", "name": "Ana", "nationalities": ["ES", "XX"], "email": "nobody"}
                ]
            )
        ]
    ),
    "records_compiled": record_package(
        [
            {"ocid": "ocds-abc123-0001", "releases": [linked()], "compiledRelease": release(tender__status="bogus")},
            {"ocid": "ocds-abc123-0002", "releases": [linked(tag=["bogus"])], "compiledRelease": release(2)},
        ]
    ),
    "records_embedded": record_package(
        [
            {"ocid": "ocds-abc123-0001", "releases": [release(1), release(1, id="x", date="yesterday")]},
            {"ocid": "ocds-abc123-0001", "releases": [release(1), linked()]},
            {"ocid": "bad", "releases": []},
            {"releases": "none"},
        ]
    ),
    "records_linked_invalid": record_package([{"ocid": "ocds-abc123-0001", "releases": [{"url": "x", "tag": []}]}]),
    "records_versioned": record_package(
        [
            {
                "ocid": "ocds-abc123-0001",
                "releases": [linked()],
                "versionedRelease": {
                    "ocid": "ocds-abc123-0001",
                    "initiationType": [
                        {
                            "releaseID": "1",
                            "releaseDate": "2024-03-01T10:00:00Z",
                            "releaseTag": ["tender"],
                            "value": "auction",
                        }
                    ],
                    "tender": {
                        "status": [
                            {"releaseID": "1", "releaseDate": "not a date", "releaseTag": ["tender"], "value": "active"}
                        ]
                    },
                },
            }
        ]
    ),
}


@pytest.fixture(scope="module")
def cove_results() -> dict[str, dict[str, Any]]:
    return {name: cove_check_data(data) for name, data in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_problems_as_libcoveocds(name: str, cove_results: dict[str, dict[str, Any]]) -> None:
    # given
    data = copy.deepcopy(CASES[name])
    expected = cove_problem_keys(cove_results[name])
    # when
    report = validate_package(data)
    # then
    assert procura_problem_keys(report.problems) == expected
    assert report.valid == (not any(cove_verdict(cove_results[name])))


def test_the_corpus_exercises_every_kind_of_problem(cove_results: dict[str, dict[str, Any]]) -> None:
    kinds = {key[0] for result in cove_results.values() for key in cove_problem_keys(result)}
    rules = {key[2] for result in cove_results.values() for key in cove_problem_keys(result) if key[0] == "schema"}
    assert kinds == {"schema", "codelist", "conformance"}
    assert {"required", "string", "array", "number", "integer", "date-time", "uri", "uniqueItems", "enum"} <= rules
    assert not cove_verdict(cove_results["valid"])[0]


def test_valid_data_is_valid() -> None:
    report = validate_package(package([release(1), release(2)]))
    assert report.valid
    assert report.releases == 2
    assert report.problems == []


def test_problems_name_their_paths() -> None:
    report = validate_package(package([release(), release(2, tender__status="bogus", tender__id=DELETE)]))
    found = {(problem.path, problem.kind, problem.rule) for problem in report.problems}
    assert found == {
        ("releases/1/tender/status", "codelist", "tenderStatus.csv"),
        ("releases/1/tender/id", "schema", "required"),
    }


def test_unknown_extension_is_a_warning_not_a_crash(cove_results: dict[str, dict[str, Any]]) -> None:
    report = validate_package(CASES["unknown_extension"])
    assert report.valid
    assert [(warning.path, warning.kind, warning.value) for warning in report.warnings] == [
        (f"extensions/{len(EXTENSIONS)}", "extension", UNKNOWN_EXTENSION)
    ]
    assert cove_results["unknown_extension"]["extensions"]["invalid_extensions"] == [
        [UNKNOWN_EXTENSION, "fetching failed"]
    ]


def test_extension_fields_are_checked_only_when_declared() -> None:
    data = release(tender__lots=[{"id": "L1", "status": "zzz"}])
    assert [problem.path for problem in validate_release(data, ["lots"])] == ["tender/lots/0/status"]
    assert validate_release(data, []) == []


def test_bid_opening_location_is_checked_as_anything_with_a_warning() -> None:
    # given: bidOpening refers to a definition only the (unavailable) location extension has
    data = package([release(tender__bidOpening={"date": "2024-04-02T10:00:00Z", "location": {"x": 1}})])
    data["extensions"] = schema.extension_urls()
    # when
    report = validate_package(data)
    # then
    assert report.valid
    assert [warning.value for warning in report.warnings] == ["Location"]


def test_bid_opening_fields_are_validated() -> None:
    data = package([release(tender__bidOpening={"date": "tomorrow"}, tender__status="bogus")])
    data["extensions"] = schema.extension_urls()
    paths = {(problem.path, problem.kind) for problem in validate_package(data).problems}
    assert paths == {("releases/0/tender/bidOpening/date", "schema"), ("releases/0/tender/status", "codelist")}


def test_libcoveocds_skips_closed_codelists_when_bid_opening_is_declared() -> None:
    # Documents the reference's behaviour that the comparisons above avoid: with bidOpening declared,
    # libcoveocds cannot dereference the schema and reports no closed-codelist value at all.
    data = package([release(tender__status="bogus")])
    data["extensions"] = schema.extension_urls()
    result = cove_check_data(data)
    assert result["json_deref_error"]
    assert result["additional_closed_codelist_values"] == {}
    assert not validate_package(data).valid


def test_bare_release_and_list_of_releases() -> None:
    assert validate_package(release()).valid
    report = validate_package([release(1), release(1, tender__status="x")], extensions=["lots"])
    assert [(problem.path, problem.rule) for problem in report.problems] == [
        ("", "uniqueItems"),
        ("1/tender/status", "tenderStatus.csv"),
    ]


def test_version_other_than_1_1_is_a_warning() -> None:
    data = {**package([release()]), "version": "1.0"}
    report = validate_package(data)
    assert report.valid
    assert [warning.kind for warning in report.warnings] == ["version"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T10:00:00Z", True),
        ("2024-03-01t10:00:00z", True),
        ("2024-03-01T10:00:00.5+05:30", True),
        ("2024-02-29T10:00:00Z", True),
        ("2023-02-29T10:00:00Z", False),
        ("0000-01-01T00:00:00Z", False),
        ("2024-03-01T10:00:00", False),
        ("2024-03-01T10:00Z", False),
        ("2024-03-01T10:00:60Z", False),
        ("2024-03-01T10:00:00Z\n", True),
        ("２０２４-03-01T10:00:00Z", False),
    ],
)
def test_date_time_matches_jsonschema(value: str, expected: bool) -> None:
    from rfc3339_validator import validate_rfc3339

    assert is_date_time(value) is expected
    assert validate_rfc3339(value.upper()) is expected


@pytest.mark.parametrize(
    "value",
    [
        "https://example.com",
        "https://example.com/a b",
        "http://user:pw@host:80/p?q=1#f",
        "mailto:someone@example.com",
        "urn:ocds:abc",
        "https://[2001:db8::1]/",
        "https://[2001:db8::zz]/",
        "https://[v1.abc]/",
        "https://example.com/%41%zz",
        "https://example.com/ñ",
        "example.com/path",
        "1http://example.com",
        "http:",
        "http://",
        "http:///a",
        "http://a/b/../c",
        "http://a:b:c/",
        "http://a/?q=[]",
        "http://a/#f#g",
        "HTTP://EXAMPLE.COM",
        "http://a/\n",
        "https://192.168.0.256/",
        "//host/path",
        "",
    ],
)
def test_uri_matches_rfc3987(value: str) -> None:
    import rfc3987

    try:
        expected = bool(rfc3987.parse(value, rule="URI"))
    except ValueError:
        expected = False
    assert is_uri(value) is expected


@pytest.mark.parametrize("name", ["date-time", "uri"])
def test_first_stage_patterns_are_never_laxer_than_the_formats(name: str) -> None:
    # The quick first stage replaces formats by patterns: whatever they accept, the format must too.
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from procura.publication.validate import _FORMAT_PATTERNS, FORMATS

    pattern = re.compile(_FORMAT_PATTERNS[name])
    check = FORMATS[name]
    pieces = st.sampled_from(
        [
            "2024",
            "0000",
            "-",
            "02",
            "29",
            "30",
            "31",
            "13",
            "T",
            "t",
            "10:00:00",
            "24:00:00",
            ".5",
            "Z",
            "z",
            "+01:00",
            "\n",
            " ",
            "http",
            "://",
            "[::1]",
            "%41",
            "%zz",
            "ñ",
            "a",
            "/",
            "?",
            "#",
            "@",
            ":",
        ]
    )

    @settings(max_examples=400, deadline=None)
    @given(st.lists(pieces, max_size=8).map("".join))
    def pattern_implies_format(value: str) -> None:
        if pattern.fullmatch(value.removesuffix("\n")) and not value.endswith("\n"):
            assert check(value)

    pattern_implies_format()
