"""What every app's API writes the same way: decimal numbers as exact strings and money as an
amount with the currency's minor units. One definition, so the OpenAPI document shows one
`MoneyOut` and every endpoint writes 1250.00 alike."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from procura.core.money import Money


def no_nul(value: str) -> str:
    """PostgreSQL cannot store a NUL character: refuse it in the request rather than fail on saving."""
    if "\x00" in value:
        raise PydanticCustomError("invalid", _("Remove the NUL character (\\u0000) from the text."))
    return value


Text = Annotated[str, AfterValidator(no_nul)]  # any text a request carries

DECIMAL_TEXT = 'A decimal number written as a string, such as "1250.00", so nothing is lost to rounding.'


class MoneyOut(Schema):
    amount: str = Field(description=DECIMAL_TEXT + " It has the currency's minor units: 1250.00 EUR, 1250 JPY.")
    currency: str = Field(description="ISO 4217 code")

    @staticmethod
    def of(amount: Decimal | str, currency: str) -> MoneyOut:
        """The amount with the currency's minor units. An amount the platform cannot read as money
        (it never stores one) is passed through as written rather than dropped."""
        try:
            text = f"{Money(Decimal(amount), currency).quantized().amount:f}"
        except (InvalidOperation, ValueError, TypeError):
            text = str(amount)
        return MoneyOut(amount=text, currency=currency)

    @staticmethod
    def optional(amount: Decimal | str | None, currency: str) -> MoneyOut | None:
        """As `of`, with None for no amount (None or an empty string)."""
        return None if amount is None or amount == "" else MoneyOut.of(amount, currency)
