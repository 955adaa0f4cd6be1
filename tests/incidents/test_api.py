"""The incidents API as a third-party client uses it: bodies, errors, idempotence."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from procura.accounts.services import api_token_create
from procura.core import clock
from procura.incidents.models import DeadlineExtension, Incident
from tests.conftest import World
from tests.incidents.support import HOUR, MINUTE, deadline_of, tender_open_for_bids

pytestmark = pytest.mark.django_db


def admin_client(world: World) -> Client:
    _, secret = api_token_create(actor=world.admin, name="ops", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(
        path, data=b"" if body is None else json.dumps(body), content_type="application/json", headers=headers
    )


def when(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at)


def test_record_review_and_extend_through_the_api(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender whose deadline fell in an outage
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    frozen_clock.set(deadline + HOUR)
    client = admin_client(world)
    # when the outage is recorded
    created = post(
        client,
        "/api/v1/incidents",
        {
            "started_at": (deadline - HOUR).isoformat(),
            "ended_at": (deadline + 30 * MINUTE).isoformat(),
            "description": "Load balancer failure.",
        },
    )
    # then it lists the affected tender and where its deadline would move
    assert created.status_code == 201, created.content
    incident = created.json()
    assert incident["description"] == "Load balancer failure."
    assert incident["grace_seconds"] == 7200
    assert when(incident["affected_until"]) == deadline + 30 * MINUTE + 2 * HOUR
    [affected] = incident["affected"]
    assert affected["tender"]["ocid"] == tender.ocid
    assert when(affected["deadline"]) == deadline
    assert when(affected["new_deadline"]) == deadline + HOUR + 2 * HOUR  # two hours from now, the later
    # when the deadlines are extended
    extended = post(client, f"/api/v1/incidents/{incident['id']}/extend-deadlines")
    # then
    assert extended.status_code == 200, extended.content
    result = extended.json()
    assert result["refused"] == []
    [extension] = result["extended"]
    assert extension["tender"]["ocid"] == tender.ocid
    assert when(extension["deadline_before"]) == deadline
    assert when(extension["deadline_after"]) == deadline + 3 * HOUR
    assert extension["amendment_id"] == "AMD-1"
    assert deadline_of(tender) == deadline + 3 * HOUR
    # and again: nothing more
    again = post(client, f"/api/v1/incidents/{incident['id']}/extend-deadlines").json()
    assert again == {"extended": [], "refused": []}
    detail = client.get(f"/api/v1/incidents/{incident['id']}").json()
    assert [e["tender"]["ocid"] for e in detail["extensions"]] == [tender.ocid]
    assert detail["affected"] == []
    listed = client.get("/api/v1/incidents").json()
    assert [(i["id"], i["extension_count"]) for i in listed] == [(incident["id"], 1)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"started_at": "2026-03-02T07:00:00", "ended_at": "2026-03-02T08:00:00Z", "description": "x"}, "started_at"),
        ({"started_at": "2026-03-02T07:00:00Z", "ended_at": "2026-03-02T10:00:00Z", "description": "x"}, "ended_at"),
        ({"started_at": "2026-03-02T07:00:00Z", "ended_at": "2026-03-02T08:00:00Z", "description": " "}, "description"),
        ({"started_at": "yesterday", "ended_at": "2026-03-02T08:00:00Z", "description": "x"}, "started_at"),
        ({"ended_at": "2026-03-02T08:00:00Z", "description": "x"}, "started_at"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    world: World, frozen_clock: clock.Clock, body: dict[str, Any], field: str
) -> None:
    # the clock is frozen at 2026-03-02 09:00 UTC
    response = post(admin_client(world), "/api/v1/incidents", body)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert field in error["fields"]
    assert error["message"]
    assert not Incident.objects.exists()


def test_an_overlapping_incident_is_a_conflict(world: World, frozen_clock: clock.Clock) -> None:
    client = admin_client(world)
    body = {"started_at": "2026-03-02T07:00:00Z", "ended_at": "2026-03-02T08:00:00Z", "description": "x"}
    assert post(client, "/api/v1/incidents", body).status_code == 201
    response = post(client, "/api/v1/incidents", body)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Incident.objects.count() == 1


def test_a_retried_request_with_the_same_key_records_once(world: World, frozen_clock: clock.Clock) -> None:
    client = admin_client(world)
    body = {"started_at": "2026-03-02T07:00:00Z", "ended_at": "2026-03-02T08:00:00Z", "description": "x"}
    first = post(client, "/api/v1/incidents", body, **{"Idempotency-Key": "outage-1"})
    second = post(client, "/api/v1/incidents", body, **{"Idempotency-Key": "outage-1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Incident.objects.count() == 1


def test_an_unknown_incident_is_not_found(world: World) -> None:
    client = admin_client(world)
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/api/v1/incidents/{missing}").status_code == 404
    response = post(client, f"/api/v1/incidents/{missing}/extend-deadlines")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not DeadlineExtension.objects.exists()
