"""The public OCDS API under /api/ocds/: release and record packages, and the change feed.

Plain Django views rather than ninja: every response is stored JSON bytes spliced into a package
(docs/adr/0004-ocds-api.md), so there is nothing for a schema layer to do but slow it down. Every
endpoint is public, read-only, CORS-open, cacheable (ETag, Last-Modified) and rate-limited per
client address; every problem is answered in the API's one error envelope.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from procura.core import clock
from procura.core.errors import ErrorCode, InvalidInput, NotFound, ProcuraError, error_envelope
from procura.core.middleware import client_address
from procura.core.pagination import decode_cursor, encode_cursor
from procura.publication import feed, packages, schema, selectors
from procura.publication.feed import Cursor
from procura.publication.models import Record, Release

logger = logging.getLogger("procura.publication.api")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DEFAULT_RATE = "600/minute"
JSON = "application/json"
ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
# How long shared caches may keep a response: a release never changes once published; pages do.
CACHE_SECONDS = {"release": 3600, "page": 30, "changes": 5}
_RECORDS_CURSOR = "records"
START_TOKEN = "start"  # since=start: from the first release (or record)
_ETAG_VERSION = b"ocds-api-1"  # change when the shape of responses changes


# --- Query parameters -------------------------------------------------------------------------
def _text(request: HttpRequest, name: str, *, max_length: int = 200) -> str | None:
    """A parameter as text, or None when absent or empty. Control characters (a NUL breaks
    PostgreSQL) and absurd lengths are refused, naming the parameter."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    _check_text(name, raw, max_length=max_length)
    return raw


def _check_text(name: str, raw: str, *, max_length: int = 200) -> None:
    if len(raw) > max_length:
        raise InvalidInput.for_field(name, _("%(name)s is too long.") % {"name": name})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise InvalidInput.for_field(name, _("%(name)s contains control characters.") % {"name": name})


def _limit(request: HttpRequest) -> int:
    raw = _text(request, "limit", max_length=12)
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput.for_field("limit", _("limit must be a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT})
    return int(raw)


_SPACED_OFFSET = re.compile(r" (\d\d(:?\d\d)?)$")  # a "+" that arrived unencoded, as a space


def _moment(request: HttpRequest, name: str, *, end: bool) -> dt.datetime | None:
    """A date (the whole day) or a date-time (UTC when it gives no offset) as a UTC bound:
    inclusive for `date_from`, and for `date_to` returned as the exclusive bound just after it."""
    raw = _text(request, name, max_length=40)
    if raw is None:
        return None
    value = _SPACED_OFFSET.sub(r"+\1", raw.strip())
    try:
        if "T" not in value and " " not in value and len(value) <= 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            step = dt.timedelta(days=1)
        else:
            moment = dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            moment = moment.astimezone(dt.UTC)
            step = dt.timedelta(microseconds=1)
        return moment + step if end else moment
    except (ValueError, OverflowError):
        raise InvalidInput.for_field(
            name,
            _("%(name)s must be an ISO 8601 date (2026-03-02) or date-time (2026-03-02T09:00:00Z).") % {"name": name},
        ) from None


@functools.cache
def _release_tags() -> frozenset[str]:
    return schema.codelist("releaseTag") - {"compiled"}


def _tag(request: HttpRequest) -> str | None:
    raw = _text(request, "tag", max_length=40)
    if raw is not None and raw not in _release_tags():
        raise InvalidInput.for_field(
            "tag",
            _("tag must be one of the releaseTag codes: %(codes)s.") % {"codes": ", ".join(sorted(_release_tags()))},
        )
    return raw


def _uuid(request: HttpRequest, name: str) -> uuid.UUID | None:
    raw = _text(request, name, max_length=64)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidInput.for_field(
            name, _("%(name)s must be an organisation id (a UUID).") % {"name": name}
        ) from None


def _flag(request: HttpRequest, name: str) -> bool:
    raw = _text(request, name, max_length=8)
    if raw is None:
        return False
    value = raw.lower()
    if value not in {"true", "false", "1", "0", "yes", "no"}:
        raise InvalidInput.for_field(name, _("%(name)s must be true or false.") % {"name": name})
    return value in {"true", "1", "yes"}


def _feed_cursor(request: HttpRequest, name: str) -> Cursor | None:
    """A feed cursor; `since=start` is the position before the first release."""
    raw = _text(request, name, max_length=200)
    if raw is None:
        return None
    if name == "since" and raw == START_TOKEN:
        return feed.START
    return Cursor.parse(raw, param=name)


def _records_cursor(request: HttpRequest, name: str) -> int | None:
    raw = _text(request, name, max_length=200)
    if raw is None:
        return None
    if name == "since" and raw == START_TOKEN:
        return 0
    message = _("%(param)s is not a cursor this server issued.") % {"param": name}
    try:
        kind, last_seq = decode_cursor(raw, 2)
    except (ProcuraError, ArithmeticError):
        raise InvalidInput.for_field(name, message) from None
    if kind != _RECORDS_CURSOR or type(last_seq) is not int or not 0 <= last_seq < 2**63:
        raise InvalidInput.for_field(name, message)
    return last_seq


def _records_token(last_seq: int) -> str:
    return encode_cursor([_RECORDS_CURSOR, last_seq])


def _one_direction(since: object, before: object) -> None:
    if since is not None and before is not None:
        raise InvalidInput.for_field("since", _("Give either since or before, not both."))


# --- Rate limiting ----------------------------------------------------------------------------
_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


@functools.lru_cache(maxsize=8)
def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """`"600/minute"` → (600, 60); empty, "0" or "off" → None (no limit)."""
    if rate is None or str(rate).strip().lower() in {"", "0", "off", "none"}:
        return None
    count, _sep, unit = str(rate).strip().partition("/")
    if not count.isdigit() or unit.strip().lower() not in _PERIODS or int(count) < 1:
        raise ImproperlyConfigured(f"PROCURA_OCDS_RATE_LIMIT must look like '600/minute', not {rate!r}")
    return int(count), _PERIODS[unit.strip().lower()]


def _retry_after(request: HttpRequest) -> int | None:
    """Seconds the client must wait when it is over its rate (a fixed window per client address in
    the shared cache), else None. When the cache fails, requests are served: availability of
    public data matters more than the limit."""
    rate = parse_rate(getattr(settings, "PROCURA_OCDS_RATE_LIMIT", DEFAULT_RATE))
    if rate is None:
        return None
    allowed, period = rate
    now = time.time()
    window = int(now // period)
    key = f"procura:ocds-rate:{client_address(request) or 'unknown'}:{period}:{window}"
    try:
        hits = 1 if cache.add(key, 1, timeout=period + 1) else cache.incr(key)
    except ValueError:  # the window's key expired between add and incr
        hits = 1
    except Exception:  # any cache outage: serve, and say so in the logs
        logger.warning("rate limit cache unavailable", exc_info=True)
        return None
    if hits <= allowed:
        return None
    return max(1, math.ceil((window + 1) * period - now))


# --- Responses --------------------------------------------------------------------------------
def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After, X-Request-ID"
    return response


def _envelope(code: str, message: str, status: int, fields: dict[str, list[str]] | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(error_envelope(code, message, fields)), status=status, content_type=JSON)
    response["Cache-Control"] = "no-store"
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
    requested = request.headers.get("Access-Control-Request-Headers", "")
    # Public data, no credentials: whatever headers the client wants to send are fine.
    response["Access-Control-Allow-Headers"] = (
        requested[:1000] if requested else "Accept, If-None-Match, If-Modified-Since"
    )
    response["Access-Control-Max-Age"] = "86400"
    return response


@dataclass(frozen=True)
class Payload:
    """A successful answer: the bytes, what identifies its content, and when it last changed."""

    body: bytes
    keys: bytes  # what the content depends on, for the ETag
    last_modified: dt.datetime | None
    cache_seconds: int


def _ok(request: HttpRequest, payload: Payload) -> HttpResponse:
    response = HttpResponse(payload.body, content_type=JSON)
    etag = '"' + hashlib.blake2b(_ETAG_VERSION + b"|" + payload.keys, digest_size=16).hexdigest() + '"'
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={payload.cache_seconds}"
    last_modified = None
    if payload.last_modified is not None:
        last_modified = int(payload.last_modified.timestamp())
        response["Last-Modified"] = http_date(last_modified)
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
    return conditional if conditional is not None else response


def endpoint(view: Callable[..., Payload]) -> Callable[..., HttpResponse]:
    """Wrap a view that returns a Payload: methods, preflight, rate limit, errors, CORS, caching."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _cors(_answer(view, request, *args, **kwargs))

    return csrf_exempt(wrapped)


def _answer(view: Callable[..., Payload], request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method not in ALLOWED_METHODS:
        response = _envelope(
            ErrorCode.METHOD_NOT_ALLOWED, _("This endpoint only answers GET, HEAD and OPTIONS."), status=405
        )
        response["Allow"] = ", ".join(ALLOWED_METHODS)
        return response
    wait = _retry_after(request)
    if wait is not None:
        message = _("Too many requests: try again in %(seconds)d seconds.") % {"seconds": wait}
        response = _envelope(ErrorCode.RATE_LIMITED, message, status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        return _ok(request, view(request, *args, **kwargs))
    except ProcuraError as exc:
        return _envelope(exc.code, exc.message, exc.status, exc.fields)
    except Exception:
        logger.exception("unhandled OCDS API error")
        message = _("Something went wrong on our side. Quote request %(id)s if you report it.") % {
            "id": getattr(request, "request_id", "")
        }
        return _envelope(ErrorCode.SERVER_ERROR, message, status=500)


# --- URLs ------------------------------------------------------------------------------------
def _absolute(path: str, params: dict[str, str] | None = None) -> str:
    query = urlencode(sorted((params or {}).items()))
    return settings.BASE_URL + path + (f"?{query}" if query else "")


def _latest(moments: Iterable[dt.datetime]) -> dt.datetime | None:
    return max(moments, default=None)


def _seq_keys(uri: str, items: Iterable[Release]) -> bytes:
    return uri.encode() + b"|" + b",".join(b"%d" % item.seq for item in items)


# --- Releases ------------------------------------------------------------------------------
def _release_filters(request: HttpRequest) -> tuple[selectors.ReleaseFilters, dict[str, str]]:
    """The filters and their canonical query parameters (kept in links and the package uri)."""
    filters = selectors.ReleaseFilters(
        ocid=_text(request, "ocid"),
        date_from=_moment(request, "date_from", end=False),
        date_to=_moment(request, "date_to", end=True),
        tag=_tag(request),
        buyer=_uuid(request, "buyer"),
    )
    params = {
        name: request.GET[name] for name in ("ocid", "date_from", "date_to", "tag", "buyer") if request.GET.get(name)
    }
    return filters, params


def _release_package(
    request: HttpRequest, items: list[Release], params: dict[str, str], links: dict[str, str], cache_seconds: int
) -> Payload:
    uri = _absolute(request.path, params)
    latest = _latest(item.date for item in items)
    body = packages.release_package(
        (item.body for item in items),
        uri=uri,
        published=latest or clock.now(),
        extensions=[*schema.extension_urls(), schema.EXTENSION_URLS["pagination"]],
        links=links,
    )
    keys = _seq_keys(uri, items) + b"|" + orjson.dumps(links)
    return Payload(body=body, keys=keys, last_modified=latest, cache_seconds=cache_seconds)


@endpoint
def release_list(request: HttpRequest) -> Payload:
    """Release packages: newest first, or in commit order from a `since` cursor."""
    filters, params = _release_filters(request)
    limit = _limit(request)
    since = _feed_cursor(request, "since")
    before = _feed_cursor(request, "before")
    _one_direction(since, before)
    if since is not None:
        page = selectors.release_since(filters, since=since, limit=limit)
        params_in = {**params, "limit": str(limit), "since": since.token()}
    else:
        page = selectors.release_newest_first(filters, before=before, limit=limit)
        params_in = {**params, "limit": str(limit), **({"before": before.token()} if before else {})}
    base = {**params, "limit": str(limit)} if "limit" in request.GET else dict(params)
    links: dict[str, str] = {}
    if since is not None:
        if page.next is not None:
            links["next"] = _absolute(request.path, {**base, "since": page.next.token()})
        if page.prev is not None:
            links["prev"] = _absolute(request.path, {**base, "before": page.prev.token()})
    else:
        if page.next is not None:
            links["next"] = _absolute(request.path, {**base, "before": page.next.token()})
        if page.prev is not None:
            links["prev"] = _absolute(request.path, {**base, "since": page.prev.token()})
    return _release_package(request, page.items, params_in, links, CACHE_SECONDS["page"])


@endpoint
def release_detail(request: HttpRequest, release_id: str) -> Payload:
    """The release package holding one release."""
    _check_text("id", release_id)
    release = selectors.release_by_id(release_id)
    if release is None:
        raise NotFound.for_field("id", _("No release has the id %(id)s.") % {"id": release_id})
    uri = _absolute(request.path)
    body = packages.release_package([release.body], uri=uri, published=release.date)
    return Payload(
        body=body, keys=_seq_keys(uri, [release]), last_modified=release.date, cache_seconds=CACHE_SECONDS["release"]
    )


@endpoint
def change_list(request: HttpRequest) -> Payload:
    """The change feed: releases in commit order after `since`; `links.next` is always given,
    pointing where to poll next (the same cursor when nothing is new yet)."""
    limit = _limit(request)
    since = _feed_cursor(request, "since")
    items, next_cursor = selectors.release_changes(since=since, limit=limit)
    base = {"limit": str(limit)} if "limit" in request.GET else {}
    links = {"next": _absolute(request.path, {**base, "since": next_cursor.token()})}
    params_in = {"limit": str(limit), **({"since": since.token()} if since else {})}
    return _release_package(request, items, params_in, links, CACHE_SECONDS["changes"])


# --- Records -------------------------------------------------------------------------------
def _record_bytes(records: list[Record], *, versioned: bool) -> list[bytes]:
    links = selectors.release_links(record.ocid for record in records)
    return [
        packages.record_json(
            ocid=record.ocid,
            releases=[
                packages.linked_release(release_id=link.release_id, date=link.date, tags=link.tags)
                for link in links.get(record.ocid, [])
            ],
            compiled=record.compiled,
            versioned=record.versioned if versioned else None,
        )
        for record in records
    ]


def _record_keys(uri: str, records: list[Record]) -> bytes:
    return uri.encode() + b"|" + b",".join(b"%s:%d" % (r.ocid.encode(), r.last_seq) for r in records)


@endpoint
def record_list(request: HttpRequest) -> Payload:
    """Record packages (linked releases and the compiled release, the versioned one with
    `versioned=true`), by latest change: newest first, or oldest first from `since`."""
    filters = selectors.RecordFilters(ocid=_text(request, "ocid"), buyer=_uuid(request, "buyer"))
    versioned = _flag(request, "versioned")
    limit = _limit(request)
    since = _records_cursor(request, "since")
    before = _records_cursor(request, "before")
    _one_direction(since, before)
    page = selectors.record_page(filters, versioned=versioned, before=before, since=since, limit=limit)
    params = {name: request.GET[name] for name in ("ocid", "buyer") if request.GET.get(name)}
    if versioned:
        params["versioned"] = "true"
    base = {**params, "limit": str(limit)} if "limit" in request.GET else dict(params)
    forward, backward = ("since", "before") if since is not None else ("before", "since")
    links: dict[str, str] = {}
    if page.next is not None:
        links["next"] = _absolute(request.path, {**base, forward: _records_token(page.next)})
    if page.prev is not None:
        links["prev"] = _absolute(request.path, {**base, backward: _records_token(page.prev)})
    cursor = since if since is not None else before
    direction = "since" if since is not None else "before"
    uri = _absolute(
        request.path,
        {**params, "limit": str(limit), **({direction: _records_token(cursor)} if cursor is not None else {})},
    )
    latest = _latest(record.last_date for record in page.items)
    body = packages.record_package(
        _record_bytes(page.items, versioned=versioned),
        uri=uri,
        published=latest or clock.now(),
        extensions=[*schema.extension_urls(), schema.EXTENSION_URLS["pagination"]],
        links=links,
    )
    keys = _record_keys(uri, page.items) + b"|" + orjson.dumps(links)
    return Payload(body=body, keys=keys, last_modified=latest, cache_seconds=CACHE_SECONDS["page"])


@endpoint
def record_detail(request: HttpRequest, ocid: str) -> Payload:
    """The record package holding one contracting process's record."""
    _check_text("ocid", ocid)
    versioned = _flag(request, "versioned")
    record = selectors.record_by_ocid(ocid, versioned=versioned)
    if record is None:
        raise NotFound.for_field("ocid", _("No contracting process has the ocid %(ocid)s.") % {"ocid": ocid})
    uri = _absolute(request.path, {"versioned": "true"} if versioned else None)
    body = packages.record_package(_record_bytes([record], versioned=versioned), uri=uri, published=record.last_date)
    return Payload(
        body=body, keys=_record_keys(uri, [record]), last_modified=record.last_date, cache_seconds=CACHE_SECONDS["page"]
    )


@endpoint
def not_found(request: HttpRequest, rest: str = "") -> Payload:
    """Anything else under /api/ocds/: a 404 in the envelope, not the web's HTML page."""
    raise NotFound(_("There is no OCDS API endpoint at this address."))
