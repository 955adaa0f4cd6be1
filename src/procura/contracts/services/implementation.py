"""Carrying a contract out: milestones and their delivery and acceptance, invoices, payments.

Payments never exceed the contract's value: the sum of what was paid is read under the
contract's row lock and the new payment written in the same transaction, so concurrent payments
are decided one after the other. Payments are recorded while the contract is in force and, after
termination or completion, against approved invoices only (paying what is owed for work done).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.contracts import access
from procura.contracts.domain import invoice_room, payment_room
from procura.contracts.events import InvoiceChanged, MilestoneChanged, PaymentRecorded
from procura.contracts.models import (
    Contract,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    Payment,
)
from procura.contracts.selectors import invoice_paid, milestone_invoiced, outstanding_invoiced, paid_total
from procura.contracts.services.common import audit, aware, event_fields, locked, money_amount, next_local_id, text
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, RuleViolation

TITLE_LIMIT = 300
NUMBER_LIMIT = 64
REFERENCE_LIMIT = 100
# After the contract ends (terminated or completed), invoices are still decided and paid.
PAYABLE = frozenset({ContractStatus.ACTIVE, ContractStatus.TERMINATED, ContractStatus.COMPLETED})
ACCEPTANCE_STATUSES = frozenset({MilestoneStatus.MET, MilestoneStatus.PARTIALLY_MET, MilestoneStatus.NOT_MET})


def _money_text(amount: Decimal, currency: str) -> str:
    return f"{amount:f} {currency}"


def _require_in_force(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        if contract.status == ContractStatus.PENDING:
            raise RuleViolation(_("The contract is not in force yet: both parties must sign it first."))
        raise RuleViolation(
            _("The contract is %(status)s: it is no longer carried out.")
            % {"status": ContractStatus(contract.status).label.lower()}
        )


def _milestone_of(contract: Contract, milestone: Milestone | None) -> Milestone:
    found = None if milestone is None else contract.milestones.filter(pk=milestone.pk).first()
    if found is None:
        raise NotFound(_("This contract has no such milestone."))
    return found


def _invoice_of(contract: Contract, invoice: Invoice | None) -> Invoice:
    found = None if invoice is None else contract.invoices.select_related("milestone").filter(pk=invoice.pk).first()
    if found is None:
        raise NotFound(_("This contract has no such invoice."))
    return found


# --- Milestones -----------------------------------------------------------------------------------
def milestone_add(
    *,
    actor: User,
    contract: Contract,
    title: str,
    kind: str,
    due_at: dt.datetime,
    description: str = "",
    value_amount: Decimal | str | None = None,
) -> Milestone:
    """Plan a delivery, report or payment with its due date (not before the contract starts)
    and, if it is paid for separately, the amount payable."""
    title = text(title, "title", required=_("Give the milestone a title."), limit=TITLE_LIMIT)
    description = text(description, "description")
    if kind not in MilestoneKind.values:
        raise InvalidInput.for_field("kind", _("Choose whether it is a delivery, a report or a payment."))
    due_at = aware(due_at, "due_at", _("Enter when the milestone is due."))
    with transaction.atomic():
        contract = locked(contract)
        access.check_can_manage(actor, contract)
        if contract.status not in {ContractStatus.PENDING, ContractStatus.ACTIVE}:
            raise RuleViolation(_("The contract has ended: no milestones can be added."))
        if due_at < contract.period_start:
            raise InvalidInput.for_field("due_at", _("A milestone cannot be due before the contract starts."))
        amount = None
        if value_amount is not None and value_amount != "":
            amount = money_amount(value_amount, contract.currency, "value_amount")
            if amount > contract.value_amount:
                raise InvalidInput.for_field(
                    "value_amount", _("The amount payable cannot be more than the contract's value.")
                )
        now = clock.now()
        milestone = Milestone.objects.create(
            contract=contract,
            local_id=next_local_id("milestone", contract.milestones.count()),
            title=title,
            description=description,
            kind=kind,
            due_at=due_at,
            value_amount=amount,
            created_at=now,
            updated_at=now,
        )
        audit(
            AuditAction.CONTRACT_MILESTONE_ADDED,
            actor,
            contract,
            after={
                "milestone": milestone.local_id,
                "title": title,
                "kind": kind,
                "due_at": due_at.isoformat(),
                "value": None if amount is None else str(amount),
            },
        )
        events.record(MilestoneChanged(**event_fields(contract, now), milestone_id=milestone.pk))
    return milestone


def milestone_mark_delivered(*, actor: User, milestone: Milestone, note: str = "") -> Milestone:
    """The supplier reports the milestone done (a delivery made, a report sent), with a note for
    the buyer, who then accepts it or not."""
    note = text(note, "note")
    with transaction.atomic():
        contract = locked(milestone.contract_id)
        access.check_can_supply(actor, contract)
        milestone = _milestone_of(contract, milestone)
        _require_in_force(contract)
        if milestone.status != MilestoneStatus.SCHEDULED:
            raise Conflict(_("The buyer has already decided on this milestone."))
        if milestone.delivered_at is not None:
            raise Conflict(_("This milestone has already been reported as delivered."))
        now = clock.now()
        milestone.delivered_at = now
        milestone.delivered_by = actor
        milestone.delivery_note = note
        milestone.updated_at = now
        milestone.save(update_fields=["delivered_at", "delivered_by", "delivery_note", "updated_at"])
        audit(
            AuditAction.CONTRACT_MILESTONE_DELIVERED,
            actor,
            contract,
            organisation_id=contract.supplier_id,
            after={"milestone": milestone.local_id, "delivered_at": now.isoformat(), "note": note},
        )
        events.record(MilestoneChanged(**event_fields(contract, now), milestone_id=milestone.pk))
    return milestone


def milestone_accept(*, actor: User, milestone: Milestone, status: str, note: str = "") -> Milestone:
    """The buyer decides on a milestone: met, partially met or not met (the last two with the
    reason). Whether it was late follows from its due date and when it was delivered."""
    note = text(note, "note")
    if status not in ACCEPTANCE_STATUSES:
        raise InvalidInput.for_field("status", _("Choose met, partially met or not met."))
    if status != MilestoneStatus.MET and not note:
        raise InvalidInput.for_field("note", _("Say what was missing: the supplier reads it."))
    with transaction.atomic():
        contract = locked(milestone.contract_id)
        access.check_can_manage(actor, contract)
        milestone = _milestone_of(contract, milestone)
        _require_in_force(contract)
        if milestone.status != MilestoneStatus.SCHEDULED:
            raise Conflict(_("This milestone has already been decided."))
        now = clock.now()
        milestone.status = status
        milestone.accepted_at = now
        milestone.accepted_by = actor
        milestone.acceptance_note = note
        milestone.updated_at = now
        milestone.save(update_fields=["status", "accepted_at", "accepted_by", "acceptance_note", "updated_at"])
        audit(
            AuditAction.CONTRACT_MILESTONE_ACCEPTED,
            actor,
            contract,
            after={"milestone": milestone.local_id, "status": status, "note": note},
        )
        events.record(MilestoneChanged(**event_fields(contract, now), milestone_id=milestone.pk))
    return milestone


# --- Invoices -------------------------------------------------------------------------------------
def invoice_submit(
    *,
    actor: User,
    contract: Contract,
    milestone: Milestone,
    number: str,
    amount: Decimal | str,
    issued_on: dt.date,
) -> Invoice:
    """The supplier invoices against a milestone. What is invoiced and not yet paid, with what
    was paid, never exceeds the contract's value (nor a milestone's amount payable)."""
    number = text(number, "number", required=_("Enter the invoice number."), limit=NUMBER_LIMIT)
    if not isinstance(issued_on, dt.date) or isinstance(issued_on, dt.datetime):
        raise InvalidInput.for_field("issued_on", _("Enter the date of the invoice."))
    with transaction.atomic():
        contract = locked(contract)
        access.check_can_supply(actor, contract)
        milestone = _milestone_of(contract, milestone)
        if contract.status not in PAYABLE:
            raise RuleViolation(_("The contract is not in force yet: both parties must sign it first."))
        amount = money_amount(amount, contract.currency, "amount")
        today = timezone.localdate(clock.now())
        if issued_on > today:
            raise InvalidInput.for_field("issued_on", _("An invoice cannot be dated in the future."))
        if contract.signed_at is not None and issued_on < timezone.localdate(contract.signed_at):
            raise InvalidInput.for_field("issued_on", _("An invoice cannot be dated before the contract was signed."))
        if milestone.status == MilestoneStatus.NOT_MET:
            raise RuleViolation(
                _("The buyer found this milestone not met: it cannot be invoiced."),
                fields={"milestone": [_("Choose a milestone that is not refused.")]},
            )
        if contract.invoices.filter(number=number).exists():
            raise InvalidInput.for_field("number", _("An invoice with this number was already submitted."))
        room = invoice_room(contract.value_amount, paid_total(contract), outstanding_invoiced(contract))
        if amount > room:
            raise RuleViolation(
                _(
                    "The invoice is for more than is left to invoice under the contract: at most %(room)s "
                    "(the value, less what was paid and what is invoiced and not yet paid)."
                )
                % {"room": _money_text(room, contract.currency)},
                fields={"amount": [_("At most %(room)s.") % {"room": _money_text(room, contract.currency)}]},
            )
        if milestone.value_amount is not None:
            left = max(milestone.value_amount - milestone_invoiced(milestone), Decimal(0))
            if amount > left:
                raise RuleViolation(
                    _("The milestone's amount payable has %(left)s left to invoice.")
                    % {"left": _money_text(left, contract.currency)},
                    fields={"amount": [_("At most %(left)s.") % {"left": _money_text(left, contract.currency)}]},
                )
        now = clock.now()
        invoice = Invoice.objects.create(
            contract=contract,
            milestone=milestone,
            number=number,
            amount=amount,
            currency=contract.currency,
            issued_on=issued_on,
            submitted_by=actor,
            submitted_at=now,
        )
        audit(
            AuditAction.CONTRACT_INVOICE_SUBMITTED,
            actor,
            contract,
            organisation_id=contract.supplier_id,
            after={
                "invoice": number,
                "milestone": milestone.local_id,
                "amount": str(amount),
                "issued_on": issued_on.isoformat(),
            },
        )
        events.record(InvoiceChanged(**event_fields(contract, now), invoice_id=invoice.pk))
    return invoice


def _decide_invoice(*, actor: User, invoice: Invoice, approve: bool, reason: str) -> Invoice:
    with transaction.atomic():
        contract = locked(invoice.contract_id)
        access.check_can_pay(actor, contract)
        invoice = _invoice_of(contract, invoice)
        if contract.status not in PAYABLE:  # pragma: no cover - invoices exist only once signed
            raise RuleViolation(_("The contract is not in force."))
        if invoice.status != InvoiceStatus.SUBMITTED:
            raise Conflict(
                _("This invoice has already been decided: it is %(status)s.")
                % {"status": InvoiceStatus(invoice.status).label.lower()}
            )
        now = clock.now()
        invoice.status = InvoiceStatus.APPROVED if approve else InvoiceStatus.REJECTED
        invoice.decided_by = actor
        invoice.decided_at = now
        invoice.rejection_reason = reason
        invoice.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
        audit(
            AuditAction.CONTRACT_INVOICE_APPROVED if approve else AuditAction.CONTRACT_INVOICE_REJECTED,
            actor,
            contract,
            before={"status": InvoiceStatus.SUBMITTED.value},
            after={"invoice": invoice.number, "status": invoice.status, **({"reason": reason} if reason else {})},
        )
        events.record(InvoiceChanged(**event_fields(contract, now), invoice_id=invoice.pk))
    return invoice


def invoice_approve(*, actor: User, invoice: Invoice) -> Invoice:
    """Approve a submitted invoice for payment."""
    return _decide_invoice(actor=actor, invoice=invoice, approve=True, reason="")


def invoice_reject(*, actor: User, invoice: Invoice, reason: str) -> Invoice:
    """Reject a submitted invoice, saying why (the supplier reads it and may invoice again)."""
    reason = text(reason, "reason", required=_("Say why the invoice is rejected: the supplier reads it."))
    return _decide_invoice(actor=actor, invoice=invoice, approve=False, reason=reason)


# --- Payments -------------------------------------------------------------------------------------
def payment_record(
    *,
    actor: User,
    contract: Contract,
    amount: Decimal | str,
    paid_at: dt.datetime,
    invoice: Invoice | None = None,
    reference: str = "",
) -> Payment:
    """Record a payment the buyer made to the supplier (an OCDS transaction: payer, payee,
    amount, date). The payments of a contract never add up to more than its value. A payment
    against an invoice needs the invoice approved and no more than it has left to pay; once
    paid in full the invoice is marked paid."""
    reference = text(reference, "reference", limit=REFERENCE_LIMIT)
    paid_at = aware(paid_at, "paid_at", _("Enter when the payment was made."))
    with transaction.atomic():
        contract = locked(contract)
        access.check_can_pay(actor, contract)
        if contract.status not in PAYABLE:
            raise RuleViolation(_("The contract is not in force yet: nothing can be paid before both parties sign."))
        found = None if invoice is None else _invoice_of(contract, invoice)
        if found is None and contract.status != ContractStatus.ACTIVE:
            raise RuleViolation(
                _("The contract has ended: only approved invoices can still be paid."),
                fields={"invoice": [_("Choose the approved invoice this payment settles.")]},
            )
        amount = money_amount(amount, contract.currency, "amount")
        now = clock.now()
        if paid_at > now:
            raise InvalidInput.for_field("paid_at", _("A payment cannot be recorded before it is made."))
        if contract.signed_at is not None and paid_at < contract.signed_at:
            raise InvalidInput.for_field("paid_at", _("A payment cannot be dated before the contract was signed."))
        paid = paid_total(contract)
        room = payment_room(contract.value_amount, paid)
        if amount > room:
            raise RuleViolation(
                _(
                    "Payments cannot exceed the contract's value of %(value)s: %(paid)s is paid already, "
                    "so at most %(room)s can still be paid."
                )
                % {
                    "value": _money_text(contract.value_amount, contract.currency),
                    "paid": _money_text(paid, contract.currency),
                    "room": _money_text(room, contract.currency),
                },
                fields={"amount": [_("At most %(room)s.") % {"room": _money_text(room, contract.currency)}]},
            )
        if found is not None:
            if found.status != InvoiceStatus.APPROVED:
                raise RuleViolation(
                    _("Only an approved invoice can be paid; this one is %(status)s.")
                    % {"status": InvoiceStatus(found.status).label.lower()},
                    fields={"invoice": [_("Approve the invoice first.")]},
                )
            owed = found.amount - invoice_paid(found)
            if amount > owed:
                raise RuleViolation(
                    _("The invoice has %(owed)s left to pay.") % {"owed": _money_text(owed, contract.currency)},
                    fields={"amount": [_("At most %(owed)s.") % {"owed": _money_text(owed, contract.currency)}]},
                )
        payment = Payment.objects.create(
            contract=contract,
            invoice=found,
            local_id=next_local_id("payment", contract.payments.count()),
            payer=contract.buyer,
            payee=contract.supplier,
            amount=amount,
            currency=contract.currency,
            paid_at=paid_at,
            reference=reference,
            recorded_by=actor,
            recorded_at=now,
        )
        if found is not None and amount == owed:
            found.status = InvoiceStatus.PAID
            found.save(update_fields=["status"])
        audit(
            AuditAction.CONTRACT_PAYMENT_RECORDED,
            actor,
            contract,
            after={
                "payment": payment.local_id,
                "amount": str(amount),
                "currency": contract.currency,
                "paid_at": paid_at.isoformat(),
                "invoice": found.number if found is not None else None,
                "paid_total": str(paid + amount),
            },
        )
        events.record(PaymentRecorded(**event_fields(contract, now), payment_id=payment.pk))
    return payment
