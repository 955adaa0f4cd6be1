"""Public pages of the historical store: search imported processes and read one of them.

Everything imported is public and read-only: every page answers GET and HEAD only, for anyone,
signed in or not; the only write path is `procura ocds import` (publication.importer).

Search: each word typed must appear in the process's `search_text` (title, description, buyer
and ocid, lower-cased and without accents, the same normalisation as the importer), as a plain
substring (`LIKE '%word%'`) that behaves the same on SQLite and PostgreSQL. It scans the table
without an index: 20-60 ms a page on SQLite with 25,000 imported processes (100,000 releases),
enough for the real examples and a national history of some years. A much larger history would
move it behind the tenders' full-text interface (`tenders.fulltext`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import orjson
from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from procura.accounts.views.common import error_page
from procura.core.errors import InvalidInput
from procura.core.forms import ProcuraForm
from procura.core.money import Money, iso_4217_codes
from procura.core.pagination import paginate
from procura.publication.importer import amount_of, normalised, parse_date
from procura.publication.models import HistoricalProcess, HistoricalRelease

PAGE_SIZE = 20
MAX_WORDS = 12


# --- Selectors --------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class HistoryFilters:
    text: str = ""
    buyer: str = ""
    year: int | None = None
    source: str = ""


def _words(text: str) -> list[str]:
    return normalised(text).split()[:MAX_WORDS]


def history_processes(filters: HistoryFilters) -> QuerySet[HistoricalProcess]:
    """Imported processes matching every filter (each word must appear)."""
    queryset = HistoricalProcess.objects.defer("compiled", "publisher_compiled")
    for word in _words(filters.text):
        queryset = queryset.filter(search_text__contains=word)
    for word in _words(filters.buyer):
        queryset = queryset.filter(buyer_key__contains=word)
    if filters.year is not None:
        queryset = queryset.filter(year=filters.year)
    if filters.source:
        queryset = queryset.filter(source=filters.source)
    return queryset


def history_years() -> list[int]:
    return list(HistoricalProcess.objects.order_by("-year").values_list("year", flat=True).distinct())


def history_sources() -> list[str]:
    return list(HistoricalProcess.objects.order_by("source").values_list("source", flat=True).distinct())


# --- Form -------------------------------------------------------------------------------------
class HistorySearchForm(ProcuraForm):
    """The history page's search (GET). Every field is optional."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("Words from the title, description or buyer, or an ocid."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        error_messages={"max_length": gettext_lazy("Search for at most 200 characters.")},
    )
    buyer = forms.CharField(
        label=gettext_lazy("Buyer"),
        help_text=gettext_lazy("Words from the buyer's name."),
        required=False,
        max_length=200,
        error_messages={"max_length": gettext_lazy("Enter at most 200 characters of the buyer's name.")},
    )
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year first published"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Choose a year from the list.")},
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a source from the list.")},
    )

    def __init__(self, data: Any = None, *, years: list[int], sources: list[str]) -> None:
        super().__init__(data)
        self.fields["year"].choices = [("", _("Any year"))] + [  # type: ignore[attr-defined]
            (str(year), str(year)) for year in years
        ]
        self.fields["source"].choices = [("", _("Any source"))] + [  # type: ignore[attr-defined]
            (source, source) for source in sources
        ]

    def filters(self) -> HistoryFilters:
        data = self.cleaned_data
        return HistoryFilters(text=data["q"], buyer=data["buyer"], year=data["year"], source=data["source"])

    def query(self, **extra: str) -> str:
        """The search as typed, for the links to other pages, empty fields left out."""
        values = {name: str(self.data.get(name, "")).strip() for name in self.fields} if self.is_bound else {}
        return urlencode({**{k: v for k, v in values.items() if v}, **extra})


# --- Display ----------------------------------------------------------------------------------
def money_text(amount: Decimal | None, currency: str) -> str:
    """An amount for people; a currency that is not ISO 4217 (imported data) is shown as given."""
    if amount is None:
        return ""
    if currency.upper() in iso_4217_codes():
        return Money(amount, currency).format(get_language() or "en")
    return f"{amount:,} {currency}".strip()


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _value_text(value: Any) -> str:
    amount, currency = amount_of(value)
    return money_text(amount, currency)


@dataclass(frozen=True)
class AwardView:
    title: str
    status: str
    date: dt.datetime | None
    value: str
    suppliers: list[str]


@dataclass(frozen=True)
class ContractView:
    title: str
    status: str
    date_signed: dt.datetime | None
    start: dt.datetime | None
    end: dt.datetime | None
    value: str


def _awards(compiled: Mapping[str, Any]) -> list[AwardView]:
    return [
        AwardView(
            title=_text(award.get("title")) or _text(award.get("id")),
            status=_text(award.get("status")),
            date=parse_date(award.get("date")),
            value=_value_text(award.get("value")),
            suppliers=[_text(s.get("name")) for s in _objects(award.get("suppliers")) if _text(s.get("name"))],
        )
        for award in _objects(compiled.get("awards"))
    ]


def _contracts(compiled: Mapping[str, Any]) -> list[ContractView]:
    contracts = []
    for contract in _objects(compiled.get("contracts")):
        period = _mapping(contract.get("period"))
        contracts.append(
            ContractView(
                title=_text(contract.get("title")) or _text(contract.get("id")),
                status=_text(contract.get("status")),
                date_signed=parse_date(contract.get("dateSigned")),
                start=parse_date(period.get("startDate")),
                end=parse_date(period.get("endDate")),
                value=_value_text(contract.get("value")),
            )
        )
    return contracts


# --- Pages ------------------------------------------------------------------------------------
@require_http_methods(["GET", "HEAD"])
def processes(request: HttpRequest) -> HttpResponse:
    form = HistorySearchForm(request.GET, years=history_years(), sources=history_sources())
    cursor = request.GET.get("cursor") or None
    results: list[dict[str, Any]] = []
    next_cursor = None
    if form.is_valid():
        try:
            page = paginate(
                history_processes(form.filters()), order=("-last_date", "ocid"), cursor=cursor, limit=PAGE_SIZE
            )
        except InvalidInput:
            return error_page(request, 400, _("This page link is not valid. Start again from the first page."))
        results = [
            {"process": process, "value": money_text(process.value_amount, process.currency)} for process in page.items
        ]
        next_cursor = page.next_cursor
    context = {
        "form": form,
        "results": results,
        "searched": form.is_valid(),
        "total": HistoricalProcess.objects.count(),
        "is_first_page": cursor is None,
        "first_page_query": form.query(),
        "next_page_query": form.query(cursor=next_cursor) if next_cursor else "",
    }
    return render(request, "publication/history/processes.html", context)


def _process_or_404(ocid: str) -> HistoricalProcess:
    process = HistoricalProcess.objects.filter(ocid=ocid).first()
    if process is None:
        raise Http404
    return process


@require_http_methods(["GET", "HEAD"])
def process_detail(request: HttpRequest, ocid: str) -> HttpResponse:
    process = _process_or_404(ocid)
    compiled = orjson.loads(bytes(process.compiled))
    awards = _awards(compiled)
    suppliers = sorted({name for award in awards for name in award.suppliers})
    context = {
        "process": process,
        "value": money_text(process.value_amount, process.currency),
        "awards": awards,
        "suppliers": suppliers,
        "contracts": _contracts(compiled),
        "releases": HistoricalRelease.objects.filter(ocid=ocid).order_by("date", "release_id").defer("body"),
        "compiled_by_publisher": process.compiled_by == HistoricalProcess.COMPILED_BY_PUBLISHER,
    }
    return render(request, "publication/history/process.html", context)


def _json(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_http_methods(["GET", "HEAD"])
def compiled_json(request: HttpRequest, ocid: str) -> HttpResponse:
    return _json(bytes(_process_or_404(ocid).compiled))


@require_http_methods(["GET", "HEAD"])
def release_json(request: HttpRequest, pk: int) -> HttpResponse:
    release = HistoricalRelease.objects.filter(pk=pk).first()
    if release is None:
        raise Http404
    return _json(bytes(release.body))
