"""Bids API (/api/v1/): what a third-party bidding platform needs to serve suppliers.

Start a bid for a lot, save its draft, attach files, submit, replace and withdraw it, and fetch
the signed receipts and the key that verifies them; read a tender's bid questions, its public
opening record and (where the procedure allows) how many bids it has.

Sealing is kept here as everywhere: a bid is readable only by its bidder's members until the
opening; after it, the buyer and the platform's overseers read the content as it was opened. No
output schema has a field for sealed bytes. Handlers parse, look up, call one service and shape
the answer; writes take an `Idempotency-Key` header (core.idempotency): a retried submission
returns the first receipt instead of sealing a second version.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import AfterValidator, StringConstraints

from procura.accounts import selectors as accounts_selectors
from procura.accounts.authentication import api_auth, optional_auth, request_user
from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind
from procura.bids import access, receipts, selectors, services
from procura.bids.domain import BidContent, BidStatus, ReceiptKind
from procura.bids.models import Bid, Receipt
from procura.core.errors import InvalidInput, NotFound, ProcuraError
from procura.core.pagination import paginate
from procura.core.schemas import DECIMAL_TEXT, MoneyOut, Text, no_nul
from procura.tenders.models import Tender
from procura.tenders.selectors import OCID_MAX_LENGTH, visible_tender

router = Router(tags=["bids"])


# --- Input types ------------------------------------------------------------------------------
QuestionKey = Annotated[str, StringConstraints(max_length=64), AfterValidator(no_nul)]


class BidStartIn(Schema):
    tender: Text = Field(max_length=OCID_MAX_LENGTH, description="The tender's ocid.")
    lot: Text = Field(max_length=32, description="The lot's id in the tender, such as LOT-1.")
    supplier: uuid.UUID = Field(description="The supplier the bid is for (you are its bid manager).")


class PriceIn(Schema):
    amount: Text = Field(max_length=40, description=DECIMAL_TEXT + " An empty string clears the price.")
    currency: Text = Field(max_length=3, description="ISO 4217 code; it must be the tender's currency.")


class DraftIn(Schema):
    """The working draft as it should be: price, answers and qualification documents replace
    what the draft held (files stay; they have their own endpoints). A draft may be incomplete."""

    price: PriceIn | None = Field(None, description="null or left out: no price yet.")
    answers: dict[QuestionKey, Text] = Field(
        default_factory=dict,
        max_length=100,
        description="Answers by question key (GET /tenders/{ocid}/bid-questions).",
    )
    qualifications: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=100,
        description="Ids of the supplier's qualification documents to include.",
    )


class BidQuery(Schema):
    supplier: uuid.UUID | None = Field(None, description="One of your suppliers; left out: all of them.")
    status: BidStatus | None = None
    cursor: Text | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


# --- Output schemas -----------------------------------------------------------------------------
class TenderRefOut(Schema):
    ocid: str
    title: str


class LotRefOut(Schema):
    id: str
    title: str


class SupplierOut(Schema):
    id: uuid.UUID
    name: str
    identifier: str


class QualificationOut(Schema):
    id: str
    kind: str
    title: str
    sha256: str
    expires_on: str | None


class BidFileOut(Schema):
    id: str
    title: str
    file_name: str
    media_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the file as uploaded (before sealing).")


class BidContentOut(Schema):
    price: MoneyOut | None
    answers: dict[str, str]
    qualifications: list[QualificationOut]
    files: list[BidFileOut]


class BidSummaryOut(Schema):
    id: uuid.UUID
    tender: TenderRefOut
    lot: LotRefOut
    supplier: SupplierOut
    status: str = Field(description="draft (never submitted), submitted or withdrawn")
    versions: int = Field(description="How many times the bid was submitted; the latest version counts.")
    submitted_at: dt.datetime | None = Field(description="When the version that counts was submitted.")
    withdrawn_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class BidOut(BidSummaryOut):
    unsubmitted_changes: bool | None = Field(
        description="The bidder has a working draft that is not submitted yet; null for everyone but the bidder."
    )
    content_source: Literal["draft", "submitted", "opened"] | None = Field(
        description="What `content` is: the bidder's working draft, the version that counts (the bidder's "
        "view), or the bid as read at the public opening (the buyer's and overseers' view)."
    )
    content: BidContentOut | None = Field(description="null for a withdrawn bid seen after the opening.")


class BidPage(Schema):
    results: list[BidSummaryOut]
    next_cursor: str | None


class ReceiptOut(Schema):
    receipt_id: uuid.UUID
    kind: str = Field(description="submission, replacement or withdrawal")
    time: dt.datetime
    receipt: dict[str, Any] = Field(
        description='The signed receipt document: {"receipt": {...}, "signature": {"algorithm", "key_id", '
        '"value"}}. The signature covers the canonical JSON (sorted keys, no spaces, UTF-8) of "receipt"; '
        "verify it with GET /receipts/public-key."
    )


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    pem: str


class QuestionOut(Schema):
    key: str = Field(description="The key to answer under in PUT /bids/{bid_id}/draft.")
    label: str
    required: bool


class OpeningLineOut(Schema):
    bid_id: str
    lot: LotRefOut
    supplier: SupplierOut
    status: Literal["submitted", "withdrawn"]
    price: MoneyOut | None = Field(description="null for a withdrawn bid.")
    submitted_at: dt.datetime | None


class OpeningOut(Schema):
    ocid: str
    opened_at: dt.datetime
    bids: list[OpeningLineOut] = Field(description="By lot, then price.")


class BidCountOut(Schema):
    count: int | None = Field(description="Bids received; null while the procedure keeps the number sealed.")
    sealed: bool = Field(description="The bids are still sealed: the public opening has not happened yet.")


# --- Shaping the output ---------------------------------------------------------------------------
def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def _supplier_out(organisation: Organisation) -> SupplierOut:
    return SupplierOut(id=organisation.pk, name=organisation.legal_name, identifier=organisation.identifier)


def _summary_fields(bid: Bid) -> dict[str, Any]:
    return {
        "id": bid.pk,
        "tender": TenderRefOut(ocid=bid.tender.ocid, title=bid.tender.title),
        "lot": LotRefOut(id=bid.lot.local_id, title=bid.lot.title),
        "supplier": _supplier_out(bid.supplier),
        "status": bid.status,
        "versions": bid.versions.count(),
        "submitted_at": _utc(bid.submitted_at),
        "withdrawn_at": _utc(bid.withdrawn_at),
        "created_at": _utc(bid.created_at),
        "updated_at": _utc(bid.updated_at),
    }


def _content_out(content: BidContent) -> BidContentOut:
    return BidContentOut(
        price=MoneyOut.optional(content.price_amount, content.currency),
        answers=dict(content.answers),
        qualifications=[_qualification_out(q) for q in content.qualifications],
        files=[_file_out(f) for f in content.files],
    )


def _qualification_out(entry: Mapping[str, Any]) -> QualificationOut:
    return QualificationOut(
        id=str(entry.get("id", "")),
        kind=str(entry.get("kind", "")),
        title=str(entry.get("title", "")),
        sha256=str(entry.get("sha256", "")),
        expires_on=entry.get("expires_on"),
    )


def _file_out(entry: Mapping[str, Any]) -> BidFileOut:
    return BidFileOut(
        id=str(entry.get("id", "")),
        title=str(entry.get("title", "")),
        file_name=str(entry.get("file_name", "")),
        media_type=str(entry.get("media_type", "")),
        size=int(entry.get("size", 0)),
        sha256=str(entry.get("sha256", "")),
    )


def _bid_out(user: Any, bid: Bid) -> BidOut:
    """The bid for someone who passed `access.check_can_view_bid`. Its bidder sees what it is
    working on; anyone else (only possible after the opening) sees the bid as it was opened."""
    fields = _summary_fields(bid)
    if access.is_supplier_member(user, bid.supplier):
        return BidOut(
            **fields,
            unsubmitted_changes=bool(bid.draft_sealed),
            content_source="draft" if bid.draft_sealed else "submitted",
            content=_content_out(services.working_content(bid)),
        )
    opened = getattr(bid, "opened", None)
    if opened is None:  # pragma: no cover - access.can_view_bid lets no one else in before the opening
        raise NotFound(_("There is no such bid."))
    content = None if opened.version_id is None else _content_out(BidContent.from_json(opened.content))
    return BidOut(**fields, unsubmitted_changes=None, content_source="opened", content=content)


def _receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(
        receipt_id=receipt.pk,
        kind=receipt.kind,
        time=receipt.issued_at.astimezone(dt.UTC),
        receipt=json.loads(receipt.document),
    )


# In a saved draft the service's "price" is the request body's price.amount.
_DRAFT_FIELDS = {"price": "price.amount"}


@contextmanager
def _body_field_names(renamed: Mapping[str, str] | None = None) -> Iterator[None]:
    """Name each field of a service error as the request body names it."""
    try:
        yield
    except ProcuraError as exc:
        fields: dict[str, list[str]] = {}
        for name, messages in exc.fields.items():
            fields.setdefault((renamed or {}).get(name, name), []).extend(messages)
        exc.fields = fields
        raise


# --- Look-ups -------------------------------------------------------------------------------------
def _bid(request: HttpRequest, bid_id: uuid.UUID) -> Bid:
    """The bid if the caller may see it; for everyone else it does not exist (a 404)."""
    bid = selectors.get_bid(bid_id)
    if bid is None:
        raise NotFound(_("There is no such bid."))
    access.check_can_view_bid(request.user, bid)
    return bid


def _fresh(bid_id: uuid.UUID) -> Bid:
    found = selectors.get_bid(bid_id)
    if found is None:  # pragma: no cover - the service just wrote it
        raise NotFound(_("There is no such bid."))
    return found


def _suppliers_of(request: HttpRequest) -> list[Organisation]:
    return [
        entry.organisation
        for entry in accounts_selectors.organisations_of(request_user(request))
        if entry.organisation.kind == OrganisationKind.SUPPLIER
    ]


# --- Bids -----------------------------------------------------------------------------------------
@router.get(
    "/bids",
    response=BidPage,
    auth=api_auth,
    summary="Your suppliers' bids",
    description="The bids of the suppliers you are a member of (or of one of them), most recently "
    "changed first. Content is left out; read a bid for it.",
)
def bid_list(request: HttpRequest, filters: Query[BidQuery]) -> BidPage:
    user = request_user(request)
    if filters.supplier is not None:
        supplier = accounts_selectors.organisation_get(filters.supplier)
        if supplier is None:
            raise InvalidInput.for_field("supplier", _("There is no organisation with this id."))
        access.check_can_view_supplier_bids(user, supplier)
        suppliers = [supplier]
    else:
        suppliers = _suppliers_of(request)
    queryset: QuerySet[Bid] = (
        reduce(or_, (selectors.supplier_bids(s) for s in suppliers)) if suppliers else Bid.objects.none()
    )
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status.value)
    page = paginate(queryset, order=("-updated_at", "-id"), cursor=filters.cursor or None, limit=filters.limit)
    return BidPage(results=[BidSummaryOut(**_summary_fields(b)) for b in page.items], next_cursor=page.next_cursor)


@router.post(
    "/bids",
    response={201: BidOut},
    auth=api_auth,
    summary="Start a bid for a lot",
    description="For the supplier's bid managers, while the tender takes bids. A supplier has one live "
    "bid per lot: starting a second is a 409 conflict.",
)
def bid_start(request: HttpRequest, payload: BidStartIn) -> Status[BidOut]:
    tender = _tender_for_field(request, payload.tender)
    lot = tender.lots.filter(local_id=payload.lot).first()
    if lot is None:
        raise InvalidInput.for_field("lot", _("This tender has no lot %(lot)s.") % {"lot": payload.lot})
    supplier = accounts_selectors.organisation_get(payload.supplier)
    if supplier is None:
        raise InvalidInput.for_field("supplier", _("There is no organisation with this id."))
    with _body_field_names():
        bid = services.bid_start(actor=request_user(request), tender=tender, lot=lot, supplier=supplier)
    return Status(201, _bid_out(request.user, _fresh(bid.pk)))


def _tender_for_field(request: HttpRequest, ocid: str) -> Tender:
    try:
        return visible_tender(request.user, ocid)
    except NotFound as exc:
        raise InvalidInput.for_field("tender", exc.message) from None


@router.get(
    "/bids/{bid_id}",
    response=BidOut,
    auth=api_auth,
    summary="A bid with its content",
    description="For the bidder's members: the working draft, or the version that counts. After the "
    "public opening also for the buyer's members and the platform's overseers: the bid as opened. "
    "For everyone else the bid does not exist (404).",
)
def bid_detail(request: HttpRequest, bid_id: uuid.UUID) -> BidOut:
    return _bid_out(request.user, _bid(request, bid_id))


@router.put(
    "/bids/{bid_id}/draft",
    response=BidOut,
    auth=api_auth,
    summary="Save the bid's working draft",
    description="Price, answers and qualification documents as they should be (files are kept). A draft "
    "may be incomplete; submission checks it is whole. Sealed as soon as it is saved.",
)
def bid_draft_save(request: HttpRequest, bid_id: uuid.UUID, payload: DraftIn) -> BidOut:
    bid = _bid(request, bid_id)
    access.check_can_bid(request.user, bid.supplier)
    price = ""
    if payload.price is not None:
        price = payload.price.amount
        currency = payload.price.currency.strip().upper()
        if price.strip() and currency != bid.tender.currency:
            raise InvalidInput.for_field(
                "price.currency",
                _("Give the price in the tender's currency, %(currency)s.") % {"currency": bid.tender.currency},
            )
    with _body_field_names(_DRAFT_FIELDS):
        services.bid_draft_save(
            actor=request_user(request),
            bid=bid,
            price=price,
            answers=payload.answers,
            qualification_ids=payload.qualifications,
        )
    return _bid_out(request.user, _fresh(bid.pk))


@router.delete(
    "/bids/{bid_id}/draft",
    response={204: None},
    auth=api_auth,
    summary="Discard the working draft",
    description="A bid never submitted is deleted, which frees the lot for a new bid; a submitted bid "
    "keeps the version that counts.",
)
def bid_draft_discard(request: HttpRequest, bid_id: uuid.UUID) -> Status[None]:
    bid = _bid(request, bid_id)
    with _body_field_names():
        services.bid_draft_discard(actor=request_user(request), bid=bid)
    return Status(204, None)


@router.post(
    "/bids/{bid_id}/files",
    response={201: BidFileOut},
    auth=api_auth,
    summary="Attach a file to the draft (multipart form: file, title)",
    description="The file is sealed before it is stored; submit the bid for the file to count.",
)
def bid_file_add(
    request: HttpRequest,
    bid_id: uuid.UUID,
    file: File[UploadedFile | None] = None,
    title: Form[str] = "",
) -> Status[BidFileOut]:
    bid = _bid(request, bid_id)
    if file is None:
        raise InvalidInput.for_field("file", _("Choose a file to upload."))
    with _body_field_names():
        sealed_file = services.bid_file_add(actor=request_user(request), bid=bid, file=file, title=_no_nul_form(title))
    content = services.working_content(_fresh(bid.pk))
    entry = next(f for f in content.files if f.get("id") == str(sealed_file.pk))
    return Status(201, _file_out(entry))


def _no_nul_form(title: str) -> str:
    if "\x00" in title:
        raise InvalidInput.for_field("title", _("Remove the NUL character (\\u0000) from the text."))
    return title


@router.delete(
    "/bids/{bid_id}/files/{file_id}",
    response={204: None},
    auth=api_auth,
    summary="Take a file out of the draft",
)
def bid_file_remove(request: HttpRequest, bid_id: uuid.UUID, file_id: uuid.UUID) -> Status[None]:
    bid = _bid(request, bid_id)
    with _body_field_names():
        services.bid_file_remove(actor=request_user(request), bid=bid, file_id=file_id)
    return Status(204, None)


@router.post(
    "/bids/{bid_id}/submit",
    response={201: ReceiptOut},
    auth=api_auth,
    summary="Submit the draft (or replace the submitted bid) and get a signed receipt",
    description="Accepted only while bids are open, up to the deadline as it stands at the moment of "
    "submission. Send an Idempotency-Key: a retry then returns the same receipt.",
)
def bid_submit(request: HttpRequest, bid_id: uuid.UUID) -> Status[ReceiptOut]:
    bid = _bid(request, bid_id)
    with _body_field_names():
        receipt = services.bid_submit(actor=request_user(request), bid=bid)
    return Status(201, _receipt_out(receipt))


@router.post(
    "/bids/{bid_id}/withdraw",
    response={201: ReceiptOut},
    auth=api_auth,
    summary="Withdraw the submitted bid and get a signed receipt",
    description="Before the deadline. At the opening the bid is listed as withdrawn, its content never read.",
)
def bid_withdraw(request: HttpRequest, bid_id: uuid.UUID) -> Status[ReceiptOut]:
    bid = _bid(request, bid_id)
    with _body_field_names():
        receipt = services.bid_withdraw(actor=request_user(request), bid=bid)
    return Status(201, _receipt_out(receipt))


# --- Receipts -------------------------------------------------------------------------------------
@router.get(
    "/bids/{bid_id}/receipts", response=list[ReceiptOut], auth=api_auth, summary="A bid's receipts, oldest first"
)
def bid_receipts(request: HttpRequest, bid_id: uuid.UUID) -> list[ReceiptOut]:
    return [_receipt_out(r) for r in sorted(selectors.receipts_of(_bid(request, bid_id)), key=_receipt_order)]


def _receipt_order(receipt: Receipt) -> tuple[dt.datetime, int, bool]:
    # In the order issued; receipts of the same instant by the version they certify, a
    # withdrawal after the submission it withdraws.
    number = receipt.version.number if receipt.version is not None else 0
    return (receipt.issued_at, number, receipt.kind == ReceiptKind.WITHDRAWAL)


@router.get(
    "/receipts/public-key",
    response=PublicKeyOut,
    auth=optional_auth,
    summary="The public key that verifies receipts",
    description="Ed25519, PEM-encoded. A receipt's signature.key_id names the key that signed it.",
)
def receipt_public_key(request: HttpRequest) -> PublicKeyOut:
    key = receipts.public_key()
    return PublicKeyOut(algorithm=receipts.ALGORITHM, key_id=receipts.key_id(key), pem=receipts.public_key_pem(key))


@router.get(
    "/receipts/{receipt_id}",
    response=dict[str, Any],
    auth=api_auth,
    summary="A signed receipt",
    description="The receipt document as signed. For whoever may read its bid.",
)
def receipt_detail(request: HttpRequest, receipt_id: uuid.UUID) -> dict[str, Any]:
    receipt = selectors.get_receipt(receipt_id)
    if receipt is None or not access.can_view_bid(request.user, receipt.bid):
        raise NotFound(_("There is no such receipt."))
    document: dict[str, Any] = json.loads(receipt.document)
    return document


# --- Tenders: questions, count, opening -----------------------------------------------------------
@router.get(
    "/tenders/{ocid}/bid-questions",
    response=list[QuestionOut],
    auth=optional_auth,
    summary="What a bid for this tender must answer",
    description="Besides the price per lot: the eligibility declaration (when the tender has eligibility "
    "criteria) and a response to each quality criterion.",
)
def bid_questions(request: HttpRequest, ocid: str) -> list[QuestionOut]:
    tender = visible_tender(request.user, ocid)
    return [
        QuestionOut(key=q.key, label=_(q.label) if q.key == "eligibility" else q.label, required=q.required)
        for q in services.questions_for(tender)
    ]


@router.get(
    "/tenders/{ocid}/bid-count",
    response=BidCountOut,
    auth=optional_auth,
    summary="How many bids the tender has",
    description="Before the opening only where the procedure allows it; after it, always.",
)
def bid_count(request: HttpRequest, ocid: str) -> BidCountOut:
    tender = visible_tender(request.user, ocid)
    return BidCountOut(count=selectors.public_bid_count(tender), sealed=not selectors.is_opened(tender))


@router.get(
    "/tenders/{ocid}/opening",
    response=OpeningOut,
    auth=optional_auth,
    summary="The public opening record",
    description="Bidders, price per lot, withdrawn bids and the time of opening. 404 until the bids are opened.",
)
def bid_opening(request: HttpRequest, ocid: str) -> OpeningOut:
    tender = visible_tender(request.user, ocid)
    opening, lines = selectors.opening_record(tender)
    if opening is None:
        moment = services.opening_time(tender)
        if moment is None:
            message = _("Tender %(ocid)s takes no bids on the platform, so it has no opening.") % {"ocid": tender.ocid}
        else:
            message = _("The bids for %(ocid)s have not been opened yet; they open at %(moment)s.") % {
                "ocid": tender.ocid,
                "moment": moment.astimezone(dt.UTC).isoformat(timespec="minutes"),
            }
        raise NotFound(message)
    return OpeningOut(
        ocid=tender.ocid,
        opened_at=opening.opened_at.astimezone(dt.UTC),
        bids=[
            OpeningLineOut(
                bid_id=line.bid_id,
                lot=LotRefOut(id=line.lot_id, title=line.lot_title),
                supplier=_supplier_out(line.supplier),
                status="withdrawn" if line.withdrawn else "submitted",
                price=None
                if line.withdrawn or line.amount is None
                else MoneyOut.optional(
                    line.amount if isinstance(line.amount, Decimal) else str(line.amount), line.currency
                ),
                submitted_at=_utc(line.submitted_at) if isinstance(line.submitted_at, dt.datetime) else None,
            )
            for line in lines
        ],
    )
