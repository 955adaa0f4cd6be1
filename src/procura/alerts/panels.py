"""The Follow / Stop following button on the tender page (a tenders page panel, see
procura.tenders.panels), so the tender page offers it without tenders importing alerts."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from procura.alerts import access, selectors
from procura.tenders.models import Tender


def follow_panel(request: HttpRequest, tender: Tender) -> str:
    user = getattr(request, "user", None)
    if not access.can_follow(user, tender):
        return ""
    context = {"tender": tender, "alerts_can_follow": True, "alerts_following": selectors.is_following(user, tender)}
    return render_to_string("alerts/includes/follow_button.html", context, request=request)
