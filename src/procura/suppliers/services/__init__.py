"""Every write to the supplier register goes through a function here (split by sub-domain)."""

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
    "qualification_document_add",
    "qualification_document_remove",
    "qualification_expiry_warnings_send",
]
