"""Reads of incidents: the rule in force, the tenders an incident touched, the public record."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet

from procura.bids.models import BidOpening
from procura.core import clock
from procura.incidents import domain
from procura.incidents.models import DeadlineExtension, ExtensionRefusal, Incident
from procura.tenders.models import Tender


def _hours(name: str, default: dt.timedelta) -> dt.timedelta:
    value = getattr(settings, name, None)
    return default if value is None else dt.timedelta(hours=float(value))


def extension_rule() -> domain.ExtensionRule:
    """The rule new incidents are recorded with: `INCIDENT_GRACE_HOURS` and
    `INCIDENT_MINIMUM_EXTENSION_HOURS` (both 2 unless set)."""
    return domain.ExtensionRule(
        grace=_hours("INCIDENT_GRACE_HOURS", domain.DEFAULT_GRACE),
        minimum_extension=_hours("INCIDENT_MINIMUM_EXTENSION_HOURS", domain.DEFAULT_MINIMUM_EXTENSION),
    )


def incident_get(pk: uuid.UUID | str) -> Incident | None:
    return Incident.objects.select_related("recorded_by").filter(pk=pk).first()


def incidents() -> QuerySet[Incident]:
    """Every incident, the latest first, with how many deadlines each extended."""
    return Incident.objects.annotate(extension_count=Count("extensions")).order_by("-started_at", "id")


def window_end(incident: Incident) -> dt.datetime:
    return domain.window_end(incident.ended_at, incident.grace)


def new_deadline(incident: Incident, deadline: dt.datetime, *, at: dt.datetime | None = None) -> dt.datetime:
    """Where the incident moves a deadline it affected, if extended at `at` (default: now)."""
    return domain.extended_deadline(
        deadline,
        incident_start=incident.started_at,
        incident_end=incident.ended_at,
        minimum_extension=incident.minimum_extension,
        decided_at=at or clock.now(),
    )


def tenders_in_window(incident: Incident) -> QuerySet[Tender]:
    """Published tenders whose deadline for bids fell within the incident or its grace period,
    whatever has happened to them since."""
    return (
        Tender.objects.filter(
            published_at__isnull=False, tender_end__gte=incident.started_at, tender_end__lte=window_end(incident)
        )
        .select_related("buyer")
        .order_by("tender_end", "id")
    )


def extended_tender_ids(incident: Incident) -> set[uuid.UUID]:
    return set(DeadlineExtension.objects.filter(incident=incident).values_list("tender_id", flat=True))


def incident_affected_tenders(incident: Incident) -> list[Tender]:
    """The tenders the incident's "extend deadlines" action will extend: deadline in the window,
    not over (cancelled, unsuccessful, complete), bids not opened, not extended for it yet."""
    return list(
        tenders_in_window(incident)
        .filter(cancelled_at__isnull=True, unsuccessful_at__isnull=True, completed_at__isnull=True)
        .exclude(pk__in=BidOpening.objects.values("tender_id"))
        .exclude(pk__in=DeadlineExtension.objects.filter(incident=incident).values("tender_id"))
    )


def extensions_of(incident: Incident) -> list[DeadlineExtension]:
    return list(
        DeadlineExtension.objects.filter(incident=incident)
        .select_related("tender", "tender__buyer", "amendment")
        .order_by("deadline_before", "id")
    )


def refusals_of(incident: Incident) -> list[ExtensionRefusal]:
    return list(
        ExtensionRefusal.objects.filter(incident=incident).select_related("tender", "tender__buyer").order_by("id")
    )


@dataclass(frozen=True)
class AffectedTender:
    """A tender the action would extend, and where its deadline would move."""

    tender: Tender
    deadline: dt.datetime
    new_deadline: dt.datetime


def affected_with_new_deadlines(incident: Incident) -> list[AffectedTender]:
    now = clock.now()
    return [
        AffectedTender(tender, tender.tender_end, new_deadline(incident, tender.tender_end, at=now))
        for tender in incident_affected_tenders(incident)
        if tender.tender_end is not None
    ]


def public_incidents() -> list[Incident]:
    """Every incident with the extensions it caused: public, like the amendments they made."""
    extensions = DeadlineExtension.objects.select_related("tender", "tender__buyer").order_by("deadline_before", "id")
    return list(
        Incident.objects.prefetch_related(
            Prefetch("extensions", queryset=extensions, to_attr="public_extensions")
        ).order_by("-started_at", "id")
    )
