"""Template context for the base layout: the user's organisations and the active one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from procura.accounts import selectors
from procura.accounts.middleware import ACTIVE_ORGANISATION_KEY


def layout(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_organisations": [], "active_organisation": None}
    entries = selectors.organisations_of(user)
    active_id = request.session.get(ACTIVE_ORGANISATION_KEY)
    active = next((e for e in entries if str(e.organisation.pk) == active_id), entries[0] if entries else None)
    return {"my_organisations": entries, "active_organisation": active}
