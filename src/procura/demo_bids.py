"""Demo supplier registers and bids: beneficial owners, qualification documents, sealed bids on
tenders still open, and the tenders whose bids have been opened in public (then evaluated and
awarded in `procura.demo_awards`).

Like the rest of the demo, everything goes through the services (suppliers, bids) under the clock
frozen at the moment it happened, so receipts, the audit log and the OCDS releases are what they
would have been. The bids of a tender are placed when the tender itself is created (as a step of
`procura.demo_tenders`), so loading the demo again places none; the registers are found by their
content (an owner's name, a document's title) before they are added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile

from procura.accounts.models import Organisation, User
from procura.bids import selectors as bid_selectors
from procura.bids import services as bids
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, BidOpening, OpenedBid
from procura.core import clock
from procura.suppliers.models import BeneficialOwner, QualificationDocument, QualificationKind
from procura.suppliers.services import beneficial_owner_add, qualification_document_add
from procura.tenders.models import Tender

if TYPE_CHECKING:
    from procura.demo_tenders import Timeline

DAY = dt.timedelta(days=1)

ACME_BIDS = "bids@acme-medical.example"
BRIGHTPATH_BIDS = "hello@brightpath.example"
GREENGRID_BIDS = "ofertas@greengrid.example"
NORTHERN_BIDS = "tenders@northern.example"
KEYSTONE_BIDS = "bids@keystone-it.example"
DATAPOINT_BIDS = "angebote@datapoint.example"
HARVEST_BIDS = "contracts@harvest-table.example"
FRESHSTART_BIDS = "hello@freshstart-foods.example"
LIFELINE_BIDS = "tenders@lifeline-cardiac.example"
JUNCTION_BIDS = "bids@junction-signals.example"
RESTWELL_BIDS = "sales@restwell.example"


# --- Supplier registers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoOwner:
    name: str
    nationality: str
    share: str
    publishable: bool = True


@dataclass(frozen=True)
class DemoQualification:
    kind: str
    title: str
    issued: int  # days from the base (negative: in the past)
    expires: int | None


@dataclass(frozen=True)
class DemoRegister:
    supplier: str  # organisation key
    manager: str  # bid manager's email
    owners: tuple[DemoOwner, ...] = ()
    qualifications: tuple[DemoQualification, ...] = ()


REGISTERS = [
    DemoRegister(
        "acme",
        ACME_BIDS,
        owners=(DemoOwner("Priya Shah", "GB", "60"), DemoOwner("Daniel Shah", "GB", "40")),
        qualifications=(
            DemoQualification(
                QualificationKind.CERTIFICATE, "ISO 13485 certificate (medical devices quality)", -400, 330
            ),
            # Expires in less than a month: the supplier workspace warns about it.
            DemoQualification(QualificationKind.TAX_CLEARANCE, "Tax clearance certificate (HMRC)", -345, 20),
        ),
    ),
    DemoRegister(
        "brightpath",
        BRIGHTPATH_BIDS,
        owners=(DemoOwner("Bea Bright", "GB", "100"),),
        qualifications=(
            DemoQualification(
                QualificationKind.REGISTRATION_EXTRACT, "Companies House extract for Brightpath", -90, None
            ),
        ),
    ),
    DemoRegister(
        "greengrid",
        GREENGRID_BIDS,
        owners=(DemoOwner("Lucía Martín Ferrer", "ES", "51"), DemoOwner("Jordi Puig Soler", "ES", "49")),
        qualifications=(
            DemoQualification(
                QualificationKind.CERTIFICATE, "ISO 14001 certificate (environmental management)", -200, 900
            ),
            DemoQualification(QualificationKind.INSURANCE, "Public liability insurance, EUR 5 million", -120, 245),
        ),
    ),
    DemoRegister(
        "northern",
        NORTHERN_BIDS,
        # A listed company: its shareholders are public through the stock exchange, not here.
        qualifications=(
            DemoQualification(QualificationKind.CERTIFICATE, "Constructionline Gold certificate", -150, 215),
        ),
    ),
    DemoRegister(
        "keystone",
        KEYSTONE_BIDS,
        owners=(
            DemoOwner("Kemi Stone", "GB", "70"),
            # Recorded for the checks but, as the law allows, not published.
            DemoOwner("Lars Lindqvist", "SE", "30", publishable=False),
        ),
        qualifications=(
            DemoQualification(
                QualificationKind.CERTIFICATE, "ISO/IEC 27001 certificate (information security)", -300, 795
            ),
            DemoQualification(QualificationKind.TAX_CLEARANCE, "Tax clearance certificate (HMRC)", -100, 265),
        ),
    ),
    DemoRegister(
        "datapoint",
        DATAPOINT_BIDS,
        owners=(DemoOwner("Holger Brandt", "DE", "100"),),
        qualifications=(DemoQualification(QualificationKind.CERTIFICATE, "ISO 9001 certificate", -250, 480),),
    ),
    DemoRegister(
        "harvest",
        HARVEST_BIDS,
        owners=(DemoOwner("Hannah Marsh", "GB", "55"), DemoOwner("Tom Marsh", "GB", "45")),
        qualifications=(
            DemoQualification(QualificationKind.CERTIFICATE, "Food hygiene rating 5 (Northbridge council)", -220, 510),
        ),
    ),
    DemoRegister(
        "freshstart",
        FRESHSTART_BIDS,
        owners=(DemoOwner("Femi Adeyemi", "GB", "100"),),
        qualifications=(
            DemoQualification(
                QualificationKind.REGISTRATION_EXTRACT, "Community interest company register extract", -240, None
            ),
        ),
    ),
    DemoRegister(
        "lifeline",
        LIFELINE_BIDS,
        owners=(DemoOwner("Laura Chen", "GB", "62"), DemoOwner("Mark Ellison", "GB", "38")),
        qualifications=(
            DemoQualification(
                QualificationKind.CERTIFICATE, "ISO 13485 certificate (medical devices quality)", -180, 915
            ),
        ),
    ),
    DemoRegister(
        "junction",
        JUNCTION_BIDS,
        owners=(DemoOwner("Jas Sandhu", "GB", "100"),),
        qualifications=(
            DemoQualification(
                QualificationKind.CERTIFICATE, "National Highway Sector Scheme 8 registration", -400, 330
            ),
        ),
    ),
    DemoRegister(
        "restwell",
        RESTWELL_BIDS,
        owners=(DemoOwner("Rhys Morgan", "GB", "70"), DemoOwner("Carys Morgan", "GB", "30")),
        qualifications=(DemoQualification(QualificationKind.CERTIFICATE, "ISO 9001 certificate", -500, 230),),
    ),
]


def pdf_file(title: str) -> SimpleUploadedFile:
    """A one-page PDF named after its title, as a file to upload."""
    from procura.demo_tenders import demo_pdf

    name = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")[:60] + ".pdf"
    return SimpleUploadedFile(name, demo_pdf(title), content_type="application/pdf")


def _date(t: Timeline, offset: int) -> dt.date:
    return (t.base + offset * DAY).date()


def load_registers(t: Timeline, *, organisations: Mapping[str, Organisation], users: Mapping[str, User]) -> None:
    """The suppliers' registers, as their bid managers kept them two months before the base."""
    with clock.frozen(t.day(-60, 9)):
        for spec in REGISTERS:
            supplier, manager = organisations[spec.supplier], users[spec.manager]
            for owner in spec.owners:
                if not BeneficialOwner.objects.filter(organisation=supplier, name=owner.name).exists():
                    beneficial_owner_add(
                        actor=manager,
                        organisation=supplier,
                        name=owner.name,
                        nationality=owner.nationality,
                        share=owner.share,
                        publishable=owner.publishable,
                    )
            for document in spec.qualifications:
                if QualificationDocument.objects.filter(organisation=supplier, title=document.title).exists():
                    continue
                qualification_document_add(
                    actor=manager,
                    organisation=supplier,
                    kind=document.kind,
                    title=document.title,
                    file=pdf_file(document.title),
                    issued_on=_date(t, document.issued),
                    expires_on=None if document.expires is None else _date(t, document.expires),
                )


# --- Bids -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoBid:
    """A bid as it happened: submitted (and replaced) at each (day, hour, minute, price) of
    `versions`, then withdrawn at `withdrawn`; with no versions, a draft saved at `draft`."""

    supplier: str
    manager: str
    lot: int = 0  # position of the lot in the tender
    versions: tuple[tuple[int, int, int, str], ...] = ()
    draft: tuple[int, int, int, str] | None = None
    withdrawn: tuple[int, int, int] | None = None
    answers: Mapping[str, str] = field(default_factory=dict)
    qualifications: Sequence[str] = ()  # titles of the supplier's qualification documents
    files: Sequence[str] = ()  # titles of documents attached (sealed) to the bid


def _moment(t: Timeline, day: int, hour: int, minute: int) -> dt.datetime:
    return t.day(day, hour) + dt.timedelta(minutes=minute)


def _place(
    t: Timeline, tender: Tender, spec: DemoBid, users: Mapping[str, User], orgs: Mapping[str, Organisation]
) -> Bid:
    manager, supplier = users[spec.manager], orgs[spec.supplier]
    lot = tender.lots.order_by("position")[spec.lot]
    qualification_ids = list(
        QualificationDocument.objects.filter(
            organisation=supplier, title__in=spec.qualifications, removed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    first = spec.versions[0] if spec.versions else spec.draft
    assert first is not None, "a demo bid is submitted or drafted"
    with clock.frozen(_moment(t, *first[:3])):
        bid = bids.bid_start(actor=manager, tender=tender, lot=lot, supplier=supplier)
        for title in spec.files:
            bids.bid_file_add(actor=manager, bid=bid, file=pdf_file(title), title=title)
    for day, hour, minute, price in spec.versions:
        with clock.frozen(_moment(t, day, hour, minute)):
            bids.bid_draft_save(
                actor=manager, bid=bid, price=price, answers=spec.answers, qualification_ids=qualification_ids
            )
            bids.bid_submit(actor=manager, bid=bid)
    if spec.draft is not None:
        day, hour, minute, price = spec.draft
        with clock.frozen(_moment(t, day, hour, minute)):
            bids.bid_draft_save(
                actor=manager, bid=bid, price=price, answers=spec.answers, qualification_ids=qualification_ids
            )
    if spec.withdrawn is not None:
        with clock.frozen(_moment(t, *spec.withdrawn)):
            bids.bid_withdraw(actor=manager, bid=bid)
    return bid


def _place_all(
    t: Timeline,
    tender: Tender,
    specs: Sequence[DemoBid],
    users: Mapping[str, User],
    orgs: Mapping[str, Organisation],
) -> None:
    for spec in specs:
        _place(t, tender, spec, users, orgs)


def place_and_open(
    t: Timeline,
    tender: Tender,
    specs: Sequence[DemoBid],
    users: Mapping[str, User],
    orgs: Mapping[str, Organisation],
) -> BidOpening:
    """Place the bids as they happened, then open them in public at the announced time."""
    _place_all(t, tender, specs, users, orgs)
    return _open(t, tender)


def _open(t: Timeline, tender: Tender) -> BidOpening:
    """The public opening, at the announced time (what the every-minute job would have done)."""
    tender = Tender.objects.get(pk=tender.pk)
    moment = bids.opening_time(tender)
    assert moment is not None, "a tender with bids has a deadline"
    with clock.frozen(moment):
        return bids.bids_open(tender=tender)


GLOVES_ELIGIBILITY = (
    "We declare that Acme Medical Supplies Ltd is in none of the situations for mandatory exclusion; "
    "our tax clearance and ISO 13485 certificate are attached from our supplier register."
)

GLOVES_BIDS = [
    # Submitted, then replaced after the answer about boxes of 200: two receipts, the latest counts.
    DemoBid(
        "acme",
        ACME_BIDS,
        versions=((-3, 10, 0, "172400.00"), (-1, 16, 30, "168950.00")),
        answers={"eligibility": GLOVES_ELIGIBILITY},
        qualifications=(
            "ISO 13485 certificate (medical devices quality)",
            "Tax clearance certificate (HMRC)",
        ),
    ),
]

SOLAR_BIDS = [
    DemoBid(
        "greengrid",
        GREENGRID_BIDS,
        lot=0,
        versions=((-2, 11, 0, "146200.00"),),
        qualifications=("ISO 14001 certificate (environmental management)",),
        files=("Technical proposal, North cluster",),
    ),
    DemoBid(
        "greengrid",
        GREENGRID_BIDS,
        lot=1,
        versions=((-2, 11, 5, "137900.00"),),
        qualifications=("ISO 14001 certificate (environmental management)",),
    ),
    DemoBid(
        "northern",
        NORTHERN_BIDS,
        lot=2,
        versions=((-1, 15, 0, "128400.00"),),
        qualifications=("Constructionline Gold certificate",),
    ),
    # Still being prepared: a draft, never submitted (only GreenGrid sees it).
    DemoBid("greengrid", GREENGRID_BIDS, lot=2, draft=(-1, 17, 0, "131000.00")),
]

LAPTOP_BIDS = [
    # Replaced once before the deadline: the opening reads the second version.
    DemoBid(
        "keystone",
        KEYSTONE_BIDS,
        versions=((-25, 10, 0, "198000.00"), (-9, 16, 30, "189750.00")),
        qualifications=("ISO/IEC 27001 certificate (information security)", "Tax clearance certificate (HMRC)"),
        files=("Technical offer: rugged laptops and imaging",),
    ),
    DemoBid(
        "datapoint",
        DATAPOINT_BIDS,
        versions=((-10, 11, 0, "194300.00"),),
        qualifications=("ISO 9001 certificate",),
    ),
    # Withdrawn the day before the deadline: listed at the opening as withdrawn, never read.
    DemoBid(
        "acme",
        ACME_BIDS,
        versions=((-15, 9, 30, "205000.00"),),
        withdrawn=(-8, 12, 0),
        qualifications=("ISO 13485 certificate (medical devices quality)",),
    ),
]

REGENERATION_BIDS = [
    DemoBid(
        "brightpath",
        BRIGHTPATH_BIDS,
        versions=((-14, 10, 0, "43500.00"),),
        qualifications=("Companies House extract for Brightpath",),
    ),
]


# Bids that were then evaluated and awarded (procura.demo_awards). Those placed before the
# registers were kept (two months before the base) attach none of their documents.
DEFIBRILLATOR_ANSWERS = {
    "Lifeline Cardiac Systems Ltd": {
        "criterion-2": "The LCS-3 delivers a shock within 7 seconds of analysis, gives real-time CPR feedback "
        "and has a paediatric mode by key; 12 independent field studies are attached.",
        "criterion-3": "Half-day training at each of the 48 clinics, an online refresher course and on-site "
        "replacement within 24 hours for the seven years of the warranty.",
    },
    "Acme Medical Supplies Ltd": {
        "criterion-2": "The AED-4 meets the specification: shock within 8 seconds, voice prompts, paediatric "
        "pads supplied separately.",
        "criterion-3": "Training videos for every clinic and a helpline; replacement by courier within 3 working days.",
    },
}

DEFIBRILLATOR_BIDS = [
    DemoBid(
        "lifeline",
        LIFELINE_BIDS,
        versions=((-52, 10, 0, "224500.00"),),
        answers=DEFIBRILLATOR_ANSWERS["Lifeline Cardiac Systems Ltd"],
        qualifications=("ISO 13485 certificate (medical devices quality)",),
        files=("Technical offer: LCS-3 defibrillators",),
    ),
    DemoBid(
        "acme",
        ACME_BIDS,
        versions=((-50, 15, 30, "206900.00"),),
        answers=DEFIBRILLATOR_ANSWERS["Acme Medical Supplies Ltd"],
        qualifications=("ISO 13485 certificate (medical devices quality)",),
    ),
]

SCHOOL_MEALS_BIDS = [
    DemoBid("harvest", HARVEST_BIDS, lot=0, versions=((-170, 11, 0, "362400.00"),)),
    DemoBid("freshstart", FRESHSTART_BIDS, lot=0, versions=((-168, 16, 0, "371900.00"),)),
    DemoBid("freshstart", FRESHSTART_BIDS, lot=1, versions=((-168, 16, 10, "248300.00"),)),
    DemoBid("harvest", HARVEST_BIDS, lot=1, versions=((-170, 11, 10, "255000.00"),)),
]

TRAFFIC_SIGNAL_BIDS = [
    DemoBid("junction", JUNCTION_BIDS, versions=((-270, 14, 0, "438000.00"),)),
    DemoBid("northern", NORTHERN_BIDS, versions=((-268, 9, 45, "452500.00"),)),
    DemoBid("greengrid", GREENGRID_BIDS, versions=((-266, 17, 20, "401200.00"),)),
]

HOSPITAL_BED_BIDS = [
    DemoBid("restwell", RESTWELL_BIDS, versions=((-229, 10, 0, "141600.00"),)),
    DemoBid("acme", ACME_BIDS, versions=((-227, 12, 0, "146850.00"),)),
]

LIBRARY_BIDS = [
    DemoBid(
        "keystone",
        KEYSTONE_BIDS,
        versions=((-49, 11, 0, "138400.00"),),
        qualifications=("ISO/IEC 27001 certificate (information security)",),
    ),
    DemoBid(
        "datapoint", DATAPOINT_BIDS, versions=((-47, 10, 30, "141250.00"),), qualifications=("ISO 9001 certificate",)
    ),
]


def gloves_bids(t: Timeline, tender: Tender, users: Mapping[str, User], orgs: Mapping[str, Organisation]) -> None:
    """Acme's sealed bid on the gloves, open for bids until the deadline."""
    _place_all(t, tender, GLOVES_BIDS, users, orgs)


def solar_bids(t: Timeline, tender: Tender, users: Mapping[str, User], orgs: Mapping[str, Organisation]) -> None:
    """Three sealed bids on the three solar lots, and a draft."""
    _place_all(t, tender, SOLAR_BIDS, users, orgs)


def laptop_bids(t: Timeline, tender: Tender, users: Mapping[str, User], orgs: Mapping[str, Organisation]) -> None:
    """Three bids on the laptops (one replaced, one withdrawn), opened in public after the deadline."""
    _place_all(t, tender, LAPTOP_BIDS, users, orgs)
    _open(t, tender)


def regeneration_bids(t: Timeline, tender: Tender, users: Mapping[str, User], orgs: Mapping[str, Organisation]) -> None:
    """Brightpath's bid on the regeneration strategy, opened after the deadline."""
    _place_all(t, tender, REGENERATION_BIDS, users, orgs)
    _open(t, tender)


# --- Report ---------------------------------------------------------------------------------------
def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def summary(tenders: Sequence[Tender]) -> list[str]:
    """Lines describing the demo bids, for `procura demo`."""
    ids = [tender.pk for tender in tenders]
    sealed = Bid.objects.filter(tender_id__in=ids, status=BidStatus.SUBMITTED, tender__bid_opening__isnull=True)
    drafts = Bid.objects.filter(tender_id__in=ids, status=BidStatus.DRAFT).count()
    lines = [
        f"Bids: {_count(sealed.count(), 'sealed bid')} on {sealed.values('tender_id').distinct().count()} "
        f"tenders open for bids, and {_count(drafts, 'draft')}; nobody can read them before their opening."
    ]
    for tender in tenders:
        opening = bid_selectors.opening_of(tender)
        if opening is None:
            continue
        opened = OpenedBid.objects.filter(opening=opening)
        withdrawn = opened.filter(version__isnull=True).count()
        counted = opened.count() - withdrawn
        lowest = opened.exclude(amount__isnull=True).order_by("amount").first()
        lowest_text = (
            f"; lowest {lowest.currency} {Decimal(lowest.amount):,.2f}"
            if lowest is not None and lowest.amount is not None
            else ""
        )
        lines.append(
            f"Opened in public: {tender.title} ({opening.opened_at:%Y-%m-%d %H:%M} UTC): "
            f"{_count(counted, 'bid')}, {withdrawn} withdrawn{lowest_text}."
        )
    lines.append(
        "Bid managers see their bids, drafts and signed receipts at /bids/ (bids@acme-medical.example has a "
        "sealed bid on the gloves and a withdrawn one on the laptops); receipts verify with /receipts/public-key.pem."
    )
    return lines
