"""Contract tables: a contract per award, its signatures, milestones, invoices, payments,
amendments, termination and the supplier's performance rating at completion.

OCDS: a Contract is `contracts[]`; milestones are `contracts[].implementation.milestones[]`
and payments `contracts[].implementation.transactions[]`; amendments `contracts[].amendments[]`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation, User
from procura.evaluation.models import Award
from procura.tenders.models import Lot, Tender


class ContractStatus(models.TextChoices):
    # OCDS contract.status: pending until both parties sign.
    PENDING = "pending", _("Awaiting signature")
    ACTIVE = "active", _("In force")
    TERMINATED = "terminated", _("Terminated")
    COMPLETED = "completed", _("Completed")

    @property
    def ocds(self) -> str:
        return {"pending": "pending", "active": "active", "terminated": "terminated", "completed": "terminated"}[
            self.value
        ]


class SigningParty(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SUPPLIER = "supplier", _("Supplier")


class MilestoneKind(models.TextChoices):
    # OCDS milestoneType codelist
    DELIVERY = "delivery", _("Delivery")
    REPORTING = "reporting", _("Report")
    FINANCING = "financing", _("Payment")


class MilestoneStatus(models.TextChoices):
    # OCDS milestoneStatus codelist (lateness is derived from the due date, not stored)
    SCHEDULED = "scheduled", _("Scheduled")
    MET = "met", _("Met")
    NOT_MET = "notMet", _("Not met")
    PARTIALLY_MET = "partiallyMet", _("Partially met")


class InvoiceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved for payment")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class Contract(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="contracts")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="contracts")
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bought_contracts")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="supplied_contracts")
    local_id = models.CharField(max_length=32)  # OCDS contracts[].id, e.g. "contract-1"
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    original_value = models.DecimalField(max_digits=20, decimal_places=2)  # as signed; amendments measure against it
    value_amount = models.DecimalField(_("value"), max_digits=20, decimal_places=2)  # current, after amendments
    currency = models.CharField(max_length=3)
    period_start = models.DateTimeField(_("starts"))
    period_end = models.DateTimeField(_("ends"))
    status = models.CharField(max_length=16, choices=ContractStatus.choices, default=ContractStatus.PENDING)
    terms_sha256 = models.CharField(max_length=64, blank=True)  # what was signed (canonical JSON of the terms)
    signed_at = models.DateTimeField(null=True, blank=True)  # when the second party signed
    terminated_at = models.DateTimeField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "contracts_contract"
        ordering = ["tender_id", "local_id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "local_id"], name="contracts_local_id_unique"),
            models.CheckConstraint(condition=models.Q(value_amount__gte=0), name="contracts_value_not_negative"),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")), name="contracts_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_id} {self.title}"


class Signature(models.Model):
    """One party's signature, confirmed by a two-factor code at the moment of signing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(max_length=16, choices=SigningParty.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    terms_sha256 = models.CharField(max_length=64)
    second_factor = models.CharField(max_length=32)  # how it was confirmed, e.g. "totp"

    class Meta:
        db_table = "contracts_signature"
        ordering = ["contract_id", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["contract", "party"], name="contracts_one_signature_per_party")]

    def __str__(self) -> str:
        return f"{self.party} signature of {self.contract_id}"


class Milestone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="milestones")
    local_id = models.CharField(max_length=32)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    due_at = models.DateTimeField(_("due"))
    value_amount = models.DecimalField(_("amount payable"), max_digits=20, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.SCHEDULED)
    delivered_at = models.DateTimeField(null=True, blank=True)  # the supplier says it is done
    delivered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivery_note = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)  # the buyer accepts it
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acceptance_note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "contracts_milestone"
        ordering = ["contract_id", "due_at", "local_id"]
        constraints = [models.UniqueConstraint(fields=["contract", "local_id"], name="contracts_milestone_id_unique")]

    def __str__(self) -> str:
        return self.title


class Invoice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("invoice number"), max_length=64)
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2)
    currency = models.CharField(max_length=3)
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.SUBMITTED)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        db_table = "contracts_invoice"
        ordering = ["contract_id", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contracts_invoice_number_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contracts_invoice_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    """A payment made (OCDS `implementation.transactions[]`): payer, payee, amount, date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    local_id = models.CharField(max_length=32)
    payer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    payee = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_at = models.DateTimeField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "contracts_payment"
        ordering = ["contract_id", "paid_at", "local_id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "local_id"], name="contracts_payment_id_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contracts_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.local_id} {self.amount} {self.currency}"


class ContractAmendment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="amendments")
    local_id = models.CharField(max_length=32)
    rationale = models.TextField(_("rationale"))
    value_before = models.DecimalField(max_digits=20, decimal_places=2)
    value_after = models.DecimalField(max_digits=20, decimal_places=2)
    period_end_before = models.DateTimeField()
    period_end_after = models.DateTimeField()
    # Cumulative change of value against the original value, as a share (0.25 = 25%), after this amendment.
    cumulative_share = models.DecimalField(max_digits=9, decimal_places=4)
    exceeds_threshold = models.BooleanField(default=False)  # flagged publicly
    made_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()

    class Meta:
        db_table = "contracts_amendment"
        ordering = ["contract_id", "made_at", "local_id"]
        constraints = [models.UniqueConstraint(fields=["contract", "local_id"], name="contracts_amendment_id_unique")]

    def __str__(self) -> str:
        return self.local_id


class PerformanceRating(models.Model):
    """The buyer's rating of the supplier at completion, kept on the supplier's record."""

    contract = models.OneToOneField(Contract, primary_key=True, on_delete=models.PROTECT, related_name="rating")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="performance_ratings")
    score = models.PositiveSmallIntegerField(_("rating"))  # 1 (poor) to 5 (excellent)
    comment = models.TextField(_("comment"))
    rated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField()

    class Meta:
        db_table = "contracts_performance_rating"
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="contracts_rating_1_5")
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 for {self.supplier_id}"
