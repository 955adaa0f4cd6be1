"""Every write to planning goes through a function here (split by sub-domain)."""

from procura.planning.services.plans import (
    PlanLineDetails,
    plan_create,
    plan_line_add,
    plan_line_remove,
    plan_line_update,
    plan_publish,
    plan_update,
)
from procura.planning.services.spend_control import (
    BUSINESS_CASE_DOCUMENT_TYPES,
    business_case_decide,
    business_case_document_add,
    business_case_submit,
    spend_control_threshold_set,
)

__all__ = [
    "BUSINESS_CASE_DOCUMENT_TYPES",
    "PlanLineDetails",
    "business_case_decide",
    "business_case_document_add",
    "business_case_submit",
    "plan_create",
    "plan_line_add",
    "plan_line_remove",
    "plan_line_update",
    "plan_publish",
    "plan_update",
    "spend_control_threshold_set",
]
