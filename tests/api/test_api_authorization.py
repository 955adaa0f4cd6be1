"""Authorization matrix for every JSON API endpoint, authenticated with Bearer tokens.

The last test fails when an endpoint is added to the OpenAPI document without a row here or in
an app's own table (`COVERED_API_OPERATIONS` of a tests/*/test_*matrix*.py module).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from procura.accounts.models import Membership
from procura.accounts.roles import Role
from procura.accounts.services import api_token_create, invitation_create
from procura.api import api
from tests.conftest import World

PEOPLE = ["anonymous", "officer", "evaluator", "other_officer", "bid_manager", "admin", "auditor"]


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # OpenAPI path template
    expected: dict[str, int]  # person -> status
    url: Callable[[World], str]
    body: dict[str, object] | None = None


def _everyone(status: int, anonymous: int = 401) -> dict[str, int]:
    return {person: (anonymous if person == "anonymous" else status) for person in PEOPLE}


def _buyer_members(view: int, refused: int = 403) -> dict[str, int]:
    return {
        "anonymous": 401,
        "officer": view,
        "evaluator": view,
        "other_officer": refused,
        "bid_manager": refused,
        "admin": view,
        "auditor": view,
    }


def _buyer_managers(ok: int) -> dict[str, int]:
    return {
        "anonymous": 401,
        "officer": ok,
        "evaluator": 403,
        "other_officer": 403,
        "bid_manager": 403,
        "admin": ok,
        "auditor": 403,
    }


def _evaluator_membership(w: World) -> str:
    return str(Membership.objects.get(user=w.evaluator, organisation=w.buyer).pk)


def _pending_invitation(w: World) -> str:
    invitation, _ = invitation_create(
        actor=w.officer, organisation=w.buyer, email="pending@test.example", role=Role.APPROVER
    )
    return str(invitation.pk)


def _officer_token(w: World) -> str:
    token, _ = api_token_create(actor=w.officer, name="officer's", scopes=["read"])
    return str(token.pk)


ROWS = [
    Row("GET", "/api/v1/me", _everyone(200), lambda w: "/api/v1/me"),
    Row("GET", "/api/v1/organisations", _everyone(200, anonymous=200), lambda w: "/api/v1/organisations"),
    Row(
        "GET",
        "/api/v1/organisations/{organisation_id}",
        _everyone(200, anonymous=200),
        lambda w: f"/api/v1/organisations/{w.buyer.pk}",
    ),
    Row(
        "GET",
        "/api/v1/organisations/{organisation_id}/memberships",
        _buyer_members(200),
        lambda w: f"/api/v1/organisations/{w.buyer.pk}/memberships",
    ),
    Row(
        "DELETE",
        "/api/v1/organisations/{organisation_id}/memberships/{membership_id}",
        _buyer_managers(204),
        lambda w: f"/api/v1/organisations/{w.buyer.pk}/memberships/{_evaluator_membership(w)}",
    ),
    Row(
        "GET",
        "/api/v1/organisations/{organisation_id}/invitations",
        _buyer_managers(200),
        lambda w: f"/api/v1/organisations/{w.buyer.pk}/invitations",
    ),
    Row(
        "POST",
        "/api/v1/organisations/{organisation_id}/invitations",
        _buyer_managers(201),
        lambda w: f"/api/v1/organisations/{w.buyer.pk}/invitations",
        {"email": "invitee@test.example", "role": "evaluator"},
    ),
    Row(
        "DELETE",
        "/api/v1/organisations/{organisation_id}/invitations/{invitation_id}",
        _buyer_managers(204),
        lambda w: f"/api/v1/organisations/{w.buyer.pk}/invitations/{_pending_invitation(w)}",
    ),
    Row("GET", "/api/v1/tokens", _everyone(200), lambda w: "/api/v1/tokens"),
    Row("POST", "/api/v1/tokens", _everyone(201), lambda w: "/api/v1/tokens", {"name": "CI", "scopes": ["read"]}),
    Row(
        "DELETE",
        "/api/v1/tokens/{token_id}",
        {
            "anonymous": 401,
            "officer": 204,
            "evaluator": 404,
            "other_officer": 404,
            "bid_manager": 404,
            "admin": 404,
            "auditor": 404,
        },
        lambda w: f"/api/v1/tokens/{_officer_token(w)}",
    ),
]


def _client_for(world: World, person: str) -> Client:
    if person == "anonymous":
        return Client()
    _, secret = api_token_create(actor=getattr(world, person), name="matrix", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path}")
def test_api_authorization_matrix(world: World, row: Row, person: str) -> None:
    # given
    client = _client_for(world, person)
    url = row.url(world)
    # when
    response = client.generic(
        row.method,
        url,
        data=b"" if row.body is None else __import__("json").dumps(row.body),
        content_type="application/json",
    )
    # then
    assert response.status_code == row.expected[person], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


def _covered_by_app_matrices() -> set[tuple[str, str]]:
    """`COVERED_API_OPERATIONS` of every app's own table: the modules tests/*/test_*matrix*.py."""
    operations: set[tuple[str, str]] = set()
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/test_*matrix*.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        operations |= set(getattr(module, "COVERED_API_OPERATIONS", set()))
    return operations


def test_every_api_operation_has_a_matrix_row() -> None:
    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if path.startswith("/api/v1/")
    }
    assert operations == {(row.method, row.path) for row in ROWS} | _covered_by_app_matrices()
