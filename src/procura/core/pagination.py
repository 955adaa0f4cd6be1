"""Keyset pagination: stable pages over large tables, with an opaque cursor instead of offsets."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.utils.translation import gettext as _

from procura.core.errors import InvalidInput

M = TypeVar("M", bound=Model)
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "dt":
            return dt.datetime.fromisoformat(raw)
        if kind == "uuid":
            return uuid.UUID(raw)
        if kind == "dec":
            return Decimal(raw)
    return value


def encode_cursor(values: list[Any]) -> str:
    raw = orjson.dumps([_encode_value(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = [_decode_value(v) for v in orjson.loads(raw)]
    except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError, ArithmeticError):
        raise InvalidInput.for_field("cursor", _(_("The cursor is not one this server issued."))) from None
    if not isinstance(values, list) or len(values) != length:
        raise InvalidInput.for_field("cursor", _(_("The cursor is not one this server issued.")))
    return values


def _typed(queryset: QuerySet[M], fields: list[str], values: list[Any]) -> list[Any]:
    """Check each cursor value against its field, so a forged cursor is a 422, never a 500."""
    typed = []
    for name, value in zip(fields, values, strict=True):
        try:
            field = queryset.model._meta.get_field(name)
            if not isinstance(field, Field):
                raise FieldDoesNotExist(name)
            python_value = field.to_python(value)
            field.get_prep_value(python_value)
            if isinstance(python_value, dt.datetime) and python_value.tzinfo is None:
                raise ValueError("naive datetime")
        except (ValidationError, TypeError, ValueError, FieldDoesNotExist):
            raise InvalidInput.for_field("cursor", _(_("The cursor is not one this server issued."))) from None
        typed.append(python_value)
    return typed


def paginate(queryset: QuerySet[M], *, order: tuple[str, ...], cursor: str | None = None, limit: int = 50) -> Page[M]:
    """One page of `queryset` ordered by `order` (the last key must be unique, e.g. "id").

    Each key is a field name, prefixed with "-" for descending order.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput.for_field("limit", f"limit must be between 1 and {MAX_PAGE_SIZE}.")
    fields = [key.lstrip("-") for key in order]
    queryset = queryset.order_by(*order)
    if cursor:
        values = _typed(queryset, fields, decode_cursor(cursor, len(order)))
        # (a, b) > (x, y)  ==  a > x OR (a = x AND b > y), each direction per key.
        condition = Q()
        for i, key in enumerate(order):
            step = Q(**{f"{fields[j]}": values[j] for j in range(i)})
            comparison = "lt" if key.startswith("-") else "gt"
            step &= Q(**{f"{fields[i]}__{comparison}": values[i]})
            condition |= step
        queryset = queryset.filter(condition)
    items = list(queryset[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, f) for f in fields])
    return Page(items=items, next_cursor=next_cursor)
