"""Incident test helpers: a tender whose deadline an outage swallowed, and the outage itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from procura.accounts.models import Organisation, User
from procura.core import clock
from procura.incidents import services
from procura.incidents.models import Incident
from procura.tenders.models import Tender
from tests.bids.support import open_tender

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def deadline_of(tender: Tender) -> dt.datetime:
    tender.refresh_from_db()
    assert tender.tender_end is not None
    return tender.tender_end


def tender_open_for_bids(officer: User, buyer: Organisation, **overrides: Any) -> Tender:
    """A published open tender: deadline in 20 days, bids opened an hour after it."""
    return open_tender(officer, buyer, **overrides)


def outage_over(
    admin: User,
    *,
    start: dt.datetime,
    end: dt.datetime,
    description: str = "The database server failed; nobody could sign in.",
    clock_handle: clock.Clock | None = None,
) -> Incident:
    """Record an outage from `start` to `end`, moving the frozen clock to its end if needed."""
    if clock_handle is not None and clock.now() < end:
        clock_handle.set(end)
    return services.incident_record(actor=admin, started_at=start, ended_at=end, description=description)
