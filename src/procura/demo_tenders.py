"""Demo planning and tenders: plans, spend control, business cases and a tender in every status.

The suppliers' registers and bids (`procura.demo_bids`) are placed as steps of the tenders they
are for: sealed bids on tenders open for bids, and bids opened in public on the regeneration
strategy (then declared unsuccessful) and on the tenders that went on to be evaluated, awarded and
contracted (`procura.demo_awards`: a process in every stage after the opening).

Everything is written through the planning and tenders services, as buyers and suppliers would.
Dates are relative to the clock at load time; what happened "in the past" (publications,
questions, amendments, cancellations) is done under the clock frozen at that moment, so each
tender's status follows from its stored dates like any other tender's.

Each object is found by a stable key before it is created (a plan by buyer and title, a line by
plan and title, a tender by buyer and title), so loading again creates nothing and records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from procura import demo_awards, demo_bids
from procura.accounts.models import Organisation, User
from procura.core import clock
from procura.demo_common import cpv_item
from procura.documents.models import DocumentType
from procura.documents.services import document_upload
from procura.evaluation.awards import awards_activate_due
from procura.planning.models import ApprovalDecision, BusinessCase, PlanLine, PlanStatus, ProcurementPlan
from procura.planning.selectors import spend_control_threshold
from procura.planning.services import (
    PlanLineDetails,
    business_case_decide,
    business_case_submit,
    plan_create,
    plan_line_add,
    plan_publish,
    spend_control_threshold_set,
)
from procura.tenders.domain import TenderStatus, tender_status
from procura.tenders.models import STATUS_LABELS, Tender
from procura.tenders.services import (
    CriterionDetails,
    LotDetails,
    TenderDetails,
    clarification_answer,
    clarification_ask,
    details_of,
    tender_amend,
    tender_cancel,
    tender_create,
    tender_mark_complete,
    tender_mark_unsuccessful,
    tender_publish,
    tender_record_status,
    tenders_sweep,
)

DAY = dt.timedelta(days=1)
CURRENCY = "GBP"
SPEND_CONTROL_THRESHOLD = Decimal("250000")

HEALTH_OFFICER = "officer@health.example"
HEALTH_APPROVER = "approver@health.example"
NORTHBRIDGE_OFFICER = "officer@northbridge.example"
ROADS_OFFICER = "officer@roads.example"
ACME_BIDS = "bids@acme-medical.example"

HEALTH_PLAN_TITLE = "Ministry of Health procurement plan"
NORTHBRIDGE_PLAN_TITLE = "Northbridge City Council procurement plan"


# --- Time -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timeline:
    """Moments relative to the clock when the demo is loaded."""

    base: dt.datetime

    def day(self, offset: int, hour: int) -> dt.datetime:
        """`hour`:00 UTC on the day `offset` days from the base (negative: in the past)."""
        date = (self.base + offset * DAY).date()
        return dt.datetime.combine(date, dt.time(hour), tzinfo=dt.UTC)

    def date(self, offset: int) -> dt.date:
        """A date `offset` days from the base, kept inside the base's year (plans are annual)."""
        return min((self.base + offset * DAY).date(), dt.date(self.base.year, 12, 31))


@contextmanager
def _at(moment: dt.datetime) -> Iterator[None]:
    with clock.frozen(moment):
        yield


# --- Planning -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoLine:
    key: str
    details: Callable[[Timeline], PlanLineDetails]


def _line(
    title: str,
    *,
    category: str,
    code: str,
    amount: str,
    budget_source: str,
    budget_reference: str,
    planned: int,
    procedure: str,
    description: str,
    lots: tuple[tuple[str, str], ...] = (),
) -> Callable[[Timeline], PlanLineDetails]:
    def build(t: Timeline) -> PlanLineDetails:
        return PlanLineDetails(
            title=title,
            description=description,
            main_category=category,
            classification_scheme="CPV",
            classification_code=code,
            estimated_amount=Decimal(amount),
            currency=CURRENCY,
            budget_source=budget_source,
            budget_reference=budget_reference,
            planned_tender_date=t.date(planned),
            procedure=procedure,
            lots=[{"title": lot_title, "value": value} for lot_title, value in lots],
        )

    return build


HEALTH_LINES = [
    DemoLine(
        "gloves",
        _line(
            "Nitrile examination gloves for regional hospitals",
            category="goods",
            code="33141000-0",
            amount="180000",
            budget_source="Clinical consumables revenue budget",
            budget_reference="MOH-REV-3314",
            planned=-6,
            procedure="open",
            description="Two-year supply of powder-free nitrile examination gloves for the seven regional hospitals.",
        ),
    ),
    DemoLine(
        "service_desk",
        _line(
            "IT service desk and end-user support",
            category="services",
            code="72000000-5",
            amount="1200000",
            budget_source="Digital health programme (capital)",
            budget_reference="MOH-CAP-7200",
            planned=0,
            procedure="open",
            description="A 24/7 service desk and on-site support for 9,000 clinical and administrative staff.",
        ),
    ),
    DemoLine(
        "hospital_cleaning",
        _line(
            "Cleaning services for regional hospitals",
            category="services",
            code="90911200-8",
            amount="650000",
            budget_source="Estates and facilities revenue budget",
            budget_reference="MOH-REV-9091",
            planned=30,
            procedure="restricted",
            description="Clinical and general cleaning of wards, theatres and public areas, to national standards.",
        ),
    ),
    DemoLine(
        "patient_transport",
        _line(
            "Electric vehicles for non-emergency patient transport",
            category="goods",
            code="34144900-7",
            amount="900000",
            budget_source="Net zero capital fund",
            budget_reference="MOH-CAP-3414",
            planned=60,
            procedure="open",
            description="Twenty wheelchair-accessible electric vehicles to replace the diesel patient transport fleet.",
        ),
    ),
    DemoLine(
        "workforce",
        _line(
            "Health workforce strategy consultancy",
            category="services",
            code="79410000-1",
            amount="120000",
            budget_source="Workforce directorate programme budget",
            budget_reference="MOH-PRG-7941",
            planned=-1,
            procedure="request_for_quotation",
            description="Independent advice on recruiting and retaining nurses in rural areas over the next ten years.",
        ),
    ),
]

NORTHBRIDGE_LINES = [
    DemoLine(
        "solar",
        _line(
            "Solar panels for primary school roofs",
            category="goods",
            code="09331000-8",
            amount="420000",
            budget_source="Climate emergency capital programme",
            budget_reference="NBC-CAP-0933",
            planned=-9,
            procedure="open",
            description="Photovoltaic panels, inverters and installation on 14 primary school roofs.",
            lots=(
                ("North cluster (5 schools)", "150000"),
                ("Central cluster (5 schools)", "140000"),
                ("South cluster (4 schools)", "130000"),
            ),
        ),
    ),
    DemoLine(
        "council_cleaning",
        _line(
            "Cleaning services for council buildings",
            category="services",
            code="90911200-8",
            amount="130000",
            budget_source="Corporate property revenue budget",
            budget_reference="NBC-REV-9091",
            planned=-20,
            procedure="open",
            description="Daily cleaning of the town hall, three libraries and the customer service centre.",
        ),
    ),
    DemoLine(
        "regeneration",
        _line(
            "Town centre regeneration strategy consultancy",
            category="services",
            code="79410000-1",
            amount="45000",
            budget_source="Town centre regeneration fund",
            budget_reference="NBC-REG-7941",
            planned=-30,
            procedure="request_for_quotation",
            description="A ten-year strategy for the town centre, with public consultation.",
        ),
    ),
]


def _plan(
    t: Timeline,
    *,
    officer: User,
    buyer: Organisation,
    title: str,
    description: str,
    lines: list[DemoLine],
    created: int,
) -> dict[str, PlanLine]:
    """Find or create a published plan with its lines; the lines by key."""
    plan = ProcurementPlan.objects.filter(buyer=buyer, title=title).first()
    if plan is None:
        with _at(t.day(created, 10)):
            plan = plan_create(actor=officer, buyer=buyer, year=t.base.year, title=title, description=description)
    found: dict[str, PlanLine] = {}
    for spec in lines:
        details = spec.details(t)
        line = plan.lines.filter(title=details.title).first()
        if line is None:
            with _at(t.day(created, 11)):
                line = plan_line_add(actor=officer, plan=plan, details=details)
        found[spec.key] = line
    if plan.status != PlanStatus.PUBLISHED:
        with _at(t.day(created, 12)):
            plan_publish(actor=officer, plan=plan)
    return found


def _business_case(
    t: Timeline,
    *,
    line: PlanLine,
    officer: User,
    approver: User,
    need: str,
    options: str,
    submitted: int,
    decision: tuple[int, bool, str] | None,
) -> None:
    """Submit a case on a line that has none, and decide it if `decision` (day, approve, reasons)."""
    if line.business_cases.exists():
        return
    with _at(t.day(submitted, 10)):
        case = business_case_submit(
            actor=officer,
            plan_line=line,
            need=need,
            estimated_amount=line.estimated_amount,
            currency=line.currency,
            options_considered=options,
        )
    if decision is not None:
        day, approve, reasons = decision
        with _at(t.day(day, 15)):
            business_case_decide(actor=approver, business_case=case, approve=approve, reasons=reasons)


def load_planning(
    t: Timeline, *, organisations: dict[str, Organisation], users: dict[str, User]
) -> dict[str, PlanLine]:
    """The Ministry of Health's plan with spend control and business cases; Northbridge's smaller plan."""
    health = organisations["health"]
    officer, approver = users[HEALTH_OFFICER], users[HEALTH_APPROVER]
    if spend_control_threshold(health) is None:
        with _at(t.day(-55, 9)):
            spend_control_threshold_set(actor=approver, buyer=health, amount=SPEND_CONTROL_THRESHOLD, currency=CURRENCY)
    lines = _plan(
        t,
        officer=officer,
        buyer=health,
        title=HEALTH_PLAN_TITLE,
        description="What the Ministry intends to buy this financial year, published for suppliers to prepare.",
        lines=HEALTH_LINES,
        created=-50,
    )
    _business_case(
        t,
        line=lines["service_desk"],
        officer=officer,
        approver=approver,
        need="The current service desk contract ends this year; clinical systems need support around the clock.",
        options="Do nothing (not possible: the contract ends); extend in-house team (costlier by 30%); "
        "outsource through an open procedure (recommended).",
        submitted=-35,
        decision=(-32, True, "Value for money is shown; the cost fits the digital health programme budget."),
    )
    _business_case(
        t,
        line=lines["patient_transport"],
        officer=officer,
        approver=approver,
        need="Half of the diesel patient transport fleet is over ten years old and fails the clean-air zone rules.",
        options="Buy twenty electric vehicles (recommended); buy hybrid vehicles; keep the fleet another year.",
        submitted=-30,
        decision=(
            -25,
            False,
            "The options appraisal does not compare leasing with buying, and the charging points are not "
            "budgeted. Resubmit with a whole-life cost comparison.",
        ),
    )
    _business_case(
        t,
        line=lines["hospital_cleaning"],
        officer=officer,
        approver=approver,
        need="Infection-control audits ask for consistent cleaning standards across all regional hospitals.",
        options="Seven local contracts (current); one regional contract in lots (recommended); in-house cleaning.",
        submitted=-3,
        decision=None,
    )
    lines |= _plan(
        t,
        officer=users[NORTHBRIDGE_OFFICER],
        buyer=organisations["northbridge"],
        title=NORTHBRIDGE_PLAN_TITLE,
        description="The council's planned purchases above GBP 25,000 for the financial year.",
        lines=NORTHBRIDGE_LINES,
        created=-45,
    )
    return lines


# --- Tenders --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoTender:
    buyer: str  # organisation key
    officer: str  # email
    details: Callable[[Timeline], TenderDetails]
    published: int | None  # days from the base; 0 is the base itself; None: a draft
    plan_line: str = ""  # DemoLine key
    then: Callable[[Timeline, Tender, dict[str, User], dict[str, Organisation]], None] | None = None


def _gloves(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Nitrile examination gloves for regional hospitals",
        description="A two-year supply of powder-free nitrile examination gloves in four sizes, delivered "
        "monthly to the stores of the seven regional hospitals. Gloves must meet EN 455 and EN ISO 374.",
        main_category="goods",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("180000"),
        sme_suitable=True,
        eligibility_criteria="Suppliers must not be in any of the situations for mandatory exclusion.",
        selection_criteria="Annual turnover of at least GBP 200,000; two comparable supply contracts in 3 years.",
        lots=(
            LotDetails(
                title="Examination gloves",
                items=(
                    cpv_item(
                        "Nitrile examination gloves, powder-free, size S (box of 100)", "33141000-0", "6000", "BX"
                    ),
                    cpv_item(
                        "Nitrile examination gloves, powder-free, size M (box of 100)", "33141000-0", "9000", "BX"
                    ),
                    cpv_item(
                        "Nitrile examination gloves, powder-free, size L (box of 100)", "33141000-0", "7000", "BX"
                    ),
                    cpv_item(
                        "Nitrile examination gloves, powder-free, size XL (box of 100)", "33141000-0", "2000", "BX"
                    ),
                ),
            ),
        ),
        enquiry_end=t.day(18, 12),
        tender_end=t.day(28, 12),
        bid_opening_at=t.day(28, 14),
        bid_opening_place="Ministry of Health, 39 Victoria Street, London, room 4.12",
        contract_start=t.day(75, 0),
        contract_end=t.day(75 + 730, 0),
    )


def _gloves_questions(t: Timeline, tender: Tender, users: dict[str, User], orgs: dict[str, Organisation]) -> None:
    asker, officer, acme = users[ACME_BIDS], users[HEALTH_OFFICER], orgs["acme"]
    questions = [
        (
            -5,
            "May we offer gloves in boxes of 200 instead of 100, at the equivalent quantity?",
            (-4, "Yes. Quote the price per 100 gloves so that bids can be compared."),
        ),
        (
            -4,
            "Is a certificate under EN ISO 374-5 (protection against viruses) required, or only EN 455?",
            (-3, "Both are required: EN 455 parts 1 to 4 and EN ISO 374-5. Attach the certificates to your bid."),
        ),
        (-1, "Can deliveries to the two island hospitals be made fortnightly instead of monthly?", None),
    ]
    for asked, question, answer in questions:
        with _at(t.day(asked, 10)):
            clarification = clarification_ask(actor=asker, tender=tender, supplier=acme, question=question)
        if answer is not None:
            day, text = answer
            with _at(t.day(day, 11)):
                clarification_answer(actor=officer, clarification=clarification, answer=text)


def _gloves_questions_and_bids(
    t: Timeline, tender: Tender, users: dict[str, User], orgs: dict[str, Organisation]
) -> None:
    _gloves_questions(t, tender, users, orgs)
    demo_bids.gloves_bids(t, tender, users, orgs)


def _service_desk(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="IT service desk and end-user support",
        description="A 24/7 service desk, on-site support at the Ministry's twelve sites and device management "
        "for 9,000 staff, for three years with an option to extend by one year.",
        main_category="services",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("1150000"),
        award_criteria="ratedCriteria",
        criteria=(
            CriterionDetails(name="Price", kind="price", weight="40"),
            CriterionDetails(
                name="Service quality and staffing",
                kind="quality",
                weight="35",
                description="Response and resolution times, staff qualifications, escalation to clinical systems.",
            ),
            CriterionDetails(
                name="Transition plan",
                kind="quality",
                weight="15",
                description="How the service is taken over from the current provider without interruption.",
            ),
            CriterionDetails(
                name="Social value",
                kind="quality",
                weight="10",
                description="Apprenticeships and local employment.",
            ),
        ),
        selection_criteria="ISO/IEC 20000-1 certification; three comparable contracts of at least 5,000 users.",
        lots=(
            LotDetails(
                title="Service desk and end-user support",
                items=(
                    cpv_item("Service desk, 24 hours a day, 7 days a week", "72000000-5", "36", "MON"),
                    cpv_item("On-site end-user support at twelve sites", "72000000-5", "36", "MON"),
                ),
            ),
        ),
        enquiry_end=t.day(25, 12),
        tender_end=t.day(35, 12),
        bid_opening_at=t.day(35, 14),
        bid_opening_place="Ministry of Health, 39 Victoria Street, London, room 4.12",
    )


def _workforce(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Health workforce strategy consultancy",
        description="Independent analysis and recommendations on recruiting and retaining nurses and midwives "
        "in rural areas over the next ten years, with a final report and a presentation to the board.",
        main_category="services",
        procedure="request_for_quotation",
        currency=CURRENCY,
        value_amount=Decimal("95000"),
        sme_suitable=True,
        lots=(
            LotDetails(
                title="Workforce strategy",
                items=(cpv_item("Consultancy days, senior consultant", "79410000-1", "120", "DAY"),),
            ),
        ),
        enquiry_end=t.day(6, 12),
        tender_start=t.day(8, 9),
        tender_end=t.day(20, 12),
        bid_opening_at=t.day(20, 14),
        bid_opening_place="Online, by video link sent to bidders",
    )


def _hospital_cleaning(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Cleaning services for regional hospitals",
        description="Clinical and general cleaning of wards, theatres and public areas at the seven regional "
        "hospitals, to the national standards of healthcare cleanliness. Awaiting spend approval.",
        main_category="services",
        procedure="restricted",
        currency=CURRENCY,
        value_amount=Decimal("650000"),
        lots=(
            LotDetails(
                title="Northern hospitals",
                items=(cpv_item("Clinical cleaning, northern hospitals", "90911200-8", "24", "MON"),),
            ),
            LotDetails(
                title="Southern hospitals",
                items=(cpv_item("Clinical cleaning, southern hospitals", "90911200-8", "24", "MON"),),
            ),
        ),
        qualification_end=t.day(45, 12),
        enquiry_end=t.day(60, 12),
        tender_start=t.day(47, 9),
        tender_end=t.day(80, 12),
        bid_opening_at=t.day(80, 14),
    )


def _uniforms(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Uniforms for community nurses",
        description="Tunics, trousers and outdoor jackets for 1,200 community nurses, in the national colours.",
        main_category="goods",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("60000"),
        sme_suitable=True,
        lots=(
            LotDetails(
                title="Uniforms",
                items=(
                    cpv_item("Nurse tunic, polyester-cotton", "18100000-0", "3600", "C62"),
                    cpv_item("Nurse trousers, polyester-cotton", "18100000-0", "3600", "C62"),
                    cpv_item("Outdoor jacket, waterproof", "18100000-0", "1200", "C62"),
                ),
            ),
        ),
        enquiry_end=t.day(6, 12),
        tender_end=t.day(10, 12),
        bid_opening_at=t.day(10, 14),
        bid_opening_place="Ministry of Health, 39 Victoria Street, London, room 4.12",
    )


def _cancel_uniforms(t: Timeline, tender: Tender, users: dict[str, User], orgs: dict[str, Organisation]) -> None:
    with _at(t.day(-3, 15)):
        tender_cancel(
            actor=users[HEALTH_OFFICER],
            tender=tender,
            reason="The specification is being revised to add maternity sizes and recycled fabrics. "
            "A new tender will be published next quarter.",
        )


def _antivirals(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Urgent supply of influenza antiviral medicines",
        description="Replenishment of the national stock of influenza antiviral medicines, delivered to the "
        "central pharmacy store within four weeks of the contract.",
        main_category="goods",
        procedure="negotiated",
        procedure_justification="Extreme urgency: the influenza season started six weeks earlier than forecast "
        "and the national stock must be replenished before the peak; an open procedure would take too long.",
        currency=CURRENCY,
        value_amount=Decimal("230000"),
        lots=(
            LotDetails(
                title="Antiviral medicines",
                items=(cpv_item("Oseltamivir 75 mg capsules, pack of 10", "33690000-3", "40000", "C62"),),
            ),
        ),
        tender_end=t.day(6, 12),
    )


def _laptops(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Laptops for community health teams",
        description="Rugged laptops with four-year warranty for community nurses and health visitors, "
        "delivered imaged and ready to use.",
        main_category="goods",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("210000"),
        lots=(
            LotDetails(
                title="Laptops",
                items=(
                    cpv_item("Portable computer, 14-inch, rugged, 16 GB memory", "30213100-6", "250", "C62"),
                    cpv_item("Docking station", "30200000-1", "250", "C62"),
                ),
            ),
        ),
        enquiry_end=t.day(-20, 12),
        tender_end=t.day(-7, 12),
        bid_opening_at=t.day(-7, 14),
        bid_opening_place="Ministry of Health, 39 Victoria Street, London, room 4.12",
    )


def _solar(t: Timeline) -> TenderDetails:
    def cluster(title: str, value: str, schools: str, kilowatts: str) -> LotDetails:
        return LotDetails(
            title=title,
            description=f"Supply and installation at {schools}.",
            value_amount=Decimal(value),
            items=(
                cpv_item(f"Solar panels, monocrystalline, total {kilowatts} kWp", "09331000-8", kilowatts, "C62"),
                cpv_item("Installation, inverters and connection to the grid", "09330000-1", "1", "LS"),
            ),
        )

    return TenderDetails(
        title="Solar panels for primary school roofs",
        description="Supply, installation and five years of maintenance of roof-mounted solar panels on 14 "
        "primary schools, in three lots by area. Suppliers may bid for one, two or all lots.",
        main_category="goods",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("420000"),
        lots=(
            cluster(
                "North cluster (5 schools)", "150000", "Ashgrove, Birchfield, Castle Hill, Dunmore and Elm Park", "250"
            ),
            cluster(
                "Central cluster (5 schools)", "140000", "Fairway, Greenside, Harbour, Ivy Lane and Juniper", "230"
            ),
            cluster("South cluster (4 schools)", "130000", "Kingsmead, Larkspur, Meadowbank and Northgate", "210"),
        ),
        enquiry_end=t.day(14, 12),
        tender_end=t.day(24, 12),
        bid_opening_at=t.day(24, 14),
        bid_opening_place="Town Hall, Market Square, Northbridge, Committee Room 2",
    )


def _council_cleaning(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Cleaning services for council buildings",
        description="Daily cleaning of the town hall, three libraries and the customer service centre, "
        "for two years, using environmentally certified products.",
        main_category="services",
        procedure="open",
        currency=CURRENCY,
        value_amount=Decimal("130000"),
        sme_suitable=True,
        lots=(
            LotDetails(
                title="Council buildings",
                items=(cpv_item("Daily office cleaning, 6,500 m²", "90911200-8", "24", "MON"),),
            ),
        ),
        enquiry_end=t.day(-10, 12),
        tender_end=t.day(3, 12),
        bid_opening_at=t.day(3, 14),
        bid_opening_place="Town Hall, Market Square, Northbridge, Committee Room 2",
    )


def _amend_cleaning(t: Timeline, tender: Tender, users: dict[str, User], orgs: dict[str, Organisation]) -> None:
    officer = users[NORTHBRIDGE_OFFICER]
    with _at(t.day(-2, 10)):
        current = details_of(tender)
        lot = current.lots[0]
        window_cleaning = cpv_item(
            "External window cleaning of the three libraries, quarterly", "90911000-6", "8", "E48"
        )
        tender_amend(
            actor=officer,
            tender=tender,
            details=replace(current, lots=(replace(lot, items=(*lot.items, window_cleaning)),)),
            rationale="Window cleaning of the three libraries is added at the request of the libraries service. "
            "The deadline for bids is extended so that bidders can price it.",
        )
    with _at(t.day(-1, 11)):
        tender = Tender.objects.get(pk=tender.pk)  # as the first amendment left it
        tender_amend(
            actor=officer,
            tender=tender,
            details=replace(
                details_of(tender), bid_opening_place="Town Hall, Market Square, Northbridge, Committee Room 1"
            ),
            rationale="The public bid opening moves to Committee Room 1, which has step-free access.",
        )


def _regeneration(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Town centre regeneration strategy consultancy",
        description="A ten-year regeneration strategy for Northbridge town centre, including a public "
        "consultation and an investment plan.",
        main_category="services",
        procedure="request_for_quotation",
        currency=CURRENCY,
        value_amount=Decimal("45000"),
        sme_suitable=True,
        lots=(
            LotDetails(
                title="Regeneration strategy",
                items=(cpv_item("Consultancy days", "79410000-1", "60", "DAY"),),
            ),
        ),
        enquiry_end=t.day(-20, 12),
        tender_end=t.day(-12, 12),
        bid_opening_at=t.day(-12, 14),
        bid_opening_place="Town Hall, Market Square, Northbridge, Committee Room 2",
    )


def _regeneration_failed(t: Timeline, tender: Tender, users: dict[str, User], orgs: dict[str, Organisation]) -> None:
    demo_bids.regeneration_bids(t, tender, users, orgs)
    with _at(t.day(-5, 16)):
        tender_record_status(tender=tender)
        tender_mark_unsuccessful(
            actor=users[NORTHBRIDGE_OFFICER],
            tender=tender,
            reason="No compliant bids were received: the only bid did not include the required evidence "
            "of professional indemnity insurance. The council will re-tender with a longer deadline.",
        )


def _resurfacing(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Resurfacing of the A38 between Derby and Burton",
        description="Planing and resurfacing of 18 km of dual carriageway, with drainage repairs, new road "
        "markings and traffic management. Works at night to keep the road open by day.",
        main_category="works",
        procedure="restricted",
        currency=CURRENCY,
        value_amount=Decimal("3400000"),
        selection_criteria="Three completed resurfacing contracts on trunk roads of at least GBP 1 million each "
        "in the last five years; National Highway Sector Schemes accreditation.",
        lots=(
            LotDetails(
                title="A38 resurfacing",
                items=(
                    cpv_item("Resurfacing, hot rolled asphalt, 18 km dual carriageway", "45233140-2", "162000", "MTK"),
                    cpv_item("Road markings and studs", "45233140-2", "36", "KMT"),
                ),
            ),
        ),
        qualification_end=t.day(12, 12),
        enquiry_end=t.day(30, 12),
        tender_start=t.day(14, 9),
        tender_end=t.day(45, 12),
        bid_opening_at=t.day(45, 14),
        bid_opening_place="National Roads Agency, Birmingham, and online",
    )


def _expansion_joints(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Replacement expansion joints for the Kingsway flyover",
        description="Replacement of the twelve expansion joints of the Kingsway flyover, with lane closures "
        "over four weekends.",
        main_category="works",
        procedure="negotiated",
        procedure_justification="Technical reasons: the joints must be compatible with the patented system "
        "installed in 2009, which only its manufacturer's licensed installers can supply and fit.",
        currency=CURRENCY,
        value_amount=Decimal("310000"),
        lots=(
            LotDetails(
                title="Expansion joints",
                items=(cpv_item("Modular expansion joint, supply and installation", "45233000-9", "12", "C62"),),
            ),
        ),
        tender_start=t.day(9, 9),
        tender_end=t.day(23, 12),
    )


def _road_salt(t: Timeline) -> TenderDetails:
    return TenderDetails(
        title="Emergency road salt for the winter storm",
        description="Direct award of 2,000 tonnes of rock salt after the national stockpile ran low during "
        "the January storm.",
        main_category="goods",
        procedure="direct",
        procedure_justification="Extreme urgency: the storm emptied the strategic stockpile and only the "
        "framework supplier could deliver within 48 hours.",
        currency=CURRENCY,
        value_amount=Decimal("160000"),
        lots=(
            LotDetails(
                title="Rock salt",
                items=(cpv_item("Rock salt for de-icing, 6 mm grade", "14410000-8", "2000", "TNE"),),
            ),
        ),
    )


def _road_salt_delivered(t: Timeline, tender: Tender, users: dict[str, User], orgs: dict[str, Organisation]) -> None:
    # Completing records the statuses on the way itself. (Not the sweep: it would count the
    # platform's bids, and a direct award takes none.)
    with _at(t.day(-45, 17)):
        tender_mark_complete(actor=users[ROADS_OFFICER], tender=tender)


TENDERS = [
    DemoTender("health", HEALTH_OFFICER, _gloves, -6, "gloves", _gloves_questions_and_bids),
    DemoTender("health", HEALTH_OFFICER, _service_desk, 0, "service_desk"),
    DemoTender("health", HEALTH_OFFICER, _workforce, -1, "workforce"),
    DemoTender("health", HEALTH_OFFICER, _hospital_cleaning, None, "hospital_cleaning"),
    DemoTender("health", HEALTH_OFFICER, _uniforms, -12, then=_cancel_uniforms),
    DemoTender("health", HEALTH_OFFICER, _antivirals, -2),
    DemoTender("health", HEALTH_OFFICER, _laptops, -40, then=demo_awards.laptops_in_standstill),
    DemoTender("northbridge", NORTHBRIDGE_OFFICER, _solar, -9, "solar", demo_bids.solar_bids),
    DemoTender("northbridge", NORTHBRIDGE_OFFICER, _council_cleaning, -20, "council_cleaning", _amend_cleaning),
    DemoTender("northbridge", NORTHBRIDGE_OFFICER, _regeneration, -30, "regeneration", _regeneration_failed),
    DemoTender("roads", ROADS_OFFICER, _resurfacing, -3),
    DemoTender("roads", ROADS_OFFICER, _expansion_joints, 0),
    DemoTender("roads", ROADS_OFFICER, _road_salt, -50, then=_road_salt_delivered),
    # Evaluated, awarded and contracted (procura.demo_awards).
    DemoTender(
        "health",
        HEALTH_OFFICER,
        demo_awards.defibrillators,
        -75,
        then=demo_awards.defibrillators_under_complaint,
    ),
    DemoTender(
        "northbridge",
        NORTHBRIDGE_OFFICER,
        demo_awards.school_meals,
        -200,
        then=demo_awards.school_meals_delivered,
    ),
    DemoTender(
        "roads",
        ROADS_OFFICER,
        demo_awards.traffic_signals,
        -300,
        then=demo_awards.traffic_signals_terminated,
    ),
    DemoTender("health", HEALTH_OFFICER, demo_awards.hospital_beds, -260, then=demo_awards.hospital_beds_completed),
    DemoTender(
        "northbridge",
        NORTHBRIDGE_OFFICER,
        demo_awards.library_system,
        -80,
        then=demo_awards.library_complaint_dismissed,
    ),
]


def _tender(
    t: Timeline,
    spec: DemoTender,
    *,
    organisations: dict[str, Organisation],
    users: dict[str, User],
    lines: dict[str, PlanLine],
) -> Tender:
    details = spec.details(t)
    buyer = organisations[spec.buyer]
    existing = Tender.objects.filter(buyer=buyer, title=details.title).first()
    if existing is not None:
        return existing
    officer = users[spec.officer]
    plan_line = lines.get(spec.plan_line) if spec.plan_line else None
    if spec.published is None:
        with _at(t.day(-2, 11)):
            return tender_create(actor=officer, buyer=buyer, details=details, plan_line=plan_line)
    moment = t.base if spec.published == 0 else t.day(spec.published, 9)
    with _at(moment):
        tender = tender_create(actor=officer, buyer=buyer, details=details, plan_line=plan_line)
        _attach_notice(tender, officer)
        tender = tender_publish(actor=officer, tender=tender)
    if spec.then is not None:
        spec.then(t, tender, users, organisations)
    return tender


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with the tender's title: enough for the demo's document links."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _attach_notice(tender: Tender, officer: User) -> None:
    """Every demo tender is published with its notice as a PDF (before publication: no amendment)."""
    document_upload(
        actor=officer,
        organisation=tender.buyer,
        owner_type="tender",
        owner_id=tender.pk,
        title="Tender notice",
        document_type=DocumentType.TENDER_NOTICE,
        file=SimpleUploadedFile("tender-notice.pdf", demo_pdf(tender.title), content_type="application/pdf"),
    )


def load(*, organisations: dict[str, Organisation], users: dict[str, User]) -> None:
    """Load the demo plans and tenders (idempotent), then record the statuses that are due."""
    t = Timeline(clock.now())
    with _at(t.base):
        lines = load_planning(t, organisations=organisations, users=users)
        demo_bids.load_registers(t, organisations=organisations, users=users)
        for spec in TENDERS:
            _tender(t, spec, organisations=organisations, users=users, lines=lines)
        demo_awards.load_debarments(t, organisations=organisations, users=users)
        tenders_sweep()
        awards_activate_due()


# --- Report ---------------------------------------------------------------------------------------
def demo_tenders(organisations: dict[str, Organisation]) -> list[Tender]:
    """The demo's tenders that are in the database."""
    timeline = Timeline(clock.now())
    found = []
    for spec in TENDERS:
        tender = Tender.objects.filter(buyer=organisations[spec.buyer], title=spec.details(timeline).title).first()
        if tender is not None:
            found.append(tender)
    return found


def summary(organisations: dict[str, Organisation]) -> list[str]:
    """Lines describing the demo plans and tenders, for `procura demo`."""
    now = clock.now()
    lines: list[str] = []
    plans = ProcurementPlan.objects.filter(
        title__in=[HEALTH_PLAN_TITLE, NORTHBRIDGE_PLAN_TITLE],
        buyer__in=[organisations["health"], organisations["northbridge"]],
    ).order_by("buyer__legal_name")
    described = [f"{plan.buyer.legal_name} {plan.year}: {plan.lines.count()} lines" for plan in plans]
    lines.append(f"Plans: {len(described)} published ({'; '.join(described)})")
    decisions = Counter(BusinessCase.objects.filter(plan_line__plan__in=plans).values_list("decision", flat=True))
    threshold = spend_control_threshold(organisations["health"])
    cases = (
        f"Business cases: {decisions[ApprovalDecision.APPROVED]} approved, "
        f"{decisions[ApprovalDecision.PENDING]} awaiting decision, {decisions[ApprovalDecision.REJECTED]} rejected"
    )
    if threshold is not None:
        cases += f"; Ministry of Health spend-control threshold {threshold.currency} {threshold.amount:,}"
    lines.append(cases)
    tenders = demo_tenders(organisations)
    statuses = Counter(tender_status(tender.lifecycle, now) for tender in tenders)
    counts = ", ".join(
        f"{statuses[status]} {str(STATUS_LABELS[status]).lower()}" for status in TenderStatus if statuses[status]
    )
    lines.append(f"Tenders: {len(tenders)} ({counts})")
    lines += demo_bids.summary(tenders)
    lines.append("See them at /tenders/ (the public portal) and /plans/; buyers manage theirs at /tenders/workspace/.")
    return lines
