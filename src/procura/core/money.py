"""Money: a Decimal amount with an ISO 4217 currency, never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies


def decimal_text(value: Decimal) -> str:
    """A quantity, weight or share as plain text, without an exponent or trailing zeros: 20000
    (not 2E+4), 2.5, 0."""
    return f"{value.normalize():f}"


@cache
def iso_4217_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def minor_units(currency: str) -> int:
    """Digits after the decimal point for the currency (2 for EUR, 0 for JPY, 3 for KWD)."""
    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float) or not isinstance(self.amount, (Decimal, int, str)):
            raise TypeError("Money amounts are Decimal (or int/str), never float")
        try:
            amount = Decimal(self.amount)
        except InvalidOperation:
            raise ValueError(f"{self.amount!r} is not a number") from None
        if not amount.is_finite():
            raise ValueError("a money amount must be a finite number")
        currency = str(self.currency).upper()
        if currency not in iso_4217_codes():
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "currency", currency)

    @classmethod
    def parse(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from user input, refusing more decimals than the currency has."""
        money = cls(Decimal(str(amount).strip()) if isinstance(amount, str) else Decimal(amount), currency)
        exponent = money.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > minor_units(money.currency):
            raise ValueError(f"{money.currency} amounts have at most {minor_units(money.currency)} decimal places")
        return money

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def quantized(self) -> Money:
        step = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(step), self.currency)

    def format(self, locale: str = "en") -> str:
        """Locale-aware display, e.g. '€1,234.50' in en, '1.234,50 €' in es."""
        try:
            babel_locale = Locale.parse(locale.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            babel_locale = Locale.parse("en")
        return str(format_currency(self.amount, self.currency, locale=babel_locale))

    def as_ocds(self) -> dict[str, object]:
        """OCDS Value: amount as a JSON number, currency code."""
        return {"amount": self.amount, "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
