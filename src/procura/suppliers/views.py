"""Supplier register pages, under /suppliers/: a supplier's register (organisation summary,
beneficial owners, qualification documents) and the forms that change it; and the public
debarment list, with the forms that record and lift debarments.

Register names start with "supplier-" so they are unique across the site. Every register page is
for the supplier's members, platform administrators and auditors; only bid managers see and use
the forms. The debarment list is public; platform administrators and the review body keep it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts import access as accounts_access
from procura.accounts.models import Organisation
from procura.accounts.views.common import current_user, require, run_action
from procura.core import clock
from procura.core.errors import NotAuthenticated
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import call_service
from procura.suppliers import access, domain, selectors, services
from procura.suppliers.domain import DebarmentState, ExpiryState
from procura.suppliers.forms import (
    YES,
    BeneficialOwnerForm,
    DebarmentForm,
    DebarmentLiftForm,
    QualificationDocumentForm,
)
from procura.suppliers.models import BeneficialOwner, Debarment, QualificationDocument

EXPIRY_TAGS = {
    ExpiryState.VALID: "tag-good",
    ExpiryState.EXPIRING: "tag-warning",
    ExpiryState.EXPIRED: "tag-warning",
    ExpiryState.NO_EXPIRY: "",
}


@dataclass(frozen=True)
class QualificationRow:
    """A qualification document as the register shows it: its expiry in words, not colour only."""

    qualification: QualificationDocument
    state: str
    label: str
    tag: str


def expiry_label(expires_on: dt.date | None, today: dt.date) -> str:
    """ "Expires in 12 days (on 14 March 2026)", "Expired on 1 March 2026", "Does not expire"."""
    state = domain.expiry_state(expires_on, today)
    if expires_on is None or state == ExpiryState.NO_EXPIRY:
        return _("Does not expire")
    when = date_format(expires_on, "DATE_FORMAT")
    days = (expires_on - today).days
    if state == ExpiryState.EXPIRED:
        return _("Expired on %(date)s") % {"date": when}
    if days == 0:
        return _("Expires today (%(date)s)") % {"date": when}
    if state == ExpiryState.EXPIRING:
        return ngettext("Expires in %(days)d day (on %(date)s)", "Expires in %(days)d days (on %(date)s)", days) % {
            "days": days,
            "date": when,
        }
    return _("Valid until %(date)s") % {"date": when}


def qualification_rows(qualifications: list[QualificationDocument], today: dt.date) -> list[QualificationRow]:
    return [
        QualificationRow(
            qualification=q,
            state=(state := domain.expiry_state(q.expires_on, today)),
            label=expiry_label(q.expires_on, today),
            tag=EXPIRY_TAGS[ExpiryState(state)],
        )
        for q in qualifications
    ]


def _supplier_or_404(organisation_id: uuid.UUID) -> Organisation:
    supplier = selectors.supplier_get(organisation_id)
    if supplier is None:
        raise Http404
    return supplier


def _owner_or_404(supplier: Organisation, owner_id: uuid.UUID) -> BeneficialOwner:
    owner = selectors.beneficial_owner_get(supplier, owner_id)
    if owner is None:
        raise Http404
    return owner


def _qualification_or_404(supplier: Organisation, qualification_id: uuid.UUID) -> QualificationDocument:
    qualification = selectors.qualification_get(supplier, qualification_id)
    if qualification is None:
        raise Http404
    return qualification


@login_required
@require_http_methods(["GET", "HEAD"])
def supplier_register(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    """The register: what the supplier entered once and reuses in every bid."""
    supplier = _supplier_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_view_register, user, supplier)
    owners = selectors.beneficial_owners_of(supplier)
    shares = [owner.share for owner in owners]
    context = {
        "supplier": supplier,
        "can_edit": access.can_edit_register(user, supplier),
        "can_edit_organisation": accounts_access.can_edit_organisation(user, supplier),
        "owners": owners,
        "share_total": sum(shares, Decimal(0)),
        "share_left": domain.share_left(shares),
        "qualifications": qualification_rows(selectors.qualifications_of(supplier), selectors.today()),
    }
    return render(request, "suppliers/register.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_owner_add(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    supplier = _supplier_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_edit_register, user, supplier)
    form = BeneficialOwnerForm(request.POST) if request.method == "POST" else BeneficialOwnerForm()
    if form.is_bound and form.is_valid():
        owner = call_service(form, services.beneficial_owner_add, actor=user, organisation=supplier, **form.values())
        if owner is not None:
            messages.success(request, _("%(name)s is added as a beneficial owner.") % {"name": owner.name})
            return redirect("suppliers:supplier-register", supplier.pk)
    context = {
        "supplier": supplier,
        "owner": None,
        "form": form,
        "share_left": domain.share_left(o.share for o in selectors.beneficial_owners_of(supplier)),
    }
    return render(request, "suppliers/owner_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_owner_edit(request: HttpRequest, organisation_id: uuid.UUID, owner_id: uuid.UUID) -> HttpResponse:
    supplier = _supplier_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_edit_register, user, supplier)
    owner = _owner_or_404(supplier, owner_id)
    if request.method == "POST":
        form = BeneficialOwnerForm(request.POST)
    else:
        form = BeneficialOwnerForm(
            initial={
                "name": owner.name,
                "nationality": owner.nationality,
                "share": owner.share,
                "publishable": YES if owner.publishable else "no",
                "date_of_birth": owner.date_of_birth,
                "address": owner.address,
            }
        )
    if form.is_bound and form.is_valid():
        updated = call_service(form, services.beneficial_owner_update, actor=user, owner=owner, **form.values())
        if updated is not None:
            messages.success(request, _("The details of %(name)s are saved.") % {"name": updated.name})
            return redirect("suppliers:supplier-register", supplier.pk)
    others = [o.share for o in selectors.beneficial_owners_of(supplier) if o.pk != owner.pk]
    context = {"supplier": supplier, "owner": owner, "form": form, "share_left": domain.share_left(others)}
    return render(request, "suppliers/owner_form.html", context)


@login_required
@require_POST
def supplier_owner_remove(request: HttpRequest, organisation_id: uuid.UUID, owner_id: uuid.UUID) -> HttpResponse:
    supplier = _supplier_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_edit_register, user, supplier)
    owner = _owner_or_404(supplier, owner_id)
    if run_action(request, services.beneficial_owner_remove, actor=user, owner=owner):
        messages.success(request, _("%(name)s is removed from the beneficial owners.") % {"name": owner.name})
    return redirect("suppliers:supplier-register", supplier.pk)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_qualification_add(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    supplier = _supplier_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_edit_register, user, supplier)
    if request.method == "POST":
        form = QualificationDocumentForm(request.POST, request.FILES)
    else:
        form = QualificationDocumentForm()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        qualification = call_service(
            form,
            services.qualification_document_add,
            actor=user,
            organisation=supplier,
            kind=data["kind"],
            title=data["title"],
            file=data["file"],
            issued_on=data.get("issued_on"),
            expires_on=data.get("expires_on"),
        )
        if qualification is not None:
            messages.success(request, _("“%(title)s” is added to the register.") % {"title": qualification.title})
            return redirect("suppliers:supplier-register", supplier.pk)
    return render(request, "suppliers/qualification_form.html", {"supplier": supplier, "form": form})


@login_required
@require_POST
def supplier_qualification_remove(
    request: HttpRequest, organisation_id: uuid.UUID, qualification_id: uuid.UUID
) -> HttpResponse:
    supplier = _supplier_or_404(organisation_id)
    user = current_user(request)
    require(access.check_can_edit_register, user, supplier)
    qualification = _qualification_or_404(supplier, qualification_id)
    if run_action(request, services.qualification_document_remove, actor=user, qualification=qualification):
        messages.success(request, _("“%(title)s” is removed from the register.") % {"title": qualification.title})
    return redirect("suppliers:supplier-register", supplier.pk)


# --- The debarment list -------------------------------------------------------------------------
@dataclass(frozen=True)
class DebarmentRow:
    debarment: Debarment
    state: str


def _require_debarment_keeper(request: HttpRequest) -> None:
    """A refusal becomes the 403 page with its message (anonymous people never get here:
    `login_required` sends them to sign in)."""
    try:
        access.check_can_manage_debarments(request.user)
    except (ServicePermissionDenied, NotAuthenticated) as exc:
        raise PermissionDenied(exc.message) from exc


@require_http_methods(["GET", "HEAD"])
def debarments(request: HttpRequest) -> HttpResponse:
    """The public debarment list: in force, announced, then ended or lifted."""
    now = clock.now()
    rows = [
        DebarmentRow(d, domain.debarment_state(d.starts_on, d.ends_on, d.lifted_at, now))
        for d in selectors.public_debarments(now, include_past=True)
    ]
    context = {
        "in_force": [r for r in rows if r.state == DebarmentState.IN_FORCE],
        "upcoming": [r for r in rows if r.state == DebarmentState.UPCOMING],
        "past": [r for r in rows if r.state in {DebarmentState.ENDED, DebarmentState.LIFTED}],
        "can_manage": access.can_manage_debarments(request.user),
    }
    return render(request, "suppliers/debarments.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def debarment_add(request: HttpRequest) -> HttpResponse:
    _require_debarment_keeper(request)
    suppliers = list(selectors.debarment_suppliers())
    if request.method == "POST":
        form = DebarmentForm(request.POST, suppliers=suppliers)
    else:
        initial = {"starts_on": timezone.localtime(clock.now()).replace(second=0, microsecond=0)}
        form = DebarmentForm(initial=initial, suppliers=suppliers)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        debarment = call_service(
            form,
            services.debarment_record,
            actor=current_user(request),
            supplier=form.chosen,
            reason=data["reason"],
            authority=data["authority"],
            reference=data.get("reference") or "",
            starts_on=data["starts_on"],
            ends_on=data.get("ends_on"),
        )
        if debarment is not None:
            messages.success(
                request,
                _("%(name)s is on the debarment list: it cannot bid or be awarded while the debarment is in force.")
                % {"name": debarment.supplier.legal_name},
            )
            return redirect("suppliers:debarments")
    return render(request, "suppliers/debarment_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def debarment_lift(request: HttpRequest, debarment_id: uuid.UUID) -> HttpResponse:
    _require_debarment_keeper(request)
    debarment = selectors.debarment_get(debarment_id)
    if debarment is None:
        raise Http404
    form = DebarmentLiftForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        lifted = call_service(
            form,
            services.debarment_lift,
            actor=current_user(request),
            debarment=debarment,
            reason=form.cleaned_data["reason"],
        )
        if lifted is not None:
            messages.success(
                request,
                _("The debarment of %(name)s is lifted: it may bid again.") % {"name": lifted.supplier.legal_name},
            )
            return redirect("suppliers:debarments")
    now = clock.now()
    context = {
        "debarment": debarment,
        "state": domain.debarment_state(debarment.starts_on, debarment.ends_on, debarment.lifted_at, now),
        "form": form,
    }
    return render(request, "suppliers/debarment_lift.html", context)
