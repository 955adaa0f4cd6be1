"""The JSON API: one NinjaAPI at /api/, with the v1 routers, OpenAPI and one error envelope."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import BaseRenderer

from procura.accounts.api import router as accounts_router
from procura.alerts.api import router as alerts_router
from procura.bids.api import router as bids_router
from procura.contracts.api import router as contracts_router
from procura.core.errors import ErrorCode, ProcuraError, error_envelope
from procura.evaluation.api import router as evaluation_router
from procura.evaluation.award_api import router as awards_router
from procura.incidents.api import router as incidents_router
from procura.planning.api import router as planning_router
from procura.suppliers.api import router as suppliers_router
from procura.tenders.api import router as tenders_router

logger = logging.getLogger("procura.api")


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS)


api = NinjaAPI(
    title="Procura API",
    version="1",
    description="Procura's JSON API. Authenticate with `Authorization: Bearer <token>` "
    "(create tokens under Account → API tokens) or a signed-in browser session. "
    'Every error has the shape {"error": {"code", "message", "fields"}}.',
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=OrjsonRenderer(),
)
api.add_router("/v1/", accounts_router)
api.add_router("/v1/", tenders_router)
api.add_router("/v1/", planning_router)
api.add_router("/v1/", suppliers_router)
api.add_router("/v1/", bids_router)
api.add_router("/v1/", alerts_router)
api.add_router("/v1/", incidents_router)
api.add_router("/v1/", contracts_router)
api.add_router("/v1/", evaluation_router)
api.add_router("/v1/", awards_router)

_STATUS_CODES = {
    400: ErrorCode.INVALID,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    422: ErrorCode.INVALID,
    429: ErrorCode.RATE_LIMITED,
}


def _respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ProcuraError)
def _procura_error(request: HttpRequest, exc: ProcuraError) -> HttpResponse:
    return _respond(request, exc.status, exc.envelope())


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja locations start with where the value came from ("body", "query", "path") and the
    # parameter name; people know the field by what follows.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "body", "filters"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(str(error.get("msg", "invalid")))
    names = ", ".join(sorted(fields))
    return _respond(
        request,
        422,
        error_envelope(ErrorCode.INVALID, _("The request is not valid: %(fields)s.") % {"fields": names}, fields),
    )


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = (
        str(exc)
        if str(exc)
        else _("Authentication required: send a valid API token as 'Authorization: Bearer <token>'.")
    )
    return _respond(request, 401, error_envelope(ErrorCode.NOT_AUTHENTICATED, message))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(request, 404, error_envelope(ErrorCode.NOT_FOUND, _("Not found.")))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.INVALID)
    return _respond(request, exc.status_code, error_envelope(code, str(exc.message)))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error")
    request_id = getattr(request, "request_id", "")
    return _respond(
        request,
        500,
        error_envelope(
            ErrorCode.SERVER_ERROR,
            _("Something went wrong on our side. Quote request %(id)s if you report it.") % {"id": request_id},
        ),
    )
