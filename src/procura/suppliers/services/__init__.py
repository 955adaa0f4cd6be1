"""Every write to the supplier register and the debarment list goes through a function here
(split by sub-domain)."""

from procura.suppliers.services.debarments import check_not_debarred, debarment_lift, debarment_record
from procura.suppliers.services.expiry_warnings import qualification_expiry_warnings_send
from procura.suppliers.services.owners import (
    KEEP,
    beneficial_owner_add,
    beneficial_owner_remove,
    beneficial_owner_update,
)
from procura.suppliers.services.qualifications import qualification_document_add, qualification_document_remove

__all__ = [
    "KEEP",
    "beneficial_owner_add",
    "beneficial_owner_remove",
    "beneficial_owner_update",
    "check_not_debarred",
    "debarment_lift",
    "debarment_record",
    "qualification_document_add",
    "qualification_document_remove",
    "qualification_expiry_warnings_send",
]
