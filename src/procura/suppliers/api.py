"""Suppliers API (/api/v1/): a supplier's beneficial owners and qualification documents.

Readable by the supplier's members, platform administrators and auditors; changed by the
supplier's bid managers only. Writes accept an `Idempotency-Key` header (see core.idempotency).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from procura.accounts.authentication import api_auth, request_user
from procura.accounts.models import Organisation
from procura.core.errors import NotFound
from procura.suppliers import access, domain, selectors, services
from procura.suppliers.models import BeneficialOwner, QualificationDocument, QualificationKind

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
