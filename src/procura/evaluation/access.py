"""Who may see or do what in an evaluation: the one place for these rules.

Nobody on the buyer's side reads a bid before taking a seat on the tender's panel and signing a
conflict-of-interest declaration that names the bidders; a member who declares a conflict is
recused and reads nothing. The buyer's procurement officers set up the panel, but to act on the
evaluation they too must sit on it and declare. An independent observer reads what the panel
reads and can change nothing: no write check ever lets an observer seat through. The platform's
administrators and auditors oversee every evaluation, read-only. A bidder sees only its own
assessment and the clarification requests made to it.

`can_*` answer yes or no, one condition per line; `check_*` raise with a message a person can
act on. `connect()` makes `can_read_bids` the rule for who on the buyer's side reads opened bids
(bids.access), so every path to a bid — pages, files, the API — follows the panel.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, is_signed_in, platform_roles, roles_in
from procura.accounts.roles import OrganisationKind, Role
from procura.bids import access as bids_access
from procura.bids.models import Bid
from procura.core.errors import PermissionDenied
from procura.evaluation.models import PanelMember, PanelRole
from procura.tenders.models import Tender

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


# --- Facts ----------------------------------------------------------------------------------------
def is_overseer(user: Any) -> bool:
    return bool(platform_roles(user) & OVERSEERS)


def is_buyer_member(user: Any, tender: Tender) -> bool:
    return bool(roles_in(user, tender.buyer))


def is_procurement_officer(user: Any, tender: Tender) -> bool:
    return tender.buyer.kind == OrganisationKind.BUYER and Role.PROCUREMENT_OFFICER in roles_in(user, tender.buyer)


def seat_of(user: Any, tender: Tender) -> PanelMember | None:
    """The person's current seat on the tender's panel (with its declaration), if any."""
    if not is_signed_in(user):
        return None
    return (
        PanelMember.objects.select_related("declaration")
        .filter(evaluation__tender_id=tender.pk, user=user, removed_at__isnull=True)
        .first()
    )


def has_declared(seat: PanelMember | None) -> bool:
    return seat is not None and hasattr(seat, "declaration")


def is_recused(seat: PanelMember | None) -> bool:
    """The member declared a conflict of interest: they read no bid and score nothing."""
    return has_declared(seat) and seat is not None and seat.declaration.has_conflict


def _cleared(user: Any, tender: Tender, seat: PanelMember | None) -> bool:
    """A seat whose holder declared no conflict; an evaluator must still belong to the buyer."""
    if seat is None or not has_declared(seat) or is_recused(seat):
        return False
    if seat.role == PanelRole.EVALUATOR:
        return is_buyer_member(user, tender)
    return True


# --- Reading --------------------------------------------------------------------------------------
def can_read_bids(user: Any, tender: Tender) -> bool:
    """Full content of the tender's opened bids: the platform's overseers, and the panel members
    (evaluators and observers) who declared no conflict. Registered with bids.access."""
    if not is_signed_in(user):
        return False
    if is_overseer(user):
        return True
    return _cleared(user, tender, seat_of(user, tender))


def can_view_evaluation(user: Any, tender: Tender) -> bool:
    """The evaluation itself (bids, checks, marks, ranking): the same people as `can_read_bids`."""
    return can_read_bids(user, tender)


def can_see_panel(user: Any, tender: Tender) -> bool:
    """The evaluation's home page (the panel and who has declared, no bid): every member of the
    panel — declared or not, so they can declare — the buyer's procurement officers, overseers."""
    if not is_signed_in(user):
        return False
    if is_overseer(user):
        return True
    if is_procurement_officer(user, tender):
        return True
    return seat_of(user, tender) is not None


# --- Acting ---------------------------------------------------------------------------------------
def can_manage_panel(user: Any, tender: Tender) -> bool:
    """Add and remove panel members: the buyer's procurement officers (no seat needed: someone
    has to set the panel up before anyone can declare)."""
    return is_signed_in(user) and is_procurement_officer(user, tender)


def can_declare(user: Any, tender: Tender) -> bool:
    """Sign the declaration: the holder of a seat who has not signed yet."""
    seat = seat_of(user, tender)
    return seat is not None and not has_declared(seat)


def can_manage_evaluation(user: Any, tender: Tender) -> bool:
    """Qualify and disqualify bids, ask bidders for clarification, agree consensus marks, open
    the financial offers: a procurement officer of the buyer holding a cleared evaluator seat."""
    if not is_procurement_officer(user, tender):
        return False
    seat = seat_of(user, tender)
    return seat is not None and seat.role == PanelRole.EVALUATOR and _cleared(user, tender, seat)


def can_score(user: Any, tender: Tender) -> bool:
    """Record one's own marks: an evaluator (a member of the buyer) who declared no conflict."""
    seat = seat_of(user, tender)
    return seat is not None and seat.role == PanelRole.EVALUATOR and _cleared(user, tender, seat)


# --- The bidder's side ----------------------------------------------------------------------------
def can_view_own_assessment(user: Any, bid: Bid) -> bool:
    """A bid's assessment and the clarification requests about it: the bidder's members."""
    return bids_access.is_supplier_member(user, bid.supplier)


def can_answer_clarification(user: Any, bid: Bid) -> bool:
    """Answer a clarification request: the bidder's bid managers."""
    return bids_access.can_bid(user, bid.supplier)


# --- Checks that raise ----------------------------------------------------------------------------
def _refuse_unseated(user: Any, tender: Tender) -> None:
    """The reason someone who may not read the evaluation is refused, as precisely as we can say."""
    seat = seat_of(user, tender)
    if seat is None:
        raise PermissionDenied(
            _("Only the members of the evaluation panel of %(ocid)s can see its bids and evaluation.")
            % {"ocid": tender.ocid}
        )
    if not has_declared(seat):
        raise PermissionDenied(
            _("Sign your conflict-of-interest declaration first: no bid is shown to you before you declare.")
        )
    if is_recused(seat):
        raise PermissionDenied(
            _("You declared a conflict of interest, so you take no part in this evaluation and see no bid.")
        )
    raise PermissionDenied(
        _("Only members of %(buyer)s can evaluate its tenders.") % {"buyer": tender.buyer.legal_name}
    )


def check_can_view_evaluation(user: Any, tender: Tender) -> None:
    check_signed_in(user)
    if not can_view_evaluation(user, tender):
        _refuse_unseated(user, tender)


def check_can_see_panel(user: Any, tender: Tender) -> None:
    check_signed_in(user)
    if not can_see_panel(user, tender):
        raise PermissionDenied(
            _(
                "Only the evaluation panel of %(ocid)s, the buyer's procurement officers and the platform's "
                "auditors can see it."
            )
            % {"ocid": tender.ocid}
        )


def check_can_manage_panel(user: Any, tender: Tender) -> None:
    check_signed_in(user)
    if not can_manage_panel(user, tender):
        raise PermissionDenied(
            _("Only a procurement officer of %(buyer)s can set up the evaluation panel.")
            % {"buyer": tender.buyer.legal_name}
        )


def check_can_manage_evaluation(user: Any, tender: Tender) -> None:
    check_signed_in(user)
    if can_manage_evaluation(user, tender):
        return
    seat = seat_of(user, tender)
    if not is_procurement_officer(user, tender) or (seat is not None and seat.role == PanelRole.OBSERVER):
        raise PermissionDenied(
            _("Only a procurement officer of %(buyer)s sitting on the panel as an evaluator can do this.")
            % {"buyer": tender.buyer.legal_name}
        )
    if seat is None:
        raise PermissionDenied(
            _(
                "Take a seat on the evaluation panel and sign your declaration first: officers evaluate as "
                "members of the panel."
            )
        )
    _refuse_unseated(user, tender)


def check_can_score(user: Any, tender: Tender) -> None:
    check_signed_in(user)
    if can_score(user, tender):
        return
    seat = seat_of(user, tender)
    if seat is not None and seat.role == PanelRole.OBSERVER:
        raise PermissionDenied(_("An observer follows the evaluation but does not score."))
    _refuse_unseated(user, tender)


def check_can_answer_clarification(user: Any, bid: Bid) -> None:
    check_signed_in(user)
    if not can_answer_clarification(user, bid):
        raise PermissionDenied(
            _("Only a bid manager of %(supplier)s can answer for its bid.") % {"supplier": bid.supplier.legal_name}
        )


# --- Wiring ---------------------------------------------------------------------------------------
def connect() -> None:
    """Make the panel the rule for who on the buyer's side reads opened bids (EvaluationConfig.ready)."""
    bids_access.register_opened_bid_reader(can_read_bids)
