"""Every write to contracts: preparing and signing, implementation (milestones, invoices,
payments), amendment, termination and completion."""

from procura.contracts.services.implementation import (
    invoice_approve,
    invoice_reject,
    invoice_submit,
    milestone_accept,
    milestone_add,
    milestone_mark_delivered,
    payment_record,
)
from procura.contracts.services.lifecycle import (
    amendment_flag_share,
    contract_amend,
    contract_complete,
    contract_create,
    contract_sign,
    contract_terminate,
    contract_terms,
    contract_update_terms,
)

__all__ = [
    "amendment_flag_share",
    "contract_amend",
    "contract_complete",
    "contract_create",
    "contract_sign",
    "contract_terminate",
    "contract_terms",
    "contract_update_terms",
    "invoice_approve",
    "invoice_reject",
    "invoice_submit",
    "milestone_accept",
    "milestone_add",
    "milestone_mark_delivered",
    "payment_record",
]
