"""The "Contracts" section of the public tender page: the tender's contracts with their status,
and, for the buyer's procurement officers, the awards still waiting for their contract."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from procura.contracts import access, selectors
from procura.contracts.views import status_tag
from procura.tenders.models import Tender


def contracts_panel(request: HttpRequest, tender: Tender) -> str:
    """The section, or "" while the tender has no contract and nothing to prepare for this person."""
    contracts = selectors.contracts_of_tender(tender)
    awaiting = []
    for award in selectors.awards_without_contract(tender):
        award.tender = tender
        if access.can_create_contract(request.user, award):
            awaiting.append(award)
    if not contracts and not awaiting:
        return ""
    context = {"tender": tender, "contracts": [(c, status_tag(c.status)) for c in contracts], "awaiting": awaiting}
    return render_to_string("contracts/tender_panel.html", context, request=request)
