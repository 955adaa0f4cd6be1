from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from procura.core.money import Money


def _render(source: str, **context: object) -> str:
    return Template("{% load procura_format %}" + source).render(Context(context))


def test_money_filter_follows_the_active_language() -> None:
    value = Money(Decimal("1234567.5"), "EUR")
    with translation.override("en"):
        assert _render("{{ v|money }}", v=value) == "€1,234,567.50"
    with translation.override("es"):
        assert _render("{{ v|money }}", v=value) == "1.234.567,50\xa0€"


def test_money_filter_takes_a_bare_amount_and_currency() -> None:
    with translation.override("en"):
        assert _render('{{ v|money:"JPY" }}', v=Decimal("5000")) == "¥5,000"


def test_dates_and_numbers_use_the_locale() -> None:
    import datetime as dt

    when = dt.date(2026, 3, 2)
    with translation.override("en"):
        assert _render("{{ d|date:'DATE_FORMAT' }} {{ n }}", d=when, n=Decimal("1234.5")) == "March 2, 2026 1234.5"
    with translation.override("es"):
        assert _render("{{ d|date:'DATE_FORMAT' }} {{ n }}", d=when, n=Decimal("1234.5")) == "2 de marzo de 2026 1234,5"
