"""Validate OCDS 1.1.5 releases, release packages and record packages, with the verdicts of libcoveocds.

The Data Review Tool (libcoveocds 0.17) is the reference: what it reports as validation errors,
closed-codelist values and conformance errors is what this module reports, with the same JSON
paths. It validates a whole package with Python `jsonschema`, which is slow (the `uniqueItems` on
`releases` alone is quadratic). Here the package metadata and each release are validated
separately with `jsonschema_rs` in two stages: a fast `is_valid` per release, then a full error
walk only for the releases that fail it. The first stage must never pass what libcoveocds would
reject, so the schema given to `jsonschema_rs` is rewritten to libcove's rules:

- `uniqueItems` means "no two items share an `id`" (libcove's `unique_ids`), not deep equality;
- `patternProperties` are ignored (libcove removes that keyword);
- `format` uses the same grammars as `jsonschema`'s checkers (RFC 3339 date-time on the
  upper-cased string, RFC 3986 URI, email containing "@");
- an `enum` on a closed-codelist field is not a validation error in libcove (it is reported under
  closed-codelist values instead), so it becomes a keyword that only flags the release for the
  second stage, where the codelist walk decides with libcove's exact rules.

Problem paths are slash-separated, as in libcoveocds: `releases/0/tender/status`. A missing
required field is named by its own path (`releases/0/tender/id`).
"""

from __future__ import annotations

import calendar
import copy
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import orjson

from procura.publication import schema

PathItem = str | int
Path = tuple[PathItem, ...]
CodelistPaths = dict[tuple[str, ...], str]

KIND_SCHEMA = "schema"
KIND_CODELIST = "codelist"
KIND_CONFORMANCE = "conformance"
KIND_EXTENSION = "extension"
KIND_VERSION = "version"

_UNIQUE_KEYWORD = "x-procuraUniqueIds"
_CODELIST_KEYWORD = "x-procuraClosedCodelist"
_OCID_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located by a slash-separated JSON path.

    `rule` is what libcoveocds calls the error type: `required`, `string`, `date-time`, `uri`,
    `enum`, `minItems`, `uniqueItems`... for schema problems, the codelist file for codelist
    problems, `ocid_prefix` for conformance problems. `line` is the 1-based line of a JSON lines
    input, else None.
    """

    path: str
    kind: str
    rule: str
    message: str
    value: Any = None
    line: int | None = None

    def located(self, prefix: str, line: int | None = None) -> Problem:
        """The same problem inside a larger document (`prefix` is prepended to the path)."""
        path = f"{prefix}/{self.path}" if prefix and self.path else prefix or self.path
        return Problem(path, self.kind, self.rule, self.message, self.value, line if line is not None else self.line)


@dataclass
class Report:
    """The verdict on one document (a package, a release, or a JSON lines file)."""

    source: str = ""
    problems: list[Problem] = field(default_factory=list)
    # Things worth saying that libcoveocds does not count against the data (an extension that
    # could not be applied, a version other than 1.1): they never change the verdict.
    warnings: list[Problem] = field(default_factory=list)
    releases: int = 0
    records: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems

    def extend(self, other: Report) -> None:
        self.problems.extend(other.problems)
        self.warnings.extend(other.warnings)
        self.releases += other.releases
        self.records += other.records


# --- formats: the grammars jsonschema's FormatChecker applies -------------------------------

_DATE_TIME = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$",
    re.ASCII,
)


def is_date_time(value: str) -> bool:
    """RFC 3339 date-time, checked on the upper-cased string (so `t` and `z` pass), as jsonschema does."""
    match = _DATE_TIME.match(value.upper())
    if match is None:
        return False
    year, month, day = (int(group) for group in match.groups())
    return year != 0 and 1 <= day <= calendar.monthrange(year, month)[1]


def _uri_pattern() -> re.Pattern[str]:
    """RFC 3986 section 3 `URI` (absolute, ASCII), from its ABNF."""
    unreserved = r"A-Za-z0-9\-._~"
    sub_delims = r"!$&'()*+,;="
    pct = r"%[0-9A-Fa-f]{2}"
    pchar = rf"(?:[{unreserved}{sub_delims}:@]|{pct})"
    segment, segment_nz = f"{pchar}*", f"{pchar}+"
    dec_octet = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
    ipv4 = rf"{dec_octet}(?:\.{dec_octet}){{3}}"
    h16 = r"[0-9A-Fa-f]{1,4}"
    ls32 = rf"(?:{h16}:{h16}|{ipv4})"
    ipv6 = "|".join(
        [
            rf"(?:{h16}:){{6}}{ls32}",
            rf"::(?:{h16}:){{5}}{ls32}",
            rf"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
            rf"(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}",
            rf"(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}",
            rf"(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}",
            rf"(?:(?:{h16}:){{0,4}}{h16})?::{ls32}",
            rf"(?:(?:{h16}:){{0,5}}{h16})?::{h16}",
            rf"(?:(?:{h16}:){{0,6}}{h16})?::",
        ]
    )
    ip_literal = rf"\[(?:{ipv6}|v[0-9A-Fa-f]+\.[{unreserved}{sub_delims}:]+)\]"
    reg_name = rf"(?:[{unreserved}{sub_delims}]|{pct})*"
    userinfo = rf"(?:[{unreserved}{sub_delims}:]|{pct})*"
    authority = rf"(?:{userinfo}@)?(?:{ip_literal}|{reg_name})(?::[0-9]*)?"
    hier_part = rf"(?://{authority}(?:/{segment})*|/(?:{segment_nz}(?:/{segment})*)?|{segment_nz}(?:/{segment})*|)"
    query = rf"(?:{pchar}|[/?])*"
    return re.compile(rf"^[A-Za-z][A-Za-z0-9+\-.]*:{hier_part}(?:\?{query})?(?:#{query})?$")


_URI = _uri_pattern()


def is_uri(value: str) -> bool:
    """An absolute URI per RFC 3986 (what `rfc3987.parse(value, rule="URI")` accepts)."""
    return _URI.match(value) is not None


def is_email(value: str) -> bool:
    """jsonschema's email check is only this."""
    return "@" in value


FORMATS: dict[str, Callable[[str], bool]] = {"date-time": is_date_time, "uri": is_uri, "email": is_email}


# --- libcove's unique_ids -------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """A hashable form in which equal JSON values (1 and 1.0, key order) coincide, bools apart."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return ("object", tuple(sorted((key, _canonical(item)) for key, item in value.items())))
    if isinstance(value, list):
        return ("array", tuple(_canonical(item) for item in value))
    return value


def _all_distinct(items: Sequence[Any]) -> bool:
    try:
        canonical = [_canonical(item) for item in items]
        return len(set(canonical)) == len(canonical)
    except TypeError:  # an unhashable leftover: compare pairwise
        return all(items[i] != items[j] for i in range(len(items)) for j in range(i))


def duplicate_ids(items: Sequence[Any], id_names: Sequence[str] = ("id",)) -> list[str]:
    """libcove's uniqueItems: messages for ids shared by several items, or for repeated items.

    Items that all carry the ids are compared by ids only; as soon as one lacks them, the whole
    array must hold no two equal items instead (and only that is reported)."""
    seen: set[tuple[Any, ...]] = set()
    repeated: set[tuple[Any, ...]] = set()
    compared_whole = False
    for item in items:
        ids = tuple(item.get(name) for name in id_names) if isinstance(item, dict) else None
        if ids and all(value is not None and not isinstance(value, dict | list) for value in ids):
            key = tuple(_canonical(value) for value in ids)
            if key in seen:
                repeated.add(ids)
            seen.add(key)
        elif not compared_whole:
            if not _all_distinct(items):
                return ["Array has non-unique elements"]
            compared_whole = True
    label = id_names[0] if len(id_names) == 1 else "combination of " + ", ".join(id_names)
    return [f"Non-unique {label} values: {', '.join(map(str, ids))}" for ids in sorted(repeated, key=repr)]


class _UniqueIds:
    """`jsonschema_rs` keyword standing for libcove's `uniqueItems` (ids, not deep equality)."""

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self.enabled = bool(value)

    def validate(self, instance: Any) -> None:
        if not self.enabled or type(instance) is not list or len(instance) < 2:
            return
        try:
            ids = {item["id"] for item in instance}
        except (TypeError, KeyError):  # an item without an id, or an id that is an object or array
            ids = set()
        if len(ids) == len(instance) and all(type(value) is str for value in ids):
            return  # the usual case, decided without canonical forms
        if duplicate_ids(instance):
            raise ValueError("non-unique items")


class _ClosedCodelist:
    """`jsonschema_rs` keyword that flags a value outside a closed codelist, for the second stage.

    It flags a superset of what libcove's codelist walk reports (which skips empty values), so a
    release passing the first stage has no closed-codelist problem."""

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self.codes = _codes(value)

    def validate(self, instance: Any) -> None:
        if self.codes is None:
            return
        if isinstance(instance, list):
            if any(not isinstance(item, str) or item not in self.codes for item in instance):
                raise ValueError("code outside the closed codelist")
        elif instance is not None and (not isinstance(instance, str) or instance not in self.codes):
            raise ValueError("code outside the closed codelist")


@functools.cache
def _codes(codelist_file: str) -> frozenset[str] | None:
    """The codes of a codelist file name such as `currency.csv`, or None when there is no such file."""
    try:
        return schema.codelist(codelist_file.removesuffix(".csv"))
    except (OSError, KeyError, schema.SchemaUnavailable):
        return None


# --- schema preparation ---------------------------------------------------------------------


def _mark_codelist_enums(node: dict[str, Any]) -> None:
    """libcoveocds' `_add_is_codelist` on the release schema: which enums it does not report.

    Only these nodes are reached (top-level and definitions' properties, through object types and
    array items), exactly as libcove walks them."""
    for value in node.get("properties", {}).values():
        if not isinstance(value, dict):
            continue
        types = value.get("type", [])
        types = types if isinstance(types, list) else [types]
        is_closed = "codelist" in value and value.get("openCodelist", False) is False
        if "array" in types:
            if isinstance(value.get("items"), dict):
                if is_closed:
                    value["items"]["x-isCodelist"] = True
                _mark_codelist_enums(value["items"])
        else:
            if is_closed:
                value["x-isCodelist"] = True
            if "object" in types:
                _mark_codelist_enums(value)
    for value in node.get("definitions", {}).values():
        if isinstance(value, dict):
            _mark_codelist_enums(value)


def _rewrite(node: Any) -> Any:
    """The schema `jsonschema_rs` gets: libcove's keyword semantics (see the module docstring)."""
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "patternProperties":
            continue
        if key == "uniqueItems":
            result[_UNIQUE_KEYWORD] = value
        elif key == "enum" and node.get("x-isCodelist"):
            continue
        elif key in ("properties", "definitions") and isinstance(value, dict):
            result[key] = {name: _rewrite(sub) for name, sub in value.items()}
        else:
            result[key] = _rewrite(value)
    if "codelist" in node and node.get("openCodelist", False) is False:
        result[_CODELIST_KEYWORD] = node["codelist"]
    result.pop("x-isCodelist", None)
    return result


def _validator(rs_schema: dict[str, Any]) -> _TwoStage:
    return _TwoStage(rs_schema)


# The first stage replaces Python callbacks (each costs microseconds) by native keywords that are
# at least as strict: formats become regular expressions (Rust's `$` allows no trailing newline;
# 29 February and lowercase `t`/`z` go to the second stage), codelists become enums of their codes.
_DATE_TIME_PATTERN = (
    r"^(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-"
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
_FORMAT_PATTERNS = {"date-time": _DATE_TIME_PATTERN, "uri": _URI.pattern, "email": "@"}


def _fast(node: Any) -> Any:
    if isinstance(node, list):
        return [_fast(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    for key, value in node.items():
        if key == "format" and value in _FORMAT_PATTERNS:
            extra.append({"pattern": _FORMAT_PATTERNS[value]})
        elif key == _CODELIST_KEYWORD:
            codes = _codes(value)
            if codes is not None:
                ordered = sorted(codes)
                is_array = "array" in _types(node)
                extra.append({"items": {"enum": ordered}} if is_array else {"enum": [*ordered, None]})
        elif key in ("properties", "definitions") and isinstance(value, dict):
            result[key] = {name: _fast(sub) for name, sub in value.items()}
        else:
            result[key] = _fast(value)
    if extra:
        result["allOf"] = [*result.get("allOf", []), *extra]
    return result


class _TwoStage:
    """A quick `is_valid` (native keywords) and the full error walk (libcove's exact checks)."""

    def __init__(self, rs_schema: dict[str, Any]) -> None:
        self.full = jsonschema_rs.Draft4Validator(
            rs_schema,
            validate_formats=True,
            formats=FORMATS,
            keywords={_UNIQUE_KEYWORD: _UniqueIds, _CODELIST_KEYWORD: _ClosedCodelist},
        )
        self.fast = jsonschema_rs.Draft4Validator(
            _fast(rs_schema), validate_formats=True, formats=FORMATS, keywords={_UNIQUE_KEYWORD: _UniqueIds}
        )

    def is_valid(self, instance: Any) -> bool:
        return bool(self.fast.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        return iter(self.full.iter_errors(instance))


def _deref(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """Local `$ref`s replaced by their targets (siblings kept), enough to walk fields by path."""
    if depth > 60:
        return {}
    if isinstance(node, list):
        return [_deref(item, root, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = root
        for part in node["$ref"][2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        merged = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
        return _deref(merged, root, depth + 1)
    return {key: _deref(value, root, depth + 1) for key, value in node.items() if key != "definitions"}


def _types(node: Mapping[str, Any]) -> list[Any]:
    types = node.get("type", [])
    return types if isinstance(types, list) else [types]


def codelist_paths(
    node: Mapping[str, Any], prefix: tuple[str, ...] = (), found: CodelistPaths | None = None
) -> CodelistPaths:
    """Closed-codelist fields by path without indexes, as libcove's `get_schema_codelist_paths`."""
    closed: dict[tuple[str, ...], tuple[str, bool]] = {}
    _collect_codelists(node, prefix, closed)
    result = found if found is not None else {}
    for path, (codelist, is_open) in closed.items():
        if not is_open and path not in result:
            result[path] = codelist
    return result


def _collect_codelists(
    node: Mapping[str, Any], prefix: tuple[str, ...], paths: dict[tuple[str, ...], tuple[str, bool]]
) -> None:
    properties = node.get("properties", {})
    if not isinstance(properties, dict):
        return
    for name, value in properties.items():
        if not isinstance(value, dict):
            continue
        path = (*prefix, name)
        if "codelist" in value and path not in paths:
            paths[path] = (value["codelist"], value.get("openCodelist", False))
        if isinstance(value.get("oneOf"), list):
            descendants = value["oneOf"]
        elif isinstance(value.get("anyOf"), list):
            descendants = value["anyOf"]
        else:
            descendants = [value]
        for sub in descendants:
            if not isinstance(sub, dict):
                continue
            types = _types(sub)
            items = sub.get("items")
            if "object" in types:
                _collect_codelists(sub, path, paths)
            elif "array" in types and isinstance(items, dict):
                if "string" in _types(items):
                    if "codelist" in items and path not in paths:
                        paths[path] = (items["codelist"], items.get("openCodelist", False))
                elif items.get("properties"):
                    _collect_codelists(items, path, paths)


@dataclass
class _Schemas:
    """Everything compiled once per set of extensions."""

    release: dict[str, Any]
    release_validator: _TwoStage
    release_codelists: CodelistPaths
    versioned: dict[str, Any]
    versioned_validator: _TwoStage
    versioned_codelists: CodelistPaths
    linked: dict[str, Any]
    linked_validator: _TwoStage
    record_release_codelists: CodelistPaths
    release_package: dict[str, Any]
    release_package_validator: _TwoStage
    record_package: dict[str, Any]
    record_package_validator: _TwoStage


def _missing_definitions(node: Any, root: Mapping[str, Any], found: set[str]) -> None:
    """Replace each local `$ref` to a definition that does not exist by an open schema, noting it.

    The bidOpening extension refers to `#/definitions/Location`, which only the location extension
    (a dependency not in the offline set) defines; `jsonschema_rs` refuses such a schema, and
    libcoveocds gives up on its codelist checks (and fails outright on data using the field)."""
    if isinstance(node, list):
        for item in node:
            _missing_definitions(item, root, found)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        name = ref.removeprefix("#/definitions/") if isinstance(ref, str) and ref.startswith("#/definitions/") else None
        if name is not None and name not in root.get("definitions", {}):
            found.add(name)
            del node["$ref"]
        for value in node.values():
            _missing_definitions(value, root, found)


@functools.cache
def missing_definitions(extensions: tuple[str, ...]) -> tuple[str, ...]:
    """Definitions the extensions refer to but none defines: fields using them are not checked.

    `schema.patched_schema` already drops such fields (and `_patched_release` would open them up),
    so they are found in the extensions' own patches."""
    patched = _patched_release(extensions)[0]
    referred: set[str] = set(_patched_release(extensions)[1])
    for name in extensions:
        _referred_definitions(schema.extension_patch(name), referred)
    return tuple(sorted(name for name in referred if name not in patched.get("definitions", {})))


def _referred_definitions(node: Any, found: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _referred_definitions(item, found)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref.removeprefix("#/definitions/"))
        for value in node.values():
            _referred_definitions(value, found)


@functools.cache
def _patched_release(extensions: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
    release = copy.deepcopy(schema.patched_schema(extensions))
    found: set[str] = set()
    _missing_definitions(release, release, found)
    return release, tuple(sorted(found))


@functools.cache
def _schemas(extensions: tuple[str, ...]) -> _Schemas:
    release_source = copy.deepcopy(_patched_release(extensions)[0])
    _mark_codelist_enums(release_source)
    release = _rewrite(release_source)
    versioned = _rewrite(schema.core_schema("versioned-release-validation-schema.json"))
    record_package_core = schema.core_schema("record-package-schema.json")
    linked_source = copy.deepcopy(record_package_core["definitions"]["record"]["properties"]["releases"]["oneOf"][0])
    linked = _rewrite(linked_source)
    release_package = _package_shell(schema.patched_schema(extensions, "release-package-schema.json"), "releases")
    record_package = _package_shell(schema.patched_schema(extensions, "record-package-schema.json"), "records")
    record_package["definitions"] = {"record": _record_shell(record_package_core["definitions"]["record"])}
    release_deref = _deref(_patched_release(extensions)[0], _patched_release(extensions)[0])
    linked_codelists = codelist_paths({"properties": {"releases": _deref(linked_source, {})}})
    record_release_codelists = {path[1:]: codelist for path, codelist in linked_codelists.items()}
    codelist_paths(release_deref, (), record_release_codelists)
    versioned_source = schema.core_schema("versioned-release-validation-schema.json")
    return _Schemas(
        release=release,
        release_validator=_validator(release),
        release_codelists=codelist_paths(release_deref),
        versioned=versioned,
        versioned_validator=_validator(versioned),
        versioned_codelists=codelist_paths(_deref(versioned_source, versioned_source)),
        linked=linked,
        linked_validator=_validator(linked),
        record_release_codelists=record_release_codelists,
        release_package=release_package,
        release_package_validator=_validator(release_package),
        record_package=record_package,
        record_package_validator=_validator(record_package),
    )


def _package_shell(package_schema: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The package schema without its releases or records, which are validated one by one."""
    shell = _rewrite(copy.deepcopy(dict(package_schema)))
    listed = shell["properties"][key]
    listed.pop(_UNIQUE_KEYWORD, None)  # checked by `_package_problems`, with libcove's id names
    if key == "releases":
        listed.pop("items", None)
    else:
        listed["items"] = {"$ref": "#/definitions/record"}
    return shell


def _record_shell(record: Mapping[str, Any]) -> dict[str, Any]:
    shell = _rewrite(copy.deepcopy(dict(record)))
    for name in ("compiledRelease", "releases", "versionedRelease"):
        shell["properties"].pop(name, None)
    return shell


def extension_names(urls: Any) -> tuple[tuple[str, ...], list[Problem]]:
    """The known extensions a package declares, and a warning for each one that cannot be applied."""
    names: list[str] = []
    warnings: list[Problem] = []
    if not isinstance(urls, list):
        return (), warnings
    for index, url in enumerate(urls):
        if not isinstance(url, str):
            continue
        name = schema.extension_name(url)
        if name is None:
            warnings.append(
                Problem(
                    f"extensions/{index}",
                    KIND_EXTENSION,
                    "unavailable",
                    f"extension {url} is not available offline: its fields were not checked",
                    url,
                )
            )
        elif name not in names:
            names.append(name)
    return tuple(names), warnings


# --- schema errors ----------------------------------------------------------------------------


def _schema_problems(validator: Any, rs_schema: dict[str, Any], instance: Any) -> list[Problem]:
    """Every schema problem of `instance`, named as libcove names them (paths relative to it)."""
    problems: list[Problem] = []
    for error in validator.iter_errors(instance):
        problems.extend(_from_error(error, rs_schema, instance))
    return problems


def _subschema(rs_schema: Any, schema_path: Sequence[Any]) -> Any:
    node = rs_schema
    for part in schema_path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _join(path: Iterable[PathItem]) -> str:
    return "/".join(str(item) for item in path)


def _from_error(error: Any, rs_schema: dict[str, Any], instance: Any) -> list[Problem]:
    path = list(error.instance_path)
    keyword = error.schema_path[-1] if error.schema_path else ""
    kind_name = type(error.kind).__name__
    value = error.instance if not isinstance(error.instance, dict | list) else None
    if keyword == _CODELIST_KEYWORD:
        return []  # the codelist walk reports these, with libcove's rules
    if keyword == _UNIQUE_KEYWORD:
        return [Problem(_join(path), KIND_SCHEMA, "uniqueItems", message) for message in duplicate_ids(error.instance)]
    if kind_name == "Required":
        name = error.kind.property
        return [Problem(_join([*path, name]), KIND_SCHEMA, "required", f"'{name}' is missing but required")]
    if kind_name == "Type":
        declared = _subschema(rs_schema, error.schema_path)
        first = declared[0] if isinstance(declared, list) and declared else declared
        return [
            Problem(_join(path), KIND_SCHEMA, str(first), f"{_show(error.instance)} is not {_article(first)}", value)
        ]
    if kind_name == "Format":
        name = str(_subschema(rs_schema, error.schema_path))
        return [Problem(_join(path), KIND_SCHEMA, name, f"{_show(error.instance)} is not a valid {name}", value)]
    if kind_name == "Enum":
        return [Problem(_join(path), KIND_SCHEMA, "enum", f"invalid code {_show(error.instance)}", value)]
    return [Problem(_join(path), KIND_SCHEMA, str(keyword), error.message, value)]


def _article(type_name: Any) -> str:
    name = str(type_name)
    return f"an {name}" if name[:1] in "aeiou" else f"a {name}"


def _show(value: Any) -> str:
    text = orjson.dumps(value, default=str).decode()
    return text if len(text) <= 80 else text[:77] + "..."


# --- closed codelists (libcove's `_generate_data_path` walk) ---------------------------------


def _codelist_problems(data: Any, paths: CodelistPaths) -> list[Problem]:
    problems: list[Problem] = []
    for path, values in _data_paths(data, ()):
        generic = tuple(item for item in path if isinstance(item, str))
        codelist = paths.get(generic)
        if codelist is None:
            continue
        codes = _codes(codelist)
        if not codes:
            continue
        for value in values if isinstance(values, list) else [values]:
            if str(value) not in codes:
                message = f"{str(value)!r} is not in the closed codelist {codelist}"
                problems.append(Problem(_join(path), KIND_CODELIST, codelist, message, str(value)))
    return problems


def _data_paths(data: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if not data or not isinstance(data, dict):
        return
    for key, value in data.items():
        if not value:
            continue
        if isinstance(value, list):
            if isinstance(value[0], dict):
                for index, item in enumerate(value):
                    yield from _data_paths(item, (*path, key, index))
            else:
                yield (*path, key), value
        elif isinstance(value, dict):
            yield from _data_paths(value, (*path, key))
        else:
            yield (*path, key), value


def _ocid_problem(item: Any, path: str) -> list[Problem]:
    """libcoveocds' only conformance error: an ocid that does not start `ocds-` and a 6-character prefix."""
    ocid = item.get("ocid") if isinstance(item, dict) else None
    if ocid and isinstance(ocid, str) and not _OCID_PREFIX.match(ocid):
        message = f"ocid {ocid!r} does not start with a registered prefix (ocds- and 6 lowercase letters or digits)"
        return [Problem(path, KIND_CONFORMANCE, "ocid_prefix", message, ocid)]
    return []


# --- public entry points ----------------------------------------------------------------------


def validate_release(release: Any, extensions: Iterable[str] = schema.DECLARED_EXTENSIONS) -> list[Problem]:
    """Schema, closed-codelist and ocid-prefix problems of one release (paths relative to it)."""
    schemas = _schemas(tuple(extensions))
    problems = _release_schema_problems(schemas, release)
    return problems + _ocid_problem(release, "ocid")


def _release_schema_problems(schemas: _Schemas, release: Any) -> list[Problem]:
    if schemas.release_validator.is_valid(release):
        return []
    problems = _schema_problems(schemas.release_validator, schemas.release, release)
    return problems + _codelist_problems(release, schemas.release_codelists)


def validate_package(data: dict[str, Any] | list[Any], *, source: str = "", extensions: Iterable[str] = ()) -> Report:
    """Validate a release package, a record package, a release, or a list of releases.

    A package is checked against the extensions it declares (plus `extensions`, names of
    extensions known to `procura.publication.schema`); a bare release or list of releases against
    `extensions` only, as if wrapped in a package declaring them."""
    extra = tuple(extensions)
    if isinstance(data, list):
        return _validate_releases(data, source=source, extensions=extra, prefix="")
    if not isinstance(data, dict):
        problem = Problem("", KIND_SCHEMA, "object", f"{_show(data)} is not an OCDS package or release")
        return Report(source, [problem])
    if "records" not in data and "releases" not in data and "ocid" in data:
        report = Report(source, releases=1)
        report.problems = validate_release(data, extra)
        return report
    declared, warnings = extension_names(data.get("extensions"))
    names = tuple(dict.fromkeys((*declared, *extra)))
    report = Report(source, warnings=warnings + _version_warning(data) + _definition_warnings(names))
    if "records" in data:
        report.extend(_validate_record_package(data, names))
    else:
        report.extend(_validate_release_package(data, names))
    return report


def _definition_warnings(extensions: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(
            "extensions",
            KIND_EXTENSION,
            "missing_definition",
            f"the declared extensions refer to the definition {name}, which none of them defines "
            "(an extension they depend on is missing): fields using it were not checked",
            name,
        )
        for name in missing_definitions(extensions)
    ]


def _version_warning(data: Mapping[str, Any]) -> list[Problem]:
    version = data.get("version")
    if isinstance(version, str) and version and version != "1.1":
        message = f"the package declares OCDS {version}; it was validated against 1.1.5"
        return [Problem("version", KIND_VERSION, "version", message, version)]
    return []


def _validate_release_package(data: dict[str, Any], extensions: tuple[str, ...]) -> Report:
    schemas = _schemas(extensions)
    report = Report()
    report.problems.extend(_schema_problems(schemas.release_package_validator, schemas.release_package, data))
    releases = data.get("releases")
    if not isinstance(releases, list):
        return report
    report.releases = len(releases)
    report.problems.extend(
        Problem("releases", KIND_SCHEMA, "uniqueItems", m) for m in duplicate_ids(releases, ("ocid", "id"))
    )
    walk_codelists = bool(releases) and isinstance(releases[0], dict)
    for index, release in enumerate(releases):
        if schemas.release_validator.is_valid(release):
            problems = []
        else:
            problems = _schema_problems(schemas.release_validator, schemas.release, release)
            if walk_codelists:
                problems += _codelist_problems(release, schemas.release_codelists)
        problems += _ocid_problem(release, "ocid")
        report.problems.extend(problem.located(f"releases/{index}") for problem in problems)
    return report


def _validate_releases(releases: list[Any], *, source: str, extensions: tuple[str, ...], prefix: str) -> Report:
    """A JSON array of releases: each checked as a release of one package declaring `extensions`."""
    schemas = _schemas(extensions)
    report = Report(source, releases=len(releases))
    report.problems.extend(
        Problem(prefix, KIND_SCHEMA, "uniqueItems", m) for m in duplicate_ids(releases, ("ocid", "id"))
    )
    for index, release in enumerate(releases):
        problems = _release_schema_problems(schemas, release) + _ocid_problem(release, "ocid")
        report.problems.extend(problem.located(_join(filter(None, (prefix, str(index))))) for problem in problems)
    return report


def _validate_record_package(data: dict[str, Any], extensions: tuple[str, ...]) -> Report:
    schemas = _schemas(extensions)
    report = Report()
    report.problems.extend(_schema_problems(schemas.record_package_validator, schemas.record_package, data))
    records = data.get("records")
    if not isinstance(records, list):
        return report
    report.records = len(records)
    report.problems.extend(Problem("records", KIND_SCHEMA, "uniqueItems", m) for m in duplicate_ids(records, ("ocid",)))
    # libcove's conformance check and codelist walk only look at records when the list is not empty
    walk_codelists = bool(records) and isinstance(records[0], dict)
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            continue
        problems = _record_problems(schemas, record, walk_codelists)
        report.releases += len(record["releases"]) if isinstance(record.get("releases"), list) else 0
        report.problems.extend(problem.located(f"records/{index}") for problem in problems)
    return report


def _record_problems(schemas: _Schemas, record: dict[str, Any], walk_codelists: bool) -> list[Problem]:
    problems = _ocid_problem(record, "ocid")
    if "compiledRelease" in record:
        compiled = record["compiledRelease"]
        found = _part_problems(
            schemas.release_validator, schemas.release, compiled, schemas.release_codelists, walk_codelists
        )
        problems += [problem.located("compiledRelease") for problem in found + _ocid_problem(compiled, "ocid")]
    if "releases" in record:
        problems += [
            problem.located("releases")
            for problem in _record_releases_problems(schemas, record["releases"], walk_codelists)
        ]
    if "versionedRelease" in record:
        versioned = record["versionedRelease"]
        found = _part_problems(
            schemas.versioned_validator, schemas.versioned, versioned, schemas.versioned_codelists, walk_codelists
        )
        problems += [problem.located("versionedRelease") for problem in found]
    return problems


def _part_problems(
    validator: Any, rs_schema: dict[str, Any], part: Any, paths: CodelistPaths, walk_codelists: bool
) -> list[Problem]:
    if validator.is_valid(part):
        return []
    problems = _schema_problems(validator, rs_schema, part)
    return problems + (_codelist_problems(part, paths) if walk_codelists else [])


def _record_releases_problems(schemas: _Schemas, releases: Any, walk_codelists: bool) -> list[Problem]:
    """libcoveocds' `oneOf` for a record's releases: linked or embedded, decided by their ids."""
    linked = _schema_problems(schemas.linked_validator, schemas.linked, releases)
    problems: list[Problem]
    if not isinstance(releases, list) or all(not _has_id(release) for release in releases):
        problems = linked if linked else _both_valid(schemas, releases)
    elif not linked:
        problems = _both_valid(schemas, releases)
    elif all(_has_id(release) for release in releases):
        problems = _embedded_problems(schemas, releases)
    else:
        message = (
            "This array should contain either entirely embedded releases or linked releases. Embedded releases "
            "contain an 'id' whereas linked releases do not. Your releases contain a mixture."
        )
        problems = [Problem("", KIND_SCHEMA, "oneOf", message)]
    # Releases that pass the first stage hold no closed-codelist problem: skip the walk for them.
    if (
        walk_codelists
        and isinstance(releases, list)
        and releases
        and isinstance(releases[0], dict)
        and not all(schemas.release_validator.is_valid(release) for release in releases)
    ):
        problems += _codelist_problems({"releases": releases}, _prefixed(schemas.record_release_codelists))
        problems = [_strip_releases(problem) for problem in problems]
    if isinstance(releases, list):
        for index, release in enumerate(releases):
            problems += [problem.located(str(index)) for problem in _ocid_problem(release, "ocid")]
    return problems


@functools.cache
def _prefixed_cache(items: tuple[tuple[tuple[str, ...], str], ...]) -> CodelistPaths:
    return {("releases", *path): codelist for path, codelist in items}


def _prefixed(paths: CodelistPaths) -> CodelistPaths:
    return _prefixed_cache(tuple(paths.items()))


def _strip_releases(problem: Problem) -> Problem:
    if problem.kind == KIND_CODELIST and problem.path.startswith("releases/"):
        return Problem(
            problem.path.removeprefix("releases/"), problem.kind, problem.rule, problem.message, problem.value
        )
    return problem


def _has_id(release: Any) -> bool:
    return isinstance(release, dict | str | list) and "id" in release


def _embedded_problems(schemas: _Schemas, releases: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    if not releases:
        problems.append(Problem("", KIND_SCHEMA, "minItems", "[] should be non-empty"))
    for index, release in enumerate(releases):
        if not schemas.release_validator.is_valid(release):
            found = _schema_problems(schemas.release_validator, schemas.release, release)
            problems.extend(problem.located(str(index)) for problem in found)
    return problems


def _both_valid(schemas: _Schemas, releases: Any) -> list[Problem]:
    """libcove's `oneOf_each`: the releases are valid both as linked and as embedded releases."""
    if isinstance(releases, list) and releases and not _embedded_problems(schemas, releases):
        return [Problem("", KIND_SCHEMA, "oneOf", "the releases are valid both as linked and as embedded releases")]
    return []
