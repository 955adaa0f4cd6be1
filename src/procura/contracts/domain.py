"""Contract rules that need no database: amendment shares, milestone lateness, progress and the
fingerprint of the terms that are signed.

The terms a party signs are a small JSON document (ids, parties, value, currency, period, items);
its fingerprint is the SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8), so anyone
holding the same terms computes the same hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from enum import StrEnum
from typing import Any

# A share is stored with four decimals (DecimalField(9, 4)): at most this.
SHARE_CAP = Decimal("99999.9999")
SHARE_STEP = Decimal("0.0001")
RATING_MIN = 1
RATING_MAX = 5


class Lateness(StrEnum):
    """What a milestone's due date says about it now."""

    SCHEDULED = "scheduled"  # not done, not yet due
    LATE = "late"  # not done, and the due date has passed
    MET = "met"  # done (met or partially met) on or before the due date
    MET_LATE = "met late"  # done after the due date
    NOT_MET = "not met"  # the buyer found it not met


# Milestone statuses, as stored (the OCDS milestoneStatus codes).
SCHEDULED = "scheduled"
MET = "met"
PARTIALLY_MET = "partiallyMet"
NOT_MET = "notMet"
DONE = frozenset({MET, PARTIALLY_MET})


def cumulative_share(original: Decimal, new_value: Decimal) -> Decimal:
    """How far the value has moved from the original value, as a share of it (0.25 = 25%).

    Measured against the value as signed, not the previous amendment, so a series of small
    amendments adds up. A contract signed at zero that gains any value has moved without
    bound: the share is the largest one stored."""
    if original < 0 or new_value < 0:
        raise ValueError("contract values are never negative")
    if original == 0:
        return Decimal(0) if new_value == 0 else SHARE_CAP
    return min(abs(new_value - original) / original, SHARE_CAP)


def stored_share(share: Decimal) -> Decimal:
    """The share as stored (four decimals), rounded up so that a flagged share never reads as
    the threshold itself."""
    return min(share.quantize(SHARE_STEP, rounding=ROUND_UP), SHARE_CAP)


def exceeds(share: Decimal, threshold: Decimal) -> bool:
    """Whether an amendment is flagged: strictly more than the threshold (exactly 10% is not)."""
    return share > threshold


def milestone_lateness(due_at: dt.datetime, status: str, done_at: dt.datetime | None, at: dt.datetime) -> Lateness:
    """The milestone's standing at `at`. `done_at` is when it was delivered (or, when the
    supplier never said so, when the buyer accepted it); a due date is inclusive."""
    if status == NOT_MET:
        return Lateness.NOT_MET
    if status in DONE:
        if done_at is not None and done_at > due_at:
            return Lateness.MET_LATE
        return Lateness.MET
    return Lateness.LATE if at > due_at else Lateness.SCHEDULED


@dataclass(frozen=True)
class MilestoneFacts:
    due_at: dt.datetime
    status: str
    done_at: dt.datetime | None


@dataclass(frozen=True)
class Progress:
    """Implementation progress: paid against value, milestones met or late."""

    value: Decimal
    paid: Decimal
    remaining: Decimal
    paid_percent: int  # 0-100, rounded down (what a progress bar shows)
    milestones: int
    met: int  # on time
    met_late: int
    late: int  # overdue and not done
    not_met: int
    scheduled: int


def progress(value: Decimal, paid: Decimal, milestones: Iterable[MilestoneFacts], at: dt.datetime) -> Progress:
    counts = dict.fromkeys(Lateness, 0)
    total = 0
    for milestone in milestones:
        counts[milestone_lateness(milestone.due_at, milestone.status, milestone.done_at, at)] += 1
        total += 1
    # Payments never exceed the value, so a contract worth nothing has nothing paid.
    percent = int(min(paid / value, Decimal(1)) * 100) if value > 0 else 0
    return Progress(
        value=value,
        paid=paid,
        remaining=max(value - paid, Decimal(0)),
        paid_percent=percent,
        milestones=total,
        met=counts[Lateness.MET],
        met_late=counts[Lateness.MET_LATE],
        late=counts[Lateness.LATE],
        not_met=counts[Lateness.NOT_MET],
        scheduled=counts[Lateness.SCHEDULED],
    )


def payment_room(value: Decimal, paid: Decimal) -> Decimal:
    """How much more may be paid under the contract: never below zero."""
    return max(value - paid, Decimal(0))


def invoice_room(value: Decimal, paid: Decimal, outstanding: Decimal) -> Decimal:
    """How much more may be invoiced: the value less what is paid and what is invoiced and
    not yet paid (submitted or approved invoices, less what was paid on them)."""
    return max(value - paid - outstanding, Decimal(0))


def rating_in_range(score: int) -> bool:
    return RATING_MIN <= score <= RATING_MAX


def names_match(typed: str, full_name: str) -> bool:
    """Whether the name typed to sign is the signer's name: case and spacing aside."""

    def normal(text: str) -> str:
        return " ".join(text.split()).casefold()

    return bool(normal(typed)) and normal(typed) == normal(full_name)


def canonical_json(terms: Mapping[str, Any]) -> bytes:
    return json.dumps(terms, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def terms_sha256(terms: Mapping[str, Any]) -> str:
    """The fingerprint of the terms: what each party's signature is over."""
    return hashlib.sha256(canonical_json(terms)).hexdigest()
