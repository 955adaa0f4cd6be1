"""Finding published tenders: the portal's and the API's one search, behind one small interface.

`search_tenders` takes the same filters everywhere (portal, CSV, Atom, API). Full-text matching
uses PostgreSQL full-text search or SQLite FTS5 behind `fulltext.matching`; the filters are plain
SQL on both.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation
from procura.classifications.selectors import classification_prefix
from procura.core import clock
from procura.core.errors import InvalidInput
from procura.core.pagination import Page, paginate
from procura.tenders import fulltext
from procura.tenders.domain import TenderStatus
from procura.tenders.models import Item, Tender

FEED_SIZE = 50


@dataclass(frozen=True, kw_only=True)
class TenderFilters:
    text: str = ""
    status: str = ""  # a TenderStatus value
    classification: str = ""  # a CPV code: the code and everything under it
    buyer: str = ""  # organisation id
    procedure: str = ""
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    closing_after: dt.date | None = None
    closing_before: dt.date | None = None
    sme_suitable: bool | None = None


def status_condition(status: str, at: dt.datetime) -> Q:
    """SQL for 'has status `status` at `at`', the same rule as domain.tender_status."""
    published = Q(published_at__isnull=False, published_at__lte=at)
    not_closed = (
        (Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=at))
        & (Q(unsuccessful_at__isnull=True) | Q(unsuccessful_at__gt=at))
        & (Q(completed_at__isnull=True) | Q(completed_at__gt=at))
    )
    in_qualification = Q(qualification_end__isnull=False, qualification_end__gte=at)
    open_time = published & not_closed & ~in_qualification
    match status:
        case TenderStatus.DRAFT:
            return Q(published_at__isnull=True) | Q(published_at__gt=at)
        case TenderStatus.CANCELLED:
            return published & Q(cancelled_at__lte=at)
        case TenderStatus.UNSUCCESSFUL:
            return published & Q(unsuccessful_at__lte=at) & (Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=at))
        case TenderStatus.COMPLETE:
            return (
                published
                & Q(completed_at__lte=at)
                & (Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=at))
                & (Q(unsuccessful_at__isnull=True) | Q(unsuccessful_at__gt=at))
            )
        case TenderStatus.QUALIFICATION:
            return published & not_closed & in_qualification
        case TenderStatus.EVALUATION:
            return open_time & (Q(tender_end__lt=at) | Q(tender_end__isnull=True))
        case TenderStatus.TENDERING:
            return open_time & Q(tender_end__gte=at) & (Q(tender_start__isnull=True) | Q(tender_start__lte=at))
        case TenderStatus.ENQUIRIES:
            return open_time & Q(tender_end__gte=at, tender_start__gt=at, enquiry_end__gte=at)
        case TenderStatus.PLANNED:
            return (
                open_time
                & Q(tender_end__gte=at, tender_start__gt=at)
                & (Q(enquiry_end__isnull=True) | Q(enquiry_end__lt=at))
            )
    return Q(pk__in=[])


def _published(at: dt.datetime) -> Q:
    return Q(published_at__isnull=False, published_at__lte=at)


def filtered_tenders(filters: TenderFilters, *, at: dt.datetime | None = None) -> QuerySet[Tender]:
    """Published tenders matching the filters (drafts are never part of a search)."""
    at = at or clock.now()
    queryset = Tender.objects.filter(_published(at)).select_related("buyer")
    if filters.status:
        queryset = queryset.filter(status_condition(filters.status, at))
    if filters.text.strip():
        queryset = fulltext.matching(queryset, filters.text)
    if filters.classification:
        code = filters.classification.strip()
        if code.isdigit() and len(code) == 8:
            code += "-0"  # the check digit plays no part in the hierarchy
        try:
            prefix = classification_prefix(scheme="CPV", code=code)
        except ValueError:
            raise InvalidInput.for_field(
                "classification", _("Enter a CPV code such as 33140000-3, or leave it empty.")
            ) from None
        queryset = queryset.filter(
            Exists(Item.objects.filter(tender=OuterRef("pk"), classification_code__startswith=prefix))
        )
    if filters.buyer:
        try:
            buyer_id = uuid.UUID(str(filters.buyer))
        except ValueError:
            raise InvalidInput.for_field("buyer", _("Choose a buyer from the list.")) from None
        queryset = queryset.filter(buyer_id=buyer_id)
    if filters.procedure:
        queryset = queryset.filter(procedure=filters.procedure)
    if filters.value_min is not None or filters.value_max is not None:
        # A value the procedure keeps secret must not be found out by narrowing a range.
        queryset = queryset.exclude(rules__procedure__value_shown=False)
    if filters.value_min is not None:
        queryset = queryset.filter(value_amount__gte=filters.value_min)
    if filters.value_max is not None:
        queryset = queryset.filter(value_amount__lte=filters.value_max)
    if filters.closing_after is not None:
        queryset = queryset.filter(tender_end__date__gte=filters.closing_after)
    if filters.closing_before is not None:
        queryset = queryset.filter(tender_end__date__lte=filters.closing_before)
    if filters.sme_suitable is not None:
        queryset = queryset.filter(sme_suitable=filters.sme_suitable)
    return queryset


def search_tenders(filters: TenderFilters, *, cursor: str | None = None, limit: int = 20) -> Page[Tender]:
    """One page of matching tenders, newest publication first."""
    return paginate(filtered_tenders(filters), order=("-published_at", "-id"), cursor=cursor, limit=limit)


def newest_tenders(filters: TenderFilters, *, limit: int = FEED_SIZE) -> list[Tender]:
    """The most recently published matching tenders, newest first (the Atom feed)."""
    return list(filtered_tenders(filters).order_by("-published_at", "-id")[:limit])


def published_buyers() -> QuerySet[Organisation]:
    """Buyers with at least one published tender, by name: the portal's buyer filter."""
    published = Tender.objects.filter(_published(clock.now()), buyer=OuterRef("pk"))
    return Organisation.objects.filter(Exists(published)).order_by("legal_name", "id")
