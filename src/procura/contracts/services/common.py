"""What every contract write shares: the row lock, input checks, the audit entry and the event fields.

Every write locks the contract row (`SELECT … FOR UPDATE`) before reading what it decides on, so
two writes to one contract happen one after the other and a sum read under the lock (payments
against the value) stays true until the write commits. Rows are locked in one order everywhere:
tender, award, contract.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.contracts.models import Contract
from procura.core.errors import InvalidInput, NotFound
from procura.core.money import Money, minor_units
from procura.core.values import checked_text

CONTRACT_RELATED = ("tender", "tender__buyer", "award", "lot", "buyer", "supplier")


def locked(contract: Contract | Any) -> Contract:
    """The contract row, locked until the transaction ends, read afresh with its relations."""
    pk = contract.pk if isinstance(contract, Contract) else contract
    if Contract.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).first() is None:
        raise NotFound(_("There is no such contract."))
    return Contract.objects.select_related(*CONTRACT_RELATED).get(pk=pk)


def event_fields(contract: Contract, now: dt.datetime) -> dict[str, Any]:
    return {"tender_id": contract.tender_id, "ocid": contract.tender.ocid, "at": now, "contract_id": contract.pk}


def audit(
    action: AuditAction,
    actor: User | None,
    contract: Contract,
    *,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
    organisation_id: Any = None,
) -> None:
    audit_record(
        action=action,
        actor=actor,
        organisation_id=organisation_id or contract.buyer_id,
        object_type="contract",
        object_id=contract.pk,
        before=before,
        after={"ocid": contract.tender.ocid, "contract": contract.local_id, **after},
    )


def money_amount(value: Decimal | str | int | None, currency: str, field: str, *, allow_zero: bool = False) -> Decimal:
    """An amount typed for `currency`: a number, not negative (positive unless `allow_zero`),
    with no more decimals than the currency has."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput.for_field(field, _("Enter an amount in %(currency)s.") % {"currency": currency})
    if isinstance(value, float):
        raise TypeError("money amounts are Decimal or text, never float")
    try:
        amount = Money.parse(value.strip() if isinstance(value, str) else value, currency).amount
    except (InvalidOperation, ValueError):
        raise InvalidInput.for_field(
            field,
            _("Enter an amount in %(currency)s with at most %(digits)s decimal places, such as 1250.00.")
            % {"currency": currency, "digits": minor_units(currency)},
        ) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput.for_field(field, _("The amount must be more than zero."))
    if amount >= Decimal("1e18"):
        raise InvalidInput.for_field(field, _("The amount is too large."))
    return amount


def aware(value: dt.datetime | None, field: str, message: str) -> dt.datetime:
    if value is None:
        raise InvalidInput.for_field(field, message)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput.for_field(field, _("Give the time with its time zone."))
    return value.astimezone(dt.UTC)


def text(value: str | None, field: str, *, required: str | None = None, limit: int = 20_000) -> str:
    """Text as typed, trimmed; `required` is the message when it is empty."""
    return checked_text(value, field=field, max_length=limit, required=required)


def next_local_id(prefix: str, existing: int) -> str:
    """Ids within a contract or tender: numbered in order, never reused (nothing is deleted)."""
    return f"{prefix}-{existing + 1}"
