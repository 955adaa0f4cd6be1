"""`procura demo` plans, tenders and bids: a tender in every status, spend control, supplier
registers, sealed bids before the opening and opened bids after it; idempotent."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

from procura import demo
from procura.audit.models import AuditEntry
from procura.bids import services as bid_services
from procura.bids.models import Bid, BidOpening, BidVersion, OpenedBid, Receipt, SealedFile
from procura.core import clock
from procura.planning.models import BusinessCase, PlanLine, ProcurementPlan
from procura.planning.selectors import spend_approval, spend_control_threshold
from procura.suppliers.domain import ExpiryState, expiry_state
from procura.suppliers.models import BeneficialOwner, QualificationDocument
from procura.suppliers.selectors import today
from procura.tenders.domain import TenderStatus
from procura.tenders.models import Amendment, Clarification, StatusChange, Tender
from procura.tenders.search import TenderFilters, filtered_tenders
from procura.tenders.selectors import status_of, value_shown

SKIPPED: set[TenderStatus] = set()


def _statuses() -> dict[str, TenderStatus]:
    return {tender.title: status_of(tender) for tender in Tender.objects.all()}


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Tender,
            AuditEntry,
            StatusChange,
            Clarification,
            Amendment,
            ProcurementPlan,
            PlanLine,
            BusinessCase,
            Bid,
            BidVersion,
            Receipt,
            SealedFile,
            BidOpening,
            OpenedBid,
            BeneficialOwner,
            QualificationDocument,
        )
    )


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once for the module's tests (a load takes the better part of a minute),
    inside a transaction rolled back after the last of them; each test runs in a savepoint of
    it. Returns the report `procura demo` prints."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # A transactional test that ran before in this process flushed the units of measure,
            # and module fixtures run before the autouse one that puts them back.
            importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)
            report = demo.load()
        except BaseException:
            outer.__exit__(None, None, None)
            raise
    yield report
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.mark.django_db
def test_the_demo_has_a_tender_in_every_status(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)

    # then
    statuses = _statuses()
    assert set(statuses.values()) == set(TenderStatus) - SKIPPED
    assert statuses == {
        "Nitrile examination gloves for regional hospitals": TenderStatus.TENDERING,
        "IT service desk and end-user support": TenderStatus.TENDERING,
        "Health workforce strategy consultancy": TenderStatus.ENQUIRIES,
        "Cleaning services for regional hospitals": TenderStatus.DRAFT,
        "Uniforms for community nurses": TenderStatus.CANCELLED,
        "Urgent supply of influenza antiviral medicines": TenderStatus.TENDERING,
        "Laptops for community health teams": TenderStatus.EVALUATION,
        "Solar panels for primary school roofs": TenderStatus.TENDERING,
        "Cleaning services for council buildings": TenderStatus.TENDERING,
        "Town centre regeneration strategy consultancy": TenderStatus.UNSUCCESSFUL,
        "Resurfacing of the A38 between Derby and Burton": TenderStatus.QUALIFICATION,
        "Replacement expansion joints for the Kingsway flyover": TenderStatus.PLANNED,
        "Emergency road salt for the winter storm": TenderStatus.COMPLETE,
        # awarded, under complaint (procura.demo_awards)
        "Automated external defibrillators for community clinics": TenderStatus.EVALUATION,
        # contracts signed: the tender is complete, its contracts go on
        "School meals for Northbridge schools": TenderStatus.COMPLETE,
        "Maintenance of traffic signals on the trunk road network": TenderStatus.COMPLETE,
        "Electric profiling beds for Riverside Community Hospital": TenderStatus.COMPLETE,
        # awarded, its contract not signed yet
        "Library management system for Northbridge libraries": TenderStatus.EVALUATION,
    }
    # the sweep has made every status that took effect durable
    assert {t.title: t.recorded_status for t in Tender.objects.all()} == statuses


@pytest.mark.django_db
def test_demo_drafts_are_not_in_the_public_search(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)

    # when
    found = set(filtered_tenders(TenderFilters()).values_list("title", flat=True))

    # then
    drafts = {title for title, status in _statuses().items() if status == TenderStatus.DRAFT}
    assert drafts == {"Cleaning services for regional hospitals"}
    assert found == set(_statuses()) - drafts


@pytest.mark.django_db
def test_loading_the_demo_again_creates_nothing_and_records_nothing(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)
    before = _counts()
    last_entry = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()

    # when
    demo.load()

    # then
    assert _counts() == before
    assert AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() == last_entry
    assert before[0] == 18


@pytest.mark.django_db
def test_the_demo_report_summarises_plans_and_tenders(loaded_demo: str) -> None:
    # when
    report = loaded_demo

    # then
    lines = report.splitlines()
    assert lines[-2].startswith("Open data: 126 OCDS releases; ")
    assert lines[-1] == "Historical records: 72 processes from other publishers (see /open-data/history/)."
    start = lines.index(next(line for line in lines if line.startswith("Plans: ")))
    opened = {opening.tender.title: opening.opened_at for opening in BidOpening.objects.select_related("tender")}

    def opening(title: str, counts: str) -> str:
        return f"Opened in public: {title} ({opened[title]:%Y-%m-%d %H:%M} UTC): {counts}."

    expected = [
        f"Plans: 2 published (Ministry of Health {clock.now().year}: 5 lines; "
        f"Northbridge City Council {clock.now().year}: 3 lines)",
        "Business cases: 1 approved, 1 awaiting decision, 1 rejected; "
        "Ministry of Health spend-control threshold GBP 250,000.00",
        "Tenders: 18 (1 draft, 1 announced, 1 open for requests to participate, 1 open for questions, "
        "5 open for bids, 3 evaluation, 4 complete, 1 cancelled, 1 unsuccessful)",
        "Bids: 4 sealed bids on 2 tenders open for bids, and 1 draft; nobody can read them before their opening.",
        opening("Laptops for community health teams", "2 bids, 1 withdrawn; lowest GBP 189,750.00"),
        opening("Town centre regeneration strategy consultancy", "1 bid, 0 withdrawn; lowest GBP 43,500.00"),
        opening(
            "Automated external defibrillators for community clinics", "2 bids, 0 withdrawn; lowest GBP 206,900.00"
        ),
        opening("School meals for Northbridge schools", "4 bids, 0 withdrawn; lowest GBP 248,300.00"),
        opening(
            "Maintenance of traffic signals on the trunk road network", "3 bids, 0 withdrawn; lowest GBP 401,200.00"
        ),
        opening(
            "Electric profiling beds for Riverside Community Hospital", "2 bids, 0 withdrawn; lowest GBP 141,600.00"
        ),
        opening("Library management system for Northbridge libraries", "2 bids, 0 withdrawn; lowest GBP 138,400.00"),
        "Bid managers see their bids, drafts and signed receipts at /bids/ (bids@acme-medical.example has a "
        "sealed bid on the gloves and a withdrawn one on the laptops); receipts verify with /receipts/public-key.pem.",
        "See them at /tenders/ (the public portal) and /plans/; buyers manage theirs at /tenders/workspace/.",
    ]
    # (the awards, complaints and contracts follow: tests/demo/test_demo_awards.py)
    assert lines[start : start + len(expected)] == expected
    # the demo accounts include a bid manager of every bidding supplier
    for email in ("bids@acme-medical.example", "bids@keystone-it.example", "angebote@datapoint.example"):
        assert any(line.split()[:2] == [email, "Bid"] for line in lines), email


@pytest.mark.django_db
def test_the_ministry_plan_has_spend_control_and_business_cases_in_each_state(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)

    # then
    plan = ProcurementPlan.objects.get(title="Ministry of Health procurement plan")
    assert plan.status == "published"
    assert plan.year == clock.now().year
    assert plan.lines.count() == 5
    threshold = spend_control_threshold(plan.buyer)
    assert threshold is not None
    assert (threshold.amount, threshold.currency) == (Decimal("250000.00"), "GBP")
    cases = {
        case.plan_line.title: (
            case.decision,
            case.submitted_by.email,
            case.decided_by.email if case.decided_by else None,
            bool(case.decision_reasons),
        )
        for case in BusinessCase.objects.select_related("plan_line", "submitted_by", "decided_by")
    }
    assert cases == {
        "IT service desk and end-user support": (
            "approved",
            "officer@health.example",
            "approver@health.example",
            True,
        ),
        "Cleaning services for regional hospitals": ("pending", "officer@health.example", None, False),
        "Electric vehicles for non-emergency patient transport": (
            "rejected",
            "officer@health.example",
            "approver@health.example",
            True,
        ),
    }
    # the tender above the threshold went out on its approved line
    service_desk = Tender.objects.get(title="IT service desk and end-user support")
    assert service_desk.value_amount == Decimal("1150000.00")
    assert service_desk.value_amount > threshold.amount
    assert service_desk.plan_line is not None
    assert service_desk.ocid == service_desk.plan_line.ocid
    approval = spend_approval(
        buyer=plan.buyer,
        amount=service_desk.value_amount,
        currency="GBP",
        plan_line=service_desk.plan_line,
    )
    assert (approval.required, approval.approved) == (True, True)
    northbridge = ProcurementPlan.objects.get(title="Northbridge City Council procurement plan")
    assert (northbridge.status, northbridge.lines.count()) == ("published", 3)


@pytest.mark.django_db
def test_the_demo_tenders_show_questions_amendments_lots_criteria_and_reasons(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)

    # then: two answered questions and one waiting, all from Acme, answered by the officer
    gloves = Tender.objects.get(title="Nitrile examination gloves for regional hospitals")
    questions = list(gloves.clarifications.order_by("asked_at"))
    assert [q.answered_at is not None for q in questions] == [True, True, False]
    assert {q.asked_by.email for q in questions} == {"bids@acme-medical.example"}
    assert {q.asker_organisation.legal_name for q in questions} == {"Acme Medical Supplies Ltd"}
    assert {q.answered_by.email for q in questions if q.answered_by} == {"officer@health.example"}
    assert gloves.sme_suitable is True
    # one material amendment that extended the deadline, then one minor one
    cleaning = Tender.objects.get(title="Cleaning services for council buildings")
    material, minor = cleaning.amendments.order_by("made_at")
    assert material.material is True
    assert material.deadline_before is not None
    assert material.deadline_after is not None
    assert material.deadline_after > material.deadline_before
    assert minor.material is False
    assert [change["field"] for change in minor.changes] == ["bid_opening_place"]
    assert minor.deadline_after == material.deadline_after == cleaning.tender_end
    # price and quality with weights adding up to 100
    service_desk = Tender.objects.get(title="IT service desk and end-user support")
    assert service_desk.award_criteria == "ratedCriteria"
    assert sum(c.weight for c in service_desk.criteria.all()) == 100
    assert {c.kind for c in service_desk.criteria.all()} == {"price", "quality"}
    # several lots
    solar = Tender.objects.get(title="Solar panels for primary school roofs")
    assert solar.lots.count() == 3
    # a negotiated tender whose value is not shown publicly
    antivirals = Tender.objects.get(title="Urgent supply of influenza antiviral medicines")
    assert (antivirals.procedure, value_shown(antivirals)) == ("negotiated", False)
    # public reasons for the cancelled and the unsuccessful tender
    cancelled = Tender.objects.get(title="Uniforms for community nurses")
    assert cancelled.cancellation_reason.startswith("The specification is being revised")
    failed = Tender.objects.get(title="Town centre regeneration strategy consultancy")
    assert failed.unsuccessful_reason.startswith("No compliant bids were received")
    assert list(failed.status_changes.order_by("effective_at").values_list("status", flat=True)) == [
        "tendering",
        "evaluation",
        "unsuccessful",
    ]


def _bids_of(title: str) -> dict[str, Bid]:
    return {
        f"{bid.supplier.legal_name} / {bid.lot.title}": bid
        for bid in Bid.objects.filter(tender__title=title).select_related("supplier", "lot")
    }


@pytest.mark.django_db
def test_the_demo_has_sealed_bids_on_tenders_open_for_bids(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)

    # then: Acme's gloves bid, replaced once, sealed, with its qualification documents
    gloves = Tender.objects.get(title="Nitrile examination gloves for regional hospitals")
    assert status_of(gloves) == TenderStatus.TENDERING
    [acme] = _bids_of(gloves.title).values()
    assert (acme.status, acme.versions.count()) == ("submitted", 2)
    assert list(acme.receipts.order_by("issued_at").values_list("kind", flat=True)) == ["submission", "replacement"]
    assert not BidOpening.objects.filter(tender=gloves).exists()
    assert b"168950" not in bytes(acme.versions.get(number=2).sealed)
    content = bid_services.version_content(acme.versions.get(number=2))
    assert (content.price_amount, content.currency) == ("168950.00", "GBP")
    assert len(content.qualifications) == 2
    assert content.answers["eligibility"].startswith("We declare")
    # the solar lots: three sealed bids from two suppliers, and GreenGrid's draft on the south lot
    solar = _bids_of("Solar panels for primary school roofs")
    assert {name: bid.status for name, bid in solar.items()} == {
        "GreenGrid Energy SL / North cluster (5 schools)": "submitted",
        "GreenGrid Energy SL / Central cluster (5 schools)": "submitted",
        "Northern Construction plc / South cluster (4 schools)": "submitted",
        "GreenGrid Energy SL / South cluster (4 schools)": "draft",
    }
    assert solar["GreenGrid Energy SL / North cluster (5 schools)"].files.count() == 1
    assert not BidOpening.objects.filter(tender__title="Solar panels for primary school roofs").exists()


@pytest.mark.django_db
def test_the_demo_has_tenders_whose_bids_were_opened(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)

    # then: the laptops were opened at the announced time, after the deadline
    laptops = Tender.objects.get(title="Laptops for community health teams")
    assert status_of(laptops) == TenderStatus.EVALUATION
    opening = BidOpening.objects.get(tender=laptops)
    assert laptops.tender_end is not None
    assert opening.opened_at == laptops.bid_opening_at
    assert opening.opened_at > laptops.tender_end
    opened = {o.bid.supplier.legal_name: o for o in OpenedBid.objects.filter(opening=opening).select_related("bid")}
    assert {name: (o.amount, o.version.number if o.version else None) for name, o in opened.items()} == {
        "Keystone IT Services Ltd": (Decimal("189750.0000"), 2),  # replaced: the second version counts
        "Datapoint Systems GmbH": (Decimal("194300.0000"), 1),
        "Acme Medical Supplies Ltd": (None, None),  # withdrawn: never read
    }
    assert opened["Acme Medical Supplies Ltd"].bid.status == "withdrawn"
    # every bid was submitted before the deadline
    assert all(o.bid.submitted_at and o.bid.submitted_at <= laptops.tender_end for o in opened.values())
    # the regeneration strategy: its one bid opened before the buyer declared the tender unsuccessful
    regeneration = Tender.objects.get(title="Town centre regeneration strategy consultancy")
    regeneration_opening = BidOpening.objects.get(tender=regeneration)
    assert regeneration.unsuccessful_at is not None
    assert regeneration_opening.opened_at < regeneration.unsuccessful_at
    assert OpenedBid.objects.filter(opening=regeneration_opening).count() == 1


@pytest.mark.django_db
def test_the_demo_suppliers_have_registers_with_owners_and_qualifications(loaded_demo: str) -> None:
    # given the demo (loaded once for the module)

    # then: every supplier that bid has qualification documents; all but the listed company owners
    bidders = set(Bid.objects.values_list("supplier__legal_name", flat=True))
    with_documents = set(QualificationDocument.objects.values_list("organisation__legal_name", flat=True))
    assert bidders <= with_documents
    owned = set(BeneficialOwner.objects.values_list("organisation__legal_name", flat=True))
    assert bidders - owned == {"Northern Construction plc"}
    # one owner is not published, as the law allows
    hidden = BeneficialOwner.objects.get(publishable=False)
    assert (hidden.name, hidden.organisation.legal_name) == ("Lars Lindqvist", "Keystone IT Services Ltd")
    # one document expires within the month: the supplier is warned
    expiring = [
        q for q in QualificationDocument.objects.all() if expiry_state(q.expires_on, today()) == ExpiryState.EXPIRING
    ]
    assert [(q.organisation.legal_name, q.kind) for q in expiring] == [("Acme Medical Supplies Ltd", "tax_clearance")]
