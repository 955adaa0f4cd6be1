"""Authorization matrix for every planning page, page action and API endpoint, for each person:
anonymous, the buyer's officer, approver and evaluator, another buyer's officer, a supplier's bid
manager, a platform administrator and an auditor.

Drafts are hidden: whoever may not see a draft plan gets "not found", not "forbidden".
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
from procura.documents.models import Document
from procura.planning.models import BusinessCase, PlanLine, ProcurementPlan, SpendControlPolicy
from tests.conftest import World
from tests.documents.samples import PDF, named
from tests.planning.conftest import Plans

PEOPLE = ["anonymous", "officer", "approver", "evaluator", "other_officer", "bid_manager", "admin", "auditor"]
SIGN_IN = "sign-in"  # redirected to the sign-in page


def _table(default: int | str, anonymous: int | str = SIGN_IN, **people: int | str) -> dict[str, int | str]:
    return {person: people.get(person, anonymous if person == "anonymous" else default) for person in PEOPLE}


PUBLIC = _table(200, anonymous=200)
# A draft: the buyer's people and the platform's overseers see it; it does not exist for others.
DRAFT = _table(200, anonymous=404, other_officer=404, bid_manager=404)
# Inside the buyer: members, administrators and auditors.
INSIDE = _table(200, other_officer=403, bid_manager=403)
# Changing a draft plan: the buyer's officers only; the draft stays hidden from outsiders.
OFFICERS_DRAFT = _table(403, officer=200, other_officer=404, bid_manager=404)
APPROVERS = _table(403, approver=200)
THRESHOLD_SETTERS = _table(403, approver=200, admin=200)


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World, Plans], str]
    expected: dict[str, int | str]
    label: str = ""


PAGES = [
    Page("plan-list", lambda w, p: "/plans/", PUBLIC),
    Page("plan-list", lambda w, p: f"/plans/?buyer={w.buyer.pk}&year=2026", PUBLIC, "filtered"),
    Page("plan-detail", lambda w, p: f"/plans/{p.published.pk}/", PUBLIC, "published"),
    Page("plan-detail", lambda w, p: f"/plans/{p.draft.pk}/", DRAFT, "draft"),
    Page("plan-edit", lambda w, p: f"/plans/{p.draft.pk}/edit/", OFFICERS_DRAFT, "draft"),
    Page(
        "plan-edit",
        lambda w, p: f"/plans/{p.published.pk}/edit/",
        _table(403, officer=200),
        "published",
    ),
    Page("plan-publish", lambda w, p: f"/plans/{p.draft.pk}/publish/", OFFICERS_DRAFT),
    Page("plan-line-add", lambda w, p: f"/plans/{p.draft.pk}/lines/add/", OFFICERS_DRAFT),
    Page("plan-line", lambda w, p: f"/plans/lines/{p.published_line.pk}/", PUBLIC, "published"),
    Page("plan-line", lambda w, p: f"/plans/lines/{p.draft_line.pk}/", DRAFT, "draft"),
    Page("plan-line-edit", lambda w, p: f"/plans/lines/{p.draft_line.pk}/edit/", OFFICERS_DRAFT),
    Page("plan-workspace", lambda w, p: f"/plans/organisations/{w.buyer.pk}/", INSIDE),
    Page("plan-approvals", lambda w, p: f"/plans/organisations/{w.buyer.pk}/approvals/", APPROVERS),
    Page("plan-spend-control", lambda w, p: f"/plans/organisations/{w.buyer.pk}/spend-control/", THRESHOLD_SETTERS),
]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=[f"{p.name} {p.label}".strip() for p in PAGES])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_open_each_page(world: World, plans: Plans, page: Page, person: str) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    # when
    response = client.get(page.url(world, plans))
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
        assert "<style" not in html
        assert " style=" not in html


@dataclass(frozen=True)
class Action:
    name: str
    url: Callable[[World, Plans], str]
    expected: dict[str, int | str]
    data: Callable[[World, Plans], dict[str, Any]]
    done: Callable[[World, Plans], bool]  # the change happened (exactly when allowed)
    multipart: bool = False


def _line_form(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "main_category": "goods",
        "classification_scheme": "CPV",
        "classification_code": "33140000-3",
        "estimated_amount": "12000.00",
        "currency": "EUR",
        "budget_source": "Running costs",
        "planned_tender_date": "2027-05-01",
        "procedure": "request_for_quotation",
        "lot_1_title": "Gloves",
        "lot_1_value": "2000",
    }


ACTIONS = [
    Action(
        "plan-workspace",
        lambda w, p: f"/plans/organisations/{w.buyer.pk}/",
        _table(403, officer=302),
        lambda w, p: {"year": "2030", "title": "Purchases 2030"},
        lambda w, p: ProcurementPlan.objects.filter(buyer=w.buyer, year=2030).exists(),
    ),
    Action(
        "plan-edit",
        lambda w, p: f"/plans/{p.draft.pk}/edit/",
        _table(403, officer=302, other_officer=404, bid_manager=404),
        lambda w, p: {"title": "Renamed plan", "description": ""},
        lambda w, p: ProcurementPlan.objects.get(pk=p.draft.pk).title == "Renamed plan",
    ),
    Action(
        "plan-publish",
        lambda w, p: f"/plans/{p.draft.pk}/publish/",
        _table(403, officer=302, other_officer=404, bid_manager=404),
        lambda w, p: {},
        lambda w, p: ProcurementPlan.objects.get(pk=p.draft.pk).status == "published",
    ),
    Action(
        "plan-line-add",
        lambda w, p: f"/plans/{p.draft.pk}/lines/add/",
        _table(403, officer=302, other_officer=404, bid_manager=404),
        lambda w, p: _line_form("Cleaning products"),
        lambda w, p: PlanLine.objects.filter(title="Cleaning products").exists(),
    ),
    Action(
        "plan-line-edit",
        lambda w, p: f"/plans/lines/{p.draft_line.pk}/edit/",
        _table(403, officer=302, other_officer=404, bid_manager=404),
        lambda w, p: _line_form("Renamed line"),
        lambda w, p: PlanLine.objects.get(pk=p.draft_line.pk).title == "Renamed line",
    ),
    Action(
        "plan-line-remove",
        lambda w, p: f"/plans/lines/{p.draft_line.pk}/remove/",
        _table(403, officer=302, other_officer=404, bid_manager=404),
        lambda w, p: {},
        lambda w, p: not PlanLine.objects.filter(pk=p.draft_line.pk).exists(),
    ),
    Action(
        "plan-line",
        lambda w, p: f"/plans/lines/{p.draft_line.pk}/",
        _table(403, anonymous=404, officer=302, other_officer=404, bid_manager=404),
        lambda w, p: {
            "need": "Gloves run out.",
            "estimated_amount": "250000.00",
            "currency": "EUR",
            "options_considered": "None.",
        },
        lambda w, p: BusinessCase.objects.filter(plan_line=p.draft_line).exists(),
    ),
    Action(
        "plan-business-case-decide",
        lambda w, p: f"/plans/business-cases/{p.pending_case.pk}/decide/",
        _table(403, approver=302, other_officer=404, bid_manager=404),
        lambda w, p: {"decision": "approve", "reasons": ""},
        lambda w, p: BusinessCase.objects.get(pk=p.pending_case.pk).decision == "approved",
    ),
    Action(
        "plan-business-case-document",
        lambda w, p: f"/plans/business-cases/{p.pending_case.pk}/documents/",
        _table(403, officer=302, other_officer=404, bid_manager=404),
        lambda w, p: {"title": "Needs assessment", "document_type": "needsAssessment", "file": named(PDF, "needs.pdf")},
        lambda w, p: Document.objects.filter(owner_type="business_case", owner_id=p.pending_case.pk).exists(),
        multipart=True,
    ),
    Action(
        "plan-spend-control",
        lambda w, p: f"/plans/organisations/{w.buyer.pk}/spend-control/",
        THRESHOLD_SETTERS | {"approver": 302, "admin": 302},
        lambda w, p: {"amount": "5000", "currency": "EUR"},
        lambda w, p: SpendControlPolicy.objects.get(buyer=w.buyer).threshold_amount == 5000,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS, ids=[f"POST {a.name}" for a in ACTIONS])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_do_each_action(world: World, plans: Plans, action: Action, person: str) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    url = action.url(world, plans)
    data = action.data(world, plans)
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
    assert action.done(world, plans) == (expected == 302), "the change must happen exactly when allowed"


# Read by tests/web/test_authorization_matrix.py: the named URLs these tables cover.
COVERED_URL_NAMES = {page.name for page in PAGES} | {action.name for action in ACTIONS}


def test_every_planning_url_has_a_row() -> None:
    from django.urls import get_resolver

    resolver = get_resolver()
    planning = next(p for p in resolver.url_patterns if getattr(p, "namespace", None) == "planning")
    assert {pattern.name for pattern in planning.url_patterns} == COVERED_URL_NAMES


# --- The JSON API ------------------------------------------------------------------------------
API_PUBLIC = _table(200, anonymous=200)
API_DRAFT = _table(200, anonymous=404, other_officer=404, bid_manager=404)
API_INSIDE = _table(200, anonymous=401, other_officer=403, bid_manager=403)


def _api_officers(ok: int) -> dict[str, int | str]:
    return _table(403, anonymous=401, officer=ok, other_officer=404, bid_manager=404)


def _line_body(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "main_category": "goods",
        "classification_scheme": "CPV",
        "classification_code": "33140000-3",
        "estimated_amount": "12000.00",
        "currency": "EUR",
        "budget_source": "Running costs",
        "planned_tender_date": "2027-05-01",
        "procedure": "open",
        "lots": [{"title": "Gloves", "value": "2000"}],
    }


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # OpenAPI path template
    expected: dict[str, int | str]
    url: Callable[[World, Plans], str]
    body: Callable[[World, Plans], dict[str, Any]] | None = None
    multipart: bool = False
    label: str = ""


ROWS = [
    Row("GET", "/api/v1/plans", API_PUBLIC, lambda w, p: f"/api/v1/plans?year=2026&buyer={w.buyer.pk}"),
    Row(
        "POST",
        "/api/v1/plans",
        _table(403, anonymous=401, officer=201),
        lambda w, p: "/api/v1/plans",
        lambda w, p: {"buyer": str(w.buyer.pk), "year": 2031, "title": "Purchases 2031"},
    ),
    Row(
        "GET", "/api/v1/plans/{plan_id}", API_PUBLIC, lambda w, p: f"/api/v1/plans/{p.published.pk}", label="published"
    ),
    Row("GET", "/api/v1/plans/{plan_id}", API_DRAFT, lambda w, p: f"/api/v1/plans/{p.draft.pk}", label="draft"),
    Row(
        "PATCH",
        "/api/v1/plans/{plan_id}",
        _api_officers(200),
        lambda w, p: f"/api/v1/plans/{p.draft.pk}",
        lambda w, p: {"title": "Renamed"},
    ),
    Row(
        "POST",
        "/api/v1/plans/{plan_id}/publish",
        _api_officers(200),
        lambda w, p: f"/api/v1/plans/{p.draft.pk}/publish",
    ),
    Row(
        "POST",
        "/api/v1/plans/{plan_id}/lines",
        _api_officers(201),
        lambda w, p: f"/api/v1/plans/{p.draft.pk}/lines",
        lambda w, p: _line_body("Cleaning products"),
    ),
    Row(
        "GET",
        "/api/v1/plan-lines/{line_id}",
        API_PUBLIC,
        lambda w, p: f"/api/v1/plan-lines/{p.published_line.pk}",
        label="published",
    ),
    Row(
        "GET",
        "/api/v1/plan-lines/{line_id}",
        API_DRAFT,
        lambda w, p: f"/api/v1/plan-lines/{p.draft_line.pk}",
        label="draft",
    ),
    Row(
        "PUT",
        "/api/v1/plan-lines/{line_id}",
        _api_officers(200),
        lambda w, p: f"/api/v1/plan-lines/{p.draft_line.pk}",
        lambda w, p: _line_body("Renamed line"),
    ),
    Row(
        "DELETE",
        "/api/v1/plan-lines/{line_id}",
        _api_officers(204),
        lambda w, p: f"/api/v1/plan-lines/{p.draft_line.pk}",
    ),
    Row(
        "GET",
        "/api/v1/plan-lines/{line_id}/business-cases",
        API_INSIDE,
        lambda w, p: f"/api/v1/plan-lines/{p.published_line.pk}/business-cases",
    ),
    Row(
        "POST",
        "/api/v1/plan-lines/{line_id}/business-cases",
        _api_officers(201),
        lambda w, p: f"/api/v1/plan-lines/{p.draft_line.pk}/business-cases",
        lambda w, p: {
            "need": "Gloves.",
            "estimated_amount": "250000",
            "currency": "EUR",
            "options_considered": "None.",
        },
    ),
    Row(
        "GET",
        "/api/v1/business-cases/{case_id}",
        _table(200, anonymous=401, other_officer=404, bid_manager=404),
        lambda w, p: f"/api/v1/business-cases/{p.pending_case.pk}",
    ),
    Row(
        "POST",
        "/api/v1/business-cases/{case_id}/decision",
        _table(403, anonymous=401, approver=200, other_officer=404, bid_manager=404),
        lambda w, p: f"/api/v1/business-cases/{p.pending_case.pk}/decision",
        lambda w, p: {"approve": True},
    ),
    Row(
        "POST",
        "/api/v1/business-cases/{case_id}/documents",
        _api_officers(201),
        lambda w, p: f"/api/v1/business-cases/{p.pending_case.pk}/documents",
        lambda w, p: {"title": "Study", "document_type": "marketStudies", "file": named(PDF, "study.pdf")},
        multipart=True,
    ),
    Row(
        "GET",
        "/api/v1/organisations/{organisation_id}/plans",
        API_INSIDE,
        lambda w, p: f"/api/v1/organisations/{w.buyer.pk}/plans",
    ),
    Row(
        "GET",
        "/api/v1/organisations/{organisation_id}/spend-control-threshold",
        API_INSIDE,
        lambda w, p: f"/api/v1/organisations/{w.buyer.pk}/spend-control-threshold",
    ),
    Row(
        "PUT",
        "/api/v1/organisations/{organisation_id}/spend-control-threshold",
        _table(403, anonymous=401, approver=200, admin=200),
        lambda w, p: f"/api/v1/organisations/{w.buyer.pk}/spend-control-threshold",
        lambda w, p: {"amount": "5000", "currency": "EUR"},
    ),
    Row(
        "GET",
        "/api/v1/organisations/{organisation_id}/business-cases-awaiting-decision",
        _table(403, anonymous=401, approver=200),
        lambda w, p: f"/api/v1/organisations/{w.buyer.pk}/business-cases-awaiting-decision",
    ),
]


def _api_client(world: World, person: str) -> Client:
    if person == "anonymous":
        return Client()
    _, secret = api_token_create(actor=getattr(world, person), name="matrix", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path} {r.label}".strip() for r in ROWS])
@pytest.mark.parametrize("person", PEOPLE)
def test_api_authorization_matrix(world: World, plans: Plans, row: Row, person: str) -> None:
    # given
    client = _api_client(world, person)
    url = row.url(world, plans)
    body = row.body(world, plans) if row.body else None
    # when
    if row.multipart:
        response = client.post(url, body or {})
    else:
        response = client.generic(
            row.method, url, data=b"" if body is None else json.dumps(body), content_type="application/json"
        )
    # then
    assert response.status_code == row.expected[person], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


# Read by the site-wide API check: the planning operations these rows cover.
COVERED_API_OPERATIONS = {(row.method, row.path) for row in ROWS}


def test_every_planning_api_operation_has_a_row() -> None:
    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "planning" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS


def test_the_tables_cover_every_person() -> None:
    for table in [*(p.expected for p in PAGES), *(a.expected for a in ACTIONS), *(r.expected for r in ROWS)]:
        assert set(table) == set(PEOPLE)
