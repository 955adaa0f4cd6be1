"""Reads for accounts: a user's organisations, an organisation's members and invitations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from procura.accounts.models import ApiToken, Invitation, Membership, Organisation, User
from procura.core import clock
from procura.core.errors import NotFound


@dataclass(frozen=True)
class OrganisationRoles:
    organisation: Organisation
    roles: tuple[str, ...]


def organisations_of(user: User) -> list[OrganisationRoles]:
    """The user's organisations with their roles in each, ordered by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    grouped: dict[uuid.UUID, OrganisationRoles] = {}
    for membership in (
        Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__legal_name", "role")
    ):
        entry = grouped.get(membership.organisation_id)
        roles = (*entry.roles, membership.role) if entry else (membership.role,)
        grouped[membership.organisation_id] = OrganisationRoles(membership.organisation, roles)
    return list(grouped.values())


def user_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=(email or "").strip()).exists()


def organisation_get(organisation_id: uuid.UUID | str) -> Organisation | None:
    try:
        return Organisation.objects.filter(pk=organisation_id).first()
    except Exception:  # a malformed id (not a UUID) is simply "not found"
        return None


def organisation_found(organisation_id: uuid.UUID | str) -> Organisation:
    """The organisation, or NotFound: for API paths that name one."""
    organisation = organisation_get(organisation_id)
    if organisation is None:
        raise NotFound(_("There is no organisation with this id."))
    return organisation


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name", "user__email", "role")
    )


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=clock.now()
    ).order_by("-created_at", "id")


def invitation_get(organisation: Organisation, invitation_id: uuid.UUID | str) -> Invitation | None:
    try:
        return Invitation.objects.filter(organisation=organisation, pk=invitation_id).first()
    except Exception:
        return None


def membership_get(organisation: Organisation, membership_id: uuid.UUID | str) -> Membership | None:
    try:
        return (
            Membership.objects.select_related("user", "organisation")
            .filter(organisation=organisation, pk=membership_id)
            .first()
        )
    except Exception:
        return None


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "id")


def public_organisations(*, kind: str | None = None) -> QuerySet[Organisation]:
    queryset = Organisation.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("legal_name", "id")
