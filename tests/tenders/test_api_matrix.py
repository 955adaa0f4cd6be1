"""Authorization matrix of the tenders API: every endpoint × every person, with exact status codes,
and for writes, that the change happened exactly when it was allowed.

People sign in with a browser session (two-factor verified); tests/tenders/test_api.py covers
Bearer tokens and their scopes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from procura.audit.models import AuditEntry
from procura.core import clock
from procura.tenders import services
from procura.tenders.models import Amendment, Clarification, Tender
from tests.conftest import PEOPLE, World
from tests.tenders.support import DAY, draft, published
from tests.tenders.test_api import send, tender_body


@dataclass
class Case:
    """What a row prepares: the URL, the body, and how to tell whether the write happened."""

    url: str
    body: dict[str, Any] | None = None
    wrote: Callable[[], bool] | None = None  # None: a read


@dataclass(frozen=True)
class Row:
    name: str  # the URL name in the "api" namespace
    method: str
    path: str  # OpenAPI path template
    expected: dict[str, int]
    prepare: Callable[[World, clock.Clock], Case]


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PEOPLE, status)


def _only(allowed: dict[str, int], refused: int = 403, anonymous: int = 401) -> dict[str, int]:
    """`allowed` get their status, anonymous `anonymous`, everyone else `refused`."""
    return {person: allowed.get(person, anonymous if person == "anonymous" else refused) for person in PEOPLE}


_BUYER_SIDE = ("officer", "approver", "evaluator", "admin", "auditor")  # may see the buyer's drafts


def _draft_only(ok: int) -> dict[str, int]:
    """A write on a draft: only its officer; those who can see the draft are refused; the rest
    are told it does not exist."""
    return {
        person: (401 if person == "anonymous" else ok if person == "officer" else 403 if person in _BUYER_SIDE else 404)
        for person in PEOPLE
    }


# --- What each row prepares -------------------------------------------------------------------------
def _list(w: World, time: clock.Clock) -> Case:
    published(w.officer, w.buyer)
    return Case("/api/v1/tenders")


def _published_detail(w: World, time: clock.Clock) -> Case:
    return Case(f"/api/v1/tenders/{published(w.officer, w.buyer).ocid}")


def _draft_detail(w: World, time: clock.Clock) -> Case:
    return Case(f"/api/v1/tenders/{draft(w.officer, w.buyer).ocid}")


def _buyer_list(w: World, time: clock.Clock) -> Case:
    draft(w.officer, w.buyer)
    return Case(f"/api/v1/buyers/{w.buyer.pk}/tenders")


def _create(w: World, time: clock.Clock) -> Case:
    return Case("/api/v1/tenders", tender_body(w), wrote=lambda: Tender.objects.exists())


def _update(w: World, time: clock.Clock) -> Case:
    tender = draft(w.officer, w.buyer)
    return Case(
        f"/api/v1/tenders/{tender.ocid}",
        tender_body(title="Changed title"),
        wrote=lambda: Tender.objects.get(pk=tender.pk).title == "Changed title",
    )


def _publish(w: World, time: clock.Clock) -> Case:
    tender = draft(w.officer, w.buyer)
    return Case(f"/api/v1/tenders/{tender.ocid}/publish", wrote=lambda: Tender.objects.get(pk=tender.pk).is_published)


def _amend(w: World, time: clock.Clock) -> Case:
    tender = published(w.officer, w.buyer)
    return Case(
        f"/api/v1/tenders/{tender.ocid}/amendments",
        {"rationale": "Clearer title.", "tender": {"title": "Nitrile examination gloves"}},
        wrote=lambda: Amendment.objects.filter(tender=tender).exists(),
    )


def _cancel(w: World, time: clock.Clock) -> Case:
    tender = published(w.officer, w.buyer)
    return Case(
        f"/api/v1/tenders/{tender.ocid}/cancel",
        {"reason": "The need has gone."},
        wrote=lambda: Tender.objects.get(pk=tender.pk).cancelled_at is not None,
    )


def _unsuccessful(w: World, time: clock.Clock) -> Case:
    tender = published(w.officer, w.buyer)
    assert tender.tender_end is not None
    time.set(tender.tender_end + DAY)
    return Case(
        f"/api/v1/tenders/{tender.ocid}/unsuccessful",
        {"reason": "No valid bids."},
        wrote=lambda: Tender.objects.get(pk=tender.pk).unsuccessful_at is not None,
    )


def _clarification_list(w: World, time: clock.Clock) -> Case:
    return Case(f"/api/v1/tenders/{published(w.officer, w.buyer).ocid}/clarifications")


def _ask(w: World, time: clock.Clock) -> Case:
    tender = published(w.officer, w.buyer)
    return Case(
        f"/api/v1/tenders/{tender.ocid}/clarifications",
        {"question": "Is size L acceptable?", "supplier_id": str(w.supplier.pk)},
        wrote=lambda: Clarification.objects.exists(),
    )


def _answer(w: World, time: clock.Clock) -> Case:
    tender = published(w.officer, w.buyer)
    question = services.clarification_ask(
        actor=w.bid_manager, tender=tender, supplier=w.supplier, question="Is size L acceptable?"
    )
    return Case(
        f"/api/v1/clarifications/{question.pk}/answer",
        {"answer": "Yes."},
        wrote=lambda: Clarification.objects.get(pk=question.pk).answered_at is not None,
    )


ROWS = [
    Row("tender_list", "GET", "/api/v1/tenders", _everyone(200), _list),
    Row("tender_create", "POST", "/api/v1/tenders", _only({"officer": 201}), _create),
    Row("tender_detail", "GET", "/api/v1/tenders/{ocid}", _everyone(200), _published_detail),
    Row(
        "tender_detail",
        "GET",
        "/api/v1/tenders/{ocid}",
        {person: 200 if person in _BUYER_SIDE else 404 for person in PEOPLE},
        _draft_detail,
    ),
    Row("tender_update", "PUT", "/api/v1/tenders/{ocid}", _draft_only(200), _update),
    Row("tender_publish", "POST", "/api/v1/tenders/{ocid}/publish", _draft_only(200), _publish),
    Row("tender_amend", "POST", "/api/v1/tenders/{ocid}/amendments", _only({"officer": 201}), _amend),
    Row("tender_cancel", "POST", "/api/v1/tenders/{ocid}/cancel", _only({"officer": 200}), _cancel),
    Row("tender_unsuccessful", "POST", "/api/v1/tenders/{ocid}/unsuccessful", _only({"officer": 200}), _unsuccessful),
    Row(
        "clarification_list",
        "GET",
        "/api/v1/tenders/{ocid}/clarifications",
        _everyone(200),
        _clarification_list,
    ),
    Row(
        "clarification_ask",
        "POST",
        "/api/v1/tenders/{ocid}/clarifications",
        _only({"bid_manager": 201}),
        _ask,
    ),
    Row(
        "clarification_answer",
        "POST",
        "/api/v1/clarifications/{clarification_id}/answer",
        _only({"officer": 200}),
        _answer,
    ),
    Row(
        "buyer_tender_list",
        "GET",
        "/api/v1/buyers/{organisation_id}/tenders",
        _only(dict.fromkeys(_BUYER_SIDE, 200)),
        _buyer_list,
    ),
]

# Read by tests/web/test_authorization_matrix.py (named URLs) and tests/api/test_api_authorization.py
# (API operations): what this table covers.
COVERED_URL_NAMES = {f"api:{row.name}" for row in ROWS}
COVERED_API_OPERATIONS = {(row.method, row.path) for row in ROWS}


def _stored() -> tuple[int, ...]:
    """How much is stored: a read changes none of it."""
    return (
        Tender.objects.count(),
        Amendment.objects.count(),
        Clarification.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path} {r.prepare.__name__.strip('_')}")
def test_tenders_api_matrix(world: World, frozen_clock: clock.Clock, row: Row, person: str) -> None:
    # given
    case = row.prepare(world, frozen_clock)
    client = Client() if person == "anonymous" else world.client(person)
    before = _stored()
    # when
    response = send(client, row.method, case.url, case.body)
    # then
    assert response.status_code == row.expected[person], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    if case.wrote is None:
        assert _stored() == before
    else:
        assert case.wrote() is (response.status_code < 300)


def test_every_tenders_operation_has_a_row() -> None:
    from procura.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "tenders" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS
