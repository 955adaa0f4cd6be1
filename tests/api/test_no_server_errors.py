"""Whatever a client sends, the API and the forms answer with a clear error, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procura.accounts.services import api_token_create
from tests.conftest import World

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Bodies shaped like the real ones, with wrong values, reach deeper than random JSON.
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "email": JSON,
        "role": JSON,
        "name": JSON,
        "scopes": JSON,
        "expires_in_days": JSON,
    },
)
FORM_VALUES = st.dictionaries(
    st.sampled_from(
        [
            "email",
            "password",
            "password_confirm",
            "full_name",
            "legal_name",
            "identifier_scheme",
            "identifier_id",
            "country_code",
            "scale",
            "role",
            "name",
            "scopes",
            "expires_in_days",
            "code",
            "language",
            "next",
            "kind",
        ]
    ),
    st.text(max_size=60),
    max_size=8,
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.django_db
@SETTINGS
@given(body=JSON | FIELDS)
def test_api_writes_never_fail_with_a_server_error(world: World, body: object) -> None:
    _, secret = api_token_create(actor=world.officer, name="fuzz", scopes=["read", "write"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for path in (f"/api/v1/organisations/{world.buyer.pk}/invitations", "/api/v1/tokens"):
        response = client.post(path, data=json.dumps(body), content_type="application/json")
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["code"]
            assert error["message"]


@pytest.mark.django_db
@SETTINGS
@given(data=FORM_VALUES)
def test_forms_never_fail_with_a_server_error(world: World, data: dict[str, str]) -> None:
    officer = world.client("officer")
    anonymous = Client()
    for client, path in [
        (anonymous, "/account/sign-up/"),
        (anonymous, "/account/sign-in/"),
        (anonymous, "/account/password-reset/"),
        (officer, f"/organisations/{world.buyer.pk}/members/"),
        (officer, f"/organisations/{world.buyer.pk}/edit/"),
        (officer, "/account/"),
        (officer, "/account/tokens/"),
        (officer, "/organisation/switch/"),
    ]:
        response = client.post(path, data)
        assert response.status_code < 500, (path, data)


@pytest.mark.django_db
@SETTINGS
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_odd_ids_in_urls_are_not_found_not_errors(world: World, segment: str) -> None:
    from urllib.parse import quote

    client = world.client("officer")
    for path in (
        f"/organisations/{quote(segment)}/",
        f"/invitations/{quote(segment)}/",
        f"/api/v1/organisations/{quote(segment)}",
    ):
        assert client.get(path).status_code in {200, 404, 410, 422}
