"""`procura ocds validate FILE…`: check OCDS packages, releases or JSON lines as the Data Review Tool would."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson

from procura.publication import schema
from procura.publication.validate import Problem, Report, validate_package


class UnusableInput(Exception):
    """A file that cannot be read as JSON or JSON lines: the message says which and why."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Validate release packages, record packages, releases, arrays of releases or JSON lines "
        "(of releases or packages) against OCDS 1.1.5 and the extensions each package declares "
        "(those available offline), closed codelists and ocid prefixes included, with the same "
        "verdicts as the Data Review Tool (libcoveocds). Each problem is named by its JSON path. "
        "Exit status 0 when everything is valid, 1 when not, 2 for unusable arguments or input."
    )
    parser.add_argument("files", metavar="FILE", nargs="+", help="a JSON or JSON lines file, or - for standard input")
    parser.add_argument(
        "--extension",
        action="append",
        default=[],
        metavar="NAME",
        help="also apply this extension (" + ", ".join(schema.EXTENSION_URLS) + "); bare releases get only these",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the verdict line of each file")


def run(args: argparse.Namespace) -> int:
    unknown = [name for name in args.extension if name not in schema.EXTENSION_URLS]
    if unknown:
        _error(f"unknown extension {', '.join(unknown)}: choose from {', '.join(schema.EXTENSION_URLS)}")
        return 2
    # Parsing a large file builds millions of containers; the cyclic collector would scan them over
    # and over (it doubles the time) although JSON cannot hold cycles.
    gc.disable()
    try:
        return _validate_files(args)
    finally:
        gc.enable()


def _validate_files(args: argparse.Namespace) -> int:
    status = 0
    for name in args.files:
        try:
            report = validate_file(name, extensions=tuple(args.extension))
        except UnusableInput as exc:
            _error(str(exc))
            status = 2
            continue
        except schema.SchemaUnavailable as exc:
            _error(f"the OCDS schemas are unavailable: {exc}")
            return 2
        _print_report(report, quiet=args.quiet, out=sys.stdout)
        if not report.valid and status == 0:
            status = 1
    return status


def validate_file(name: str, *, extensions: tuple[str, ...] = ()) -> Report:
    """The report for one file (`-` is standard input)."""
    body = _read(name)
    report = Report(name)
    for line, document in _documents(name, body):
        found = validate_package(document, source=name, extensions=extensions)
        if line is not None:
            found.problems = [problem.located("", line) for problem in found.problems]
            found.warnings = [problem.located("", line) for problem in found.warnings]
        report.extend(found)
    return report


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UnusableInput(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UnusableInput(f"{name}: is a directory, not a file") from None
    except OSError as exc:
        raise UnusableInput(f"{name}: cannot be read ({exc.strerror or exc})") from None


def _documents(name: str, body: bytes) -> Iterator[tuple[int | None, Any]]:
    """The whole file as one JSON value, or else each non-empty line as one (JSON lines)."""
    if not body.strip():
        raise UnusableInput(f"{name}: is empty")
    try:
        whole = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        lines = body.splitlines()
        if len([line for line in lines if line.strip()]) < 2 or not _parses(lines[0]):
            raise UnusableInput(f"{name}: is not JSON: {exc}") from None
        yield from _json_lines(name, lines)
        return
    _check_shape(name, whole, None)
    yield None, whole


def _parses(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _json_lines(name: str, lines: list[bytes]) -> Iterator[tuple[int | None, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise UnusableInput(f"{name}: line {number} is not JSON: {exc}") from None
        _check_shape(name, document, number)
        yield number, document


def _check_shape(name: str, document: Any, line: int | None) -> None:
    if not isinstance(document, dict | list):
        where = f"line {line}" if line is not None else "the file"
        raise UnusableInput(f"{name}: {where} holds a JSON {type(document).__name__}, not an OCDS package or release")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _print_report(report: Report, *, quiet: bool, out: TextIO) -> None:
    if not quiet:
        for problem in report.problems:
            out.write(_format(report.source, problem) + "\n")
        for problem in report.warnings:
            out.write(_format(report.source, problem, warning=True) + "\n")
    counts = _plural(report.releases, "release") + (
        f" in {_plural(report.records, 'record')}" if report.records else ""
    )
    if report.valid:
        out.write(f"{report.source}: valid ({counts})\n")
    else:
        kinds: dict[str, int] = {}
        for problem in report.problems:
            kinds[problem.kind] = kinds.get(problem.kind, 0) + 1
        detail = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        out.write(f"{report.source}: invalid: {_plural(len(report.problems), 'problem')} ({detail}) ({counts})\n")


def _format(source: str, problem: Problem, *, warning: bool = False) -> str:
    line = f"line {problem.line}: " if problem.line is not None else ""
    label = "warning" if warning else problem.kind
    return f"{source}: {line}{problem.path or '(root)'}: {problem.message} [{label}: {problem.rule}]"


def _error(message: str) -> None:
    sys.stderr.write(f"procura: error: {message}\n")


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="procura ocds validate")
    configure(_parser)
    sys.exit(run(_parser.parse_args()))
