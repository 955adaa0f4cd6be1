"""Bid tables: a supplier's bid for one lot, its sealed versions, sealed files, receipts and the opening.

Nothing a bid says (prices, answers, file names, files) is stored in clear before the opening:
drafts and submitted versions are AES-GCM ciphertext under the tender's data key
(`TenderKey`, itself wrapped by the platform key). What is in clear is only what the issue allows
to be known: that a bid exists, whose it is, for which lot, and when it was submitted.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation, User
from procura.bids.domain import BidStatus, ReceiptKind
from procura.tenders.models import Lot, Tender


class TenderKey(models.Model):
    """A tender's data key, wrapped by the platform key (or a key-management service)."""

    tender = models.OneToOneField(Tender, primary_key=True, on_delete=models.PROTECT, related_name="sealing_key")
    key_manager = models.CharField(max_length=200)  # which KeyManager wrapped it, and its key id
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "bids_tender_key"

    def __str__(self) -> str:
        return f"data key of {self.tender_id}"


class Bid(models.Model):
    """One supplier's bid for one lot. Live (draft or submitted) at most once per supplier and lot."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="bids")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    status = models.CharField(max_length=16, choices=[(s.value, s.value) for s in BidStatus], default=BidStatus.DRAFT)
    # The working draft (sealed JSON); empty when there is none (after submission, until edited).
    draft_sealed = models.BinaryField(default=b"")
    draft_updated_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)  # of the version that counts
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "bids_bid"
        ordering = ["tender_id", "lot_id", "created_at", "id"]
        indexes = [models.Index(fields=["tender", "status"]), models.Index(fields=["supplier", "updated_at"])]
        constraints = [
            # One live bid per supplier per lot, whatever the concurrency.
            models.UniqueConstraint(
                fields=["lot", "supplier"],
                condition=models.Q(status__in=[BidStatus.DRAFT, BidStatus.SUBMITTED]),
                name="bids_one_live_bid_per_supplier_and_lot",
            ),
            models.CheckConstraint(
                condition=models.Q(status=BidStatus.WITHDRAWN, withdrawn_at__isnull=False)
                | (~models.Q(status=BidStatus.WITHDRAWN) & models.Q(withdrawn_at__isnull=True)),
                name="bids_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"bid {self.pk} ({self.status})"


class BidVersion(models.Model):
    """One submission of a bid, sealed and never changed. The latest counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    sealed = models.BinaryField()
    sealed_sha256 = models.CharField(max_length=64)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "bids_bid_version"
        ordering = ["bid_id", "number"]
        constraints = [models.UniqueConstraint(fields=["bid", "number"], name="bids_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.bid_id} v{self.number}"


class SealedFile(models.Model):
    """A file attached to a bid, encrypted under the tender's data key. Its name, type and size in
    clear are inside the sealed bid content, not here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="files")
    storage_name = models.CharField(max_length=255)
    sealed_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "bids_sealed_file"
        ordering = ["bid_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"sealed file {self.pk}"


class Receipt(models.Model):
    """A receipt signed by the platform (Ed25519) for a submission, replacement or withdrawal."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="receipts")
    version = models.ForeignKey(BidVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in ReceiptKind])
    issued_at = models.DateTimeField()
    document = models.TextField()  # the signed receipt, as the supplier downloads it (JSON)

    class Meta:
        db_table = "bids_receipt"
        ordering = ["bid_id", "issued_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} receipt {self.pk}"


class BidOpening(models.Model):
    """The public opening of a tender's bids: when it happened. After it, the bids are readable."""

    tender = models.OneToOneField(Tender, primary_key=True, on_delete=models.PROTECT, related_name="bid_opening")
    opened_at = models.DateTimeField()

    class Meta:
        db_table = "bids_opening"

    def __str__(self) -> str:
        return f"opening of {self.tender_id} at {self.opened_at}"


class OpenedBid(models.Model):
    """A bid as read at the opening: the content of the version that counted, in clear.

    For a two-envelope tender the opening reads only the technical part: `amount`, `currency`
    and the financial part of `content` stay empty (sealed in the version) until the financial
    opening sets them and `price_opened_at`. For other tenders `price_opened_at` is the opening.
    """

    bid = models.OneToOneField(Bid, primary_key=True, on_delete=models.PROTECT, related_name="opened")
    opening = models.ForeignKey(BidOpening, on_delete=models.PROTECT, related_name="bids")
    version = models.ForeignKey(BidVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("price"), max_digits=20, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    content = models.JSONField(default=dict)
    # When the price was read: None for a withdrawn bid and for a two-envelope bid whose price is sealed.
    price_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "bids_opened_bid"
        ordering = ["opening_id", "bid_id"]

    def __str__(self) -> str:
        return f"opened {self.bid_id}"
