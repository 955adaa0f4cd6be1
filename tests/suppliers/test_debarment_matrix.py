"""Authorization matrix for every debarment page, page action and API endpoint, for each person:
anonymous, a buyer's officer, a supplier's bid manager and viewer, another supplier's bid
manager, a platform administrator, an auditor and the review body.

The debarment list is public. Recording and lifting debarments: platform administrators and the
review body only; everyone else signed in is refused with the reason, anonymous people are sent to
sign in (pages) or get 401 (API).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import get_resolver

from procura.accounts.services import api_token_create
from procura.api import api
from procura.core import clock
from procura.suppliers.models import Debarment
from procura.suppliers.services import debarment_record
from tests.conftest import World
from tests.savepoints import rolled_back

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "officer", "bid_manager", "viewer", "other_bid_manager", "admin", "auditor", "reviewer"]
SIGN_IN = "sign-in"
REFUSAL = "Only platform administrators and the review body can record or lift debarments."
REASON = "Bribery of a public official (decision of 12 February 2026)."


def _table(default: int | str, anonymous: int | str = SIGN_IN, **people: int | str) -> dict[str, int | str]:
    return {person: people.get(person, anonymous if person == "anonymous" else default) for person in PEOPLE}


PUBLIC = _table(200, anonymous=200)
KEEPERS = _table(403, admin=200, reviewer=200)
KEEPERS_ACT = _table(403, admin=302, reviewer=302)


@pytest.fixture
def debarment(world: World, frozen_clock: clock.Clock) -> Debarment:
    """world.supplier, debarred indefinitely from now by the review body."""
    return debarment_record(
        actor=world.reviewer,
        supplier=world.supplier,
        reason=REASON,
        authority="Public Procurement Review Board",
        starts_on=clock.now(),
        reference="PPRB/2026/3",
    )


def _new_debarment(w: World) -> dict[str, str]:
    return {
        "identifier": w.other_supplier.identifier,
        "reason": "Fraud.",
        "authority": "Public Procurement Review Board",
        "starts_on": "2026-03-02T09:00",
    }


@dataclass(frozen=True)
class Row:
    name: str  # URL name
    method: str
    url: Callable[[Debarment], str]
    expected: dict[str, int | str]
    data: Callable[[World], dict[str, str]] | None = None
    done: Callable[[World, Debarment], bool] | None = None  # the change happened; checked for every person
    label: str = ""


ROWS = [
    Row("debarments", "GET", lambda d: "/suppliers/debarred/", PUBLIC),
    Row("debarments", "POST", lambda d: "/suppliers/debarred/", _table(405, anonymous=405), label="not a form"),
    Row("debarment-add", "GET", lambda d: "/suppliers/debarred/add/", KEEPERS),
    Row(
        "debarment-add",
        "POST",
        lambda d: "/suppliers/debarred/add/",
        KEEPERS_ACT,
        data=_new_debarment,
        done=lambda w, d: Debarment.objects.filter(supplier=w.other_supplier).exists(),
    ),
    Row("debarment-lift", "GET", lambda d: f"/suppliers/debarred/{d.pk}/lift/", KEEPERS),
    Row(
        "debarment-lift",
        "POST",
        lambda d: f"/suppliers/debarred/{d.pk}/lift/",
        KEEPERS_ACT,
        data=lambda w: {"reason": "Annulled on appeal."},
        done=lambda w, d: Debarment.objects.get(pk=d.pk).lifted_at is not None,
    ),
    Row(
        "debarment-lift",
        "GET",
        lambda d: f"/suppliers/debarred/{uuid.uuid4()}/lift/",
        _table(403, admin=404, reviewer=404),
        label="unknown",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name} {r.label}".strip() for r in ROWS])
def test_who_may_use_each_debarment_page(world: World, debarment: Debarment, row: Row) -> None:
    # given the row's scene, made once; each person then acts on it in a savepoint undone after
    url = row.url(debarment)
    data = row.data(world) if row.data else {}  # sent only by POST rows
    if row.done is not None:
        row.done(world, debarment)  # whatever the check reads exists before the first savepoint
    for person in PEOPLE:
        with rolled_back(person):
            client = world.client(None if person == "anonymous" else person)
            # when
            if row.method == "POST":
                response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
            else:
                response = client.get(url)
            # then
            expected = row.expected[person]
            if expected == SIGN_IN:
                assert response.status_code == 302
                assert response["Location"].startswith("/account/sign-in/")
            else:
                assert response.status_code == expected, response.content[:800]
            if expected == 302:
                assert response["Location"] == "/suppliers/debarred/"
            if response.status_code == 403:
                assert REFUSAL in response.content.decode()
            if response.status_code in {200, 403, 404}:
                html = response.content.decode()
                assert html.count("<h1") == 1
                assert "<script" not in html
            if response.status_code == 200 and row.name == "debarments":
                assert REASON in response.content.decode()  # public to everyone
            if row.done is not None:
                assert row.done(world, debarment) == (expected == 302), "the change happens exactly when allowed"


# Read by tests/web/test_authorization_matrix.py (and test_suppliers_matrix): named URLs covered here.
COVERED_URL_NAMES = {row.name for row in ROWS}


def test_every_debarment_url_name_has_a_row() -> None:
    names = {
        pattern.name
        for namespace, (_, sub) in get_resolver().namespace_dict.items()
        if namespace == "suppliers"
        for pattern in sub.url_patterns
        if pattern.name and pattern.name.startswith("debarment")
    }
    assert names == COVERED_URL_NAMES == {"debarments", "debarment-add", "debarment-lift"}


# --- API ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiRow:
    method: str
    path: str  # OpenAPI path template
    url: Callable[[Debarment], str]
    expected: dict[str, int | str]
    body: Callable[[World], dict[str, Any]] | None = None
    done: Callable[[World, Debarment], bool] | None = None


def _api_table(default: int, **people: int) -> dict[str, int | str]:
    return _table(default, anonymous=401, **people)


API_ROWS = [
    ApiRow("GET", "/api/v1/debarments", lambda d: "/api/v1/debarments?include_past=true", _table(200, anonymous=200)),
    ApiRow(
        "POST",
        "/api/v1/debarments",
        lambda d: "/api/v1/debarments",
        _api_table(403, admin=201, reviewer=201),
        body=lambda w: {
            "supplier": str(w.other_supplier.pk),
            "reason": "Fraud.",
            "authority": "Public Procurement Review Board",
            "starts_on": clock.now().isoformat(),
        },
        done=lambda w, d: Debarment.objects.filter(supplier=w.other_supplier).exists(),
    ),
    ApiRow(
        "POST",
        "/api/v1/debarments/{debarment_id}/lift",
        lambda d: f"/api/v1/debarments/{d.pk}/lift",
        _api_table(403, admin=200, reviewer=200),
        body=lambda w: {"reason": "Annulled on appeal."},
        done=lambda w, d: Debarment.objects.get(pk=d.pk).lifted_at is not None,
    ),
]


def _api_client(world: World, person: str) -> Client:
    if person == "anonymous":
        return Client()
    _, secret = api_token_create(actor=getattr(world, person), name="matrix", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("row", API_ROWS, ids=[f"{r.method} {r.path}" for r in API_ROWS])
def test_api_authorization_matrix(world: World, debarment: Debarment, row: ApiRow) -> None:
    # given the row's scene, made once; each person then acts on it in a savepoint undone after
    url = row.url(debarment)
    body = row.body(world) if row.body else None
    if row.done is not None:
        row.done(world, debarment)  # whatever the check reads exists before the first savepoint
    for person in PEOPLE:
        with rolled_back(person):
            client = _api_client(world, person)
            # when
            response = client.generic(
                row.method, url, data=b"" if body is None else json.dumps(body), content_type="application/json"
            )
            # then
            assert response.status_code == row.expected[person], response.content
            if response.status_code >= 400:
                assert set(response.json()["error"]) == {"code", "message", "fields"}
            if response.status_code == 403:
                assert response.json()["error"]["message"] == REFUSAL
            if row.method == "GET":
                assert [d["reason"] for d in response.json()["results"]] == [REASON]
            if row.done is not None:
                assert row.done(world, debarment) == (response.status_code < 300), (
                    "the change happens exactly when allowed"
                )


# Read by the site-wide API check: the debarment operations these rows cover.
COVERED_API_OPERATIONS = {(row.method, row.path) for row in API_ROWS}


def test_every_debarment_api_operation_has_a_row() -> None:
    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "debarments" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS


def test_the_tables_cover_every_person() -> None:
    for table in [*(r.expected for r in ROWS), *(r.expected for r in API_ROWS)]:
        assert set(table) == set(PEOPLE)
