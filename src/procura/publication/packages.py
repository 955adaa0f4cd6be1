"""Release and record packages, built by concatenating stored JSON bytes: never re-serialised.

Package metadata (publisher, licence, publication policy) comes from settings read with defaults,
so every package Procura publishes (API pages, bulk files, exports) says the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import orjson
from django.conf import settings

from procura.publication import schema

OCDS_VERSION = "1.1"
API_PATH = "/api/ocds/"  # where procura.publication.api_urls is included
OPEN_DATA_PATH = "/open-data/"  # the public Open data page and its bulk files
DEFAULT_LICENCE = "https://opendatacommons.org/licenses/pddl/1-0/"

Chunk = bytes | memoryview


def iso(moment: dt.datetime) -> str:
    """An OCDS date-time: UTC with a Z."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def publisher() -> dict[str, Any]:
    """Who publishes: `PROCURA_PUBLISHER_NAME` (default the platform operator), with the
    operator's `<scheme>:<id>` identifier when one is set."""
    name = getattr(settings, "PROCURA_PUBLISHER_NAME", "") or getattr(settings, "PLATFORM_NAME", "Procura")
    result: dict[str, Any] = {"name": str(name)}
    identifier = str(getattr(settings, "PLATFORM_IDENTIFIER", "") or "")
    scheme, _, uid = identifier.partition(":")
    if scheme and uid:
        result["scheme"] = scheme
        result["uid"] = uid
    return result


def metadata(
    *,
    uri: str,
    published: dt.datetime,
    extensions: Sequence[str] | None = None,
    links: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The package fields other than its releases or records."""
    head: dict[str, Any] = {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": list(schema.extension_urls() if extensions is None else extensions),
        "publishedDate": iso(published),
        "publisher": publisher(),
        "license": str(getattr(settings, "PROCURA_OPEN_DATA_LICENCE", "") or DEFAULT_LICENCE),
    }
    policy = str(getattr(settings, "PROCURA_PUBLICATION_POLICY_URL", "") or "")
    if policy:
        head["publicationPolicy"] = policy
    if links is not None:
        head["links"] = dict(links)
    return head


def _chunks(head: dict[str, Any], key: bytes, items: Iterable[Chunk]) -> Iterator[bytes]:
    yield orjson.dumps(head)[:-1]  # without the closing brace
    yield b',"' + key + b'":['
    first = True
    for item in items:
        if not first:
            yield b","
        first = False
        yield item if isinstance(item, bytes) else bytes(item)
    yield b"]}"


def release_package_chunks(releases: Iterable[Chunk], **meta: Any) -> Iterator[bytes]:
    """A release package as a stream of byte chunks (for large files); `meta` as `metadata()`."""
    return _chunks(metadata(**meta), b"releases", releases)


def record_package_chunks(records: Iterable[Chunk], **meta: Any) -> Iterator[bytes]:
    return _chunks(metadata(**meta), b"records", records)


def release_package(releases: Iterable[Chunk], **meta: Any) -> bytes:
    """A release package around already serialised releases; `meta` as `metadata()`."""
    return b"".join(release_package_chunks(releases, **meta))


def record_package(records: Iterable[Chunk], **meta: Any) -> bytes:
    """A record package around already serialised records (see `record`)."""
    return b"".join(record_package_chunks(records, **meta))


def linked_release(*, release_id: str, date: dt.datetime, tags: Sequence[str]) -> dict[str, Any]:
    """A record's link to one release: the API address of its package, with the release id as
    the fragment (as the record package schema describes)."""
    quoted = quote(release_id, safe="")
    return {"url": f"{settings.BASE_URL}{API_PATH}releases/{quoted}#{quoted}", "date": iso(date), "tag": list(tags)}


def record_json(
    *,
    ocid: str,
    releases: Sequence[Mapping[str, Any]],
    compiled: Chunk,
    versioned: Chunk | None = None,
) -> bytes:
    """One record: its linked (or embedded) releases, and the stored compiled (and versioned)
    release bytes spliced in as they are."""
    parts: list[Chunk] = [
        b'{"ocid":',
        orjson.dumps(ocid),
        b',"releases":',
        orjson.dumps(list(releases)),
        b',"compiledRelease":',
        compiled,
    ]
    if versioned is not None:
        parts += [b',"versionedRelease":', versioned]
    parts.append(b"}")
    return b"".join(parts)
