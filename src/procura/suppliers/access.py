"""Who may see or change a supplier's register: the one place for these rules.

`can_*` answer yes or no; `check_*` raise with a message a person can act on. Services call
`check_*`; pages and the API ask `can_*` to decide what to show.

The register (beneficial owners with their personal data, qualification documents) is for the
supplier's own members (bid managers change it, viewers read it) and the platform's
administrators and auditors, who read it. Buyers and other suppliers see nothing here: buyers see
qualification documents through the bids that use them, and everyone sees the beneficial owners
the law allows to publish, through the open data (OCDS) only.

The debarment list is public; platform administrators and the review body keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, platform_roles, roles_in
from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind, Role
from procura.core.errors import PermissionDenied

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


def is_supplier(organisation: Organisation) -> bool:
    return organisation.kind == OrganisationKind.SUPPLIER


def can_view_register(user: Any, organisation: Organisation) -> bool:
    if not is_supplier(organisation):
        return False
    if roles_in(user, organisation) & {Role.BID_MANAGER, Role.VIEWER}:
        return True
    return bool(platform_roles(user) & OVERSEERS)


def can_edit_register(user: Any, organisation: Organisation) -> bool:
    return is_supplier(organisation) and Role.BID_MANAGER in roles_in(user, organisation)


# Further rules for seeing a qualification document, registered by higher apps (bids: the buyer
# of a tender whose opened bid relies on it), since this app cannot import them.
_qualification_viewers: list[Callable[[Any, Any], bool]] = []


def register_qualification_document_viewer(rule: Callable[[Any, Any], bool]) -> None:
    """Let `rule(user, document)` also grant sight of qualification documents (call from a
    higher app's AppConfig.ready). Registering the same rule twice is harmless."""
    if rule not in _qualification_viewers:
        _qualification_viewers.append(rule)


def can_view_qualification_document(user: Any, document: Any) -> bool:
    """The documents app asks this for documents of owner type "qualification_document"
    (registered in SuppliersConfig.ready); the document belongs to the supplier."""
    if can_view_register(user, document.organisation):
        return True
    return any(rule(user, document) for rule in _qualification_viewers)


def check_can_view_register(user: Any, organisation: Organisation) -> None:
    check_signed_in(user)
    if not can_view_register(user, organisation):
        raise PermissionDenied(
            _("Only members of %(name)s, platform administrators and auditors can see its supplier register.")
            % {"name": organisation}
        )


def check_can_edit_register(user: Any, organisation: Organisation) -> None:
    check_signed_in(user)
    if not can_edit_register(user, organisation):
        raise PermissionDenied(
            _("Only a bid manager of %(name)s can change its beneficial owners and qualification documents.")
            % {"name": organisation}
        )


# --- Debarment --------------------------------------------------------------------------------
# Who records and lifts debarments: the platform's administrators and the review body, each held
# in an oversight organisation. The list itself is public.
DEBARMENT_KEEPERS = frozenset({Role.ADMINISTRATOR, Role.REVIEW_BODY})


def can_manage_debarments(user: Any) -> bool:
    return bool(platform_roles(user) & DEBARMENT_KEEPERS)


def check_can_manage_debarments(user: Any) -> None:
    check_signed_in(user)
    if not can_manage_debarments(user):
        raise PermissionDenied(_("Only platform administrators and the review body can record or lift debarments."))
