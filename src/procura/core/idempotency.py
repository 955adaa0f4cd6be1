"""Idempotent API writes: a client that retries with the same `Idempotency-Key` gets the first
outcome again instead of a duplicate.

The key is scoped to the caller (a hash of its Bearer token, or its user id for a session). The
record is claimed with INSERT … ON CONFLICT DO NOTHING and locked with SELECT … FOR UPDATE, and
the write runs in the same transaction: a concurrent retry waits for the first attempt to commit
and then replays it. Only successful outcomes are kept. A refused request (4xx) leaves no claim and
can be retried; what the services committed on refusing it stays, as it would without the header
(a wrong second-factor code is counted, so the header is no way around the throttle). A server
error is rolled back whole. A response marked `Cache-Control: no-store` (it shows a secret once)
is not kept either: its retry is told the request already succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import orjson
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from procura.core import clock
from procura.core.errors import ErrorCode, error_envelope
from procura.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
RETENTION = dt.timedelta(hours=24)
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _json(status: int, body: dict[str, object]) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _caller(request: HttpRequest) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "bearer:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in _WRITE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not 1 <= len(key) <= 255 or not key.isprintable():
            message = _("The Idempotency-Key header must be 1 to 255 printable characters.")
            return _json(400, error_envelope(ErrorCode.INVALID, message, {HEADER: [message]}))
        caller = _caller(request)
        if caller is None:
            return self.get_response(request)  # unauthenticated writes are refused by the API anyway
        fingerprint = hashlib.sha256(
            b"\n".join([str(request.method).encode(), request.get_full_path().encode(), request.body])
        ).hexdigest()
        now = clock.now()
        with transaction.atomic():
            record = None
            while record is None:  # again if a concurrent refused attempt deleted the claim we waited on
                IdempotencyRecord.objects.bulk_create(
                    [IdempotencyRecord(caller=caller, key=key, request_hash=fingerprint, created_at=now)],
                    ignore_conflicts=True,
                )
                record = IdempotencyRecord.objects.select_for_update().filter(caller=caller, key=key).first()
            if record.status_code is not None and record.created_at > now - RETENTION:
                return self._replay(record, fingerprint)
            record.request_hash = fingerprint
            record.created_at = now
            response = self.get_response(request)
            if 200 <= response.status_code < 300 and not response.streaming:
                secret = "no-store" in response.get("Cache-Control", "")
                record.status_code = response.status_code
                record.content_type = "" if secret else response.get("Content-Type", "")
                record.body = b"" if secret else response.content
                record.save()
            elif response.status_code >= 500 or transaction.get_connection().needs_rollback:
                transaction.set_rollback(True)  # a server error: nothing of it stays
            else:
                # A refused request leaves no claim, so the corrected retry runs. What the services
                # committed on refusing it stays, exactly as without the header: a wrong
                # second-factor code still counts against the authenticator.
                record.delete()
        return response

    @staticmethod
    def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
        if record.request_hash != fingerprint:
            message = _("This Idempotency-Key was already used for a different request; use a new key.")
            return _json(422, error_envelope(ErrorCode.IDEMPOTENCY_KEY_REUSED, message, {HEADER: [message]}))
        if not record.content_type:
            message = _(
                "This request already succeeded. Its response held a secret that is shown only once, "
                "so it cannot be repeated."
            )
            return _json(409, error_envelope(ErrorCode.CONFLICT, message))
        response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
        response["Idempotent-Replayed"] = "true"
        return response


def purge_expired() -> int:
    """Forget outcomes older than the retention period; returns how many were removed."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=clock.now() - RETENTION).delete()
    return deleted
