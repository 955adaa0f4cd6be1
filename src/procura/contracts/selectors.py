"""Reads of contracts. The contract and its implementation are public; invoices and notes are for
callers that checked `access.can_view_workspace`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet, Sum

from procura.accounts.models import Organisation
from procura.contracts.domain import Lateness, MilestoneFacts, Progress, milestone_lateness, progress
from procura.contracts.models import (
    Contract,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Milestone,
    Payment,
    PerformanceRating,
)
from procura.evaluation.models import Award, AwardStatus
from procura.tenders.models import Tender

CONTRACT_RELATED = ("tender", "tender__buyer", "award", "lot", "buyer", "supplier")


def contract_get(contract_id: uuid.UUID | str) -> Contract | None:
    return Contract.objects.select_related(*CONTRACT_RELATED).filter(pk=contract_id).first()


def award_get(award_id: uuid.UUID | str) -> Award | None:
    return Award.objects.select_related("tender", "tender__buyer", "lot", "supplier").filter(pk=award_id).first()


def contracts(
    *, buyer: uuid.UUID | None = None, supplier: uuid.UUID | None = None, status: str | None = None
) -> QuerySet[Contract]:
    """Every contract of a published tender, optionally of one buyer, one supplier or one status."""
    queryset = Contract.objects.select_related(*CONTRACT_RELATED).filter(tender__published_at__isnull=False)
    if buyer is not None:
        queryset = queryset.filter(buyer_id=buyer)
    if supplier is not None:
        queryset = queryset.filter(supplier_id=supplier)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def contracts_of_tender(tender: Tender) -> list[Contract]:
    return list(Contract.objects.select_related(*CONTRACT_RELATED).filter(tender=tender).order_by("lot__position"))


def awards_without_contract(tender: Tender) -> list[Award]:
    """Awards of the tender from which a contract can be prepared and has not been."""
    return list(
        Award.objects.select_related("lot", "supplier")
        .filter(tender=tender, status__in=[AwardStatus.PENDING, AwardStatus.ACTIVE], contract__isnull=True)
        .order_by("lot__position", "decided_at")
    )


def total(queryset: QuerySet[Any], field: str = "amount") -> Decimal:
    """The exact sum of a money column. PostgreSQL sums NUMERIC exactly; SQLite keeps decimals as
    floating point and sums them inexactly, so there the (exact, per-row) values are added up
    in Python."""
    if connection.vendor == "postgresql":
        summed = queryset.aggregate(s=Sum(field))["s"]
        return summed if summed is not None else Decimal(0)
    return sum(queryset.values_list(field, flat=True), Decimal(0))


def paid_total(contract: Contract) -> Decimal:
    return total(Payment.objects.filter(contract_id=contract.pk))


def outstanding_invoiced(contract: Contract) -> Decimal:
    """What is invoiced and not yet paid: submitted and approved invoices, less what was paid on them."""
    invoices = Invoice.objects.filter(
        contract_id=contract.pk, status__in=[InvoiceStatus.SUBMITTED, InvoiceStatus.APPROVED]
    )
    return total(invoices) - total(Payment.objects.filter(invoice__in=invoices))


def invoice_paid(invoice: Invoice) -> Decimal:
    return total(Payment.objects.filter(invoice_id=invoice.pk))


def milestone_invoiced(milestone: Milestone) -> Decimal:
    """What is invoiced against a milestone and not rejected."""
    return total(Invoice.objects.filter(milestone_id=milestone.pk).exclude(status=InvoiceStatus.REJECTED))


def milestones_of(contract: Contract) -> list[Milestone]:
    return list(contract.milestones.order_by("due_at", "local_id"))


def done_at(milestone: Milestone) -> dt.datetime | None:
    """When the milestone was done, for lateness: delivered, or else accepted."""
    return milestone.delivered_at or milestone.accepted_at


def lateness(milestone: Milestone, at: dt.datetime) -> Lateness:
    return milestone_lateness(milestone.due_at, milestone.status, done_at(milestone), at)


def contract_progress(contract: Contract, at: dt.datetime, milestones: list[Milestone] | None = None) -> Progress:
    rows = milestones if milestones is not None else milestones_of(contract)
    return progress(
        contract.value_amount,
        paid_total(contract),
        [MilestoneFacts(due_at=m.due_at, status=m.status, done_at=done_at(m)) for m in rows],
        at,
    )


def payments_of(contract: Contract) -> list[Payment]:
    return list(contract.payments.select_related("invoice", "payer", "payee").order_by("paid_at", "local_id"))


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    paid: Decimal
    owed: Decimal


def invoices_of(contract: Contract) -> list[InvoiceRow]:
    """With what was paid on each. For callers that checked `access.can_view_workspace`."""
    rows = []
    for invoice in contract.invoices.select_related("milestone", "submitted_by", "decided_by"):
        paid = invoice_paid(invoice)
        owed = invoice.amount - paid if invoice.status == InvoiceStatus.APPROVED else Decimal(0)
        rows.append(InvoiceRow(invoice=invoice, paid=paid, owed=owed))
    return rows


def signatures_of(contract: Contract) -> list[Any]:
    return list(contract.signatures.select_related("organisation").order_by("signed_at"))


def amendments_of(contract: Contract) -> list[Any]:
    return list(contract.amendments.order_by("made_at", "local_id"))


@dataclass(frozen=True)
class PerformanceRecord:
    """What the supplier's record shows: ratings of completed contracts, and terminations."""

    supplier: Organisation
    ratings: list[PerformanceRating]
    average: Decimal | None
    completed: int
    terminated: list[Contract]
    active: int


def performance_record(supplier: Organisation) -> PerformanceRecord:
    ratings = list(
        PerformanceRating.objects.filter(supplier=supplier)
        .select_related("contract", "contract__tender", "contract__buyer")
        .order_by("-rated_at")
    )
    summary = Contract.objects.filter(supplier=supplier, tender__published_at__isnull=False).aggregate(
        completed=Count("pk", filter=Q(status=ContractStatus.COMPLETED)),
        active=Count("pk", filter=Q(status=ContractStatus.ACTIVE)),
    )
    average = PerformanceRating.objects.filter(supplier=supplier).aggregate(a=Avg("score"))["a"]
    terminated = list(
        Contract.objects.select_related(*CONTRACT_RELATED)
        .filter(supplier=supplier, status=ContractStatus.TERMINATED)
        .order_by("-terminated_at")
    )
    return PerformanceRecord(
        supplier=supplier,
        ratings=ratings,
        average=None if average is None else Decimal(str(average)).quantize(Decimal("0.1")),
        completed=summary["completed"],
        terminated=terminated,
        active=summary["active"],
    )


def organisations_with_contracts(side: str) -> list[Organisation]:
    """Buyers (side="buyer") or suppliers (side="supplier") that have contracts: the list filters."""
    field = "bought_contracts" if side == "buyer" else "supplied_contracts"
    return list(
        Organisation.objects.filter(**{f"{field}__tender__published_at__isnull": False})
        .distinct()
        .order_by("legal_name", "pk")
    )
