"""The planning API through HTTP: the whole path from a draft plan to an approved line, errors
that name their fields, idempotent retries and pages of published plans."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from procura.accounts.models import User
from procura.accounts.services import api_token_create
from procura.planning.models import PlanLine, ProcurementPlan
from tests.conftest import World
from tests.documents.samples import PDF, named
from tests.planning.conftest import Plans

pytestmark = pytest.mark.django_db


def _client(person: User) -> Client:
    _, secret = api_token_create(actor=person, name="test", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _send(client: Client, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.generic(
        method, path, data=b"" if body is None else json.dumps(body), content_type="application/json", headers=headers
    )


LINE = {
    "title": "Notebooks",
    "main_category": "goods",
    "classification_scheme": "UNSPSC",
    "classification_code": "43211503",
    "estimated_amount": 150000,
    "currency": "EUR",
    "budget_source": "IT refresh",
    "planned_tender_date": "2027-02-15",
    "procedure": "open",
    "lots": [{"title": "Schools", "value": "100000"}, {"title": "Offices", "value": 50000}],
}


def test_from_a_draft_plan_to_an_approved_line(world: World, codes: None) -> None:
    officer = _client(world.officer)
    approver = _client(world.approver)
    # a draft plan
    created = _send(officer, "POST", "/api/v1/plans", {"buyer": str(world.buyer.pk), "year": 2027, "title": "IT 2027"})
    assert created.status_code == 201, created.content
    plan = created.json()
    assert (plan["status"], plan["published_at"], plan["lines"]) == ("draft", None, [])
    assert Client().get(f"/api/v1/plans/{plan['id']}").status_code == 404  # drafts are not public
    # a line
    added = _send(officer, "POST", f"/api/v1/plans/{plan['id']}/lines", LINE)
    assert added.status_code == 201, added.content
    line = added.json()
    assert line["ocid"] == PlanLine.objects.get(pk=line["id"]).ocid
    assert line["estimated_value"] == {"amount": "150000.00", "currency": "EUR"}
    assert line["classification"] == {"scheme": "UNSPSC", "id": "43211503", "description": "Notebook computers"}
    assert line["lots"] == [
        {"title": "Schools", "value": {"amount": "100000.00", "currency": "EUR"}},
        {"title": "Offices", "value": {"amount": "50000.00", "currency": "EUR"}},
    ]
    assert line["spend_approval"] == {
        "required": False,
        "approved": False,
        "state": "not_needed",
        "threshold": None,
        "business_case_id": None,
    }
    # published, twice: the second time changes nothing
    published = _send(officer, "POST", f"/api/v1/plans/{plan['id']}/publish")
    again = _send(officer, "POST", f"/api/v1/plans/{plan['id']}/publish")
    assert published.status_code == again.status_code == 200
    assert published.json()["status"] == "published"
    assert again.json()["published_at"] == published.json()["published_at"]
    # a threshold makes approval necessary
    threshold = _send(
        approver,
        "PUT",
        f"/api/v1/organisations/{world.buyer.pk}/spend-control-threshold",
        {"amount": 100000, "currency": "EUR"},
    )
    assert threshold.json() == {
        "buyer_id": str(world.buyer.pk),
        "threshold": {"amount": "100000.00", "currency": "EUR"},
    }
    assert Client().get(f"/api/v1/plan-lines/{line['id']}").json()["spend_approval"]["state"] == "needed"
    # a business case, refused without reasons, then approved
    case = _send(
        officer,
        "POST",
        f"/api/v1/plan-lines/{line['id']}/business-cases",
        {"need": "Old laptops.", "estimated_amount": "150000", "currency": "EUR", "options_considered": "Repair."},
    )
    assert case.status_code == 201, case.content
    assert case.json()["decision"] == "pending"
    inbox = _send(approver, "GET", f"/api/v1/organisations/{world.buyer.pk}/business-cases-awaiting-decision").json()
    assert [c["id"] for c in inbox] == [case.json()["id"]]
    refused = _send(approver, "POST", f"/api/v1/business-cases/{case.json()['id']}/decision", {"approve": False})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"reasons"}
    decided = _send(approver, "POST", f"/api/v1/business-cases/{case.json()['id']}/decision", {"approve": True})
    assert decided.status_code == 200
    assert decided.json()["decision"] == "approved"
    assert decided.json()["decided_by"] == {"id": str(world.approver.pk), "full_name": "Test Person"}
    approval = Client().get(f"/api/v1/plan-lines/{line['id']}").json()["spend_approval"]
    assert (approval["required"], approval["approved"], approval["state"]) == (True, True, "approved")
    assert approval["business_case_id"] == case.json()["id"]
    # a second decision is a conflict
    assert (
        _send(
            approver,
            "POST",
            f"/api/v1/business-cases/{case.json()['id']}/decision",
            {"approve": False, "reasons": "No"},
        ).status_code
        == 409
    )


def test_errors_name_each_bad_field(world: World, plans: Plans) -> None:
    officer = _client(world.officer)
    bad = {
        **LINE,
        "classification_code": "99999999",
        "estimated_amount": "10.123",
        "lots": [{"title": " ", "value": 1}],
    }
    response = _send(officer, "POST", f"/api/v1/plans/{plans.draft.pk}/lines", bad)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"classification_code", "estimated_amount", "lots.0.title"}
    # fields the schema itself refuses are named the same way
    response = _send(
        officer, "POST", f"/api/v1/plans/{plans.draft.pk}/lines", {**LINE, "procedure": "auction", "lots": [{}]}
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"procedure", "lots.0.title", "lots.0.value"}
    # a taken year is a conflict on the year
    response = _send(officer, "POST", "/api/v1/plans", {"buyer": str(world.buyer.pk), "year": 2026, "title": "Again"})
    assert response.status_code == 409
    assert set(response.json()["error"]["fields"]) == {"year"}


def test_a_retried_create_makes_one_plan(world: World, codes: None) -> None:
    officer = _client(world.officer)
    body = {"buyer": str(world.buyer.pk), "year": 2027, "title": "IT 2027"}
    first = _send(officer, "POST", "/api/v1/plans", body, **{"Idempotency-Key": "plan-2027"})
    second = _send(officer, "POST", "/api/v1/plans", body, **{"Idempotency-Key": "plan-2027"})
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert ProcurementPlan.objects.filter(buyer=world.buyer, year=2027).count() == 1


def test_published_plans_come_in_pages(world: World, plans: Plans) -> None:
    first = Client().get("/api/v1/plans?limit=1").json()
    assert [p["title"] for p in first["results"]] == ["Council purchases"]
    assert first["results"][0]["line_count"] == 1
    second = Client().get(f"/api/v1/plans?limit=1&cursor={first['next_cursor']}").json()
    assert [p["title"] for p in second["results"]] == ["Purchases 2026"]
    assert second["next_cursor"] is None
    assert [p["title"] for p in Client().get(f"/api/v1/plans?buyer={world.buyer.pk}").json()["results"]] == [
        "Purchases 2026"
    ]
    assert Client().get("/api/v1/plans?cursor=nonsense").status_code == 422


def test_a_document_is_attached_with_a_multipart_request(world: World, plans: Plans) -> None:
    response = _client(world.officer).post(
        f"/api/v1/business-cases/{plans.pending_case.pk}/documents",
        {"title": "Market study", "document_type": "marketStudies", "file": named(PDF, "market.pdf")},
    )
    assert response.status_code == 201, response.content
    document = response.json()
    assert (document["title"], document["file_name"]) == ("Market study", "market.pdf")
    case = _send(_client(world.auditor), "GET", f"/api/v1/business-cases/{plans.pending_case.pk}").json()
    assert [d["id"] for d in case["documents"]] == [document["id"]]
