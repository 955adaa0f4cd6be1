"""Authorization matrix for every incident page, page action and API endpoint, for each person.

Recording incidents and extending deadlines: platform administrators only; everyone else signed
in is refused with the reason, anonymous people are sent to sign in (pages) or get 401 (API).
The public list of incidents and extensions: everyone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from procura.accounts.services import api_token_create
from procura.api import api
from procura.core import clock
from procura.incidents.models import DeadlineExtension, Incident
from procura.tenders.models import Tender
from tests.conftest import PEOPLE, World
from tests.incidents.support import HOUR, MINUTE, deadline_of, outage_over, tender_open_for_bids

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {"incident-list", "incident-new", "incident", "incident-extend", "incident-public-list"}

SIGN_IN = "sign-in"
REFUSAL = "Only platform administrators can record incidents and extend deadlines after them."


def _table(default: int | str, anonymous: int | str = SIGN_IN, **people: int | str) -> dict[str, int | str]:
    return {person: people.get(person, anonymous if person == "anonymous" else default) for person in PEOPLE}


ADMINISTRATORS = _table(403, admin=200)
PUBLIC = _table(200, anonymous=200)


@dataclass(frozen=True)
class Scene:
    tender: Tender
    incident: Incident


@pytest.fixture
def scene(world: World, frozen_clock: clock.Clock) -> Scene:
    """A tender whose deadline fell in an outage that ended an hour ago."""
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    incident = outage_over(world.admin, start=deadline - HOUR, end=deadline, clock_handle=frozen_clock)
    frozen_clock.set(deadline + HOUR)
    return Scene(tender=tender, incident=incident)


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _new_incident(w: World, s: Scene) -> dict[str, str]:
    """A later outage than the scene's: it does not overlap it."""
    now = clock.now()
    return {"started_at": _local(now - 20 * MINUTE), "ended_at": _local(now - 10 * MINUTE), "description": "Later."}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    url: Callable[[Scene], str]
    expected: dict[str, int | str]
    data: Callable[[World, Scene], dict[str, str]] | None = None
    done: Callable[[Scene], bool] | None = None  # the change happened; checked for every person
    label: str = ""


ROWS = [
    Row("incident-list", "GET", lambda s: "/incidents/", ADMINISTRATORS),
    Row("incident-new", "GET", lambda s: "/incidents/new/", ADMINISTRATORS),
    Row(
        "incident-new",
        "POST",
        lambda s: "/incidents/new/",
        _table(403, admin=302),
        data=_new_incident,
        done=lambda s: Incident.objects.count() == 2,
    ),
    Row("incident", "GET", lambda s: f"/incidents/{s.incident.pk}/", ADMINISTRATORS),
    Row(
        "incident",
        "GET",
        lambda s: "/incidents/00000000-0000-0000-0000-000000000000/",
        _table(403, admin=404),
        label="unknown",
    ),
    Row(
        "incident-extend",
        "POST",
        lambda s: f"/incidents/{s.incident.pk}/extend/",
        _table(403, admin=302),
        done=lambda s: DeadlineExtension.objects.filter(incident=s.incident, tender=s.tender).exists(),
    ),
    Row("incident-extend", "GET", lambda s: f"/incidents/{s.incident.pk}/extend/", _table(405), label="not a form"),
    Row("incident-public-list", "GET", lambda s: "/incidents/public/", PUBLIC),
]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name} {r.label}".strip() for r in ROWS])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_use_each_incident_page(world: World, scene: Scene, row: Row, person: str) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    url = row.url(scene)
    # when
    if row.method == "POST":
        data = row.data(world, scene) if row.data else {}
        response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(url)
    # then
    expected = row.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    else:
        assert response.status_code == expected, response.content[:500]
    if response.status_code == 403:
        assert REFUSAL in response.content.decode()
    if row.done is not None:
        assert row.done(scene) == (expected == 302), "the change happens exactly when allowed"


# --- API ----------------------------------------------------------------------------------------------
def _api_table(default: int, **people: int) -> dict[str, int | str]:
    return _table(default, anonymous=401, **people)


@dataclass(frozen=True)
class ApiRow:
    method: str
    path: str  # OpenAPI path template
    url: Callable[[Scene], str]
    expected: dict[str, int | str]
    body: Callable[[Scene], dict[str, Any]] | None = None
    done: Callable[[Scene], bool] | None = None


def _new_incident_body(s: Scene) -> dict[str, Any]:
    now = clock.now()
    return {
        "started_at": (now - 20 * MINUTE).isoformat(),
        "ended_at": (now - 10 * MINUTE).isoformat(),
        "description": "Later.",
    }


API_ROWS = [
    ApiRow("GET", "/api/v1/incidents", lambda s: "/api/v1/incidents", _api_table(403, admin=200)),
    ApiRow(
        "POST",
        "/api/v1/incidents",
        lambda s: "/api/v1/incidents",
        _api_table(403, admin=201),
        body=_new_incident_body,
        done=lambda s: Incident.objects.count() == 2,
    ),
    ApiRow(
        "GET",
        "/api/v1/incidents/{incident_id}",
        lambda s: f"/api/v1/incidents/{s.incident.pk}",
        _api_table(403, admin=200),
    ),
    ApiRow(
        "POST",
        "/api/v1/incidents/{incident_id}/extend-deadlines",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/extend-deadlines",
        _api_table(403, admin=200),
        done=lambda s: DeadlineExtension.objects.filter(incident=s.incident, tender=s.tender).exists(),
    ),
]


def _api_client(world: World, person: str) -> Client:
    if person == "anonymous":
        return Client()
    _, secret = api_token_create(actor=getattr(world, person), name="matrix", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("row", API_ROWS, ids=[f"{r.method} {r.path}" for r in API_ROWS])
@pytest.mark.parametrize("person", PEOPLE)
def test_api_authorization_matrix(world: World, scene: Scene, row: ApiRow, person: str) -> None:
    # given
    client = _api_client(world, person)
    body = row.body(scene) if row.body else None
    # when
    response = client.generic(
        row.method, row.url(scene), data=b"" if body is None else json.dumps(body), content_type="application/json"
    )
    # then
    assert response.status_code == row.expected[person], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    if response.status_code == 403:
        assert response.json()["error"]["message"] == REFUSAL
    if row.done is not None:
        assert row.done(scene) == (response.status_code < 300)


# Read by the site-wide API check: the incident operations these rows cover.
COVERED_API_OPERATIONS = {(row.method, row.path) for row in API_ROWS}


def test_every_incident_api_operation_has_a_row() -> None:
    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "incidents" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS


def test_every_incident_url_name_has_a_row() -> None:
    from django.urls import get_resolver

    resolver = get_resolver()
    names = {
        pattern.name
        for namespace, (_, sub) in resolver.namespace_dict.items()
        if namespace == "incidents"
        for pattern in sub.url_patterns
    }
    assert names == COVERED_URL_NAMES == {row.name for row in ROWS}


def test_the_tables_cover_every_person() -> None:
    for table in [*(r.expected for r in ROWS), *(r.expected for r in API_ROWS)]:
        assert set(table) == set(PEOPLE)
