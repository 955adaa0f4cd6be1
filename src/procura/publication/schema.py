"""Where the OCDS 1.1.5 schemas and the extensions Procura uses come from, and how they combine.

The reference files are read from `PROCURA_OCDS_DIR`, else from `../shared/ocds` beside the
project, else from a cache that is filled once from the official addresses (standard and
extension repositories). Nothing here touches the database: the compile and validate tools use
it on anyone's data.
"""

from __future__ import annotations

import copy
import csv
import functools
import os
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

STANDARD_VERSION = "1.1.5"
SCHEMA_BASE_URL = "https://standard.open-contracting.org/schema/1__1__5/"
RELEASE_SCHEMA_URL = SCHEMA_BASE_URL + "release-schema.json"

# The extensions Procura declares, by name, with the official extension.json address.
EXTENSION_URLS: dict[str, str] = {
    "lots": "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "bid": "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "bidOpening": "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bidOpening_extension/master/extension.json",
    "partyDetails_scale": "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyDetails_scale_extension/master/extension.json",
    "beneficialOwners": "https://raw.githubusercontent.com/open-contracting-extensions/ocds_beneficialOwners_extension/master/extension.json",
    "pagination": "https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/master/extension.json",
}
# What every package Procura publishes declares (pagination only on paginated API pages).
DECLARED_EXTENSIONS: tuple[str, ...] = ("lots", "bid", "bidOpening", "partyDetails_scale", "beneficialOwners")

SCHEMA_FILES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)
CLOSED_CODELISTS = (
    "releaseTag",
    "initiationType",
    "tenderStatus",
    "awardStatus",
    "contractStatus",
    "method",
    "procurementCategory",
    "milestoneStatus",
    "currency",
)


class SchemaUnavailable(Exception):
    """The reference schemas are neither on disk nor downloadable."""


def _project_root() -> Path:
    return Path(__file__).resolve().parents[3]


def ocds_dir() -> Path:
    """The folder holding `1.1.5/schema/` and `extensions/<name>/`."""
    configured = os.environ.get("PROCURA_OCDS_DIR")
    if configured:
        path = Path(configured)
        if not (path / STANDARD_VERSION / "schema" / "release-schema.json").is_file():
            raise SchemaUnavailable(
                f"PROCURA_OCDS_DIR={configured} holds no {STANDARD_VERSION}/schema/release-schema.json"
            )
        return path
    shared = _project_root().parent / "shared" / "ocds"
    if (shared / STANDARD_VERSION / "schema" / "release-schema.json").is_file():
        return shared
    return _downloaded()


def _cache_dir() -> Path:
    base = os.environ.get("PROCURA_OCDS_CACHE") or str(_project_root() / "var" / "ocds")
    return Path(base)


def _fetch(url: str, target: Path) -> None:
    if target.is_file():
        return
    if not url.startswith("https://"):
        raise SchemaUnavailable(f"refusing to download {url}")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (https only, checked above)
            body = response.read()
    except OSError as exc:
        raise SchemaUnavailable(
            f"cannot download {url} ({exc}): set PROCURA_OCDS_DIR to a folder holding "
            f"{STANDARD_VERSION}/schema/ and extensions/ (see README)"
        ) from exc
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(body)
    partial.replace(target)


def _downloaded() -> Path:
    """Fill the cache from the official addresses (once) and return it."""
    root = _cache_dir()
    schema = root / STANDARD_VERSION / "schema"
    for name in SCHEMA_FILES:
        _fetch(SCHEMA_BASE_URL + name, schema / name)
    for codelist in _core_codelist_names():
        _fetch(f"{SCHEMA_BASE_URL}codelists/{codelist}.csv", schema / "codelists" / f"{codelist}.csv")
    for name, url in EXTENSION_URLS.items():
        folder = root / "extensions" / name
        _fetch(url, folder / "extension.json")
        metadata = orjson.loads((folder / "extension.json").read_bytes())
        base = url.rsplit("/", 1)[0] + "/"
        for schema_name in metadata.get("schemas", []):
            _fetch(base + schema_name, folder / schema_name)
        for codelist in metadata.get("codelists", []):
            _fetch(base + "codelists/" + codelist, folder / "codelists" / codelist)
    return root


def _core_codelist_names() -> Iterable[str]:
    return (
        *CLOSED_CODELISTS,
        "awardCriteria",
        "documentType",
        "extendedProcurementCategory",
        "itemClassificationScheme",
        "milestoneType",
        "partyRole",
        "relatedProcess",
        "relatedProcessScheme",
        "submissionMethod",
        "unitClassificationScheme",
    )


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise SchemaUnavailable(f"missing {path}") from exc


@functools.cache
def core_schema(name: str = "release-schema.json") -> dict[str, Any]:
    """One of the 1.1.5 schema files, unpatched. Callers must not modify it."""
    return _read_json(ocds_dir() / STANDARD_VERSION / "schema" / name)


def extension_name(url: str) -> str | None:
    """The name of a known extension for an extension.json address, else None.

    Any version or branch of a known extension repository counts as that extension."""
    for name, official in EXTENSION_URLS.items():
        repository = official.split("/")[4]  # raw.githubusercontent.com/<org>/<repo>/...
        if url == official or f"/{repository}/" in url:
            return name
    return None


@functools.cache
def extension_patch(name: str, schema_file: str = "release-schema.json") -> dict[str, Any] | None:
    path = ocds_dir() / "extensions" / name / schema_file
    return _read_json(path) if path.is_file() else None


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396, which is how OCDS extensions patch the schema (returns a new value)."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def patched_schema(
    extensions: Iterable[str] = DECLARED_EXTENSIONS, name: str = "release-schema.json"
) -> dict[str, Any]:
    """The core schema `name` with each named extension's patch for it applied, in order."""
    return _patched(tuple(extensions), name)


@functools.cache
def _patched(extensions: tuple[str, ...], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(core_schema(name))
    for extension in extensions:
        patch = extension_patch(extension, name)
        if patch is not None:
            schema = json_merge_patch(schema, patch)
    _drop_dangling_references(schema, schema.get("definitions", {}))
    return schema


def _drop_dangling_references(node: Any, definitions: Mapping[str, Any]) -> None:
    """Remove properties that refer to a definition no applied extension provides.

    The bidOpening extension's `location` refers to `Location` from the location extension, which
    it lists as a dependency but Procura neither declares nor uses; an unresolvable reference would
    stop every tool that dereferences the schema (ocdsmerge, ocdskit)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name in [n for n, p in properties.items() if _dangling(p, definitions)]:
                del properties[name]
        for value in node.values():
            _drop_dangling_references(value, definitions)
    elif isinstance(node, list):
        for value in node:
            _drop_dangling_references(value, definitions)


def _dangling(prop: Any, definitions: Mapping[str, Any]) -> bool:
    ref = prop.get("$ref") if isinstance(prop, dict) else None
    return isinstance(ref, str) and ref.startswith("#/definitions/") and ref.rsplit("/", 1)[1] not in definitions


@functools.cache
def codelist(name: str) -> frozenset[str]:
    """The codes of a core or extension codelist (`name` without `.csv`)."""
    path = ocds_dir() / STANDARD_VERSION / "schema" / "codelists" / f"{name}.csv"
    if not path.is_file():
        for folder in sorted((ocds_dir() / "extensions").glob(f"*/codelists/{name}.csv")):
            path = folder
            break
    with path.open(newline="", encoding="utf-8") as handle:
        return frozenset(row["Code"] for row in csv.DictReader(handle))


def extension_urls(names: Iterable[str] = DECLARED_EXTENSIONS) -> list[str]:
    return [EXTENSION_URLS[name] for name in names]
