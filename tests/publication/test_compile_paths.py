"""`procura ocds compile`'s large-input paths — worker processes over parts of a JSON lines
file, and idle records kept as bytes — give exactly the single-process output, which equals
ocdsmerge's. The thresholds are lowered so that a small file takes those paths."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import ocdsmerge
import orjson
import pytest

from procura.publication import schema

SCRIPT = """
import sys
from procura.publication.tools import compile as tool
if sys.argv[1] == "large":
    tool.PARALLEL_MIN_BYTES = 0
    tool.COMPACT_AFTER = tool.COMPACT_EVERY = 1
sys.exit(tool.main(sys.argv[2:]))
"""


def _releases(seed: int) -> list[dict[str, Any]]:
    """Forty processes of up to six releases, shuffled, with dates out of order and lots and
    items changing by id, values nulled and set again."""
    rng = random.Random(seed)
    releases = []
    for p in range(40):
        ocid = f"ocds-213czf-{p:03d}"
        for n in range(rng.randint(1, 6)):
            tender: dict[str, Any] = {
                "id": ocid,
                "title": rng.choice(["Gloves", "Salt", None, "Laptops"]),
                "items": [{"id": str(i), "quantity": rng.randint(1, 9)} for i in range(rng.randint(0, 3))],
            }
            if rng.random() < 0.5:
                tender["lots"] = [{"id": "1", "title": rng.choice(["North", "South"]), "value": {"amount": n}}]
            releases.append(
                {
                    "ocid": ocid,
                    "id": f"{ocid}-{n}",
                    "date": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T09:00:00Z",
                    "tag": [rng.choice(["tender", "tenderUpdate", "tenderAmendment"])],
                    "initiationType": "tender",
                    "tender": tender,
                }
            )
    rng.shuffle(releases)
    return releases


def _compile(mode: str, path: Path) -> tuple[int, bytes]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(path)], capture_output=True, timeout=120, check=False
    )
    return done.returncode, done.stdout


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_large_input_paths_give_the_single_process_output(tmp_path: Path, seed: int) -> None:
    releases = _releases(seed)
    path = tmp_path / "releases.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(release) for release in releases) + b"\n")
    small_status, small = _compile("small", path)
    large_status, large = _compile("large", path)
    assert (small_status, large_status) == (0, 0)
    assert large == small
    merger = ocdsmerge.Merger(schema.patched_schema())
    compiled = [orjson.loads(line) for line in small.splitlines()]
    assert [c["ocid"] for c in compiled] == sorted({r["ocid"] for r in releases})
    for record in compiled:
        ours = [r for r in releases if r["ocid"] == record["ocid"]]
        assert record == merger.create_compiled_release(ours)


def test_a_bad_line_is_reported_the_same_way_on_both_paths(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [orjson.dumps(release) for release in _releases(4)]
    lines.insert(len(lines) // 2, b'{"ocid": "ocds-213czf-x", ')
    path.write_bytes(b"\n".join(lines) + b"\n")
    small = subprocess.run([sys.executable, "-c", SCRIPT, "small", str(path)], capture_output=True, check=False)
    large = subprocess.run([sys.executable, "-c", SCRIPT, "large", str(path)], capture_output=True, check=False)
    assert small.returncode == large.returncode == 2
    assert large.stderr == small.stderr
    assert b"bad.jsonl" in small.stderr
