"""Supplier register tables: beneficial owners, qualification documents, the expiry warnings sent,
and the platform-wide debarment list."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind
from procura.documents.models import Document
from procura.suppliers.domain import ExpiryThreshold


class BeneficialOwner(models.Model):
    """A natural person who ultimately owns or controls a supplier.

    Name, nationality and share are the register; date of birth and address are personal data,
    kept for checks and never published. `publishable` says the law allows publishing the owner
    (as the OCDS beneficialOwners extension)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="beneficial_owners")
    name = models.CharField(_("full name"), max_length=200)
    nationality = models.CharField(_("nationality"), max_length=2)  # ISO 3166-1 alpha-2
    share = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.TextField(_("address"), blank=True)
    publishable = models.BooleanField(_("may be published"), default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "suppliers_beneficial_owner"
        ordering = ["organisation_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share__gt=0) & models.Q(share__lte=100), name="suppliers_owner_share_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QualificationKind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    TAX_CLEARANCE = "tax_clearance", _("Tax clearance")
    SOCIAL_SECURITY = "social_security", _("Social security clearance")
    REGISTRATION_EXTRACT = "registration_extract", _("Extract from a company register")
    FINANCIAL_STATEMENT = "financial_statement", _("Financial statement")
    INSURANCE = "insurance", _("Insurance")
    OTHER = "other", _("Other")


class QualificationDocument(models.Model):
    """A document proving a supplier qualifies (a certificate, a tax clearance...), stored once and
    reused in every bid. Removing it keeps the row (`removed_at`): bids may refer to it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="qualification_documents")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of document"), max_length=32, choices=QualificationKind.choices)
    title = models.CharField(_("title"), max_length=250)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "suppliers_qualification_document"
        ordering = ["organisation_id", "kind", "created_at", "id"]
        indexes = [models.Index(fields=["expires_on"], name="suppliers_qual_expires_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(issued_on__isnull=True)
                | models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("issued_on")),
                name="suppliers_qual_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ExpiryWarning(models.Model):
    """A warning sent to a supplier's bid managers that a qualification document expires soon (or
    has expired). One per document and threshold, enforced by the database, so none repeats."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    qualification = models.ForeignKey(QualificationDocument, on_delete=models.CASCADE, related_name="expiry_warnings")
    threshold = models.CharField(max_length=16, choices=[(t.value, t.value) for t in ExpiryThreshold])
    expires_on = models.DateField()  # the date warned about
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField()

    class Meta:
        db_table = "suppliers_expiry_warning"
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "threshold"], name="suppliers_one_warning_per_threshold")
        ]

    def __str__(self) -> str:
        return f"{self.threshold} warning for {self.qualification_id}"


class Debarment(models.Model):
    """A decision that a supplier may neither bid nor be awarded a contract, for a period or
    indefinitely. Public: the supplier, the reason, the authority that decided and the period.

    A debarment applies from `starts_on` until `ends_on` (excluded; None: indefinitely) unless it
    is lifted earlier. Lifting is recorded (when, by whom, why), never deleted: the list keeps
    every debarment there ever was."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    supplier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="debarments",
        limit_choices_to={"kind": OrganisationKind.SUPPLIER},
    )
    reason = models.TextField(_("reason"))  # public
    authority = models.CharField(_("deciding authority"), max_length=300)  # public
    reference = models.CharField(_("decision reference"), max_length=100, blank=True)  # public
    starts_on = models.DateTimeField(_("debarred from"))
    ends_on = models.DateTimeField(_("debarred until"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lift_reason = models.TextField(_("reason for lifting"), blank=True)  # public

    class Meta:
        db_table = "suppliers_debarment"
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["supplier", "starts_on"], name="suppliers_debarment_period_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gt=models.F("starts_on")),
                name="suppliers_debarment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(lifted_at__isnull=True, lifted_by__isnull=True, lift_reason="")
                    | (models.Q(lifted_at__isnull=False, lifted_by__isnull=False) & ~models.Q(lift_reason=""))
                ),
                name="suppliers_debarment_lifted_with_who_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} debarred from {self.starts_on:%Y-%m-%d}"
