"""Run the Data Review Tool's library, libcoveocds 0.17, fully offline on OCDS files.

libcoveocds fetches three kinds of things over HTTP, all through `requests`:

- the standard (schemas and codelists): replaced by `--standard-zip`, a ZIP built here from
  `shared/ocds/1.1.5` (one top-level folder holding `schema/`);
- `versioned-release-validation-schema.json` by its absolute URL, when `jsonref` dereferences a
  record package schema;
- each declared extension: ocdsextensionregistry turns a GitHub `extension.json` URL into the
  repository's archive URL (`https://github.com/ORG/REPO/archive/REF.zip`) and reads the files
  from that ZIP.

While `cove_check` runs, `requests`' HTTP adapter answers these from the local files: standard
schema URLs from `1.1.5/schema/`, and any URL (archive or raw file) of an extension that
`procura.publication.schema.extension_name` recognises from its folder in `shared/ocds/extensions`
(whatever version the URL names, as the validator does). Every other URL fails as if the machine
were offline (`requests.ConnectionError`): libcoveocds then reports that extension under
`extensions.invalid_extensions` as "fetching failed", applies nothing from it, and still
validates the rest. Nothing leaves the machine.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import requests
import requests.adapters
import urllib3

from procura.publication import schema

_STANDARD_URL = re.compile(r"^https?://standard\.open-contracting\.org/schema/1__1__5/([\w.-]+\.json)$")
_ARCHIVE_URL = re.compile(r"^https://github\.com/([^/]+)/([^/]+)/archive/(.+)\.zip$")
_RAW_URL = re.compile(r"^https://raw\.githubusercontent\.com/([^/]+)/([^/]+)/([^/]+)/(.+)$")


@functools.cache
def standard_zip() -> Path:
    """A ZIP of the 1.1.5 schema folder in the layout `--standard-zip` expects (built once)."""
    source = schema.ocds_dir() / schema.STANDARD_VERSION / "schema"
    target = Path(tempfile.mkdtemp(prefix="procura-cove-")) / "standard-1__1__5.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("standard/", "")
        for file in sorted(source.rglob("*")):
            if file.is_file():
                archive.write(file, f"standard/schema/{file.relative_to(source).as_posix()}")
    return target


def _extension_folder(org: str, repo: str, ref: str) -> Path | None:
    name = schema.extension_name(f"https://raw.githubusercontent.com/{org}/{repo}/{ref}/extension.json")
    if name is None:
        return None
    folder = schema.ocds_dir() / "extensions" / name
    return folder if folder.is_dir() else None


def _extension_archive(folder: Path, top: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{top}/", "")  # ocdsextensionregistry strips the first entry's name
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, f"{top}/{file.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def local_response(url: str) -> tuple[int, bytes] | None:
    """The status and body served for `url`, or None when an offline machine could not fetch it."""
    if match := _STANDARD_URL.match(url):
        file = schema.ocds_dir() / schema.STANDARD_VERSION / "schema" / match[1]
        return (200, file.read_bytes()) if file.is_file() else (404, b"")
    if match := _ARCHIVE_URL.match(url):
        org, repo, ref = match.groups()
        folder = _extension_folder(org, repo, ref)
        return None if folder is None else (200, _extension_archive(folder, f"{repo}-{ref}"))
    if match := _RAW_URL.match(url):
        org, repo, ref, name = match.groups()
        folder = _extension_folder(org, repo, ref)
        if folder is None:
            return None
        file = folder / name
        return (200, file.read_bytes()) if file.is_file() else (404, b"")
    return None


@contextmanager
def offline_requests() -> Iterator[list[str]]:
    """Serve libcoveocds' HTTP requests from local files; yields the list of URLs requested."""
    requested: list[str] = []
    original = requests.adapters.HTTPAdapter.send

    def send(
        self: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        url = request.url or ""
        requested.append(url)
        served = local_response(url)
        if served is None:
            raise requests.ConnectionError(f"offline: {url} is not available locally", request=request)
        status, body = served
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body), status=status, headers={"Content-Length": str(len(body))}, preload_content=False
        )
        return self.build_response(request, raw)

    requests.adapters.HTTPAdapter.send = send  # type: ignore[method-assign,assignment]
    try:
        yield requested
    finally:
        requests.adapters.HTTPAdapter.send = original  # type: ignore[method-assign]


def cove_check(path: Path) -> dict[str, Any]:
    """libcoveocds' result (API context) for one JSON file, offline, against the local 1.1.5 schema."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = f"file://{standard_zip()}"
    config.config["additional_checks"] = "none"
    config.config["skip_aggregates"] = True
    with tempfile.TemporaryDirectory(prefix="procura-cove-out-") as output, offline_requests():
        result: dict[str, Any] = ocds_json_output(output, str(path), None, convert=False, lib_cove_ocds_config=config)
    return result


def cove_check_data(data: Any) -> dict[str, Any]:
    """`cove_check` on data in memory (written to a temporary file first)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        handle.write(orjson.dumps(data))
        handle.flush()
        return cove_check(Path(handle.name))


def cove_verdict(result: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any], list[Any]]:
    """What counts against the data: validation errors, closed-codelist values, conformance errors."""
    conformance = (result.get("conformance_errors") or {}).get("ocds_prefixes_bad_format", [])
    return (
        list(result.get("validation_errors", [])),
        dict(result.get("additional_closed_codelist_values", {})),
        [tuple(item) for item in conformance],
    )


def cove_problem_keys(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    """libcoveocds' verdict as comparable keys: (kind, path, rule) with the validator's conventions.

    A missing required field is named by its own path; closed-codelist values by the field's path
    without indexes and the value (libcoveocds does not keep indexes for them)."""
    errors, closed, conformance = cove_verdict(result)
    keys: set[tuple[str, str, str]] = set()
    for error in errors:
        path = error["path"]
        if error["type"] == "required":
            name = re.match(r"^'([^']+)'", error["description"])
            path = f"{path}/{name[1]}" if path and name else (name[1] if name else path)
        keys.add(("schema", path, error["type"]))
    for generic, details in closed.items():
        for value in details["values"]:
            keys.add(("codelist", generic, value))
    for _ocid, path in conformance:
        keys.add(("conformance", path, "ocid_prefix"))
    return keys


def procura_problem_keys(problems: Any) -> set[tuple[str, str, str]]:
    """The validator's problems as the same keys as `cove_problem_keys`."""
    keys: set[tuple[str, str, str]] = set()
    for problem in problems:
        if problem.kind == "codelist":
            generic = "/".join(part for part in problem.path.split("/") if not part.isdigit())
            keys.add(("codelist", generic, problem.value))
        elif problem.kind in ("schema", "conformance"):
            rule = "ocid_prefix" if problem.kind == "conformance" else problem.rule
            keys.add((problem.kind, problem.path, rule))
    return keys
