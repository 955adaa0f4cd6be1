"""Who may see or do what with awards, decision notices and complaints: the one place for these rules.

The award decision, its reasons, the public part of every complaint and of every decision on a
complaint are public. A decision notice is for the bidder it was sent to (its members) and the
platform's overseers. What a complainant or the review body marks confidential (the
confidential part of the grounds or of the decision, and documents filed as confidential) is
shown only to the complainant's members, the review body and the platform's overseers — never
to the public, the buyer or the other bidders.

`can_*` answer yes or no, one condition per line; `check_*` raise with a message a person can
act on.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, is_signed_in, platform_roles, roles_in
from procura.accounts.models import Membership, Organisation
from procura.accounts.roles import OrganisationKind, Role
from procura.bids.models import OpenedBid
from procura.core.errors import NotFound, PermissionDenied
from procura.evaluation import access as evaluation_access
from procura.evaluation.models import Award, AwardStatus, Complaint, DecisionNotice
from procura.tenders.access import can_view_tender
from procura.tenders.models import Tender

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})
# Documents filed with a complaint: public ones, and those the complainant marked confidential.
COMPLAINT_DOCUMENT_OWNER = "complaint"
CONFIDENTIAL_COMPLAINT_DOCUMENT_OWNER = "complaint_confidential"


# --- Awards -----------------------------------------------------------------------------------------
def can_decide_award(user: Any, tender: Tender) -> bool:
    """Decide the award of a lot, or close it without award: whoever manages the tender's
    evaluation (a procurement officer of the buyer on the panel, declared without conflict)."""
    if not can_view_tender(user, tender):
        return False
    return evaluation_access.can_manage_evaluation(user, tender)


def can_view_award_workspace(user: Any, tender: Tender) -> bool:
    """The buyer's award page of a lot (the ranking, the forms): those who may read the
    evaluation (the cleared panel, the platform's overseers); only those who decide act on it."""
    if can_decide_award(user, tender):
        return True
    return can_view_tender(user, tender) and evaluation_access.can_view_evaluation(user, tender)


def check_can_decide_award(user: Any, tender: Tender) -> None:
    check_signed_in(user)
    if not can_view_tender(user, tender):
        raise NotFound(_("There is no tender %(ocid)s.") % {"ocid": tender.ocid})
    evaluation_access.check_can_manage_evaluation(user, tender)


def check_can_view_award_workspace(user: Any, tender: Tender) -> None:
    check_signed_in(user)
    if not can_view_tender(user, tender):
        raise NotFound(_("There is no tender %(ocid)s.") % {"ocid": tender.ocid})
    if not can_view_award_workspace(user, tender):
        evaluation_access.check_can_view_evaluation(user, tender)


# --- Decision notices -------------------------------------------------------------------------------
def is_notice_recipient(user: Any, notice: DecisionNotice) -> bool:
    """A member of the bidder the notice was sent to."""
    return bool(roles_in(user, notice.supplier))


def can_view_notice(user: Any, notice: DecisionNotice) -> bool:
    if is_notice_recipient(user, notice):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def check_can_view_notice(user: Any, notice: DecisionNotice) -> None:
    """A 404 for everyone else: a notice's address says nothing to them."""
    check_signed_in(user)
    if not can_view_notice(user, notice):
        raise NotFound(_("There is no such decision notice."))


def notice_suppliers(user: Any) -> list[Organisation]:
    """The suppliers whose decision notices the person reads (their members)."""
    if not is_signed_in(user):
        return []
    found = {
        m.organisation.pk: m.organisation
        for m in Membership.objects.filter(user=user, organisation__kind=OrganisationKind.SUPPLIER).select_related(
            "organisation"
        )
    }
    return sorted(found.values(), key=lambda organisation: (organisation.legal_name, str(organisation.pk)))


# --- Complaints -------------------------------------------------------------------------------------
def complaint_suppliers(user: Any, award: Award) -> list[Organisation]:
    """The suppliers the person may complain for about this award: those it is a bid manager of
    that had an opened bid, not withdrawn, in the award's lot — the winner excepted (it has
    nothing to complain of)."""
    if not is_signed_in(user):
        return []
    managed = Membership.objects.filter(
        user=user, role=Role.BID_MANAGER, organisation__kind=OrganisationKind.SUPPLIER
    ).values_list("organisation_id", flat=True)
    bidders = (
        OpenedBid.objects.filter(bid__lot_id=award.lot_id, version__isnull=False, bid__supplier_id__in=list(managed))
        .select_related("bid__supplier")
        .order_by("bid__supplier__legal_name", "bid_id")
    )
    suppliers: dict[Any, Organisation] = {}
    for opened in bidders:
        if opened.bid.supplier_id != award.supplier_id:
            suppliers.setdefault(opened.bid.supplier_id, opened.bid.supplier)
    return list(suppliers.values())


def can_file_complaint(user: Any, award: Award) -> bool:
    """File a complaint: a bid manager of a losing bidder of the lot, while the award is in its
    standstill (services check the time; pages ask this to offer the form)."""
    if award.status != AwardStatus.PENDING:
        return False
    return bool(complaint_suppliers(user, award))


def check_can_file_complaint(user: Any, award: Award, complainant: Organisation | None = None) -> Organisation:
    """The supplier the complaint is filed for (the one named, or the only one possible)."""
    check_signed_in(user)
    suppliers = complaint_suppliers(user, award)
    if not suppliers:
        raise PermissionDenied(
            _("Only a bid manager of a bidder for this lot, other than the winner, can complain about the award.")
        )
    if complainant is None:
        if len(suppliers) > 1:
            raise PermissionDenied(_("Say which of your suppliers files the complaint."))
        return suppliers[0]
    for supplier in suppliers:
        if supplier.pk == complainant.pk:
            return supplier
    raise PermissionDenied(
        _(
            "%(supplier)s cannot complain about this award: it did not bid for the lot, or it won it, or you are not "
            "its bid manager."
        )
        % {"supplier": complainant.legal_name}
    )


def is_complainant_member(user: Any, complaint: Complaint) -> bool:
    return bool(roles_in(user, complaint.complainant))


def is_review_body(user: Any) -> bool:
    return Role.REVIEW_BODY in platform_roles(user)


def can_view_complaint(user: Any, complaint: Complaint) -> bool:
    """A complaint's public part: anyone who may see the tender (it is published)."""
    return can_view_tender(user, complaint.award.tender)


def can_see_confidential(user: Any, complaint: Complaint) -> bool:
    """The confidential parts of a complaint and of its decision, and its confidential documents."""
    if is_complainant_member(user, complaint):
        return True
    if is_review_body(user):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def can_decide_complaint(user: Any) -> bool:
    """Uphold or dismiss complaints, and see the queue: the review body."""
    return is_review_body(user)


def can_withdraw_complaint(user: Any, complaint: Complaint) -> bool:
    return Role.BID_MANAGER in roles_in(user, complaint.complainant)


def check_can_view_complaint(user: Any, complaint: Complaint) -> None:
    if not can_view_complaint(user, complaint):
        raise NotFound(_("There is no such complaint."))


def check_can_decide_complaint(user: Any) -> None:
    check_signed_in(user)
    if not can_decide_complaint(user):
        raise PermissionDenied(_("Only the review body decides complaints."))


def check_can_withdraw_complaint(user: Any, complaint: Complaint) -> None:
    check_signed_in(user)
    if not can_withdraw_complaint(user, complaint):
        raise PermissionDenied(
            _("Only a bid manager of %(supplier)s can withdraw its complaint.")
            % {"supplier": complaint.complainant.legal_name}
        )


# --- Documents filed with complaints (registered with the documents app) ---------------------------
def _complaint_of(document: Any) -> Complaint | None:
    return Complaint.objects.select_related("award__tender__buyer", "complainant").filter(pk=document.owner_id).first()


def can_view_complaint_document(user: Any, document: Any) -> bool:
    """A document filed with a complaint, not marked confidential: public with the complaint."""
    complaint = _complaint_of(document)
    return complaint is not None and can_view_complaint(user, complaint)


def can_view_confidential_complaint_document(user: Any, document: Any) -> bool:
    """A document the complainant marked confidential: never public."""
    complaint = _complaint_of(document)
    return complaint is not None and can_see_confidential(user, complaint)


def register_document_rules() -> None:
    """Who sees the documents filed with complaints (from EvaluationConfig.ready); idempotent."""
    from procura.documents.access import register_owner_access

    register_owner_access(COMPLAINT_DOCUMENT_OWNER, can_view_complaint_document)
    register_owner_access(CONFIDENTIAL_COMPLAINT_DOCUMENT_OWNER, can_view_confidential_complaint_document)
