"""Template filters that format values for the active language: `{{ value|money }}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from procura.core.money import Money

register = template.Library()


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    """Format a Money (or an amount with `|money:"EUR"`) for the active language."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Money) else Money(value, currency or "")
    return amount.format(get_language() or "en")
