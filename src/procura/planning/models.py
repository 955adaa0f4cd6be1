"""Planning tables: annual procurement plans, their lines, spend-control thresholds and business cases."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation, User

# Every ISO 4217 currency fits: up to 4 minor units (CLF, UYW), 3 for BHD, KWD and others, and
# 18 whole digits. Amounts are checked against their own currency's minor units by the services.
AMOUNT_DIGITS = 22
AMOUNT_DECIMALS = 4
MAX_WHOLE_DIGITS = AMOUNT_DIGITS - AMOUNT_DECIMALS


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class MainCategory(models.TextChoices):
    """OCDS procurementCategory codelist."""

    GOODS = "goods", _("Goods")
    WORKS = "works", _("Works")
    SERVICES = "services", _("Services")


class PlannedProcedure(models.TextChoices):
    """The procedures a line may intend: the same codes as the tenders app's procedures, which
    planning cannot import (it is the lower layer)."""

    OPEN = "open", _("Open procedure")
    RESTRICTED = "restricted", _("Restricted procedure")
    REQUEST_FOR_QUOTATION = "request_for_quotation", _("Request for quotation")
    NEGOTIATED = "negotiated", _("Negotiated procedure")
    DIRECT = "direct", _("Direct award")


class ApprovalDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ProcurementPlan(models.Model):
    """A buyer's annual procurement plan: what it intends to buy in a financial year."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="procurement_plans")
    year = models.PositiveSmallIntegerField(_("financial year"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "planning_plan"
        ordering = ["-year", "buyer_id"]
        constraints = [models.UniqueConstraint(fields=["buyer", "year"], name="planning_plan_one_per_buyer_year")]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class PlanLine(models.Model):
    """One intended purchase: an OCDS contracting process at the planning stage, with its ocid."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ProcurementPlan, on_delete=models.CASCADE, related_name="lines")
    ocid = models.CharField(max_length=64, unique=True)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    main_category = models.CharField(_("main category"), max_length=16, choices=MainCategory.choices)
    classification_scheme = models.CharField(max_length=16)
    classification_code = models.CharField(max_length=32)
    classification_description = models.CharField(max_length=400)
    estimated_amount = models.DecimalField(
        _("estimated value"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS
    )
    currency = models.CharField(_("currency"), max_length=3)
    budget_source = models.CharField(_("budget source"), max_length=300)
    budget_reference = models.CharField(_("budget line reference"), max_length=100, blank=True)
    planned_tender_date = models.DateField(_("planned tender date"))
    procedure = models.CharField(_("intended procedure"), max_length=32, choices=PlannedProcedure.choices)
    lots = models.JSONField(_("planned lots"), default=list, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "planning_line"
        ordering = ["plan_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(estimated_amount__gte=0), name="planning_line_value_not_negative")
        ]

    def __str__(self) -> str:
        return self.title


class SpendControlPolicy(models.Model):
    """Above this value a buyer's plan line needs an approver's decision on a business case."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    buyer = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="spend_control_policy")
    threshold_amount = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    currency = models.CharField(max_length=3)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "planning_spend_control_policy"
        constraints = [
            models.CheckConstraint(condition=models.Q(threshold_amount__gte=0), name="planning_threshold_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.threshold_amount} {self.currency}"


class BusinessCase(models.Model):
    """The case for spending money on a plan line, and the approver's decision on it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan_line = models.ForeignKey(PlanLine, on_delete=models.CASCADE, related_name="business_cases")
    need = models.TextField(_("need"))
    estimated_amount = models.DecimalField(
        _("estimated value"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS
    )
    currency = models.CharField(max_length=3)
    options_considered = models.TextField(_("options considered"))
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    decision = models.CharField(max_length=16, choices=ApprovalDecision.choices, default=ApprovalDecision.PENDING)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)

    class Meta:
        db_table = "planning_business_case"
        ordering = ["-submitted_at", "id"]
        constraints = [
            # One case at a time awaits a decision for a line.
            models.CheckConstraint(
                condition=models.Q(estimated_amount__gte=0), name="planning_case_value_not_negative"
            ),
            models.UniqueConstraint(
                fields=["plan_line"],
                condition=models.Q(decision="pending"),
                name="planning_one_pending_case_per_line",
            ),
        ]

    def __str__(self) -> str:
        return f"Business case for {self.plan_line_id}"
