"""Who may see and add documents. Owners live in higher apps, so each registers the rule for its
owner type here (from its AppConfig.ready); without one, only members of the document's
organisation see it. Nobody sees a file whose scan status is not servable.

`can_*` answer yes or no; `check_*` raise. A refused view is NotFound, not PermissionDenied:
saying "you may not" would tell an outsider the document exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from procura.accounts import access as accounts_access
from procura.accounts.models import Organisation
from procura.core.errors import NotFound, PermissionDenied
from procura.documents.models import Document
from procura.documents.scanning import SERVABLE_SCAN_STATUSES

ViewRule = Callable[[Any, Document], bool]

_view_rules: dict[str, ViewRule] = {}


def register_owner_access(owner_type: str, can_view: ViewRule) -> None:
    """Say who may see documents of `owner_type`: `can_view(user, document)`; `user` may be
    anonymous. Registering the same rule again is harmless; a different one is a mistake."""
    registered = _view_rules.get(owner_type)
    if registered is not None and registered is not can_view:
        raise ValueError(f"documents of {owner_type!r} already have a view rule: {registered!r}")
    _view_rules[owner_type] = can_view


def unregister_owner_access(owner_type: str) -> None:
    _view_rules.pop(owner_type, None)


def members_of_the_organisation(user: Any, document: Document) -> bool:
    """The rule for owner types nobody registered."""
    return accounts_access.is_member(user, document.organisation)


def is_servable(document: Document) -> bool:
    return document.scan_status in SERVABLE_SCAN_STATUSES and bool(document.storage_name)


def can_view_document(user: Any, document: Document) -> bool:
    if not is_servable(document):
        return False
    rule = _view_rules.get(document.owner_type, members_of_the_organisation)
    return bool(rule(user, document))


def can_upload_document(user: Any, organisation: Organisation) -> bool:
    return accounts_access.is_member(user, organisation)


def can_rescan_document(user: Any, document: Document) -> bool:
    """Members of the document's organisation (after a failed scan) and platform administrators."""
    return accounts_access.is_member(user, document.organisation) or accounts_access.is_platform_administrator(user)


def check_can_view_document(user: Any, document: Document) -> None:
    if not can_view_document(user, document):
        raise NotFound(_("There is no such document."))


def check_can_upload_document(user: Any, organisation: Organisation) -> None:
    accounts_access.check_signed_in(user)
    if not can_upload_document(user, organisation):
        raise PermissionDenied(_("Only members of %(name)s can add documents for it.") % {"name": organisation})


def check_can_rescan_document(user: Any, document: Document) -> None:
    accounts_access.check_signed_in(user)
    if not can_rescan_document(user, document):
        raise PermissionDenied(
            _("Only members of %(name)s can have its documents scanned again.") % {"name": document.organisation}
        )
