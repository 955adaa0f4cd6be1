"""Suppliers API (/api/v1/): a supplier's beneficial owners and qualification documents, and the
public debarment list.

The register is readable by the supplier's members, platform administrators and auditors, and
changed by the supplier's bid managers only. The debarment list is public, and kept by platform
administrators and the review body. Writes accept an `Idempotency-Key` header (see
core.idempotency).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from procura.accounts import selectors as accounts_selectors
from procura.accounts.authentication import api_auth, optional_auth, request_user
from procura.accounts.models import Organisation
from procura.core import clock
from procura.core.errors import InvalidInput, NotFound
from procura.core.pagination import paginate
from procura.suppliers import access, domain, selectors, services
from procura.suppliers.models import BeneficialOwner, Debarment, QualificationDocument, QualificationKind

router = Router(tags=["suppliers"])


# --- Output schemas ---------------------------------------------------------------------------
class BeneficialOwnerOut(Schema):
    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    nationality: str = Field(description="ISO 3166-1 alpha-2 code")
    share: str = Field(description="Percentage as a decimal string, such as 25.00")
    publishable: bool = Field(description="The law allows publishing this owner (name and nationality) in OCDS")
    date_of_birth: dt.date | None = Field(description="Personal data: never published")
    address: str = Field(description="Personal data: never published")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def of(owner: BeneficialOwner) -> BeneficialOwnerOut:
        return BeneficialOwnerOut(
            id=owner.pk,
            organisation_id=owner.organisation_id,
            name=owner.name,
            nationality=owner.nationality,
            share=str(owner.share),
            publishable=owner.publishable,
            date_of_birth=owner.date_of_birth,
            address=owner.address,
            created_at=owner.created_at,
            updated_at=owner.updated_at,
        )


class DocumentOut(Schema):
    id: uuid.UUID
    file_name: str
    media_type: str
    size: int
    sha256: str
    url: str


class QualificationOut(Schema):
    id: uuid.UUID
    organisation_id: uuid.UUID
    kind: str
    title: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    expiry_state: str = Field(description="valid, expiring (within 30 days), expired or no_expiry")
    days_until_expiry: int | None = Field(description="0 on the expiry day, negative once expired")
    document: DocumentOut
    created_at: dt.datetime

    @staticmethod
    def of(qualification: QualificationDocument, today: dt.date) -> QualificationOut:
        document = qualification.document
        return QualificationOut(
            id=qualification.pk,
            organisation_id=qualification.organisation_id,
            kind=qualification.kind,
            title=qualification.title,
            issued_on=qualification.issued_on,
            expires_on=qualification.expires_on,
            expiry_state=domain.expiry_state(qualification.expires_on, today),
            days_until_expiry=domain.days_until_expiry(qualification.expires_on, today),
            document=DocumentOut(
                id=document.pk,
                file_name=document.file_name,
                media_type=document.media_type,
                size=document.size,
                sha256=document.sha256,
                url=document.get_absolute_url(),
            ),
            created_at=qualification.created_at,
        )


# --- Input schemas ----------------------------------------------------------------------------
class BeneficialOwnerIn(Schema):
    name: str
    nationality: str = Field(description="ISO 3166-1 alpha-2 code, such as GB")
    share: Decimal = Field(description="Percentage above 0 and at most 100, two decimals at most")
    publishable: bool = Field(default=True, description="The law allows publishing this owner")
    date_of_birth: dt.date | None = None
    address: str = ""


class BeneficialOwnerPatch(Schema):
    """Only the fields sent change; send `date_of_birth: null` to remove it."""

    name: str | None = None
    nationality: str | None = None
    share: Decimal | None = None
    publishable: bool | None = None
    date_of_birth: dt.date | None = None
    address: str | None = None


# --- Helpers ----------------------------------------------------------------------------------
def _supplier(request: HttpRequest, organisation_id: uuid.UUID) -> Organisation:
    """The supplier named in the path, for someone who may see its register."""
    supplier = selectors.supplier_get(organisation_id)
    if supplier is None:
        raise NotFound(_("There is no supplier with this id."))
    access.check_can_view_register(request_user(request), supplier)
    return supplier


def _owner(supplier: Organisation, owner_id: uuid.UUID) -> BeneficialOwner:
    owner = selectors.beneficial_owner_get(supplier, owner_id)
    if owner is None:
        raise NotFound(_("There is no such beneficial owner."))
    return owner


def _changes(payload: BeneficialOwnerPatch) -> dict[str, Any]:
    """The fields the client sent; null is a value only for the date of birth."""
    sent = payload.model_fields_set
    changes: dict[str, Any] = {}
    for field in ("name", "nationality", "share", "publishable", "address"):
        if field in sent:
            changes[field] = getattr(payload, field)  # None is refused by the service, naming the field
    if "date_of_birth" in sent:
        changes["date_of_birth"] = payload.date_of_birth
    return changes


# --- Beneficial owners ------------------------------------------------------------------------
@router.get(
    "/suppliers/{organisation_id}/beneficial-owners",
    response=list[BeneficialOwnerOut],
    auth=api_auth,
    summary="A supplier's beneficial owners, with their personal data",
)
def beneficial_owner_list(request: HttpRequest, organisation_id: uuid.UUID) -> list[BeneficialOwnerOut]:
    supplier = _supplier(request, organisation_id)
    return [BeneficialOwnerOut.of(owner) for owner in selectors.beneficial_owners_of(supplier)]


@router.post(
    "/suppliers/{organisation_id}/beneficial-owners",
    response={201: BeneficialOwnerOut},
    auth=api_auth,
    summary="Add a beneficial owner (the shares together at most 100%)",
)
def beneficial_owner_add(
    request: HttpRequest, organisation_id: uuid.UUID, payload: BeneficialOwnerIn
) -> Status[BeneficialOwnerOut]:
    owner = services.beneficial_owner_add(
        actor=request_user(request),
        organisation=_supplier(request, organisation_id),
        name=payload.name,
        nationality=payload.nationality,
        share=payload.share,
        publishable=payload.publishable,
        date_of_birth=payload.date_of_birth,
        address=payload.address,
    )
    return Status(201, BeneficialOwnerOut.of(owner))


@router.patch(
    "/suppliers/{organisation_id}/beneficial-owners/{owner_id}",
    response=BeneficialOwnerOut,
    auth=api_auth,
    summary="Change a beneficial owner (only the fields sent)",
)
def beneficial_owner_update(
    request: HttpRequest, organisation_id: uuid.UUID, owner_id: uuid.UUID, payload: BeneficialOwnerPatch
) -> BeneficialOwnerOut:
    supplier = _supplier(request, organisation_id)
    owner = services.beneficial_owner_update(
        actor=request_user(request), owner=_owner(supplier, owner_id), **_changes(payload)
    )
    return BeneficialOwnerOut.of(owner)


@router.delete(
    "/suppliers/{organisation_id}/beneficial-owners/{owner_id}",
    response={204: None},
    auth=api_auth,
    summary="Remove a beneficial owner",
)
def beneficial_owner_remove(request: HttpRequest, organisation_id: uuid.UUID, owner_id: uuid.UUID) -> Status[None]:
    supplier = _supplier(request, organisation_id)
    services.beneficial_owner_remove(actor=request_user(request), owner=_owner(supplier, owner_id))
    return Status(204, None)


# --- Qualification documents ------------------------------------------------------------------
@router.get(
    "/suppliers/{organisation_id}/qualifications",
    response=list[QualificationOut],
    auth=api_auth,
    summary="A supplier's qualification documents, expired ones included, with their expiry state",
)
def qualification_list(request: HttpRequest, organisation_id: uuid.UUID) -> list[QualificationOut]:
    supplier = _supplier(request, organisation_id)
    today = selectors.today()
    return [QualificationOut.of(q, today) for q in selectors.qualifications_of(supplier)]


@router.post(
    "/suppliers/{organisation_id}/qualifications",
    response={201: QualificationOut},
    auth=api_auth,
    summary="Upload a qualification document (multipart form)",
    description="Fields: kind (" + ", ".join(QualificationKind.values) + "), title, issued_on and expires_on "
    "(YYYY-MM-DD, optional), and file (required: PDF, office document, spreadsheet, text or image). "
    "A document that has already expired is refused.",
)
def qualification_add(
    request: HttpRequest,
    organisation_id: uuid.UUID,
    kind: Form[str],
    title: Form[str],
    # Optional here so that a missing file is reported like every other field, as "file".
    file: File[UploadedFile | None] = None,
    issued_on: Form[str] = "",
    expires_on: Form[str] = "",
) -> Status[QualificationOut]:
    qualification = services.qualification_document_add(
        actor=request_user(request),
        organisation=_supplier(request, organisation_id),
        kind=kind,
        title=title,
        file=file,
        issued_on=issued_on or None,
        expires_on=expires_on or None,
    )
    found = selectors.qualification_get(qualification.organisation, qualification.pk)
    assert found is not None
    return Status(201, QualificationOut.of(found, selectors.today()))


@router.delete(
    "/suppliers/{organisation_id}/qualifications/{qualification_id}",
    response={204: None},
    auth=api_auth,
    summary="Remove a qualification document from the register (bids that used it keep it)",
)
def qualification_remove(request: HttpRequest, organisation_id: uuid.UUID, qualification_id: uuid.UUID) -> Status[None]:
    supplier = _supplier(request, organisation_id)
    qualification = selectors.qualification_get(supplier, qualification_id)
    if qualification is None:
        raise NotFound(_("There is no such qualification document."))
    services.qualification_document_remove(actor=request_user(request), qualification=qualification)
    return Status(204, None)


# --- The debarment list -----------------------------------------------------------------------
# Public to read; recorded and lifted by platform administrators and the review body. Tagged on
# their own, so the OpenAPI document groups them apart from the register.
DEBARMENT_TAGS = ["debarments"]


class DebarredSupplierOut(Schema):
    id: uuid.UUID
    name: str
    identifier: str = Field(description="Registration scheme and number, such as GB-COH-01234567")


class DebarmentOut(Schema):
    id: uuid.UUID
    supplier: DebarredSupplierOut
    reason: str
    authority: str = Field(description="Who decided the debarment")
    reference: str = Field(description="The decision's number or reference; empty when none was given")
    starts_on: dt.datetime
    ends_on: dt.datetime | None = Field(
        description="The debarment no longer applies from this moment; null: indefinite"
    )
    state: domain.DebarmentState = Field(description="At the time of the request: upcoming, in_force, ended or lifted")
    in_force: bool = Field(description="The supplier can neither bid nor be awarded now")
    lifted_at: dt.datetime | None
    lift_reason: str
    recorded_at: dt.datetime

    @staticmethod
    def of(debarment: Debarment, now: dt.datetime) -> DebarmentOut:
        supplier = debarment.supplier
        return DebarmentOut(
            id=debarment.pk,
            supplier=DebarredSupplierOut(id=supplier.pk, name=supplier.legal_name, identifier=supplier.identifier),
            reason=debarment.reason,
            authority=debarment.authority,
            reference=debarment.reference,
            starts_on=debarment.starts_on,
            ends_on=debarment.ends_on,
            state=domain.debarment_state(debarment.starts_on, debarment.ends_on, debarment.lifted_at, now),
            in_force=domain.debarment_in_force(debarment.starts_on, debarment.ends_on, debarment.lifted_at, now),
            lifted_at=debarment.lifted_at,
            lift_reason=debarment.lift_reason,
            recorded_at=debarment.recorded_at,
        )


class DebarmentPage(Schema):
    results: list[DebarmentOut]
    next_cursor: str | None


class DebarmentQuery(Schema):
    include_past: bool = Field(False, description="Also debarments that have ended or were lifted")
    supplier: uuid.UUID | None = Field(None, description="Only this supplier's debarments")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class DebarmentIn(Schema):
    supplier: uuid.UUID = Field(description="The supplier organisation's id")
    reason: str = Field(description="Published")
    authority: str = Field(description="Who decided, such as the Public Procurement Review Board")
    starts_on: dt.datetime = Field(description="With its time zone; may be in the past or the future")
    ends_on: dt.datetime | None = Field(None, description="With its time zone; null or left out: indefinite")
    reference: str = Field("", description="The decision's number or reference")


class DebarmentLiftIn(Schema):
    reason: str = Field(description="Why the debarment is lifted early: published")


@router.get(
    "/debarments",
    response=DebarmentPage,
    auth=optional_auth,
    tags=DEBARMENT_TAGS,
    summary="The public debarment list",
    description="Debarments in force and announced to start later (with include_past, also those that ended "
    "or were lifted), the latest start first. A debarred supplier can neither bid nor be awarded.",
)
def debarment_list(request: HttpRequest, filters: Query[DebarmentQuery]) -> DebarmentPage:
    now = clock.now()
    queryset = selectors.public_debarments(now, include_past=filters.include_past)
    if filters.supplier is not None:
        queryset = queryset.filter(supplier_id=filters.supplier)
    page = paginate(queryset, order=("-starts_on", "-id"), cursor=filters.cursor or None, limit=filters.limit)
    return DebarmentPage(results=[DebarmentOut.of(d, now) for d in page.items], next_cursor=page.next_cursor)


@router.post(
    "/debarments",
    response={201: DebarmentOut},
    auth=api_auth,
    tags=DEBARMENT_TAGS,
    summary="Debar a supplier (platform administrators and the review body)",
    description="A period overlapping a debarment of the same supplier that is not lifted is a 409 conflict.",
)
def debarment_create(request: HttpRequest, payload: DebarmentIn) -> Status[DebarmentOut]:
    user = request_user(request)
    access.check_can_manage_debarments(user)
    supplier = accounts_selectors.organisation_get(payload.supplier)
    if supplier is None:
        raise InvalidInput.for_field("supplier", _("There is no organisation with this id."))
    debarment = services.debarment_record(
        actor=user,
        supplier=supplier,
        reason=payload.reason,
        authority=payload.authority,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reference=payload.reference,
    )
    return Status(201, DebarmentOut.of(debarment, clock.now()))


@router.post(
    "/debarments/{debarment_id}/lift",
    response=DebarmentOut,
    auth=api_auth,
    tags=DEBARMENT_TAGS,
    summary="Lift a debarment early (platform administrators and the review body)",
    description="From now on the supplier may bid again. The debarment stays on the list, marked lifted.",
)
def debarment_lift(request: HttpRequest, debarment_id: uuid.UUID, payload: DebarmentLiftIn) -> DebarmentOut:
    user = request_user(request)
    access.check_can_manage_debarments(user)
    debarment = selectors.debarment_get(debarment_id)
    if debarment is None:
        raise NotFound(_("There is no such debarment."))
    lifted = services.debarment_lift(actor=user, debarment=debarment, reason=payload.reason)
    return DebarmentOut.of(lifted, clock.now())
