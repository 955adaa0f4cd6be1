"""The validator against libcoveocds on real publishers' data (shared/ocds/real-examples).

Real data from 2017-2018 has real defects. Each file must get the same problems (kind, path,
rule) from both. Bare releases are wrapped in a package first, as libcoveocds only reads packages;
bare records have a `releases` list, so both tools read them as (invalid) release packages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from procura.publication import schema
from procura.publication.validate import validate_package
from tests.publication.cove_support import cove_check_data, cove_problem_keys, cove_verdict, procura_problem_keys


def _examples() -> list[Path]:
    root = schema.ocds_dir() / "real-examples"
    files = sorted(root.rglob("*.json"))
    # Keep the suite quick: every file up to 60 kB (libcoveocds takes seconds on the largest).
    return [file for file in files if file.stat().st_size <= 60_000]


EXAMPLES = _examples()


def _as_package(data: Any) -> Any:
    if isinstance(data, dict) and "releases" not in data and "records" not in data and "ocid" in data:
        return {
            "uri": "https://example.com/package.json",
            "publisher": {"name": "test"},
            "publishedDate": "2018-01-01T00:00:00Z",
            "version": "1.1",
            "releases": [data],
        }
    return data


@pytest.fixture(scope="module")
def packages() -> dict[str, Any]:
    return {file.name: _as_package(orjson.loads(file.read_bytes())) for file in EXAMPLES}


@pytest.fixture(scope="module")
def cove_results(packages: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: cove_check_data(data) for name, data in packages.items()}


def test_there_are_examples_of_each_publisher() -> None:
    publishers = {file.relative_to(schema.ocds_dir() / "real-examples").parts[0] for file in EXAMPLES}
    assert publishers == {"mexico", "moldova", "uk-contracts-finder"}
    assert len(EXAMPLES) > 100


@pytest.mark.parametrize("file", EXAMPLES, ids=lambda file: file.name[:60])
def test_same_verdict_and_problems_as_libcoveocds(
    file: Path, packages: dict[str, Any], cove_results: dict[str, dict[str, Any]]
) -> None:
    result = cove_results[file.name]
    report = validate_package(packages[file.name])
    assert report.valid == (not any(cove_verdict(result)))
    assert procura_problem_keys(report.problems) == cove_problem_keys(result)
