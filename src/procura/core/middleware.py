"""Request middleware: binds a request id and client address for logs and audit entries."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from procura.core import context

logger = logging.getLogger("procura.request")


def client_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is the peer; a trusted proxy in front must be configured to set it
    # (gunicorn --forwarded-allow-ips), so a client cannot forge its address in a header.
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(
            request_id=context.new_request_id(request.headers.get("X-Request-ID")),
            client_address=client_address(request),
        )
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        with context.bound(ctx):
            response = self.get_response(request)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client_address": ctx.client_address,
                },
            )
        response["X-Request-ID"] = ctx.request_id
        return response
