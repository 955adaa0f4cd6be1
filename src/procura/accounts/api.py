"""Accounts API (/api/v1/): the current user, organisations, memberships, invitations, tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from procura.accounts import access, selectors, services
from procura.accounts.authentication import api_auth, optional_auth, request_user
from procura.accounts.models import ApiToken, Invitation, Membership, Organisation
from procura.accounts.roles import OrganisationKind, Role
from procura.core.errors import NotFound
from procura.core.pagination import paginate

router = Router(tags=["accounts"])


# --- Output schemas ---------------------------------------------------------------------------
class AddressOut(Schema):
    street_address: str
    locality: str
    region: str
    postal_code: str
    country_code: str


class ContactPointOut(Schema):
    name: str
    email: str
    telephone: str
    url: str


class OrganisationOut(Schema):
    id: uuid.UUID
    legal_name: str
    identifier: str = Field(description="org-id style identifier, scheme and number: GB-COH-01234567")
    identifier_scheme: str
    identifier_id: str
    kind: str
    scale: str | None
    address: AddressOut
    contact_point: ContactPointOut

    @staticmethod
    def of(org: Organisation) -> OrganisationOut:
        return OrganisationOut(
            id=org.pk,
            legal_name=org.legal_name,
            identifier=org.identifier,
            identifier_scheme=org.identifier_scheme,
            identifier_id=org.identifier_id,
            kind=org.kind,
            scale=org.scale or None,
            address=AddressOut(
                street_address=org.street_address,
                locality=org.locality,
                region=org.region,
                postal_code=org.postal_code,
                country_code=org.country_code,
            ),
            contact_point=ContactPointOut(
                name=org.contact_name, email=org.contact_email, telephone=org.contact_telephone, url=org.website
            ),
        )


class OrganisationPage(Schema):
    results: list[OrganisationOut]
    next_cursor: str | None


class MyOrganisationOut(Schema):
    organisation: OrganisationOut
    roles: list[str]


class MeOut(Schema):
    id: uuid.UUID
    email: str
    full_name: str
    email_verified: bool
    language: str
    two_factor_verified: bool
    organisations: list[MyOrganisationOut]


class MemberOut(Schema):
    id: uuid.UUID
    user_id: uuid.UUID
    full_name: str
    email: str
    role: str
    since: dt.datetime

    @staticmethod
    def of(m: Membership) -> MemberOut:
        return MemberOut(
            id=m.pk, user_id=m.user_id, full_name=m.user.full_name, email=m.user.email, role=m.role, since=m.created_at
        )


class InvitationOut(Schema):
    id: uuid.UUID
    email: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime

    @staticmethod
    def of(i: Invitation) -> InvitationOut:
        return InvitationOut(id=i.pk, email=i.email, role=i.role, created_at=i.created_at, expires_at=i.expires_at)


class TokenOut(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @staticmethod
    def of(t: ApiToken) -> TokenOut:
        return TokenOut(
            id=t.pk,
            name=t.name,
            prefix=t.prefix,
            scopes=list(t.scopes),
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            last_used_at=t.last_used_at,
        )


class NewTokenOut(Schema):
    token: TokenOut
    secret: str = Field(description="Shown once: store it now. Send as 'Authorization: Bearer <secret>'.")


# --- Input schemas ----------------------------------------------------------------------------
class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: Role


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Literal["read", "write"]] = Field(min_length=1)
    expires_in_days: int = Field(default=90, ge=1, le=366)


class OrganisationFilters(Schema):
    kind: OrganisationKind | None = None
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


# --- Helpers ----------------------------------------------------------------------------------
# --- Endpoints --------------------------------------------------------------------------------
@router.get("/me", response=MeOut, auth=api_auth, summary="The signed-in user and their organisations")
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        email_verified=user.email_verified_at is not None,
        language=user.language,
        two_factor_verified=bool(getattr(user, "is_verified", lambda: False)()) or hasattr(request, "api_token"),
        organisations=[
            MyOrganisationOut(organisation=OrganisationOut.of(entry.organisation), roles=list(entry.roles))
            for entry in selectors.organisations_of(user)
        ],
    )


@router.get("/organisations", response=OrganisationPage, auth=optional_auth, summary="Public organisation profiles")
def organisation_list(request: HttpRequest, filters: Query[OrganisationFilters]) -> OrganisationPage:
    page = paginate(
        selectors.public_organisations(kind=filters.kind),
        order=("legal_name", "id"),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return OrganisationPage(results=[OrganisationOut.of(o) for o in page.items], next_cursor=page.next_cursor)


@router.get(
    "/organisations/{organisation_id}",
    response=OrganisationOut,
    auth=optional_auth,
    summary="A public organisation profile",
)
def organisation_detail(request: HttpRequest, organisation_id: uuid.UUID) -> OrganisationOut:
    return OrganisationOut.of(selectors.organisation_found(organisation_id))


@router.get(
    "/organisations/{organisation_id}/memberships",
    response=list[MemberOut],
    auth=api_auth,
    summary="Members of an organisation you belong to",
)
def membership_list(request: HttpRequest, organisation_id: uuid.UUID) -> list[MemberOut]:
    organisation = selectors.organisation_found(organisation_id)
    access.check_can_view_members(request_user(request), organisation)
    return [MemberOut.of(m) for m in selectors.members_of(organisation)]


@router.delete(
    "/organisations/{organisation_id}/memberships/{membership_id}",
    response={204: None},
    auth=api_auth,
    summary="Remove a member's role",
)
def membership_delete(request: HttpRequest, organisation_id: uuid.UUID, membership_id: uuid.UUID) -> Status[None]:
    organisation = selectors.organisation_found(organisation_id)
    access.check_can_manage_members(request_user(request), organisation)
    membership = selectors.membership_get(organisation, membership_id)
    if membership is None:
        raise NotFound(_("There is no such membership in this organisation."))
    services.membership_revoke(actor=request_user(request), membership=membership)
    return Status(204, None)


@router.get(
    "/organisations/{organisation_id}/invitations",
    response=list[InvitationOut],
    auth=api_auth,
    summary="Pending invitations",
)
def invitation_list(request: HttpRequest, organisation_id: uuid.UUID) -> list[InvitationOut]:
    organisation = selectors.organisation_found(organisation_id)
    access.check_can_manage_members(request_user(request), organisation)
    return [InvitationOut.of(i) for i in selectors.pending_invitations(organisation)]


@router.post(
    "/organisations/{organisation_id}/invitations",
    response={201: InvitationOut},
    auth=api_auth,
    summary="Invite someone by email",
)
def invitation_create(request: HttpRequest, organisation_id: uuid.UUID, payload: InvitationIn) -> Status[InvitationOut]:
    organisation = selectors.organisation_found(organisation_id)
    invitation, _token = services.invitation_create(
        actor=request_user(request), organisation=organisation, email=payload.email, role=payload.role
    )
    return Status(201, InvitationOut.of(invitation))


@router.delete(
    "/organisations/{organisation_id}/invitations/{invitation_id}",
    response={204: None},
    auth=api_auth,
    summary="Withdraw an invitation",
)
def invitation_delete(request: HttpRequest, organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> Status[None]:
    organisation = selectors.organisation_found(organisation_id)
    access.check_can_manage_members(request_user(request), organisation)
    invitation = selectors.invitation_get(organisation, invitation_id)
    if invitation is None:
        raise NotFound(_("There is no such invitation in this organisation."))
    services.invitation_revoke(actor=request_user(request), invitation=invitation)
    return Status(204, None)


@router.get("/tokens", response=list[TokenOut], auth=api_auth, summary="Your API tokens")
def token_list(request: HttpRequest) -> list[TokenOut]:
    return [TokenOut.of(t) for t in selectors.tokens_of(request_user(request))]


@router.post("/tokens", response={201: NewTokenOut}, auth=api_auth, summary="Create an API token")
def token_create(request: HttpRequest, payload: TokenIn, response: HttpResponse) -> Status[NewTokenOut]:
    response["Cache-Control"] = "no-store"  # the secret is shown once: never cached or replayed
    token, secret = services.api_token_create(
        actor=request_user(request),
        name=payload.name,
        scopes=list(payload.scopes),
        expires_in_days=payload.expires_in_days,
    )
    return Status(201, NewTokenOut(token=TokenOut.of(token), secret=secret))


@router.delete("/tokens/{token_id}", response={204: None}, auth=api_auth, summary="Revoke an API token")
def token_delete(request: HttpRequest, token_id: uuid.UUID) -> Status[None]:
    services.api_token_revoke(actor=request_user(request), token_id=token_id)
    return Status(204, None)
