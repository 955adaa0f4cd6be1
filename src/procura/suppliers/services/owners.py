"""Beneficial owners of a supplier: add, change, remove.

The owners' shares together never exceed 100%: each write locks the supplier's organisation row
first, so two bid managers adding owners at the same moment are checked one after the other.

The audit log is append-only and can never forget, so it keeps who owns what (name, nationality,
share, publishable) but not the owners' personal data (date of birth, address): it records only
whether those were given or changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.accounts.services.organisations import country_codes
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import NotFound, RuleViolation
from procura.core.events import record
from procura.core.values import Problems, clean_text
from procura.suppliers import access, domain, events, selectors
from procura.suppliers.models import BeneficialOwner
from procura.suppliers.services.locks import locked_supplier
from procura.suppliers.services.values import clean_bool, clean_date, parse_decimal

NAME_LIMIT = 200
ADDRESS_LIMIT = 1000
# What the audit log keeps of an owner (personal data only as "given or not").
PUBLIC_FIELDS = ("name", "nationality", "share", "publishable")
PERSONAL_FIELDS = ("date_of_birth", "address")


class _Keep(Enum):
    KEEP = "keep"


# "Leave this as it is" for beneficial_owner_update (None may be a value: no date of birth).
KEEP = _Keep.KEEP


def _clean_name(value: Any, problems: Problems) -> str:
    return clean_text(
        value, field="name", problems=problems, max_length=NAME_LIMIT, required=_("Enter the owner's full name.")
    )


def _clean_nationality(value: Any, problems: Problems) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in country_codes():
        problems.add("nationality", _("Choose the owner's nationality (a country, such as GB or ES)."))
        return ""
    return code


def _clean_share(value: Any, problems: Problems) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add("share", _("Enter the owner's share, as a percentage."))
        return None
    share = parse_decimal(value)
    if share is None:
        problems.add("share", _("Enter the share as a number of percent, like 25 or 12.5."))
        return None
    if not domain.share_is_in_range(share):
        problems.add("share", _("A share is more than 0% and at most 100%."))
        return None
    if domain.share_has_too_many_decimals(share):
        problems.add("share", _("Give the share with at most two decimals, like 33.33."))
        return None
    return share.quantize(Decimal("0.01"))


def _clean_date_of_birth(value: Any, problems: Problems) -> dt.date | None:
    born = clean_date(value, field="date_of_birth", problems=problems, example="1970-05-31")
    if born is not None and born >= selectors.today():
        problems.add("date_of_birth", _("The date of birth must be in the past."))
        return None
    return born


def _clean_address(value: Any, problems: Problems) -> str:
    return clean_text(value, field="address", problems=problems, max_length=ADDRESS_LIMIT)


def _clean_publishable(value: Any, problems: Problems) -> bool:
    return clean_bool(
        value, field="publishable", problems=problems, message=_("Say whether the law allows publishing this owner.")
    )


def _check_shares_fit(organisation: Organisation, share: Decimal, *, excluding: BeneficialOwner | None) -> None:
    """Refuse a share that would take the owners together above 100% (the row is locked)."""
    others = BeneficialOwner.objects.filter(organisation=organisation)
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    other_shares = list(others.values_list("share", flat=True))
    if not domain.shares_fit(other_shares, share):
        message = _("The owners' shares would add up to more than 100%%: %(left)s%% is left for this owner.") % {
            "left": domain.share_left(other_shares)
        }
        raise RuleViolation(message, fields={"share": [message]})


def _audit_values(owner: BeneficialOwner) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(owner, name) for name in PUBLIC_FIELDS}
    values["share"] = str(owner.share)
    values["date_of_birth_given"] = owner.date_of_birth is not None
    values["address_given"] = bool(owner.address)
    return values


def beneficial_owner_add(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    nationality: str,
    share: Decimal | int | str,
    publishable: bool = True,
    date_of_birth: dt.date | str | None = None,
    address: str = "",
) -> BeneficialOwner:
    """Record a person who ultimately owns or controls the supplier. Date of birth and address
    are personal data, never published; `publishable` says the law allows publishing the owner."""
    with transaction.atomic():
        supplier = locked_supplier(organisation)
        access.check_can_edit_register(actor, supplier)
        problems = Problems()
        values: dict[str, Any] = {
            "name": _clean_name(name, problems),
            "nationality": _clean_nationality(nationality, problems),
            "share": _clean_share(share, problems),
            "publishable": _clean_publishable(publishable, problems),
            "date_of_birth": _clean_date_of_birth(date_of_birth, problems),
            "address": _clean_address(address, problems),
        }
        problems.raise_if_any(_("Some details of the beneficial owner need correcting."))
        _check_shares_fit(supplier, values["share"], excluding=None)
        now = clock.now()
        owner = BeneficialOwner.objects.create(organisation=supplier, created_at=now, updated_at=now, **values)
        audit_record(
            action=AuditAction.BENEFICIAL_OWNER_ADDED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="beneficial_owner",
            object_id=owner.pk,
            after=_audit_values(owner),
        )
        record(
            events.BeneficialOwnerAdded(
                organisation_id=supplier.pk, owner_id=owner.pk, public_data_changed=owner.publishable
            )
        )
    return owner


def beneficial_owner_update(
    *,
    actor: User,
    owner: BeneficialOwner,
    name: str | _Keep = KEEP,
    nationality: str | _Keep = KEEP,
    share: Decimal | int | str | _Keep = KEEP,
    publishable: bool | _Keep = KEEP,
    date_of_birth: dt.date | str | _Keep | None = KEEP,
    address: str | _Keep = KEEP,
) -> BeneficialOwner:
    """Change what is recorded about an owner; what is not given (KEEP) stays as it is."""
    with transaction.atomic():
        supplier = locked_supplier(owner.organisation)
        access.check_can_edit_register(actor, supplier)
        current = BeneficialOwner.objects.filter(pk=owner.pk, organisation=supplier).first()
        if current is None:
            raise NotFound(_("This beneficial owner is no longer recorded."))
        before = _audit_values(current)
        personal_before = {field: getattr(current, field) for field in PERSONAL_FIELDS}
        was_published = domain.ocds_beneficial_owners([current])
        problems = Problems()
        changes: dict[str, Any] = {}
        if not isinstance(name, _Keep):
            changes["name"] = _clean_name(name, problems)
        if not isinstance(nationality, _Keep):
            changes["nationality"] = _clean_nationality(nationality, problems)
        if not isinstance(share, _Keep):
            changes["share"] = _clean_share(share, problems)
        if not isinstance(publishable, _Keep):
            changes["publishable"] = _clean_publishable(publishable, problems)
        if not isinstance(date_of_birth, _Keep):
            changes["date_of_birth"] = _clean_date_of_birth(date_of_birth, problems)
        if not isinstance(address, _Keep):
            changes["address"] = _clean_address(address, problems)
        problems.raise_if_any(_("Some details of the beneficial owner need correcting."))
        if "share" in changes:
            _check_shares_fit(supplier, changes["share"], excluding=current)
        for field, value in changes.items():
            setattr(current, field, value)
        current.updated_at = clock.now()
        current.save()
        after = _audit_values(current)
        for field in PERSONAL_FIELDS:
            if getattr(current, field) != personal_before[field]:
                after[f"{field}_changed"] = True
        audit_record(
            action=AuditAction.BENEFICIAL_OWNER_UPDATED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="beneficial_owner",
            object_id=current.pk,
            before=before,
            after=after,
        )
        record(
            events.BeneficialOwnerUpdated(
                organisation_id=supplier.pk,
                owner_id=current.pk,
                public_data_changed=was_published != domain.ocds_beneficial_owners([current]),
            )
        )
    return current


def beneficial_owner_remove(*, actor: User, owner: BeneficialOwner) -> None:
    """Forget an owner (who sold their share, or was recorded by mistake), personal data included."""
    with transaction.atomic():
        supplier = locked_supplier(owner.organisation)
        access.check_can_edit_register(actor, supplier)
        current = BeneficialOwner.objects.filter(pk=owner.pk, organisation=supplier).first()
        if current is None:
            raise NotFound(_("This beneficial owner is no longer recorded."))
        before = _audit_values(current)
        owner_id = current.pk
        current.delete()
        audit_record(
            action=AuditAction.BENEFICIAL_OWNER_REMOVED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="beneficial_owner",
            object_id=owner_id,
            before=before,
        )
        record(
            events.BeneficialOwnerRemoved(
                organisation_id=supplier.pk, owner_id=owner_id, public_data_changed=bool(before["publishable"])
            )
        )
