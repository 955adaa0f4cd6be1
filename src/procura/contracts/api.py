"""Contracts API (/api/v1/): the public contract register, and every step of a contract for the
buyer's and the supplier's systems.

Contracts, their signatures, milestones, payments, amendments and ratings are public; invoices,
delivery and acceptance notes and payment references are for the two parties and the
platform's overseers (null for everyone else). Handlers look up, check who acts where a body
names other records, call one service and shape the answer; writes take an `Idempotency-Key`
header (core.idempotency). A signature carries the signer's name and a current code from their
authenticator app: it is confirmed by two factors at the moment of signing, whatever the
caller authenticated with.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from procura.accounts.authentication import api_auth, optional_auth, request_user
from procura.accounts.models import Organisation
from procura.contracts import access, selectors, services
from procura.contracts.domain import Progress
from procura.contracts.models import (
    Contract,
    ContractAmendment,
    ContractStatus,
    Invoice,
    Milestone,
    Payment,
    PerformanceRating,
    Signature,
)
from procura.core import clock
from procura.core.errors import InvalidInput, NotFound
from procura.core.money import decimal_text
from procura.core.pagination import paginate
from procura.core.schemas import DECIMAL_TEXT, MoneyOut

router = Router(tags=["contracts"])

TEXT_LIMIT = 20_000


# --- Input schemas --------------------------------------------------------------------------------
class ContractQuery(Schema):
    buyer: uuid.UUID | None = Field(None, description="Only this buyer's contracts.")
    supplier: uuid.UUID | None = Field(None, description="Only this supplier's contracts.")
    status: ContractStatus | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class ContractCreateIn(Schema):
    title: str | None = Field(None, max_length=300, description="Left out: the tender's title (and the lot's).")
    description: str = Field("", max_length=TEXT_LIMIT)
    period_start: dt.datetime = Field(description="With its time zone.")
    period_end: dt.datetime


class ContractTermsIn(Schema):
    """Terms before anyone has signed; a field left out stays as it is."""

    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=TEXT_LIMIT)
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None


class SignatureIn(Schema):
    party: str = Field(max_length=16, description="buyer or supplier: the party you sign for.")
    signed_name: str = Field(max_length=200, description="Your full name, as your account gives it.")
    otp_code: str = Field(max_length=12, description="The code your authenticator app shows now.")


class MilestoneIn(Schema):
    title: str = Field(max_length=300)
    kind: str = Field(max_length=16, description="delivery, reporting or financing (OCDS milestoneType).")
    due_at: dt.datetime = Field(description="Not before the contract starts.")
    description: str = Field("", max_length=TEXT_LIMIT)
    value_amount: str | None = Field(None, max_length=40, description=DECIMAL_TEXT + " What is payable for it.")


class DeliveryIn(Schema):
    note: str = Field("", max_length=TEXT_LIMIT)


class AcceptanceIn(Schema):
    status: str = Field(max_length=16, description="met, partiallyMet or notMet (the last two need a note).")
    note: str = Field("", max_length=TEXT_LIMIT)


class InvoiceIn(Schema):
    milestone: uuid.UUID = Field(description="The milestone of this contract the invoice is for.")
    number: str = Field(max_length=64)
    amount: str = Field(max_length=40, description=DECIMAL_TEXT)
    issued_on: dt.date


class RejectionIn(Schema):
    reason: str = Field(max_length=TEXT_LIMIT)


class PaymentIn(Schema):
    amount: str = Field(max_length=40, description=DECIMAL_TEXT)
    paid_at: dt.datetime = Field(description="When it was paid: not before signature, not in the future.")
    invoice: uuid.UUID | None = Field(None, description="The approved invoice it settles, if any.")
    reference: str = Field("", max_length=100)


class AmendmentIn(Schema):
    rationale: str = Field(max_length=TEXT_LIMIT, description="Published with the amendment.")
    value_amount: str | None = Field(None, max_length=40, description=DECIMAL_TEXT + " The new value.")
    period_end: dt.datetime | None = Field(None, description="The new end of the contract.")


class TerminationIn(Schema):
    reason: str = Field(max_length=TEXT_LIMIT, description="Published.")


class CompletionIn(Schema):
    rating: int = Field(description="The supplier's performance, 1 (very poor) to 5 (excellent).")
    comment: str = Field(max_length=TEXT_LIMIT, description="Public, on the supplier's performance record.")


# --- Output schemas -------------------------------------------------------------------------------
class PartyOut(Schema):
    id: uuid.UUID
    name: str
    identifier: str


class LotOut(Schema):
    id: str
    title: str


class ItemOut(Schema):
    id: str
    description: str
    classification_scheme: str
    classification_code: str
    quantity: str
    unit: str


class SignatureOut(Schema):
    party: str
    organisation: PartyOut
    signed_name: str
    signed_at: dt.datetime
    terms_sha256: str = Field(description="SHA-256 of the canonical JSON of the terms signed.")
    second_factor: str


class MilestoneOut(Schema):
    id: uuid.UUID
    local_id: str
    title: str
    description: str
    kind: str
    due_at: dt.datetime
    value: MoneyOut | None
    status: str = Field(description="scheduled, met, partiallyMet or notMet")
    standing: str = Field(description="scheduled, late, met, met late or not met: from the due date, now.")
    delivered_at: dt.datetime | None
    accepted_at: dt.datetime | None
    delivery_note: str | None = Field(description="null unless you are a party or an overseer.")
    acceptance_note: str | None = Field(description="null unless you are a party or an overseer.")


class InvoiceOut(Schema):
    id: uuid.UUID
    number: str
    milestone: uuid.UUID
    amount: MoneyOut
    issued_on: dt.date
    status: str = Field(description="submitted, approved, rejected or paid")
    rejection_reason: str
    paid: MoneyOut
    submitted_at: dt.datetime
    decided_at: dt.datetime | None


class PaymentOut(Schema):
    id: uuid.UUID
    local_id: str
    payer: PartyOut
    payee: PartyOut
    amount: MoneyOut
    paid_at: dt.datetime
    invoice: uuid.UUID | None = Field(description="null unless you are a party or an overseer.")
    reference: str | None = Field(description="null unless you are a party or an overseer.")


class AmendmentOut(Schema):
    id: uuid.UUID
    local_id: str
    rationale: str
    value_before: MoneyOut
    value_after: MoneyOut
    period_end_before: dt.datetime
    period_end_after: dt.datetime
    cumulative_share: str = Field(description="Change of value since signature, all amendments together, 0.25 = 25%.")
    exceeds_threshold: bool = Field(description="Flagged: the cumulative change exceeds the configured share.")
    made_at: dt.datetime


class RatingOut(Schema):
    score: int
    comment: str
    rated_at: dt.datetime


class ProgressOut(Schema):
    paid: MoneyOut
    remaining: MoneyOut
    paid_percent: int
    milestones: int
    met: int
    met_late: int
    late: int
    not_met: int
    scheduled: int


class ContractSummaryOut(Schema):
    id: uuid.UUID
    ocid: str
    local_id: str
    award: uuid.UUID
    title: str
    status: str = Field(description="pending (awaiting signature), active, terminated or completed")
    buyer: PartyOut
    supplier: PartyOut
    value: MoneyOut
    original_value: MoneyOut
    period_start: dt.datetime
    period_end: dt.datetime
    signed_at: dt.datetime | None


class ContractOut(ContractSummaryOut):
    description: str
    lot: LotOut
    items: list[ItemOut]
    terms_sha256: str
    signatures: list[SignatureOut]
    milestones: list[MilestoneOut]
    payments: list[PaymentOut]
    amendments: list[AmendmentOut]
    progress: ProgressOut
    terminated_at: dt.datetime | None
    termination_reason: str
    completed_at: dt.datetime | None
    rating: RatingOut | None
    invoices: list[InvoiceOut] | None = Field(description="null unless you are a party or an overseer.")


class ContractPage(Schema):
    results: list[ContractSummaryOut]
    next_cursor: str | None


# --- Shaping --------------------------------------------------------------------------------------
def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def _party(organisation: Organisation) -> PartyOut:
    return PartyOut(id=organisation.pk, name=organisation.legal_name, identifier=organisation.identifier)


def _summary_fields(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "ocid": contract.tender.ocid,
        "local_id": contract.local_id,
        "award": contract.award_id,
        "title": contract.title,
        "status": contract.status,
        "buyer": _party(contract.buyer),
        "supplier": _party(contract.supplier),
        "value": MoneyOut.of(contract.value_amount, contract.currency),
        "original_value": MoneyOut.of(contract.original_value, contract.currency),
        "period_start": _utc(contract.period_start),
        "period_end": _utc(contract.period_end),
        "signed_at": _utc(contract.signed_at),
    }


def _signature_out(signature: Signature) -> SignatureOut:
    return SignatureOut(
        party=signature.party,
        organisation=_party(signature.organisation),
        signed_name=signature.signed_name,
        signed_at=signature.signed_at.astimezone(dt.UTC),
        terms_sha256=signature.terms_sha256,
        second_factor=signature.second_factor,
    )


def _milestone_out(milestone: Milestone, currency: str, *, workspace: bool) -> MilestoneOut:
    return MilestoneOut(
        id=milestone.pk,
        local_id=milestone.local_id,
        title=milestone.title,
        description=milestone.description,
        kind=milestone.kind,
        due_at=milestone.due_at.astimezone(dt.UTC),
        value=None if milestone.value_amount is None else MoneyOut.of(milestone.value_amount, currency),
        status=milestone.status,
        standing=selectors.lateness(milestone, clock.now()).value,
        delivered_at=_utc(milestone.delivered_at),
        accepted_at=_utc(milestone.accepted_at),
        delivery_note=milestone.delivery_note if workspace else None,
        acceptance_note=milestone.acceptance_note if workspace else None,
    )


def _invoice_out(invoice: Invoice, paid: Decimal | None = None) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.pk,
        number=invoice.number,
        milestone=invoice.milestone_id,
        amount=MoneyOut.of(invoice.amount, invoice.currency),
        issued_on=invoice.issued_on,
        status=invoice.status,
        rejection_reason=invoice.rejection_reason,
        paid=MoneyOut.of(selectors.invoice_paid(invoice) if paid is None else paid, invoice.currency),
        submitted_at=invoice.submitted_at.astimezone(dt.UTC),
        decided_at=_utc(invoice.decided_at),
    )


def _payment_out(payment: Payment, *, workspace: bool) -> PaymentOut:
    return PaymentOut(
        id=payment.pk,
        local_id=payment.local_id,
        payer=_party(payment.payer),
        payee=_party(payment.payee),
        amount=MoneyOut.of(payment.amount, payment.currency),
        paid_at=payment.paid_at.astimezone(dt.UTC),
        invoice=payment.invoice_id if workspace else None,
        reference=payment.reference if workspace else None,
    )


def _amendment_out(amendment: ContractAmendment, currency: str) -> AmendmentOut:
    return AmendmentOut(
        id=amendment.pk,
        local_id=amendment.local_id,
        rationale=amendment.rationale,
        value_before=MoneyOut.of(amendment.value_before, currency),
        value_after=MoneyOut.of(amendment.value_after, currency),
        period_end_before=amendment.period_end_before.astimezone(dt.UTC),
        period_end_after=amendment.period_end_after.astimezone(dt.UTC),
        cumulative_share=f"{amendment.cumulative_share:f}",
        exceeds_threshold=amendment.exceeds_threshold,
        made_at=amendment.made_at.astimezone(dt.UTC),
    )


def _progress_out(progress: Progress, currency: str) -> ProgressOut:
    return ProgressOut(
        paid=MoneyOut.of(progress.paid, currency),
        remaining=MoneyOut.of(progress.remaining, currency),
        paid_percent=progress.paid_percent,
        milestones=progress.milestones,
        met=progress.met,
        met_late=progress.met_late,
        late=progress.late,
        not_met=progress.not_met,
        scheduled=progress.scheduled,
    )


def _contract_out(request: HttpRequest, contract: Contract) -> ContractOut:
    workspace = access.can_view_workspace(request.user, contract)
    milestones = selectors.milestones_of(contract)
    rating = PerformanceRating.objects.filter(contract=contract).first()
    currency = contract.currency
    return ContractOut(
        **_summary_fields(contract),
        description=contract.description,
        lot=LotOut(id=contract.lot.local_id, title=contract.lot.title),
        items=[
            ItemOut(
                id=item.local_id,
                description=item.description,
                classification_scheme=item.classification_scheme,
                classification_code=item.classification_code,
                quantity=decimal_text(item.quantity),
                unit=item.unit_name,
            )
            for item in contract.lot.items.order_by("position")
        ],
        terms_sha256=contract.terms_sha256,
        signatures=[_signature_out(s) for s in selectors.signatures_of(contract)],
        milestones=[_milestone_out(m, currency, workspace=workspace) for m in milestones],
        payments=[_payment_out(p, workspace=workspace) for p in selectors.payments_of(contract)],
        amendments=[_amendment_out(a, currency) for a in selectors.amendments_of(contract)],
        progress=_progress_out(selectors.contract_progress(contract, clock.now(), milestones), currency),
        terminated_at=_utc(contract.terminated_at),
        termination_reason=contract.termination_reason,
        completed_at=_utc(contract.completed_at),
        rating=None
        if rating is None
        else RatingOut(score=rating.score, comment=rating.comment, rated_at=rating.rated_at),
        invoices=[_invoice_out(r.invoice, r.paid) for r in selectors.invoices_of(contract)] if workspace else None,
    )


# --- Look-ups -------------------------------------------------------------------------------------
def _contract(contract_id: uuid.UUID) -> Contract:
    contract = selectors.contract_get(contract_id)
    if contract is None or not contract.tender.is_published:
        raise NotFound(_("There is no such contract."))
    return contract


def _milestone(contract: Contract, milestone_id: uuid.UUID) -> Milestone:
    milestone = contract.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound(_("This contract has no such milestone."))
    return milestone


def _invoice(contract: Contract, invoice_id: uuid.UUID) -> Invoice:
    invoice = contract.invoices.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(_("This contract has no such invoice."))
    return invoice


def _fresh(contract: Contract) -> Contract:
    return _contract(contract.pk)


# --- Reads ----------------------------------------------------------------------------------------
@router.get(
    "/contracts",
    response=ContractPage,
    auth=optional_auth,
    summary="Contracts",
    description="Every contract of a published tender, newest first; by buyer, supplier or status.",
)
def contract_list(request: HttpRequest, filters: Query[ContractQuery]) -> ContractPage:
    queryset = selectors.contracts(
        buyer=filters.buyer, supplier=filters.supplier, status=filters.status.value if filters.status else None
    )
    page = paginate(queryset, order=("-created_at", "-id"), cursor=filters.cursor or None, limit=filters.limit)
    return ContractPage(
        results=[ContractSummaryOut(**_summary_fields(c)) for c in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/contracts/{contract_id}",
    response=ContractOut,
    auth=optional_auth,
    summary="A contract with its implementation",
    description="Public: parties, value (original and current), period, items, signatures, milestones "
    "(with whether they were met on time), payments, amendments (flagged when their cumulative change "
    "exceeds the configured share), termination or completion and the supplier's rating. Invoices, "
    "notes and payment references only for the parties and the platform's overseers.",
)
def contract_detail(request: HttpRequest, contract_id: uuid.UUID) -> ContractOut:
    return _contract_out(request, _contract(contract_id))


# --- Preparing and signing ------------------------------------------------------------------------
@router.post(
    "/awards/{award_id}/contract",
    response={201: ContractOut},
    auth=api_auth,
    summary="Prepare the contract of an award",
    description="For the buyer's procurement officers. Value, currency, supplier and items come from the "
    "award; one contract per award (409 for a second).",
)
def contract_create(request: HttpRequest, award_id: uuid.UUID, payload: ContractCreateIn) -> Status[ContractOut]:
    award = selectors.award_get(award_id)
    if award is None or not award.tender.is_published:
        raise NotFound(_("There is no such award."))
    contract = services.contract_create(
        actor=request_user(request),
        award=award,
        title=payload.title,
        description=payload.description,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, _contract_out(request, _fresh(contract)))


@router.patch(
    "/contracts/{contract_id}",
    response=ContractOut,
    auth=api_auth,
    summary="Change the terms before signature",
    description="Title, description and period, until the first signature (then only by amendment).",
)
def contract_update_terms(request: HttpRequest, contract_id: uuid.UUID, payload: ContractTermsIn) -> ContractOut:
    contract = services.contract_update_terms(
        actor=request_user(request),
        contract=_contract(contract_id),
        title=payload.title,
        description=payload.description,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return _contract_out(request, _fresh(contract))


@router.post(
    "/contracts/{contract_id}/signatures",
    response={201: SignatureOut},
    auth=api_auth,
    summary="Sign the contract for the buyer or the supplier",
    description="With your full name and a current code from your authenticator app. Refused (422) during "
    "the standstill, while a complaint about the award is pending, and for a cancelled award.",
)
def contract_sign(request: HttpRequest, contract_id: uuid.UUID, payload: SignatureIn) -> Status[SignatureOut]:
    signature = services.contract_sign(
        actor=request_user(request),
        contract=_contract(contract_id),
        party=payload.party,
        otp_code=payload.otp_code,
        signed_name=payload.signed_name,
    )
    return Status(201, _signature_out(signature))


# --- Milestones -----------------------------------------------------------------------------------
@router.post(
    "/contracts/{contract_id}/milestones",
    response={201: MilestoneOut},
    auth=api_auth,
    summary="Plan a milestone",
    description="For the buyer's procurement officers, before or after signature.",
)
def milestone_add(request: HttpRequest, contract_id: uuid.UUID, payload: MilestoneIn) -> Status[MilestoneOut]:
    contract = _contract(contract_id)
    milestone = services.milestone_add(
        actor=request_user(request),
        contract=contract,
        title=payload.title,
        kind=payload.kind,
        due_at=payload.due_at,
        description=payload.description,
        value_amount=payload.value_amount,
    )
    return Status(201, _milestone_out(milestone, contract.currency, workspace=True))


@router.post(
    "/contracts/{contract_id}/milestones/{milestone_id}/delivered",
    response=MilestoneOut,
    auth=api_auth,
    summary="Report a milestone delivered",
    description="For the supplier's bid managers, while the contract is in force.",
)
def milestone_delivered(
    request: HttpRequest, contract_id: uuid.UUID, milestone_id: uuid.UUID, payload: DeliveryIn
) -> MilestoneOut:
    contract = _contract(contract_id)
    milestone = services.milestone_mark_delivered(
        actor=request_user(request), milestone=_milestone(contract, milestone_id), note=payload.note
    )
    return _milestone_out(milestone, contract.currency, workspace=True)


@router.post(
    "/contracts/{contract_id}/milestones/{milestone_id}/acceptance",
    response=MilestoneOut,
    auth=api_auth,
    summary="Decide on a milestone: met, partially met or not met",
    description="For the buyer's procurement officers, while the contract is in force.",
)
def milestone_acceptance(
    request: HttpRequest, contract_id: uuid.UUID, milestone_id: uuid.UUID, payload: AcceptanceIn
) -> MilestoneOut:
    contract = _contract(contract_id)
    milestone = services.milestone_accept(
        actor=request_user(request),
        milestone=_milestone(contract, milestone_id),
        status=payload.status,
        note=payload.note,
    )
    return _milestone_out(milestone, contract.currency, workspace=True)


# --- Invoices and payments ------------------------------------------------------------------------
@router.post(
    "/contracts/{contract_id}/invoices",
    response={201: InvoiceOut},
    auth=api_auth,
    summary="Submit an invoice against a milestone",
    description="For the supplier's bid managers. What is invoiced and unpaid, with what was paid, never "
    "exceeds the contract's value.",
)
def invoice_submit(request: HttpRequest, contract_id: uuid.UUID, payload: InvoiceIn) -> Status[InvoiceOut]:
    contract = _contract(contract_id)
    access.check_can_supply(request.user, contract)
    milestone = contract.milestones.filter(pk=payload.milestone).first()
    if milestone is None:
        raise InvalidInput.for_field("milestone", _("Choose a milestone of this contract."))
    invoice = services.invoice_submit(
        actor=request_user(request),
        contract=contract,
        milestone=milestone,
        number=payload.number,
        amount=payload.amount,
        issued_on=payload.issued_on,
    )
    return Status(201, _invoice_out(invoice))


@router.post(
    "/contracts/{contract_id}/invoices/{invoice_id}/approve",
    response=InvoiceOut,
    auth=api_auth,
    summary="Approve an invoice for payment",
    description="For the buyer's procurement officers and approvers.",
)
def invoice_approve(request: HttpRequest, contract_id: uuid.UUID, invoice_id: uuid.UUID) -> InvoiceOut:
    contract = _contract(contract_id)
    invoice = services.invoice_approve(actor=request_user(request), invoice=_invoice(contract, invoice_id))
    return _invoice_out(invoice)


@router.post(
    "/contracts/{contract_id}/invoices/{invoice_id}/reject",
    response=InvoiceOut,
    auth=api_auth,
    summary="Reject an invoice, saying why",
    description="For the buyer's procurement officers and approvers.",
)
def invoice_reject(
    request: HttpRequest, contract_id: uuid.UUID, invoice_id: uuid.UUID, payload: RejectionIn
) -> InvoiceOut:
    contract = _contract(contract_id)
    invoice = services.invoice_reject(
        actor=request_user(request), invoice=_invoice(contract, invoice_id), reason=payload.reason
    )
    return _invoice_out(invoice)


@router.post(
    "/contracts/{contract_id}/payments",
    response={201: PaymentOut},
    auth=api_auth,
    summary="Record a payment to the supplier",
    description="For the buyer's procurement officers and approvers. Payments never add up to more than "
    "the contract's value (422 naming what is left). After termination or completion, only approved "
    "invoices are paid.",
)
def payment_record(request: HttpRequest, contract_id: uuid.UUID, payload: PaymentIn) -> Status[PaymentOut]:
    contract = _contract(contract_id)
    access.check_can_pay(request.user, contract)
    invoice = None
    if payload.invoice is not None:
        invoice = contract.invoices.filter(pk=payload.invoice).first()
        if invoice is None:
            raise InvalidInput.for_field("invoice", _("Choose an invoice of this contract."))
    payment = services.payment_record(
        actor=request_user(request),
        contract=contract,
        amount=payload.amount,
        paid_at=payload.paid_at,
        invoice=invoice,
        reference=payload.reference,
    )
    return Status(201, _payment_out(payment, workspace=True))


# --- Amendment, termination, completion -----------------------------------------------------------
@router.post(
    "/contracts/{contract_id}/amendments",
    response={201: AmendmentOut},
    auth=api_auth,
    summary="Amend the value or the end of the contract",
    description="For the buyer's procurement officers, with a public rationale. Flagged when the change of "
    "value since signature, all amendments together, exceeds the configured share of the original value.",
)
def contract_amend(request: HttpRequest, contract_id: uuid.UUID, payload: AmendmentIn) -> Status[AmendmentOut]:
    contract = _contract(contract_id)
    amendment = services.contract_amend(
        actor=request_user(request),
        contract=contract,
        rationale=payload.rationale,
        value_amount=payload.value_amount,
        period_end=payload.period_end,
    )
    return Status(201, _amendment_out(amendment, contract.currency))


@router.post(
    "/contracts/{contract_id}/termination",
    response=ContractOut,
    auth=api_auth,
    summary="Terminate the contract, with a public reason",
    description="For the buyer's procurement officers, while the contract is in force.",
)
def contract_terminate(request: HttpRequest, contract_id: uuid.UUID, payload: TerminationIn) -> ContractOut:
    contract = services.contract_terminate(
        actor=request_user(request), contract=_contract(contract_id), reason=payload.reason
    )
    return _contract_out(request, _fresh(contract))


@router.post(
    "/contracts/{contract_id}/completion",
    response=ContractOut,
    auth=api_auth,
    summary="Complete the contract, rating the supplier",
    description="For the buyer's procurement officers, while the contract is in force. The rating (1 to 5, "
    "with a comment) is kept on the supplier's performance record.",
)
def contract_complete(request: HttpRequest, contract_id: uuid.UUID, payload: CompletionIn) -> ContractOut:
    contract = _contract(contract_id)
    services.contract_complete(
        actor=request_user(request), contract=contract, rating=payload.rating, comment=payload.comment
    )
    return _contract_out(request, _fresh(contract))
