"""Evaluation tables: the panel and its declarations, scores, qualification of each bid,
clarification requests to bidders, awards with their standstill, decision notices and complaints.

One `Evaluation` per tender, created when its bids are opened (or on first use). Its method
follows the tender's award criteria (`domain.method_for`). Nobody on the buyer's side reads a
bid before declaring, on the panel, that they have no conflict of interest with the bidders
named (`access`).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation, User
from procura.bids.models import Bid
from procura.tenders.models import Criterion, Lot, Tender


class PanelRole(models.TextChoices):
    EVALUATOR = "evaluator", _("Evaluator")
    OBSERVER = "observer", _("Independent observer")


class ScoreModeChoice(models.TextChoices):
    AVERAGE = "average", _("Average of the evaluators' marks")
    CONSENSUS = "consensus", _("Consensus mark agreed by the panel")


class AssessmentStatus(models.TextChoices):
    PENDING = "pending", _("Under evaluation")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")


class AwardStatus(models.TextChoices):
    # OCDS award.status: pending while the standstill (and any complaint) runs, then active.
    PENDING = "pending", _("Standstill")
    ACTIVE = "active", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("No award (unsuccessful)")


class ComplaintStatus(models.TextChoices):
    PENDING = "pending", _("Under review")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Evaluation(models.Model):
    tender = models.OneToOneField(Tender, primary_key=True, on_delete=models.PROTECT, related_name="evaluation")
    score_mode = models.CharField(
        _("how marks are combined"), max_length=16, choices=ScoreModeChoice.choices, default=ScoreModeChoice.AVERAGE
    )
    # Price below this share of the median (or of the estimate) is flagged abnormally low.
    abnormally_low_share = models.DecimalField(max_digits=4, decimal_places=3)
    # Two envelopes: technical first; financial offers opened only for qualified bids.
    financial_opened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "evaluation_evaluation"

    def __str__(self) -> str:
        return f"evaluation of {self.tender_id}"


class PanelMember(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="panel_seats")
    role = models.CharField(max_length=16, choices=PanelRole.choices)
    # An observer's affiliation (for example a civil-society organisation), shown publicly.
    affiliation = models.CharField(_("affiliation"), max_length=300, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "evaluation_panel_member"
        ordering = ["evaluation_id", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "user"],
                condition=models.Q(removed_at__isnull=True),
                name="evaluation_one_seat_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role})"


class Declaration(models.Model):
    """A signed conflict-of-interest declaration naming the bidders. Never changed."""

    member = models.OneToOneField(PanelMember, primary_key=True, on_delete=models.PROTECT, related_name="declaration")
    bidders = models.JSONField()  # [{"id", "name", "identifier"}] as named at signing
    has_conflict = models.BooleanField()
    statement = models.TextField(blank=True)  # the conflict, when there is one
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()

    class Meta:
        db_table = "evaluation_declaration"

    def __str__(self) -> str:
        return f"declaration of {self.member_id}"


class Assessment(models.Model):
    """The qualification of one bid: eligibility, exclusion, technical pass, abnormally low price."""

    bid = models.OneToOneField(Bid, primary_key=True, on_delete=models.PROTECT, related_name="assessment")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="assessments")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.PENDING)
    eligibility_met = models.BooleanField(null=True)
    exclusion_clear = models.BooleanField(null=True)  # no ground for exclusion found
    check_notes = models.TextField(blank=True)
    disqualification_reason = models.TextField(blank=True)
    abnormally_low = models.BooleanField(default=False)
    low_price_justification = models.TextField(blank=True)  # recorded to accept a flagged price
    low_price_accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "evaluation_assessment"
        ordering = ["evaluation_id", "lot_id", "bid_id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=AssessmentStatus.DISQUALIFIED) | ~models.Q(disqualification_reason=""),
                name="evaluation_disqualified_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"assessment of {self.bid_id} ({self.status})"


class Score(models.Model):
    """A mark (0–10) for one quality criterion of one bid, with its justification: an
    evaluator's own (`member` set) or the panel's consensus (`member` empty)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    member = models.ForeignKey(PanelMember, null=True, blank=True, on_delete=models.PROTECT, related_name="scores")
    mark = models.DecimalField(max_digits=4, decimal_places=1)
    justification = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "evaluation_score"
        ordering = ["bid_id", "criterion_id", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion", "member"],
                condition=models.Q(member__isnull=False),
                name="evaluation_one_mark_per_member",
            ),
            models.UniqueConstraint(
                fields=["bid", "criterion"], condition=models.Q(member__isnull=True), name="evaluation_one_consensus"
            ),
            models.CheckConstraint(condition=models.Q(mark__gte=0, mark__lte=10), name="evaluation_mark_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.mark} for {self.criterion_id}"


class ClarificationRequest(models.Model):
    """A question from the buyer to one bidder about its bid, with a deadline for the answer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="clarification_requests")
    question = models.TextField(_("question"))
    respond_by = models.DateTimeField(_("answer by"))
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    response = models.TextField(_("answer"), blank=True)
    responded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "evaluation_clarification_request"
        ordering = ["bid_id", "asked_at", "id"]

    def __str__(self) -> str:
        return f"clarification {self.pk}"


class Award(models.Model):
    """The award decision for one lot (OCDS `awards[]`). At most one award per lot is not
    cancelled; a cancelled award (complaint upheld) stays, and the lot is evaluated again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="awards")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="awards")
    local_id = models.CharField(max_length=32)  # OCDS awards[].id, e.g. "award-1"
    status = models.CharField(max_length=16, choices=AwardStatus.choices)
    bid = models.ForeignKey(Bid, null=True, blank=True, on_delete=models.PROTECT, related_name="awards")
    supplier = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="awards")
    value_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    reasons = models.TextField(_("reasons for the decision"))  # public
    ranking = models.JSONField(default=list)  # the ranking as decided: [{"bid", "supplier", "rank", ...}]
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    standstill_ends_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)

    class Meta:
        db_table = "evaluation_award"
        ordering = ["tender_id", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot"], condition=~models.Q(status="cancelled"), name="evaluation_one_standing_award_per_lot"
            ),
            models.UniqueConstraint(fields=["tender", "local_id"], name="evaluation_award_local_id_unique"),
            models.CheckConstraint(
                condition=models.Q(status="unsuccessful") | models.Q(bid__isnull=False, supplier__isnull=False),
                name="evaluation_award_names_winner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_id} ({self.status})"


class DecisionNotice(models.Model):
    """The award decision as sent to one bidder: its own result and the winner's, with reasons."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="notices")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="decision_notices")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="decision_notices")
    content = models.JSONField()  # scores, rank, reasons, standstill end, how to complain
    sent_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "evaluation_decision_notice"
        ordering = ["award_id", "supplier_id"]
        constraints = [models.UniqueConstraint(fields=["award", "bid"], name="evaluation_one_notice_per_bid")]

    def __str__(self) -> str:
        return f"notice to {self.supplier_id}"


class Complaint(models.Model):
    """A bidder's complaint against an award, filed during the standstill. While pending it
    suspends signature for the lot; the review body upholds (evaluation reopens) or dismisses."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="complaints")
    complainant = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="complaints")
    local_id = models.CharField(max_length=32)
    grounds = models.TextField(_("grounds"))  # public once filed
    confidential_grounds = models.TextField(_("confidential part of the grounds"), blank=True)  # withheld
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.PENDING)
    decision = models.TextField(_("decision and reasons"), blank=True)  # public
    confidential_decision = models.TextField(_("confidential part of the decision"), blank=True)  # withheld
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "evaluation_complaint"
        ordering = ["filed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["award", "local_id"], name="evaluation_complaint_local_id_unique"),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(status="withdrawn") | ~models.Q(decision=""),
                name="evaluation_decided_complaint_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"complaint {self.local_id} ({self.status})"
