"""Reads for the supplier register: a supplier's beneficial owners and qualification documents,
and the public debarment list.

Access is the caller's business (pages and the API check `access` first); these only read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from procura.accounts.models import Membership, Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.core import clock
from procura.suppliers.models import BeneficialOwner, Debarment, QualificationDocument


def today() -> dt.date:
    """The platform's date today (in its time zone): expiry dates are dates."""
    return timezone.localdate(clock.now())


def supplier_get(organisation_id: uuid.UUID | str) -> Organisation | None:
    """The supplier organisation, or None (also for buyers and malformed ids)."""
    try:
        return Organisation.objects.filter(pk=organisation_id, kind=OrganisationKind.SUPPLIER).first()
    except (ValidationError, ValueError):  # a malformed id is simply "not found"
        return None


def beneficial_owners_of(organisation: Organisation) -> list[BeneficialOwner]:
    """Every beneficial owner of the supplier, personal data included (for the register)."""
    return list(BeneficialOwner.objects.filter(organisation=organisation).order_by("created_at", "id"))


def published_beneficial_owners(organisation: Organisation) -> list[BeneficialOwner]:
    """The beneficial owners the law allows to publish (turn them into OCDS with
    `domain.ocds_beneficial_owners`)."""
    return list(BeneficialOwner.objects.filter(organisation=organisation, publishable=True).order_by("name", "id"))


def beneficial_owner_get(organisation: Organisation, owner_id: uuid.UUID | str) -> BeneficialOwner | None:
    try:
        return (
            BeneficialOwner.objects.select_related("organisation")
            .filter(organisation=organisation, pk=owner_id)
            .first()
        )
    except (ValidationError, ValueError):
        return None


def share_total(organisation: Organisation) -> Decimal:
    """The percentage held by the supplier's beneficial owners together."""
    total = BeneficialOwner.objects.filter(organisation=organisation).aggregate(total=Sum("share"))["total"]
    return Decimal(total or 0)


def qualifications_of(organisation: Organisation) -> list[QualificationDocument]:
    """The supplier's qualification documents not removed, expired ones included, by kind."""
    return list(
        QualificationDocument.objects.filter(organisation=organisation, removed_at__isnull=True)
        .select_related("document")
        .order_by("kind", "expires_on", "created_at", "id")
    )


def current_qualifications(organisation: Organisation, *, on: dt.date | None = None) -> list[QualificationDocument]:
    """The qualification documents that hold on date `on` (today if None): not removed, issued
    by then, not expired by then (valid up to and including the expiry date). What a bid reuses."""
    day = on or today()
    return list(
        QualificationDocument.objects.filter(organisation=organisation, removed_at__isnull=True)
        .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=day))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .select_related("document")
        .order_by("kind", "expires_on", "created_at", "id")
    )


def qualification_get(organisation: Organisation, qualification_id: uuid.UUID | str) -> QualificationDocument | None:
    """A qualification document of the supplier that has not been removed."""
    try:
        return (
            QualificationDocument.objects.select_related("document", "organisation")
            .filter(organisation=organisation, pk=qualification_id, removed_at__isnull=True)
            .first()
        )
    except (ValidationError, ValueError):
        return None


def expiring_qualifications(
    *, within_days: int = 30, on: dt.date | None = None, include_expired: bool = True
) -> list[QualificationDocument]:
    """Every supplier's documents not removed that expire within `within_days` of `on` (today if
    None), and, unless told otherwise, those already expired: what needs the bid managers'
    attention, the soonest first."""
    day = on or today()
    queryset = QualificationDocument.objects.filter(
        removed_at__isnull=True, expires_on__isnull=False, expires_on__lte=day + dt.timedelta(days=within_days)
    )
    if not include_expired:
        queryset = queryset.filter(expires_on__gte=day)
    return list(queryset.select_related("organisation", "document").order_by("expires_on", "organisation_id", "id"))


def bid_managers_of(organisation: Organisation) -> list[User]:
    """The active people who act for the supplier: the ones told about expiring documents."""
    user_ids = Membership.objects.filter(organisation=organisation, role=Role.BID_MANAGER).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("email"))


# --- Debarment --------------------------------------------------------------------------------
def _in_force_at(at: dt.datetime) -> Q:
    """The debarments that apply at `at` (as domain.debarment_in_force decides, in SQL)."""
    return (
        Q(starts_on__lte=at)
        & (Q(ends_on__isnull=True) | Q(ends_on__gt=at))
        & (Q(lifted_at__isnull=True) | Q(lifted_at__gt=at))
    )


def active_debarment(supplier_id: uuid.UUID | str, at: dt.datetime) -> Debarment | None:
    """The debarment that keeps the supplier from bidding and being awarded at `at`, or None.
    Debarments of one supplier never overlap; should two ever, the one ending last is returned
    (an indefinite one first)."""
    try:
        return (
            Debarment.objects.select_related("supplier")
            .filter(_in_force_at(at), Q(supplier_id=supplier_id))
            .order_by(F("ends_on").desc(nulls_first=True), "-starts_on", "id")
            .first()
        )
    except (ValidationError, ValueError):  # a malformed id is debarred by nothing
        return None


def debarred_among(supplier_ids: Iterable[uuid.UUID], at: dt.datetime) -> set[uuid.UUID]:
    """Which of these suppliers a debarment keeps from bidding and being awarded at `at`: one
    query for a page listing many bids."""
    return set(
        Debarment.objects.filter(_in_force_at(at), supplier_id__in=list(supplier_ids)).values_list(
            "supplier_id", flat=True
        )
    )


def public_debarments(at: dt.datetime, *, include_past: bool) -> QuerySet[Debarment]:
    """The public list at `at`: debarments in force and those announced to start later; with
    `include_past`, also those that have ended or were lifted. Latest start first."""
    queryset = Debarment.objects.select_related("supplier")
    if not include_past:
        queryset = queryset.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=at)).filter(
            Q(lifted_at__isnull=True) | Q(lifted_at__gt=at)
        )
    return queryset.order_by("-starts_on", "-id")


def debarment_get(debarment_id: uuid.UUID | str) -> Debarment | None:
    try:
        return Debarment.objects.select_related("supplier").filter(pk=debarment_id).first()
    except (ValidationError, ValueError):
        return None


def debarment_suppliers() -> QuerySet[Organisation]:
    """The suppliers a debarment can be recorded for (every supplier organisation), by name."""
    return Organisation.objects.filter(kind=OrganisationKind.SUPPLIER).order_by("legal_name", "id")


def supplier_by_identifier(identifier: str) -> Organisation | None:
    """The supplier whose identifier ("GB-COH-01234567": scheme, a dash, the id) is given, or
    None. Case and surrounding spaces do not matter; the scheme itself may contain dashes."""
    text = identifier.strip()
    candidates = Q()
    for position, character in enumerate(text):
        if character == "-" and 0 < position < len(text) - 1:
            candidates |= Q(identifier_scheme__iexact=text[:position], identifier_id__iexact=text[position + 1 :])
    if not candidates:
        return None
    return Organisation.objects.filter(candidates, kind=OrganisationKind.SUPPLIER).order_by("legal_name", "id").first()
