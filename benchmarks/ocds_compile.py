"""Benchmark: `procura ocds compile` against `ocdskit compile` on the same releases, with equal output.

Generates 25,000 contracting processes of 4 releases each (planning, tender, tender amendment,
award and contract; parties with scale, items, lots, documents: about 1.5 KB a release) as JSON
lines of release packages, in date order across processes like a publisher's feed. Runs each tool
as its own process, compares the outputs (by ocid and byte for byte), and measures wall time, CPU
time (worker processes included) and peak memory (all processes of the tool together). Both
speed-ups are printed: by wall time (what a user waits; `procura` uses the CPUs it has) and by CPU
time (the work done; steadier on a busy machine). Then runs procura on twice as many releases for
the same processes (8 each) to show that its memory follows the output (one compiled release per
process), not the input.

    .venv/bin/python benchmarks/ocds_compile.py [--processes N] [--releases-per-process N] [--skip-ocdskit]

The last line holds the figures: `speedup` (= `wall_speedup`) by wall time, `cpu_speedup` by CPU
time, memory in MB (`procura_rss_mb`: peak of all its processes together).
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from procura.publication import schema as ocds_schema  # noqa: E402

PREFIX = "ocds-b5fd17"
SCALES = ("micro", "sme", "large")
UNITS = ("EA", "KGM", "LTR", "MTR")


def _date(day: int, second: int) -> str:
    clock = f"{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
    return f"2024-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{clock}Z"


def _party(number: int, role: str, rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"PY-RUC-{number}",
        "name": f"Organisation {number}",
        "identifier": {"scheme": "PY-RUC", "id": str(number), "legalName": f"Organisation {number} S.A."},
        "address": {"streetAddress": f"Calle {number % 400}", "locality": "Asunción", "countryName": "Paraguay"},
        "contactPoint": {"name": "Compras", "email": f"compras{number}@example.org", "telephone": "+595 21 000000"},
        "roles": [role],
        "details": {"scale": rng.choice(SCALES)},
    }


def _items(process: int, rng: random.Random, lots: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(index),
            "description": f"Item {index} of process {process}: supplies and services",
            "classification": {"scheme": "CPV", "id": f"{30190000 + index * 10}", "description": "Office equipment"},
            "quantity": rng.randint(1, 500),
            "unit": {
                "name": "unit",
                "id": rng.choice(UNITS),
                "value": {"amount": rng.randint(1, 900), "currency": "PYG"},
            },
            "relatedLot": f"lot-{index % lots + 1}",
        }
        for index in range(1, rng.randint(2, 4))
    ]


def process_releases(process: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The releases of one process, oldest first: planning, tender, amendments, award and contract."""
    ocid = f"{PREFIX}-{process:08d}"
    buyer = _party(1000 + process % 300, "buyer", rng)
    lots = rng.randint(1, 3)
    amount = rng.randint(10_000, 9_000_000)
    base = {"ocid": ocid, "initiationType": "tender", "language": "es"}
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": f"Adquisición de insumos {process}",
        "description": "Adquisición de insumos de oficina para las dependencias de la institución.",
        "status": "planning",
        "procurementMethod": "open",
        "procurementMethodDetails": "Licitación pública nacional",
        "mainProcurementCategory": "goods",
        "value": {"amount": amount, "currency": "PYG"},
        "items": _items(process, rng, lots),
        "lots": [
            {
                "id": f"lot-{n}",
                "title": f"Lote {n}",
                "status": "planning",
                "value": {"amount": amount // lots, "currency": "PYG"},
            }
            for n in range(1, lots + 1)
        ],
        "submissionMethod": ["electronicSubmission"],
    }
    releases: list[dict[str, Any]] = [
        {
            **base,
            "id": f"{ocid}-planning",
            "tag": ["planning"],
            "parties": [buyer],
            "buyer": {"id": buyer["id"], "name": buyer["name"]},
            "planning": {"rationale": "Necesidad anual", "budget": {"amount": {"amount": amount, "currency": "PYG"}}},
            "tender": tender,
        },
        {
            **base,
            "id": f"{ocid}-tender",
            "tag": ["tender"],
            "parties": [{**buyer, "roles": ["buyer", "procuringEntity"]}],
            "tender": {
                "id": tender["id"],
                "status": "active",
                "tenderPeriod": {"startDate": "2024-02-01T10:00:00Z", "endDate": "2024-03-01T10:00:00Z"},
                "lots": [{"id": lot["id"], "status": "active"} for lot in tender["lots"]],
                "documents": [
                    {
                        "id": "doc-1",
                        "documentType": "tenderNotice",
                        "url": f"https://example.org/{process}/notice.pdf",
                        "format": "application/pdf",
                    }
                ],
                "bidOpening": {"date": "2024-03-01T11:00:00Z", "description": "Sala de reuniones"},
            },
        },
    ]
    for amendment in range(max(0, count - 3)):
        releases.append(
            {
                **base,
                "id": f"{ocid}-amendment-{amendment}",
                "tag": ["tenderAmendment"],
                "tender": {
                    "id": tender["id"],
                    "tenderPeriod": {"endDate": f"2024-03-{10 + amendment % 18:02d}T10:00:00Z"},
                    "amendments": [
                        {
                            "id": f"amendment-{amendment}",
                            "rationale": "Extensión del plazo",
                            "date": "2024-02-20T00:00:00Z",
                        }
                    ],
                    "items": [{"id": "1", "quantity": rng.randint(1, 500)}],
                },
            }
        )
    supplier = _party(50_000 + process, "supplier", rng)
    releases.append(
        {
            **base,
            "id": f"{ocid}-award",
            "tag": ["award", "contract"],
            "parties": [supplier],
            "tender": {
                "id": tender["id"],
                "status": "complete",
                "lots": [{"id": lot["id"], "status": "complete"} for lot in tender["lots"]],
            },
            "awards": [
                {
                    "id": f"{ocid}-award-1",
                    "status": "active",
                    "date": "2024-04-01T00:00:00Z",
                    "value": {"amount": amount - 1000, "currency": "PYG"},
                    "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                    "relatedLots": [lot["id"] for lot in tender["lots"]],
                }
            ],
            "contracts": [
                {
                    "id": f"{ocid}-contract-1",
                    "awardID": f"{ocid}-award-1",
                    "status": "active",
                    "value": {"amount": amount - 1000, "currency": "PYG"},
                    "period": {"startDate": "2024-04-15T00:00:00Z", "endDate": "2024-12-31T00:00:00Z"},
                }
            ],
        }
    )
    return releases


def generate(path: Path, processes: int, per_process: int, seed: int = 4) -> int:
    """Write the releases as JSON lines of release packages (100 releases each), in date order."""
    rng = random.Random(seed)
    dated: list[tuple[str, int, dict[str, Any]]] = []
    for process in range(processes):
        start = rng.randint(0, 300)
        for step, release in enumerate(process_releases(process, per_process, rng)):
            release["date"] = _date(start + step * 7, process % 86400)
            dated.append((release["date"], len(dated), release))
    dated.sort(key=lambda entry: (entry[0], entry[1]))
    package = {
        "uri": "https://example.org/releases.json",
        "publisher": {"name": "Procura benchmark"},
        "publishedDate": "2024-12-31T00:00:00Z",
        "version": "1.1",
        "extensions": ocds_schema.extension_urls(),
    }
    with path.open("wb") as handle:
        for start in range(0, len(dated), 100):
            releases = [release for _, _, release in dated[start : start + 100]]
            handle.write(orjson.dumps({**package, "releases": releases}) + b"\n")
    return len(dated)


def offline_schema(path: Path) -> None:
    """The patched 1.1.5 schema as a file `ocdskit`/`ocdsmerge` read offline."""
    path.write_bytes(orjson.dumps(ocds_schema.patched_schema()))


def _tree(root: int) -> list[int]:
    """The process `root` and all its descendants (Linux `/proc`)."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def _pss_mb(pids: list[int]) -> float:
    """Proportional set size of these processes together: pages shared after `fork` count once."""
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
    return total_kb / 1024


def measure(command: list[str], stdin: Path, stdout: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, worker processes included) and peak memory (MB).

    CPU: `getrusage(RUSAGE_CHILDREN)` before and after, which counts every descendant that was
    waited for (a tool's worker processes included). Memory: the peak, sampled every 10 ms, of the
    summed proportional set size of the whole process tree (a `fork`ed worker's shared pages count
    once), or `/usr/bin/time`'s peak RSS of the largest single process if that is larger (short
    peaks between samples). `/usr/bin/time` runs the tool: a child forked from this (large) process
    would inherit its peak RSS in `wait4`'s figures."""
    report = stdout.with_suffix(".time")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    peak = 0.0
    with stdin.open("rb") as source, stdout.open("wb") as target:
        process = subprocess.Popen(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(report), *command], stdin=source, stdout=target, cwd=ROOT
        )
        while process.poll() is None:
            peak = max(peak, _pss_mb(_tree(process.pid)))
            time.sleep(0.01)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss_kb = int(report.read_text().split()[-1])
    return wall, cpu, max(peak, rss_kb / 1024)


def best(command: list[str], stdin: Path, stdout: Path, runs: int) -> tuple[float, float, float]:
    """The lowest wall time, CPU time and peak memory over `runs` runs (others' load only adds)."""
    figures = [measure(command, stdin, stdout) for _ in range(max(1, runs))]
    return min(f[0] for f in figures), min(f[1] for f in figures), max(f[2] for f in figures)


def by_ocid(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return {release["ocid"]: release for release in map(orjson.loads, handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=25_000)
    parser.add_argument("--releases-per-process", type=int, default=4)
    parser.add_argument("--skip-ocdskit", action="store_true", help="only time procura")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each tool; the fastest counts (busy machines)")
    args = parser.parse_args()
    python = sys.executable
    procura = [python, "-m", "procura.publication.tools.compile"]
    with tempfile.TemporaryDirectory(prefix="ocds-compile-") as folder:
        work = Path(folder)
        source, schema_file = work / "releases.jsonl", work / "release-schema.json"
        releases = generate(source, args.processes, args.releases_per_process)
        offline_schema(schema_file)
        print(f"input: {releases} releases, {source.stat().st_size / 1e6:.1f} MB", flush=True)

        procura_s, procura_cpu, procura_rss = best(procura, source, work / "procura.jsonl", args.repeat)
        output_mb = (work / "procura.jsonl").stat().st_size / 1e6
        print(
            f"procura: {procura_s:.2f} s, cpu {procura_cpu:.2f} s, {procura_rss:.0f} MB, output {output_mb:.1f} MB",
            flush=True,
        )

        double = work / "releases-double.jsonl"
        double_count = generate(double, args.processes, args.releases_per_process * 2)
        double_s, double_cpu, double_rss = measure(procura, double, work / "procura-double.jsonl")
        double_out_mb = (work / "procura-double.jsonl").stat().st_size / 1e6
        print(
            f"procura on {double_count} releases (same processes): {double_s:.2f} s, cpu {double_cpu:.2f} s, "
            f"{double_rss:.0f} MB, "
            f"output {double_out_mb:.1f} MB",
            flush=True,
        )

        ocdskit_s, ocdskit_cpu, ocdskit_rss, equal, byte_equal = float("nan"), float("nan"), float("nan"), False, False
        if not args.skip_ocdskit:
            ocdskit = [str(Path(python).parent / "ocdskit"), "compile", "--schema", str(schema_file)]
            ocdskit_s, ocdskit_cpu, ocdskit_rss = best(ocdskit, source, work / "ocdskit.jsonl", args.repeat)
            print(f"ocdskit: {ocdskit_s:.2f} s, cpu {ocdskit_cpu:.2f} s, {ocdskit_rss:.0f} MB", flush=True)
            equal = by_ocid(work / "ocdskit.jsonl") == by_ocid(work / "procura.jsonl")
            byte_equal = (work / "ocdskit.jsonl").read_bytes() == (work / "procura.jsonl").read_bytes()
    print(
        f"releases={releases} processes={args.processes} ocdskit_s={ocdskit_s:.2f} procura_s={procura_s:.2f} "
        f"speedup={ocdskit_s / procura_s:.1f} wall_speedup={ocdskit_s / procura_s:.1f} "
        f"ocdskit_cpu_s={ocdskit_cpu:.2f} procura_cpu_s={procura_cpu:.2f} "
        f"cpu_speedup={ocdskit_cpu / procura_cpu:.1f} equal={equal} byte_equal={byte_equal} "
        f"ocdskit_rss_mb={ocdskit_rss:.0f} procura_rss_mb={procura_rss:.0f} "
        f"output_mb={output_mb:.1f} procura_double_input_releases={double_count} "
        f"procura_double_input_rss_mb={double_rss:.0f} double_output_mb={double_out_mb:.1f}"
    )


if __name__ == "__main__":
    main()
