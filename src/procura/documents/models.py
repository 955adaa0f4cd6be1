"""Document tables: one row per version of a document attached to an owner of a higher app."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation
from procura.documents.scanning import ScanStatus


class DocumentType(models.TextChoices):
    """OCDS documentType codelist (the values Procura uses)."""

    TENDER_NOTICE = "tenderNotice", _("Tender notice")
    BIDDING_DOCUMENTS = "biddingDocuments", _("Bidding documents")
    TECHNICAL_SPECIFICATIONS = "technicalSpecifications", _("Technical specifications")
    EVALUATION_CRITERIA = "evaluationCriteria", _("Evaluation criteria")
    ELIGIBILITY_CRITERIA = "eligibilityCriteria", _("Eligibility criteria")
    CLARIFICATIONS = "clarifications", _("Clarifications")
    CONTRACT_DRAFT = "contractDraft", _("Draft contract")
    BILL_OF_QUANTITY = "billOfQuantity", _("Bill of quantities")
    FEASIBILITY_STUDY = "feasibilityStudy", _("Feasibility study")
    NEEDS_ASSESSMENT = "needsAssessment", _("Needs assessment")
    MARKET_STUDIES = "marketStudies", _("Market studies")
    PROCUREMENT_PLAN = "procurementPlan", _("Procurement plan")
    AWARD_NOTICE = "awardNotice", _("Award notice")
    CONTRACT_SIGNED = "contractSigned", _("Signed contract")
    OTHER = "other", _("Other")


class Document(models.Model):
    """One version of a document. All versions share `document_id` (OCDS documents[].id); the
    owner (a tender, an amendment, a business case…) is known only by type and id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document_id = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(default=1)
    owner_type = models.CharField(max_length=64)
    owner_id = models.UUIDField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    document_type = models.CharField(_("type of document"), max_length=40, choices=DocumentType.choices)
    language = models.CharField(_("language"), max_length=8, blank=True)
    file_name = models.CharField(max_length=255)
    media_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255, blank=True)  # in default_storage; "" once deleted
    scan_status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.PENDING)
    scan_detail = models.CharField(max_length=500, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "documents_document"
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="documents_owner_idx")]
        constraints = [
            models.UniqueConstraint(fields=["document_id", "version"], name="documents_version_unique"),
            # At most one current version of a document, whatever the concurrency.
            models.UniqueConstraint(
                fields=["document_id"],
                condition=models.Q(superseded_at__isnull=True),
                name="documents_one_current_version",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="documents_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("documents:document-download", args=[self.pk, self.file_name])
