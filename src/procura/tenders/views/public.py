"""The public tender portal: opportunities, one tender, questions, feeds and downloads.

Everything here is public by rule except drafts (seen only inside the buyer and by overseers) and
the person who asked a question (never shown on a page, in the CSV or in the feed).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, re_path, reverse
from django.utils import feedgenerator
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from procura.accounts.middleware import ACTIVE_ORGANISATION_KEY
from procura.accounts.views.common import current_user, error_page
from procura.core import clock
from procura.core.errors import InvalidInput, NotAuthenticated
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import add_service_errors, call_service
from procura.core.money import Money
from procura.documents.access import can_view_document
from procura.documents.selectors import documents_for
from procura.tenders import access, search, selectors, services
from procura.tenders.domain import TenderStatus, next_deadline
from procura.tenders.forms_public import QuestionForm, TenderSearchForm
from procura.tenders.models import (
    AWARD_CRITERIA_LABELS,
    CATEGORY_LABELS,
    CRITERION_KIND_LABELS,
    PROCEDURE_LABELS,
    STATUS_LABELS,
    Amendment,
    Tender,
)
from procura.tenders.panels import render_tender_panels

OCID = r"(?P<ocid>ocds-[a-z0-9]{6}-[A-Za-z0-9._-]+)"
PAGE_SIZE = 20
CSV_CHUNK = 500
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The fields an amendment may change, as a person reads them (keys of services.TenderDetails).
CHANGED_FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "main_category": gettext_lazy("Main category"),
    "procedure": gettext_lazy("Procedure"),
    "currency": gettext_lazy("Currency"),
    "award_criteria": gettext_lazy("Award criteria"),
    "value_amount": gettext_lazy("Estimated value"),
    "procedure_justification": gettext_lazy("Justification for the procedure"),
    "eligibility_criteria": gettext_lazy("Eligibility criteria"),
    "selection_criteria": gettext_lazy("Selection criteria"),
    "sme_suitable": gettext_lazy("Suitability for small businesses"),
    "two_envelopes": gettext_lazy("Two envelopes"),
    "lots": gettext_lazy("Lots and items"),
    "criteria": gettext_lazy("Weighted award criteria"),
    "qualification_end": gettext_lazy("Deadline for requests to participate"),
    "enquiry_end": gettext_lazy("Deadline for questions"),
    "tender_start": gettext_lazy("Bids open"),
    "tender_end": gettext_lazy("Deadline for bids"),
    "bid_opening_at": gettext_lazy("Bid opening time"),
    "bid_opening_place": gettext_lazy("Bid opening place"),
    "award_start": gettext_lazy("Award period start"),
    "award_end": gettext_lazy("Award period end"),
    "contract_start": gettext_lazy("Contract start"),
    "contract_end": gettext_lazy("Contract end"),
}


# --- Shared -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Listed:
    """A tender as the list, the CSV and the feed show it."""

    tender: Tender
    status: TenderStatus
    status_label: str
    procedure_label: str
    value_shown: bool

    @property
    def value(self) -> Money | None:
        if not self.value_shown or self.tender.value_amount is None:
            return None
        return Money(self.tender.value_amount, self.tender.currency)


def _listed(tender: Tender, at: dt.datetime) -> Listed:
    status = selectors.status_of(tender, at)
    return Listed(
        tender=tender,
        status=status,
        status_label=str(STATUS_LABELS[status]),
        procedure_label=_label(PROCEDURE_LABELS, tender.procedure),
        value_shown=selectors.value_shown(tender),
    )


def _label(labels: Mapping[Any, Any], value: str) -> str:
    return str(labels.get(value, value))


def _search_form(request: HttpRequest) -> TenderSearchForm:
    return TenderSearchForm(request.GET, buyers=list(search.published_buyers()))


def _filtered(form: TenderSearchForm) -> search.TenderFilters | None:
    """The form's search, or None with the reasons on the form."""
    if not form.is_valid():
        return None
    return form.filters()


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def _when(value: dt.datetime | None) -> str:
    return date_format(localtime(value), "DATETIME_FORMAT") if value else ""


def _tender_or_404(request: HttpRequest, ocid: str) -> Tender:
    tender = selectors.tender_visible(request.user, ocid)
    if tender is None:
        raise Http404
    return tender


# --- The opportunities list -------------------------------------------------------------------
@require_http_methods(["GET", "HEAD"])
def tenders(request: HttpRequest) -> HttpResponse:
    form = _search_form(request)
    filters = _filtered(form)
    cursor = request.GET.get("cursor") or None
    results: list[Listed] = []
    next_cursor = None
    if filters is not None:
        try:
            page = search.search_tenders(filters, cursor=cursor, limit=PAGE_SIZE)
        except InvalidInput as exc:
            if "cursor" in exc.fields:
                return error_page(request, 400, _("This page link is not valid. Start again from the first page."))
            add_service_errors(form, exc)
        else:
            now = clock.now()
            results = [_listed(tender, now) for tender in page.items]
            next_cursor = page.next_cursor
    context = {
        "form": form,
        "results": results,
        "searched": filters is not None and not form.errors,
        "is_first_page": cursor is None,
        "first_page_query": form.query_string(),
        "next_page_query": form.query_string(cursor=next_cursor) if next_cursor else "",
        "export_query": form.query_string(),
    }
    return render(request, "tenders/public/tenders.html", context)


# --- CSV --------------------------------------------------------------------------------------
class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_rows(tenders_found: Iterable[Tender]) -> Iterator[list[str]]:
    yield [
        _("OCID"),
        _("Title"),
        _("Buyer"),
        _("Buyer identifier"),
        _("Status"),
        _("Procedure"),
        _("Main category"),
        _("Estimated value"),
        _("Currency"),
        _("Published"),
        _("Deadline for questions"),
        _("Deadline for bids"),
        _("Suitable for small businesses"),
        _("URL"),
    ]
    now = clock.now()
    for tender in tenders_found:
        listed = _listed(tender, now)
        yield [
            _cell(value)
            for value in (
                tender.ocid,
                tender.title,
                tender.buyer.legal_name,
                tender.buyer.identifier,
                listed.status_label,
                listed.procedure_label,
                _label(CATEGORY_LABELS, tender.main_category),
                f"{tender.value_amount:f}" if listed.value is not None else "",
                tender.currency,
                tender.published_at.isoformat() if tender.published_at else "",
                tender.enquiry_end.isoformat() if tender.enquiry_end else "",
                tender.tender_end.isoformat() if tender.tender_end else "",
                _("Yes") if tender.sme_suitable else _("No"),
                _absolute(reverse("tenders:tender", args=[tender.ocid])),
            )
        ]


def _search_or_400(request: HttpRequest) -> tuple[search.TenderFilters | None, HttpResponse | None]:
    """The request's search for the CSV and the feed; a 400 page naming what is wrong otherwise."""
    form = _search_form(request)
    filters = _filtered(form)
    if filters is not None:
        try:
            search.filtered_tenders(filters)  # a refused classification raises here
        except InvalidInput as exc:
            add_service_errors(form, exc)
            filters = None
    if filters is None:
        problems = "; ".join(str(message) for messages_ in form.errors.values() for message in messages_)
        return None, error_page(request, 400, problems)
    return filters, None


@require_http_methods(["GET", "HEAD"])
def tenders_csv(request: HttpRequest) -> HttpResponseBase:
    filters, refusal = _search_or_400(request)
    if filters is None:
        assert refusal is not None
        return refusal
    found = search.filtered_tenders(filters).order_by("-published_at", "-id").iterator(chunk_size=CSV_CHUNK)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(found)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="tenders-{clock.now().date().isoformat()}.csv"'
    return response


# --- Atom feed --------------------------------------------------------------------------------
def _entry_summary(listed: Listed) -> str:
    tender = listed.tender
    parts = [_("Buyer: %(buyer)s.") % {"buyer": tender.buyer.legal_name}]
    parts.append(_("Status: %(status)s.") % {"status": listed.status_label})
    if listed.value is not None:
        parts.append(_("Estimated value: %(value)s.") % {"value": listed.value.format(get_language() or "en")})
    elif not listed.value_shown:
        parts.append(_("Estimated value: not disclosed."))
    if tender.tender_end:
        parts.append(_("Deadline for bids: %(deadline)s.") % {"deadline": _when(tender.tender_end)})
    return " ".join(parts)


@require_http_methods(["GET", "HEAD"])
def tenders_feed(request: HttpRequest) -> HttpResponse:
    filters, refusal = _search_or_400(request)
    if filters is None:
        assert refusal is not None
        return refusal
    now = clock.now()
    found = [_listed(tender, now) for tender in search.newest_tenders(filters, limit=search.FEED_SIZE)]
    list_url = _absolute(reverse("tenders:tenders"))
    feed = feedgenerator.Atom1Feed(
        title=_("Opportunities on Procura"),
        link=list_url,
        description=_("The newest published tenders matching a search."),
        language=get_language(),
        feed_url=_absolute(request.get_full_path()),
        feed_guid=_absolute(request.get_full_path()),
    )
    for listed in found:
        tender = listed.tender
        url = _absolute(reverse("tenders:tender", args=[tender.ocid]))
        feed.add_item(
            title=tender.title,
            link=url,
            description=_entry_summary(listed),
            unique_id=url,
            pubdate=tender.published_at,
            updateddate=tender.updated_at,
            author_name=tender.buyer.legal_name,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


# --- One tender ---------------------------------------------------------------------------------
def _questions_open(tender: Tender, now: dt.datetime) -> bool:
    """Whether questions are taken now (the service decides for certain when one is asked)."""
    status = selectors.status_of(tender, now)
    return not status.is_final and tender.is_published and tender.enquiry_end is not None and now <= tender.enquiry_end


def _next_deadline(tender: Tender, now: dt.datetime) -> tuple[str, dt.datetime] | None:
    """The next moment the tender changes by itself, and what happens then."""
    moment = next_deadline(tender.lifecycle, now) if tender.is_published else None
    if moment is None:
        return None
    labels = [
        (tender.qualification_end, _("Requests to participate close")),
        (tender.enquiry_end, _("Questions close")),
        (tender.tender_end, _("Bids close")),
        (tender.tender_start, _("Bids open")),
        (tender.bid_opening_at, _("Bids are opened")),
    ]
    label = next((text for when, text in labels if when == moment), _("Next change"))
    return label, moment


@dataclass(frozen=True)
class AmendmentShown:
    amendment: Amendment
    fields: list[str]


def _amendments(tender: Tender) -> list[AmendmentShown]:
    shown = []
    for amendment in selectors.amendments(tender):
        names = [str(change.get("field", "")) for change in amendment.changes]
        shown.append(
            AmendmentShown(
                amendment=amendment,
                fields=[str(CHANGED_FIELD_LABELS.get(name, name.replace("_", " "))) for name in names if name],
            )
        )
    return shown


@require_http_methods(["GET", "HEAD"])
def tender(request: HttpRequest, ocid: str) -> HttpResponse:
    found = _tender_or_404(request, ocid)
    now = clock.now()
    listed = _listed(found, now)
    lots = list(found.lots.prefetch_related("items").order_by("position"))
    documents = [
        document
        for document in documents_for(owner_type="tender", owner_id=found.pk)
        if can_view_document(request.user, document)
    ]
    method_details = found.rules.get("procedure", {}).get("method_details", "")
    context = {
        "tender": found,
        "listed": listed,
        "is_draft": not found.is_published,
        "procedure_label": listed.procedure_label,
        "method_details": method_details,
        "category_label": _label(CATEGORY_LABELS, found.main_category),
        "award_criteria_label": _label(AWARD_CRITERIA_LABELS, found.award_criteria),
        "criteria": [(criterion, _label(CRITERION_KIND_LABELS, criterion.kind)) for criterion in found.criteria.all()],
        "lots": lots,
        "documents": documents,
        "clarifications": selectors.public_clarifications(found),
        "amendments": _amendments(found),
        "next_deadline": _next_deadline(found, now),
        "questions_open": _questions_open(found, now),
        "is_cancelled": listed.status == TenderStatus.CANCELLED,
        "is_unsuccessful": listed.status == TenderStatus.UNSUCCESSFUL,
        "panels": render_tender_panels(request, found) if found.is_published else [],
    }
    return render(request, "tenders/public/tender.html", context)


# --- Asking a question --------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def tender_question(request: HttpRequest, ocid: str) -> HttpResponse:
    user = current_user(request)
    found = _tender_or_404(request, ocid)
    suppliers = access.supplier_organisations(user)
    if not suppliers:
        # The rule refuses every organisation that is not a supplier: ask it for its message.
        try:
            access.check_can_ask_question(user, found.buyer)
        except (ServicePermissionDenied, NotAuthenticated) as exc:
            raise PermissionDenied(exc.message) from exc
        raise PermissionDenied
    lots = list(found.lots.order_by("position"))
    active = request.session.get(ACTIVE_ORGANISATION_KEY)
    initial = {"supplier": active} if any(str(s.pk) == active for s in suppliers) else {}
    form = QuestionForm(
        request.POST if request.method == "POST" else None, lots=lots, suppliers=suppliers, initial=initial
    )
    if form.is_bound and form.is_valid():
        asked = call_service(
            form,
            services.clarification_ask,
            actor=user,
            tender=found,
            supplier=form.chosen_supplier(),
            question=form.cleaned_data["question"],
            lot=form.chosen_lot(),
        )
        if asked is not None:
            messages.success(request, _("Your question was sent. The answer will be published on this page."))
            return redirect("tenders:tender", found.ocid)
    context = {
        "tender": found,
        "form": form,
        "questions_open": _questions_open(found, clock.now()),
        "asked": [(supplier, selectors.clarifications_asked_by(found, supplier)) for supplier in suppliers],
    }
    return render(request, "tenders/public/question.html", context)


urlpatterns: list[URLPattern] = [
    re_path(r"^$", tenders, name="tenders"),
    re_path(r"^export\.csv$", tenders_csv, name="tenders-csv"),
    re_path(r"^feed\.atom$", tenders_feed, name="tenders-feed"),
    re_path(rf"^{OCID}/$", tender, name="tender"),
    re_path(rf"^{OCID}/questions/$", tender_question, name="tender-question"),
]
