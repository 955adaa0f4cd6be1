"""Who may see or do what with bids: the one place for these rules.

Before the opening a bid is readable only by the supplier that made it (its members). Nobody
else — the buyer, platform administrators, auditors — can read what it says through any path:
the only public fact is that bids exist, and their number where the procedure allows it. After
the opening, prices and bidders are public; the full content (answers, files) is for the buyer
of the tender, the bidder and the platform's overseers.

Which of the buyer's people read opened bids is narrowed by a higher app (evaluation: only the
panel members who declared no conflict of interest), registered with
`register_opened_bid_reader`. Without one, every member of the buyer reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, platform_roles, roles_in
from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind, Role
from procura.bids.models import Bid
from procura.core.errors import NotFound, PermissionDenied
from procura.tenders.models import Tender

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})

OpenedBidReader = Callable[[Any, Tender], bool]
_opened_bid_readers: list[OpenedBidReader] = []


def register_opened_bid_reader(check: OpenedBidReader) -> None:
    """Let a higher app decide who on the buyer's side reads a tender's opened bids (replacing
    any earlier rule): `check(user, tender)` is asked instead of "any member of the buyer"."""
    _opened_bid_readers[:] = [check]


def unregister_opened_bid_reader(check: OpenedBidReader) -> None:
    """Take a rule away again (tests); the buyer's members read opened bids once more."""
    if check in _opened_bid_readers:
        _opened_bid_readers.remove(check)


def _buyer_side_reads(user: Any, tender: Tender) -> bool:
    """Whether someone on the buyer's side reads the opened bids: the registered rule, or else
    any member of the buyer."""
    if _opened_bid_readers:
        return _opened_bid_readers[0](user, tender)
    return bool(roles_in(user, tender.buyer))


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
    buyer's readers of opened bids (see `register_opened_bid_reader`) and the platform's overseers."""
    if is_supplier_member(user, bid.supplier):
        return True
    if not hasattr(bid, "opened"):
        return False
    if _buyer_side_reads(user, bid.tender):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def can_read_opened_bids(user: Any, tender: Tender) -> bool:
    """Full content of every opened bid of a tender (answers, files): the buyer's readers of
    opened bids (see `register_opened_bid_reader`) and overseers."""
    if _buyer_side_reads(user, tender):
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
