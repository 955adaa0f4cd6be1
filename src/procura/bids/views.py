"""The supplier's bid pages: starting a bid, the draft, files, submission, replacement,
withdrawal, receipts, the receipt-signing public key and the supplier's workspace.

A bid is found only by those who may see it (`access.check_can_view_bid`): everyone else gets
the 404 page, so a sealed bid's address does not even confirm that it exists. What a bid says
is decrypted for its supplier's members only; after the opening the buyer and the platform's
overseers read the version that was opened, never a draft. Every change goes through
`services`, whose refusals come back by the inputs they name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.hazmat.primitives import serialization
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts import selectors as accounts_selectors
from procura.accounts.middleware import ACTIVE_ORGANISATION_KEY
from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind
from procura.accounts.views.common import current_user, run_action
from procura.bids import access, receipts, selectors, services
from procura.bids.domain import BidContent, BidStatus, ReceiptKind, normalise_price, price_problems
from procura.bids.forms import BidDraftForm, BidFileForm, BidStartForm, draft_initial
from procura.bids.models import Bid, Receipt, SealedFile
from procura.core import clock
from procura.core.errors import NotAuthenticated, NotFound, ProcuraError
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import ProcuraForm, http_error
from procura.suppliers import selectors as suppliers_selectors
from procura.suppliers.models import QualificationDocument
from procura.tenders import access as tenders_access
from procura.tenders.domain import Participation, TenderStatus, tender_status
from procura.tenders.models import Lot, Tender
from procura.tenders.rules import rules_of

T = TypeVar("T")
REFUSALS = (ServicePermissionDenied, NotAuthenticated, NotFound)

STATUS_LABELS = {
    BidStatus.DRAFT: gettext_lazy("Draft, not submitted"),
    BidStatus.SUBMITTED: gettext_lazy("Submitted"),
    BidStatus.WITHDRAWN: gettext_lazy("Withdrawn"),
}
STATUS_TAGS = {BidStatus.DRAFT: "tag-warning", BidStatus.SUBMITTED: "tag-good", BidStatus.WITHDRAWN: ""}
RECEIPT_KIND_LABELS = {
    ReceiptKind.SUBMISSION: gettext_lazy("Submission"),
    ReceiptKind.REPLACEMENT: gettext_lazy("Replacement"),
    ReceiptKind.WITHDRAWAL: gettext_lazy("Withdrawal"),
}


# --- Shared -------------------------------------------------------------------------------------
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(BidStatus(status), status))


def status_tag(status: str) -> str:
    return STATUS_TAGS.get(BidStatus(status), "")


def utc_exact(moment: dt.datetime | None) -> str:
    """A moment as receipts state it: UTC, to the microsecond (2026-03-02T09:00:00.000000Z)."""
    if moment is None:
        return ""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def bidding_open(tender: Tender, now: dt.datetime) -> bool:
    """Whether bids can be prepared now: what the pages offer. The services decide for certain
    (and say why not) when someone acts."""
    if not tender.is_published or tender.tender_end is None or now > tender.tender_end:
        return False
    if tender_status(tender.lifecycle, now).is_final:
        return False
    return rules_of(tender.rules).participation == Participation.ANY


def accepting_submissions(tender: Tender, now: dt.datetime) -> bool:
    return bidding_open(tender, now) and tender_status(tender.lifecycle, now) == TenderStatus.TENDERING


def _bid_or_404(user: User, bid_id: uuid.UUID) -> Bid:
    """The bid, if this person may see it; the 404 page otherwise."""
    bid = selectors.get_bid(bid_id)
    if bid is None:
        raise Http404
    try:
        access.check_can_view_bid(user, bid)
    except REFUSALS as exc:
        raise http_error(exc) from exc
    return bid


def _require_bidder(user: User, bid: Bid) -> None:
    """Acting on a bid: its supplier's bid managers (the others who see it get the 403 page)."""
    try:
        access.check_can_bid(user, bid.supplier)
    except REFUSALS as exc:
        raise http_error(exc) from exc


def _run(service: Callable[..., T], /, **kwargs: Any) -> T:
    """A service whose refusal of who acts becomes the 403 or 404 page; other refusals raise."""
    try:
        return service(**kwargs)
    except REFUSALS as exc:
        raise http_error(exc) from exc


def _shown_content(user: User, bid: Bid) -> BidContent | None:
    """What the page shows of the bid: its members see their working draft (or the version that
    counts); the buyer and overseers, after the opening, the version that was opened; nothing is
    shown of a withdrawn bid to them."""
    if access.is_supplier_member(user, bid.supplier):
        return services.working_content(bid)
    opened = getattr(bid, "opened", None)
    if opened is None or opened.version_id is None:
        return None
    return BidContent.from_json(opened.content)


def _qualification_choices(bid: Bid, content: BidContent | None) -> list[QualificationDocument]:
    """The supplier's current qualification documents, and any the draft already includes that
    have since expired (still on the supplier's register), so saving does not drop them silently."""
    current = suppliers_selectors.current_qualifications(bid.supplier)
    chosen = {str(q.get("id")) for q in (content.qualifications if content else ())}
    known = {str(q.pk) for q in current}
    kept = [q for q in suppliers_selectors.qualifications_of(bid.supplier) if str(q.pk) in chosen - known]
    return [*current, *kept]


def _draft_form(bid: Bid, content: BidContent | None, data: Any = None) -> BidDraftForm:
    return BidDraftForm(
        data,
        initial=draft_initial(content) if content is not None and data is None else None,
        currency=bid.tender.currency,
        questions=services.questions_for(bid.tender),
        qualifications=_qualification_choices(bid, content),
        today=suppliers_selectors.today(),
    )


@dataclass(frozen=True)
class VersionRow:
    number: int
    submitted_at: str
    sealed_sha256: str


@dataclass(frozen=True)
class ReceiptRow:
    receipt: Receipt
    kind_label: str
    issued_at: str
    sealed_sha256: str
    version: int | None


def receipt_facts(receipt: Receipt) -> dict[str, Any]:
    """The signed payload of a receipt, as the supplier downloads it."""
    try:
        payload = json.loads(receipt.document).get("receipt", {})
    except ValueError:  # pragma: no cover - the platform wrote it
        return {}
    return payload if isinstance(payload, dict) else {}


def _receipt_rows(bid: Bid) -> list[ReceiptRow]:
    rows = []
    for receipt in selectors.receipts_of(bid):
        facts = receipt_facts(receipt)
        rows.append(
            ReceiptRow(
                receipt=receipt,
                kind_label=str(RECEIPT_KIND_LABELS.get(ReceiptKind(receipt.kind), receipt.kind)),
                issued_at=str(facts.get("time") or utc_exact(receipt.issued_at)),
                sealed_sha256=str(facts.get("sealed_content_sha256", "")),
                version=receipt.version.number if receipt.version else None,
            )
        )
    return rows


def _bid_page(
    request: HttpRequest,
    user: User,
    bid: Bid,
    *,
    draft_form: BidDraftForm | None = None,
    file_form: BidFileForm | None = None,
) -> HttpResponse:
    now = clock.now()
    tender = bid.tender
    content = _shown_content(user, bid)
    can_edit = access.can_bid(user, bid.supplier) and bid.status != BidStatus.WITHDRAWN and bidding_open(tender, now)
    if can_edit and draft_form is None:
        draft_form = _draft_form(bid, content)
    if can_edit and file_form is None:
        file_form = BidFileForm()
    qualifications = list(content.qualifications) if content else []
    questions = services.questions_for(tender)
    answers = dict(content.answers) if content else {}
    context = {
        "bid": bid,
        "tender": tender,
        "lot": bid.lot,
        "now": now,
        "status_label": status_label(bid.status),
        "status_tag": status_tag(bid.status),
        "is_member": access.is_supplier_member(user, bid.supplier),
        "can_edit": can_edit,
        "accepting": accepting_submissions(tender, now),
        "closed": tender.tender_end is not None and now > tender.tender_end,
        "has_changes": bid.status == BidStatus.SUBMITTED and bool(bid.draft_sealed),
        "content": content,
        "answers": [(question, answers.get(question.key, "")) for question in questions],
        "qualifications": qualifications,
        "draft_form": draft_form if can_edit else None,
        "file_form": file_form if can_edit else None,
        "form": file_form if file_form is not None and file_form.errors else draft_form,
        "versions": [
            VersionRow(v.number, utc_exact(v.submitted_at), v.sealed_sha256) for v in bid.versions.order_by("number")
        ],
        "receipts": _receipt_rows(bid),
        "opening": services.opening_time(tender),
        "submitted_at": utc_exact(bid.submitted_at),
        "withdrawn_at": utc_exact(bid.withdrawn_at),
    }
    return render(request, "bids/bid.html", context)


# --- Starting a bid ------------------------------------------------------------------------------
def _lot_or_404(user: User, lot_id: uuid.UUID) -> Lot:
    lot = Lot.objects.select_related("tender", "tender__buyer").filter(pk=lot_id).first()
    if lot is None or not tenders_access.can_view_tender(user, lot.tender):
        raise Http404
    return lot


def _bidding_suppliers(request: HttpRequest, user: User) -> list[Organisation]:
    """The suppliers the person manages bids for; the active organisation first."""
    suppliers = [s for s in tenders_access.supplier_organisations(user) if access.can_bid(user, s)]
    active = request.session.get(ACTIVE_ORGANISATION_KEY)
    return sorted(suppliers, key=lambda s: (str(s.pk) != active, s.legal_name))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bid_start(request: HttpRequest, lot_id: uuid.UUID) -> HttpResponse:
    """Start a draft bid for a lot (the button on the tender page posts here)."""
    user = current_user(request)
    lot = _lot_or_404(user, lot_id)
    suppliers = _bidding_suppliers(request, user)
    if not suppliers:
        raise PermissionDenied(_("Only a bid manager of a supplier registered on Procura can bid."))
    form = BidStartForm(request.POST if request.method == "POST" else None, suppliers=suppliers)
    if form.is_bound and form.is_valid():
        supplier = form.chosen_supplier()
        try:
            bid = services.bid_start(actor=user, tender=lot.tender, lot=lot, supplier=supplier)
        except REFUSALS as exc:
            raise http_error(exc) from exc
        except ProcuraError as exc:
            existing = selectors.live_bid(supplier=supplier, lot=lot)
            if existing is not None:
                messages.info(request, exc.message)
                return redirect("bids:bid", existing.pk)
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Your draft bid is started. It is encrypted as you save it, and it counts only once you submit it."),
            )
            return redirect("bids:bid", bid.pk)
    live = {str(s.pk): selectors.live_bid(supplier=s, lot=lot) for s in suppliers}
    context = {
        "tender": lot.tender,
        "lot": lot,
        "form": form,
        "existing": [(s, live[str(s.pk)]) for s in suppliers if live[str(s.pk)] is not None],
        "open": bidding_open(lot.tender, clock.now()),
    }
    return render(request, "bids/start.html", context)


# --- The bid page: the draft, submission and replacement -----------------------------------------
def _unchanged(bid: Bid, form: BidDraftForm) -> bool:
    """Whether the posted draft is exactly the version that counts (nothing to replace it with)."""
    if bid.status != BidStatus.SUBMITTED or bid.draft_sealed:
        return False
    price = str(form.cleaned_data.get("price") or "")
    if price_problems(price, currency=bid.tender.currency):
        return False
    current = services.working_content(bid)
    answers = {k: v.strip() for k, v in form.answers().items() if v.strip()}
    chosen = sorted(str(q) for q in form.qualification_ids())
    return (
        normalise_price(price) == current.price_amount
        and answers == dict(current.answers)
        and chosen == sorted(str(q.get("id")) for q in current.qualifications)
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bid(request: HttpRequest, bid_id: uuid.UUID) -> HttpResponse:
    """The bid: its status and deadline, the draft form, files, versions and receipts. Posting
    saves the draft, and with `action=submit` submits it (a replacement once submitted)."""
    user = current_user(request)
    found = _bid_or_404(user, bid_id)
    if request.method != "POST":
        return _bid_page(request, user, found)
    _require_bidder(user, found)
    form = _draft_form(found, None, data=request.POST)
    if not form.is_valid():
        return _bid_page(request, user, found, draft_form=form)
    submit = request.POST.get("action") == "submit"
    saved = False
    try:
        if not (submit and _unchanged(found, form)):
            found = _run(
                services.bid_draft_save,
                actor=user,
                bid=found,
                price=str(form.cleaned_data.get("price") or ""),
                answers=form.answers(),
                qualification_ids=form.qualification_ids(),
            )
            saved = True
        if submit:
            receipt = _run(services.bid_submit, actor=user, bid=found)
            messages.success(request, _("Your bid is submitted. Keep the signed receipt."))
            return redirect("bids:bid-receipt", found.pk, receipt.pk)
    except ProcuraError as exc:
        form.add_service_errors(exc)
        if saved:
            messages.info(request, _("Your draft is saved, but it is not submitted."))
        return _bid_page(request, user, _bid_or_404(user, found.pk), draft_form=form)
    messages.success(
        request, _("Your draft is saved and encrypted. It does not count until you submit it before the deadline.")
    )
    return redirect("bids:bid", found.pk)


# --- Files ---------------------------------------------------------------------------------------
@login_required
@require_POST
def bid_file_add(request: HttpRequest, bid_id: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    found = _bid_or_404(user, bid_id)
    _require_bidder(user, found)
    form = BidFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            _run(
                services.bid_file_add,
                actor=user,
                bid=found,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ProcuraError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The file is attached to your draft, encrypted."))
            return redirect(reverse("bids:bid", args=[found.pk]) + "#files")
    return _bid_page(request, user, _bid_or_404(user, found.pk), file_form=form)


@login_required
@require_POST
def bid_file_remove(request: HttpRequest, bid_id: uuid.UUID, file_id: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    found = _bid_or_404(user, bid_id)
    _require_bidder(user, found)
    if run_action(request, services.bid_file_remove, actor=user, bid=found, file_id=file_id):
        messages.success(request, _("The file is removed from your draft."))
    return redirect(reverse("bids:bid", args=[found.pk]) + "#files")


@login_required
@require_http_methods(["GET", "HEAD"])
def bid_file(request: HttpRequest, bid_id: uuid.UUID, file_id: uuid.UUID) -> HttpResponse:
    """A file of the bid as the page lists it, decrypted for those who may read the bid."""
    user = current_user(request)
    found = _bid_or_404(user, bid_id)
    content = _shown_content(user, found)
    entry = next((f for f in (content.files if content else ()) if f.get("id") == str(file_id)), None)
    sealed_file = SealedFile.objects.select_related("bid", "bid__tender").filter(pk=file_id, bid=found).first()
    if entry is None or sealed_file is None:
        raise Http404
    data = services.sealed_file_open(sealed_file=sealed_file)
    response = HttpResponse(data, content_type=str(entry.get("media_type") or "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(True, str(entry.get("file_name") or "file"))
    response["Cache-Control"] = "private, no-store"
    return response


# --- Withdrawal and discarding, each confirmed on its own page -----------------------------------
def _confirm_page(request: HttpRequest, bid: Bid, *, action: str, form: ProcuraForm) -> HttpResponse:
    context = {
        "bid": bid,
        "tender": bid.tender,
        "lot": bid.lot,
        "action": action,
        "form": form,
        "status_label": status_label(bid.status),
        "submitted_at": utc_exact(bid.submitted_at),
    }
    return render(request, "bids/confirm.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bid_withdraw(request: HttpRequest, bid_id: uuid.UUID) -> HttpResponse:
    """Withdraw a submitted bid, after a page that says what it means."""
    user = current_user(request)
    found = _bid_or_404(user, bid_id)
    _require_bidder(user, found)
    form = ProcuraForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            receipt = _run(services.bid_withdraw, actor=user, bid=found)
        except ProcuraError as exc:
            form.is_valid()
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your bid is withdrawn. Keep the signed receipt."))
            return redirect("bids:bid-receipt", found.pk, receipt.pk)
    return _confirm_page(request, found, action="withdraw", form=form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bid_discard(request: HttpRequest, bid_id: uuid.UUID) -> HttpResponse:
    """Throw away the draft: a bid never submitted goes altogether; a submitted one keeps the
    version that counts."""
    user = current_user(request)
    found = _bid_or_404(user, bid_id)
    _require_bidder(user, found)
    form = ProcuraForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        never_submitted = found.status == BidStatus.DRAFT
        try:
            _run(services.bid_draft_discard, actor=user, bid=found)
        except ProcuraError as exc:
            form.is_valid()
            form.add_error(None, exc.message)
        else:
            if never_submitted:
                messages.success(request, _("Your draft bid is discarded. You can start a new one for the lot."))
                return redirect("tenders:tender", found.tender.ocid)
            messages.success(request, _("Your changes are discarded. The bid you submitted still counts."))
            return redirect("bids:bid", found.pk)
    return _confirm_page(request, found, action="discard", form=form)


# --- Receipts ----------------------------------------------------------------------------------
def _receipt_or_404(user: User, receipt_id: uuid.UUID) -> Receipt:
    receipt = selectors.get_receipt(receipt_id)
    if receipt is None:
        raise Http404
    _bid_or_404(user, receipt.bid_id)
    return receipt


def _public_key_facts() -> dict[str, str]:
    key = receipts.public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "key_id": receipts.key_id(key),
        "fingerprint": hashlib.sha256(der).hexdigest(),
        "pem": receipts.public_key_pem(key),
    }


def receipt_file_name(receipt: Receipt) -> str:
    return f"procura-receipt-{receipt.kind}-{receipt.pk}.json"


@login_required
@require_http_methods(["GET", "HEAD"])
def bid_receipt(request: HttpRequest, bid_id: uuid.UUID, receipt_id: uuid.UUID) -> HttpResponse:
    """What a receipt certifies, after a submission, replacement or withdrawal, and how to check it."""
    user = current_user(request)
    found = _bid_or_404(user, bid_id)
    receipt = selectors.get_receipt(receipt_id)
    if receipt is None or receipt.bid_id != found.pk:
        raise Http404
    facts = receipt_facts(receipt)
    context = {
        "bid": found,
        "tender": found.tender,
        "lot": found.lot,
        "receipt": receipt,
        "is_member": access.is_supplier_member(user, found.supplier),
        "facts": facts,
        "kind_label": str(RECEIPT_KIND_LABELS.get(ReceiptKind(receipt.kind), receipt.kind)),
        "file_name": receipt_file_name(receipt),
        "key": _public_key_facts(),
        "public_key_url": request.build_absolute_uri(reverse("bids:receipt-public-key")),
    }
    return render(request, "bids/receipt.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def receipt_download(request: HttpRequest, receipt_id: uuid.UUID) -> HttpResponse:
    """The signed receipt, byte for byte as signed, to keep."""
    user = current_user(request)
    receipt = _receipt_or_404(user, receipt_id)
    response = HttpResponse(receipt.document.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, receipt_file_name(receipt))
    response["Cache-Control"] = "private, no-store"
    return response


@cache_control(public=True, max_age=3600)
@require_http_methods(["GET", "HEAD"])
def receipt_public_key(request: HttpRequest) -> HttpResponse:
    """The public key every receipt is signed with (PEM), at a stable address, for anyone."""
    return HttpResponse(receipts.public_key_pem(), content_type="text/plain; charset=us-ascii")


@require_http_methods(["GET", "HEAD"])
def receipts_about(request: HttpRequest) -> HttpResponse:
    context = {
        "key": _public_key_facts(),
        "public_key_url": request.build_absolute_uri(reverse("bids:receipt-public-key")),
    }
    return render(request, "bids/receipts_about.html", context)


# --- The supplier's workspace ------------------------------------------------------------------
@dataclass(frozen=True)
class WorkspaceRow:
    bid: Bid
    status_label: str
    status_tag: str
    has_changes: bool
    closed: bool
    latest_receipt: Receipt | None


@dataclass(frozen=True)
class WorkspaceGroup:
    status: str
    title: str
    rows: list[WorkspaceRow]


@dataclass(frozen=True)
class SupplierWorkspace:
    supplier: Organisation
    can_bid: bool
    groups: list[WorkspaceGroup]
    count: int


GROUP_TITLES = {
    BidStatus.DRAFT: gettext_lazy("Drafts"),
    BidStatus.SUBMITTED: gettext_lazy("Submitted bids"),
    BidStatus.WITHDRAWN: gettext_lazy("Withdrawn bids"),
}


def _workspace(user: User, supplier: Organisation, now: dt.datetime) -> SupplierWorkspace:
    rows: dict[str, list[WorkspaceRow]] = {status: [] for status in BidStatus}
    for found in selectors.supplier_bids(supplier).prefetch_related("receipts"):
        issued = sorted(found.receipts.all(), key=lambda r: (r.issued_at, str(r.pk)))
        end = found.tender.tender_end
        rows[found.status].append(
            WorkspaceRow(
                bid=found,
                status_label=status_label(found.status),
                status_tag=status_tag(found.status),
                has_changes=found.status == BidStatus.SUBMITTED and bool(found.draft_sealed),
                closed=end is not None and now > end,
                latest_receipt=issued[-1] if issued else None,
            )
        )
    groups = [WorkspaceGroup(status, str(GROUP_TITLES[BidStatus(status)]), rows[status]) for status in BidStatus]
    return SupplierWorkspace(
        supplier=supplier,
        can_bid=access.can_bid(user, supplier),
        groups=groups,
        count=sum(len(group.rows) for group in groups),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def my_bids(request: HttpRequest) -> HttpResponse:
    """A supplier member's bids and drafts, grouped by status, with their receipts."""
    user = current_user(request)
    suppliers = [
        entry.organisation
        for entry in accounts_selectors.organisations_of(user)
        if entry.organisation.kind == OrganisationKind.SUPPLIER
        and access.can_view_supplier_bids(user, entry.organisation)
    ]
    if not suppliers:
        raise PermissionDenied(
            _(
                "Bids are made by suppliers. Your account is not a member of any supplier organisation: "
                "register your business, or ask a supplier's manager to invite you."
            )
        )
    now = clock.now()
    context = {"workspaces": [_workspace(user, supplier, now) for supplier in suppliers], "now": now}
    return render(request, "bids/my_bids.html", context)
