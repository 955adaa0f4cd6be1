"""Domain-event subscribers: each public change becomes an OCDS release in the same transaction.

The lower apps record events and know nothing of OCDS; this module maps each event to the stage
whose public state changed and the release tag that says how.
"""

from __future__ import annotations

from typing import Any

from procura.bids import events as bid_events
from procura.bids.models import OpenedBid
from procura.core import clock, events
from procura.planning import events as planning_events
from procura.planning.models import PlanLine
from procura.publication import releases, services
from procura.suppliers import events as supplier_events
from procura.tenders import events as tender_events
from procura.tenders.models import Tender

# Tender events → release tag.
TENDER_TAGS: dict[type[tender_events.TenderEvent], str] = {
    tender_events.TenderPublished: "tender",
    tender_events.TenderAmended: "tenderAmendment",
    tender_events.TenderCancelled: "tenderCancellation",
    tender_events.TenderUnsuccessful: "tenderUpdate",
    tender_events.TenderCompleted: "tenderUpdate",
    tender_events.TenderStatusChanged: "tenderUpdate",
    tender_events.ClarificationAnswered: "tenderUpdate",
}


def _published_tender(ocid: str) -> Tender | None:
    return (
        Tender.objects.select_related("buyer", "procuring_entity").filter(ocid=ocid, published_at__isnull=False).first()
    )


def on_tender_event(event: tender_events.TenderEvent) -> None:
    tender = _published_tender(event.ocid)
    if tender is None:
        return
    now = clock.now()
    services.release_publish(
        content=releases.tender_release(tender, at=now),
        tags=[TENDER_TAGS[type(event)]],
        at=now,
        buyer=tender.buyer,
        # A status the sweep records may have no OCDS equivalent (open for questions → for bids).
        only_if_changed=isinstance(event, tender_events.TenderStatusChanged),
    )


def on_bids_opened(event: bid_events.BidsOpened) -> None:
    """The public opening: the tender as it stands, now with its bids, bidders and opening time.

    Submissions and withdrawals before it publish nothing (no handler listens to them): a
    release is public, and bids are not until they are opened (`releases.opening_record`)."""
    tender = _published_tender(event.ocid)
    if tender is None:
        return
    now = clock.now()
    services.release_publish(
        content=releases.tender_release(tender, at=now), tags=["tenderUpdate"], at=now, buyer=tender.buyer
    )


def on_beneficial_owners_changed(event: supplier_events.BeneficialOwnersChanged) -> None:
    """A bidder's published owners changed: tenders whose opening lists it show the owners now."""
    if not event.public_data_changed:
        return
    opened = OpenedBid.objects.filter(bid__supplier_id=event.organisation_id).values("opening__tender_id")
    now = clock.now()
    for tender in (
        Tender.objects.select_related("buyer", "procuring_entity")
        .filter(pk__in=opened, published_at__isnull=False)
        .order_by("published_at", "id")
    ):
        services.release_publish(
            content=releases.tender_release(tender, at=now),
            tags=["tenderUpdate"],
            at=now,
            buyer=tender.buyer,
            only_if_changed=True,
        )


def _publish_line(line: PlanLine, tag: str) -> None:
    if _published_tender(line.ocid) is not None:
        return  # the process has moved on to its tender; the notice speaks for it now
    services.release_publish(
        content=releases.planning_release(line), tags=[tag], buyer=line.plan.buyer, only_if_changed=tag != "planning"
    )


def _line(line_id: Any) -> PlanLine | None:
    return PlanLine.objects.select_related("plan", "plan__buyer").filter(pk=line_id).first()


def on_plan_published(event: planning_events.PlanPublished) -> None:
    for line in (
        PlanLine.objects.select_related("plan", "plan__buyer").filter(plan_id=event.plan_id).order_by("position")
    ):
        _publish_line(line, "planning")


def on_plan_line_added(event: planning_events.PlanLineAdded) -> None:
    line = _line(event.line_id)
    if event.published and line is not None:
        _publish_line(line, "planning")


def on_plan_line_updated(event: planning_events.PlanLineUpdated) -> None:
    line = _line(event.line_id)
    if event.published and line is not None:
        _publish_line(line, "planningUpdate")


def connect() -> None:
    for event_type in TENDER_TAGS:
        events.subscribe(event_type, on_tender_event)
    events.subscribe(planning_events.PlanPublished, on_plan_published)
    events.subscribe(planning_events.PlanLineAdded, on_plan_line_added)
    events.subscribe(planning_events.PlanLineUpdated, on_plan_line_updated)
    # Bids are published once, at their opening; BidSubmitted and BidWithdrawn publish nothing.
    events.subscribe(bid_events.BidsOpened, on_bids_opened)
    events.subscribe(supplier_events.BeneficialOwnersChanged, on_beneficial_owners_changed)
