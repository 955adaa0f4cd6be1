"""Whatever a client sends to the tenders API, it answers with a clear error, never a 500.

Random JSON finds the parser's edges; bodies shaped like the real ones with a few wrong values
reach the services and the database.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procura.tenders import services
from procura.tenders.models import Tender
from tests.conftest import World
from tests.tenders.support import draft, published
from tests.tenders.test_api import bearer, item_body, send, tender_body

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
MOMENTS = st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat())
DECIMALS = st.decimals().map(str) | st.sampled_from(
    ["1e999999", "1E+10", "123456.5", "-0", "0.00001", "1,5", " 12 ", "NaN", "١٢"]
)
ODD = JSON | MOMENTS | DECIMALS | st.text(max_size=400)
ITEM_KEYS = ["id", "description", "classification_scheme", "classification_code", "quantity", "unit_code"]
TENDER_KEYS = [
    "title",
    "description",
    "main_category",
    "procedure",
    "procedure_justification",
    "currency",
    "value_amount",
    "award_criteria",
    "criteria",
    "eligibility_criteria",
    "selection_criteria",
    "sme_suitable",
    "two_envelopes",
    "lots",
    "qualification_end",
    "enquiry_end",
    "tender_start",
    "tender_end",
    "bid_opening_at",
    "bid_opening_place",
    "award_start",
    "award_end",
    "contract_start",
    "contract_end",
    "buyer_id",
    "plan_line_id",
]
ITEMS = st.lists(st.dictionaries(st.sampled_from(ITEM_KEYS), ODD, max_size=4), max_size=2)
LOTS = st.lists(
    st.fixed_dictionaries(
        {"items": ITEMS}, optional={"id": ODD, "title": ODD, "value_amount": DECIMALS | JSON, "description": ODD}
    ),
    max_size=2,
)
CRITERIA = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "name": ODD,
            "kind": st.sampled_from(["price", "cost", "quality", "other"]),
            "weight": DECIMALS | JSON,
            "description": ODD,
        },
    ),
    max_size=3,
)
# A few fields of a valid tender replaced with odd values.
OVERRIDES = st.dictionaries(st.sampled_from(TENDER_KEYS), ODD, max_size=4) | st.fixed_dictionaries(
    {},
    optional={"lots": LOTS, "criteria": CRITERIA, "award_criteria": st.just("ratedCriteria"), "value_amount": DECIMALS},
)
SMALL_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "reason": ODD,
        "answer": ODD,
        "question": ODD,
        "rationale": ODD,
        "lot_id": ODD,
        "supplier_id": ODD | st.uuids().map(str),
        "tender": JSON | OVERRIDES,
    },
)
QUERY_KEYS = [
    "q",
    "status",
    "classification",
    "buyer",
    "procedure",
    "value_min",
    "value_max",
    "closing_after",
    "closing_before",
    "sme_suitable",
    "cursor",
    "limit",
]
QUERIES = st.dictionaries(
    st.sampled_from(QUERY_KEYS),
    st.text(max_size=60) | DECIMALS | MOMENTS | st.dates().map(str) | st.integers().map(str),
    max_size=5,
)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"]
        assert error["message"]


def _fresh(world: World) -> tuple[Tender, Tender, str]:
    """A draft, a published tender and an unanswered question, made anew for each example."""
    tender = published(world.officer, world.buyer)
    question = services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Is size L acceptable?"
    )
    return draft(world.officer, world.buyer), tender, str(question.pk)


@pytest.mark.django_db
@SETTINGS
@given(body=JSON | OVERRIDES, whole=st.booleans())
def test_tender_bodies_never_fail_with_a_server_error(world: World, body: Any, whole: bool) -> None:
    # given a valid body with odd values laid over it, or odd JSON alone
    officer = bearer(world, "officer")
    draft, tender, _ = _fresh(world)
    if whole and isinstance(body, dict):
        body = {**tender_body(world), **body}
    # when / then
    for method, path in (
        ("POST", "/api/v1/tenders"),
        ("PUT", f"/api/v1/tenders/{draft.ocid}"),
        ("POST", f"/api/v1/tenders/{draft.ocid}/publish"),
    ):
        _no_server_error(send(officer, method, path, body))
    _no_server_error(send(officer, "GET", f"/api/v1/tenders/{draft.ocid}"))
    _no_server_error(
        send(officer, "POST", f"/api/v1/tenders/{tender.ocid}/amendments", {"rationale": "Changed.", "tender": body})
    )
    _no_server_error(send(officer, "GET", f"/api/v1/tenders/{tender.ocid}"))


@pytest.mark.django_db
@SETTINGS
@given(body=JSON | SMALL_BODIES)
def test_small_bodies_never_fail_with_a_server_error(world: World, body: Any) -> None:
    officer = bearer(world, "officer")
    supplier = bearer(world, "bid_manager")
    _, tender, question = _fresh(world)
    for client, path in (
        (officer, f"/api/v1/tenders/{tender.ocid}/amendments"),
        (supplier, f"/api/v1/tenders/{tender.ocid}/clarifications"),
        (officer, f"/api/v1/clarifications/{question}/answer"),
        (officer, f"/api/v1/tenders/{tender.ocid}/unsuccessful"),
        (officer, f"/api/v1/tenders/{tender.ocid}/cancel"),
    ):
        _no_server_error(send(client, "POST", path, body))
    _no_server_error(send(supplier, "GET", f"/api/v1/tenders/{tender.ocid}/clarifications"))
    _no_server_error(send(Client(), "GET", f"/api/v1/tenders/{tender.ocid}"))


@pytest.mark.django_db
@SETTINGS
@given(query=QUERIES)
def test_query_parameters_never_fail_with_a_server_error(world: World, query: dict[str, str]) -> None:
    published(world.officer, world.buyer)
    string = urlencode(query)
    for client, path in (
        (Client(), f"/api/v1/tenders?{string}"),
        (world.client("officer"), f"/api/v1/buyers/{world.buyer.pk}/tenders?{string}"),
    ):
        _no_server_error(send(client, "GET", path))


@pytest.mark.django_db
@SETTINGS
@given(segment=st.text(min_size=1, max_size=80).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_odd_ids_in_urls_are_not_found_or_invalid(world: World, segment: str) -> None:
    officer = bearer(world, "officer")
    part = quote(segment)
    for method, path, body in (
        ("GET", f"/api/v1/tenders/{part}", None),
        ("PUT", f"/api/v1/tenders/{part}", tender_body()),
        ("POST", f"/api/v1/tenders/{part}/publish", None),
        ("POST", f"/api/v1/tenders/{part}/amendments", {"rationale": "r", "tender": {"title": "t"}}),
        ("POST", f"/api/v1/tenders/{part}/cancel", {"reason": "r"}),
        ("POST", f"/api/v1/tenders/{part}/unsuccessful", {"reason": "r"}),
        ("GET", f"/api/v1/tenders/{part}/clarifications", None),
        ("POST", f"/api/v1/tenders/{part}/clarifications", {"question": "q", "supplier_id": str(world.supplier.pk)}),
        ("POST", f"/api/v1/clarifications/{part}/answer", {"answer": "a"}),
        ("GET", f"/api/v1/buyers/{part}/tenders", None),
    ):
        assert send(officer, method, path, body).status_code in {404, 422}, (method, path)


def test_the_strategies_use_the_fields_the_api_takes() -> None:
    # The strategies above build on these keys; a renamed field would make them miss.
    assert sorted(ITEM_KEYS[1:]) == sorted(item_body())
    assert set(tender_body()) <= set(TENDER_KEYS)
