"""The bidding panel of the public tender page: the deadline, the number of bids where the
procedure allows it, and for a supplier's people their bid on each lot (or a button to start one).

Registered by BidsConfig.ready() with `register_tender_panel("bids", bid_panel, order=10)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string

from procura.accounts import selectors as accounts_selectors
from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind
from procura.bids import access, selectors, services
from procura.bids.models import Bid
from procura.bids.views import accepting_submissions, bidding_open, status_label, status_tag
from procura.core import clock
from procura.tenders.domain import Participation
from procura.tenders.models import Lot, Tender
from procura.tenders.rules import rules_of


@dataclass(frozen=True)
class LiveBid:
    supplier: Organisation
    bid: Bid
    status_label: str
    status_tag: str
    has_changes: bool


@dataclass(frozen=True)
class LotBidding:
    lot: Lot
    bids: list[LiveBid]
    can_start: list[Organisation]  # suppliers the person may start a bid for, on this lot


def _supplier_memberships(user: object) -> list[Organisation]:
    if not isinstance(user, User) or not user.is_authenticated:
        return []
    return [
        entry.organisation
        for entry in accounts_selectors.organisations_of(user)
        if entry.organisation.kind == OrganisationKind.SUPPLIER
        and access.can_view_supplier_bids(user, entry.organisation)
    ]


def _lots(user: object, tender: Tender, suppliers: list[Organisation], open_now: bool) -> list[LotBidding]:
    live = {supplier.pk: selectors.live_bids_for_tender(supplier=supplier, tender=tender) for supplier in suppliers}
    lots = []
    for lot in tender.lots.order_by("position"):
        bids = []
        can_start = []
        for supplier in suppliers:
            found = live[supplier.pk].get(str(lot.pk))
            if found is not None:
                bids.append(
                    LiveBid(
                        supplier=supplier,
                        bid=found,
                        status_label=status_label(found.status),
                        status_tag=status_tag(found.status),
                        has_changes=bool(found.draft_sealed) and found.status == "submitted",
                    )
                )
            elif open_now and access.can_bid(user, supplier):
                can_start.append(supplier)
        lots.append(LotBidding(lot=lot, bids=bids, can_start=can_start))
    return lots


def bid_panel(request: HttpRequest, tender: Tender) -> str:
    """The tender page's bidding section, or "" for a tender that takes no bids on the platform."""
    if not tender.is_published or tender.tender_end is None:
        return ""
    now = clock.now()
    user = request.user
    suppliers = _supplier_memberships(user)
    open_now = bidding_open(tender, now)
    managers = any(access.can_bid(user, supplier) for supplier in suppliers)
    context = {
        "tender": tender,
        "now": now,
        "deadline": tender.tender_end,
        "closed": now > tender.tender_end,
        "opening": services.opening_time(tender),
        "opened": selectors.is_opened(tender),
        "count": selectors.public_bid_count(tender),
        "open_now": open_now,
        "accepting": accepting_submissions(tender, now),
        "restricted": rules_of(tender.rules).participation != Participation.ANY,
        "is_supplier": bool(suppliers),
        "is_bid_manager": managers,
        "lots": _lots(user, tender, suppliers, open_now) if suppliers else [],
        "several_suppliers": len(suppliers) > 1,
    }
    return render_to_string("bids/includes/tender_panel.html", context, request=request)
