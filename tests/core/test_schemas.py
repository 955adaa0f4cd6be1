from decimal import Decimal

from procura.core.money import decimal_text
from procura.core.schemas import MoneyOut


def test_money_out_writes_the_currency_minor_units() -> None:
    assert MoneyOut.of(Decimal("1250"), "EUR").dict() == {"amount": "1250.00", "currency": "EUR"}
    assert MoneyOut.of(Decimal("1250.00"), "JPY").dict() == {"amount": "1250", "currency": "JPY"}
    assert MoneyOut.of(Decimal("1E+5"), "KWD").amount == "100000.000"


def test_money_out_passes_through_what_it_cannot_read_as_money() -> None:
    assert MoneyOut.of("twelve", "EUR").amount == "twelve"
    assert MoneyOut.of(Decimal("12"), "XXZ").amount == "12"


def test_no_amount_is_no_money() -> None:
    assert MoneyOut.optional(None, "EUR") is None
    assert MoneyOut.optional("", "EUR") is None
    assert MoneyOut.optional("3.5", "EUR") == MoneyOut(amount="3.50", currency="EUR")


def test_decimal_text_has_no_exponent_and_no_trailing_zeros() -> None:
    assert decimal_text(Decimal("20000.000")) == "20000"
    assert decimal_text(Decimal("2E+4")) == "20000"
    assert decimal_text(Decimal("2.50")) == "2.5"
    assert decimal_text(Decimal("0.000")) == "0"
