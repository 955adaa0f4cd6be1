"""Who may record incidents and extend deadlines after them: platform administrators only.

What incidents caused (the incidents and the extensions) is public; see selectors.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, is_platform_administrator
from procura.core.errors import PermissionDenied


def can_manage_incidents(user: Any) -> bool:
    return is_platform_administrator(user)


def check_can_manage_incidents(user: Any) -> None:
    check_signed_in(user)
    if not can_manage_incidents(user):
        raise PermissionDenied(_("Only platform administrators can record incidents and extend deadlines after them."))
