"""Who may change the classification lists: platform administrators, or the platform itself."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts import access as accounts_access
from procura.core.errors import PermissionDenied


def can_load_classifications(user: Any) -> bool:
    """`None` is the platform acting on its own (the `procura` command, the demo loader)."""
    if user is None:
        return True
    return accounts_access.is_platform_administrator(user)


def check_can_load_classifications(user: Any) -> None:
    if user is not None:
        accounts_access.check_signed_in(user)
    if not can_load_classifications(user):
        raise PermissionDenied(_("Only a platform administrator can load classification codes."))
