"""`procura demo` plans and tenders: a tender in every status, spend control, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procura import demo
from procura.audit.models import AuditEntry
from procura.core import clock
from procura.planning.models import BusinessCase, PlanLine, ProcurementPlan
from procura.planning.selectors import spend_approval, spend_control_threshold
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
        )
    )


@pytest.mark.django_db
def test_the_demo_has_a_tender_in_every_status() -> None:
    # when
    demo.load()

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
    }
    # the sweep has made every status that took effect durable
    assert {t.title: t.recorded_status for t in Tender.objects.all()} == statuses


@pytest.mark.django_db
def test_the_demo_works_at_any_time_of_year(frozen_clock: clock.Clock) -> None:
    # given: the clock at 00:30 on the first day of the year
    frozen_clock.set(clock.now().replace(month=1, day=1, hour=0, minute=30))

    # when
    demo.load()

    # then
    assert set(_statuses().values()) == set(TenderStatus) - SKIPPED
    assert set(ProcurementPlan.objects.values_list("year", flat=True)) == {clock.now().year}


@pytest.mark.django_db
def test_demo_drafts_are_not_in_the_public_search() -> None:
    # given
    demo.load()

    # when
    found = set(filtered_tenders(TenderFilters()).values_list("title", flat=True))

    # then
    drafts = {title for title, status in _statuses().items() if status == TenderStatus.DRAFT}
    assert drafts == {"Cleaning services for regional hospitals"}
    assert found == set(_statuses()) - drafts


@pytest.mark.django_db
def test_loading_the_demo_again_creates_nothing_and_records_nothing() -> None:
    # given
    demo.load()
    before = _counts()
    last_entry = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()

    # when
    demo.load()

    # then
    assert _counts() == before
    assert AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() == last_entry
    assert before[0] == 13


@pytest.mark.django_db
def test_the_demo_report_summarises_plans_and_tenders() -> None:
    # when
    report = demo.load()

    # then
    lines = report.splitlines()
    assert lines[-2].startswith("Open data: 27 OCDS releases; ")
    assert lines[-1] == "Historical records: 72 processes from other publishers (see /open-data/history/)."
    assert lines[-6:-2] == [
        f"Plans: 2 published (Ministry of Health {clock.now().year}: 5 lines; "
        f"Northbridge City Council {clock.now().year}: 3 lines)",
        "Business cases: 1 approved, 1 awaiting decision, 1 rejected; "
        "Ministry of Health spend-control threshold GBP 250,000.00",
        "Tenders: 13 (1 draft, 1 announced, 1 open for requests to participate, 1 open for questions, "
        "5 open for bids, 1 evaluation, 1 complete, 1 cancelled, 1 unsuccessful)",
        "See them at /tenders/ (the public portal) and /plans/; buyers manage theirs at /tenders/workspace/.",
    ]


@pytest.mark.django_db
def test_the_ministry_plan_has_spend_control_and_business_cases_in_each_state() -> None:
    # when
    demo.load()

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
def test_the_demo_tenders_show_questions_amendments_lots_criteria_and_reasons() -> None:
    # when
    demo.load()

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
