"""Health probes, request ids in logs and responses, security headers."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_and_readyz_answer_when_all_is_well(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "job_queue": "ok"}}


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_job_queue(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from huey.contrib.djhuey import HUEY

    def down() -> int:
        raise ConnectionError("redis down")

    monkeypatch.setattr(HUEY.storage, "queue_size", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "job_queue": "unreachable"}


@pytest.mark.django_db
def test_every_response_carries_a_request_id_that_the_log_lines_share(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="procura.request")
    response = client.get("/healthz", HTTP_X_REQUEST_ID="upstream-req-12345")
    assert response["X-Request-ID"] == "upstream-req-12345"
    record = next(r for r in caplog.records if r.name == "procura.request")
    assert record.request_id == "upstream-req-12345"  # type: ignore[attr-defined]
    assert record.status == 200  # type: ignore[attr-defined]


def test_a_malformed_upstream_request_id_is_replaced(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_log_lines_are_json_with_the_request_id() -> None:
    from django.conf import settings
    from pythonjsonlogger.json import JsonFormatter

    from procura.core import context
    from procura.core.logs import RequestContextFilter

    config = settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(config["fmt"], rename_fields=config["rename_fields"], timestamp=config["timestamp"])
    record = logging.LogRecord("procura.test", logging.INFO, __file__, 1, "hello", None, None)
    with context.bound(context.RequestContext(request_id="abcdef123456")):
        RequestContextFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["message"] == "hello"
    assert line["request_id"] == "abcdef123456"
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")


def test_security_headers_are_set(client: Client) -> None:
    response = client.get("/healthz")
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
