"""Who may see or do what with accounts and organisations: the one place for these rules.

`can_*` answer yes or no; `check_*` raise PermissionDenied with a message a person can act on.
Services call `check_*`; pages and the API ask `can_*` to decide what to show.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.models import Membership, Organisation
from procura.accounts.roles import MEMBER_MANAGER_ROLES, TWO_FACTOR_ROLES, OrganisationKind, Role
from procura.core.errors import NotAuthenticated, PermissionDenied


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def roles_in(user: Any, organisation: Organisation) -> frozenset[str]:
    if not is_signed_in(user):
        return frozenset()
    return frozenset(Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True))


def platform_roles(user: Any) -> frozenset[str]:
    if not is_signed_in(user):
        return frozenset()
    return frozenset(
        Membership.objects.filter(user=user, organisation__kind=OrganisationKind.OVERSIGHT).values_list(
            "role", flat=True
        )
    )


def is_platform_administrator(user: Any) -> bool:
    return Role.ADMINISTRATOR in platform_roles(user)


def requires_two_factor(user: Any) -> bool:
    """Every buyer, platform and review-body role signs in with a second factor."""
    if not is_signed_in(user):
        return False
    return Membership.objects.filter(user=user, role__in=TWO_FACTOR_ROLES).exists()


def is_member(user: Any, organisation: Organisation) -> bool:
    return bool(roles_in(user, organisation))


def can_view_members(user: Any, organisation: Organisation) -> bool:
    if is_member(user, organisation):
        return True
    return bool(platform_roles(user) & {Role.ADMINISTRATOR, Role.AUDITOR})


def can_manage_members(user: Any, organisation: Organisation) -> bool:
    if roles_in(user, organisation) & MEMBER_MANAGER_ROLES:
        return True
    return is_platform_administrator(user)


def can_edit_organisation(user: Any, organisation: Organisation) -> bool:
    return can_manage_members(user, organisation)


def can_register_organisation(user: Any, kind: str) -> bool:
    """Suppliers register themselves; buyers and oversight bodies are set up by the platform."""
    if kind == OrganisationKind.SUPPLIER:
        return True
    return is_platform_administrator(user)


def check_signed_in(user: Any) -> None:
    if not is_signed_in(user):
        raise NotAuthenticated(_("You need to sign in to do this."))


def check_can_view_members(user: Any, organisation: Organisation) -> None:
    check_signed_in(user)
    if not can_view_members(user, organisation):
        raise PermissionDenied(_("Only members of %(name)s can see its members.") % {"name": organisation})


def check_can_manage_members(user: Any, organisation: Organisation) -> None:
    check_signed_in(user)
    if not can_manage_members(user, organisation):
        raise PermissionDenied(
            _("Only a procurement officer, bid manager or administrator of %(name)s can manage its members.")
            % {"name": organisation}
        )


def check_can_edit_organisation(user: Any, organisation: Organisation) -> None:
    check_signed_in(user)
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied(
            _("Only a procurement officer, bid manager or administrator of %(name)s can change its profile.")
            % {"name": organisation}
        )


def check_can_register_organisation(user: Any, kind: str) -> None:
    if not can_register_organisation(user, kind):
        raise PermissionDenied(_("Only a platform administrator can register buyers and oversight bodies."))
