"""Authorization matrix for every supplier register page, page action and API endpoint, for each
person: anonymous, the buyer's officer, approver and evaluator, another buyer's officer, the
supplier's bid manager and viewer, another supplier's bid manager, a platform administrator and an
auditor.

The register is for the supplier's members and the platform's overseers to read, and for its bid
managers to change. Everyone else is refused (a supplier's existence is public, so "forbidden").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from procura.accounts.services import api_token_create
from procura.api import api
from procura.suppliers.models import BeneficialOwner, QualificationDocument
from tests.conftest import PEOPLE, World
from tests.suppliers.conftest import Register, pdf

SIGN_IN = "sign-in"  # redirected to the sign-in page


def _table(default: int | str, anonymous: int | str = SIGN_IN, **people: int | str) -> dict[str, int | str]:
    return {person: people.get(person, anonymous if person == "anonymous" else default) for person in PEOPLE}


READERS = _table(403, bid_manager=200, viewer=200, admin=200, auditor=200)
EDITORS = _table(403, bid_manager=200)
EDITORS_ACT = _table(403, bid_manager=302)
NOT_A_SUPPLIER = _table(404)


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World, Register], str]
    expected: dict[str, int | str]
    label: str = ""


PAGES = [
    Page("supplier-register", lambda w, r: f"/suppliers/{w.supplier.pk}/", READERS),
    Page("supplier-register", lambda w, r: f"/suppliers/{w.buyer.pk}/", NOT_A_SUPPLIER, "a buyer"),
    Page("supplier-owner-add", lambda w, r: f"/suppliers/{w.supplier.pk}/beneficial-owners/add/", EDITORS),
    Page(
        "supplier-owner-edit",
        lambda w, r: f"/suppliers/{w.supplier.pk}/beneficial-owners/{r.owner.pk}/edit/",
        EDITORS,
    ),
    Page("supplier-qualification-add", lambda w, r: f"/suppliers/{w.supplier.pk}/qualifications/add/", EDITORS),
]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=[f"{p.name} {p.label}".strip() for p in PAGES])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_open_each_page(world: World, register: Register, page: Page, person: str) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    # when
    response = client.get(page.url(world, register))
    # then
    expected = page.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/?next=")
    else:
        assert response.status_code == expected
    if response.status_code in {200, 403, 404}:
        html = response.content.decode()
        assert html.count("<h1") == 1
        assert "<script" not in html
        assert " style=" not in html
    if response.status_code == 200:
        assert "Calle Mayor 1, Madrid" in html or "add" in page.name  # personal data only where allowed
    else:
        assert "Calle Mayor 1, Madrid" not in response.content.decode()


@dataclass(frozen=True)
class Action:
    name: str
    url: Callable[[World, Register], str]
    expected: dict[str, int | str]
    data: Callable[[World, Register], dict[str, Any]]
    done: Callable[[World, Register], bool]  # the change happened (exactly when allowed)
    multipart: bool = False


OWNER = {"name": "Bo Berg", "nationality": "SE", "share": "10", "publishable": "yes"}

ACTIONS = [
    Action(
        "supplier-owner-add",
        lambda w, r: f"/suppliers/{w.supplier.pk}/beneficial-owners/add/",
        EDITORS_ACT,
        lambda w, r: OWNER,
        lambda w, r: BeneficialOwner.objects.filter(name="Bo Berg").exists(),
    ),
    Action(
        "supplier-owner-edit",
        lambda w, r: f"/suppliers/{w.supplier.pk}/beneficial-owners/{r.owner.pk}/edit/",
        EDITORS_ACT,
        lambda w, r: {**OWNER, "name": "Renamed Owner", "nationality": "ES"},
        lambda w, r: BeneficialOwner.objects.get(pk=r.owner.pk).name == "Renamed Owner",
    ),
    Action(
        "supplier-owner-remove",
        lambda w, r: f"/suppliers/{w.supplier.pk}/beneficial-owners/{r.owner.pk}/remove/",
        EDITORS_ACT,
        lambda w, r: {},
        lambda w, r: not BeneficialOwner.objects.filter(pk=r.owner.pk).exists(),
    ),
    Action(
        "supplier-qualification-add",
        lambda w, r: f"/suppliers/{w.supplier.pk}/qualifications/add/",
        EDITORS_ACT,
        lambda w, r: {"kind": "tax_clearance", "title": "Tax clearance 2026", "file": pdf("tax.pdf")},
        lambda w, r: QualificationDocument.objects.filter(title="Tax clearance 2026").exists(),
        multipart=True,
    ),
    Action(
        "supplier-qualification-remove",
        lambda w, r: f"/suppliers/{w.supplier.pk}/qualifications/{r.qualification.pk}/remove/",
        EDITORS_ACT,
        lambda w, r: {},
        lambda w, r: QualificationDocument.objects.get(pk=r.qualification.pk).removed_at is not None,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS, ids=[f"POST {a.name}" for a in ACTIONS])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_do_each_action(world: World, register: Register, action: Action, person: str) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    url = action.url(world, register)
    data = action.data(world, register)
    # when
    if action.multipart:
        response = client.post(url, data)
    else:
        response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    # then
    expected = action.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    else:
        assert response.status_code == expected, response.content.decode()[:800]
    if expected == 302:
        assert response["Location"] == f"/suppliers/{world.supplier.pk}/"
    assert action.done(world, register) == (expected == 302), "the change must happen exactly when allowed"


# Read by tests/web/test_authorization_matrix.py: the named URLs these tables cover.
COVERED_URL_NAMES = {page.name for page in PAGES} | {action.name for action in ACTIONS}


def test_every_suppliers_url_has_a_row() -> None:
    from django.urls import get_resolver

    resolver = get_resolver()
    suppliers = next(p for p in resolver.url_patterns if getattr(p, "namespace", None) == "suppliers")
    # The debarment list shares the namespace; its pages have their own table.
    from tests.suppliers.test_debarment_matrix import COVERED_URL_NAMES as DEBARMENT_URL_NAMES

    assert {pattern.name for pattern in suppliers.url_patterns} == COVERED_URL_NAMES | DEBARMENT_URL_NAMES


# --- The JSON API ------------------------------------------------------------------------------
API_READERS = _table(403, anonymous=401, bid_manager=200, viewer=200, admin=200, auditor=200)


def _api_editors(ok: int) -> dict[str, int | str]:
    return _table(403, anonymous=401, bid_manager=ok)


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # OpenAPI path template
    expected: dict[str, int | str]
    url: Callable[[World, Register], str]
    body: Callable[[World, Register], dict[str, Any]] | None = None
    done: Callable[[World, Register], bool] | None = None
    multipart: bool = False


OWNERS = "/api/v1/suppliers/{organisation_id}/beneficial-owners"
QUALIFICATIONS = "/api/v1/suppliers/{organisation_id}/qualifications"

ROWS = [
    Row("GET", OWNERS, API_READERS, lambda w, r: f"/api/v1/suppliers/{w.supplier.pk}/beneficial-owners"),
    Row(
        "POST",
        OWNERS,
        _api_editors(201),
        lambda w, r: f"/api/v1/suppliers/{w.supplier.pk}/beneficial-owners",
        lambda w, r: {"name": "Bo Berg", "nationality": "SE", "share": "10"},
        lambda w, r: BeneficialOwner.objects.filter(name="Bo Berg").exists(),
    ),
    Row(
        "PATCH",
        OWNERS + "/{owner_id}",
        _api_editors(200),
        lambda w, r: f"/api/v1/suppliers/{w.supplier.pk}/beneficial-owners/{r.owner.pk}",
        lambda w, r: {"name": "Renamed Owner"},
        lambda w, r: BeneficialOwner.objects.get(pk=r.owner.pk).name == "Renamed Owner",
    ),
    Row(
        "DELETE",
        OWNERS + "/{owner_id}",
        _api_editors(204),
        lambda w, r: f"/api/v1/suppliers/{w.supplier.pk}/beneficial-owners/{r.owner.pk}",
        done=lambda w, r: not BeneficialOwner.objects.filter(pk=r.owner.pk).exists(),
    ),
    Row("GET", QUALIFICATIONS, API_READERS, lambda w, r: f"/api/v1/suppliers/{w.supplier.pk}/qualifications"),
    Row(
        "POST",
        QUALIFICATIONS,
        _api_editors(201),
        lambda w, r: f"/api/v1/suppliers/{w.supplier.pk}/qualifications",
        lambda w, r: {"kind": "insurance", "title": "Insurance", "file": pdf("insurance.pdf")},
        lambda w, r: QualificationDocument.objects.filter(title="Insurance").exists(),
        multipart=True,
    ),
    Row(
        "DELETE",
        QUALIFICATIONS + "/{qualification_id}",
        _api_editors(204),
        lambda w, r: f"/api/v1/suppliers/{w.supplier.pk}/qualifications/{r.qualification.pk}",
        done=lambda w, r: QualificationDocument.objects.get(pk=r.qualification.pk).removed_at is not None,
    ),
]


def _api_client(world: World, person: str) -> Client:
    if person == "anonymous":
        return Client()
    _, secret = api_token_create(actor=getattr(world, person), name="matrix", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path}" for r in ROWS])
@pytest.mark.parametrize("person", PEOPLE)
def test_api_authorization_matrix(world: World, register: Register, row: Row, person: str) -> None:
    # given
    client = _api_client(world, person)
    url = row.url(world, register)
    body = row.body(world, register) if row.body else None
    # when
    if row.multipart:
        response = client.post(url, body or {})
    else:
        response = client.generic(
            row.method, url, data=b"" if body is None else json.dumps(body), content_type="application/json"
        )
    # then
    expected = row.expected[person]
    assert response.status_code == expected, response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
        assert "Calle Mayor" not in response.content.decode()
    if row.done is not None:
        assert row.done(world, register) == (200 <= int(expected) < 300), "the change must happen exactly when allowed"


# Read by the site-wide API check: the supplier register operations these rows cover.
COVERED_API_OPERATIONS = {(row.method, row.path) for row in ROWS}


def test_every_suppliers_api_operation_has_a_row() -> None:
    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "suppliers" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS


def test_the_tables_cover_every_person() -> None:
    for table in [*(p.expected for p in PAGES), *(a.expected for a in ACTIONS), *(r.expected for r in ROWS)]:
        assert set(table) == set(PEOPLE)
