"""`procura ocds export DIR`: write the whole published dataset to a folder at once."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from procura.publication.tools import setup_django

EXIT_EXPORTED = 0
EXIT_UNUSABLE = 2

DESCRIPTION = """\
Write every release Procura has published, and the records compiled from them, into DIR:

  releases.json       one OCDS release package with every release, oldest first
  records.json        one OCDS record package: each process's linked releases and compiled release
  compiled.jsonl.gz   the compiled releases, one per line (gzip)
  csv/<table>.csv     the compiled releases flattened into tables: processes, lots, items,
                      parties, bids, awards, contracts, milestones, transactions
  parquet/<table>.parquet   the same tables, typed, for analytics tools

The tables and their columns are documented on the Open data page (/open-data/#fields).
The data is streamed from the database: memory does not grow with the number of releases.
Each file is written under a temporary name and renamed when complete.

DIR is created if missing. An existing DIR that is not empty is refused unless --force is
given; --force replaces the files above and leaves anything else in DIR alone.

Exit status: 0 when exported; 2 when DIR cannot be used.
"""


class Unusable(Exception):
    """DIR cannot receive the export; the message says why."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("directory", metavar="DIR", type=Path, help="folder to write the dataset into")
    parser.add_argument("--force", action="store_true", help="write into DIR even if it is not empty")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _prepare(directory: Path, *, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise Unusable(f"{directory}: exists and is not a folder")
    if directory.is_dir():
        try:
            not_empty = any(directory.iterdir())
        except OSError as exc:
            raise Unusable(f"{directory}: cannot be read ({exc.strerror})") from None
        if not_empty and not force:
            raise Unusable(f"{directory}: the folder is not empty (use --force to write into it anyway)")
    else:
        try:
            directory.mkdir(parents=True)
        except OSError as exc:
            raise Unusable(f"{directory}: cannot be created ({exc.strerror})") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise Unusable(f"{directory}: no permission to write in it")


def run(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    try:
        _prepare(directory, force=args.force)
    except Unusable as exc:
        print(f"procura: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    setup_django()
    from procura.publication.bulk import export_dataset

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"writing {message}", file=sys.stderr)

    try:
        result = export_dataset(directory, progress=progress)
    except OSError as exc:
        print(f"procura: error: {exc.filename or directory}: cannot be written ({exc.strerror})", file=sys.stderr)
        return EXIT_UNUSABLE
    if not args.quiet:
        rows = ", ".join(f"{name} {count}" for name, count in result.rows.items())
        print(f"exported {result.releases} releases and {result.records} records to {directory}")
        print(f"table rows: {rows}")
    return EXIT_EXPORTED


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="procura ocds export")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
