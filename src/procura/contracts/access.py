"""Who may see or do what with contracts: the one place for these rules.

A contract, its signatures, milestones, payments, amendments and the supplier's rating are
public. Invoices, delivery and acceptance notes and payment references are for the two parties
and the platform's overseers (the contract's workspace). The buyer's procurement officers run
the contract; its approvers (budget holders) may also sign it, decide invoices and record
payments; the supplier's bid managers sign, report deliveries and invoice. Administrators and
auditors read everything and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, platform_roles, roles_in
from procura.accounts.roles import OrganisationKind, Role
from procura.contracts.models import Contract, SigningParty
from procura.core.errors import PermissionDenied
from procura.evaluation.models import Award

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})
BUYER_MANAGERS = frozenset({Role.PROCUREMENT_OFFICER})
BUYER_SIGNERS = frozenset({Role.PROCUREMENT_OFFICER, Role.APPROVER})
BUYER_PAYERS = frozenset({Role.PROCUREMENT_OFFICER, Role.APPROVER})
SUPPLIER_ACTORS = frozenset({Role.BID_MANAGER})


def is_party_member(user: Any, contract: Contract) -> bool:
    return bool(roles_in(user, contract.buyer)) or bool(roles_in(user, contract.supplier))


def can_view_workspace(user: Any, contract: Contract) -> bool:
    """The contract's workspace (invoices, notes, payment references): both parties' members and
    the platform's overseers."""
    if is_party_member(user, contract):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def can_create_contract(user: Any, award: Award) -> bool:
    """Prepare a contract from an award: the buyer's procurement officers."""
    buyer = award.tender.buyer
    return buyer.kind == OrganisationKind.BUYER and bool(roles_in(user, buyer) & BUYER_MANAGERS)


def can_manage(user: Any, contract: Contract) -> bool:
    """Terms before signature, milestones and their acceptance, amendments, termination and
    completion: the buyer's procurement officers."""
    return bool(roles_in(user, contract.buyer) & BUYER_MANAGERS)


def can_pay(user: Any, contract: Contract) -> bool:
    """Decide invoices and record payments: procurement officers and approvers of the buyer."""
    return bool(roles_in(user, contract.buyer) & BUYER_PAYERS)


def can_supply(user: Any, contract: Contract) -> bool:
    """Report deliveries and submit invoices: the supplier's bid managers."""
    return bool(roles_in(user, contract.supplier) & SUPPLIER_ACTORS)


def can_sign(user: Any, contract: Contract, party: str) -> bool:
    if party == SigningParty.BUYER:
        return bool(roles_in(user, contract.buyer) & BUYER_SIGNERS)
    if party == SigningParty.SUPPLIER:
        return bool(roles_in(user, contract.supplier) & SUPPLIER_ACTORS)
    return False


def parties_user_signs_for(user: Any, contract: Contract) -> list[str]:
    return [party for party in SigningParty.values if can_sign(user, contract, party)]


def check_can_view_workspace(user: Any, contract: Contract) -> None:
    check_signed_in(user)
    if not can_view_workspace(user, contract):
        raise PermissionDenied(
            _("Only members of %(buyer)s and %(supplier)s can see this contract's workspace.")
            % {"buyer": contract.buyer.legal_name, "supplier": contract.supplier.legal_name}
        )


def check_can_create_contract(user: Any, award: Award) -> None:
    check_signed_in(user)
    if not can_create_contract(user, award):
        raise PermissionDenied(
            _("Only a procurement officer of %(buyer)s can prepare its contracts.")
            % {"buyer": award.tender.buyer.legal_name}
        )


def check_can_manage(user: Any, contract: Contract) -> None:
    check_signed_in(user)
    if not can_manage(user, contract):
        raise PermissionDenied(
            _("Only a procurement officer of %(buyer)s can do this.") % {"buyer": contract.buyer.legal_name}
        )


def check_can_pay(user: Any, contract: Contract) -> None:
    check_signed_in(user)
    if not can_pay(user, contract):
        raise PermissionDenied(
            _("Only a procurement officer or approver of %(buyer)s can decide invoices and record payments.")
            % {"buyer": contract.buyer.legal_name}
        )


def check_can_supply(user: Any, contract: Contract) -> None:
    check_signed_in(user)
    if not can_supply(user, contract):
        raise PermissionDenied(
            _("Only a bid manager of %(supplier)s can do this.") % {"supplier": contract.supplier.legal_name}
        )


def check_can_sign(user: Any, contract: Contract, party: str) -> None:
    check_signed_in(user)
    if can_sign(user, contract, party):
        return
    if party == SigningParty.BUYER:
        raise PermissionDenied(
            _("Only a procurement officer or approver of %(buyer)s can sign for the buyer.")
            % {"buyer": contract.buyer.legal_name}
        )
    raise PermissionDenied(
        _("Only a bid manager of %(supplier)s can sign for the supplier.") % {"supplier": contract.supplier.legal_name}
    )
