"""API behaviour: one error envelope, authentication by token or verified session, scopes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from procura.accounts.models import Invitation
from procura.accounts.services import api_token_create
from tests import factories
from tests.conftest import World


def _bearer(world: World, person: str, scopes: list[str] | None = None) -> Client:
    _, secret = api_token_create(actor=getattr(world, person), name="test", scopes=scopes or ["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
def test_me_describes_the_user_and_their_roles(world: World) -> None:
    response = _bearer(world, "officer").get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == world.officer.email
    assert [(o["organisation"]["legal_name"], o["roles"]) for o in body["organisations"]] == [
        ("Ministry of Tests", ["procurement_officer"])
    ]


@pytest.mark.django_db
def test_validation_errors_name_each_field(world: World) -> None:
    response = _bearer(world, "officer").post(
        f"/api/v1/organisations/{world.buyer.pk}/invitations",
        data=json.dumps({"email": "x@test.example", "role": "emperor"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["role"]
    assert "role" in error["message"]


@pytest.mark.django_db
def test_service_rule_errors_use_the_envelope_with_fields(world: World) -> None:
    response = _bearer(world, "officer").post(
        f"/api/v1/organisations/{world.buyer.pk}/invitations",
        data=json.dumps({"email": "not an email", "role": "evaluator"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Enter a valid email address.",
            "fields": {"email": ["Enter a valid email address."]},
        }
    }
    assert Invitation.objects.count() == 0


@pytest.mark.django_db
def test_a_role_from_another_kind_of_organisation_is_refused(world: World) -> None:
    response = _bearer(world, "officer").post(
        f"/api/v1/organisations/{world.buyer.pk}/invitations",
        data=json.dumps({"email": "x@test.example", "role": "bid_manager"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["role"]


@pytest.mark.django_db
def test_malformed_json_is_a_clear_error(world: World) -> None:
    response = _bearer(world, "officer").post("/api/v1/tokens", data=b"{not json", content_type="application/json")
    assert response.status_code in {400, 422}
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.django_db
def test_malformed_and_unknown_ids_are_clear_errors(world: World) -> None:
    client = _bearer(world, "officer")
    malformed = client.get("/api/v1/organisations/not-a-uuid")
    assert malformed.status_code == 422
    assert list(malformed.json()["error"]["fields"]) == ["organisation_id"]
    unknown = client.get("/api/v1/organisations/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_revoked_and_read_only_tokens(world: World) -> None:
    assert (
        Client(HTTP_AUTHORIZATION="Bearer prc_nonsense").get("/api/v1/me").json()["error"]["code"]
        == "not_authenticated"
    )
    read_only = _bearer(world, "officer", scopes=["read"])
    assert read_only.get("/api/v1/tokens").status_code == 200
    refused = read_only.post(
        "/api/v1/tokens", data=json.dumps({"name": "x", "scopes": ["read"]}), content_type="application/json"
    )
    assert refused.status_code == 403
    assert "read-only" in refused.json()["error"]["message"]


@pytest.mark.django_db
def test_session_needs_two_factor_for_buyer_roles(world: World) -> None:
    # given an officer signed in with a password only
    client = factories.signed_in_client(world.officer, two_factor=False)
    # then the API refuses until the second factor is given
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_required"
    assert factories.signed_in_client(world.officer).get("/api/v1/me").status_code == 200
    # and a supplier without two-factor may use it
    assert factories.signed_in_client(world.bid_manager, two_factor=False).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bid_manager)
    response = client.post(
        "/api/v1/tokens", data=json.dumps({"name": "x", "scopes": ["read"]}), content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_new_token_secret_is_returned_once(world: World) -> None:
    client = _bearer(world, "bid_manager")
    created = client.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "ERP", "scopes": ["read"], "expires_in_days": 10}),
        content_type="application/json",
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("prc_")
    assert secret not in client.get("/api/v1/tokens").content.decode()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_unexpected_failures_answer_with_the_envelope_and_no_traceback(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(**kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("procura.accounts.api.selectors.organisations_of", explode)
    response = _bearer(world, "officer").get("/api/v1/me")
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "server_error"
    assert "database on fire" not in response.content.decode()
    assert response["X-Request-ID"] in body["error"]["message"]


@pytest.mark.django_db
def test_organisation_directory_pages_with_a_cursor() -> None:
    for i in range(5):
        factories.organisation(name=f"Buyer {i}")
    first = Client().get("/api/v1/organisations?limit=2&kind=buyer").json()
    second = Client().get(f"/api/v1/organisations?limit=2&kind=buyer&cursor={first['next_cursor']}").json()
    assert [o["legal_name"] for o in first["results"] + second["results"]] == [
        "Buyer 0",
        "Buyer 1",
        "Buyer 2",
        "Buyer 3",
    ]
    bad = Client().get("/api/v1/organisations?cursor=garbage")
    assert bad.status_code == 422
    assert list(bad.json()["error"]["fields"]) == ["cursor"]


def test_openapi_document_is_served(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Procura API"
