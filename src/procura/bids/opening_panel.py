"""The "Bid opening" section of the public tender page.

Before the opening it says when and where the bids will be opened and that they are sealed until
then; nothing about any bid. After it, it is the public opening record (bidders, price per lot,
withdrawn bids, the time of the opening), the same facts the OCDS data publishes, for everyone.
The buyer's members and the platform's overseers also get the way to the full bids.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string

from procura.bids import access, selectors, services
from procura.bids.selectors import OpeningLine
from procura.tenders.models import Lot, Tender


@dataclass(frozen=True)
class LotRecord:
    """One lot's part of the opening record."""

    lot: Lot
    lines: list[OpeningLine]


def _lot_records(tender: Tender, lines: list[OpeningLine]) -> list[LotRecord]:
    """Every lot of the tender, in order, with its lines (a lot nobody bid for says so)."""
    by_lot: dict[str, list[OpeningLine]] = {}
    # Prices first, lowest first as the record lists them; withdrawn bids after them, on every database.
    for line in sorted(lines, key=lambda line: line.withdrawn):
        by_lot.setdefault(line.lot_id, []).append(line)
    return [LotRecord(lot=lot, lines=by_lot.get(lot.local_id, [])) for lot in tender.lots.order_by("position")]


def opening_panel(request: HttpRequest, tender: Tender) -> str:
    """The tender page's bid opening section, or "" when the tender takes no bids on the
    platform (or was cancelled before its bids were opened: they stay sealed)."""
    opening, lines = selectors.opening_record(tender)
    if opening is None:
        moment = services.opening_time(tender)
        if moment is None or tender.cancelled_at is not None:
            return ""
        context = {"tender": tender, "opening_at": moment, "opening_place": tender.bid_opening_place}
        return render_to_string("bids/opening/tender_panel.html", context, request=request)
    context = {
        "tender": tender,
        "opening": opening,
        "lots": _lot_records(tender, lines),
        "can_read_bids": access.can_read_opened_bids(request.user, tender),
    }
    return render_to_string("bids/opening/tender_panel.html", context, request=request)
