"""Which deadlines for bids a platform outage touched, and where they move: pure rules.

KONEPS extends deadlines after an outage of two hours. Procura states the rule exactly:

- **Affected.** A tender is affected when its deadline for bids fell within the outage or within
  the grace period after it ended, both ends included: `start <= deadline <= end + grace`.
  Suppliers who meant to bid in the last hours lost them; those whose deadline came soon after
  the platform returned had too little time to catch up (re-sign, re-upload, re-submit).
- **New deadline.** The later of the deadline and the end of the outage, plus the length of the
  outage, and never less than the minimum extension: `max(deadline, end) + max(end - start,
  minimum)`. Every supplier gets back at least the time the platform was away, counted from when
  it was back. An administrator may act hours after the outage, and suppliers can only use time
  they know about, so the new deadline is also at least `minimum` after the extension is made.
  Rounded up to the whole minute so the published time reads cleanly.

Both figures are settings, frozen on each incident when it is recorded so that the decision
can be reproduced later: `INCIDENT_GRACE_HOURS` (default 2) and
`INCIDENT_MINIMUM_EXTENSION_HOURS` (default 2). A deadline is extended once per incident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

HOUR = dt.timedelta(hours=1)
DEFAULT_GRACE = 2 * HOUR
DEFAULT_MINIMUM_EXTENSION = 2 * HOUR
_MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True, kw_only=True)
class ExtensionRule:
    """How long after an outage a deadline still counts as affected, and the least it moves."""

    grace: dt.timedelta = DEFAULT_GRACE
    minimum_extension: dt.timedelta = DEFAULT_MINIMUM_EXTENSION

    def __post_init__(self) -> None:
        if self.grace < dt.timedelta(0) or self.minimum_extension <= dt.timedelta(0):
            raise ValueError("the grace period cannot be negative and the minimum extension must be positive")


def window_end(incident_end: dt.datetime, grace: dt.timedelta) -> dt.datetime:
    """The last deadline an outage ending at `incident_end` still affects."""
    return incident_end + grace


def affected(
    deadline: dt.datetime, incident_start: dt.datetime, incident_end: dt.datetime, grace: dt.timedelta
) -> bool:
    """Whether a deadline for bids fell within the outage or the grace period after it."""
    return incident_start <= deadline <= window_end(incident_end, grace)


def extension_length(incident_start: dt.datetime, incident_end: dt.datetime, minimum: dt.timedelta) -> dt.timedelta:
    """The time given back: as long as the outage lasted, at least `minimum`."""
    return max(incident_end - incident_start, minimum)


def _round_up_to_minute(moment: dt.datetime) -> dt.datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + _MINUTE


def extended_deadline(
    deadline: dt.datetime,
    *,
    incident_start: dt.datetime,
    incident_end: dt.datetime,
    minimum_extension: dt.timedelta,
    decided_at: dt.datetime,
) -> dt.datetime:
    """The new deadline of a tender the outage affected, extended at `decided_at` (see the
    module's rule)."""
    moved = max(deadline, incident_end) + extension_length(incident_start, incident_end, minimum_extension)
    return _round_up_to_minute(max(moved, decided_at + minimum_extension))
