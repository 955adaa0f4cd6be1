"""Who may see or do what with tenders: the one place for these rules.

`can_*` answer yes or no, one condition per line; `check_*` raise with a message a person can
act on. Drafts are invisible outside the buyer (a 404, so their existence does not leak).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, is_signed_in, platform_roles, roles_in
from procura.accounts.models import Membership, Organisation
from procura.accounts.roles import OrganisationKind, Role
from procura.core.errors import NotFound, PermissionDenied
from procura.tenders.models import Clarification, Tender

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


def is_buyer_member(user: Any, tender: Tender) -> bool:
    return bool(roles_in(user, tender.buyer))


def can_view_tender(user: Any, tender: Tender) -> bool:
    if tender.is_published:
        return True
    if is_buyer_member(user, tender):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def can_oversee_tenders(user: Any) -> bool:
    """Platform administrators and auditors see every buyer's tenders, drafts included."""
    return bool(platform_roles(user) & OVERSEERS)


def can_view_buyer_tenders(user: Any, buyer: Organisation) -> bool:
    """A buyer's tender workspace (drafts, questions inbox): its members and the platform's overseers."""
    if buyer.kind != OrganisationKind.BUYER:
        return False
    if roles_in(user, buyer):
        return True
    return can_oversee_tenders(user)


def can_view_tender_document(user: Any, document: Any) -> bool:
    """Documents of owner type "tender" (registered in TendersConfig.ready): whoever may see the tender."""
    tender = Tender.objects.select_related("buyer").filter(pk=document.owner_id).first()
    return tender is not None and can_view_tender(user, tender)


def can_manage_tenders(user: Any, buyer: Organisation) -> bool:
    """Create, edit, publish, amend and cancel tenders, answer questions: procurement officers."""
    if buyer.kind != OrganisationKind.BUYER:
        return False
    return Role.PROCUREMENT_OFFICER in roles_in(user, buyer)


def can_ask_question(user: Any, supplier: Organisation) -> bool:
    if supplier.kind != OrganisationKind.SUPPLIER:
        return False
    return Role.BID_MANAGER in roles_in(user, supplier)


def supplier_organisations(user: Any) -> list[Organisation]:
    """The suppliers for which the user may ask questions (bid managers)."""
    if not is_signed_in(user):
        return []
    return [
        m.organisation
        for m in Membership.objects.filter(
            user=user, role=Role.BID_MANAGER, organisation__kind=OrganisationKind.SUPPLIER
        ).select_related("organisation")
    ]


def can_see_asker(user: Any, clarification: Clarification) -> bool:
    """The asker is known only to their own organisation and to auditors — not to the public,
    other suppliers or the buyer, so a question cannot single a bidder out."""
    if roles_in(user, clarification.asker_organisation):
        return True
    return Role.AUDITOR in platform_roles(user)


def check_can_view_tender(user: Any, tender: Tender) -> None:
    if not can_view_tender(user, tender):
        raise NotFound(_("There is no tender %(ocid)s.") % {"ocid": tender.ocid})


def check_can_view_buyer_tenders(user: Any, buyer: Organisation) -> None:
    check_signed_in(user)
    if not can_view_buyer_tenders(user, buyer):
        raise PermissionDenied(
            _("Only members of %(buyer)s, platform administrators and auditors can see its tenders in preparation.")
            % {"buyer": buyer}
        )


def check_can_manage_tenders(user: Any, buyer: Organisation) -> None:
    check_signed_in(user)
    if not can_manage_tenders(user, buyer):
        raise PermissionDenied(
            _("Only a procurement officer of %(buyer)s can prepare and change its tenders.") % {"buyer": buyer}
        )


def check_can_manage_tender(user: Any, tender: Tender) -> None:
    check_can_view_tender(user, tender)
    check_can_manage_tenders(user, tender.buyer)


def check_can_ask_question(user: Any, supplier: Organisation) -> None:
    check_signed_in(user)
    if not can_ask_question(user, supplier):
        raise PermissionDenied(_("Only a bid manager of a registered supplier can ask questions about a tender."))
