"""Read-only admin views of bids: metadata only, never what a bid says.

The admin shows what the issue allows anyone to know about a bid before the opening (that it
exists, whose it is, for which lot, when it was submitted, withdrawn or opened, its version
numbers and the SHA-256 of its sealed content, as its receipts certify). Every field is listed
explicitly: the sealed bytes, the wrapped data keys and the receipts' documents are never shown,
and the opened bids (prices, answers, files in clear) are not registered at all; the buyer reads
them on the opened-bids page after the opening.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from procura.bids.models import Bid, BidOpening, BidVersion, Receipt, TenderKey
from procura.core.admin import ReadOnlyAdmin


class TenderOfObject:
    """Columns naming a bid's tender and supplier by what people search for (ocid, legal name)."""

    @admin.display(description=_("tender"))
    def tender_ocid(self, obj: Bid | BidOpening | TenderKey) -> str:
        return obj.tender.ocid

    @admin.display(description=_("tender"))
    def bid_tender_ocid(self, obj: BidVersion | Receipt) -> str:
        return obj.bid.tender.ocid

    @admin.display(description=_("lot"))
    def lot_id(self, obj: Bid) -> str:
        return obj.lot.local_id

    @admin.display(description=_("supplier"))
    def supplier_name(self, obj: Bid) -> str:
        return obj.supplier.legal_name

    @admin.display(description=_("supplier"))
    def bid_supplier_name(self, obj: BidVersion | Receipt) -> str:
        return obj.bid.supplier.legal_name


@admin.register(Bid)
class BidAdmin(TenderOfObject, ReadOnlyAdmin):
    list_display = (
        "id",
        "tender_ocid",
        "lot_id",
        "supplier_name",
        "status",
        "submitted_at",
        "withdrawn_at",
        "updated_at",
    )
    list_filter = ("status",)
    search_fields = ("tender__ocid", "supplier__legal_name")
    fields = (
        "id",
        "tender_ocid",
        "lot_id",
        "supplier_name",
        "status",
        "created_at",
        "draft_updated_at",
        "submitted_at",
        "withdrawn_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bid]:
        return super().get_queryset(request).select_related("tender", "lot", "supplier").defer("draft_sealed")


@admin.register(BidVersion)
class BidVersionAdmin(TenderOfObject, ReadOnlyAdmin):
    list_display = ("bid", "bid_tender_ocid", "bid_supplier_name", "number", "submitted_at", "sealed_sha256")
    search_fields = ("bid__tender__ocid", "bid__supplier__legal_name", "sealed_sha256")
    fields = ("id", "bid", "bid_tender_ocid", "bid_supplier_name", "number", "submitted_at", "sealed_sha256")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[BidVersion]:
        return (
            super()
            .get_queryset(request)
            .select_related("bid", "bid__tender", "bid__supplier")
            .defer("sealed", "bid__draft_sealed")
        )


@admin.register(Receipt)
class ReceiptAdmin(TenderOfObject, ReadOnlyAdmin):
    list_display = ("id", "kind", "bid_tender_ocid", "bid_supplier_name", "version_number", "issued_at")
    list_filter = ("kind",)
    search_fields = ("bid__tender__ocid", "bid__supplier__legal_name")
    fields = ("id", "bid", "kind", "bid_tender_ocid", "bid_supplier_name", "version_number", "issued_at")
    readonly_fields = fields

    @admin.display(description=_("version"))
    def version_number(self, obj: Receipt) -> str:
        return str(obj.version.number) if obj.version is not None else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Receipt]:
        return (
            super()
            .get_queryset(request)
            .select_related("bid", "bid__tender", "bid__supplier", "version")
            .defer("document", "bid__draft_sealed", "version__sealed")
        )


@admin.register(BidOpening)
class BidOpeningAdmin(TenderOfObject, ReadOnlyAdmin):
    list_display = ("tender_ocid", "opened_at")
    search_fields = ("tender__ocid",)
    fields = ("tender_ocid", "opened_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[BidOpening]:
        return super().get_queryset(request).select_related("tender")


@admin.register(TenderKey)
class TenderKeyAdmin(TenderOfObject, ReadOnlyAdmin):
    list_display = ("tender_ocid", "key_manager", "created_at")
    search_fields = ("tender__ocid",)
    fields = ("tender_ocid", "key_manager", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[TenderKey]:
        return super().get_queryset(request).select_related("tender").defer("wrapped_key")
