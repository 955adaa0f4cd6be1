"""What Procura publishes about a contracting process, as OCDS 1.1.5 release content.

Each builder returns the public state of one stage of a process (planning, tender) as a release
without `id`, `date` and `tag`, which the outbox adds. Every release carries the whole current
state of its stage, so a compiled release never keeps a fact that is no longer true.

What is withheld is decided here and nowhere else: the estimated values when the procedure hides
them, who asked a question, before/after values of tender amendments, everything about drafts, and
everything about bids until their public opening (`opening_record`): before it no release says
whether there are bids, how many, or whose, whatever the procedure lets the tender page show.
Beneficial owners are published only where the law allows (`publishable`), without their share or
personal data. After the opening the tender's release also carries the evaluation and what
followed (bid statuses, awards, contracts, their amendments, milestones and payments), never the
scores, rankings, notices, invoices or ratings, nor the confidential parts of complaints or who
filed them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import Locale
from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from procura.accounts.models import Organisation
from procura.accounts.roles import SupplierScale
from procura.bids import selectors as bid_selectors
from procura.bids.models import BidOpening
from procura.bids.selectors import OpeningLine
from procura.contracts.models import Contract, ContractAmendment, ContractStatus, Milestone, MilestoneStatus, Payment
from procura.documents.access import is_servable
from procura.documents.models import Document
from procura.documents.selectors import documents_for
from procura.evaluation.models import Assessment, AssessmentStatus, Award, AwardStatus, Complaint
from procura.planning.models import PlanLine
from procura.publication import packages
from procura.suppliers.domain import ocds_beneficial_owners
from procura.suppliers.selectors import published_beneficial_owners
from procura.tenders import selectors as tender_selectors
from procura.tenders.models import Item, Tender
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


def tenderer_party(supplier: Organisation, roles: tuple[str, ...] = ("tenderer",)) -> Json:
    """A supplier that bid, as a party: its identity, scale and the beneficial owners the law
    allows to publish (the extension wants at least one, so none means no `beneficialOwners`)."""
    result = party(supplier, list(roles))
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
    """A published tender: its notice, lots, items, periods, documents, answers and amendments;
    from the opening on its bids, then its awards and contracts with their implementation."""
    status = tender_selectors.status_of(tender, at)
    tender_status = status.ocds or "active"
    value_shown = tender_selectors.value_shown(tender)
    procedure = tender.rules.get("procedure", {})
    lots = list(tender.lots.order_by("position"))
    lot_ids = {lot.pk: lot.local_id for lot in lots}
    criteria = list(tender.criteria.order_by("position"))
    items = list(tender.items.order_by("lot__position", "position"))
    items_by_lot: dict[Any, list[Json]] = defaultdict(list)
    for item in items:
        items_by_lot[item.lot_id].append(_item(item, lot_ids))
    outcome = _Outcome.of(tender)
    body: Json = {
        "id": tender.ocid,
        "title": tender.title,
        "description": tender.description,
        "status": tender_status,
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
        # Awards decided without a planned award period: it began with the first decision.
        "awardPeriod": _period(tender.award_start or outcome.first_decision, tender.award_end),
        "contractPeriod": _period(tender.contract_start, tender.contract_end),
        "hasEnquiries": False,
        "items": [_item(item, lot_ids) for item in items],
        "lots": [
            _prune(
                {
                    "id": lot.local_id,
                    "title": lot.title,
                    "description": lot.description or None,
                    "status": _lot_status(tender_status, outcome, lot.pk),
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
        _add_bids(release, lots=[lot.local_id for lot in lots], opened=opened, statuses=_bid_statuses(opened))
    _add_outcome(release, tender=tender, outcome=outcome, items_by_lot=items_by_lot)
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


# Qualification → OCDS bidStatus (closed codelist); a bid not yet decided is pending.
BID_STATUSES: dict[str, str] = {AssessmentStatus.QUALIFIED: "valid", AssessmentStatus.DISQUALIFIED: "disqualified"}


def _bid_statuses(opened: list[OpeningLine]) -> dict[str, str]:
    """The OCDS status of each opened bid: withdrawn, else what its qualification decided."""
    if not opened:
        return {}
    decided = {
        str(bid_id): status
        for bid_id, status in Assessment.objects.filter(bid_id__in=[line.bid_id for line in opened]).values_list(
            "bid_id", "status"
        )
    }
    return {
        line.bid_id: "withdrawn" if line.withdrawn else BID_STATUSES.get(decided.get(line.bid_id, ""), "pending")
        for line in opened
    }


def _bid_detail(line: OpeningLine, status: str) -> Json:
    """One opened bid (bid extension): who, when, for which lot, at what price, and how its
    qualification went; a withdrawn bid is listed as withdrawn and its price, never read, is not
    given, nor is a price still sealed in its second envelope."""
    detail: Json = {
        "id": line.bid_id,
        "date": iso(line.submitted_at if isinstance(line.submitted_at, dt.datetime) else None),
        "status": status,
        "tenderers": [organisation_reference(line.supplier)],
        "relatedLots": [line.lot_id],
    }
    if not line.withdrawn and isinstance(line.amount, Decimal) and line.currency:
        detail["value"] = {"amount": number(line.amount), "currency": line.currency}
    return _prune(detail)


def _add_bids(release: Json, *, lots: list[str], opened: list[OpeningLine], statuses: dict[str, str]) -> None:
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
            "details": [_bid_detail(line, statuses[line.bid_id]) for line in opened],
        }
    )
    release["tender"]["numberOfTenderers"] = len(bidders)
    if bidders:
        release["tender"]["tenderers"] = [organisation_reference(supplier) for supplier in bidders]
    listed = {entry["id"] for entry in release["parties"]}
    for supplier in sorted(suppliers.values(), key=lambda s: (s.legal_name, str(s.pk))):
        if party_id(supplier) not in listed:
            release["parties"].append(tenderer_party(supplier))


# --- awards and contracts -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Outcome:
    """What the evaluation decided and what followed: every award of the tender (cancelled ones
    stay listed) and every contract, with what their releases need loaded in a few queries."""

    awards: list[Award]
    contracts: list[Contract]

    @classmethod
    def of(cls, tender: Tender) -> _Outcome:
        awards = list(
            Award.objects.filter(tender=tender)
            .select_related("lot", "supplier")
            # The confidential parts of complaints are never even read here.
            .prefetch_related(
                Prefetch(
                    "complaints", queryset=Complaint.objects.defer("confidential_grounds", "confidential_decision")
                )
            )
            .order_by("decided_at", "local_id")
        )
        if not awards:
            return cls([], [])
        contracts = list(
            Contract.objects.filter(tender=tender)
            .select_related("award", "supplier")
            .prefetch_related(
                "milestones",
                "amendments",
                Prefetch("payments", queryset=Payment.objects.select_related("payer", "payee")),
            )
            .order_by("created_at", "local_id")
        )
        return cls(awards, contracts)

    @property
    def first_decision(self) -> dt.datetime | None:
        return min((award.decided_at for award in self.awards), default=None)

    def standing(self, lot_id: uuid.UUID) -> Award | None:
        """The lot's award that is not cancelled (there is at most one)."""
        return next((a for a in self.awards if a.lot_id == lot_id and a.status != AwardStatus.CANCELLED), None)

    def contract_of(self, award: Award) -> Contract | None:
        return next((c for c in self.contracts if c.award_id == award.pk), None)


def _lot_status(tender_status: str, outcome: _Outcome, lot_id: uuid.UUID) -> str:
    """A lot's OCDS status (lots extension, tenderStatus codelist): the tender's, except that a lot
    whose contract is signed is complete and a lot closed without award is unsuccessful."""
    if tender_status not in {"active", "complete", "unsuccessful"}:
        return tender_status  # planned, cancelled: every lot with the tender
    award = outcome.standing(lot_id)
    contract = outcome.contract_of(award) if award is not None else None
    if contract is not None and contract.signed_at is not None:
        return "complete"
    if award is not None and award.status == AwardStatus.UNSUCCESSFUL:
        return "unsuccessful"
    return tender_status


def _item(item: Item, lot_ids: dict[Any, str]) -> Json:
    return {
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


def _day(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).date().isoformat()


def _add_outcome(release: Json, *, tender: Tender, outcome: _Outcome, items_by_lot: dict[Any, list[Json]]) -> None:
    """`awards` and `contracts`, and the roles their organisations play among the parties:
    supplier (of an award not cancelled, or of a contract), payer and payee (of a payment)."""
    if not outcome.awards:
        return
    bids = {detail["id"] for detail in release.get("bids", {}).get("details", [])}
    page = absolute(reverse("tenders:tender", kwargs={"ocid": tender.ocid}))
    release["awards"] = [
        _award(
            award,
            tender=tender,
            contract=outcome.contract_of(award),
            items=items_by_lot.get(award.lot_id, []),
            bids=bids,
            page=page,
        )
        for award in outcome.awards
    ]
    for award in outcome.awards:
        if award.supplier is not None:
            # A cancelled award still names its supplier, which bid: it stays a party, as a tenderer.
            _give_role(release, award.supplier, "tenderer" if award.status == AwardStatus.CANCELLED else "supplier")
    if not outcome.contracts:
        return
    release["contracts"] = [
        _contract(contract, items=items_by_lot.get(contract.lot_id, [])) for contract in outcome.contracts
    ]
    for contract in outcome.contracts:
        if contract_status(contract) != "cancelled":
            _give_role(release, contract.supplier, "supplier")
        for payment in contract.payments.all():
            _give_role(release, payment.payer, "payer")
            _give_role(release, payment.payee, "payee")


def _give_role(release: Json, organisation: Organisation, role: str) -> None:
    """Add `role` to the organisation's entry in `parties` (one entry per organisation, each role
    once), or list the organisation with that role."""
    identifier = party_id(organisation)
    for entry in release["parties"]:
        if entry["id"] == identifier:
            if role not in entry["roles"]:
                entry["roles"].append(role)
            return
    release["parties"].append(tenderer_party(organisation, (role,)))


def _award(
    award: Award, *, tender: Tender, contract: Contract | None, items: list[Json], bids: set[str], page: str
) -> Json:
    """One award decision (cancelled ones included): for which lot and items, to whom, at what
    value, why, and the public part of any complaint against it."""
    description = [award.reasons]
    if award.status == AwardStatus.CANCELLED and award.cancellation_reason:
        description.append(f"Cancelled on {_day(award.cancelled_at)}: {award.cancellation_reason}")
    if contract is not None:
        contract_period = _period(contract.period_start, contract.period_end)
    else:
        contract_period = _period(tender.contract_start, tender.contract_end)
    bid = str(award.bid_id) if award.bid_id is not None else None
    return _prune(
        {
            "id": award.local_id,
            "title": award.lot.title,
            "description": "\n\n".join(part for part in description if part) or None,
            "status": award.status,
            "date": iso(award.decided_at),
            "value": _value(award.value_amount, award.currency) if award.currency else None,
            "suppliers": [organisation_reference(award.supplier)] if award.supplier is not None else None,
            "items": items,
            "relatedLots": [award.lot.local_id],
            "relatedBid": bid if bid in bids else None,  # bid extension: only a bid that is listed
            "contractPeriod": None if award.status == AwardStatus.UNSUCCESSFUL else contract_period,
            "documents": [_complaint_document(complaint, page) for complaint in award.complaints.all()],
        }
    )


def _complaint_document(complaint: Complaint, page: str) -> Json:
    """A complaint against an award, as a core `complaints` document: its public grounds and the
    public part of the decision. Who complained and the confidential parts are withheld."""
    text = complaint.grounds
    if complaint.decision:
        text += f"\n\nDecision ({complaint.status}): {complaint.decision}"
    return _prune(
        {
            "id": f"complaint-{complaint.local_id}",
            "documentType": "complaints",
            "title": f"Complaint filed on {_day(complaint.filed_at)} ({complaint.status})",
            "description": text,
            "url": f"{page}#complaint-{complaint.local_id}",
            "datePublished": iso(complaint.filed_at),
            "dateModified": iso(complaint.decided_at),
        }
    )


def contract_status(contract: Contract) -> str:
    """OCDS contractStatus: a contract ended before both parties signed was cancelled, not terminated."""
    if contract.status == ContractStatus.TERMINATED and contract.signed_at is None:
        return "cancelled"
    return ContractStatus(contract.status).ocds


def _contract(contract: Contract, *, items: list[Json]) -> Json:
    """One contract: its current value and period, signature date, amendments and implementation
    (milestones and payments made; invoices are not published)."""
    description = [contract.description]
    if contract.status == ContractStatus.COMPLETED:
        description.append(f"Completed on {_day(contract.completed_at)}.")
    elif contract.status == ContractStatus.TERMINATED:
        ended = f"Terminated on {_day(contract.terminated_at)}"
        description.append(f"{ended}: {contract.termination_reason}" if contract.termination_reason else f"{ended}.")
    implementation = _prune(
        {
            "milestones": [_milestone(milestone) for milestone in contract.milestones.all()],
            "transactions": [_transaction(payment) for payment in contract.payments.all()],
        }
    )
    return _prune(
        {
            "id": contract.local_id,
            "awardID": contract.award.local_id,
            "title": contract.title,
            "description": "\n\n".join(part for part in description if part) or None,
            "status": contract_status(contract),
            "period": _period(contract.period_start, contract.period_end),
            "value": _value(contract.value_amount, contract.currency),
            "items": items,
            "dateSigned": iso(contract.signed_at),
            "amendments": [
                _contract_amendment(amendment, contract.currency) for amendment in contract.amendments.all()
            ],
            "implementation": implementation or None,
        }
    )


def _milestone(milestone: Milestone) -> Json:
    met = milestone.status == MilestoneStatus.MET
    return _prune(
        {
            "id": milestone.local_id,
            "title": milestone.title,
            "type": milestone.kind,
            "description": milestone.description or None,
            "dueDate": iso(milestone.due_at),
            "status": milestone.status,
            "dateMet": iso(milestone.accepted_at) if met else None,
            "dateModified": iso(milestone.updated_at),
        }
    )


def _transaction(payment: Payment) -> Json:
    """A payment made: when, how much, from whom to whom (its bank reference is not published)."""
    return {
        "id": payment.local_id,
        "date": iso(payment.paid_at),
        "value": {"amount": number(payment.amount), "currency": payment.currency},
        "payer": organisation_reference(payment.payer),
        "payee": organisation_reference(payment.payee),
    }


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.01')).normalize():f}%"


def _contract_amendment(amendment: ContractAmendment, currency: str) -> Json:
    """A contract amendment with what it changed. Unlike a tender's, its values are public: the
    contract value is, and the cumulative change against the original value is flagged publicly
    when it exceeds the threshold."""
    changes = []
    if amendment.value_after != amendment.value_before:
        changes.append(f"value changed from {amendment.value_before:.2f} to {amendment.value_after:.2f} {currency}")
    if amendment.period_end_after != amendment.period_end_before:
        changes.append(
            f"end date changed from {_day(amendment.period_end_before)} to {_day(amendment.period_end_after)}"
        )
    changes.append(f"cumulative change of value {_percent(amendment.cumulative_share)} of the original value")
    if amendment.exceeds_threshold:
        threshold = getattr(settings, "CONTRACT_AMENDMENT_FLAG_SHARE", None)
        changes.append(
            f"exceeds the {_percent(Decimal(str(threshold)))} threshold" if threshold else "exceeds the threshold"
        )
    text = "; ".join(changes)
    return {
        "id": amendment.local_id,
        "date": iso(amendment.made_at),
        "rationale": amendment.rationale,
        "description": text[0].upper() + text[1:],
    }


def _amendment_description(changes: list[dict[str, Any]]) -> str | None:
    """Which fields changed — never their values (a hidden estimate stays hidden)."""
    fields = sorted({str(change.get("field")) for change in changes if change.get("field")})
    return ("Changed: " + ", ".join(fields)) if fields else None


def _prune(value: Json) -> Json:
    """Drop keys whose value is None or an empty list: absent, not null (null would delete)."""
    return {key: item for key, item in value.items() if item is not None and item != []}
