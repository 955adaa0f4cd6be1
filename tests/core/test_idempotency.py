"""API writes sent with an Idempotency-Key happen once, however often the client retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from procura.accounts.models import ApiToken, Invitation
from procura.accounts.services import api_token_create
from procura.core import clock
from procura.core.idempotency import RETENTION, purge_expired
from procura.core.models import IdempotencyRecord
from tests.conftest import World


def _bearer(world: World, person: str = "officer") -> Client:
    _, secret = api_token_create(actor=getattr(world, person), name="idem", scopes=["read", "write"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _invite(client: Client, world: World, key: str, email: str = "once@test.example") -> object:
    return client.post(
        f"/api/v1/organisations/{world.buyer.pk}/invitations",
        data=json.dumps({"email": email, "role": "evaluator"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.django_db
def test_a_retried_write_happens_once_and_replays_the_first_answer(world: World) -> None:
    client = _bearer(world)
    first = _invite(client, world, "key-1")
    second = _invite(client, world, "key-1")
    assert first.status_code == second.status_code == 201  # type: ignore[attr-defined]
    assert first.content == second.content  # type: ignore[attr-defined]
    assert second["Idempotent-Replayed"] == "true"  # type: ignore[index]
    assert Invitation.objects.filter(email="once@test.example").count() == 1


@pytest.mark.django_db
def test_the_same_key_for_a_different_request_is_refused(world: World) -> None:
    client = _bearer(world)
    _invite(client, world, "key-2")
    reused = _invite(client, world, "key-2", email="other@test.example")
    assert reused.status_code == 422  # type: ignore[attr-defined]
    assert reused.json()["error"]["code"] == "idempotency_key_reused"  # type: ignore[attr-defined]
    assert not Invitation.objects.filter(email="other@test.example").exists()


@pytest.mark.django_db
def test_a_failed_attempt_is_not_kept_so_the_corrected_retry_runs(world: World) -> None:
    client = _bearer(world)
    failed = _invite(client, world, "key-3", email="not an email")
    assert failed.status_code == 422  # type: ignore[attr-defined]
    assert not IdempotencyRecord.objects.exists()
    assert _invite(client, world, "key-3", email="fixed@test.example").status_code == 201  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_keys_belong_to_their_caller(world: World) -> None:
    _invite(_bearer(world, "officer"), world, "shared-key", email="a@test.example")
    _invite(_bearer(world, "admin"), world, "shared-key", email="b@test.example")
    assert Invitation.objects.filter(email__in=["a@test.example", "b@test.example"]).count() == 2


@pytest.mark.django_db
def test_a_response_with_a_secret_is_never_stored_nor_repeated(world: World) -> None:
    client = _bearer(world)
    body = json.dumps({"name": "deploy", "scopes": ["read"]})
    first = client.post("/api/v1/tokens", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="tok")
    assert first.status_code == 201
    assert first["Cache-Control"] == "no-store"
    secret = first.json()["secret"]
    record = IdempotencyRecord.objects.get(key="tok")
    assert secret.encode() not in bytes(record.body)
    retry = client.post("/api/v1/tokens", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="tok")
    assert retry.status_code == 409
    assert secret not in retry.content.decode()
    assert ApiToken.objects.filter(name="deploy").count() == 1


@pytest.mark.django_db
def test_a_malformed_key_is_a_clear_error(world: World) -> None:
    response = _invite(_bearer(world), world, "x" * 300)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_old_outcomes_are_purged(world: World, frozen_clock: clock.Clock) -> None:
    _invite(_bearer(world), world, "old")
    frozen_clock.advance(dt.timedelta(hours=25))
    assert purge_expired() == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_on_postgresql_create_one_invitation(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    _, secret = api_token_create(actor=world.officer, name="race", scopes=["read", "write"])
    start = threading.Barrier(6)
    statuses: list[int] = []

    def attempt() -> None:
        try:
            start.wait()
            response = _invite(
                Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), world, "race-key", email="race@test.example"
            )
            statuses.append(response.status_code)  # type: ignore[attr-defined]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 6
    assert Invitation.objects.filter(email="race@test.example").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refused_retries_on_postgresql_are_each_refused_and_leave_no_claim(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    _, secret = api_token_create(actor=world.officer, name="race", scopes=["read", "write"])
    # given an expired outcome under the key, so the retries queue on its row lock
    caller = "bearer:" + hashlib.sha256(f"Bearer {secret}".encode()).hexdigest()
    IdempotencyRecord.objects.create(
        caller=caller, key="race-key", request_hash="old", created_at=clock.now() - 2 * RETENTION, status_code=201
    )
    start = threading.Barrier(6)
    statuses: list[int] = []

    def attempt() -> None:
        try:
            start.wait()
            response = _invite(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), world, "race-key", email="not an email")
            statuses.append(response.status_code)  # type: ignore[attr-defined]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [422] * 6
    assert not IdempotencyRecord.objects.exists()
