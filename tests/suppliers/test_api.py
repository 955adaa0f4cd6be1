"""The supplier register API: beneficial owners and qualification documents, errors in the one
envelope naming the field, and idempotent retries."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procura.accounts.services import api_token_create
from procura.suppliers.models import BeneficialOwner, QualificationDocument
from tests.conftest import World
from tests.documents.samples import named
from tests.suppliers.conftest import Register, pdf

pytestmark = pytest.mark.django_db


def _client(world: World, person: str = "bid_manager") -> Client:
    _, secret = api_token_create(actor=getattr(world, person), name="test", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _json(client: Client, method: str, url: str, body: Any = None, **headers: Any) -> Any:
    return client.generic(
        method, url, data=b"" if body is None else json.dumps(body), content_type="application/json", **headers
    )


def _owners(world: World) -> str:
    return f"/api/v1/suppliers/{world.supplier.pk}/beneficial-owners"


def test_adding_and_listing_beneficial_owners(world: World, frozen_clock: Any) -> None:
    client = _client(world)
    # when
    response = _json(
        client,
        "POST",
        _owners(world),
        {"name": "Ana García", "nationality": "es", "share": "33.33", "date_of_birth": "1975-04-12"},
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Ana García"
    assert body["nationality"] == "ES"
    assert body["share"] == "33.33"
    assert body["publishable"] is True
    assert body["date_of_birth"] == "1975-04-12"
    assert body["address"] == ""
    listed = _json(client, "GET", _owners(world)).json()
    assert [o["id"] for o in listed] == [body["id"]]


def test_owner_errors_name_the_field_in_the_envelope(world: World) -> None:
    response = _json(_client(world), "POST", _owners(world), {"name": "", "nationality": "XX", "share": 0})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "nationality", "share"}


def test_a_share_that_is_not_a_number_is_named(world: World) -> None:
    response = _json(_client(world), "POST", _owners(world), {"name": "Ana", "nationality": "ES", "share": "lots"})
    assert response.status_code == 422
    assert "share" in response.json()["error"]["fields"]


def test_the_share_total_is_enforced(world: World, register: Register) -> None:
    response = _json(_client(world), "POST", _owners(world), {"name": "Bo", "nationality": "SE", "share": 40.01})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "rule_violation"
    assert list(error["fields"]) == ["share"]
    assert BeneficialOwner.objects.filter(organisation=world.supplier).count() == 1


def test_patch_changes_only_the_fields_sent(world: World, register: Register) -> None:
    url = f"{_owners(world)}/{register.owner.pk}"
    # when
    response = _json(_client(world), "PATCH", url, {"share": "55.5", "date_of_birth": None})
    # then
    assert response.status_code == 200, response.content
    owner = BeneficialOwner.objects.get(pk=register.owner.pk)
    assert (owner.name, owner.nationality, owner.share) == ("Ana García", "ES", Decimal("55.50"))
    assert owner.date_of_birth is None
    assert owner.address == "Calle Mayor 1, Madrid"
    # and a null name is refused, naming it
    refused = _json(_client(world), "PATCH", url, {"name": None})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["name"]


def test_deleting_an_owner(world: World, register: Register) -> None:
    url = f"{_owners(world)}/{register.owner.pk}"
    assert _json(_client(world), "DELETE", url).status_code == 204
    assert not BeneficialOwner.objects.filter(pk=register.owner.pk).exists()
    assert _json(_client(world), "DELETE", url).status_code == 404


def test_an_unknown_supplier_or_a_buyer_is_not_found(world: World) -> None:
    client = _client(world, "admin")
    assert _json(client, "GET", f"/api/v1/suppliers/{world.buyer.pk}/beneficial-owners").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    response = _json(client, "GET", f"/api/v1/suppliers/{missing}/qualifications")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_retried_add_with_the_same_idempotency_key_adds_once(world: World) -> None:
    client = _client(world)
    body = {"name": "Ana García", "nationality": "ES", "share": "10"}
    first = _json(client, "POST", _owners(world), body, HTTP_IDEMPOTENCY_KEY="add-ana-1")
    again = _json(client, "POST", _owners(world), body, HTTP_IDEMPOTENCY_KEY="add-ana-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert BeneficialOwner.objects.filter(organisation=world.supplier).count() == 1


def _qualifications(world: World) -> str:
    return f"/api/v1/suppliers/{world.supplier.pk}/qualifications"


def test_uploading_and_listing_qualification_documents(world: World, frozen_clock: Any) -> None:
    client = _client(world)
    # when
    response = client.post(
        _qualifications(world),
        {"kind": "insurance", "title": "Liability insurance", "expires_on": "2026-03-20", "file": pdf("policy.pdf")},
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "insurance"
    assert body["expires_on"] == "2026-03-20"
    assert body["issued_on"] is None
    assert body["expiry_state"] == "expiring"
    assert body["days_until_expiry"] == 18
    assert body["document"]["file_name"] == "policy.pdf"
    assert body["document"]["url"].startswith("/documents/")
    listed = client.get(_qualifications(world)).json()
    assert [q["id"] for q in listed] == [body["id"]]


def test_upload_errors_name_the_field(world: World, frozen_clock: Any) -> None:
    client = _client(world)
    response = client.post(
        _qualifications(world), {"kind": "diploma", "title": "X", "expires_on": "31.12.2026", "file": pdf()}
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"kind", "expires_on"}
    bad_file = client.post(_qualifications(world), {"kind": "other", "title": "X", "file": named(b"MZ", "x.exe")})
    assert bad_file.status_code == 422
    assert "file" in bad_file.json()["error"]["fields"]
    missing_file = client.post(_qualifications(world), {"kind": "other", "title": "X"})
    assert missing_file.status_code == 422
    assert "file" in missing_file.json()["error"]["fields"]
    assert not QualificationDocument.objects.exists()


def test_removing_a_qualification_document(world: World, register: Register) -> None:
    url = f"{_qualifications(world)}/{register.qualification.pk}"
    client = _client(world)
    assert _json(client, "DELETE", url).status_code == 204
    assert QualificationDocument.objects.get(pk=register.qualification.pk).removed_at is not None
    assert client.get(_qualifications(world)).json() == []
    assert _json(client, "DELETE", url).status_code == 404


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Bodies shaped like the real ones, with wrong values, reach deeper than random JSON.
OWNER_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": JSON,
        "nationality": JSON | st.sampled_from(["ES", "es", "XX", "EU", ""]),
        "share": JSON | st.sampled_from(["0", "100", "100.001", "1e400", "-0", "33.333", "1E+2", "NaN"]),
        "publishable": JSON,
        "date_of_birth": JSON | st.sampled_from(["1975-04-12", "2999-01-01", "1800-01-01", "x"]),
        "address": JSON,
    },
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=JSON | OWNER_FIELDS)
def test_owner_writes_never_fail_with_a_server_error(world: World, body: object) -> None:
    client = _client(world)
    owner = BeneficialOwner.objects.filter(organisation=world.supplier).first()
    if owner is None:
        owner = BeneficialOwner.objects.get(
            pk=_json(client, "POST", _owners(world), {"name": "A", "nationality": "ES", "share": 1}).json()["id"]
        )
    for method, url in [("POST", _owners(world)), ("PATCH", f"{_owners(world)}/{owner.pk}")]:
        response = _json(client, method, url, body)
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["code"]
            assert error["message"]


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(["name", "nationality", "share", "publishable", "date_of_birth", "address"]),
        st.text(max_size=30),
        max_size=6,
    )
)
def test_the_owner_form_never_fails_with_a_server_error(world: World, data: dict[str, str]) -> None:
    response = world.client("bid_manager").post(f"/suppliers/{world.supplier.pk}/beneficial-owners/add/", data)
    assert response.status_code in {200, 302}
