"""Evaluation, awards and contracts in OCDS: each event publishes the tender's whole state with
the right tag; bids get their qualification status; awards (cancelled ones kept), contracts,
amendments, milestones and payments appear with their parties' roles; complaints only by their
public part; invoices and ratings never.

The evaluation and contract services are written elsewhere: here their rows are made with the
ORM and their events recorded as the services do, inside a transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.db import transaction
from django.urls import reverse

from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind, Role
from procura.bids import services as bids
from procura.bids.models import Bid
from procura.contracts import events as contract_events
from procura.contracts import services as contract_services
from procura.contracts.models import (
    Contract,
    ContractAmendment,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    Payment,
    PerformanceRating,
)
from procura.core import clock, events
from procura.core.events import DomainEvent
from procura.evaluation import events as evaluation_events
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    Award,
    AwardStatus,
    Complaint,
    ComplaintStatus,
    Evaluation,
)
from procura.publication import handlers, merge, packages, schema
from procura.publication.models import Record, Release
from procura.publication.validate import validate_release
from procura.tenders import services as tenders
from procura.tenders.models import Lot, Tender
from procura.tenders.services import LotDetails, tender_create, tender_publish
from tests import factories
from tests.bids.support import after_opening, open_tender, submitted_bid
from tests.conftest import World
from tests.publication.cove_support import cove_check, cove_verdict
from tests.tenders.support import DAY, item, rated

pytestmark = pytest.mark.usefixtures("classified", "media")

CONFIDENTIAL_GROUNDS = "CONFIDENTIAL-GROUNDS: our unit costs are 0.41 per box from Factory Nine"
CONFIDENTIAL_DECISION = "CONFIDENTIAL-DECISION: the evaluator's notes show the price was never checked"
PUBLIC_GROUNDS = "Our bid was disqualified without reasons."
PUBLIC_DECISION = "The disqualification gave no reasons; the lot is evaluated again."
INVOICE_NUMBER = "INV-2026-0042"
RATING_COMMENT = "Deliveries were late twice and the paperwork was incomplete."


# --- helpers --------------------------------------------------------------------------------------
def bodies(ocid: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(bytes(b)) for b in Release.objects.filter(ocid=ocid).order_by("seq").values_list("body", flat=True)
    ]


def tags(ocid: str) -> list[str]:
    return [" ".join(release["tag"]) for release in bodies(ocid)]


def last(ocid: str) -> dict[str, Any]:
    return bodies(ocid)[-1]


def compiled(ocid: str) -> dict[str, Any]:
    result: dict[str, Any] = orjson.loads(bytes(Record.objects.get(ocid=ocid).compiled))
    return result


def everything_published() -> bytes:
    """Every byte a reader of the open data could get: the releases and the records."""
    releases = b"".join(bytes(body) for body in Release.objects.values_list("body", flat=True))
    records = b"".join(
        bytes(compiled) + bytes(versioned)
        for compiled, versioned in Record.objects.values_list("compiled", "versioned")
    )
    return releases + records


def assert_all_valid(ocid: str) -> None:
    """The project's validator (1.1.5 + declared extensions, closed codelists) on every stored
    release and on the compiled record: tests under publication/ skip the autouse check."""
    for release in bodies(ocid):
        assert validate_release(release) == [], (release["tag"], validate_release(release)[:3])
    record = compiled(ocid)
    assert validate_release(record) == [], validate_release(record)[:3]


def z(moment: dt.datetime | None) -> str:
    assert moment is not None
    return packages.iso(moment)


def ref(organisation: Organisation) -> dict[str, str]:
    return {"id": f"{organisation.identifier_scheme}-{organisation.identifier_id}", "name": organisation.legal_name}


def roles(release: dict[str, Any]) -> dict[str, list[str]]:
    return {entry["name"]: entry["roles"] for entry in release["parties"]}


def record(*happened: DomainEvent) -> None:
    """Record events as a service does: inside its transaction."""
    with transaction.atomic():
        for event in happened:
            events.record(event)


@dataclass
class Process:
    """A two-lot tender with its bids opened: on lot 1 Small Firm (1100) and Rival Firm (999);
    on lot 2 Third Way (1500) and Rival Firm's bid, withdrawn."""

    world: World
    tender: Tender
    lot_one: Lot
    lot_two: Lot
    small: Bid
    rival: Bid
    third: Bid
    withdrawn: Bid
    third_way: Organisation
    evaluation: Evaluation
    opened_at: dt.datetime

    @property
    def ocid(self) -> str:
        return self.tender.ocid

    def ids(self, **more: Any) -> dict[str, Any]:
        return {"tender_id": self.tender.pk, "ocid": self.ocid, "at": clock.now(), **more}

    def qualify(self, bid: Bid, status: str, reason: str = "") -> Assessment:
        now = clock.now()
        assessment, _ = Assessment.objects.update_or_create(
            bid=bid,
            defaults={
                "evaluation": self.evaluation,
                "lot": bid.lot,
                "status": status,
                "disqualification_reason": reason,
                "decided_by": self.world.evaluator,
                "decided_at": now,
                "updated_at": now,
            },
        )
        record(evaluation_events.BidQualificationDecided(**self.ids(bid_id=bid.pk)))
        return assessment

    def award(self, local_id: str, lot: Lot, bid: Bid | None, reasons: str) -> Award:
        now = clock.now()
        if bid is None:
            award = Award.objects.create(
                tender=self.tender,
                lot=lot,
                local_id=local_id,
                status=AwardStatus.UNSUCCESSFUL,
                reasons=reasons,
                decided_by=self.world.officer,
                decided_at=now,
            )
        else:
            opened = bid.opened
            award = Award.objects.create(
                tender=self.tender,
                lot=lot,
                local_id=local_id,
                status=AwardStatus.PENDING,
                bid=bid,
                supplier=bid.supplier,
                value_amount=opened.amount,
                currency=opened.currency,
                reasons=reasons,
                decided_by=self.world.officer,
                decided_at=now,
                standstill_ends_at=now + 10 * DAY,
            )
        record(evaluation_events.AwardDecided(**self.ids(award_id=award.pk)))
        return award

    def contract(self, award: Award) -> Contract:
        now = clock.now()
        assert award.supplier is not None
        assert award.value_amount is not None
        contract = Contract.objects.create(
            award=award,
            tender=self.tender,
            lot=award.lot,
            buyer=self.tender.buyer,
            supplier=award.supplier,
            local_id="contract-1",
            title="Supply of examination gloves",
            description="Two-year supply, monthly deliveries.",
            original_value=award.value_amount,
            value_amount=award.value_amount,
            currency=award.currency,
            period_start=now + 5 * DAY,
            period_end=now + 370 * DAY,
            created_by=self.world.officer,
            created_at=now,
            updated_at=now,
        )
        record(contract_events.ContractCreated(**self.ids(contract_id=contract.pk)))
        return contract

    def sign(self, contract: Contract) -> None:
        """The buyer signs (nothing public changes), then the supplier: the contract is in force."""
        record(contract_events.ContractSigned(**self.ids(contract_id=contract.pk, party="buyer", fully_signed=False)))
        clock_now = clock.now()
        contract.status = ContractStatus.ACTIVE
        contract.signed_at = clock_now
        contract.save()
        record(contract_events.ContractSigned(**self.ids(contract_id=contract.pk, party="supplier", fully_signed=True)))


def process(world: World, frozen_clock: clock.Clock) -> Process:
    tender = open_tender(
        world.officer,
        world.buyer,
        lots=(
            LotDetails(title="Gloves", items=(item(),)),
            LotDetails(title="Aprons", items=(item(description="Disposable aprons", quantity="5000"),)),
        ),
        contract_start=clock.now() + 60 * DAY,
        contract_end=clock.now() + 425 * DAY,
    )
    lot_one, lot_two = tender.lots.order_by("position")
    third_way = factories.organisation(OrganisationKind.SUPPLIER, name="Third Way Supplies", scale="micro")
    third_manager = factories.member(third_way, Role.BID_MANAGER)
    small, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="1100")
    rival, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, price="999")
    third, _ = submitted_bid(tender, third_manager, third_way, price="1500", lot=lot_two)
    withdrawn, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, price="1400", lot=lot_two)
    bids.bid_withdraw(actor=world.other_bid_manager, bid=withdrawn)
    opened_at = frozen_clock.set(after_opening(tender))
    bids.bids_open(tender=tender)
    # The opening starts the evaluation (evaluation's own handler) where that is wired in.
    evaluation, _ = Evaluation.objects.get_or_create(
        tender=tender,
        defaults={"abnormally_low_share": Decimal("0.700"), "created_at": opened_at, "updated_at": opened_at},
    )
    tender.refresh_from_db()
    return Process(world, tender, lot_one, lot_two, small, rival, third, withdrawn, third_way, evaluation, opened_at)


def statuses(release: dict[str, Any]) -> dict[str, str]:
    return {detail["id"]: detail["status"] for detail in release["bids"]["details"]}


# --- the whole path -------------------------------------------------------------------------------
def test_a_process_from_opening_to_completion_is_published_step_by_step(
    world: World, frozen_clock: clock.Clock, settings: Any
) -> None:
    settings.CONTRACT_AMENDMENT_FLAG_SHARE = 0.1
    p = process(world, frozen_clock)
    ocid = p.ocid
    assert statuses(last(ocid)) == {
        str(p.small.pk): "pending",
        str(p.rival.pk): "pending",
        str(p.third.pk): "pending",
        str(p.withdrawn.pk): "withdrawn",
    }
    start = len(bodies(ocid))

    # qualification: bids.details[].status valid / disqualified (withdrawn stays withdrawn)
    frozen_clock.advance(DAY)
    p.qualify(p.small, AssessmentStatus.QUALIFIED)
    p.qualify(p.rival, AssessmentStatus.DISQUALIFIED, "Abnormally low price, not justified.")
    p.qualify(p.third, AssessmentStatus.DISQUALIFIED, "Certificates missing.")
    assert tags(ocid)[start:] == ["tenderUpdate"] * 3
    assert statuses(last(ocid)) == {
        str(p.small.pk): "valid",
        str(p.rival.pk): "disqualified",
        str(p.third.pk): "disqualified",
        str(p.withdrawn.pk): "withdrawn",
    }
    assert b"Abnormally low price" not in everything_published()  # reasons go to the bidder's notice

    # the same decision again changes nothing public: no release
    count = len(bodies(ocid))
    p.qualify(p.small, AssessmentStatus.QUALIFIED)
    assert len(bodies(ocid)) == count

    # award decisions: lot 1 to Small Firm (standstill), lot 2 without award
    frozen_clock.advance(DAY)
    first = p.award("award-1", p.lot_one, p.small, "Lowest valid price.")
    decided_at = clock.now()
    frozen_clock.advance(dt.timedelta(hours=1))
    p.award("award-2", p.lot_two, None, "No valid bid for this lot.")
    assert tags(ocid)[-2:] == ["award", "award"]
    release = last(ocid)
    lot_one_id, lot_two_id = p.lot_one.local_id, p.lot_two.local_id
    gloves = [i for i in release["tender"]["items"] if i["relatedLot"] == lot_one_id]
    aprons = [i for i in release["tender"]["items"] if i["relatedLot"] == lot_two_id]
    assert release["awards"] == [
        {
            "id": "award-1",
            "title": "Gloves",
            "description": "Lowest valid price.",
            "status": "pending",
            "date": z(decided_at),
            "value": {"amount": 1100, "currency": "GBP"},
            "suppliers": [ref(world.supplier)],
            "items": gloves,
            "relatedLots": [lot_one_id],
            "relatedBid": str(p.small.pk),
            "contractPeriod": {"startDate": z(p.tender.contract_start), "endDate": z(p.tender.contract_end)},
        },
        {
            "id": "award-2",
            "title": "Aprons",
            "description": "No valid bid for this lot.",
            "status": "unsuccessful",
            "date": z(decided_at + dt.timedelta(hours=1)),
            "items": aprons,
            "relatedLots": [lot_two_id],
        },
    ]
    assert gloves
    assert aprons
    assert release["tender"]["awardPeriod"] == {"startDate": z(decided_at)}
    assert release["tender"]["status"] == "active"
    assert [lot["status"] for lot in release["tender"]["lots"]] == ["active", "unsuccessful"]
    assert roles(release) == {
        "Ministry of Tests": ["buyer", "procuringEntity"],
        "Small Firm Ltd": ["tenderer", "supplier"],
        "Rival Firm Ltd": ["tenderer"],
        "Third Way Supplies": ["tenderer"],
    }

    # a complaint: its public grounds are published, never its confidential part nor who filed it
    frozen_clock.advance(DAY)
    complaint = Complaint.objects.create(
        award=first,
        complainant=world.other_supplier,
        local_id="1",
        grounds=PUBLIC_GROUNDS,
        confidential_grounds=CONFIDENTIAL_GROUNDS,
        filed_by=world.other_bid_manager,
        filed_at=clock.now(),
    )
    record(evaluation_events.ComplaintFiled(**p.ids(award_id=first.pk, complaint_id=complaint.pk)))
    assert tags(ocid)[-1] == "awardUpdate"
    filed_at = clock.now()
    assert last(ocid)["awards"][0]["documents"] == [
        {
            "id": "complaint-1",
            "documentType": "complaints",
            "title": f"Complaint filed on {filed_at.date().isoformat()} (pending)",
            "description": PUBLIC_GROUNDS,
            "url": settings.BASE_URL + reverse("tenders:tender", kwargs={"ocid": ocid}) + "#complaint-1",
            "datePublished": z(filed_at),
        }
    ]
    # a filing recorded twice publishes once
    count = len(bodies(ocid))
    record(evaluation_events.ComplaintFiled(**p.ids(award_id=first.pk, complaint_id=complaint.pk)))
    assert len(bodies(ocid)) == count

    # upheld: the award is cancelled (and stays listed); Rival Firm is qualified after all
    frozen_clock.advance(DAY)
    complaint.status = ComplaintStatus.UPHELD
    complaint.decision = PUBLIC_DECISION
    complaint.confidential_decision = CONFIDENTIAL_DECISION
    complaint.decided_by = world.reviewer
    complaint.decided_at = clock.now()
    complaint.save()
    record(evaluation_events.ComplaintDecided(**p.ids(award_id=first.pk, complaint_id=complaint.pk, upheld=True)))
    first.status = AwardStatus.CANCELLED
    first.cancelled_at = clock.now()
    first.cancellation_reason = "Complaint 1 upheld."
    first.save()
    record(evaluation_events.AwardCancelled(**p.ids(award_id=first.pk)))
    assert tags(ocid)[-2:] == ["awardUpdate", "awardCancellation"]
    cancelled = last(ocid)["awards"][0]
    assert cancelled["status"] == "cancelled"
    assert cancelled["suppliers"] == [ref(world.supplier)]
    assert (
        cancelled["description"]
        == f"Lowest valid price.\n\nCancelled on {clock.now().date().isoformat()}: Complaint 1 upheld."
    )
    assert cancelled["documents"][0]["description"] == f"{PUBLIC_GROUNDS}\n\nDecision (upheld): {PUBLIC_DECISION}"
    assert cancelled["documents"][0]["dateModified"] == z(complaint.decided_at)
    assert roles(last(ocid))["Small Firm Ltd"] == ["tenderer"]  # no longer a supplier
    frozen_clock.advance(DAY)
    p.qualify(p.rival, AssessmentStatus.QUALIFIED)
    assert statuses(last(ocid))[str(p.rival.pk)] == "valid"

    # the lot awarded again, to Rival Firm; the standstill ends and the award is in force
    frozen_clock.advance(DAY)
    winner = p.award("award-3", p.lot_one, p.rival, "Lowest valid price after review.")
    frozen_clock.advance(10 * DAY)
    winner.status = AwardStatus.ACTIVE
    winner.activated_at = clock.now()
    winner.save()
    record(evaluation_events.AwardActivated(**p.ids(award_id=winner.pk)))
    assert tags(ocid)[-2:] == ["award", "awardUpdate"]
    release = last(ocid)
    assert [(a["id"], a["status"]) for a in release["awards"]] == [
        ("award-1", "cancelled"),
        ("award-2", "unsuccessful"),
        ("award-3", "active"),
    ]
    assert release["awards"][2]["suppliers"] == [ref(world.other_supplier)]
    assert release["awards"][2]["value"] == {"amount": 999, "currency": "GBP"}
    assert release["awards"][2]["relatedBid"] == str(p.rival.pk)
    assert release["tender"]["awardPeriod"] == {"startDate": z(decided_at)}  # the first decision
    assert roles(release)["Rival Firm Ltd"] == ["tenderer", "supplier"]

    # the contract: pending, then signed by both (one signature alone publishes nothing)
    frozen_clock.advance(DAY)
    contract = p.contract(winner)
    assert tags(ocid)[-1] == "contract"
    entry = last(ocid)["contracts"][0]
    assert entry == {
        "id": "contract-1",
        "awardID": "award-3",
        "title": "Supply of examination gloves",
        "description": "Two-year supply, monthly deliveries.",
        "status": "pending",
        "period": {"startDate": z(contract.period_start), "endDate": z(contract.period_end)},
        "value": {"amount": 999, "currency": "GBP"},
        "items": gloves,
    }
    assert last(ocid)["awards"][2]["contractPeriod"] == entry["period"]  # the contract's, once there is one
    count = len(bodies(ocid))
    frozen_clock.advance(DAY)
    p.sign(contract)
    assert len(bodies(ocid)) == count + 1
    assert tags(ocid)[-1] == "contractUpdate"
    signed = last(ocid)["contracts"][0]
    assert signed["status"] == "active"
    assert signed["dateSigned"] == z(contract.signed_at)
    assert [lot["status"] for lot in last(ocid)["tender"]["lots"]] == ["complete", "unsuccessful"]

    # the tenders app closes the tender; its release keeps everything
    tenders.tender_mark_complete(actor=world.officer, tender=Tender.objects.get(pk=p.tender.pk))
    release = last(ocid)
    assert release["tag"] == ["tenderUpdate"]
    assert release["tender"]["status"] == "complete"
    assert len(release["awards"]) == 3
    assert release["contracts"][0]["status"] == "active"

    # milestones: the first publishes `implementation`, later changes `implementationUpdate`
    frozen_clock.advance(DAY)
    now = clock.now()
    delivery = Milestone.objects.create(
        contract=contract,
        local_id="M1",
        title="First delivery",
        description="10,000 gloves to the central store.",
        kind=MilestoneKind.DELIVERY,
        due_at=now + 20 * DAY,
        created_at=now,
        updated_at=now,
    )
    record(contract_events.MilestoneChanged(**p.ids(contract_id=contract.pk, milestone_id=delivery.pk)))
    assert tags(ocid)[-1] == "implementation"
    frozen_clock.advance(15 * DAY)
    delivery.status = MilestoneStatus.MET
    delivery.delivered_at = clock.now() - DAY
    delivery.accepted_at = clock.now()
    delivery.accepted_by = world.officer
    delivery.updated_at = clock.now()
    delivery.save()
    record(contract_events.MilestoneChanged(**p.ids(contract_id=contract.pk, milestone_id=delivery.pk)))
    assert tags(ocid)[-1] == "implementationUpdate"
    assert last(ocid)["contracts"][0]["implementation"]["milestones"] == [
        {
            "id": "M1",
            "title": "First delivery",
            "type": "delivery",
            "description": "10,000 gloves to the central store.",
            "dueDate": z(delivery.due_at),
            "status": "met",
            "dateMet": z(delivery.accepted_at),
            "dateModified": z(delivery.updated_at),
        }
    ]

    # an invoice publishes nothing; its payment does
    invoice = Invoice.objects.create(
        contract=contract,
        milestone=delivery,
        number=INVOICE_NUMBER,
        amount=Decimal("500"),
        currency="GBP",
        issued_on=clock.now().date(),
        status=InvoiceStatus.APPROVED,
        submitted_by=world.other_bid_manager,
        submitted_at=clock.now(),
    )
    count = len(bodies(ocid))
    record(contract_events.InvoiceChanged(**p.ids(contract_id=contract.pk, invoice_id=invoice.pk)))
    assert len(bodies(ocid)) == count
    frozen_clock.advance(DAY)
    first_payment = payment(p, contract, "P1", "500", invoice)
    assert tags(ocid)[-1] == "implementationUpdate"
    assert last(ocid)["contracts"][0]["implementation"]["transactions"] == [
        {
            "id": "P1",
            "date": z(first_payment.paid_at),
            "value": {"amount": 500, "currency": "GBP"},
            "payer": ref(world.buyer),
            "payee": ref(world.other_supplier),
        }
    ]
    assert roles(last(ocid)) == {
        "Ministry of Tests": ["buyer", "procuringEntity", "payer"],
        "Small Firm Ltd": ["tenderer"],
        "Rival Firm Ltd": ["tenderer", "supplier", "payee"],
        "Third Way Supplies": ["tenderer"],
    }

    # an amendment over the threshold is flagged publicly, with its values
    frozen_clock.advance(DAY)
    old_end = contract.period_end
    contract.value_amount = Decimal("1249")
    contract.period_end = old_end + 30 * DAY
    contract.save()
    amendment = ContractAmendment.objects.create(
        contract=contract,
        local_id="A1",
        rationale="Extra deliveries for the winter surge.",
        value_before=Decimal("999"),
        value_after=Decimal("1249"),
        period_end_before=old_end,
        period_end_after=contract.period_end,
        cumulative_share=Decimal("0.2503"),
        exceeds_threshold=True,
        made_by=world.officer,
        made_at=clock.now(),
    )
    record(
        contract_events.ContractAmended(
            **p.ids(contract_id=contract.pk, amendment_id=amendment.pk, exceeds_threshold=True)
        )
    )
    assert tags(ocid)[-1] == "contractAmendment"
    amended = last(ocid)["contracts"][0]
    assert amended["value"] == {"amount": 1249, "currency": "GBP"}
    assert amended["period"]["endDate"] == z(contract.period_end)
    assert amended["amendments"] == [
        {
            "id": "A1",
            "date": z(amendment.made_at),
            "rationale": "Extra deliveries for the winter surge.",
            "description": (
                "Value changed from 999.00 to 1249.00 GBP; "
                f"end date changed from {old_end.date().isoformat()} to {contract.period_end.date().isoformat()}; "
                "cumulative change of value 25.03% of the original value; exceeds the 10% threshold"
            ),
        }
    ]

    # a second payment, then completion (OCDS has no "completed" contract: terminated)
    frozen_clock.advance(DAY)
    payment(p, contract, "P2", "700")
    frozen_clock.advance(DAY)
    contract.status = ContractStatus.COMPLETED
    contract.completed_at = clock.now()
    contract.save()
    PerformanceRating.objects.create(
        contract=contract,
        supplier=world.other_supplier,
        score=2,
        comment=RATING_COMMENT,
        rated_by=world.officer,
        rated_at=clock.now(),
    )
    record(contract_events.ContractCompleted(**p.ids(contract_id=contract.pk)))
    assert tags(ocid)[-1] == "implementationUpdate"
    done = last(ocid)["contracts"][0]
    assert done["status"] == "terminated"
    assert (
        done["description"] == f"Two-year supply, monthly deliveries.\n\nCompleted on {clock.now().date().isoformat()}."
    )

    # the tags, in order, from the opening on
    assert tags(ocid)[start:] == [
        *["tenderUpdate"] * 3,
        "award",
        "award",
        "awardUpdate",
        "awardUpdate",
        "awardCancellation",
        "tenderUpdate",
        "award",
        "awardUpdate",
        "contract",
        "contractUpdate",
        "tenderUpdate",
        "implementation",
        "implementationUpdate",
        "implementationUpdate",
        "contractAmendment",
        "implementationUpdate",
        "implementationUpdate",
    ]

    # the compiled record: the whole story, consistent with merging every release again
    record_ = compiled(ocid)
    assert record_ == orjson.loads(orjson.dumps(merge.compile_release(bodies(ocid))))
    assert [(a["id"], a["status"]) for a in record_["awards"]] == [
        ("award-1", "cancelled"),
        ("award-2", "unsuccessful"),
        ("award-3", "active"),
    ]
    [final] = record_["contracts"]
    assert final["status"] == "terminated"
    assert [m["id"] for m in final["implementation"]["milestones"]] == ["M1"]
    transactions = final["implementation"]["transactions"]
    assert [t["id"] for t in transactions] == ["P1", "P2"]
    assert sum(Decimal(str(t["value"]["amount"])) for t in transactions) <= Decimal(str(final["value"]["amount"]))
    assert {name: set(r) for name, r in roles(record_).items()} == {
        "Ministry of Tests": {"buyer", "procuringEntity", "payer"},
        "Small Firm Ltd": {"tenderer"},
        "Rival Firm Ltd": {"tenderer", "supplier", "payee"},
        "Third Way Supplies": {"tenderer"},
    }
    assert all(len(r) == len(set(r)) for r in roles(record_).values())
    assert len({entry["id"] for entry in record_["parties"]}) == len(record_["parties"])

    # dates in order: deadline ≤ opening ≤ decisions ≤ signature ≤ milestones met ≤ payments
    award_three = record_["awards"][2]
    chain = [
        record_["tender"]["tenderPeriod"]["endDate"],
        record_["tender"]["bidOpening"]["date"],
        record_["tender"]["awardPeriod"]["startDate"],
        award_three["date"],
        final["dateSigned"],
        final["implementation"]["milestones"][0]["dateMet"],
        *(t["date"] for t in transactions),
        final["amendments"][0]["date"],
    ]
    moments = [dt.datetime.fromisoformat(value.replace("Z", "+00:00")) for value in chain]
    assert moments[:7] == sorted(moments[:7])
    assert moments[-1] < moments[-2]  # the amendment came between the two payments
    release_dates = [release["date"] for release in bodies(ocid)]
    assert release_dates == sorted(release_dates)

    # nothing confidential, no invoice, no rating, no complainant named in any published byte
    published = everything_published()
    for secret in (CONFIDENTIAL_GROUNDS, CONFIDENTIAL_DECISION, INVOICE_NUMBER, RATING_COMMENT, str(invoice.pk)):
        assert secret.encode() not in published, secret
    assert b"Factory Nine" not in published
    assert b"evaluator's notes" not in published
    for document in (d for a in record_["awards"] for d in a.get("documents", [])):
        assert world.other_supplier.legal_name not in orjson.dumps(document).decode()

    # and every release, and the record, is valid OCDS 1.1.5 with the declared extensions
    assert_all_valid(ocid)


def payment(p: Process, contract: Contract, local_id: str, amount: str, invoice: Invoice | None = None) -> Payment:
    made = Payment.objects.create(
        contract=contract,
        invoice=invoice,
        local_id=local_id,
        payer=contract.buyer,
        payee=contract.supplier,
        amount=Decimal(amount),
        currency="GBP",
        paid_at=clock.now(),
        reference="BACS 55-66-77 REF-PRIVATE",
        recorded_by=p.world.officer,
        recorded_at=clock.now(),
    )
    record(contract_events.PaymentRecorded(**p.ids(contract_id=contract.pk, payment_id=made.pk)))
    return made


# --- termination ----------------------------------------------------------------------------------
def _awarded(world: World, frozen_clock: clock.Clock) -> tuple[Process, Contract]:
    p = process(world, frozen_clock)
    frozen_clock.advance(DAY)
    p.qualify(p.small, AssessmentStatus.QUALIFIED)
    award = p.award("award-1", p.lot_one, p.small, "Lowest valid price.")
    frozen_clock.advance(11 * DAY)
    award.status = AwardStatus.ACTIVE
    award.activated_at = clock.now()
    award.save()
    record(evaluation_events.AwardActivated(**p.ids(award_id=award.pk)))
    return p, p.contract(award)


def test_a_signed_contract_terminated_early_is_published_as_terminated(world: World, frozen_clock: clock.Clock) -> None:
    # given
    p, contract = _awarded(world, frozen_clock)
    frozen_clock.advance(DAY)
    p.sign(contract)

    # when
    frozen_clock.advance(30 * DAY)
    contract.status = ContractStatus.TERMINATED
    contract.terminated_at = clock.now()
    contract.termination_reason = "The supplier stopped delivering."
    contract.save()
    record(contract_events.ContractTerminated(**p.ids(contract_id=contract.pk)))

    # then
    release = last(p.ocid)
    assert release["tag"] == ["contractTermination"]
    [entry] = release["contracts"]
    assert entry["status"] == "terminated"
    assert entry["dateSigned"] == z(contract.signed_at)
    assert entry["description"] == (
        f"Two-year supply, monthly deliveries.\n\nTerminated on {clock.now().date().isoformat()}: "
        "The supplier stopped delivering."
    )
    assert roles(release)["Small Firm Ltd"] == ["tenderer", "supplier"]
    assert "payer" not in roles(release)["Ministry of Tests"]  # nothing was paid
    assert compiled(p.ocid)["contracts"][0]["status"] == "terminated"
    assert_all_valid(p.ocid)


def test_a_contract_ended_before_both_signed_is_cancelled_in_ocds(world: World, frozen_clock: clock.Clock) -> None:
    # given: a contract awaiting signature
    p, contract = _awarded(world, frozen_clock)

    # when: it is ended unsigned
    frozen_clock.advance(DAY)
    contract.status = ContractStatus.TERMINATED
    contract.terminated_at = clock.now()
    contract.termination_reason = "The supplier declined to sign."
    contract.save()
    record(contract_events.ContractTerminated(**p.ids(contract_id=contract.pk)))

    # then: OCDS calls that cancelled (terminated is for contracts that were in force)
    release = last(p.ocid)
    assert release["tag"] == ["contractTermination"]
    [entry] = release["contracts"]
    assert entry["status"] == "cancelled"
    assert "dateSigned" not in entry
    assert roles(release)["Small Firm Ltd"] == ["tenderer", "supplier"]  # still the award's supplier
    assert [lot["status"] for lot in release["tender"]["lots"]] == ["active", "active"]
    assert_all_valid(p.ocid)


def test_terms_edited_before_signature_are_published_once(world: World, frozen_clock: clock.Clock) -> None:
    # given: a contract awaiting signature
    p, contract = _awarded(world, frozen_clock)
    published = len(tags(p.ocid))
    new_end = contract.period_end + 30 * DAY

    # when: its title and end are edited before anyone signs
    frozen_clock.advance(DAY)
    contract_services.contract_update_terms(
        actor=world.officer, contract=contract, title="Gloves, 25 months", period_end=new_end
    )

    # then: a contractUpdate release carries the new terms
    release = last(p.ocid)
    assert tags(p.ocid)[published:] == ["contractUpdate"]
    [entry] = release["contracts"]
    assert (entry["title"], entry["period"]["endDate"], entry["status"]) == ("Gloves, 25 months", z(new_end), "pending")
    assert_all_valid(p.ocid)
    # and an edit that changes nothing public publishes nothing
    frozen_clock.advance(DAY)
    contract_services.contract_update_terms(actor=world.officer, contract=contract, title="  Gloves, 25 months ")
    assert len(tags(p.ocid)) == published + 1


# --- implementation tag per contract --------------------------------------------------------------
def test_a_payment_before_any_milestone_starts_the_implementation(world: World, frozen_clock: clock.Clock) -> None:
    # given
    p, contract = _awarded(world, frozen_clock)
    frozen_clock.advance(DAY)
    p.sign(contract)

    # when: an advance payment, then another
    frozen_clock.advance(DAY)
    payment(p, contract, "P1", "100")
    frozen_clock.advance(DAY)
    payment(p, contract, "P2", "100")

    # then
    assert tags(p.ocid)[-2:] == ["implementation", "implementationUpdate"]
    assert [t["id"] for t in last(p.ocid)["contracts"][0]["implementation"]["transactions"]] == ["P1", "P2"]
    assert b"REF-PRIVATE" not in everything_published()  # the bank reference is not published
    assert_all_valid(p.ocid)


# --- the Data Review Tool agrees ------------------------------------------------------------------
def test_awards_contracts_and_implementation_pass_libcoveocds(
    world: World, frozen_clock: clock.Clock, tmp_path: Path
) -> None:
    # given: an award with a dismissed complaint, a signed and amended contract, a milestone met
    # and a payment
    p, contract = _awarded(world, frozen_clock)
    award = contract.award
    complaint = Complaint.objects.create(
        award=award,
        complainant=world.other_supplier,
        local_id="1",
        grounds=PUBLIC_GROUNDS,
        filed_by=world.other_bid_manager,
        filed_at=clock.now(),
        status=ComplaintStatus.DISMISSED,
        decision="Dismissed: the reasons were given.",
        decided_by=world.reviewer,
        decided_at=clock.now(),
    )
    record(evaluation_events.ComplaintDecided(**p.ids(award_id=award.pk, complaint_id=complaint.pk, upheld=False)))
    frozen_clock.advance(DAY)
    p.sign(contract)
    frozen_clock.advance(DAY)
    now = clock.now()
    milestone = Milestone.objects.create(
        contract=contract,
        local_id="M1",
        title="Delivery",
        kind=MilestoneKind.FINANCING,
        due_at=now,
        status=MilestoneStatus.MET,
        accepted_at=now,
        created_at=now,
        updated_at=now,
    )
    record(contract_events.MilestoneChanged(**p.ids(contract_id=contract.pk, milestone_id=milestone.pk)))
    payment(p, contract, "P1", "550.25")
    amendment = ContractAmendment.objects.create(
        contract=contract,
        local_id="A1",
        rationale="Fewer gloves needed.",
        value_before=Decimal("1100"),
        value_after=Decimal("1000"),
        period_end_before=contract.period_end,
        period_end_after=contract.period_end,
        cumulative_share=Decimal("-0.0909"),
        made_by=world.officer,
        made_at=now,
    )
    record(
        contract_events.ContractAmended(
            **p.ids(contract_id=contract.pk, amendment_id=amendment.pk, exceeds_threshold=False)
        )
    )
    stored = Release.objects.filter(ocid=p.ocid).order_by("seq").values_list("body", flat=True)
    package = orjson.loads(
        packages.release_package(
            [bytes(body) for body in stored], uri="https://example.org/test.json", published=clock.now()
        )
    )
    assert package["releases"][-1]["contracts"][0]["amendments"][0]["description"] == (
        "Value changed from 1100.00 to 1000.00 GBP; cumulative change of value -9.09% of the original value"
    )

    # then: libcoveocds finds nothing, with every extension declared and without bidOpening (which
    # it cannot dereference offline, and which otherwise skips its closed-codelist check)
    for extensions in (
        package["extensions"],
        [url for url in package["extensions"] if schema.extension_name(url) != "bidOpening"],
    ):
        path = tmp_path / f"releases-{len(extensions)}.json"
        path.write_bytes(orjson.dumps({**package, "extensions": extensions}))
        errors, closed_codelist_values, conformance = cove_verdict(cove_check(path))
        assert errors == [], errors[:3]
        assert closed_codelist_values == {}
        assert conformance == []
    assert_all_valid(p.ocid)


def test_libcoveocds_would_catch_a_bad_contract_status(world: World, frozen_clock: clock.Clock, tmp_path: Path) -> None:
    # given: a release whose contract status is outside the closed contractStatus codelist
    # ("completed" is Procura's, not OCDS 1.1.5's)
    p, _ = _awarded(world, frozen_clock)
    stored = Release.objects.filter(ocid=p.ocid).order_by("seq").values_list("body", flat=True)
    package = orjson.loads(
        packages.release_package(
            [bytes(body) for body in stored], uri="https://example.org/test.json", published=clock.now()
        )
    )
    package["releases"][-1]["contracts"][0]["status"] = "completed"
    package["extensions"] = [url for url in package["extensions"] if schema.extension_name(url) != "bidOpening"]
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(package))

    # when
    errors, closed_codelist_values, _ = cove_verdict(cove_check(path))

    # then: the check above is one that can fail
    assert errors or closed_codelist_values
    assert validate_release(package["releases"][-1]) != []


# --- two envelopes --------------------------------------------------------------------------------
def test_prices_sealed_in_a_second_envelope_appear_when_the_financial_offers_are_opened(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given: a two-envelope tender whose bids were opened (technical part only)
    tender = tender_publish(
        actor=world.officer,
        tender=tender_create(actor=world.officer, buyer=world.buyer, details=rated(two_envelopes=True)),
    )
    answers = {question.key: "Weekly deliveries from our own depot." for question in bids.questions_for(tender)}
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="4321.5", answers=answers)
    frozen_clock.set(after_opening(tender))
    bids.bids_open(tender=tender)
    opened = last(tender.ocid)
    assert "value" not in opened["bids"]["details"][0]
    assert b"4321.5" not in everything_published()
    evaluation, _ = Evaluation.objects.get_or_create(
        tender=tender,
        defaults={"abnormally_low_share": Decimal("0.700"), "created_at": clock.now(), "updated_at": clock.now()},
    )

    # when: the bid is found technically qualified, then its price is opened
    frozen_clock.advance(DAY)
    Assessment.objects.update_or_create(
        bid=bid,
        defaults={
            "evaluation": evaluation,
            "lot": bid.lot,
            "status": AssessmentStatus.QUALIFIED,
            "decided_by": world.evaluator,
            "decided_at": clock.now(),
            "updated_at": clock.now(),
        },
    )
    record(
        evaluation_events.BidQualificationDecided(tender_id=tender.pk, ocid=tender.ocid, at=clock.now(), bid_id=bid.pk)
    )
    qualified = last(tender.ocid)
    frozen_clock.advance(DAY)
    bids.bids_open_financial(tender=tender, bid_ids=[bid.pk])
    record(
        evaluation_events.FinancialOffersOpened(
            tender_id=tender.pk, ocid=tender.ocid, at=clock.now(), bid_ids=(bid.pk,)
        )
    )

    # then
    assert qualified["tag"] == ["tenderUpdate"]
    assert qualified["bids"]["details"][0]["status"] == "valid"
    assert "value" not in qualified["bids"]["details"][0]
    priced = last(tender.ocid)
    assert priced["tag"] == ["tenderUpdate"]
    assert priced["bids"]["details"][0]["value"] == {"amount": 4321.5, "currency": "GBP"}
    assert_all_valid(tender.ocid)


# --- wiring ---------------------------------------------------------------------------------------
def test_every_evaluation_and_contract_event_but_invoices_has_a_handler() -> None:
    # given
    registered = events._handlers  # the subscriptions made by handlers.connect() at start-up

    # then
    for event_type in (
        evaluation_events.BidQualificationDecided,
        evaluation_events.FinancialOffersOpened,
        evaluation_events.AwardDecided,
        evaluation_events.AwardActivated,
        evaluation_events.AwardCancelled,
        evaluation_events.ComplaintFiled,
        evaluation_events.ComplaintDecided,
    ):
        assert registered[event_type].count(handlers.on_evaluation_event) == 1, event_type
    for event_type in (
        contract_events.ContractCreated,
        contract_events.ContractSigned,
        contract_events.ContractAmended,
        contract_events.ContractTerminated,
        contract_events.ContractCompleted,
    ):
        assert registered[event_type].count(handlers.on_contract_event) == 1, event_type
    for event_type in (contract_events.MilestoneChanged, contract_events.PaymentRecorded):
        assert registered[event_type].count(handlers.on_implementation_event) == 1, event_type
    publication = {handlers.on_evaluation_event, handlers.on_contract_event, handlers.on_implementation_event}
    assert not publication & set(registered.get(contract_events.InvoiceChanged, []))


@pytest.mark.django_db
def test_events_of_an_unknown_tender_publish_nothing() -> None:
    # when
    record(
        evaluation_events.AwardDecided(
            tender_id=uuid.uuid4(), ocid="ocds-abc123-x", at=clock.now(), award_id=uuid.uuid4()
        ),
        contract_events.PaymentRecorded(
            tender_id=uuid.uuid4(),
            ocid="ocds-abc123-x",
            at=clock.now(),
            contract_id=uuid.uuid4(),
            payment_id=uuid.uuid4(),
        ),
    )

    # then
    assert not Release.objects.exists()
