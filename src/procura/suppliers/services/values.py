"""Checking what people type into the supplier register: bounded text, dates, percentages.

Each check adds its problems, under the field's name, to a `Problems` collection, so a service
reports every bad field at once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from procura.core.values import Problems

FIRST_YEAR = 1900
LAST_YEAR = 2200


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
