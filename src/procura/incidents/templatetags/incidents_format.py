"""Template filters of the incident pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.timesince import timesince

register = template.Library()

_ORIGIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A length of time in words, in the active language: "2 hours, 30 minutes"."""
    if value is None:
        return ""
    return timesince(_ORIGIN, _ORIGIN + value, depth=2)
