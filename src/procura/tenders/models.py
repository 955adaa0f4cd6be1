"""Tender tables: notices with lots, items, award criteria, clarifications, amendments and status history.

Names follow OCDS (docs/glossary.md): a Tender is `tender`, a Lot `tender.lots[]`, an Item
`tender.items[]`, a Clarification an enquiry, an Amendment `tender.amendments[]`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation, User
from procura.planning.models import PlanLine
from procura.tenders.domain import (
    AwardCriteria,
    CriterionKind,
    LifecycleFacts,
    MainCategory,
    Period,
    Procedure,
    Schedule,
    TenderStatus,
)


def _choices(enum: type[StrEnum], labels: Mapping[Any, Any]) -> list[tuple[str, Any]]:
    return [(member.value, labels[member]) for member in enum]


PROCEDURE_LABELS = {
    Procedure.OPEN: _("Open procedure"),
    Procedure.RESTRICTED: _("Restricted procedure"),
    Procedure.REQUEST_FOR_QUOTATION: _("Request for quotation"),
    Procedure.NEGOTIATED: _("Negotiated procedure"),
    Procedure.DIRECT: _("Direct award"),
}
CATEGORY_LABELS = {
    MainCategory.GOODS: _("Goods"),
    MainCategory.WORKS: _("Works"),
    MainCategory.SERVICES: _("Services"),
}
AWARD_CRITERIA_LABELS = {
    AwardCriteria.PRICE_ONLY: _("Lowest price"),
    AwardCriteria.COST_ONLY: _("Lowest cost"),
    AwardCriteria.RATED: _("Price and quality"),
}
CRITERION_KIND_LABELS = {
    CriterionKind.PRICE: _("Price"),
    CriterionKind.COST: _("Cost"),
    CriterionKind.QUALITY: _("Quality"),
}
STATUS_LABELS = {
    TenderStatus.DRAFT: _("Draft"),
    TenderStatus.PLANNED: _("Announced"),
    TenderStatus.QUALIFICATION: _("Open for requests to participate"),
    TenderStatus.ENQUIRIES: _("Open for questions"),
    TenderStatus.TENDERING: _("Open for bids"),
    TenderStatus.EVALUATION: _("Evaluation"),
    TenderStatus.COMPLETE: _("Complete"),
    TenderStatus.CANCELLED: _("Cancelled"),
    TenderStatus.UNSUCCESSFUL: _("Unsuccessful"),
}


class Tender(models.Model):
    """A tender notice: one contracting process (ocid) from draft to its end."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ocid = models.CharField(max_length=64, unique=True)
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tenders")
    procuring_entity = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="procured_tenders"
    )
    plan_line = models.ForeignKey(PlanLine, null=True, blank=True, on_delete=models.PROTECT, related_name="tenders")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    main_category = models.CharField(_("main category"), max_length=16, choices=_choices(MainCategory, CATEGORY_LABELS))
    procedure = models.CharField(_("procedure"), max_length=32, choices=_choices(Procedure, PROCEDURE_LABELS))
    procedure_justification = models.TextField(_("justification for the procedure"), blank=True)
    # The rulebook the tender was created or published under, frozen at publication.
    rules_version = models.CharField(max_length=64)
    rules = models.JSONField()
    currency = models.CharField(_("currency"), max_length=3)
    value_amount = models.DecimalField(_("estimated value"), max_digits=20, decimal_places=2, null=True, blank=True)
    award_criteria = models.CharField(
        _("award criteria"), max_length=16, choices=_choices(AwardCriteria, AWARD_CRITERIA_LABELS)
    )
    eligibility_criteria = models.TextField(_("eligibility criteria"), blank=True)
    selection_criteria = models.TextField(_("selection criteria"), blank=True)
    sme_suitable = models.BooleanField(_("suitable for small businesses"), default=False)
    # Two envelopes (price and quality only): the financial offers stay sealed at the opening and
    # are opened only for the bids the panel finds technically qualified.
    two_envelopes = models.BooleanField(_("two envelopes"), default=False)
    qualification_start = models.DateTimeField(null=True, blank=True)
    qualification_end = models.DateTimeField(null=True, blank=True)
    enquiry_start = models.DateTimeField(null=True, blank=True)
    enquiry_end = models.DateTimeField(null=True, blank=True)
    tender_start = models.DateTimeField(null=True, blank=True)
    tender_end = models.DateTimeField(null=True, blank=True)
    bid_opening_at = models.DateTimeField(null=True, blank=True)
    bid_opening_place = models.CharField(_("bid opening place"), max_length=300, blank=True)
    award_start = models.DateTimeField(null=True, blank=True)
    award_end = models.DateTimeField(null=True, blank=True)
    contract_start = models.DateTimeField(null=True, blank=True)
    contract_end = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)
    unsuccessful_at = models.DateTimeField(null=True, blank=True)
    unsuccessful_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Made durable by the sweep; the true status is always `status_at(now)`.
    recorded_status = models.CharField(max_length=16, default=TenderStatus.DRAFT)
    next_deadline_at = models.DateTimeField(null=True, blank=True, db_index=True)
    search_text = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "tenders_tender"
        ordering = ["-published_at", "-created_at", "id"]
        indexes = [
            models.Index(fields=["buyer", "published_at"]),
            models.Index(fields=["published_at", "id"]),
            models.Index(fields=["tender_end"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_amount__isnull=True) | models.Q(value_amount__gte=0),
                name="tenders_value_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(cancelled_at__isnull=True) | models.Q(published_at__isnull=False),
                name="tenders_only_published_can_be_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ocid} {self.title}"

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            qualification=Period(self.qualification_start, self.qualification_end),
            enquiry=Period(self.enquiry_start, self.enquiry_end),
            tender=Period(self.tender_start, self.tender_end),
            award=Period(self.award_start, self.award_end),
            contract=Period(self.contract_start, self.contract_end),
            bid_opening_at=self.bid_opening_at,
        )

    @property
    def lifecycle(self) -> LifecycleFacts:
        return LifecycleFacts(
            published_at=self.published_at,
            schedule=self.schedule,
            cancelled_at=self.cancelled_at,
            unsuccessful_at=self.unsuccessful_at,
            completed_at=self.completed_at,
        )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Lot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    local_id = models.CharField(max_length=32)  # OCDS lots[].id, stable once published
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    value_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)

    class Meta:
        db_table = "tenders_lot"
        ordering = ["tender_id", "position"]
        constraints = [models.UniqueConstraint(fields=["tender", "local_id"], name="tenders_lot_local_id_unique")]

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="items")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="items")
    local_id = models.CharField(max_length=32)
    position = models.PositiveIntegerField()
    description = models.TextField(_("description"))
    classification_scheme = models.CharField(max_length=16)
    classification_code = models.CharField(max_length=32)
    classification_description = models.CharField(max_length=400)
    quantity = models.DecimalField(max_digits=20, decimal_places=4)
    unit_code = models.CharField(max_length=8)
    unit_name = models.CharField(max_length=100)

    class Meta:
        db_table = "tenders_item"
        ordering = ["tender_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "local_id"], name="tenders_item_local_id_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="tenders_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.description


class Criterion(models.Model):
    """One named, weighted award criterion (price and quality evaluation)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=_choices(CriterionKind, CRITERION_KIND_LABELS))
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        db_table = "tenders_criterion"
        ordering = ["tender_id", "position"]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class Clarification(models.Model):
    """A supplier's question and the buyer's public answer. The asker is never published."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="clarifications")
    local_id = models.CharField(max_length=32)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField()
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    asker_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "tenders_clarification"
        ordering = ["tender_id", "asked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "local_id"], name="tenders_clarification_local_id_unique")
        ]

    def __str__(self) -> str:
        return self.local_id


class Amendment(models.Model):
    """A change after publication, with its rationale; the public history of a tender."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="amendments")
    local_id = models.CharField(max_length=32)
    rationale = models.TextField(_("rationale"))
    made_at = models.DateTimeField()
    made_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField(default=list)  # [{"field", "before", "after"}]
    material = models.BooleanField(default=False)
    deadline_before = models.DateTimeField(null=True, blank=True)
    deadline_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "tenders_amendment"
        ordering = ["tender_id", "made_at", "id"]
        constraints = [models.UniqueConstraint(fields=["tender", "local_id"], name="tenders_amendment_local_id_unique")]

    def __str__(self) -> str:
        return self.local_id

    @property
    def deadline_extended(self) -> bool:
        return bool(self.deadline_before and self.deadline_after and self.deadline_after > self.deadline_before)


class StatusChange(models.Model):
    """A status transition made durable: when it took effect and when it was recorded."""

    id = models.BigAutoField(primary_key=True)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16)
    effective_at = models.DateTimeField()
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "tenders_status_change"
        ordering = ["tender_id", "effective_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "status", "effective_at"], name="tenders_status_change_once")
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} {self.status} at {self.effective_at}"
