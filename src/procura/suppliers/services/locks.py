"""Row locks the register's writes take, always on the supplier's organisation row first."""

from __future__ import annotations

from django.utils.translation import gettext as _

from procura.accounts.models import Organisation
from procura.core.errors import NotFound, RuleViolation
from procura.suppliers import access


def locked_supplier(organisation: Organisation) -> Organisation:
    """The supplier's row, locked until the transaction ends: every write to its register is
    checked under this lock (the owners' shares above all), one after the other."""
    locked = Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if locked is None:
        raise NotFound(_("There is no such supplier."))
    if not access.is_supplier(locked):
        raise RuleViolation(_("Only suppliers have a supplier register."))
    return locked
