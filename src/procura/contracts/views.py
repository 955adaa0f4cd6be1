"""Contract pages: the public register and contract page (parties, value, signatures, milestones
met or late, payments against the value, amendments, the end and the rating), the supplier's
performance record, and the parties' workspace where every step of the contract is taken.

Each action posts to its own address and comes back to the workspace: on success with a
message, on a refusal with the form as typed and the reason by the inputs it names. Whoever may
not act gets the 403 page (anonymous people are asked to sign in); an unknown contract the 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind
from procura.accounts.views.common import current_user, run_action
from procura.contracts import access, selectors, services
from procura.contracts.domain import Lateness
from procura.contracts.forms import (
    AcceptanceForm,
    AmendmentForm,
    CompletionForm,
    ContractActionForm,
    ContractFilterForm,
    ContractForm,
    DeliveryForm,
    InvoiceForm,
    MilestoneForm,
    PaymentForm,
    RejectionForm,
    SignForm,
    TerminationForm,
)
from procura.contracts.models import (
    Contract,
    ContractStatus,
    InvoiceStatus,
    Milestone,
    MilestoneStatus,
    PerformanceRating,
    SigningParty,
)
from procura.contracts.services.implementation import PAYABLE
from procura.core import clock
from procura.core.errors import NotAuthenticated, NotFound, ProcuraError
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import http_error
from procura.core.pagination import paginate
from procura.evaluation.selectors import signature_block_reason

T = TypeVar("T")
REFUSALS = (ServicePermissionDenied, NotAuthenticated, NotFound)
PAGE_SIZE = 50

LATENESS_LABELS = {
    Lateness.SCHEDULED: gettext_lazy("Scheduled"),
    Lateness.LATE: gettext_lazy("Late"),
    Lateness.MET: gettext_lazy("Met on time"),
    Lateness.MET_LATE: gettext_lazy("Met late"),
    Lateness.NOT_MET: gettext_lazy("Not met"),
}
LATENESS_TAGS = {
    Lateness.SCHEDULED: "",
    Lateness.LATE: "tag-warning",
    Lateness.MET: "tag-good",
    Lateness.MET_LATE: "tag-warning",
    Lateness.NOT_MET: "tag-warning",
}
STATUS_TAGS = {
    ContractStatus.PENDING: "tag-warning",
    ContractStatus.ACTIVE: "tag-good",
    ContractStatus.TERMINATED: "tag-warning",
    ContractStatus.COMPLETED: "",
}


# --- Look-ups and refusals ------------------------------------------------------------------------
def _contract_or_404(contract_id: uuid.UUID) -> Contract:
    contract = selectors.contract_get(contract_id)
    if contract is None or not contract.tender.is_published:
        raise Http404
    return contract


def _require(check: Callable[..., None], *args: Any) -> None:
    """An `access.check_*` rule: a refusal becomes the 403 (or 404) page with its message."""
    try:
        check(*args)
    except REFUSALS as exc:
        raise http_error(exc) from exc


def _run(form: ContractActionForm, service: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | None:
    """A service for a valid form: its result, or None with the refusal on the form (who may
    not act gets the 403 or 404 page)."""
    try:
        return service(*args, **kwargs)
    except REFUSALS as exc:
        raise http_error(exc) from exc
    except ProcuraError as exc:
        form.add_service_errors(exc)
        return None


def _manage_url(contract: Contract, anchor: str = "") -> str:
    url = reverse("contracts:contract-manage", args=[contract.pk])
    return f"{url}#{anchor}" if anchor else url


def status_tag(status: str) -> str:
    return STATUS_TAGS.get(ContractStatus(status), "")


# --- What the pages show --------------------------------------------------------------------------
@dataclass
class MilestoneRow:
    milestone: Milestone
    lateness: str
    lateness_label: str
    lateness_tag: str
    delivery_form: DeliveryForm | None = None
    acceptance_form: AcceptanceForm | None = None


@dataclass
class InvoiceRowView:
    row: selectors.InvoiceRow
    can_decide: bool
    rejection_form: RejectionForm | None = None


def _milestone_rows(contract: Contract, now: dt.datetime) -> list[MilestoneRow]:
    rows = []
    for milestone in selectors.milestones_of(contract):
        lateness = selectors.lateness(milestone, now)
        rows.append(
            MilestoneRow(
                milestone=milestone,
                lateness=lateness.value,
                lateness_label=str(LATENESS_LABELS[lateness]),
                lateness_tag=LATENESS_TAGS[lateness],
            )
        )
    return rows


def _share_percent(share: Decimal) -> Decimal:
    """A stored share as a percentage, as precise as it is stored: 0.1001 → 10.01 (the template
    writes it for the reader's language: 10,01 in Spanish)."""
    return (share * 100).normalize()


def _public_context(contract: Contract, now: dt.datetime) -> dict[str, Any]:
    rows = _milestone_rows(contract, now)
    amendments = selectors.amendments_of(contract)
    for amendment in amendments:
        amendment.share_percent = _share_percent(amendment.cumulative_share)
    return {
        "contract": contract,
        "tender": contract.tender,
        "status_tag": status_tag(contract.status),
        "items": list(contract.lot.items.order_by("position")),
        "signatures": selectors.signatures_of(contract),
        "milestones": rows,
        "progress": selectors.contract_progress(contract, now, [row.milestone for row in rows]),
        "payments": selectors.payments_of(contract),
        "amendments": amendments,
        "flag_percent": _share_percent(services.amendment_flag_share()),
        "rating": PerformanceRating.objects.filter(contract=contract).first(),
        "now": now,
    }


# --- Public pages ---------------------------------------------------------------------------------
def _organisation_named(value: str, kind: str) -> Organisation | None:
    try:
        return Organisation.objects.filter(pk=uuid.UUID(value), kind=kind).first()
    except ValueError:
        return None


@require_http_methods(["GET", "HEAD"])
def contract_list(request: HttpRequest) -> HttpResponse:
    """Every contract, newest first, by buyer, supplier or status."""
    buyers = selectors.organisations_with_contracts("buyer")
    suppliers = selectors.organisations_with_contracts("supplier")
    # A supplier or buyer with no contract yet (linked from its record) is a valid choice too.
    for name, kind, listed in (
        ("buyer", OrganisationKind.BUYER, buyers),
        ("supplier", OrganisationKind.SUPPLIER, suppliers),
    ):
        chosen = _organisation_named(request.GET.get(name, ""), kind)
        if chosen is not None and chosen not in listed:
            listed.append(chosen)
    data = {key: request.GET[key] for key in ("buyer", "supplier", "status") if request.GET.get(key)}
    form = ContractFilterForm(data or None, buyers=buyers, suppliers=suppliers, statuses=ContractStatus.choices)
    filters: dict[str, Any] = {}
    items: list[Contract] = []
    next_cursor = None
    if not form.is_bound or form.is_valid():
        if form.is_bound:
            filters = {
                "buyer": uuid.UUID(form.cleaned_data["buyer"]) if form.cleaned_data["buyer"] else None,
                "supplier": uuid.UUID(form.cleaned_data["supplier"]) if form.cleaned_data["supplier"] else None,
                "status": form.cleaned_data["status"] or None,
            }
        try:
            page = paginate(
                selectors.contracts(**filters),
                order=("-created_at", "-id"),
                cursor=request.GET.get("cursor") or None,
                limit=PAGE_SIZE,
            )
        except ProcuraError:
            raise Http404 from None
        items, next_cursor = page.items, page.next_cursor
    next_query = None
    if next_cursor:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_query = query.urlencode()
    context = {
        "form": form,
        "contracts": [(c, status_tag(c.status)) for c in items],
        "next_query": next_query,
        "filtered": form.is_bound,
    }
    return render(request, "contracts/list.html", context)


@require_http_methods(["GET", "HEAD"])
def contract_detail(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    """The public contract page."""
    contract = _contract_or_404(contract_id)
    context = _public_context(contract, clock.now())
    context["can_view_workspace"] = access.can_view_workspace(request.user, contract)
    return render(request, "contracts/contract.html", context)


@require_http_methods(["GET", "HEAD"])
def supplier_performance(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    """A supplier's performance record: its ratings at completion and terminated contracts."""
    supplier = Organisation.objects.filter(pk=organisation_id, kind=OrganisationKind.SUPPLIER).first()
    if supplier is None:
        raise Http404
    return render(request, "contracts/performance.html", {"record": selectors.performance_record(supplier)})


# --- Preparing a contract -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contract_new(request: HttpRequest, award_id: uuid.UUID) -> HttpResponse:
    """Prepare the contract of an award (the buyer's procurement officers)."""
    user = current_user(request)
    award = selectors.award_get(award_id)
    if award is None or not award.tender.is_published:
        raise Http404
    _require(access.check_can_create_contract, user, award)
    existing = Contract.objects.filter(award=award).first()
    if existing is not None:
        messages.info(request, _("This award already has its contract."))
        return redirect(_manage_url(existing))
    tender = award.tender
    initial = {"period_start": tender.contract_start, "period_end": tender.contract_end}
    form = ContractForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        contract = _run(
            form,
            services.contract_create,
            actor=user,
            award=award,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            period_start=form.cleaned_data["period_start"],
            period_end=form.cleaned_data["period_end"],
        )
        if contract is not None:
            messages.success(request, _("The contract is prepared. Plan its milestones; both parties then sign it."))
            return redirect(_manage_url(contract))
    context = {
        "award": award,
        "tender": tender,
        "items": list(award.lot.items.order_by("position")),
        "block_reason": signature_block_reason(award, clock.now()),
        "form": form,
    }
    return render(request, "contracts/new.html", context)


# --- The workspace --------------------------------------------------------------------------------
def _has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def _workspace(
    request: HttpRequest, user: User, contract: Contract, bound: dict[str, ContractActionForm] | None = None
) -> HttpResponse:
    """The workspace page, with the forms this person may use now; `bound` are forms posted and
    refused, shown as typed with their errors."""
    bound = bound or {}
    now = clock.now()
    context = _public_context(contract, now)
    status = contract.status
    manage, pay, supply = (
        access.can_manage(user, contract),
        access.can_pay(user, contract),
        access.can_supply(user, contract),
    )
    pending, active, payable = status == ContractStatus.PENDING, status == ContractStatus.ACTIVE, status in PAYABLE

    signed_parties = {s.party for s in context["signatures"]}
    sign_forms = []
    if pending:
        for party in access.parties_user_signs_for(user, contract):
            if party in signed_parties:
                continue
            key = f"sign-{party}"
            form = bound.get(key) or SignForm(prefix=key, initial={"party": party})
            sign_forms.append((SigningParty(party).label, party, form))

    terms_form = None
    if manage and pending and not signed_parties:
        terms_form = bound.get("terms") or ContractForm(
            prefix="terms",
            initial={
                "title": contract.title,
                "description": contract.description,
                "period_start": contract.period_start,
                "period_end": contract.period_end,
            },
        )

    for row in context["milestones"]:
        milestone = row.milestone
        open_milestone = active and milestone.status == MilestoneStatus.SCHEDULED
        if supply and open_milestone and milestone.delivered_at is None:
            key = f"deliver-{milestone.pk}"
            row.delivery_form = bound.get(key) or DeliveryForm(prefix=key)
        if manage and open_milestone:
            key = f"accept-{milestone.pk}"
            row.acceptance_form = bound.get(key) or AcceptanceForm(prefix=key)

    milestones = [row.milestone for row in context["milestones"]]
    invoices = []
    for invoice_row in selectors.invoices_of(contract):
        invoice = invoice_row.invoice
        decide = pay and payable and invoice.status == InvoiceStatus.SUBMITTED
        key = f"reject-{invoice.pk}"
        rejection = (bound.get(key) or RejectionForm(prefix=key)) if decide else None
        invoices.append(InvoiceRowView(row=invoice_row, can_decide=decide, rejection_form=rejection))  # type: ignore[arg-type]

    approved = [r.row.invoice for r in invoices if r.row.invoice.status == InvoiceStatus.APPROVED]
    forms_shown: dict[str, Any] = {
        "terms_form": terms_form,
        "sign_forms": sign_forms,
        "milestone_form": (bound.get("milestone") or MilestoneForm(prefix="milestone"))
        if manage and (pending or active)
        else None,
        "invoice_form": (bound.get("invoice") or InvoiceForm(prefix="invoice", milestones=milestones))
        if supply and payable and milestones
        else None,
        "payment_form": (bound.get("payment") or PaymentForm(prefix="payment", invoices=approved))
        if pay and payable
        else None,
        "amendment_form": (bound.get("amend") or AmendmentForm(prefix="amend")) if manage and active else None,
        "termination_form": (bound.get("terminate") or TerminationForm(prefix="terminate"))
        if manage and active
        else None,
        "completion_form": (bound.get("complete") or CompletionForm(prefix="complete")) if manage and active else None,
    }
    context.update(forms_shown)
    context.update(
        {
            "invoices": invoices,
            "block_reason": signature_block_reason(contract.award, now) if pending else None,
            "has_authenticator": _has_authenticator(user),
            "signer_name": user.full_name,
            "is_overseer": not access.is_party_member(user, contract),
            # The form whose errors the page summarises at the top (and the title flags).
            "form": next(iter(bound.values()), None),
            "error_anchor": next((f.anchor for f in bound.values()), ""),
        }
    )
    return render(request, "contracts/manage.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def contract_manage(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    """The parties' workspace (and the overseers', read-only)."""
    user = current_user(request)
    contract = _contract_or_404(contract_id)
    _require(access.check_can_view_workspace, user, contract)
    return _workspace(request, user, contract)


def _act(
    request: HttpRequest,
    contract_id: uuid.UUID,
    check: Callable[[Any, Contract], None],
    make_form: Callable[[Contract], ContractActionForm],
    key: str,
    act: Callable[[User, Contract, ContractActionForm], Any],
    success: str,
) -> HttpResponse:
    """The shape of every workspace action: who may act, the form, the service, the way back."""
    user = current_user(request)
    contract = _contract_or_404(contract_id)
    _require(check, user, contract)
    form = make_form(contract)
    if form.is_valid() and _run(form, act, user, contract, form) is not None:
        messages.success(request, success)
        return redirect(_manage_url(contract, form.anchor))
    return _workspace(request, user, _contract_or_404(contract_id), {key: form})


@login_required
@require_POST
def contract_terms(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    def act(user: User, contract: Contract, form: ContractActionForm) -> Contract:
        data = form.cleaned_data
        return services.contract_update_terms(
            actor=user,
            contract=contract,
            title=data["title"],
            description=data["description"],
            period_start=data["period_start"],
            period_end=data["period_end"],
        )

    return _act(
        request,
        contract_id,
        access.check_can_manage,
        lambda c: ContractForm(request.POST, prefix="terms"),
        "terms",
        act,
        _("The terms are saved."),
    )


@login_required
@require_POST
def contract_sign(request: HttpRequest, contract_id: uuid.UUID, party: str) -> HttpResponse:
    if party not in SigningParty.values:
        raise Http404
    key = f"sign-{party}"

    def check(user: Any, contract: Contract) -> None:
        access.check_can_sign(user, contract, party)

    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        return services.contract_sign(
            actor=user,
            contract=contract,
            party=party,
            otp_code=form.cleaned_data["otp_code"],
            signed_name=form.cleaned_data["signed_name"],
        )

    def make(contract: Contract) -> ContractActionForm:
        data = request.POST.copy()
        data[f"{key}-party"] = party
        return SignForm(data, prefix=key)

    return _act(request, contract_id, check, make, key, act, _("Your signature is recorded."))


@login_required
@require_POST
def milestone_add(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        data = form.cleaned_data
        return services.milestone_add(
            actor=user,
            contract=contract,
            title=data["title"],
            kind=data["kind"],
            due_at=data["due_at"],
            description=data["description"],
            value_amount=data["value_amount"] or None,
        )

    return _act(
        request,
        contract_id,
        access.check_can_manage,
        lambda c: MilestoneForm(request.POST, prefix="milestone"),
        "milestone",
        act,
        _("The milestone is added."),
    )


def _milestone_or_404(contract: Contract, milestone_id: uuid.UUID) -> Milestone:
    milestone = contract.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404
    return milestone


@login_required
@require_POST
def milestone_deliver(request: HttpRequest, contract_id: uuid.UUID, milestone_id: uuid.UUID) -> HttpResponse:
    key = f"deliver-{milestone_id}"

    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        return services.milestone_mark_delivered(
            actor=user, milestone=_milestone_or_404(contract, milestone_id), note=form.cleaned_data["note"]
        )

    def make(contract: Contract) -> ContractActionForm:
        _milestone_or_404(contract, milestone_id)
        return DeliveryForm(request.POST, prefix=key)

    return _act(
        request, contract_id, access.check_can_supply, make, key, act, _("The delivery is reported to the buyer.")
    )


@login_required
@require_POST
def milestone_accept(request: HttpRequest, contract_id: uuid.UUID, milestone_id: uuid.UUID) -> HttpResponse:
    key = f"accept-{milestone_id}"

    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        return services.milestone_accept(
            actor=user,
            milestone=_milestone_or_404(contract, milestone_id),
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )

    def make(contract: Contract) -> ContractActionForm:
        _milestone_or_404(contract, milestone_id)
        return AcceptanceForm(request.POST, prefix=key)

    return _act(request, contract_id, access.check_can_manage, make, key, act, _("The decision is recorded."))


@login_required
@require_POST
def invoice_submit(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        assert isinstance(form, InvoiceForm)
        data = form.cleaned_data
        return services.invoice_submit(
            actor=user,
            contract=contract,
            milestone=form.chosen_milestone(),
            number=data["number"],
            amount=data["amount"],
            issued_on=data["issued_on"],
        )

    return _act(
        request,
        contract_id,
        access.check_can_supply,
        lambda c: InvoiceForm(request.POST, prefix="invoice", milestones=selectors.milestones_of(c)),
        "invoice",
        act,
        _("The invoice is submitted to the buyer."),
    )


def _invoice_or_404(contract: Contract, invoice_id: uuid.UUID) -> Any:
    invoice = contract.invoices.filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return invoice


@login_required
@require_POST
def invoice_approve(request: HttpRequest, contract_id: uuid.UUID, invoice_id: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    contract = _contract_or_404(contract_id)
    _require(access.check_can_pay, user, contract)
    invoice = _invoice_or_404(contract, invoice_id)
    if run_action(request, services.invoice_approve, actor=user, invoice=invoice):
        messages.success(request, _("The invoice is approved for payment."))
    return redirect(_manage_url(contract, "invoices"))


@login_required
@require_POST
def invoice_reject(request: HttpRequest, contract_id: uuid.UUID, invoice_id: uuid.UUID) -> HttpResponse:
    key = f"reject-{invoice_id}"

    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        return services.invoice_reject(
            actor=user, invoice=_invoice_or_404(contract, invoice_id), reason=form.cleaned_data["reason"]
        )

    def make(contract: Contract) -> ContractActionForm:
        _invoice_or_404(contract, invoice_id)
        return RejectionForm(request.POST, prefix=key)

    return _act(request, contract_id, access.check_can_pay, make, key, act, _("The invoice is rejected."))


@login_required
@require_POST
def payment_record(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        assert isinstance(form, PaymentForm)
        data = form.cleaned_data
        return services.payment_record(
            actor=user,
            contract=contract,
            amount=data["amount"],
            paid_at=data["paid_at"],
            invoice=form.chosen_invoice(),
            reference=data["reference"],
        )

    def make(contract: Contract) -> ContractActionForm:
        approved = contract.invoices.filter(status=InvoiceStatus.APPROVED)
        return PaymentForm(request.POST, prefix="payment", invoices=approved)

    return _act(request, contract_id, access.check_can_pay, make, "payment", act, _("The payment is recorded."))


@login_required
@require_POST
def contract_amend(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        data = form.cleaned_data
        return services.contract_amend(
            actor=user,
            contract=contract,
            rationale=data["rationale"],
            value_amount=data["value_amount"] or None,
            period_end=data["period_end"],
        )

    return _act(
        request,
        contract_id,
        access.check_can_manage,
        lambda c: AmendmentForm(request.POST, prefix="amend"),
        "amend",
        act,
        _("The amendment is recorded and published."),
    )


@login_required
@require_POST
def contract_terminate(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        return services.contract_terminate(actor=user, contract=contract, reason=form.cleaned_data["reason"])

    return _act(
        request,
        contract_id,
        access.check_can_manage,
        lambda c: TerminationForm(request.POST, prefix="terminate"),
        "terminate",
        act,
        _("The contract is terminated."),
    )


@login_required
@require_POST
def contract_complete(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    def act(user: User, contract: Contract, form: ContractActionForm) -> Any:
        return services.contract_complete(
            actor=user, contract=contract, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
        )

    return _act(
        request,
        contract_id,
        access.check_can_manage,
        lambda c: CompletionForm(request.POST, prefix="complete"),
        "complete",
        act,
        _("The contract is completed and the supplier's rating recorded."),
    )
