from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procura.core.money import Money


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError, match="never float"):
        Money(1.5, "EUR")  # type: ignore[arg-type]


def test_money_refuses_unknown_currency() -> None:
    with pytest.raises(ValueError, match="not an ISO 4217 currency"):
        Money(Decimal("1"), "EUX")


def test_money_normalises_currency_case() -> None:
    assert Money(Decimal("1.50"), "eur").currency == "EUR"


def test_parse_refuses_more_decimals_than_the_currency_has() -> None:
    assert Money.parse("10.25", "EUR").amount == Decimal("10.25")
    with pytest.raises(ValueError, match="at most 0 decimal places"):
        Money.parse("10.5", "JPY")


def test_cannot_add_different_currencies() -> None:
    with pytest.raises(ValueError, match="cannot combine EUR with GBP"):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "GBP")


def test_format_follows_locale() -> None:
    amount = Money(Decimal("1234.5"), "EUR")
    assert amount.format("en") == "€1,234.50"
    assert amount.format("es") == "1.234,50\xa0€"


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9),
)
def test_addition_is_exact(a: Decimal, b: Decimal) -> None:
    assert (Money(a, "EUR") + Money(b, "EUR")).amount == a + b
