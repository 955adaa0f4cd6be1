"""Tenders API (/api/v1/): search and read published tenders; prepare, publish, amend and close
them; ask and answer clarification questions.

Handlers parse, look up, call one service and shape the answer; rules live in services and
access. Error field names are the request body's own ("lots.0.items.1.quantity", "tender_end"),
so a client can put each message next to what it sent.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

from procura.accounts import selectors as accounts_selectors
from procura.accounts.authentication import api_auth, optional_auth, request_user
from procura.accounts.models import Organisation
from procura.core import clock
from procura.core.errors import InvalidInput, NotFound, ProcuraError
from procura.core.money import decimal_text
from procura.core.pagination import paginate
from procura.core.schemas import DECIMAL_TEXT, MoneyOut, Text
from procura.documents import access as documents_access
from procura.documents.selectors import documents_for
from procura.planning.selectors import plan_line_get
from procura.tenders import access, rules, selectors, services
from procura.tenders.domain import (
    AwardCriteria,
    CriterionKind,
    MainCategory,
    Procedure,
    TenderStatus,
    next_deadline,
)
from procura.tenders.models import Amendment, Clarification, Tender
from procura.tenders.search import TenderFilters, search_tenders

router = Router(tags=["tenders"])

EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


# --- Input types ------------------------------------------------------------------------------
def _invalid(message: str) -> PydanticCustomError:
    # A message without pydantic's "Value error, " prefix, in the caller's language.
    return PydanticCustomError("invalid", message)


def _sensible_moment(value: dt.datetime) -> dt.datetime:
    # Deadline arithmetic (a deadline plus days, plus a microsecond) must not overflow.
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise _invalid(
            _("Give a date between the years %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return utc


WEIGHT = re.compile(r"[-+]?\d{1,3}(\.\d{1,2})?", re.ASCII)


def _weight(value: str) -> str:
    # The column holds up to 999.99; the service judges the weights themselves at publication.
    if not WEIGHT.fullmatch(value.strip()):
        raise _invalid(_("Enter a weight such as 40 or 12.5, with at most two decimals."))
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_sensible_moment)]
MOMENT_TEXT = "ISO 8601 with its time zone, such as 2026-03-20T12:00:00Z."


class ItemIn(Schema):
    id: Text | None = Field(
        None, max_length=32, description="An existing item's id (ITEM-1) to keep it; leave out for a new item."
    )
    description: Text
    classification_scheme: Text = Field("CPV", max_length=16)
    classification_code: Text = Field(max_length=32, description="Such as 33141000-0.")
    quantity: Text = Field(max_length=40, description=DECIMAL_TEXT)
    unit_code: Text = Field(max_length=8, description="UN/CEFACT unit code, such as C62 (one) or KGM.")


class LotIn(Schema):
    id: Text | None = Field(
        None, max_length=32, description="An existing lot's id (LOT-1) to keep it; leave out for a new lot."
    )
    title: Text = Field(max_length=300)
    description: Text = ""
    value_amount: Text | None = Field(None, max_length=40, description=DECIMAL_TEXT)
    items: list[ItemIn] = Field(default_factory=list, max_length=services.MAX_ITEMS)


class CriterionIn(Schema):
    name: Text = Field(max_length=200)
    kind: CriterionKind
    weight: Annotated[str, AfterValidator(_weight)] = Field(
        max_length=20, description=DECIMAL_TEXT + " Weights add up to 100."
    )
    description: Text = ""


class TenderDetailsIn(Schema):
    """Everything a buyer enters about a tender. A draft may be incomplete; publication may not."""

    title: Text
    description: Text = ""
    main_category: MainCategory
    procedure: Procedure
    procedure_justification: Text = ""
    currency: Text = Field(description="ISO 4217 code, such as GBP.")
    value_amount: Text | None = Field(None, max_length=40, description=DECIMAL_TEXT)
    award_criteria: AwardCriteria = AwardCriteria.PRICE_ONLY
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=50)
    eligibility_criteria: Text = ""
    selection_criteria: Text = ""
    sme_suitable: bool = False
    two_envelopes: bool = Field(
        False,
        description="Two envelopes (price and quality only): prices are opened only for the bids the "
        "technical evaluation qualifies; the opening reads everything else.",
    )
    lots: list[LotIn] = Field(default_factory=list, max_length=services.MAX_LOTS)
    qualification_end: Moment | None = Field(None, description=MOMENT_TEXT)
    enquiry_end: Moment | None = Field(None, description=MOMENT_TEXT)
    tender_start: Moment | None = Field(None, description=MOMENT_TEXT)
    tender_end: Moment | None = Field(None, description=MOMENT_TEXT)
    bid_opening_at: Moment | None = Field(None, description=MOMENT_TEXT)
    bid_opening_place: Text = Field("", max_length=300)
    award_start: Moment | None = Field(None, description=MOMENT_TEXT)
    award_end: Moment | None = Field(None, description=MOMENT_TEXT)
    contract_start: Moment | None = Field(None, description=MOMENT_TEXT)
    contract_end: Moment | None = Field(None, description=MOMENT_TEXT)


class TenderIn(TenderDetailsIn):
    buyer_id: uuid.UUID
    plan_line_id: uuid.UUID | None = Field(
        None, description="The procurement plan line this tender carries out; the tender takes its ocid."
    )


class TenderChangesIn(Schema):
    """The tender as it should be after the amendment. Send every field (as in TenderIn) or only
    the ones that change: fields left out keep their current values. `lots` and `criteria`, when
    sent, replace the whole list; send a lot's or item's `id` to keep it. `null` clears a date
    or the estimated value."""

    title: Text | None = None
    description: Text | None = None
    main_category: MainCategory | None = None
    procedure: Procedure | None = None
    procedure_justification: Text | None = None
    currency: Text | None = None
    value_amount: Text | None = Field(None, max_length=40, description=DECIMAL_TEXT)
    award_criteria: AwardCriteria | None = None
    criteria: list[CriterionIn] | None = Field(None, max_length=50)
    eligibility_criteria: Text | None = None
    selection_criteria: Text | None = None
    sme_suitable: bool | None = None
    two_envelopes: bool | None = Field(None, description="Cannot change once bids have been submitted.")
    lots: list[LotIn] | None = Field(None, max_length=services.MAX_LOTS)
    qualification_end: Moment | None = Field(None, description=MOMENT_TEXT)
    enquiry_end: Moment | None = Field(None, description=MOMENT_TEXT)
    tender_start: Moment | None = Field(None, description=MOMENT_TEXT)
    tender_end: Moment | None = Field(None, description=MOMENT_TEXT)
    bid_opening_at: Moment | None = Field(None, description=MOMENT_TEXT)
    bid_opening_place: Text | None = Field(None, max_length=300)
    award_start: Moment | None = Field(None, description=MOMENT_TEXT)
    award_end: Moment | None = Field(None, description=MOMENT_TEXT)
    contract_start: Moment | None = Field(None, description=MOMENT_TEXT)
    contract_end: Moment | None = Field(None, description=MOMENT_TEXT)


class AmendmentIn(Schema):
    rationale: Text = Field(description="Why the tender changes; published with the amendment.")
    tender: TenderChangesIn = Field(default_factory=lambda: TenderChangesIn.model_validate({}))


class ReasonIn(Schema):
    reason: Text = Field(description="Published with the decision.")


class QuestionIn(Schema):
    question: Text
    supplier_id: uuid.UUID = Field(description="The supplier you ask for (you are its bid manager).")
    lot_id: Text | None = Field(None, max_length=32, description="The lot the question is about (LOT-1).")


class AnswerIn(Schema):
    answer: Text


class TenderQuery(Schema):
    q: Text = Field("", max_length=200, description="Words in the title, description, items or buyer.")
    status: TenderStatus | None = None
    classification: Text = Field("", max_length=32, description="A CPV code: the code and everything under it.")
    buyer: uuid.UUID | None = Field(None, description="The buyer organisation's id.")
    procedure: Procedure | None = None
    value_min: Decimal | None = Field(None, ge=0, lt=Decimal("1e17"))
    value_max: Decimal | None = Field(None, ge=0, lt=Decimal("1e17"))
    closing_after: dt.date | None = Field(None, description="Bids close on or after this day.")
    closing_before: dt.date | None = Field(None, description="Bids close on or before this day.")
    sme_suitable: bool | None = None
    cursor: Text | None = Field(None, max_length=500)
    limit: int = Field(20, ge=1, le=200)


class PageQuery(Schema):
    cursor: Text | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


# --- Output schemas -----------------------------------------------------------------------------
class OrganisationRefOut(Schema):
    id: uuid.UUID
    name: str
    identifier: str


class PeriodOut(Schema):
    start: dt.datetime | None
    end: dt.datetime | None


class PeriodsOut(Schema):
    qualification: PeriodOut | None
    enquiry: PeriodOut | None
    tender: PeriodOut | None
    award: PeriodOut | None
    contract: PeriodOut | None


class BidOpeningOut(Schema):
    at: dt.datetime | None
    place: str


class ClassificationOut(Schema):
    scheme: str
    id: str
    description: str


class UnitOut(Schema):
    id: str
    name: str


class ItemOut(Schema):
    id: str
    description: str
    classification: ClassificationOut
    quantity: str
    unit: UnitOut


class LotOut(Schema):
    id: str
    title: str
    description: str
    value: MoneyOut | None
    items: list[ItemOut]


class CriterionOut(Schema):
    name: str
    kind: str
    weight: str
    description: str


class DocumentOut(Schema):
    id: uuid.UUID = Field(description="The document's id, the same for all its versions.")
    title: str
    document_type: str
    url: str
    sha256: str
    version: int


class PublicClarificationOut(Schema):
    id: uuid.UUID
    local_id: str
    lot_id: str | None
    question: str
    date: dt.datetime
    answer: str | None
    date_answered: dt.datetime | None


class ClarificationOut(PublicClarificationOut):
    asked_by_organisation: OrganisationRefOut | None = Field(
        None, description="Present only for the asking organisation's own members and auditors."
    )


class ChangeOut(Schema):
    field: str
    before: Any
    after: Any


class AmendmentOut(Schema):
    id: str
    date: dt.datetime
    rationale: str
    changes: list[ChangeOut]
    material: bool = Field(description="A material change leaves suppliers more time to bid.")
    deadline_before: dt.datetime | None
    deadline_after: dt.datetime | None


class ClosureOut(Schema):
    date: dt.datetime
    reason: str


class TenderSummaryOut(Schema):
    id: uuid.UUID
    ocid: str
    title: str
    status: str
    status_ocds: str | None
    buyer: OrganisationRefOut
    main_category: str
    procedure: str
    value: MoneyOut | None = Field(description="null when the procedure's rules keep the value confidential.")
    sme_suitable: bool
    closing_at: dt.datetime | None = Field(description="The deadline for bids.")
    published_at: dt.datetime | None
    next_deadline: dt.datetime | None


class TenderPage(Schema):
    results: list[TenderSummaryOut]
    next_cursor: str | None


class TenderOut(Schema):
    id: uuid.UUID
    ocid: str
    status: str
    status_ocds: str | None
    buyer: OrganisationRefOut
    title: str
    description: str
    main_category: str
    procedure: str
    procedure_justification: str
    procurement_method: str = Field(description="OCDS procurementMethod: open, selective, limited or direct.")
    procurement_method_details: str
    rules_version: str
    value: MoneyOut | None = Field(description="null when the procedure's rules keep the value confidential.")
    award_criteria: str
    criteria: list[CriterionOut]
    eligibility_criteria: str
    selection_criteria: str
    periods: PeriodsOut
    bid_opening: BidOpeningOut
    sme_suitable: bool
    two_envelopes: bool = Field(description="Prices are opened only for technically qualified bids.")
    lots: list[LotOut]
    documents: list[DocumentOut]
    clarifications: list[PublicClarificationOut] = Field(description="Answered questions; never who asked.")
    amendments: list[AmendmentOut]
    cancellation: ClosureOut | None
    unsuccessful: ClosureOut | None
    published_at: dt.datetime | None
    next_deadline: dt.datetime | None


# --- Shaping the output ---------------------------------------------------------------------------
def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def _organisation_ref(organisation: Organisation) -> OrganisationRefOut:
    return OrganisationRefOut(id=organisation.pk, name=organisation.legal_name, identifier=organisation.identifier)


def _period(start: dt.datetime | None, end: dt.datetime | None) -> PeriodOut | None:
    if start is None and end is None:
        return None
    return PeriodOut(start=_utc(start), end=_utc(end))


def _closure(at: dt.datetime | None, reason: str) -> ClosureOut | None:
    return ClosureOut(date=at.astimezone(dt.UTC), reason=reason) if at is not None else None


def _next_deadline(tender: Tender, now: dt.datetime) -> dt.datetime | None:
    return _utc(next_deadline(tender.lifecycle, now)) if tender.is_published else None


def _value_visible(user: Any, tender: Tender) -> bool:
    # A value the rules keep confidential is seen only inside the buyer that entered it.
    return selectors.value_shown(tender) or access.is_buyer_member(user, tender)


def _summary(tender: Tender, *, show_value: bool, now: dt.datetime) -> TenderSummaryOut:
    status = selectors.status_of(tender, now)
    return TenderSummaryOut(
        id=tender.pk,
        ocid=tender.ocid,
        title=tender.title,
        status=status.value,
        status_ocds=status.ocds,
        buyer=_organisation_ref(tender.buyer),
        main_category=tender.main_category,
        procedure=tender.procedure,
        value=MoneyOut.optional(tender.value_amount, tender.currency) if show_value else None,
        sme_suitable=tender.sme_suitable,
        closing_at=_utc(tender.tender_end),
        published_at=_utc(tender.published_at),
        next_deadline=_next_deadline(tender, now),
    )


def _redacted(change: dict[str, Any]) -> dict[str, Any]:
    """An amendment's change without the confidential values it may hold."""
    name = change.get("field")
    if name == "value_amount":
        return {**change, "before": None, "after": None}
    if name == "lots":

        def without_values(lots: Any) -> Any:
            if not isinstance(lots, list):
                return lots
            return [{**lot, "value_amount": None} if isinstance(lot, dict) else lot for lot in lots]

        return {**change, "before": without_values(change.get("before")), "after": without_values(change.get("after"))}
    return change


def _amendment_out(amendment: Amendment, *, show_value: bool) -> AmendmentOut:
    changes = amendment.changes if show_value else [_redacted(c) for c in amendment.changes]
    return AmendmentOut(
        id=amendment.local_id,
        date=amendment.made_at.astimezone(dt.UTC),
        rationale=amendment.rationale,
        changes=[ChangeOut(field=c.get("field", ""), before=c.get("before"), after=c.get("after")) for c in changes],
        material=amendment.material,
        deadline_before=_utc(amendment.deadline_before),
        deadline_after=_utc(amendment.deadline_after),
    )


def _clarification_fields(clarification: Clarification) -> dict[str, Any]:
    answered = clarification.answered_at is not None
    return {
        "id": clarification.pk,
        "local_id": clarification.local_id,
        "lot_id": clarification.lot.local_id if clarification.lot is not None else None,
        "question": clarification.question,
        "date": clarification.asked_at.astimezone(dt.UTC),
        "answer": clarification.answer if answered else None,
        "date_answered": _utc(clarification.answered_at),
    }


def _clarification_out(user: Any, clarification: Clarification) -> dict[str, Any]:
    """A ClarificationOut as a dict: the endpoints returning it drop unset fields, so the asker's
    organisation is absent, not null, for everyone who may not know it."""
    fields = _clarification_fields(clarification)
    if access.can_see_asker(user, clarification):
        fields["asked_by_organisation"] = _organisation_ref(clarification.asker_organisation)
    return fields


def _tender_out(request: HttpRequest, tender: Tender) -> TenderOut:
    user = request.user
    now = clock.now()
    status = selectors.status_of(tender, now)
    show_value = _value_visible(user, tender)
    procedure_rules = rules.rules_of(tender.rules)
    lots = [
        LotOut(
            id=lot.local_id,
            title=lot.title,
            description=lot.description,
            value=MoneyOut.optional(lot.value_amount, tender.currency) if show_value else None,
            items=[
                ItemOut(
                    id=item.local_id,
                    description=item.description,
                    classification=ClassificationOut(
                        scheme=item.classification_scheme,
                        id=item.classification_code,
                        description=item.classification_description,
                    ),
                    quantity=decimal_text(item.quantity),
                    unit=UnitOut(id=item.unit_code, name=item.unit_name),
                )
                for item in lot.items.all()
            ],
        )
        for lot in tender.lots.prefetch_related("items")
    ]
    documents = [
        DocumentOut(
            id=document.document_id,
            title=document.title,
            document_type=document.document_type,
            url=request.build_absolute_uri(document.get_absolute_url()),
            sha256=document.sha256,
            version=document.version,
        )
        for document in documents_for(owner_type="tender", owner_id=tender.pk)
        if documents_access.can_view_document(user, document)
    ]
    return TenderOut(
        id=tender.pk,
        ocid=tender.ocid,
        status=status.value,
        status_ocds=status.ocds,
        buyer=_organisation_ref(tender.buyer),
        title=tender.title,
        description=tender.description,
        main_category=tender.main_category,
        procedure=tender.procedure,
        procedure_justification=tender.procedure_justification,
        procurement_method=procedure_rules.ocds_method,
        procurement_method_details=procedure_rules.method_details,
        rules_version=tender.rules_version,
        value=MoneyOut.optional(tender.value_amount, tender.currency) if show_value else None,
        award_criteria=tender.award_criteria,
        criteria=[
            CriterionOut(name=c.name, kind=c.kind, weight=decimal_text(c.weight), description=c.description)
            for c in tender.criteria.all()
        ],
        eligibility_criteria=tender.eligibility_criteria,
        selection_criteria=tender.selection_criteria,
        periods=PeriodsOut(
            qualification=_period(tender.qualification_start, tender.qualification_end),
            enquiry=_period(tender.enquiry_start, tender.enquiry_end),
            tender=_period(tender.tender_start, tender.tender_end),
            award=_period(tender.award_start, tender.award_end),
            contract=_period(tender.contract_start, tender.contract_end),
        ),
        bid_opening=BidOpeningOut(at=_utc(tender.bid_opening_at), place=tender.bid_opening_place),
        sme_suitable=tender.sme_suitable,
        two_envelopes=tender.two_envelopes,
        lots=lots,
        documents=documents,
        clarifications=[
            PublicClarificationOut(**_clarification_fields(c)) for c in selectors.public_clarifications(tender)
        ],
        amendments=[_amendment_out(a, show_value=show_value) for a in selectors.amendments(tender)],
        cancellation=_closure(tender.cancelled_at, tender.cancellation_reason),
        unsuccessful=_closure(tender.unsuccessful_at, tender.unsuccessful_reason),
        published_at=_utc(tender.published_at),
        next_deadline=_next_deadline(tender, now),
    )


# --- Input to services ------------------------------------------------------------------------------
def _item_details(item: ItemIn) -> services.ItemDetails:
    return services.ItemDetails(
        local_id=item.id or "",
        description=item.description,
        classification_scheme=item.classification_scheme,
        classification_code=item.classification_code,
        quantity=item.quantity,
        unit_code=item.unit_code,
    )


def _lot_details(lot: LotIn) -> services.LotDetails:
    return services.LotDetails(
        local_id=lot.id or "",
        title=lot.title,
        description=lot.description,
        value_amount=lot.value_amount,
        items=tuple(_item_details(item) for item in lot.items),
    )


def _criterion_details(criterion: CriterionIn) -> services.CriterionDetails:
    return services.CriterionDetails(
        name=criterion.name, kind=criterion.kind.value, weight=criterion.weight, description=criterion.description
    )


def _details(payload: TenderDetailsIn) -> services.TenderDetails:
    return services.TenderDetails(
        title=payload.title,
        description=payload.description,
        main_category=payload.main_category.value,
        procedure=payload.procedure.value,
        procedure_justification=payload.procedure_justification,
        currency=payload.currency,
        value_amount=payload.value_amount,
        award_criteria=payload.award_criteria.value,
        criteria=tuple(_criterion_details(c) for c in payload.criteria),
        eligibility_criteria=payload.eligibility_criteria,
        selection_criteria=payload.selection_criteria,
        sme_suitable=payload.sme_suitable,
        two_envelopes=payload.two_envelopes,
        lots=tuple(_lot_details(lot) for lot in payload.lots),
        bid_opening_place=payload.bid_opening_place,
        **{name: getattr(payload, name) for name in services.DATE_FIELDS},
    )


# Fields that may be cleared with null in a partial amendment; others left null are kept.
_NULLABLE = {"value_amount", *services.DATE_FIELDS}


def _changed_details(current: services.TenderDetails, changes: TenderChangesIn) -> services.TenderDetails:
    """The current details with the fields the client sent laid over them."""
    values: dict[str, Any] = {}
    for name in changes.model_fields_set:
        value = getattr(changes, name)
        if value is None and name not in _NULLABLE:
            continue
        if name == "lots":
            value = tuple(_lot_details(lot) for lot in value)
        elif name == "criteria":
            value = tuple(_criterion_details(c) for c in value)
        elif isinstance(value, (MainCategory, Procedure, AwardCriteria)):
            value = value.value
        values[name] = value
    return replace(current, **values)


# Service field names that differ from the request body's.
_RENAMED = {
    "plan_line": "plan_line_id",
    "lot": "lot_id",
    "qualification_period": "qualification_end",
    "qualification_period_end": "qualification_end",
    "enquiry_period": "enquiry_end",
    "enquiry_period_end": "enquiry_end",
    "tender_period": "tender_end",
    "tender_period_start": "tender_start",
    "tender_period_end": "tender_end",
    "award_period_start": "award_start",
    "award_period_end": "award_end",
    "contract_period_start": "contract_start",
    "contract_period_end": "contract_end",
}


@contextmanager
def _body_field_names(prefix: str = "", *, unprefixed: frozenset[str] = frozenset()) -> Iterator[None]:
    """Name each field of a service error as the request body names it (under `prefix`)."""
    try:
        yield
    except ProcuraError as exc:
        renamed: dict[str, list[str]] = {}
        for name, messages in exc.fields.items():
            name = _RENAMED.get(name, name)
            if prefix and name not in unprefixed:
                name = f"{prefix}.{name}"
            renamed.setdefault(name, []).extend(messages)
        exc.fields = renamed
        raise


# --- Look-ups -------------------------------------------------------------------------------------
# --- Endpoints ------------------------------------------------------------------------------------
@router.get(
    "/tenders",
    response=TenderPage,
    auth=optional_auth,
    summary="Search published tenders",
    description="Published tenders, newest first, with the portal's filters. Drafts are never listed. "
    "When value_min or value_max is given, tenders whose value is confidential are left out.",
)
def tender_list(request: HttpRequest, filters: Query[TenderQuery]) -> TenderPage:
    search = TenderFilters(
        text=filters.q,
        status=filters.status.value if filters.status else "",
        classification=filters.classification.strip(),
        buyer=str(filters.buyer) if filters.buyer else "",
        procedure=filters.procedure.value if filters.procedure else "",
        value_min=filters.value_min,
        value_max=filters.value_max,
        closing_after=filters.closing_after,
        closing_before=filters.closing_before,
        sme_suitable=filters.sme_suitable,
    )
    page = search_tenders(search, cursor=filters.cursor or None, limit=filters.limit)
    now = clock.now()
    # A value range never matches a confidential value (search.filtered_tenders leaves those out).
    results = [_summary(tender, show_value=selectors.value_shown(tender), now=now) for tender in page.items]
    return TenderPage(results=results, next_cursor=page.next_cursor)


@router.post("/tenders", response={201: TenderOut}, auth=api_auth, summary="Prepare a draft tender")
def tender_create(request: HttpRequest, payload: TenderIn) -> Status[TenderOut]:
    buyer = accounts_selectors.organisation_get(payload.buyer_id)
    if buyer is None:
        raise InvalidInput.for_field("buyer_id", _("There is no organisation with this id."))
    plan_line = None
    if payload.plan_line_id is not None:
        plan_line = plan_line_get(payload.plan_line_id)
        if plan_line is None:
            raise InvalidInput.for_field("plan_line_id", _("There is no plan line with this id."))
    with _body_field_names():
        tender = services.tender_create(
            actor=request_user(request),
            buyer=buyer,
            details=_details(payload),
            plan_line=plan_line,
        )
    return Status(201, _tender_out(request, tender))


@router.get("/tenders/{ocid}", response=TenderOut, auth=optional_auth, summary="A tender")
def tender_detail(request: HttpRequest, ocid: str) -> TenderOut:
    return _tender_out(request, selectors.visible_tender(request.user, ocid))


@router.put(
    "/tenders/{ocid}",
    response=TenderOut,
    auth=api_auth,
    summary="Replace a draft tender",
    description="Only drafts change this way; a published tender changes by amendment. Lots and items "
    "keep their ids when sent with them.",
)
def tender_update(request: HttpRequest, ocid: str, payload: TenderDetailsIn) -> TenderOut:
    tender = selectors.visible_tender(request.user, ocid)
    with _body_field_names():
        tender = services.tender_update(actor=request_user(request), tender=tender, details=_details(payload))
    return _tender_out(request, tender)


@router.post(
    "/tenders/{ocid}/publish",
    response=TenderOut,
    auth=api_auth,
    summary="Publish a draft tender",
    description="Idempotent: publishing a published tender returns it unchanged.",
)
def tender_publish(request: HttpRequest, ocid: str) -> TenderOut:
    tender = selectors.visible_tender(request.user, ocid)
    with _body_field_names():
        tender = services.tender_publish(actor=request_user(request), tender=tender)
    return _tender_out(request, tender)


@router.post(
    "/tenders/{ocid}/amendments",
    response={201: AmendmentOut},
    auth=api_auth,
    summary="Amend a published tender",
    description="Send the rationale and the changed tender, whole or only the fields that change "
    "(see TenderChangesIn). A material change while bids are open extends the deadline.",
)
def tender_amend(request: HttpRequest, ocid: str, payload: AmendmentIn) -> Status[AmendmentOut]:
    tender = selectors.visible_tender(request.user, ocid)
    details = _changed_details(services.details_of(tender), payload.tender)
    with _body_field_names("tender", unprefixed=frozenset({"rationale"})):
        amendment = services.tender_amend(
            actor=request_user(request),
            tender=tender,
            details=details,
            rationale=payload.rationale,
        )
    return Status(201, _amendment_out(amendment, show_value=_value_visible(request.user, tender)))


@router.post("/tenders/{ocid}/cancel", response=TenderOut, auth=api_auth, summary="Cancel a published tender")
def tender_cancel(request: HttpRequest, ocid: str, payload: ReasonIn) -> TenderOut:
    tender = selectors.visible_tender(request.user, ocid)
    with _body_field_names():
        tender = services.tender_cancel(actor=request_user(request), tender=tender, reason=payload.reason)
    return _tender_out(request, tender)


@router.post(
    "/tenders/{ocid}/unsuccessful",
    response=TenderOut,
    auth=api_auth,
    summary="Declare a tender unsuccessful",
    description="Once bids have closed, when no award can be made.",
)
def tender_unsuccessful(request: HttpRequest, ocid: str, payload: ReasonIn) -> TenderOut:
    tender = selectors.visible_tender(request.user, ocid)
    with _body_field_names():
        tender = services.tender_mark_unsuccessful(
            actor=request_user(request),
            tender=tender,
            reason=payload.reason,
        )
    return _tender_out(request, tender)


@router.get(
    "/tenders/{ocid}/clarifications",
    response=list[ClarificationOut],
    auth=optional_auth,
    exclude_unset=True,
    summary="Questions and answers of a tender",
    description="Answered questions for everyone; unanswered ones too for the buyer's members and the "
    "asking organisation. asked_by_organisation appears only for the asking organisation and auditors.",
)
def clarification_list(request: HttpRequest, ocid: str) -> list[dict[str, Any]]:
    user = request.user
    tender = selectors.visible_tender(request.user, ocid)
    buyer_member = access.is_buyer_member(user, tender)
    knows_asker: dict[uuid.UUID, bool] = {}
    shown = []
    # In the order asked; questions asked in the same instant by their numbers (Q-2 before Q-10).
    in_order = sorted(
        selectors.clarifications_for_buyer(tender), key=lambda c: (c.asked_at, len(c.local_id), c.local_id)
    )
    for clarification in in_order:
        asker = clarification.asker_organisation_id
        if asker not in knows_asker:
            knows_asker[asker] = access.can_see_asker(user, clarification)
        if clarification.answered_at is not None or buyer_member or knows_asker[asker]:
            shown.append(clarification)
    return [_clarification_out(user, c) for c in shown]


@router.post(
    "/tenders/{ocid}/clarifications",
    response={201: ClarificationOut},
    auth=api_auth,
    exclude_unset=True,
    summary="Ask a question about a tender",
    description="For bid managers of suppliers, until the deadline for questions. The buyer and the "
    "public never learn who asked.",
)
def clarification_ask(request: HttpRequest, ocid: str, payload: QuestionIn) -> Status[dict[str, Any]]:
    tender = selectors.visible_tender(request.user, ocid)
    supplier = accounts_selectors.organisation_get(payload.supplier_id)
    if supplier is None:
        raise InvalidInput.for_field("supplier_id", _("There is no organisation with this id."))
    lot = None
    if payload.lot_id:
        lot = tender.lots.filter(local_id=payload.lot_id).first()
        if lot is None:
            raise InvalidInput.for_field("lot_id", _("This tender has no lot %(lot)s.") % {"lot": payload.lot_id})
    with _body_field_names():
        clarification = services.clarification_ask(
            actor=request_user(request),
            tender=tender,
            supplier=supplier,
            question=payload.question,
            lot=lot,
        )
    return Status(201, _clarification_out(request.user, clarification))


@router.post(
    "/clarifications/{clarification_id}/answer",
    response=ClarificationOut,
    auth=api_auth,
    exclude_unset=True,
    summary="Answer a question",
    description="The question and its answer become public together.",
)
def clarification_answer(request: HttpRequest, clarification_id: uuid.UUID, payload: AnswerIn) -> dict[str, Any]:
    clarification = (
        Clarification.objects.select_related("tender__buyer", "lot", "asker_organisation")
        .filter(pk=clarification_id)
        .first()
    )
    if clarification is None or not access.can_view_tender(request.user, clarification.tender):
        raise NotFound(_("There is no such question."))
    with _body_field_names():
        clarification = services.clarification_answer(
            actor=request_user(request),
            clarification=clarification,
            answer=payload.answer,
        )
    return _clarification_out(request.user, clarification)


@router.get(
    "/buyers/{organisation_id}/tenders",
    response=TenderPage,
    auth=api_auth,
    summary="A buyer's tenders, drafts included",
    description="For the buyer's members, platform administrators and auditors; newest first.",
)
def buyer_tender_list(request: HttpRequest, organisation_id: uuid.UUID, page: Query[PageQuery]) -> TenderPage:
    buyer = accounts_selectors.organisation_found(organisation_id)
    access.check_can_view_buyer_tenders(request.user, buyer)
    found = paginate(
        selectors.buyer_tenders(buyer),
        order=("-created_at", "-id"),
        cursor=page.cursor or None,
        limit=page.limit,
    )
    now = clock.now()
    return TenderPage(
        results=[_summary(t, show_value=_value_visible(request.user, t), now=now) for t in found.items],
        next_cursor=found.next_cursor,
    )
