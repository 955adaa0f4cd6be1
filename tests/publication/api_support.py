"""Helpers for the OCDS API tests: releases stored through the outbox, and package validation
against the 1.1.5 package schemas (offline, with the declared extensions applied)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.test import Client
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from procura.accounts.models import Organisation
from procura.publication import schema
from procura.publication.models import Release
from procura.publication.services import release_store

BASE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def release_body(ocid: str, n: int, *, tag: str = "tender", date: dt.datetime | None = None) -> dict[str, Any]:
    moment = date or BASE + dt.timedelta(minutes=n)
    return {
        "ocid": ocid,
        "id": f"{ocid}-{n:04d}",
        "date": moment.isoformat().replace("+00:00", "Z"),
        "tag": [tag],
        "initiationType": "tender",
        "tender": {"id": f"{ocid}-tender", "title": f"Gloves, release {n}"},
    }


def store(
    ocid: str,
    n: int,
    *,
    tag: str = "tender",
    date: dt.datetime | None = None,
    buyer: Organisation | None = None,
) -> Release:
    return release_store(release=release_body(ocid, n, tag=tag, date=date), buyer=buyer)


def many(count: int, *, processes: int = 7, buyer: Organisation | None = None) -> list[Release]:
    """`count` releases spread over `processes` contracting processes, dated a minute apart."""
    return [store(f"ocds-prcdev-{i % processes:03d}", i, buyer=buyer) for i in range(count)]


def walk(client: Client, url: str, *, guard: int = 1000) -> tuple[list[str], list[dict[str, Any]]]:
    """Follow `links.next` from `url` until a page has none (or is empty); the release ids seen
    in order, and every page."""
    ids: list[str] = []
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url and guard:
        guard -= 1
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        page = response.json()
        pages.append(page)
        ids += [release["id"] for release in page["releases"]]
        if not page["releases"]:
            break
        next_url = page.get("links", {}).get("next")
    return ids, pages


@functools.cache
def _registry() -> Registry:
    release = schema.patched_schema(schema.DECLARED_EXTENSIONS, "release-schema.json")
    versioned = schema.core_schema("versioned-release-validation-schema.json")
    resources = [
        (schema.RELEASE_SCHEMA_URL, Resource.from_contents(release, default_specification=DRAFT4)),
        (
            schema.SCHEMA_BASE_URL + "versioned-release-validation-schema.json",
            Resource.from_contents(versioned, default_specification=DRAFT4),
        ),
    ]
    return Registry().with_resources(resources)


@functools.cache
def _validator(name: str) -> Draft4Validator:
    # The core schema, not the pagination patch: its `"required": []` would drop every required field
    # (JSON merge patch replaces arrays); `links` is allowed by the core schema as it is.
    package_schema = schema.core_schema(name)
    return Draft4Validator(package_schema, registry=_registry())


def package_errors(package: dict[str, Any], name: str) -> list[str]:
    """Every schema error in a package, as "path: message" (empty when valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in _validator(name).iter_errors(package)
    ]


def release_package_errors(package: dict[str, Any]) -> list[str]:
    return package_errors(package, "release-package-schema.json")


def record_package_errors(package: dict[str, Any]) -> list[str]:
    return package_errors(package, "record-package-schema.json")
