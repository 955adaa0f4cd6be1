"""Supplier register rules that need no database: ownership shares, qualification expiry, and the
OCDS shape of beneficial owners.

These functions decide on plain values, so the register pages, the API, the expiry job and the
publication app read the same rules, and the rules are tested without fixtures.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

# Documents of qualification documents (certificates, tax clearances...) have this owner type.
QUALIFICATION_DOCUMENT_OWNER = "qualification_document"

# A beneficial owner holds more than nothing and at most everything; together at most everything.
MAX_SHARE = Decimal(100)
SHARE_DECIMALS = 2

# How long before a qualification document expires its bid managers are told (and again when it has).
WARN_DAYS = 30
FINAL_WARN_DAYS = 7


class ExpiryState(StrEnum):
    """Where a qualification document stands with its expiry date, as shown to people."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NO_EXPIRY = "no_expiry"


class ExpiryThreshold(StrEnum):
    """The moments a supplier's bid managers are warned about a document, each once."""

    DAYS_30 = "30_days"
    DAYS_7 = "7_days"
    EXPIRED = "expired"


def days_until_expiry(expires_on: dt.date | None, today: dt.date) -> int | None:
    """Days left until the expiry date (0 on the day itself, negative once past); None: no expiry."""
    if expires_on is None:
        return None
    return (expires_on - today).days


def expiry_state(expires_on: dt.date | None, today: dt.date, warn_days: int = WARN_DAYS) -> str:
    """A document is valid up to and including its expiry date, "expiring" in the last `warn_days`
    days of it, and expired from the day after."""
    days = days_until_expiry(expires_on, today)
    if days is None:
        return ExpiryState.NO_EXPIRY
    if days < 0:
        return ExpiryState.EXPIRED
    if days <= warn_days:
        return ExpiryState.EXPIRING
    return ExpiryState.VALID


def warning_due(expires_on: dt.date | None, today: dt.date) -> ExpiryThreshold | None:
    """The most urgent warning that applies today, or None. Only the most urgent is due: a document
    uploaded five days before it expires gets the 7-day warning, not the 30-day one as well."""
    days = days_until_expiry(expires_on, today)
    if days is None or days > WARN_DAYS:
        return None
    if days < 0:
        return ExpiryThreshold.EXPIRED
    if days <= FINAL_WARN_DAYS:
        return ExpiryThreshold.DAYS_7
    return ExpiryThreshold.DAYS_30


def share_is_in_range(share: Decimal) -> bool:
    """A share is a percentage above 0 and at most 100."""
    return share.is_finite() and Decimal(0) < share <= MAX_SHARE


def share_has_too_many_decimals(share: Decimal) -> bool:
    exponent = share.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent > SHARE_DECIMALS


def shares_fit(other_shares: Iterable[Decimal], share: Decimal) -> bool:
    """Whether `share` fits beside the organisation's other owners' shares: no more than 100% in all."""
    return sum(other_shares, Decimal(0)) + share <= MAX_SHARE


def share_left(other_shares: Iterable[Decimal]) -> Decimal:
    """The percentage not yet held by the organisation's other owners (never below 0)."""
    return max(MAX_SHARE - sum(other_shares, Decimal(0)), Decimal(0))


class OwnerFacts(Protocol):
    """What `ocds_beneficial_owners` reads of a beneficial owner (a BeneficialOwner row fits)."""

    @property
    def pk(self) -> uuid.UUID: ...

    @property
    def name(self) -> str: ...

    @property
    def nationality(self) -> str: ...

    @property
    def publishable(self) -> bool: ...


def ocds_beneficial_owners(owners: Iterable[OwnerFacts]) -> list[dict[str, Any]]:
    """The `parties[].beneficialOwners` array of the OCDS beneficialOwners extension.

    The extension's Person has id, name, identifier, nationalities, address, email, faxNumber and
    telephone, and no shareholding: so a share is not published. Only the id, the name and the
    nationality are: owners the law does not allow to publish are left out here whatever the
    caller passes, and personal data (date of birth, address) is never included. The extension
    requires at least one item, so when this returns [] the caller omits `beneficialOwners`."""
    published = [owner for owner in owners if owner.publishable]
    return [
        {"id": str(owner.pk), "name": owner.name, "nationalities": [owner.nationality]}
        for owner in sorted(published, key=lambda owner: (owner.name, str(owner.pk)))
    ]


# --- Debarment --------------------------------------------------------------------------------
class DebarmentState(StrEnum):
    """Where a debarment stands at a moment: announced, in force, run out, or lifted early."""

    UPCOMING = "upcoming"
    IN_FORCE = "in_force"
    ENDED = "ended"
    LIFTED = "lifted"


def debarment_effective_end(ends_on: dt.datetime | None, lifted_at: dt.datetime | None) -> dt.datetime | None:
    """When the debarment stops applying: the earlier of its end and its lifting; None: never."""
    ends = [moment for moment in (ends_on, lifted_at) if moment is not None]
    return min(ends) if ends else None


def debarment_in_force(
    starts_on: dt.datetime, ends_on: dt.datetime | None, lifted_at: dt.datetime | None, at: dt.datetime
) -> bool:
    """A debarment applies from its start (included) until its end or its lifting (excluded):
    a supplier debarred until noon may bid again at noon."""
    if at < starts_on:
        return False
    end = debarment_effective_end(ends_on, lifted_at)
    return end is None or at < end


def debarment_state(
    starts_on: dt.datetime, ends_on: dt.datetime | None, lifted_at: dt.datetime | None, at: dt.datetime
) -> DebarmentState:
    """Lifted wins once the lifting has happened (a debarment lifted before it started, too)."""
    if lifted_at is not None and lifted_at <= at:
        return DebarmentState.LIFTED
    if at < starts_on:
        return DebarmentState.UPCOMING
    if ends_on is not None and ends_on <= at:
        return DebarmentState.ENDED
    return DebarmentState.IN_FORCE


def debarment_periods_overlap(
    first_start: dt.datetime,
    first_end: dt.datetime | None,
    second_start: dt.datetime,
    second_end: dt.datetime | None,
) -> bool:
    """Whether two periods [start, end) share a moment; an end of None is indefinite."""
    first_before = first_end is not None and first_end <= second_start
    second_before = second_end is not None and second_end <= first_start
    return not (first_before or second_before)
