"""Planning pages: public plans, a buyer's plans and lines, business cases and spend control."""

from procura.planning.views.lines import (
    plan_business_case_document,
    plan_line,
    plan_line_add,
    plan_line_edit,
    plan_line_remove,
)
from procura.planning.views.plans import plan_detail, plan_edit, plan_list, plan_publish, plan_workspace
from procura.planning.views.spend_control import plan_approvals, plan_business_case_decide, plan_spend_control

__all__ = [
    "plan_approvals",
    "plan_business_case_decide",
    "plan_business_case_document",
    "plan_detail",
    "plan_edit",
    "plan_line",
    "plan_line_add",
    "plan_line_edit",
    "plan_line_remove",
    "plan_list",
    "plan_publish",
    "plan_spend_control",
    "plan_workspace",
]
