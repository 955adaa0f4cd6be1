"""Benchmark `procura ocds validate` against libcoveocds 0.17 (offline) on one release package.

Generates 10,000 realistic releases (parties with scale, lots, items, documents, bids, awards,
contracts) in one release package, 0.2% of them invalid in different ways, then runs libcoveocds
(as tests/publication/cove_support.py does) and `procura ocds validate` (as a subprocess, start-up
included) on the same file, and checks that both give the same verdict and the same problems.

The package declares lots, bid and partyDetails_scale: with bidOpening declared, libcoveocds
cannot dereference the schema (bidOpening needs the location extension) and skips closed-codelist
checks, which would make the comparison unfair to it.

Usage: .venv/bin/python benchmarks/ocds_validate.py [--releases N] [--skip-libcoveocds]
The last line prints the figures.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from procura.publication import schema  # noqa: E402
from procura.publication.validate import validate_package  # noqa: E402
from tests.publication.cove_support import (  # noqa: E402
    cove_check,
    cove_problem_keys,
    cove_verdict,
    procura_problem_keys,
)

EXTENSIONS = ["lots", "bid", "partyDetails_scale"]
SCALES = ["micro", "sme", "large"]
STATUSES = ["planning", "active", "complete"]


def _party(rng: random.Random, number: int, role: str) -> dict[str, Any]:
    return {
        "id": f"ES-{role}-{number}",
        "name": f"Organisation {number}",
        "identifier": {"scheme": "ES-RMC", "id": f"B{number:08d}", "legalName": f"Organisation {number} S.L."},
        "address": {
            "streetAddress": "Calle Mayor 1",
            "locality": "Madrid",
            "postalCode": "28001",
            "countryName": "España",
        },
        "contactPoint": {"name": "Contratación", "email": f"c{number}@example.es", "url": "https://example.es/contact"},
        "roles": [role],
        "details": {"scale": rng.choice(SCALES)},
    }


def make_release(rng: random.Random, number: int) -> dict[str, Any]:
    ocid = f"ocds-abc123-{number // 4:06d}"
    date = f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}T{number % 24:02d}:15:00Z"
    tenderers = [_party(rng, 1000 + (number + k) % 500, "tenderer") for k in range(3)]
    lots = [
        {
            "id": f"L{k}",
            "title": f"Lot {k}",
            "status": "active",
            "value": {"amount": 1000.0 * (k + 1), "currency": "EUR"},
        }
        for k in range(1, 3)
    ]
    items = [
        {
            "id": f"I{k}",
            "description": f"Item {k}",
            "classification": {"scheme": "CPV", "id": "45233142", "description": "Road repair"},
            "quantity": k,
            "unit": {"name": "unit", "value": {"amount": 10.5, "currency": "EUR"}},
            "relatedLot": f"L{1 + k % 2}",
        }
        for k in range(1, 4)
    ]
    return {
        "ocid": ocid,
        "id": f"{ocid}-{number}",
        "date": date,
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "es",
        "parties": [_party(rng, number % 300, "buyer"), *tenderers],
        "buyer": {"id": f"ES-buyer-{number % 300}", "name": f"Organisation {number % 300}"},
        "tender": {
            "id": f"T-{number}",
            "title": f"Works {number}",
            "description": "Maintenance of municipal roads",
            "status": rng.choice(STATUSES),
            "procurementMethod": "open",
            "mainProcurementCategory": "works",
            "value": {"amount": 100000.0 + number, "currency": "EUR"},
            "tenderPeriod": {"startDate": date, "endDate": "2024-12-31T23:59:59+01:00"},
            "submissionMethod": ["electronicSubmission"],
            "items": items,
            "lots": lots,
            "documents": [
                {
                    "id": "D1",
                    "documentType": "tenderNotice",
                    "url": f"https://example.es/docs/{number}.pdf",
                    "format": "application/pdf",
                }
            ],
            "tenderers": [{"id": party["id"], "name": party["name"]} for party in tenderers],
            "numberOfTenderers": len(tenderers),
        },
        "bids": {
            "statistics": [{"id": "S1", "measure": "bids", "value": 3, "relatedLot": "L1"}],
            "details": [
                {
                    "id": f"B{k}",
                    "date": date,
                    "status": "valid",
                    "tenderers": [{"id": tenderers[k]["id"], "name": tenderers[k]["name"]}],
                    "value": {"amount": 90000.0 + k, "currency": "EUR"},
                    "relatedLots": ["L1"],
                }
                for k in range(3)
            ],
        },
        "awards": [
            {
                "id": f"A-{number}",
                "status": "active",
                "date": date,
                "value": {"amount": 90000.0, "currency": "EUR"},
                "suppliers": [{"id": tenderers[0]["id"], "name": tenderers[0]["name"]}],
                "relatedLots": ["L1"],
            }
        ],
    }


def spoil(release: dict[str, Any], kind: int) -> None:
    """A few kinds of defects: schema, closed codelist (core and extension), duplicate ids."""
    if kind == 0:
        release["tender"]["status"] = "bogus"
    elif kind == 1:
        release["date"] = "2024-02-30T10:00:00Z"
    elif kind == 2:
        release["parties"][1]["details"]["scale"] = "huge"
    elif kind == 3:
        del release["tender"]["id"]
    elif kind == 4:
        release["parties"][2]["id"] = release["parties"][1]["id"]
    else:
        release["tender"]["value"]["amount"] = "1,000"


def make_package(count: int) -> dict[str, Any]:
    rng = random.Random(20240301)
    releases = [make_release(rng, number) for number in range(count)]
    for index, kind in zip(range(7, count, max(count // 20, 1)), range(20), strict=False):
        spoil(releases[index], kind % 6)
    releases[-1]["id"] = releases[-2]["id"]
    releases[-1]["ocid"] = releases[-2]["ocid"]
    return {
        "uri": "https://example.es/api/ocds/releases",
        "version": "1.1",
        "publisher": {"name": "Procura benchmark"},
        "publishedDate": "2024-12-31T00:00:00Z",
        "extensions": schema.extension_urls(EXTENSIONS),
        "releases": releases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--skip-libcoveocds", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="procura-bench-") as folder:
        path = Path(folder) / "releases.json"
        path.write_bytes(orjson.dumps(make_package(args.releases)))
        print(f"package: {path.stat().st_size / 1e6:.1f} MB, {args.releases} releases", flush=True)

        started = time.perf_counter()
        completed = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "procura"), "ocds", "validate", "--quiet", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        procura_s = time.perf_counter() - started
        print(
            f"procura ocds validate: {procura_s:.2f} s, exit {completed.returncode}: {completed.stdout.strip()}",
            flush=True,
        )

        started = time.perf_counter()
        report = validate_package(orjson.loads(path.read_bytes()))
        library_s = time.perf_counter() - started
        print(f"validate_package (in process, warm): {library_s:.2f} s, {len(report.problems)} problems", flush=True)

        if args.skip_libcoveocds:
            print(f"releases={args.releases} procura_s={procura_s:.2f} library_s={library_s:.2f}")
            return
        started = time.perf_counter()
        result = cove_check(path)
        cove_s = time.perf_counter() - started
        same_verdict = (completed.returncode == 0) == (not any(cove_verdict(result)))
        same_problems = procura_problem_keys(report.problems) == cove_problem_keys(result)
        print(f"libcoveocds: {cove_s:.2f} s, {len(cove_problem_keys(result))} problems", flush=True)
    print(
        f"releases={args.releases} libcoveocds_s={cove_s:.2f} procura_s={procura_s:.2f} "
        f"speedup={cove_s / procura_s:.1f} library_s={library_s:.2f} same_verdict={same_verdict} "
        f"same_problems={same_problems} problems={len(report.problems)}"
    )


if __name__ == "__main__":
    main()
