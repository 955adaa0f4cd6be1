"""What Procura publishes about a contracting process, as OCDS 1.1.5 release content.

Each builder returns the public state of one stage of a process (planning, tender) as a release
without `id`, `date` and `tag`, which the outbox adds. Every release carries the whole current
state of its stage, so a compiled release never keeps a fact that is no longer true.

What is withheld is decided here and nowhere else: the estimated values when the procedure hides
them, who asked a question, before/after values of amendments, everything about drafts, and
everything about bids until their public opening (`opening_record`): before it no release says
whether there are bids, how many, or whose, whatever the procedure lets the tender page show.
Beneficial owners are published only where the law allows (`publishable`), without their share or
personal data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel import Locale
from django.conf import settings
from django.urls import reverse

from procura.accounts.models import Organisation
from procura.accounts.roles import SupplierScale
from procura.bids import selectors as bid_selectors
from procura.bids.models import BidOpening
from procura.bids.selectors import OpeningLine
from procura.documents.access import is_servable
from procura.documents.models import Document
from procura.documents.selectors import documents_for
from procura.planning.models import PlanLine
from procura.publication import packages
from procura.suppliers.domain import ocds_beneficial_owners
from procura.suppliers.selectors import published_beneficial_owners
from procura.tenders import selectors as tender_selectors
from procura.tenders.models import Tender
from procura.tenders.rules import current_rulebook

Json = dict[str, Any]

UNIT_SCHEME = "UNCEFACT"
LANGUAGE = "en"


def number(value: Decimal) -> int | float:
    """A JSON number for a Decimal: exact integers stay integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else packages.iso(moment)


def absolute(path: str) -> str:
    return settings.BASE_URL + path


def party_id(organisation: Organisation) -> str:
    return f"{organisation.identifier_scheme}-{organisation.identifier_id}"


def organisation_reference(organisation: Organisation) -> Json:
    return {"id": party_id(organisation), "name": organisation.legal_name}


def _country_name(code: str) -> str:
    try:
        return str(Locale("en").territories.get(code.upper(), code))
    except (ValueError, TypeError):
        return code


def party(organisation: Organisation, roles: list[str]) -> Json:
    """An OCDS party: the organisation's public identity, address and business contact."""
    result: Json = {
        "id": party_id(organisation),
        "name": organisation.legal_name,
        "identifier": {
            "scheme": organisation.identifier_scheme,
            "id": organisation.identifier_id,
            "legalName": organisation.legal_name,
        },
        "roles": roles,
    }
    address = {
        key: value
        for key, value in (
            ("streetAddress", organisation.street_address),
            ("locality", organisation.locality),
            ("region", organisation.region),
            ("postalCode", organisation.postal_code),
            ("countryName", _country_name(organisation.country_code) if organisation.country_code else ""),
        )
        if value
    }
    if address:
        result["address"] = address
    contact = {
        key: value
        for key, value in (
            ("name", organisation.contact_name),
            ("email", organisation.contact_email),
            ("telephone", organisation.contact_telephone),
            ("url", organisation.website),
        )
        if value
    }
    if contact:
        result["contactPoint"] = contact
    if organisation.scale:
        result["details"] = {"scale": SupplierScale(organisation.scale).ocds_scale}
    return result


def tenderer_party(supplier: Organisation) -> Json:
    """A supplier that bid, as a party: its identity, scale and the beneficial owners the law
    allows to publish (the extension wants at least one, so none means no `beneficialOwners`)."""
    result = party(supplier, ["tenderer"])
    owners = ocds_beneficial_owners(published_beneficial_owners(supplier))
    if owners:
        result["beneficialOwners"] = owners
    return result


def _parties(buyer: Organisation, procuring_entity: Organisation | None) -> list[Json]:
    if procuring_entity is None or procuring_entity.pk == buyer.pk:
        return [party(buyer, ["buyer", "procuringEntity"])]
    return [party(buyer, ["buyer"]), party(procuring_entity, ["procuringEntity"])]


def _period(start: dt.datetime | None, end: dt.datetime | None) -> Json | None:
    period = {key: value for key, value in (("startDate", iso(start)), ("endDate", iso(end))) if value}
    return period or None


def _value(amount: Decimal | None, currency: str) -> Json | None:
    return None if amount is None else {"amount": number(amount), "currency": currency}


def _document(document: Document) -> Json:
    result: Json = {
        "id": str(document.document_id),
        "documentType": document.document_type,
        "title": document.title,
        "url": absolute(document.get_absolute_url()),
        "datePublished": iso(document.uploaded_at),
        "format": document.media_type,
    }
    if document.description:
        result["description"] = document.description
    if document.language:
        result["language"] = document.language
    if document.version > 1:
        result["dateModified"] = iso(document.uploaded_at)
    return result


def _published_documents(owner_type: str, owner_id: Any) -> list[Document]:
    """Current versions the public can download: the same rule as the tender page's."""
    return [d for d in documents_for(owner_type=owner_type, owner_id=owner_id) if is_servable(d)]


# --- planning -----------------------------------------------------------------------------------
def planning_release(line: PlanLine, *, withdrawn: bool = False) -> Json:
    """A published plan line: the planning stage of its process."""
    buyer = line.plan.buyer
    planned = current_rulebook().procedures.get(line.procedure)
    tender: Json = {
        "id": line.ocid,
        "title": line.title,
        "status": "withdrawn" if withdrawn else "planned",
        "mainProcurementCategory": line.main_category,
        "value": _value(line.estimated_amount, line.currency),
        "items": [
            {
                "id": "1",
                "description": line.title,
                "classification": {
                    "scheme": line.classification_scheme,
                    "id": line.classification_code,
                    "description": line.classification_description,
                },
            }
        ],
        "tenderPeriod": {"startDate": iso(dt.datetime.combine(line.planned_tender_date, dt.time(), tzinfo=dt.UTC))},
    }
    if line.description:
        tender["description"] = line.description
    if planned is not None:
        tender["procurementMethod"] = planned.ocds_method
        tender["procurementMethodDetails"] = planned.method_details
    budget: Json = {"description": line.budget_source, "amount": _value(line.estimated_amount, line.currency)}
    if line.budget_reference:
        budget["id"] = line.budget_reference
    planning: Json = {"budget": budget}
    if line.description:
        planning["rationale"] = line.description
    planning["documents"] = [
        {
            "id": f"plan-{line.plan_id}",
            "documentType": "procurementPlan",
            "title": line.plan.title,
            "url": absolute(reverse("planning:plan-detail", args=[line.plan_id])),
            "datePublished": iso(line.plan.published_at),
        }
    ]
    return {
        "ocid": line.ocid,
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": _parties(buyer, None),
        "buyer": organisation_reference(buyer),
        "planning": planning,
        "tender": _prune(tender),
    }


# --- tender -------------------------------------------------------------------------------------
def tender_release(tender: Tender, *, at: dt.datetime) -> Json:
    """A published tender: its notice, lots, items, periods, documents, answers and amendments."""
    status = tender_selectors.status_of(tender, at)
    value_shown = tender_selectors.value_shown(tender)
    procedure = tender.rules.get("procedure", {})
    lots = list(tender.lots.order_by("position"))
    lot_ids = {lot.pk: lot.local_id for lot in lots}
    criteria = list(tender.criteria.order_by("position"))
    body: Json = {
        "id": tender.ocid,
        "title": tender.title,
        "description": tender.description,
        "status": status.ocds or "active",
        "procuringEntity": organisation_reference(tender.procuring_entity or tender.buyer),
        "mainProcurementCategory": tender.main_category,
        "procurementMethod": procedure.get("ocds_method"),
        "procurementMethodDetails": procedure.get("method_details"),
        "procurementMethodRationale": tender.procedure_justification or None,
        "value": _value(tender.value_amount, tender.currency) if value_shown else None,
        "awardCriteria": tender.award_criteria,
        "awardCriteriaDetails": "; ".join(f"{c.name} ({number(c.weight)}%)" for c in criteria) or None,
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": absolute(reverse("tenders:tender", kwargs={"ocid": tender.ocid})),
        "eligibilityCriteria": tender.eligibility_criteria or None,
        "qualificationPeriod": _period(tender.qualification_start, tender.qualification_end),
        "enquiryPeriod": _period(tender.enquiry_start, tender.enquiry_end),
        "tenderPeriod": _period(tender.tender_start, tender.tender_end),
        "awardPeriod": _period(tender.award_start, tender.award_end),
        "contractPeriod": _period(tender.contract_start, tender.contract_end),
        "hasEnquiries": False,
        "items": [
            {
                "id": item.local_id,
                "description": item.description,
                "classification": {
                    "scheme": item.classification_scheme,
                    "id": item.classification_code,
                    "description": item.classification_description,
                },
                "quantity": number(item.quantity),
                "unit": {"scheme": UNIT_SCHEME, "id": item.unit_code, "name": item.unit_name},
                "relatedLot": lot_ids.get(item.lot_id),
            }
            for item in tender.items.order_by("lot__position", "position")
        ],
        "lots": [
            _prune(
                {
                    "id": lot.local_id,
                    "title": lot.title,
                    "description": lot.description or None,
                    "status": status.ocds or "active",
                    "value": _value(lot.value_amount, tender.currency) if value_shown else None,
                }
            )
            for lot in lots
        ],
    }
    opening_held, opened = opening_record(tender)
    opening_date = opening_held.opened_at if opening_held is not None else tender.bid_opening_at
    if opening_date is not None:
        opening: Json = {"date": iso(opening_date)}
        if tender.bid_opening_place:
            opening["description"] = tender.bid_opening_place
        body["bidOpening"] = opening
    answered = tender_selectors.public_clarifications(tender)
    body["hasEnquiries"] = bool(answered)
    documents = [_document(d) for d in _published_documents("tender", tender.pk)]
    page = absolute(reverse("tenders:tender", kwargs={"ocid": tender.ocid}))
    documents += [
        {
            "id": f"clarification-{c.local_id}",
            "documentType": "clarifications",
            "title": c.question[:250],
            "description": c.answer,
            "url": f"{page}#questions-title",
            "datePublished": iso(c.answered_at),
        }
        for c in answered
    ]
    body["documents"] = documents
    body["amendments"] = [
        _prune(
            {
                "id": amendment.local_id,
                "date": iso(amendment.made_at),
                "rationale": amendment.rationale,
                "description": _amendment_description(amendment.changes),
            }
        )
        for amendment in tender_selectors.amendments(tender)
    ]
    release: Json = {
        "ocid": tender.ocid,
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": _parties(tender.buyer, tender.procuring_entity),
        "buyer": organisation_reference(tender.buyer),
        "tender": _prune(body),
    }
    if opening_held is not None:
        _add_bids(release, lots=[lot.local_id for lot in lots], opened=opened)
    if tender.cancellation_reason:
        release["tender"]["statusDetails"] = tender.cancellation_reason
    elif tender.unsuccessful_reason:
        release["tender"]["statusDetails"] = tender.unsuccessful_reason
    return release


# --- bids ---------------------------------------------------------------------------------------
def opening_record(tender: Tender) -> tuple[BidOpening | None, list[OpeningLine]]:
    """The bids the public may know of: none at all until the public opening, then every bid the
    opening read (withdrawn ones included). Releases learn about bids only through here."""
    opening, lines = bid_selectors.opening_record(tender)
    if opening is None:
        return None, []
    return opening, lines


def _bid_detail(line: OpeningLine) -> Json:
    """One opened bid (bid extension): who, when, for which lot, at what price; a withdrawn bid
    is listed as withdrawn and its price, never read, is not given."""
    detail: Json = {
        "id": line.bid_id,
        "date": iso(line.submitted_at if isinstance(line.submitted_at, dt.datetime) else None),
        "status": "withdrawn" if line.withdrawn else "pending",
        "tenderers": [organisation_reference(line.supplier)],
        "relatedLots": [line.lot_id],
    }
    if not line.withdrawn and isinstance(line.amount, Decimal) and line.currency:
        detail["value"] = {"amount": number(line.amount), "currency": line.currency}
    return _prune(detail)


def _add_bids(release: Json, *, lots: list[str], opened: list[OpeningLine]) -> None:
    """The opening record: `bids` (details, and the count per lot), the tenderers among the
    parties, and `tender.tenderers` / `numberOfTenderers` (suppliers with a bid that counts)."""
    counted = [line for line in opened if not line.withdrawn]
    suppliers = {line.supplier.pk: line.supplier for line in opened}
    bidders = sorted(
        {line.supplier.pk: line.supplier for line in counted}.values(), key=lambda s: (s.legal_name, str(s.pk))
    )
    per_lot = dict.fromkeys(lots, 0)
    for line in counted:
        per_lot[line.lot_id] = per_lot.get(line.lot_id, 0) + 1
    release["bids"] = _prune(
        {
            "statistics": [
                {"id": f"bids-lot-{lot}", "measure": "bids", "value": count, "relatedLot": lot}
                for lot, count in per_lot.items()
            ]
            + [{"id": "bidders", "measure": "bidders", "value": len(bidders)}],
            "details": [_bid_detail(line) for line in opened],
        }
    )
    release["tender"]["numberOfTenderers"] = len(bidders)
    if bidders:
        release["tender"]["tenderers"] = [organisation_reference(supplier) for supplier in bidders]
    listed = {entry["id"] for entry in release["parties"]}
    for supplier in sorted(suppliers.values(), key=lambda s: (s.legal_name, str(s.pk))):
        if party_id(supplier) not in listed:
            release["parties"].append(tenderer_party(supplier))


def _amendment_description(changes: list[dict[str, Any]]) -> str | None:
    """Which fields changed — never their values (a hidden estimate stays hidden)."""
    fields = sorted({str(change.get("field")) for change in changes if change.get("field")})
    return ("Changed: " + ", ".join(fields)) if fields else None


def _prune(value: Json) -> Json:
    """Drop keys whose value is None or an empty list: absent, not null (null would delete)."""
    return {key: item for key, item in value.items() if item is not None and item != []}
