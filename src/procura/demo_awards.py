"""Demo evaluations, awards, complaints, contracts and the debarment list: a process in every
stage after the bids are opened.

- Laptops: qualified by a declared panel watched by an independent observer, awarded two days
  ago at the lowest price, in its standstill.
- Defibrillators: price and quality in two envelopes, marked by two evaluators, awarded, then a
  complaint by the runner-up with a confidential part, still before the review body.
- School meals: two lots awarded and signed, being delivered with invoices and payments; the
  secondary schools' contract amended by 15% (above the 10% threshold, flagged).
- Traffic signals: a contract terminated for poor performance after two payments.
- Hospital beds: a contract completed, every milestone met, paid in full, the supplier rated.
- Library system: a complaint dismissed by the review body, the award in force, the contract
  awaiting its signatures.
- A supplier that bids for nothing on the public debarment list.

Like the rest of the demo, everything goes through the services (evaluation, awards, complaints,
contracts, suppliers) under the clock frozen at the moment it happened, so the audit log and the
OCDS releases are what they would have been; the five-minute job that puts awards in force at the
end of their standstill is run at the moment it would have run. Each process's story is a `then`
step of its tender (`procura.demo_tenders.TENDERS`): it runs once, when the tender is created, so
loading the demo again adds nothing. Dates are in order in every process: the tender period ends
before the award, the award comes before the signature and the signature before the payments,
which never exceed the contract's value.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura import demo_bids
from procura.accounts.models import Organisation, User
from procura.bids.models import Bid
from procura.contracts import services as contracts
from procura.contracts.models import (
    Contract,
    ContractStatus,
    Invoice,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    SigningParty,
)
from procura.core import clock
from procura.demo_common import cpv_item
from procura.evaluation import awards, complaints
from procura.evaluation import services as evaluation
from procura.evaluation.models import Award, AwardStatus, Complaint, ComplaintStatus, PanelRole
from procura.suppliers.models import Debarment
from procura.suppliers.services import debarment_record
from procura.tenders.models import Lot, Tender
from procura.tenders.services import (
    CriterionDetails,
    LotDetails,
    TenderDetails,
    tender_record_status,
)

if TYPE_CHECKING:
    from procura.demo_tenders import Timeline

MINUTE = dt.timedelta(minutes=1)
CURRENCY = "GBP"

HEALTH_OFFICER = "officer@health.example"
HEALTH_APPROVER = "approver@health.example"
HEALTH_EVALUATOR = "evaluator@health.example"
NORTHBRIDGE_OFFICER = "officer@northbridge.example"
NORTHBRIDGE_APPROVER = "finance@northbridge.example"
ROADS_OFFICER = "officer@roads.example"
REVIEWER = "reviewer@review.example"
OBSERVER = "observer@openwatch.example"
OBSERVER_AFFILIATION = "Open Procurement Watch"

ACME_BIDS = demo_bids.ACME_BIDS
KEYSTONE_BIDS = demo_bids.KEYSTONE_BIDS
DATAPOINT_BIDS = demo_bids.DATAPOINT_BIDS
GREENGRID_BIDS = demo_bids.GREENGRID_BIDS
HARVEST_BIDS = demo_bids.HARVEST_BIDS
FRESHSTART_BIDS = demo_bids.FRESHSTART_BIDS
JUNCTION_BIDS = demo_bids.JUNCTION_BIDS
RESTWELL_BIDS = demo_bids.RESTWELL_BIDS

DEBARRED = "castlegate"  # organisation key

HOUR = dt.timedelta(hours=1)

Users = Mapping[str, User]


# --- Moments --------------------------------------------------------------------------------------
def _when(t: Timeline, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return t.day(day, hour) + minute * MINUTE


def _after_standstill(award: Award, planned: dt.datetime) -> dt.datetime:
    """The planned moment, or just after the standstill if a longer one is configured."""
    assert award.standstill_ends_at is not None
    return max(planned, award.standstill_ends_at + 2 * HOUR)


# --- Steps of an evaluation ------------------------------------------------------------------------
def _lot(tender: Tender, position: int = 0) -> Lot:
    return tender.lots.order_by("position")[position]


def _bid(tender: Tender, supplier: Organisation, position: int = 0) -> Bid:
    return Bid.objects.select_related("supplier").get(tender=tender, lot=_lot(tender, position), supplier=supplier)


def _opened(
    t: Timeline, tender: Tender, specs: Sequence[demo_bids.DemoBid], users: Users, orgs: Mapping[str, Organisation]
) -> None:
    """The bids placed and opened in public; at that moment the sweep has recorded that bids are
    closed, and the evaluation starts (one assessment per opened bid)."""
    opening = demo_bids.place_and_open(t, tender, specs, users, orgs)
    with clock.frozen(opening.opened_at):
        tender_record_status(tender=tender)
        evaluation.evaluation_for(tender)


def _panel(tender: Tender, officer: User, moment: dt.datetime, members: Sequence[tuple[User, str]]) -> None:
    """The officer seats the panel (an observer with their affiliation); each member then signs a
    declaration of no conflict of interest naming the bidders, before seeing any bid."""
    with clock.frozen(moment):
        for person, role in members:
            affiliation = OBSERVER_AFFILIATION if role == PanelRole.OBSERVER else ""
            evaluation.panel_member_add(actor=officer, tender=tender, user=person, role=role, affiliation=affiliation)
    for position, (person, _role) in enumerate(members):
        with clock.frozen(moment + (30 + 15 * position) * MINUTE):
            evaluation.declaration_sign(
                actor=person, tender=tender, has_conflict=False, statement="", signed_name=person.full_name
            )


def _qualify(officer: User, bid: Bid, moment: dt.datetime, notes: str) -> None:
    with clock.frozen(moment):
        evaluation.assessment_record_checks(
            actor=officer, bid=bid, eligibility_met=True, exclusion_clear=True, notes=notes
        )
    with clock.frozen(moment + 10 * MINUTE):
        evaluation.bid_qualify(actor=officer, bid=bid)


def _clarify(
    officer: User,
    bid: Bid,
    *,
    asked: dt.datetime,
    respond_by: dt.datetime,
    question: str,
    answered: dt.datetime,
    answerer: User,
    answer: str,
) -> None:
    with clock.frozen(asked):
        request = evaluation.clarification_request_send(
            actor=officer, bid=bid, question=question, respond_by=respond_by
        )
    with clock.frozen(answered):
        evaluation.clarification_request_answer(actor=answerer, request=request, response=answer)


def _marks(evaluator: User, tender: Tender, bid: Bid, moment: dt.datetime, marks: Sequence[tuple[str, str]]) -> None:
    """An evaluator's marks for a bid, in the order of the tender's quality criteria: (mark, why)."""
    criteria = list(tender.criteria.filter(kind="quality").order_by("position"))
    assert len(criteria) == len(marks), "a mark for every quality criterion"
    for position, (criterion, (mark, justification)) in enumerate(zip(criteria, marks, strict=True)):
        with clock.frozen(moment + 20 * position * MINUTE):
            evaluation.score_record(
                actor=evaluator, bid=bid, criterion=criterion, mark=mark, justification=justification
            )


def _decide(officer: User, lot: Lot, bid: Bid, moment: dt.datetime, reasons: str) -> Award:
    with clock.frozen(moment):
        return awards.award_decide(actor=officer, lot=lot, bid=bid, reasons=reasons)


def _standstill_ends(award: Award) -> None:
    """The five-minute job puts the award in force once its standstill has ended."""
    assert award.standstill_ends_at is not None
    with clock.frozen(award.standstill_ends_at + 5 * MINUTE):
        awards.awards_activate_due()


# --- Steps of a contract ---------------------------------------------------------------------------
def authenticator_code(person: User) -> str:
    """The code the person's authenticator app shows, as they would type it to sign.

    The code follows real time, not the demo's clock (it is the person's phone). django-otp takes
    each 30-second code once and accepts the next one early, so someone who has just used a code
    types the next one, and waits for it if that one was used too."""
    device = TOTPDevice.objects.filter(user=person, confirmed=True).order_by("id").first()
    assert device is not None, f"{person.email} has no authenticator app"
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    step = max(totp.t(), device.last_t + 1)
    while step > totp.t() + device.tolerance:  # pragma: no cover - only when one person signs often
        time.sleep(1)
    totp.time = device.t0 + (step - device.drift) * device.step
    return str(totp.token()).zfill(device.digits)


def _sign(contract: Contract, party: str, person: User, moment: dt.datetime) -> None:
    with clock.frozen(moment):
        contracts.contract_sign(
            actor=person,
            contract=contract,
            party=party,
            otp_code=authenticator_code(person),
            signed_name=person.full_name,
        )


def _milestone(
    officer: User,
    contract: Contract,
    moment: dt.datetime,
    title: str,
    *,
    kind: str,
    due: dt.datetime,
    value: str | None = None,
    description: str = "",
) -> Milestone:
    with clock.frozen(moment):
        return contracts.milestone_add(
            actor=officer,
            contract=contract,
            title=title,
            kind=kind,
            due_at=due,
            value_amount=value,
            description=description,
        )


def _delivered_and_accepted(
    milestone: Milestone,
    *,
    supplier: User,
    delivered: dt.datetime,
    note: str,
    officer: User,
    accepted: dt.datetime,
    status: str = MilestoneStatus.MET,
    acceptance_note: str = "",
) -> None:
    with clock.frozen(delivered):
        contracts.milestone_mark_delivered(actor=supplier, milestone=milestone, note=note)
    with clock.frozen(accepted):
        contracts.milestone_accept(actor=officer, milestone=milestone, status=status, note=acceptance_note)


def _invoiced_and_paid(
    contract: Contract,
    milestone: Milestone,
    *,
    supplier: User,
    number: str,
    amount: str,
    submitted: dt.datetime,
    payer: User,
    approved: dt.datetime,
    paid: dt.datetime,
    reference: str,
) -> None:
    """The supplier invoices a milestone, the buyer approves the invoice and pays it."""
    with clock.frozen(submitted):
        invoice: Invoice = contracts.invoice_submit(
            actor=supplier,
            contract=contract,
            milestone=milestone,
            number=number,
            amount=amount,
            issued_on=timezone.localdate(submitted),
        )
    with clock.frozen(approved):
        contracts.invoice_approve(actor=payer, invoice=invoice)
    with clock.frozen(paid):
        contracts.payment_record(
            actor=payer, contract=contract, amount=amount, paid_at=paid, invoice=invoice, reference=reference
        )


# --- Laptops: awarded, in standstill ----------------------------------------------------------------
def laptops_in_standstill(t: Timeline, tender: Tender, users: Users, orgs: Mapping[str, Organisation]) -> None:
    """The laptops' bids opened a week ago; a panel with an observer qualified both, and the lot
    was awarded two days ago to the lowest price: the standstill runs for about another week."""
    demo_bids.laptop_bids(t, tender, users, orgs)
    with clock.frozen(_when(t, -7, 14)):
        tender_record_status(tender=tender)
        evaluation.evaluation_for(tender)
    officer = users[HEALTH_OFFICER]
    _panel(
        tender,
        officer,
        _when(t, -6, 10),
        [
            (officer, PanelRole.EVALUATOR),
            (users[HEALTH_EVALUATOR], PanelRole.EVALUATOR),
            (users[OBSERVER], PanelRole.OBSERVER),
        ],
    )
    keystone, datapoint = _bid(tender, orgs["keystone"]), _bid(tender, orgs["datapoint"])
    _clarify(
        officer,
        keystone,
        asked=_when(t, -5, 11),
        respond_by=_when(t, -3, 12),
        question="Please confirm that the four-year warranty includes on-site repair or replacement at the "
        "nurses' bases, not return to depot.",
        answered=_when(t, -4, 16),
        answerer=users[KEYSTONE_BIDS],
        answer="Confirmed: on-site repair or a replacement laptop within two working days at any of the bases, "
        "for four years, at no extra cost (section 4.2 of our technical offer).",
    )
    _qualify(officer, keystone, _when(t, -3, 10), "ISO/IEC 27001 and tax clearance checked; warranty confirmed.")
    _qualify(officer, datapoint, _when(t, -3, 10, 30), "ISO 9001 checked; the offer meets the specification.")
    _decide(
        officer,
        _lot(tender),
        keystone,
        _when(t, -2, 10),
        "The award criterion is the lowest price. Both bids met every requirement of the specification; "
        "Keystone IT Services Ltd's is the lower of the two (GBP 189,750.00 against GBP 194,300.00).",
    )


# --- Defibrillators: price and quality, awarded, under complaint ---------------------------------------
def defibrillators(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Automated external defibrillators for community clinics",
        description="48 automated external defibrillators with alarmed wall cabinets, spare pads and batteries, "
        "installed at the community clinics, with training for clinic staff and seven years of service. Bids "
        "are judged on price and quality; the financial offers are opened only for technically compliant bids.",
        main_category="goods",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("240000"),
        award_criteria="ratedCriteria",
        two_envelopes=True,
        criteria=(
            CriterionDetails(name="Price", kind="price", weight="40"),
            CriterionDetails(
                name="Clinical performance and ease of use",
                kind="quality",
                weight="40",
                description="Time to shock, CPR feedback, paediatric use, prompts an untrained rescuer can follow.",
            ),
            CriterionDetails(
                name="Training and after-sales service",
                kind="quality",
                weight="20",
                description="Training of clinic staff, replacement times and maintenance over seven years.",
            ),
        ),
        lots=(
            LotDetails(
                title="Defibrillators",
                items=(
                    cpv_item("Automated external defibrillator with alarmed wall cabinet", "33190000-8", "48", "C62"),
                    cpv_item("Training of clinic staff in the use of defibrillators", "80000000-4", "48", "E48"),
                ),
            ),
        ),
        enquiry_end=t.day(-55, 12),
        tender_end=t.day(-45, 12),
        bid_opening_at=t.day(-45, 14),
        bid_opening_place="Ministry of Health, 39 Victoria Street, London, room 4.12",
    )


def defibrillators_under_complaint(t: Timeline, tender: Tender, users: Users, orgs: Mapping[str, Organisation]) -> None:
    """Two bids, marked by two evaluators with their reasons, qualified, their prices opened, the
    lot awarded on points; the runner-up complained during the standstill and the review body has
    not decided yet, so no contract can be signed."""
    _opened(t, tender, demo_bids.DEFIBRILLATOR_BIDS, users, orgs)
    officer, evaluator = users[HEALTH_OFFICER], users[HEALTH_EVALUATOR]
    _panel(
        tender,
        officer,
        _when(t, -44, 10),
        [(officer, PanelRole.EVALUATOR), (evaluator, PanelRole.EVALUATOR), (users[OBSERVER], PanelRole.OBSERVER)],
    )
    lifeline, acme = _bid(tender, orgs["lifeline"]), _bid(tender, orgs["acme"])
    _marks(
        evaluator,
        tender,
        lifeline,
        _when(t, -41, 10),
        [
            ("8.0", "Shock within 7 seconds, real-time CPR feedback; the paediatric key is simple to use."),
            ("8.0", "Training at every clinic and next-day replacement for seven years."),
        ],
    )
    _marks(
        evaluator,
        tender,
        acme,
        _when(t, -41, 14),
        [
            ("7.0", "Meets the clinical requirements; paediatric pads must be fitted separately, which costs time."),
            ("7.5", "Good training videos, but replacement takes up to three working days."),
        ],
    )
    _marks(
        officer,
        tender,
        lifeline,
        _when(t, -40, 10),
        [
            ("9.0", "The fastest time to shock offered, with CPR feedback that untrained rescuers follow easily."),
            ("8.0", "A complete training plan; the seven-year service includes batteries and pads."),
        ],
    )
    _marks(
        officer,
        tender,
        acme,
        _when(t, -40, 14),
        [
            ("6.0", "Compliant, but no CPR feedback and a slower time to shock than the best offer."),
            ("7.5", "Remote training only; replacement by courier within three working days."),
        ],
    )
    _clarify(
        officer,
        lifeline,
        asked=_when(t, -39, 11),
        respond_by=_when(t, -36, 12),
        question="Are the LCS-3 electrode pads compatible with the defibrillators of the regional ambulance "
        "service, so that paramedics can keep them on the patient?",
        answered=_when(t, -38, 15),
        answerer=users[demo_bids.LIFELINE_BIDS],
        answer="Yes: the LCS-3 uses the universal pad connector fitted to the ambulance service's monitors.",
    )
    _qualify(officer, lifeline, _when(t, -35, 10), "ISO 13485 checked; every technical requirement met.")
    _qualify(officer, acme, _when(t, -35, 10, 30), "ISO 13485 checked; every technical requirement met.")
    with clock.frozen(_when(t, -34, 10)):
        evaluation.financial_offers_open(actor=officer, tender=tender)
    award = _decide(
        officer,
        _lot(tender),
        lifeline,
        _when(t, -14, 10),
        "Lifeline Cardiac Systems Ltd's bid has the most points (price 40%, clinical performance 40%, training "
        "and after-sales service 20%): its clinical performance and service outweigh the lower price of the "
        "other bid. Both bids were technically compliant.",
    )
    assert award.standstill_ends_at is not None
    with clock.frozen(min(_when(t, -10, 15), award.standstill_ends_at - HOUR)):
        complaints.complaint_file(
            actor=users[ACME_BIDS],
            award=award,
            grounds="The panel marked our AED-4 at 6.5 out of 10 for clinical performance although it meets every "
            "clinical requirement of the specification, including a time to shock under 8 seconds; CPR feedback "
            "was not a requirement. We ask the review body to annul the award and have the criterion marked again.",
            confidential_grounds="Our independent laboratory report (attached) gives the AED-4's test results, "
            "which also reveal the components our manufacturer sources and their cost: it is commercially "
            "confidential.",
            documents=(
                complaints.ComplaintDocument(
                    file=demo_bids.pdf_file("AED-4 independent laboratory test report"),
                    title="AED-4 independent laboratory test report",
                    confidential=True,
                ),
            ),
        )


# --- School meals: two lots signed, being delivered, one amended above the threshold -----------------
def school_meals(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="School meals for Northbridge schools",
        description="Hot lunches, prepared daily from fresh local produce, for the council's primary and "
        "secondary schools for the school year, meeting the national school food standards. Two lots.",
        main_category="services",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("640000"),
        sme_suitable=True,
        lots=(
            LotDetails(
                title="Primary schools (22 schools)",
                description="About 5,400 lunches a school day.",
                value_amount=Decimal("380000"),
                items=(cpv_item("Hot school lunches, primary schools", "15800000-6", "39", "WEE"),),
            ),
            LotDetails(
                title="Secondary schools (6 schools)",
                description="About 2,900 lunches a school day.",
                value_amount=Decimal("260000"),
                items=(cpv_item("Hot school lunches, secondary schools", "15800000-6", "39", "WEE"),),
            ),
        ),
        enquiry_end=t.day(-172, 12),
        tender_end=t.day(-165, 12),
        bid_opening_at=t.day(-165, 14),
        bid_opening_place="Town Hall, Market Square, Northbridge, Committee Room 2",
    )


SCHOOL_TERMS = (("Autumn term", -60), ("Spring term", 30), ("Summer term", 120))
LATE_LUNCHES = (
    "Lunches at Northgate Academy arrived after the start of the lunch break on five days in November; "
    "the supplier has changed its delivery round."
)


@dataclass(frozen=True)
class _SchoolLot:
    """One lot of the school meals: who won it and signs, and how its school year is paid."""

    position: int
    supplier: str  # organisation key
    manager: str  # the supplier's bid manager, who signs and invoices
    buyer_signer: str
    signed_on: int  # day
    schools: str
    term_values: tuple[str, str, str]
    invoice: str
    payment: str
    autumn: str  # how the buyer found the autumn term
    autumn_note: str = ""


SCHOOL_LOTS = (
    _SchoolLot(
        0,
        "harvest",
        HARVEST_BIDS,
        NORTHBRIDGE_OFFICER,
        -139,
        "22 primary schools",
        ("120800.00", "120800.00", "120800.00"),
        "HTC-0417",
        "NBC-PAY-88213",
        MilestoneStatus.MET,
    ),
    _SchoolLot(
        1,
        "freshstart",
        FRESHSTART_BIDS,
        NORTHBRIDGE_APPROVER,
        -138,
        "6 secondary schools",
        ("82800.00", "82800.00", "82700.00"),
        "FSF-0093",
        "NBC-PAY-88240",
        MilestoneStatus.PARTIALLY_MET,
        LATE_LUNCHES,
    ),
)


def school_meals_delivered(t: Timeline, tender: Tender, users: Users, orgs: Mapping[str, Organisation]) -> None:
    """Both lots awarded at the lowest price and signed after the standstill; the autumn term
    delivered (the secondary schools' in part), reported, invoiced and paid; the secondary
    schools' contract then amended by 15% to add breakfast clubs, above the 10% threshold and
    so flagged publicly. The two contracts move on together, so each step is in date order."""
    _opened(t, tender, demo_bids.SCHOOL_MEALS_BIDS, users, orgs)
    officer, approver = users[NORTHBRIDGE_OFFICER], users[NORTHBRIDGE_APPROVER]
    _panel(tender, officer, _when(t, -164, 10), [(officer, PanelRole.EVALUATOR)])
    bidders = [(orgs[lot.supplier], position) for lot in SCHOOL_LOTS for position in (0, 1)]
    for order, (bidder, position) in enumerate(bidders):
        _qualify(
            officer,
            _bid(tender, bidder, position),
            _when(t, -160, 10, 30 * order),
            "Food hygiene rating 5 and the menus checked against the school food standards.",
        )
    decided = [
        _decide(
            officer,
            _lot(tender, lot.position),
            _bid(tender, orgs[lot.supplier], lot.position),
            _when(t, -150, 10, 30 * lot.position),
            f"The award criterion is the lowest price; {orgs[lot.supplier].legal_name}'s bid is the lower of the "
            f"two qualified bids for the {lot.schools}.",
        )
        for lot in SCHOOL_LOTS
    ]
    with clock.frozen(_when(t, -147, 11)):
        signed = [
            contracts.contract_create(
                actor=officer,
                award=award,
                period_start=t.day(-130, 0),
                period_end=t.day(235, 0),
                description="Hot lunches every school day of the school year, to the national school food standards.",
            )
            for award in decided
        ]
    for award in decided:
        _standstill_ends(award)
    for lot, award, contract in zip(SCHOOL_LOTS, decided, signed, strict=True):
        moment = _after_standstill(award, _when(t, lot.signed_on, 10))
        _sign(contract, SigningParty.SUPPLIER, users[lot.manager], moment)
        _sign(contract, SigningParty.BUYER, users[lot.buyer_signer], moment + 5 * HOUR)
    # The school year as milestones: each term's lunches, and a report after the autumn term.
    autumn: list[Milestone] = []
    reports: list[Milestone] = []
    for lot, contract in zip(SCHOOL_LOTS, signed, strict=True):
        terms = [
            _milestone(
                officer,
                contract,
                _when(t, -137, 10),
                f"{term}: lunches at {lot.schools}",
                kind=MilestoneKind.DELIVERY,
                due=t.day(due, 17),
                value=value,
            )
            for (term, due), value in zip(SCHOOL_TERMS, lot.term_values, strict=True)
        ]
        autumn.append(terms[0])
        reports.append(
            _milestone(
                officer,
                contract,
                _when(t, -137, 10, 1),
                "Autumn term report on nutrition and food waste",
                kind=MilestoneKind.REPORTING,
                due=t.day(-50, 17),
            )
        )
    for lot, milestone in zip(SCHOOL_LOTS, autumn, strict=True):
        with clock.frozen(_when(t, -61, 16)):
            contracts.milestone_mark_delivered(
                actor=users[lot.manager],
                milestone=milestone,
                note=f"Autumn term complete at the {lot.schools}; menus approved by the council's dietitian.",
            )
    for lot, milestone in zip(SCHOOL_LOTS, autumn, strict=True):
        with clock.frozen(_when(t, -58, 11)):
            contracts.milestone_accept(actor=officer, milestone=milestone, status=lot.autumn, note=lot.autumn_note)
    invoices: list[Invoice] = []
    for lot, contract, milestone in zip(SCHOOL_LOTS, signed, autumn, strict=True):
        with clock.frozen(_when(t, -57, 10)):
            invoices.append(
                contracts.invoice_submit(
                    actor=users[lot.manager],
                    contract=contract,
                    milestone=milestone,
                    number=lot.invoice,
                    amount=lot.term_values[0],
                    issued_on=timezone.localdate(clock.now()),
                )
            )
    for lot, report in zip(SCHOOL_LOTS, reports, strict=True):
        with clock.frozen(_when(t, -52, 12)):
            contracts.milestone_mark_delivered(
                actor=users[lot.manager], milestone=report, note="Report attached: food waste down 12% since September."
            )
    for invoice in invoices:
        with clock.frozen(_when(t, -52, 15)):
            contracts.invoice_approve(actor=approver, invoice=invoice)
    for report in reports:
        with clock.frozen(_when(t, -49, 11)):
            contracts.milestone_accept(actor=officer, milestone=report, status=MilestoneStatus.MET)
    paid = _when(t, -45, 9)
    for lot, contract, invoice in zip(SCHOOL_LOTS, signed, invoices, strict=True):
        with clock.frozen(paid):
            contracts.payment_record(
                actor=approver,
                contract=contract,
                amount=lot.term_values[0],
                paid_at=paid,
                invoice=invoice,
                reference=lot.payment,
            )
    with clock.frozen(_when(t, -40, 10)):
        contracts.contract_amend(
            actor=officer,
            contract=signed[1],
            value_amount="285545.00",
            rationale="Breakfast clubs at four secondary schools (Northgate, Harbour, Kingsmead and Larkspur "
            "academies) from the spring term, funded by the national school breakfast programme: about 190 "
            "breakfasts a school day for the rest of the contract. The increase is 15% of the original value, "
            "above the 10% threshold; the cabinet approved it on the grounds of urgency.",
        )


# --- Traffic signals: a contract terminated -----------------------------------------------------------
def traffic_signals(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Maintenance of traffic signals on the trunk road network",
        description="Planned and emergency maintenance of 312 signal-controlled junctions and crossings for two "
        "years: quarterly maintenance, an annual inspection, and emergency call-outs answered within 4 hours.",
        main_category="services",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("480000"),
        selection_criteria="National Highway Sector Scheme 8 registration; two comparable contracts in 3 years.",
        lots=(
            LotDetails(
                title="Traffic signal maintenance",
                items=(
                    cpv_item("Maintenance of traffic signals, 312 junctions", "31000000-6", "24", "MON"),
                    cpv_item("Annual inspection and electrical testing", "71000000-8", "2", "E48"),
                ),
            ),
        ),
        enquiry_end=t.day(-275, 12),
        tender_end=t.day(-265, 12),
        bid_opening_at=t.day(-265, 14),
        bid_opening_place="National Roads Agency, Birmingham, and online",
    )


def traffic_signals_terminated(t: Timeline, tender: Tender, users: Users, orgs: Mapping[str, Organisation]) -> None:
    """Three bids, one disqualified after a clarification; awarded, signed, two quarters paid (the
    second with a deduction for late call-outs), then terminated for persistent breach."""
    _opened(t, tender, demo_bids.TRAFFIC_SIGNAL_BIDS, users, orgs)
    officer = users[ROADS_OFFICER]
    _panel(tender, officer, _when(t, -264, 10), [(officer, PanelRole.EVALUATOR)])
    greengrid = _bid(tender, orgs["greengrid"])
    _clarify(
        officer,
        greengrid,
        asked=_when(t, -262, 10),
        respond_by=_when(t, -259, 12),
        question="Your bid does not include the National Highway Sector Scheme 8 registration the selection "
        "criteria require. Please send it, or say when you will hold it.",
        answered=_when(t, -261, 9, 30),
        answerer=users[GREENGRID_BIDS],
        answer="We have applied for the registration; the certification body's audit is booked in three months.",
    )
    junction, northern = _bid(tender, orgs["junction"]), _bid(tender, orgs["northern"])
    _qualify(officer, junction, _when(t, -258, 10), "Sector Scheme 8 registration and references checked.")
    _qualify(officer, northern, _when(t, -258, 10, 30), "Sector Scheme 8 registration and references checked.")
    with clock.frozen(_when(t, -258, 11)):
        evaluation.bid_disqualify(
            actor=officer,
            bid=greengrid,
            reason="The bidder does not hold the National Highway Sector Scheme 8 registration the selection "
            "criteria require (confirmed in its answer to the clarification request).",
        )
    award = _decide(
        officer,
        _lot(tender),
        junction,
        _when(t, -250, 10),
        "The award criterion is the lowest price. Junction Signals Ltd's bid is the lower of the two qualified "
        "bids; GreenGrid Energy SL's bid was disqualified (no Sector Scheme 8 registration).",
    )
    with clock.frozen(_when(t, -246, 10)):
        contract = contracts.contract_create(
            actor=officer,
            award=award,
            period_start=t.day(-230, 0),
            period_end=t.day(500, 0),
            description="Two years of planned and emergency maintenance, paid quarterly.",
        )
    _standstill_ends(award)
    moment = _after_standstill(award, _when(t, -239, 10))
    supplier = users[JUNCTION_BIDS]
    _sign(contract, SigningParty.SUPPLIER, supplier, moment)
    _sign(contract, SigningParty.BUYER, officer, moment + 4 * HOUR)
    quarters = [
        _milestone(
            officer,
            contract,
            _when(t, -229, 10, position),
            f"Quarterly maintenance, quarter {position + 1}",
            kind=MilestoneKind.DELIVERY,
            due=t.day(due, 17),
            value="54750.00",
        )
        for position, due in enumerate((-140, -50, 40))
    ]
    inspection = _milestone(
        officer,
        contract,
        _when(t, -229, 10, 5),
        "Annual inspection report",
        kind=MilestoneKind.REPORTING,
        due=t.day(-110, 17),
    )
    _delivered_and_accepted(
        quarters[0],
        supplier=supplier,
        delivered=_when(t, -141, 16),
        note="All 312 junctions maintained; 7 emergency call-outs, all within 4 hours.",
        officer=officer,
        accepted=_when(t, -138, 11),
    )
    _invoiced_and_paid(
        contract,
        quarters[0],
        supplier=supplier,
        number="JS-1101",
        amount="54750.00",
        submitted=_when(t, -137, 10),
        payer=officer,
        approved=_when(t, -133, 15),
        paid=_when(t, -125, 9),
        reference="NRA-TS-30917",
    )
    _delivered_and_accepted(
        inspection,
        supplier=supplier,
        delivered=_when(t, -111, 12),
        note="Inspection and electrical tests of all 312 junctions; 14 controllers to replace within the year.",
        officer=officer,
        accepted=_when(t, -108, 11),
    )
    _delivered_and_accepted(
        quarters[1],
        supplier=supplier,
        delivered=_when(t, -51, 16),
        note="Planned maintenance done; 9 emergency call-outs.",
        officer=officer,
        accepted=_when(t, -47, 11),
        status=MilestoneStatus.PARTIALLY_MET,
        acceptance_note="4 of the 9 emergency call-outs were answered after the 4-hour response time: a "
        "service credit of 10% applies to the quarter.",
    )
    _invoiced_and_paid(
        contract,
        quarters[1],
        supplier=supplier,
        number="JS-1187",
        amount="49275.00",
        submitted=_when(t, -46, 10),
        payer=officer,
        approved=_when(t, -42, 15),
        paid=_when(t, -35, 9),
        reference="NRA-TS-31544",
    )
    with clock.frozen(_when(t, -30, 10)):
        contracts.contract_terminate(
            actor=officer,
            contract=contract,
            reason="Persistent breach: 11 of 19 emergency call-outs since the start of the second quarter were "
            "answered after the 4-hour response time, after two formal warnings. The Agency's term contractor "
            "maintains the signals until a new contract is awarded.",
        )


# --- Hospital beds: a contract completed -----------------------------------------------------------------
def hospital_beds(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Electric profiling beds for Riverside Community Hospital",
        description="60 electric profiling beds with pressure-relieving mattresses for the refurbished wards of "
        "Riverside Community Hospital, delivered, installed and commissioned, with training for ward staff.",
        main_category="goods",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("150000"),
        sme_suitable=True,
        lots=(
            LotDetails(
                title="Profiling beds",
                items=(
                    cpv_item("Electric profiling bed with pressure-relieving mattress", "33100000-1", "60", "C62"),
                    cpv_item("Installation, commissioning and training of ward staff", "80000000-4", "1", "LS"),
                ),
            ),
        ),
        enquiry_end=t.day(-232, 12),
        tender_end=t.day(-225, 12),
        bid_opening_at=t.day(-225, 14),
        bid_opening_place="Ministry of Health, 39 Victoria Street, London, room 4.12",
    )


def hospital_beds_completed(t: Timeline, tender: Tender, users: Users, orgs: Mapping[str, Organisation]) -> None:
    """Awarded at the lowest price, signed, delivered and installed on time, paid in full, then
    completed with the supplier rated 4 out of 5."""
    _opened(t, tender, demo_bids.HOSPITAL_BED_BIDS, users, orgs)
    officer, approver = users[HEALTH_OFFICER], users[HEALTH_APPROVER]
    _panel(tender, officer, _when(t, -224, 10), [(officer, PanelRole.EVALUATOR)])
    restwell, acme = _bid(tender, orgs["restwell"]), _bid(tender, orgs["acme"])
    _qualify(officer, restwell, _when(t, -220, 10), "ISO 9001 checked; beds meet BS EN 60601-2-52.")
    _qualify(officer, acme, _when(t, -220, 10, 30), "ISO 13485 checked; beds meet BS EN 60601-2-52.")
    award = _decide(
        officer,
        _lot(tender),
        restwell,
        _when(t, -212, 10),
        "The award criterion is the lowest price; Restwell Healthcare Furniture Ltd's bid is the lower of the two "
        "qualified bids.",
    )
    with clock.frozen(_when(t, -208, 10)):
        contract = contracts.contract_create(
            actor=officer,
            award=award,
            period_start=t.day(-195, 0),
            period_end=t.day(-80, 0),
            description="Supply, installation and commissioning of 60 beds, with training and a five-year warranty.",
        )
    _standstill_ends(award)
    moment = _after_standstill(award, _when(t, -201, 10))
    supplier = users[RESTWELL_BIDS]
    _sign(contract, SigningParty.SUPPLIER, supplier, moment)
    _sign(contract, SigningParty.BUYER, approver, moment + 5 * HOUR)
    delivery = _milestone(
        officer,
        contract,
        _when(t, -200, 10),
        "Delivery of 60 profiling beds",
        kind=MilestoneKind.DELIVERY,
        due=t.day(-170, 17),
        value="113280.00",
    )
    installation = _milestone(
        officer,
        contract,
        _when(t, -200, 10, 1),
        "Installation, commissioning and training of ward staff",
        kind=MilestoneKind.DELIVERY,
        due=t.day(-150, 17),
        value="28320.00",
    )
    warranty = _milestone(
        officer,
        contract,
        _when(t, -200, 10, 2),
        "Warranty registration and maintenance schedule",
        kind=MilestoneKind.REPORTING,
        due=t.day(-140, 17),
    )
    _delivered_and_accepted(
        delivery,
        supplier=supplier,
        delivered=_when(t, -171, 15),
        note="60 beds and mattresses delivered to the hospital stores; delivery notes signed.",
        officer=officer,
        accepted=_when(t, -168, 11),
    )
    _invoiced_and_paid(
        contract,
        delivery,
        supplier=supplier,
        number="RHF-2231",
        amount="113280.00",
        submitted=_when(t, -167, 10),
        payer=approver,
        approved=_when(t, -163, 15),
        paid=_when(t, -155, 9),
        reference="MOH-AP-552180",
    )
    _delivered_and_accepted(
        installation,
        supplier=supplier,
        delivered=_when(t, -151, 16),
        note="Beds installed and commissioned on wards 3 and 4; 46 ward staff trained.",
        officer=officer,
        accepted=_when(t, -149, 11),
    )
    _invoiced_and_paid(
        contract,
        installation,
        supplier=supplier,
        number="RHF-2260",
        amount="28320.00",
        submitted=_when(t, -148, 10),
        payer=approver,
        approved=_when(t, -144, 15),
        paid=_when(t, -143, 9),
        reference="MOH-AP-553907",
    )
    _delivered_and_accepted(
        warranty,
        supplier=supplier,
        delivered=_when(t, -142, 12),
        note="Warranties registered for all 60 beds; yearly maintenance visits scheduled.",
        officer=officer,
        accepted=_when(t, -139, 11),
    )
    with clock.frozen(_when(t, -100, 10)):
        contracts.contract_complete(
            actor=officer,
            contract=contract,
            rating=4,
            comment="All 60 beds delivered and installed on time and the training was well received. One bed "
            "needed a new control handset after a week, which the supplier replaced within 48 hours.",
        )


# --- Library system: a complaint dismissed ------------------------------------------------------------
def library_system(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Library management system for Northbridge libraries",
        description="A hosted library management system for the central library and two branches, with 12 RFID "
        "self-service kiosks, data migration from the current system and three years of support.",
        main_category="goods",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("150000"),
        lots=(
            LotDetails(
                title="Library management system",
                items=(
                    cpv_item("Library management system, hosted, three libraries", "48000000-8", "1", "LS"),
                    cpv_item("RFID self-service kiosk", "30200000-1", "12", "C62"),
                    cpv_item("Support and hosting", "72000000-5", "36", "MON"),
                ),
            ),
        ),
        enquiry_end=t.day(-52, 12),
        tender_end=t.day(-45, 12),
        bid_opening_at=t.day(-45, 14),
        bid_opening_place="Town Hall, Market Square, Northbridge, Committee Room 2",
    )


def library_complaint_dismissed(t: Timeline, tender: Tender, users: Users, orgs: Mapping[str, Organisation]) -> None:
    """Awarded at the lowest price; the other bidder complained, the review body dismissed the
    complaint after the standstill had ended, so the award came into force at once; the council
    has prepared the contract, which awaits both signatures."""
    _opened(t, tender, demo_bids.LIBRARY_BIDS, users, orgs)
    officer = users[NORTHBRIDGE_OFFICER]
    _panel(tender, officer, _when(t, -44, 10), [(officer, PanelRole.EVALUATOR)])
    keystone, datapoint = _bid(tender, orgs["keystone"]), _bid(tender, orgs["datapoint"])
    _qualify(officer, keystone, _when(t, -40, 10), "ISO/IEC 27001 checked; every requirement met.")
    _qualify(officer, datapoint, _when(t, -40, 10, 30), "ISO 9001 checked; every requirement met.")
    award = _decide(
        officer,
        _lot(tender),
        keystone,
        _when(t, -30, 10),
        "The award criterion is the lowest price; Keystone IT Services Ltd's bid is the lower of the two "
        "qualified bids and includes the 12 self-service kiosks.",
    )
    assert award.standstill_ends_at is not None
    with clock.frozen(min(_when(t, -27, 11), award.standstill_ends_at - HOUR)):
        complaint = complaints.complaint_file(
            actor=users[DATAPOINT_BIDS],
            award=award,
            grounds="The winning bid does not price the 12 RFID self-service kiosks required by item 2 of the "
            "specification, so its price cannot be compared with ours, which includes them.",
        )
    with clock.frozen(max(_when(t, -12, 15), award.standstill_ends_at + HOUR)):
        complaints.complaint_decide(
            actor=users[REVIEWER],
            complaint=complaint,
            upheld=False,
            decision="Dismissed. The winning bid prices the 12 self-service kiosks in line 2 of its offer, as the "
            "opening record shows; both bids cover the whole specification and the award at the lowest price "
            "stands.",
        )
    with clock.frozen(_when(t, -10, 10)):
        contracts.contract_create(
            actor=officer,
            award=award,
            period_start=t.day(20, 0),
            period_end=t.day(20 + 3 * 365, 0),
            description="The system, kiosks and data migration in the first two months, then three years of "
            "support and hosting.",
        )


# --- The debarment list ---------------------------------------------------------------------------------
def load_debarments(t: Timeline, *, organisations: Mapping[str, Organisation], users: Users) -> None:
    """A supplier that bids for nothing in the demo, debarred by the review body for three years."""
    supplier = organisations[DEBARRED]
    if Debarment.objects.filter(supplier=supplier).exists():
        return
    with clock.frozen(_when(t, -118, 10)):
        debarment_record(
            actor=users[REVIEWER],
            supplier=supplier,
            reason="Bid rigging: the competition authority found that Castlegate Building Services Ltd agreed its "
            "prices with two competitors on eleven council maintenance tenders. Debarred from public tenders "
            "for three years.",
            authority="Public Procurement Review Board",
            reference="PPRB/DEB/0142",
            starts_on=t.day(-120, 0),
            ends_on=t.day(-120 + 3 * 365, 0),
        )


# --- Report ---------------------------------------------------------------------------------------------
def _money(amount: Decimal | None, currency: str) -> str:
    return f"{currency} {Decimal(amount or 0):,.2f}"


def _day(moment: dt.datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d}"


def _contract_line(contract: Contract) -> str:
    paid = contract.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    money = f"{_money(paid, contract.currency)} paid of {_money(contract.value_amount, contract.currency)}"
    flagged = contract.amendments.filter(exceeds_threshold=True).order_by("-made_at").first()
    if flagged is not None:
        money += f" (amended from {_money(contract.original_value, contract.currency)}, flagged above the threshold)"
    if contract.status == ContractStatus.PENDING:
        state = f"awaiting signature ({_money(contract.value_amount, contract.currency)})"
    elif contract.status == ContractStatus.ACTIVE:
        state = f"being delivered, {money}"
    elif contract.status == ContractStatus.TERMINATED:
        state = f"terminated on {_day(contract.terminated_at)}, {money}"
    else:
        rating = getattr(contract, "rating", None)
        rated = f"; {contract.supplier.legal_name} rated {rating.score}/5" if rating is not None else ""
        state = f"completed on {_day(contract.completed_at)}, {money}{rated}"
    return f"Contract: {contract.title} ({contract.supplier.legal_name}): {state}."


def summary(organisations: Mapping[str, Organisation]) -> list[str]:
    """Lines describing the demo's awards, complaints, contracts and debarments, for `procura demo`."""
    from procura.demo_tenders import demo_tenders

    tenders = [tender.pk for tender in demo_tenders(dict(organisations))]
    lines: list[str] = []
    for award in (
        Award.objects.filter(tender_id__in=tenders, status=AwardStatus.PENDING)
        .select_related("tender", "supplier")
        .order_by("decided_at")
    ):
        assert award.supplier is not None
        pending = award.complaints.filter(status=ComplaintStatus.PENDING).select_related("complainant").first()
        if pending is None:
            lines.append(
                f"Awarded, in standstill: {award.tender.title} to {award.supplier.legal_name} for "
                f"{_money(award.value_amount, award.currency)}; losing bidders may complain until "
                f"{award.standstill_ends_at:%Y-%m-%d %H:%M} UTC."
            )
        else:
            lines.append(
                f"Under complaint: {award.tender.title}, awarded to {award.supplier.legal_name}; "
                f"{pending.complainant.legal_name}'s complaint awaits the review body (reviewer@review.example, "
                "/complaints/review/) and no contract can be signed until it is decided."
            )
    for complaint in (
        Complaint.objects.filter(award__tender_id__in=tenders)
        .exclude(status=ComplaintStatus.PENDING)
        .select_related("award__tender", "complainant")
        .order_by("decided_at")
    ):
        lines.append(
            f"Complaint {ComplaintStatus(complaint.status).label.lower()}: {complaint.award.tender.title}, by "
            f"{complaint.complainant.legal_name}, decided on {_day(complaint.decided_at)}."
        )
    lines += [
        _contract_line(contract)
        for contract in Contract.objects.filter(tender_id__in=tenders)
        .select_related("supplier", "rating")
        .order_by("created_at")
    ]
    debarred = organisations.get(DEBARRED)
    for debarment in Debarment.objects.filter(supplier=debarred, lifted_at__isnull=True).select_related("supplier"):
        until = f"until {_day(debarment.ends_on)}" if debarment.ends_on else "indefinitely"
        lines.append(
            f"Debarred: {debarment.supplier.legal_name}, by the {debarment.authority}, {until} "
            "(the public list is at /suppliers/debarred/)."
        )
    if lines:
        lines.append(
            "Awards and complaints are on each tender's page; contracts at /contracts/, with the parties' "
            "workspaces for milestones, invoices and payments."
        )
    return lines
