"""Who may see or do what with bids: the one place for these rules.

Before the opening a bid is readable only by the supplier that made it (its members). Nobody
else — the buyer, platform administrators, auditors — can read what it says through any path:
the only public fact is that bids exist, and their number where the procedure allows it. After
the opening, prices and bidders are public; the full content (answers, files) is for the buyer
of the tender, the bidder and the platform's overseers.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, platform_roles, roles_in
from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind, Role
from procura.bids.models import Bid
from procura.core.errors import NotFound, PermissionDenied
from procura.tenders.models import Tender

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


def is_supplier_member(user: Any, supplier: Organisation) -> bool:
    return supplier.kind == OrganisationKind.SUPPLIER and bool(roles_in(user, supplier))


def can_bid(user: Any, supplier: Organisation) -> bool:
    """Start, edit, submit, replace and withdraw bids: the supplier's bid managers."""
    return supplier.kind == OrganisationKind.SUPPLIER and Role.BID_MANAGER in roles_in(user, supplier)


def can_view_supplier_bids(user: Any, supplier: Organisation) -> bool:
    """A supplier's bid workspace (its own bids, drafts and receipts): its members."""
    return is_supplier_member(user, supplier)


def can_view_bid(user: Any, bid: Bid) -> bool:
    """The bid itself, its content and receipts: the bidder always; after the opening, also the
    buyer of the tender and the platform's overseers."""
    if is_supplier_member(user, bid.supplier):
        return True
    if not hasattr(bid, "opened"):
        return False
    if roles_in(user, bid.tender.buyer):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def can_read_opened_bids(user: Any, tender: Tender) -> bool:
    """Full content of every opened bid of a tender (answers, files): the buyer and overseers."""
    if roles_in(user, tender.buyer):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def check_can_bid(user: Any, supplier: Organisation) -> None:
    check_signed_in(user)
    if not can_bid(user, supplier):
        raise PermissionDenied(_("Only a bid manager of %(supplier)s can do this.") % {"supplier": supplier.legal_name})


def check_can_view_supplier_bids(user: Any, supplier: Organisation) -> None:
    check_signed_in(user)
    if not can_view_supplier_bids(user, supplier):
        raise PermissionDenied(_("Only members of %(supplier)s can see its bids.") % {"supplier": supplier.legal_name})


def check_can_view_bid(user: Any, bid: Bid) -> None:
    """A 404, not a 403, for everyone who may not see it: a sealed bid's existence is not
    announced to them by its address."""
    check_signed_in(user)
    if not can_view_bid(user, bid):
        raise NotFound(_("There is no such bid."))
