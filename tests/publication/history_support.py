"""Helpers of the historical store's tests: the real examples, and importing."""

from __future__ import annotations

import argparse

from procura.publication.schema import ocds_dir
from procura.publication.tools import import_

REAL_EXAMPLES = ocds_dir() / "real-examples"
HISTORY = "/open-data/history/"


def real_example_files() -> list[str]:
    """Every file of the real examples, records before releases within each publisher."""
    return sorted(str(p) for p in REAL_EXAMPLES.rglob("*.json"))


def run_import(*argv: str) -> int:
    """`procura ocds import ARGV…` through the tool's own parser and run."""
    parser = argparse.ArgumentParser(prog="procura ocds import")
    import_.configure(parser)
    return import_.run(parser.parse_args(list(argv)))
