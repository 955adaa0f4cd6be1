"""Domain-event subscribers: each public change becomes an OCDS release in the same transaction.

The lower apps record events and know nothing of OCDS; this module maps each event to the stage
whose public state changed and the release tag that says how.
"""

from __future__ import annotations

from typing import Any

from procura.bids import events as bid_events
from procura.bids.models import OpenedBid
from procura.contracts import events as contract_events
from procura.contracts.models import Contract
from procura.core import clock, events
from procura.evaluation import events as evaluation_events
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


# Evaluation events → release tag. The release is the tender's, carrying bids, awards and contracts.
EVALUATION_TAGS: dict[type[evaluation_events.EvaluationEvent], str] = {
    evaluation_events.BidQualificationDecided: "tenderUpdate",
    evaluation_events.FinancialOffersOpened: "tenderUpdate",
    evaluation_events.AwardDecided: "award",
    evaluation_events.AwardActivated: "awardUpdate",
    evaluation_events.AwardCancelled: "awardCancellation",
    evaluation_events.ComplaintFiled: "awardUpdate",
    evaluation_events.ComplaintDecided: "awardUpdate",
}
# Decisions that may leave the public state as it was: a bid qualified again after a
# clarification, a complaint's confidential part. Nothing is published then.
EVALUATION_QUIET: frozenset[type[evaluation_events.EvaluationEvent]] = frozenset(
    {evaluation_events.BidQualificationDecided, evaluation_events.ComplaintFiled, evaluation_events.ComplaintDecided}
)

# Contract events → release tag. Milestones and payments: see `on_implementation_event`; invoices
# are not published, so InvoiceChanged has no handler.
CONTRACT_TAGS: dict[type[contract_events.ContractEvent], str] = {
    contract_events.ContractCreated: "contract",
    contract_events.ContractTermsUpdated: "contractUpdate",
    contract_events.ContractSigned: "contractUpdate",
    contract_events.ContractAmended: "contractAmendment",
    contract_events.ContractTerminated: "contractTermination",
    contract_events.ContractCompleted: "implementationUpdate",
}
IMPLEMENTATION_EVENTS: tuple[type[contract_events.ContractEvent], ...] = (
    contract_events.MilestoneChanged,
    contract_events.PaymentRecorded,
)


def _publish_tender(ocid: str, tag: str, *, only_if_changed: bool = False) -> None:
    tender = _published_tender(ocid)
    if tender is None:
        return
    now = clock.now()
    services.release_publish(
        content=releases.tender_release(tender, at=now),
        tags=[tag],
        at=now,
        buyer=tender.buyer,
        only_if_changed=only_if_changed,
    )


def on_evaluation_event(event: evaluation_events.EvaluationEvent) -> None:
    _publish_tender(event.ocid, EVALUATION_TAGS[type(event)], only_if_changed=type(event) in EVALUATION_QUIET)


def on_contract_event(event: contract_events.ContractEvent) -> None:
    # One party's signature alone changes nothing public: the contract is in force (dateSigned,
    # status active) only once both have signed. Terms edited back to what was published change
    # nothing either.
    quiet = isinstance(event, contract_events.ContractTermsUpdated) or (
        isinstance(event, contract_events.ContractSigned) and not event.fully_signed
    )
    _publish_tender(event.ocid, CONTRACT_TAGS[type(event)], only_if_changed=quiet)


def on_implementation_event(event: contract_events.ContractEvent) -> None:
    """A milestone or payment: `implementation` the first time the contract's implementation is
    published, `implementationUpdate` after that."""
    _publish_tender(event.ocid, _implementation_tag(event.ocid, event.contract_id))


def _implementation_tag(ocid: str, contract_id: Any) -> str:
    local_id = Contract.objects.filter(pk=contract_id).values_list("local_id", flat=True).first()
    previous = services.last_release(ocid) or {}
    published: dict[str, Any] = next((c for c in previous.get("contracts", []) if c.get("id") == local_id), {})
    return "implementationUpdate" if published.get("implementation") else "implementation"


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
    for evaluation_event in EVALUATION_TAGS:
        events.subscribe(evaluation_event, on_evaluation_event)
    for contract_event in CONTRACT_TAGS:
        events.subscribe(contract_event, on_contract_event)
    for implementation_event in IMPLEMENTATION_EVENTS:
        events.subscribe(implementation_event, on_implementation_event)
