"""Checking what people type into the supplier register: bounded text, dates, percentages.

Each check adds its problems, under the field's name, to a `Problems` collection, so a service
reports every bad field at once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procura.core.errors import InvalidInput

FIRST_YEAR = 1900
LAST_YEAR = 2200


class Problems:
    """Messages by field name, raised together as one InvalidInput."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_if_any(self, message: str) -> None:
        if self.fields:
            raise InvalidInput(message, fields=self.fields)


def clean_text(value: Any, *, field: str, problems: Problems, max_length: int, required: str | None = None) -> str:
    """The text trimmed; `required` is the message when it is missing."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(field, _("Enter text."))
        return ""
    value = value.strip()
    if "\x00" in value:
        problems.add(field, _("Remove the null characters from this text."))
    elif required is not None and not value:
        problems.add(field, required)
    elif len(value) > max_length:
        problems.add(
            field,
            ngettext(
                "Shorten this to at most %(count)d character.",
                "Shorten this to at most %(count)d characters.",
                max_length,
            )
            % {"count": max_length},
        )
    return value


def clean_date(value: Any, *, field: str, problems: Problems, example: str) -> dt.date | None:
    """A date (or an ISO 8601 date string); None when it is missing. `example` shows the format."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        problems.add(field, _("Enter the date as year-month-day, like %(example)s.") % {"example": example})
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        problems.add(
            field, _("Enter a date between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
        return None
    return value


def clean_bool(value: Any, *, field: str, problems: Problems, message: str) -> bool:
    if not isinstance(value, bool):
        problems.add(field, message)
        return False
    return value


def parse_decimal(value: Any) -> Decimal | None:
    """A finite number from a Decimal, an int, a float or a string; None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, float):
            number = Decimal(str(value))
        elif isinstance(value, (Decimal, int)):
            number = Decimal(value)
        elif isinstance(value, str):
            number = Decimal(value.strip().replace("%", "").strip())
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None
