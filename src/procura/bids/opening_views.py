"""The opened bids, for the buyer: every bid of a tender as it was opened, and its files.

These pages do not exist before the opening: everyone, the buyer and the platform's overseers
included, gets the site's 404 then, so not even their address says anything about the bids.
After it, the buyer's members and the platform's administrators and auditors read the bids
(`access.can_read_opened_bids`); anyone else signed in gets the 404 too, and visitors are asked
to sign in. What is shown is the content of the version that counted at the opening
(`OpenedBid.content`); files are decrypted for the download only.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from procura.accounts.access import is_signed_in
from procura.accounts.views.common import error_page
from procura.bids import access, sealing, selectors, services
from procura.bids.models import BidOpening, OpenedBid, SealedFile
from procura.documents.access import can_view_document
from procura.documents.models import Document
from procura.suppliers.models import QualificationDocument, QualificationKind
from procura.tenders import selectors as tender_selectors
from procura.tenders.models import Lot, Tender

logger = logging.getLogger("procura.bids")

# Who may read opened bids can change (a membership ends): caches keep them private and ask each time.
CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True)
class Answer:
    label: str
    text: str


@dataclass(frozen=True)
class Qualification:
    """A qualification document a bid relied on, as the bid recorded it; `url` only when the
    documents app lets this person open the very file the bid referred to."""

    title: str
    kind_label: str
    expires_on: dt.date | None
    sha256: str
    url: str


@dataclass(frozen=True)
class BidFile:
    id: str
    title: str
    file_name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ReadBid:
    """One opened bid as the buyer reads it."""

    opened: OpenedBid
    withdrawn: bool
    version_number: int | None
    price_sealed: bool = False  # two envelopes: opened after the technical evaluation
    answers: list[Answer] = field(default_factory=list)
    qualifications: list[Qualification] = field(default_factory=list)
    files: list[BidFile] = field(default_factory=list)


@dataclass(frozen=True)
class LotBids:
    lot: Lot
    bids: list[ReadBid]


# --- Finding what the URL names ---------------------------------------------------------------------
def _opened_tender_or_404(request: HttpRequest, ocid: str) -> tuple[Tender, BidOpening]:
    """The tender and its opening. Before the opening there is nothing here, for anyone."""
    tender = tender_selectors.tender_visible(request.user, ocid)
    if tender is None:
        raise Http404
    opening = selectors.opening_of(tender)
    if opening is None:
        raise Http404
    return tender, opening


def _refusal(request: HttpRequest, tender: Tender) -> HttpResponseBase | None:
    """None for those who may read the opened bids; the sign-in for visitors; the 404 for
    everyone else (a bidder reads its own bid on its own pages)."""
    if not is_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    if not access.can_read_opened_bids(request.user, tender):
        raise Http404
    return None


# --- What a bid says, for reading -------------------------------------------------------------------
def _answers(content: Mapping[str, Any], labels: Mapping[str, str]) -> list[Answer]:
    """The answers in the order the tender asks its questions; an answer to a question the
    tender no longer asks (an amendment removed it) is still shown, under its key."""
    given = {str(k): str(v) for k, v in dict(content.get("answers") or {}).items()}
    ordered = [Answer(label, given.pop(key)) for key, label in labels.items() if key in given]
    return ordered + [Answer(key, text) for key, text in sorted(given.items())]


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _qualification_documents(ids: set[str]) -> dict[str, Document]:
    found = QualificationDocument.objects.filter(pk__in=ids).select_related("document")
    return {str(qualification.pk): qualification.document for qualification in found}


def _qualifications(
    request: HttpRequest, content: Mapping[str, Any], documents: Mapping[str, Document]
) -> list[Qualification]:
    kinds = dict(QualificationKind.choices)
    shown = []
    for entry in content.get("qualifications") or ():
        sha256 = str(entry.get("sha256", ""))
        document = documents.get(str(entry.get("id", "")))
        # A link only to the exact file the bid referred to, and only if the documents app lets
        # this person open it (its owner's rule decides; buyers are not let in by default).
        linked = document is not None and document.sha256 == sha256 and can_view_document(request.user, document)
        shown.append(
            Qualification(
                title=str(entry.get("title", "")),
                kind_label=str(kinds.get(str(entry.get("kind", "")), entry.get("kind", ""))),
                expires_on=_date(entry.get("expires_on")),
                sha256=sha256,
                url=document.get_absolute_url() if linked and document is not None else "",
            )
        )
    return shown


def _files(content: Mapping[str, Any]) -> list[BidFile]:
    return [
        BidFile(
            id=str(entry.get("id", "")),
            title=str(entry.get("title", "")),
            file_name=str(entry.get("file_name", "")),
            media_type=str(entry.get("media_type", "")),
            size=int(entry.get("size") or 0),
            sha256=str(entry.get("sha256", "")),
        )
        for entry in content.get("files") or ()
    ]


def _read_bids(request: HttpRequest, tender: Tender, opening: BidOpening) -> list[LotBids]:
    opened = list(
        OpenedBid.objects.filter(opening=opening)
        .select_related("bid", "bid__lot", "bid__supplier", "version")
        .order_by("bid__lot__position", F("amount").asc(nulls_last=True), "bid__submitted_at", "bid_id")
    )
    # The eligibility question's label is the platform's own (translated); criteria are the buyer's words.
    labels = {
        question.key: _(question.label) if question.key == "eligibility" else question.label
        for question in services.questions_for(tender)
    }
    qualification_ids = {
        str(entry.get("id", "")) for item in opened for entry in (item.content or {}).get("qualifications") or ()
    }
    documents = _qualification_documents(qualification_ids)
    by_lot: dict[uuid.UUID, list[ReadBid]] = {}
    for item in opened:
        content = item.content or {}
        by_lot.setdefault(item.bid.lot_id, []).append(
            ReadBid(
                opened=item,
                withdrawn=item.version_id is None,
                version_number=item.version.number if item.version is not None else None,
                price_sealed=selectors.price_sealed(item),
                answers=_answers(content, labels),
                qualifications=_qualifications(request, content, documents),
                files=_files(content),
            )
        )
    return [LotBids(lot=lot, bids=by_lot.get(lot.pk, [])) for lot in tender.lots.order_by("position")]


# --- Pages --------------------------------------------------------------------------------------------
@require_http_methods(["GET", "HEAD"])
def opened_bids(request: HttpRequest, ocid: str) -> HttpResponseBase:
    """Every bid of the tender as opened, in full: price, answers, qualification documents, files."""
    tender, opening = _opened_tender_or_404(request, ocid)
    refusal = _refusal(request, tender)
    if refusal is not None:
        return refusal
    lots = _read_bids(request, tender, opening)
    context = {
        "tender": tender,
        "opening": opening,
        "lots": lots,
        "bid_count": sum(1 for entry in lots for bid in entry.bids if not bid.withdrawn),
        "withdrawn_count": sum(1 for entry in lots for bid in entry.bids if bid.withdrawn),
    }
    response = render(request, "bids/opening/opened_bids.html", context)
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _file_entry(files: Sequence[Mapping[str, Any]], file_id: uuid.UUID) -> Mapping[str, Any] | None:
    return next((entry for entry in files if str(entry.get("id", "")) == str(file_id)), None)


@require_http_methods(["GET", "HEAD"])
def opened_bid_file(request: HttpRequest, ocid: str, bid_id: uuid.UUID, file_id: uuid.UUID) -> HttpResponseBase:
    """A file of an opened bid, decrypted, as an attachment with the name the bidder gave it.
    Only files of the version that counted: a file removed from the bid before it was
    submitted, or one of an earlier version, is not part of the bid and is not found."""
    tender, opening = _opened_tender_or_404(request, ocid)
    refusal = _refusal(request, tender)
    if refusal is not None:
        return refusal
    opened = OpenedBid.objects.filter(opening=opening, bid_id=bid_id, version__isnull=False).first()
    entry = _file_entry((opened.content or {}).get("files") or (), file_id) if opened is not None else None
    sealed_file = (
        SealedFile.objects.select_related("bid", "bid__tender").filter(pk=file_id, bid_id=bid_id).first()
        if entry is not None
        else None
    )
    if entry is None or sealed_file is None:
        raise Http404
    try:
        data = services.sealed_file_open(sealed_file=sealed_file)
    except (sealing.SealBroken, OSError):
        logger.error("sealed file %s of bid %s could not be opened", file_id, bid_id, exc_info=True)
        return error_page(request, 500, _("This file could not be read. The platform's operators have been told."))
    if sealing.sha256_hex(data) != entry.get("sha256"):
        logger.error("sealed file %s of bid %s does not match its SHA-256", file_id, bid_id)
        return error_page(request, 500, _("This file could not be read. The platform's operators have been told."))
    file_name = str(entry.get("file_name") or "file")
    response = HttpResponse(data, content_type=str(entry.get("media_type") or "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    return response
