"""Checking what people type into planning: text of a bounded length, money in a currency.

Each check adds its problems, under the field's name, to a `Problems` collection, so a service
reports every bad field at once.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procura.core.money import Money, iso_4217_codes, minor_units
from procura.core.values import Problems
from procura.planning.models import MAX_WHOLE_DIGITS

TEXT_LIMIT = 20_000  # long texts: descriptions, needs, options, reasons
_AMOUNT_LIMIT = Decimal(10) ** MAX_WHOLE_DIGITS


def clean_currency(value: Any, *, field: str, problems: Problems) -> str:
    currency = value.strip().upper() if isinstance(value, str) else ""
    if currency not in iso_4217_codes():
        problems.add(field, _("Enter the currency as its three-letter ISO 4217 code, such as EUR or USD."))
        return ""
    return currency


def clean_amount(value: Any, *, currency: str, field: str, problems: Problems, required: str) -> Decimal | None:
    """A non-negative amount with no more decimals than `currency` has ("" when the currency is
    itself wrong: then only the number is checked). Returned rounded to the currency's minor units."""
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(field, required)
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
            raise TypeError
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite():
        problems.add(field, _("Enter the amount as a number, like 125000.00."))
        return None
    if amount < 0:
        problems.add(field, _("The amount cannot be negative."))
        return None
    if amount >= _AMOUNT_LIMIT:
        problems.add(field, _("This amount is too large."))
        return None
    if not currency:
        return amount
    money = Money(amount, currency)
    quantized = money.quantized().amount
    if quantized != amount:
        digits = minor_units(currency)
        if digits == 0:
            message = _("%(currency)s amounts are whole numbers: remove the decimals.") % {"currency": currency}
        else:
            message = ngettext(
                "%(currency)s amounts have at most %(count)d decimal place.",
                "%(currency)s amounts have at most %(count)d decimal places.",
                digits,
            ) % {"currency": currency, "count": digits}
        problems.add(field, message)
        return None
    return quantized
