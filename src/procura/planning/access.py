"""Who may see or do what with procurement plans, plan lines and business cases: the one place
for these rules.

`can_*` answer yes or no; `check_*` raise with a message a person can act on. Services call
`check_*`; pages and the API ask `can_*` to decide what to show.

Published plans and their lines are public. Drafts, business cases and the spend-control
threshold are for the buyer's members, platform administrators and auditors. A draft hidden from
someone is NotFound rather than PermissionDenied: "you may not" would tell them it exists.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, is_member, is_platform_administrator, platform_roles, roles_in
from procura.accounts.models import Organisation
from procura.accounts.roles import Role
from procura.core.errors import NotFound, PermissionDenied
from procura.planning.models import BusinessCase, PlanStatus, ProcurementPlan

OVERSEERS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


def can_see_inside(user: Any, buyer: Organisation) -> bool:
    """Drafts, business cases and thresholds: the buyer's own people and the platform's overseers."""
    if is_member(user, buyer):
        return True
    return bool(platform_roles(user) & OVERSEERS)


def can_view_plan(user: Any, plan: ProcurementPlan) -> bool:
    if plan.status == PlanStatus.PUBLISHED:
        return True
    return can_see_inside(user, plan.buyer)


def can_manage_plans(user: Any, buyer: Organisation) -> bool:
    return Role.PROCUREMENT_OFFICER in roles_in(user, buyer)


def can_submit_business_case(user: Any, buyer: Organisation) -> bool:
    return Role.PROCUREMENT_OFFICER in roles_in(user, buyer)


def can_decide_business_cases(user: Any, buyer: Organisation) -> bool:
    return Role.APPROVER in roles_in(user, buyer)


def can_decide_business_case(user: Any, business_case: BusinessCase) -> bool:
    if not can_decide_business_cases(user, business_case.plan_line.plan.buyer):
        return False
    # Separation of duties: nobody approves their own case.
    return business_case.submitted_by_id != getattr(user, "pk", None)


def can_set_spend_control_threshold(user: Any, buyer: Organisation) -> bool:
    if Role.APPROVER in roles_in(user, buyer):
        return True
    return is_platform_administrator(user)


def can_view_business_case_document(user: Any, document: Any) -> bool:
    """The documents app asks this for documents of owner type "business_case" (registered in
    PlanningConfig.ready); the document belongs to the buyer of the case."""
    return can_see_inside(user, document.organisation)


def check_can_view_plan(user: Any, plan: ProcurementPlan) -> None:
    if not can_view_plan(user, plan):
        raise NotFound(_("There is no such procurement plan."))


def check_can_see_inside(user: Any, buyer: Organisation) -> None:
    check_signed_in(user)
    if not can_see_inside(user, buyer):
        raise PermissionDenied(
            _("Only members of %(name)s, platform administrators and auditors can see its planning.") % {"name": buyer}
        )


def check_can_manage_plans(user: Any, buyer: Organisation) -> None:
    check_signed_in(user)
    if not can_manage_plans(user, buyer):
        raise PermissionDenied(
            _("Only a procurement officer of %(name)s can change its procurement plans.") % {"name": buyer}
        )


def check_can_submit_business_case(user: Any, buyer: Organisation) -> None:
    check_signed_in(user)
    if not can_submit_business_case(user, buyer):
        raise PermissionDenied(_("Only a procurement officer of %(name)s can submit business cases.") % {"name": buyer})


def check_can_decide_business_cases(user: Any, buyer: Organisation) -> None:
    check_signed_in(user)
    if not can_decide_business_cases(user, buyer):
        raise PermissionDenied(_("Only an approver of %(name)s can decide on business cases.") % {"name": buyer})


def check_can_decide_business_case(user: Any, business_case: BusinessCase) -> None:
    check_can_decide_business_cases(user, business_case.plan_line.plan.buyer)
    if not can_decide_business_case(user, business_case):
        raise PermissionDenied(_("You submitted this business case, so another approver must decide on it."))


def check_can_set_spend_control_threshold(user: Any, buyer: Organisation) -> None:
    check_signed_in(user)
    if not can_set_spend_control_threshold(user, buyer):
        raise PermissionDenied(
            _("Only an approver of %(name)s or a platform administrator can set its spend-control threshold.")
            % {"name": buyer}
        )
