"""Whatever a client sends to planning, the API and the forms answer with a clear error, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procura.accounts.services import api_token_create
from tests.conftest import World
from tests.planning.conftest import Plans

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
NAMES = [
    "buyer",
    "year",
    "title",
    "description",
    "main_category",
    "classification_scheme",
    "classification_code",
    "estimated_amount",
    "currency",
    "budget_source",
    "budget_reference",
    "planned_tender_date",
    "procedure",
    "need",
    "options_considered",
    "amount",
    "approve",
    "reasons",
]
# Bodies shaped like the real ones, with wrong values, reach deeper than random JSON.
LOTS = st.lists(st.fixed_dictionaries({}, optional={"title": JSON, "value": JSON}) | JSON, max_size=3)
FIELDS = st.fixed_dictionaries({}, optional={**dict.fromkeys(NAMES, JSON), "lots": LOTS})
FORM_VALUES = st.dictionaries(
    st.sampled_from(
        [
            *NAMES,
            "decision",
            "document_type",
            "lot_1_title",
            "lot_1_value",
            "lot_2_title",
            "lot_7_value",
            "lot_999_title",
            "cursor",
        ]
    ),
    st.text(max_size=60),
    max_size=10,
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _bearer(person: object) -> Client:
    _, secret = api_token_create(actor=person, name="fuzz", scopes=["read", "write"])  # type: ignore[arg-type]
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
@SETTINGS
@given(body=JSON | FIELDS)
def test_api_writes_never_fail_with_a_server_error(world: World, plans: Plans, body: object) -> None:
    officer = _bearer(world.officer)
    approver = _bearer(world.approver)
    for client, method, path in [
        (officer, "POST", "/api/v1/plans"),
        (officer, "PATCH", f"/api/v1/plans/{plans.draft.pk}"),
        (officer, "POST", f"/api/v1/plans/{plans.draft.pk}/lines"),
        (officer, "PUT", f"/api/v1/plan-lines/{plans.draft_line.pk}"),
        (officer, "POST", f"/api/v1/plan-lines/{plans.draft_line.pk}/business-cases"),
        (officer, "POST", f"/api/v1/business-cases/{plans.pending_case.pk}/documents"),
        (approver, "PUT", f"/api/v1/organisations/{world.buyer.pk}/spend-control-threshold"),
        (approver, "POST", f"/api/v1/business-cases/{plans.pending_case.pk}/decision"),
    ]:
        response = client.generic(method, path, data=json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (path, response.content)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["code"]
            assert error["message"]


@pytest.mark.django_db
@SETTINGS
@given(data=FORM_VALUES)
def test_forms_never_fail_with_a_server_error(world: World, plans: Plans, data: dict[str, str]) -> None:
    officer = world.client("officer")
    approver = world.client("approver")
    for client, path in [
        (officer, f"/plans/organisations/{world.buyer.pk}/"),
        (officer, f"/plans/{plans.draft.pk}/edit/"),
        (officer, f"/plans/{plans.draft.pk}/lines/add/"),
        (officer, f"/plans/lines/{plans.draft_line.pk}/edit/"),
        (officer, f"/plans/lines/{plans.draft_line.pk}/"),
        (officer, f"/plans/business-cases/{plans.pending_case.pk}/documents/"),
        (approver, f"/plans/business-cases/{plans.pending_case.pk}/decide/"),
        (approver, f"/plans/organisations/{world.buyer.pk}/spend-control/"),
    ]:
        response = client.post(path, data)
        assert response.status_code < 500, (path, data)
    assert Client().get("/plans/", data).status_code < 500


@pytest.mark.django_db
@SETTINGS
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_odd_ids_in_urls_are_not_found_not_errors(world: World, segment: str) -> None:
    from urllib.parse import quote

    client = world.client("officer")
    for path in (
        f"/plans/{quote(segment)}/",
        f"/plans/lines/{quote(segment)}/",
        f"/api/v1/plans/{quote(segment)}",
        f"/api/v1/plan-lines/{quote(segment)}",
        f"/api/v1/business-cases/{quote(segment)}",
    ):
        assert client.get(path).status_code in {200, 404, 422}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [[{"x": 1}, ["y"], "not-a-uuid"], [2026, "Title", "not-a-uuid"], [2**63 - 1, None, None], ["2026", 5, 5]],
)
def test_forged_cursors_are_refused_not_errors(world: World, values: list[object]) -> None:
    from procura.core.pagination import encode_cursor

    cursor = encode_cursor(values)
    api = Client().get(f"/api/v1/plans?cursor={cursor}")
    assert api.status_code in {200, 422}
    if api.status_code == 422:
        assert set(api.json()["error"]["fields"]) == {"cursor"}
    assert Client().get(f"/plans/?cursor={cursor}").status_code in {200, 400}
    assert Client().get("/api/v1/plans?year=100000000000000000000000").status_code == 422
