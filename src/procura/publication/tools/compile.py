"""`procura ocds compile`: merge releases by ocid into compiled (and versioned) releases, like `ocdskit compile`.

Input is read once. Each ocid keeps only its running merged state (what the output needs): an ocid
no release touched for a while keeps its compiled release as bytes, several times smaller than the
tree of dicts, and goes back to a tree if another release comes. Releases are not kept: each ocid
remembers where its releases are in the input (a spill file for standard input that is not a file;
with `--package`, whose records list the releases, a spill of the releases). When an ocid's releases
arrive out of date order, or one of them needs `ocdsmerge`'s flat model (see
`procura.publication.merge`), that ocid is merged again from its releases at the end. Output is
ordered by ocid, as `ocdskit compile` orders it.

A large JSON lines file of compiled releases is compiled by one worker process per CPU (up to
`MAX_WORKERS`), each on a contiguous part of the file: an ocid seen by several workers gets their
states combined in input order (`MergedState.combine`) or, if that cannot be exact, merged again from
its releases. Anything unusual (not JSON lines, an error) runs the single-process path instead, which
reports errors with their place in the input.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import itertools
import mmap
import os
import pickle
import stat
import struct
import sys
import tempfile
from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from procura.publication import merge

READ_SIZE = 1 << 22
COMPACT_AFTER = 10_000  # releases: an ocid none of the last ones touched is kept as bytes
COMPACT_EVERY = 1_000  # releases between two looks for such ocids (the least recently touched first)
PARALLEL_MIN_BYTES = 8 << 20  # below this, starting workers costs more than it saves
MAX_WORKERS = 4
_RELEASE_SPILL = 0xFFFFF  # the "source" of a release re-serialised into the release spill


class InputError(Exception):
    """Input that cannot be used: the message names the file and the problem."""


class _Fallback(Exception):
    """A worker met input the parallel path does not handle: run the single-process path."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Read release packages, arrays of releases or releases (JSON lines or concatenated JSON) from "
        "FILEs or standard input, merge the releases by ocid and print one compiled release per line, "
        "ordered by ocid, as `ocdskit compile` does. Merge rules come from OCDS 1.1.5 with the "
        "extensions Procura declares, or from --schema. Exit status 2 for unreadable input."
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="input files (default or '-': standard input)")
    parser.add_argument("--schema", metavar="FILE", help="the (patched) release schema to derive the merge rules from")
    parser.add_argument(
        "--root-path", default="", help="the path to the items within each input value, e.g. releases.item"
    )
    parser.add_argument("--package", action="store_true", help="wrap the compiled releases in a record package")
    parser.add_argument(
        "--linked-releases", action="store_true", help="with --package, use linked releases instead of full releases"
    )
    parser.add_argument(
        "--versioned",
        action="store_true",
        help="with --package, add versioned releases to the records; otherwise print versioned releases "
        "instead of compiled releases",
    )
    template = "with --package, set the record package's {} to this value"
    parser.add_argument("--uri", default="", help=template.format("uri"))
    parser.add_argument("--published-date", default="", help=template.format("publishedDate"))
    parser.add_argument("--version", dest="package_version", default="1.1", help=template.format("version"))
    parser.add_argument("--publisher-name", default="", help=template.format("publisher's name"))
    parser.add_argument("--publisher-uri", default="", help=template.format("publisher's uri"))
    parser.add_argument("--publisher-scheme", default="", help=template.format("publisher's scheme"))
    parser.add_argument("--publisher-uid", default="", help=template.format("publisher's uid"))
    parser.add_argument("--fake", action="store_true", help="with --package, set required metadata to dummy values")


def run(args: argparse.Namespace) -> int:
    # The merged states are millions of acyclic dicts: the cycle collector would walk them all again
    # and again as they grow (most of the run time on 100,000 releases) and would never free any.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    try:
        rules = _rules(args.schema)
        out = sys.stdout.buffer
        found = _parallel_input(args)
        if found is not None and _run_parallel(args, found, rules, out):
            out.flush()
            return 0
        compiler = _Compiler(
            rules,
            compiled=args.package or not args.versioned,
            versioned=args.versioned,
            keep_uris=args.package and args.linked_releases,
            spill_releases=args.package,
            root_path=args.root_path,
        )
        try:
            for source, name, stream in _inputs(args.files or ["-"], compiler):
                for value, offset, length in _values(stream, name, source):
                    compiler.add_value(value, name, source, offset, length)
            compiler.rebuild_dirty()
            if args.package:
                compiler.write_package(out, _package_metadata(args, compiler))
            else:
                compiler.write_lines(out, versioned=args.versioned)
            out.flush()
        finally:
            compiler.close()
    except InputError as exc:
        print(f"procura: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def _rules(path: str | None) -> merge.MergeRules:
    if not path:
        return merge.default_rules()
    schema = _load_json_file(path, "schema")
    if not isinstance(schema, dict):
        raise InputError(f"{path}: the schema is not a JSON object")
    return merge.MergeRules.from_schema(schema)


def _load_json_file(path: str, what: str) -> Any:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc


# --- Reading ----------------------------------------------------------------------------------------


class _Source:
    """Where the bytes of one input's values can be read again: the file itself, or a spill of them."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self.spill: IO[bytes] | None = None if fd is not None else tempfile.TemporaryFile()  # noqa: SIM115
        self.spilled = 0

    def keep(self, raw: bytes | memoryview, offset: int) -> int:
        """Where a value read at `offset` can be read again (spilled first if the input cannot be re-read)."""
        if self.spill is None:
            return offset
        place = self.spilled
        self.spill.write(raw)
        self.spilled += len(raw)
        return place

    def read(self, offset: int, length: int) -> bytes:
        if self.spill is None:
            assert self.fd is not None
            return os.pread(self.fd, length, offset)
        self.spill.flush()
        return os.pread(self.spill.fileno(), length, offset)

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()


def _regular_fd(stream: IO[bytes]) -> int | None:
    try:
        fd = stream.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (OSError, ValueError):
        return None


def _inputs(paths: list[str], compiler: _Compiler) -> Iterator[tuple[_Source, str, IO[bytes]]]:
    """Every input with the way to read its values again, and its name for messages."""
    for path in paths:
        if path == "-":
            stream = sys.stdin.buffer
            yield compiler.add_source(_Source(_regular_fd(stream))), "<stdin>", stream
            continue
        try:
            handle = open(path, "rb")  # noqa: SIM115 (the compiler closes it: it reads releases again)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
        compiler.handles.append(handle)
        yield compiler.add_source(_Source(_regular_fd(handle))), path, handle


def _values(stream: IO[bytes], name: str, source: _Source) -> Iterator[tuple[Any, int, int]]:
    """Each top-level value with where its bytes are (`source.read`): JSON lines line by line
    (memory stays flat), anything else as concatenated values."""
    line_number = 0
    try:
        offset = stream.tell() if source.fd is not None else 0
        for line in stream:
            line_number += 1
            if line.isspace():
                offset += len(line)
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                rest = line + stream.read()
                yield from _concatenated(rest, name, line_number, source, offset)
                return
            yield value, source.keep(line, offset), len(line)
            offset += len(line)
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc


def _concatenated(data: bytes, name: str, first_line: int, source: _Source, base: int) -> Iterator[Any]:
    view = memoryview(data)
    start = 0
    size = len(data)
    while True:
        while start < size and data[start] in b" \t\r\n":
            start += 1
        if start >= size:
            return
        try:
            value = orjson.loads(view[start:])
            yield value, source.keep(view[start:], base + start), size - start
            return
        except orjson.JSONDecodeError as exc:
            if exc.msg != "unexpected content after document" or exc.pos == 0:
                line = first_line + data.count(b"\n", 0, start + exc.pos)
                column = start + exc.pos - (data.rfind(b"\n", 0, start + exc.pos) + 1) + 1
                raise InputError(f"{name}: invalid JSON at line {line} column {column}: {exc.msg}") from exc
            end = start + exc.pos
        yield orjson.loads(view[start:end]), source.keep(view[start:end], base + start), end - start
        start = end


def _at_root(value: Any, root_path: str) -> Iterator[Any]:
    """The items at `root_path` (ijson prefix syntax, `item` for array entries); arrays are unpacked."""
    values = [value]
    for part in root_path.split(".") if root_path else []:
        found: list[Any] = []
        for current in values:
            if part == "item" and isinstance(current, list):
                found.extend(current)
            elif isinstance(current, dict) and part in current:
                found.append(current[part])
        values = found
    for current in values:
        if isinstance(current, list):
            yield from current
        else:
            yield current


# --- Merging ----------------------------------------------------------------------------------------


class _Group:
    """One ocid: running states (or the compiled release as bytes), dates, where its releases are.

    `places` holds three numbers per release: the offset and length of the value holding it, and
    `source << 32 | index` (the index of the release among the value's releases; `_RELEASE_SPILL` as
    the source for the release spill, where a value is one release)."""

    __slots__ = ("compiled", "dirty", "first", "latest", "packed", "places", "touched", "uris", "versioned")

    def __init__(self) -> None:
        self.compiled: merge.MergedState | None = None
        self.versioned: merge.MergedState | None = None
        self.packed: bytes | None = None
        self.first: str | None = None
        self.latest: str | None = None
        self.dirty = False
        self.touched = 0
        self.places = array("q")
        self.uris: array[int] | None = None


@dataclass
class _Metadata:
    publisher: Any = None
    license: Any = None
    publication_policy: Any = None
    has_license: bool = False
    has_policy: bool = False
    extensions: dict[Any, None] = field(default_factory=dict)
    packages: list[Any] = field(default_factory=list)


class _Compiler:
    def __init__(
        self,
        rules: merge.MergeRules,
        *,
        compiled: bool,
        versioned: bool,
        keep_uris: bool,
        spill_releases: bool,
        root_path: str,
    ) -> None:
        self.rules = rules
        self.want_compiled = compiled
        self.want_versioned = versioned
        self.keep_uris = keep_uris
        self.root_path = root_path
        # Only compiled states can be kept as bytes (see `MergedState.compact_json`).
        self.compact = compiled and not versioned
        self.groups: dict[str, _Group] = {}
        # Groups with a state, least recently touched first (an OrderedDict: a dict emptied from the
        # front makes each `next(iter(...))` walk past the removed entries).
        self.live: OrderedDict[str, _Group] = OrderedDict()
        self.sources: list[_Source] = []
        self.handles: list[IO[bytes]] = []
        # Releases re-serialised one by one: all of them with --package (records list them), else
        # those of ocids merged again at the end.
        self.releases = _Source(None)
        self.spill_releases = spill_releases
        self.uri_index: dict[str, int] = {}
        self.metadata = _Metadata()
        self.rebuilt: dict[str, tuple[bytes | None, bytes | None]] = {}
        self.item_number = 0
        self.release_number = 0

    def close(self) -> None:
        for source in self.sources:
            source.close()
        self.releases.close()
        for handle in self.handles:
            handle.close()

    def add_source(self, source: _Source) -> _Source:
        self.sources.append(source)
        return source

    def add_value(self, value: Any, name: str, source: _Source, offset: int, length: int) -> None:
        source_tag = (len(self.sources) - 1) << 32  # values come from the latest source
        index = 0
        for item in _at_root(value, self.root_path):
            for release, uri in self._releases_of(item, name, check=True):
                self.add_release(release, uri, name, (offset, length, source_tag | index))
                index += 1

    def _releases_of(self, item: Any, name: str, *, check: bool) -> Iterator[tuple[Any, str]]:
        """The releases of one item (a release or a release package) with its package's uri."""
        if check:
            self.item_number += 1
            if not isinstance(item, dict):
                raise InputError(
                    f"{name}: item {self.item_number} is a {_kind(item)}, not a release or release package"
                )
        if "date" in item:
            yield item, ""
            return
        if check:
            if "releases" not in item:
                raise InputError(
                    f"{name}: item {self.item_number} is neither a release (no date) nor a release package"
                )
            self._package_metadata(item)
        uri = item.get("uri", "")
        releases = item["releases"]
        if not isinstance(releases, list):
            raise InputError(f"{name}: item {self.item_number}: releases is not an array")
        for release in releases:
            if release is not None:
                yield release, uri

    def _package_metadata(self, package: dict[str, Any]) -> None:
        meta = self.metadata
        if "publisher" in package:
            meta.publisher = package["publisher"]
        if "license" in package:
            meta.license, meta.has_license = package["license"], True
        if "publicationPolicy" in package:
            meta.publication_policy, meta.has_policy = package["publicationPolicy"], True
        extensions = package.get("extensions")
        if isinstance(extensions, list):
            meta.extensions.update(dict.fromkeys(e for e in extensions if isinstance(e, (str, int, float))))
        uri = package.get("uri", "")
        if uri and str(package.get("version", "1.0")) < "1.2":
            meta.packages.append(uri)

    def add_release(self, release: Any, uri: str, name: str, place: tuple[int, int, int]) -> None:
        if not isinstance(release, dict):
            raise InputError(f"{name}: item {self.item_number}: a release is a {_kind(release)}, not an object")
        if "ocid" not in release:
            raise InputError(f"{name}: item {self.item_number}: a release has no ocid")
        ocid = release["ocid"]
        if not isinstance(ocid, str):
            raise InputError(f"{name}: item {self.item_number}: a release's ocid is not a string")
        group = self.groups.get(ocid)
        if group is None:
            group = self.groups[ocid] = _Group()
        if self.spill_releases:
            raw = orjson.dumps(release)
            place = (self.releases.keep(raw, 0), len(raw), _RELEASE_SPILL << 32)
        group.places.extend(place)
        if self.keep_uris:
            if group.uris is None:
                group.uris = array("l")
            group.uris.append(self.uri_index.setdefault(uri, len(self.uri_index)))
        if group.dirty:
            return
        date = release.get("date")
        if type(date) is not str or (group.latest is not None and date < group.latest):
            self._make_dirty(ocid, group)
            return
        if group.first is None:
            group.first = date
        group.latest = date
        if not self._merge(ocid, group, release):
            self._make_dirty(ocid, group)
            return
        self.release_number += 1
        group.touched = self.release_number
        if self.compact:
            if ocid in self.live:
                self.live.move_to_end(ocid)
            else:
                self.live[ocid] = group
            if self.release_number % COMPACT_EVERY == 0:
                self._compact()

    def _merge(self, ocid: str, group: _Group, release: dict[str, Any]) -> bool:
        if self.want_compiled:
            if group.compiled is None:
                group.compiled = self._unpacked(group)
                if group.compiled is None:
                    return False
            if not group.compiled.add(release):
                return False
        if self.want_versioned:
            if group.versioned is None:
                group.versioned = merge.MergedState(self.rules, versioned=True)
            if not group.versioned.add(release):
                return False
        return True

    def _unpacked(self, group: _Group) -> merge.MergedState | None:
        if group.packed is None:
            return merge.MergedState(self.rules, versioned=False)
        packed, group.packed = group.packed, None
        try:
            return merge.MergedState.from_compact_json(self.rules, packed)
        except merge.MergeError:
            return None

    def _compact(self) -> None:
        """Keep as bytes the compiled release of each ocid that no recent release touched."""
        horizon = self.release_number - COMPACT_AFTER
        live = self.live
        while live:
            ocid, group = live.popitem(last=False)
            if group.touched > horizon:
                live[ocid] = group
                live.move_to_end(ocid, last=False)
                break
            if group.compiled is not None:
                group.packed = group.compiled.compact_json()
                if group.packed is not None:
                    group.compiled = None

    def _make_dirty(self, ocid: str, group: _Group) -> None:
        group.dirty = True
        group.compiled = group.versioned = None
        group.packed = None
        self.live.pop(ocid, None)

    def _raw_releases(self, places: array[int]) -> list[bytes]:
        """The releases at `places`, which must all be in the release spill."""
        return [self.releases.read(places[index], places[index + 1]) for index in range(0, len(places), 3)]

    def respill(self, groups: list[_Group]) -> None:
        """Copy the releases of `groups` into the release spill (one by one), reading each value once."""
        wanted: dict[tuple[int, int, int], list[tuple[_Group, int, int]]] = {}
        for group in groups:
            places = group.places
            for slot in range(0, len(places), 3):
                source, index = places[slot + 2] >> 32, places[slot + 2] & 0xFFFFFFFF
                if source != _RELEASE_SPILL:
                    wanted.setdefault((source, places[slot], places[slot + 1]), []).append((group, slot, index))
        for (source, offset, length), requests in sorted(wanted.items(), key=lambda entry: entry[0]):
            value = orjson.loads(self.sources[source].read(offset, length))
            releases: list[Any] = []
            for item in _at_root(value, self.root_path):
                releases.extend(release for release, _ in self._releases_of(item, "", check=False))
            for group, slot, index in requests:
                raw = orjson.dumps(releases[index])
                group.places[slot : slot + 3] = array("q", (self.releases.keep(raw, 0), len(raw), _RELEASE_SPILL << 32))

    def rebuild_dirty(self, skip: frozenset[str] = frozenset()) -> None:
        """Merge every dirty ocid again from its releases, before anything is written."""
        dirty = [(ocid, group) for ocid, group in self.groups.items() if group.dirty and ocid not in skip]
        self.respill([group for _, group in dirty])
        for ocid, group in dirty:
            releases = [orjson.loads(raw) for raw in self._raw_releases(group.places)]
            self.rebuilt[ocid] = _merge_again(ocid, releases, self.rules, self.want_compiled, self.want_versioned)

    def _merged(self, ocid: str, group: _Group) -> tuple[bytes | None, bytes | None]:
        if group.dirty:
            return self.rebuilt[ocid]
        compiled = group.packed
        if compiled is None and group.compiled is not None:
            compiled = group.compiled.to_json()
        return compiled, group.versioned.to_json() if group.versioned else None

    def output_lines(self, ocids: list[str], *, versioned: bool) -> Iterator[bytes]:
        """The lines of `ocids`, each ocid's state freed once written (memory goes down as output goes out)."""
        for ocid in ocids:
            group = self.groups[ocid]
            compiled, versioned_json = self._merged(ocid, group)
            group.compiled = group.versioned = None
            group.packed = None
            line = versioned_json if versioned else compiled
            if line is not None:
                yield line

    def write_lines(self, out: IO[bytes], *, versioned: bool) -> None:
        _write_chunked(out, self.output_lines(sorted(self.groups), versioned=versioned))

    def write_package(self, out: IO[bytes], package: dict[str, Any]) -> None:
        head = orjson.dumps({**package, "records": []})
        out.write(head[: -len(b"[]}")] + b"[")
        uris = list(self.uri_index)
        for number, ocid in enumerate(sorted(self.groups)):
            group = self.groups[ocid]
            compiled, versioned = self._merged(ocid, group)
            releases: list[Any] = []
            for index, raw in enumerate(self._raw_releases(group.places)):
                uri = uris[group.uris[index]] if group.uris is not None else ""
                if uri:
                    release = orjson.loads(raw)
                    releases.append(
                        {"url": f"{uri}#{release.get('id')}", "date": release.get("date"), "tag": release.get("tag")}
                    )
                else:
                    releases.append(orjson.Fragment(raw))
            record: dict[str, Any] = {"ocid": ocid, "releases": releases}
            if compiled is not None:
                record["compiledRelease"] = orjson.Fragment(compiled)
            if versioned is not None:
                record["versionedRelease"] = orjson.Fragment(versioned)
            out.write((b"," if number else b"") + orjson.dumps(record))
        out.write(b"]}\n")


def _merge_again(
    ocid: str, releases: list[Any], rules: merge.MergeRules, compiled: bool, versioned: bool
) -> tuple[bytes | None, bytes | None]:
    try:
        return (
            orjson.dumps(merge.compile_release(releases, rules)) if compiled else None,
            orjson.dumps(merge.versioned_release(releases, rules)) if versioned else None,
        )
    except merge.MergeError as exc:
        raise InputError(f"cannot merge the releases of {ocid}: {exc}") from exc


def _write_chunked(out: IO[bytes], lines: Iterator[bytes]) -> None:
    buffer: list[bytes] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= 1000:
            out.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
    if buffer:
        out.write(b"\n".join(buffer) + b"\n")


# --- Parallel path ----------------------------------------------------------------------------------


def _parallel_input(args: argparse.Namespace) -> tuple[int, int, int, int] | None:
    """The input's descriptor, where it starts and ends, and the number of workers, if the parallel
    path applies: compiled releases as lines, one large regular file, several CPUs."""
    if args.package or args.versioned or len(args.files) > 1 or not hasattr(os, "fork"):
        return None
    try:
        workers = min(MAX_WORKERS, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        workers = min(MAX_WORKERS, os.cpu_count() or 1)
    if workers < 2:
        return None
    path = args.files[0] if args.files else "-"
    try:
        if path == "-":
            fd = sys.stdin.buffer.fileno()
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            begin = os.lseek(fd, 0, os.SEEK_CUR)
        else:
            fd, begin = os.open(path, os.O_RDONLY), 0
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                return None
        end = os.fstat(fd).st_size
    except (OSError, ValueError):
        return None  # the single-process path reports it
    if end - begin < PARALLEL_MIN_BYTES:
        if path != "-":
            os.close(fd)
        return None
    return fd, begin, end, workers


def _run_parallel(
    args: argparse.Namespace, found: tuple[int, int, int, int], rules: merge.MergeRules, out: IO[bytes]
) -> bool:
    """Compile with worker processes; False (nothing written) if the single-process path must run."""
    fd, begin, end, count = found
    try:
        bounds = _split(fd, begin, end, count)
        return _parallel(fd, bounds, rules, args.root_path, out)
    finally:
        if args.files and args.files[0] != "-":
            os.close(fd)


def _split(fd: int, begin: int, end: int, count: int) -> list[tuple[int, int]]:
    """Contiguous parts of [begin, end) of about the same size, each starting at a line."""
    starts = [begin]
    for number in range(1, count):
        position = max(starts[-1], begin + (end - begin) * number // count)
        while position < end:
            chunk = os.pread(fd, 1 << 16, position)
            newline = chunk.find(b"\n")
            if newline >= 0:
                position += newline + 1
                break
            position += len(chunk)
        starts.append(min(position, end))
    return [(start, stop) for start, stop in zip(starts, [*starts[1:], end], strict=True) if start < stop]


def _lines(fd: int, begin: int, end: int) -> Iterator[tuple[bytes, int]]:
    """The lines of [begin, end) with their offsets, read in large blocks."""
    buffer = bytearray()
    base = offset = begin
    while offset < end:
        chunk = os.pread(fd, min(READ_SIZE, end - offset), offset)
        if not chunk:
            break
        offset += len(chunk)
        scan = len(buffer)
        buffer += chunk
        start = 0
        while True:
            newline = buffer.find(b"\n", scan)
            if newline < 0:
                break
            yield bytes(buffer[start : newline + 1]), base + start
            start = scan = newline + 1
        del buffer[:start]
        base += start
    if buffer:
        yield bytes(buffer), base


def _send(fd: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(os.dup(fd), "wb") as pipe:
        pipe.write(struct.pack("<Q", len(data)))
        pipe.write(data)


def _receive(fd: int) -> Any:
    with os.fdopen(os.dup(fd), "rb") as pipe:
        head = pipe.read(8)
        if len(head) < 8:
            raise _Fallback  # the worker stopped: input the parallel path does not handle
        size = struct.unpack("<Q", head)[0]
        data = pipe.read(size)
    if len(data) < size:
        raise _Fallback
    return pickle.loads(data)  # noqa: S301 (from our own forked worker)


def _worker(
    fd: int, part: tuple[int, int], rules: merge.MergeRules, root_path: str, up: int, down: int, blob: IO[bytes]
) -> None:
    """Compile one part of the input; tell the parent which ocids it saw, then write its output."""
    compiler = _Compiler(
        rules, compiled=True, versioned=False, keep_uris=False, spill_releases=False, root_path=root_path
    )
    try:
        source = compiler.add_source(_Source(fd))
        for line, offset in _lines(fd, *part):
            if line.isspace():
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise _Fallback from exc
            compiler.add_value(value, "", source, offset, len(line))
        _send(up, {ocid: (group.first, group.latest, group.dirty) for ocid, group in compiler.groups.items()})
        shared: dict[str, bool] = _receive(down)  # ocids other workers saw too: combine them, or merge again
        compiler.rebuild_dirty(skip=frozenset(shared))
        own = [ocid for ocid in sorted(compiler.groups) if ocid not in shared]
        index: list[tuple[str, int]] = []
        _write_chunked(blob, _indexed(compiler.output_lines(own, versioned=False), own, index))
        blob.flush()
        states: dict[str, Any] = {}
        places: dict[str, array[int]] = {}
        for ocid, combine in shared.items():
            group = compiler.groups[ocid]
            places[ocid] = group.places
            if combine:
                states[ocid] = group.packed if group.packed is not None else group.compiled.state  # type: ignore[union-attr]
        _send(up, (index, states, places))
    finally:
        compiler.close()


def _indexed(lines: Iterator[bytes], ocids: list[str], index: list[tuple[str, int]]) -> Iterator[bytes]:
    """`lines` (one per ocid), noting each ocid and the length of its line in `index`."""
    for ocid, line in zip(ocids, lines, strict=True):
        index.append((ocid, len(line) + 1))
        yield line


def _parallel(fd: int, parts: list[tuple[int, int]], rules: merge.MergeRules, root_path: str, out: IO[bytes]) -> bool:
    blobs = [tempfile.TemporaryFile() for _ in parts]  # noqa: SIM115 (closed below)
    workers: list[tuple[int, int, int]] = []
    try:
        for number, part in enumerate(parts):
            workers.append(_start_worker(fd, part, rules, root_path, blobs[number]))
        summaries: list[dict[str, tuple[str | None, str | None, bool]]] = [_receive(up) for _, up, _ in workers]
        shared = _shared_ocids(summaries)
        for number, (_, _, down) in enumerate(workers):
            _send(down, {ocid: combine for ocid, (numbers, combine) in shared.items() if number in numbers})
        results = [_receive(up) for _, up, _ in workers]
        extra = _merge_shared(fd, shared, results, rules, root_path)
        _write_parallel_output(out, blobs, [result[0] for result in results], extra)
        return True
    except (_Fallback, InputError):
        return False
    finally:
        for pid, up, down in workers:
            os.close(up)
            os.close(down)
            os.waitpid(pid, 0)
        for blob in blobs:
            blob.close()


def _start_worker(
    fd: int, part: tuple[int, int], rules: merge.MergeRules, root_path: str, blob: IO[bytes]
) -> tuple[int, int, int]:
    up_read, up_write = os.pipe()
    down_read, down_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        status = 1
        try:
            os.close(up_read)
            os.close(down_write)
            _worker(fd, part, rules, root_path, up_write, down_read, blob)
            status = 0
        except BaseException:  # noqa: S110 (the parent sees the closed pipe and falls back)
            pass
        finally:
            os._exit(status)
    os.close(up_write)
    os.close(down_read)
    return pid, up_read, down_write


def _shared_ocids(
    summaries: list[dict[str, tuple[str | None, str | None, bool]]],
) -> dict[str, tuple[list[int], bool]]:
    """Ocids seen by several workers, with those workers and whether their states can be combined
    (none dirty, and each part's releases not older than the previous part's latest)."""
    seen: dict[str, list[int]] = {}
    for number, summary in enumerate(summaries):
        for ocid in summary:
            seen.setdefault(ocid, []).append(number)
    shared: dict[str, tuple[list[int], bool]] = {}
    for ocid, numbers in seen.items():
        if len(numbers) < 2:
            continue
        parts = [summaries[number][ocid] for number in numbers]
        combine = not any(dirty for _, _, dirty in parts) and all(
            str(before[1]) <= str(after[0]) for before, after in itertools.pairwise(parts)
        )
        shared[ocid] = (numbers, combine)
    return shared


def _merge_shared(
    fd: int,
    shared: dict[str, tuple[list[int], bool]],
    results: list[Any],
    rules: merge.MergeRules,
    root_path: str,
) -> list[tuple[str, int, bytes]]:
    """The compiled releases of the ocids several workers saw: states combined, or merged again."""
    again = _Compiler(rules, compiled=True, versioned=False, keep_uris=False, spill_releases=False, root_path=root_path)
    again.add_source(_Source(fd))
    extra: list[tuple[str, int, bytes]] = []
    try:
        for ocid, (numbers, combine) in shared.items():
            if combine:
                states = [_state(results[number][1][ocid], rules) for number in numbers]
                first = states[0]
                if first is not None and all(later is not None and first.combine(later) for later in states[1:]):
                    extra.append((ocid, -1, first.to_json()))
                    continue
            group = again.groups[ocid] = _Group()
            group.dirty = True
            for number in numbers:
                group.places.extend(results[number][2][ocid])
        again.rebuild_dirty()
        for ocid, (compiled, _) in again.rebuilt.items():
            assert compiled is not None
            extra.append((ocid, -1, compiled))
    finally:
        again.close()
    extra.sort()
    return extra


def _state(saved: Any, rules: merge.MergeRules) -> merge.MergedState | None:
    if isinstance(saved, bytes):
        try:
            return merge.MergedState.from_compact_json(rules, saved)
        except merge.MergeError:
            return None
    state = merge.MergedState(rules, versioned=False)
    state.state = saved
    return state


def _numbered(index: list[tuple[str, int]], number: int) -> Iterator[tuple[str, int, int]]:
    return ((ocid, number, length) for ocid, length in index)


def _write_parallel_output(
    out: IO[bytes],
    blobs: Sequence[IO[bytes]],
    indexes: list[list[tuple[str, int]]],
    extra: list[tuple[str, int, bytes]],
) -> None:
    """All compiled releases by ocid: runs of the workers' sorted outputs, and the shared ocids'."""
    views = []
    for blob in blobs:
        size = os.fstat(blob.fileno()).st_size
        views.append(memoryview(mmap.mmap(blob.fileno(), size, access=mmap.ACCESS_READ)) if size else memoryview(b""))
    streams = [_numbered(index, number) for number, index in enumerate(indexes)]
    positions = [0] * len(blobs)
    run_number, run_start = -1, 0
    for _, number, payload in heapq.merge(*streams, extra):
        if number != run_number:
            if run_number >= 0:
                out.write(views[run_number][run_start : positions[run_number]])
            run_number, run_start = number, positions[number] if number >= 0 else 0
        if number < 0:
            assert isinstance(payload, bytes)
            out.write(payload + b"\n")
            run_number = -1
        else:
            assert isinstance(payload, int)
            positions[number] += payload
    if run_number >= 0:
        out.write(views[run_number][run_start : positions[run_number]])
    for view in views:
        view.release()


def _package_metadata(args: argparse.Namespace, compiler: _Compiler) -> dict[str, Any]:
    """The record package's fields in `ocdskit compile --package`'s order and rules."""
    meta = compiler.metadata
    publisher = {
        key: getattr(args, f"publisher_{key}")
        for key in ("name", "uri", "scheme", "uid")
        if getattr(args, f"publisher_{key}")
    }
    uri = args.uri or ("placeholder:" if args.fake else "")
    published = args.published_date or ("9999-01-01T00:00:00Z" if args.fake else "")
    package: dict[str, Any] = {
        "uri": uri,
        "publisher": publisher or (meta.publisher if meta.publisher is not None else {}),
        "publishedDate": published,
    }
    if meta.has_license and meta.license is not None:
        package["license"] = meta.license
    if meta.has_policy and meta.publication_policy is not None:
        package["publicationPolicy"] = meta.publication_policy
    if args.package_version is not None:
        package["version"] = args.package_version
    if meta.extensions:
        package["extensions"] = list(meta.extensions)
    if meta.packages:
        package["packages"] = list(meta.packages)
    return package


def _kind(value: Any) -> str:
    return {list: "array", str: "string", type(None): "null", bool: "boolean"}.get(type(value), type(value).__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="procura ocds compile")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
