"""Load-balancer probes: /healthz (the process answers) and /readyz (database and jobs reachable)."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from huey.contrib.djhuey import HUEY

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        logger.warning("readiness: database unreachable", extra={"error": str(exc)})
        return "unreachable"
    return None


def _check_job_queue() -> str | None:
    try:
        HUEY.storage.queue_size()
    except Exception as exc:
        logger.warning("readiness: job queue unreachable", extra={"error": str(exc)})
        return "unreachable"
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    problems = {"database": _check_database(), "job_queue": _check_job_queue()}
    checks = {name: problem or "ok" for name, problem in problems.items()}
    ready = not any(problems.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
