"""`procura ocds import FILE…`: load another publisher's OCDS data into the historical store."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from procura.publication.tools import setup_django

if TYPE_CHECKING:
    from procura.publication.importer import FileOutcome, SkipReason

EXIT_IMPORTED = 0
EXIT_NOTHING_IMPORTED = 1
EXIT_UNUSABLE = 2

DESCRIPTION = """\
Load another publisher's OCDS releases or records into Procura's read-only historical store,
separate from live processes, so that they can be searched on the Open data history page.

Each FILE is a release package, a record package, a single release or record, an array of
releases, or JSON lines (each line any of those; read one line at a time). Use - for standard
input. A record's embedded releases are imported and its compiled release is kept as the
publisher's; a process known only from a compiled release is shown from it until its releases
are imported. Each process's compiled release is recompiled from all its imported releases.

Items that cannot be kept are skipped and listed with their place and reason (no ocid, no id,
no or invalid date, not an object, a linked release without content, a bad JSON line, a
different release under an id already imported); the rest is kept. Importing the same data
again changes nothing: those items are counted as already present.

Each file is imported in one transaction: a file that cannot be read or is not JSON leaves
nothing behind, and the other files are still imported.

Exit status: 0 when something was imported or everything was already present; 1 when the
files were read but nothing could be imported (every item skipped, or none found); 2 when a
file could not be read or is not OCDS JSON (the other files are still imported).
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("files", nargs="+", metavar="FILE", help="OCDS JSON or JSON lines files (- for stdin)")
    parser.add_argument(
        "--source",
        default="",
        help="label for where the data comes from, shown and filterable on the history page "
        "(default: the publisher's name in the package, else the ocid prefix)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary, not each skipped item")


def _summary(outcomes: Sequence[FileOutcome], out: TextIO) -> None:
    from procura.publication.importer import SKIP_LABELS
    from procura.publication.models import HistoricalProcess

    reasons: Counter[SkipReason] = Counter()
    for outcome in outcomes:
        reasons.update(skipped.reason for skipped in outcome.skipped)
    failed = [outcome for outcome in outcomes if outcome.failed]
    imported = sum(outcome.imported for outcome in outcomes)
    compiled = sum(outcome.publisher_compiled for outcome in outcomes)
    print("Summary", file=out)
    print(f"  files read: {len(outcomes) - len(failed)}, unusable: {len(failed)}", file=out)
    print(f"  releases imported: {imported}", file=out)
    print(f"  publisher's compiled releases kept: {compiled}", file=out)
    print(f"  already present: {sum(outcome.already_present for outcome in outcomes)}", file=out)
    print(f"  skipped: {sum(reasons.values())}", file=out)
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        print(f"    {SKIP_LABELS[reason]}: {count}", file=out)
    created = sum(outcome.processes_created for outcome in outcomes)
    updated = sum(outcome.processes_updated for outcome in outcomes)
    print(f"  processes created: {created}, updated: {updated}", file=out)
    print(f"  processes in the historical store: {HistoricalProcess.objects.count()}", file=out)


def _exit_status(outcomes: Sequence[FileOutcome]) -> int:
    if any(outcome.failed for outcome in outcomes):
        return EXIT_UNUSABLE
    kept = sum(outcome.imported + outcome.publisher_compiled + outcome.already_present for outcome in outcomes)
    return EXIT_IMPORTED if kept else EXIT_NOTHING_IMPORTED


def run(args: argparse.Namespace) -> int:
    setup_django()
    from procura.publication.importer import import_path

    if list(args.files).count("-") > 1:
        print("procura: error: standard input (-) can be given only once", file=sys.stderr)
        return EXIT_UNUSABLE
    outcomes = []
    for path in args.files:
        outcome = import_path(path=path, source=args.source)
        outcomes.append(outcome)
        if outcome.failed:
            print(f"procura: error: {path}: {outcome.error} (nothing imported from it)", file=sys.stderr)
            continue
        if not args.quiet:
            for skipped in outcome.skipped:
                print(f"{path}: {skipped.describe()}")
    _summary(outcomes, sys.stdout)
    return _exit_status(outcomes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="procura ocds import")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
