"""Planning services: each checks access and its rules, writes, audits and records an event in one
transaction; a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from procura.accounts.models import User
from procura.accounts.roles import Role
from procura.accounts.services import membership_grant
from procura.audit.models import AuditEntry
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied, RuleViolation
from procura.core.events import DomainEvent, subscribe, unsubscribe
from procura.core.models import OcidCounter
from procura.documents import access as documents_access
from procura.documents.models import Document
from procura.planning import events
from procura.planning.models import BusinessCase, PlanLine, ProcurementPlan, SpendControlPolicy
from procura.planning.services import (
    PlanLineDetails,
    business_case_decide,
    business_case_document_add,
    business_case_submit,
    plan_create,
    plan_line_add,
    plan_line_remove,
    plan_line_update,
    plan_publish,
    plan_update,
    spend_control_threshold_set,
)
from tests import factories
from tests.conftest import World
from tests.documents.samples import PDF, named
from tests.planning.conftest import NOTEBOOKS, WORKS, Plans, line_details

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def recorded() -> Iterator[list[DomainEvent]]:
    seen: list[DomainEvent] = []

    def collect(event: DomainEvent) -> None:
        seen.append(event)

    subscribe(DomainEvent, collect)
    yield seen
    unsubscribe(DomainEvent, collect)


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def _submit(world: World, line: PlanLine, actor: User | None = None, **overrides: Any) -> BusinessCase:
    values: dict[str, Any] = {
        "need": "The laboratories run out of gloves every winter.",
        "estimated_amount": Decimal("250000.00"),
        "currency": "EUR",
        "options_considered": "Doing nothing; buying per laboratory; one framework.",
    }
    values.update(overrides)
    return business_case_submit(actor=actor or world.officer, plan_line=line, **values)


# --- Plans ---------------------------------------------------------------------------------------
def test_an_officer_creates_a_draft_plan(world: World, frozen_clock: clock.Clock, recorded: list[DomainEvent]) -> None:
    # when
    plan = plan_create(
        actor=world.officer, buyer=world.buyer, year=2027, title="  Purchases 2027 ", description="Everything."
    )
    # then
    stored = ProcurementPlan.objects.get(pk=plan.pk)
    assert (stored.buyer_id, stored.year, stored.title, stored.description) == (
        world.buyer.pk,
        2027,
        "Purchases 2027",
        "Everything.",
    )
    assert (stored.status, stored.published_at, stored.created_by_id) == ("draft", None, world.officer.pk)
    assert stored.created_at == NOW
    [entry] = _entries("plan.created")
    assert (entry.actor_id, entry.organisation_id, entry.object_type, entry.object_id) == (
        world.officer.pk,
        world.buyer.pk,
        "procurement_plan",
        str(plan.pk),
    )
    assert entry.after == {"year": 2027, "title": "Purchases 2027", "description": "Everything."}
    assert recorded == [events.PlanCreated(plan_id=plan.pk, buyer_id=world.buyer.pk, year=2027)]


@pytest.mark.parametrize("person", ["approver", "evaluator", "other_officer", "bid_manager", "admin", "auditor"])
def test_only_the_buyers_officers_create_plans(world: World, person: str) -> None:
    with pytest.raises(PermissionDenied):
        plan_create(actor=getattr(world, person), buyer=world.buyer, year=2027, title="Purchases 2027")
    assert not ProcurementPlan.objects.exists()
    assert not _entries("plan.created")


def test_an_anonymous_visitor_is_asked_to_sign_in(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        plan_create(actor=AnonymousUser(), buyer=world.buyer, year=2027, title="Purchases 2027")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("year", "title", "fields"),
    [
        (1999, "Plan", {"year"}),
        (2101, "Plan", {"year"}),
        (2027, "   ", {"title"}),
        (2027, "x" * 301, {"title"}),
        (2027, "Nul\x00", {"title"}),
        (1066, "", {"year", "title"}),
    ],
)
def test_a_plan_needs_a_sensible_year_and_a_title(world: World, year: int, title: str, fields: set[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_create(actor=world.officer, buyer=world.buyer, year=year, title=title)
    assert set(refused.value.fields) == fields
    assert not ProcurementPlan.objects.exists()


def test_a_buyer_has_one_plan_a_year(world: World) -> None:
    plan_create(actor=world.officer, buyer=world.buyer, year=2027, title="Purchases 2027")
    with pytest.raises(Conflict) as refused:
        plan_create(actor=world.officer, buyer=world.buyer, year=2027, title="Again")
    assert set(refused.value.fields) == {"year"}
    assert ProcurementPlan.objects.filter(buyer=world.buyer).count() == 1
    assert len(_entries("plan.created")) == 1


def test_another_buyer_may_plan_the_same_year(world: World) -> None:
    plan_create(actor=world.officer, buyer=world.buyer, year=2027, title="Purchases 2027")
    plan_create(actor=world.other_officer, buyer=world.other_buyer, year=2027, title="Council 2027")
    assert ProcurementPlan.objects.filter(year=2027).count() == 2


def test_updating_a_plan_audits_only_what_changed(world: World, plans: Plans, recorded: list[DomainEvent]) -> None:
    plan_update(actor=world.officer, plan=plans.draft, title="Purchases 2027 (revised)", description="")
    stored = ProcurementPlan.objects.get(pk=plans.draft.pk)
    assert stored.title == "Purchases 2027 (revised)"
    [entry] = _entries("plan.updated")
    assert entry.before == {"title": "Purchases 2027"}
    assert entry.after == {"title": "Purchases 2027 (revised)"}
    assert recorded == [events.PlanUpdated(plan_id=plans.draft.pk, buyer_id=world.buyer.pk, published=False)]
    # and saving the same again changes nothing
    plan_update(actor=world.officer, plan=plans.draft, title="Purchases 2027 (revised)", description="")
    assert len(_entries("plan.updated")) == 1


def test_only_officers_update_plans(world: World, plans: Plans) -> None:
    with pytest.raises(PermissionDenied):
        plan_update(actor=world.approver, plan=plans.draft, title="Mine now")
    assert ProcurementPlan.objects.get(pk=plans.draft.pk).title == "Purchases 2027"


def test_publishing_makes_the_plan_public(
    world: World, plans: Plans, frozen_clock: clock.Clock, recorded: list[DomainEvent]
) -> None:
    # when
    plan = plan_publish(actor=world.officer, plan=plans.draft)
    # then
    stored = ProcurementPlan.objects.get(pk=plans.draft.pk)
    assert (stored.status, stored.published_at) == ("published", NOW)
    assert plan.status == "published"
    entry = _entries("plan.published")[-1]
    assert (entry.object_id, entry.before, entry.after) == (
        str(plans.draft.pk),
        {"status": "draft"},
        {"status": "published", "lines": 1},
    )
    assert recorded == [
        events.PlanPublished(
            plan_id=plans.draft.pk, buyer_id=world.buyer.pk, published_at=NOW, ocids=(plans.draft_line.ocid,)
        )
    ]


def test_publishing_a_published_plan_changes_nothing(
    world: World, plans: Plans, frozen_clock: clock.Clock, recorded: list[DomainEvent]
) -> None:
    # given a published plan
    first_published_at = ProcurementPlan.objects.get(pk=plans.published.pk).published_at
    assert first_published_at is not None
    entries = AuditEntry.objects.count()
    frozen_clock.advance(dt.timedelta(days=3))
    # when it is published again
    again = plan_publish(actor=world.officer, plan=plans.published)
    # then it is returned unchanged, and nothing is written or recorded
    assert (again.status, again.published_at) == ("published", first_published_at)
    assert ProcurementPlan.objects.get(pk=plans.published.pk).published_at == first_published_at
    assert AuditEntry.objects.count() == entries
    assert recorded == []


def test_a_plan_without_lines_cannot_be_published(world: World, recorded: list[DomainEvent]) -> None:
    plan = plan_create(actor=world.officer, buyer=world.buyer, year=2027, title="Empty")
    recorded.clear()
    with pytest.raises(RuleViolation) as refused:
        plan_publish(actor=world.officer, plan=plan)
    assert set(refused.value.fields) == {"lines"}
    assert ProcurementPlan.objects.get(pk=plan.pk).status == "draft"
    assert not _entries("plan.published")
    assert recorded == []


@pytest.mark.parametrize("person", ["approver", "evaluator", "other_officer", "admin", "auditor"])
def test_only_officers_publish(world: World, plans: Plans, person: str) -> None:
    with pytest.raises(PermissionDenied):
        plan_publish(actor=getattr(world, person), plan=plans.draft)
    assert ProcurementPlan.objects.get(pk=plans.draft.pk).status == "draft"


def test_even_an_idempotent_publish_checks_who_asks(world: World, plans: Plans) -> None:
    with pytest.raises(PermissionDenied):
        plan_publish(actor=world.other_officer, plan=plans.published)


# --- Plan lines ----------------------------------------------------------------------------------
def test_a_line_is_a_contracting_process_with_its_own_ocid(
    world: World, plans: Plans, frozen_clock: clock.Clock, recorded: list[DomainEvent]
) -> None:
    # when a second line is added
    line = plan_line_add(
        actor=world.officer,
        plan=plans.draft,
        details=line_details(
            title="Notebooks",
            classification_scheme="unspsc",
            classification_code=f" {NOTEBOOKS} ",
            estimated_amount="80000.50",
            currency="gbp",
            procedure="request_for_quotation",
            lots=[{"title": "North", "value": "30000"}, {"title": "South", "value": Decimal("50000.5")}],
        ),
    )
    # then everything is stored as checked, with the code's own description
    stored = PlanLine.objects.get(pk=line.pk)
    assert stored.ocid.startswith("ocds-prcdev-")
    assert stored.ocid != plans.draft_line.ocid
    assert stored.position == plans.draft_line.position + 1
    assert (stored.classification_scheme, stored.classification_code, stored.classification_description) == (
        "UNSPSC",
        NOTEBOOKS,
        "Notebook computers",
    )
    assert (stored.estimated_amount, stored.currency, stored.procedure) == (
        Decimal("80000.50"),
        "GBP",
        "request_for_quotation",
    )
    assert stored.lots == [{"title": "North", "value": "30000.00"}, {"title": "South", "value": "50000.50"}]
    assert stored.created_at == NOW
    entry = _entries("plan_line.added")[-1]
    assert entry.object_id == str(line.pk)
    assert entry.after["ocid"] == stored.ocid
    assert entry.after["classification_code"] == NOTEBOOKS
    assert recorded == [
        events.PlanLineAdded(
            plan_id=plans.draft.pk, line_id=line.pk, buyer_id=world.buyer.pk, ocid=stored.ocid, published=False
        )
    ]


def test_amounts_keep_every_decimal_their_currency_has(world: World, plans: Plans) -> None:
    line = plan_line_add(
        actor=world.officer, plan=plans.draft, details=line_details(estimated_amount="1234.567", currency="KWD")
    )
    assert PlanLine.objects.get(pk=line.pk).estimated_amount == Decimal("1234.567")


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"title": ""}, {"title"}),
        ({"title": "t" * 301}, {"title"}),
        ({"main_category": "food"}, {"main_category"}),
        ({"procedure": "auction"}, {"procedure"}),
        ({"classification_scheme": "NAICS"}, {"classification_scheme"}),
        ({"classification_code": "99999999-9"}, {"classification_code"}),
        ({"classification_code": ""}, {"classification_code"}),
        ({"estimated_amount": None}, {"estimated_amount"}),
        ({"estimated_amount": "-1"}, {"estimated_amount"}),
        ({"estimated_amount": "ten"}, {"estimated_amount"}),
        ({"estimated_amount": "NaN"}, {"estimated_amount"}),
        ({"estimated_amount": 1.5}, {"estimated_amount"}),
        ({"estimated_amount": "1.234"}, {"estimated_amount"}),
        ({"estimated_amount": "10.5", "currency": "JPY"}, {"estimated_amount"}),
        ({"estimated_amount": "1e18"}, {"estimated_amount"}),
        ({"currency": "EURO"}, {"currency"}),
        ({"currency": ""}, {"currency"}),
        ({"budget_source": " "}, {"budget_source"}),
        ({"budget_reference": "r" * 101}, {"budget_reference"}),
        ({"planned_tender_date": None}, {"planned_tender_date"}),
        ({"planned_tender_date": "next spring"}, {"planned_tender_date"}),
        ({"planned_tender_date": dt.date(1990, 1, 1)}, {"planned_tender_date"}),
        ({"lots": "two lots"}, {"lots"}),
        ({"lots": ["a lot"]}, {"lots.0"}),
        ({"lots": [{"title": "", "value": "10"}]}, {"lots.0.title"}),
        ({"lots": [{"title": "A", "value": "10"}, {"title": "B", "value": "-2"}]}, {"lots.1.value"}),
        ({"lots": [{"title": "A"}]}, {"lots.0.value"}),
        ({"lots": [{"title": "A", "value": "200000"}, {"title": "B", "value": "50000.01"}]}, {"lots"}),
        ({"title": "", "currency": "??", "procedure": ""}, {"title", "currency", "procedure"}),
    ],
)
def test_each_bad_detail_is_named(world: World, plans: Plans, overrides: dict[str, Any], fields: set[str]) -> None:
    # given the ocid counter and the lines before
    counter = OcidCounter.objects.get().last_serial
    lines = PlanLine.objects.count()
    # when a line with a bad detail is added
    with pytest.raises(InvalidInput) as refused:
        plan_line_add(actor=world.officer, plan=plans.draft, details=line_details(**overrides))
    # then the error names exactly the bad fields, and nothing is written, no ocid used
    assert set(refused.value.fields) == fields
    assert PlanLine.objects.count() == lines
    assert OcidCounter.objects.get().last_serial == counter


def test_lots_may_add_up_to_the_lines_value(world: World, plans: Plans) -> None:
    line = plan_line_add(
        actor=world.officer,
        plan=plans.draft,
        details=line_details(lots=[{"title": "A", "value": "200000"}, {"title": "B", "value": "50000"}]),
    )
    assert len(line.lots) == 2


def test_only_officers_add_lines(world: World, plans: Plans) -> None:
    with pytest.raises(PermissionDenied):
        plan_line_add(actor=world.approver, plan=plans.draft, details=line_details())
    with pytest.raises(PermissionDenied):
        plan_line_add(actor=world.other_officer, plan=plans.draft, details=line_details())
    assert plans.draft.lines.count() == 1


def test_a_line_of_a_published_plan_can_be_changed_and_keeps_its_ocid(
    world: World, plans: Plans, recorded: list[DomainEvent]
) -> None:
    line = plan_line_update(
        actor=world.officer,
        line=plans.published_line,
        details=line_details(
            title="New wing of the hospital",
            main_category="works",
            classification_code=WORKS,
            estimated_amount="300000",
        ),
    )
    stored = PlanLine.objects.get(pk=line.pk)
    assert (stored.ocid, stored.estimated_amount) == (plans.published_line.ocid, Decimal("300000"))
    [entry] = _entries("plan_line.updated")
    assert entry.before == {"estimated_amount": "250000.0000"}
    assert entry.after == {"estimated_amount": "300000.00"}
    assert recorded == [
        events.PlanLineUpdated(
            plan_id=plans.published.pk,
            line_id=line.pk,
            buyer_id=world.buyer.pk,
            ocid=stored.ocid,
            published=True,
        )
    ]


def test_a_bad_change_leaves_the_line_as_it_was(world: World, plans: Plans) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_line_update(actor=world.officer, line=plans.draft_line, details=line_details(title="", currency="X"))
    assert set(refused.value.fields) == {"title", "currency"}
    assert PlanLine.objects.get(pk=plans.draft_line.pk).title == "Laboratory consumables"
    assert not _entries("plan_line.updated")


def test_a_line_of_a_draft_plan_can_be_removed(world: World, plans: Plans, recorded: list[DomainEvent]) -> None:
    plan_line_remove(actor=world.officer, line=plans.draft_line)
    assert not PlanLine.objects.filter(pk=plans.draft_line.pk).exists()
    [entry] = _entries("plan_line.removed")
    assert entry.before["ocid"] == plans.draft_line.ocid
    assert entry.before["title"] == "Laboratory consumables"
    assert recorded == [
        events.PlanLineRemoved(
            plan_id=plans.draft.pk, line_id=plans.draft_line.pk, buyer_id=world.buyer.pk, ocid=plans.draft_line.ocid
        )
    ]


def test_a_published_line_stays(world: World, plans: Plans) -> None:
    other = plan_line_add(actor=world.officer, plan=plans.published, details=line_details(title="Beds"))
    with pytest.raises(RuleViolation):
        plan_line_remove(actor=world.officer, line=other)
    assert PlanLine.objects.filter(pk=other.pk).exists()
    assert not _entries("plan_line.removed")


def test_a_line_with_business_cases_stays(world: World, plans: Plans) -> None:
    _submit(world, plans.draft_line)
    with pytest.raises(RuleViolation):
        plan_line_remove(actor=world.officer, line=plans.draft_line)
    assert PlanLine.objects.filter(pk=plans.draft_line.pk).exists()


def test_only_officers_remove_lines(world: World, plans: Plans) -> None:
    with pytest.raises(PermissionDenied):
        plan_line_remove(actor=world.approver, line=plans.draft_line)
    assert PlanLine.objects.filter(pk=plans.draft_line.pk).exists()


# --- Spend control -------------------------------------------------------------------------------
def test_an_approver_sets_and_changes_the_threshold(world: World, recorded: list[DomainEvent]) -> None:
    spend_control_threshold_set(actor=world.approver, buyer=world.buyer, amount=Decimal("100000"), currency="eur")
    policy = spend_control_threshold_set(
        actor=world.admin, buyer=world.buyer, amount=Decimal("150000.50"), currency="EUR"
    )
    assert SpendControlPolicy.objects.filter(buyer=world.buyer).count() == 1
    stored = SpendControlPolicy.objects.get(pk=policy.pk)
    assert (stored.threshold_amount, stored.currency) == (Decimal("150000.50"), "EUR")
    first, second = _entries("spend_control.threshold_set")
    assert (first.before, first.after) == (None, {"amount": "100000.00", "currency": "EUR"})
    assert (second.actor_id, second.before, second.after) == (
        world.admin.pk,
        {"amount": "100000.0000", "currency": "EUR"},
        {"amount": "150000.50", "currency": "EUR"},
    )
    assert recorded[-1] == events.SpendControlThresholdSet(
        buyer_id=world.buyer.pk, amount=Decimal("150000.50"), currency="EUR"
    )


@pytest.mark.parametrize("person", ["officer", "evaluator", "other_officer", "auditor", "bid_manager"])
def test_only_approvers_and_administrators_set_the_threshold(world: World, person: str) -> None:
    with pytest.raises(PermissionDenied):
        spend_control_threshold_set(
            actor=getattr(world, person), buyer=world.buyer, amount=Decimal("1"), currency="EUR"
        )
    assert not SpendControlPolicy.objects.exists()


@pytest.mark.parametrize(
    ("amount", "currency", "fields"),
    [(Decimal("-1"), "EUR", {"amount"}), (Decimal("1.001"), "EUR", {"amount"}), (Decimal("1"), "EU", {"currency"})],
)
def test_a_bad_threshold_is_named(world: World, amount: Decimal, currency: str, fields: set[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        spend_control_threshold_set(actor=world.approver, buyer=world.buyer, amount=amount, currency=currency)
    assert set(refused.value.fields) == fields
    assert not SpendControlPolicy.objects.exists()


# --- Business cases ------------------------------------------------------------------------------
def test_an_officer_submits_a_business_case(
    world: World, plans: Plans, frozen_clock: clock.Clock, recorded: list[DomainEvent]
) -> None:
    case = _submit(world, plans.draft_line, currency="eur")
    stored = BusinessCase.objects.get(pk=case.pk)
    assert (stored.decision, stored.submitted_by_id, stored.submitted_at) == ("pending", world.officer.pk, NOW)
    assert (stored.estimated_amount, stored.currency) == (Decimal("250000.00"), "EUR")
    assert stored.need == "The laboratories run out of gloves every winter."
    entry = _entries("business_case.submitted")[-1]
    assert entry.object_id == str(case.pk)
    assert entry.after["ocid"] == plans.draft_line.ocid
    assert recorded == [
        events.BusinessCaseSubmitted(
            business_case_id=case.pk, line_id=plans.draft_line.pk, buyer_id=world.buyer.pk, ocid=plans.draft_line.ocid
        )
    ]


def test_one_case_at_a_time_awaits_a_decision(world: World, plans: Plans) -> None:
    with pytest.raises(Conflict):
        _submit(world, plans.published_line)
    assert plans.published_line.business_cases.count() == 1


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"need": " "}, {"need"}),
        ({"options_considered": ""}, {"options_considered"}),
        ({"estimated_amount": Decimal("-5")}, {"estimated_amount"}),
        ({"currency": "GBP"}, {"currency"}),
        ({"currency": "pounds"}, {"currency"}),
        (
            {"need": "", "options_considered": "", "estimated_amount": None},
            {"need", "options_considered", "estimated_amount"},
        ),
    ],
)
def test_each_bad_detail_of_a_case_is_named(
    world: World, plans: Plans, overrides: dict[str, Any], fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _submit(world, plans.draft_line, **overrides)
    assert set(refused.value.fields) == fields
    assert not plans.draft_line.business_cases.exists()


@pytest.mark.parametrize("person", ["approver", "evaluator", "other_officer", "admin", "auditor"])
def test_only_the_buyers_officers_submit_cases(world: World, plans: Plans, person: str) -> None:
    with pytest.raises(PermissionDenied):
        _submit(world, plans.draft_line, actor=getattr(world, person))
    assert not plans.draft_line.business_cases.exists()


def test_an_approver_approves(
    world: World, plans: Plans, frozen_clock: clock.Clock, recorded: list[DomainEvent]
) -> None:
    case = business_case_decide(actor=world.approver, business_case=plans.pending_case, approve=True, reasons="")
    stored = BusinessCase.objects.get(pk=case.pk)
    assert (stored.decision, stored.decided_by_id, stored.decided_at, stored.decision_reasons) == (
        "approved",
        world.approver.pk,
        NOW,
        "",
    )
    [entry] = _entries("business_case.approved")
    assert (entry.actor_id, entry.before, entry.after) == (
        world.approver.pk,
        {"decision": "pending"},
        {"decision": "approved", "reasons": ""},
    )
    assert recorded == [
        events.BusinessCaseDecided(
            business_case_id=case.pk,
            line_id=plans.published_line.pk,
            buyer_id=world.buyer.pk,
            ocid=plans.published_line.ocid,
            approved=True,
        )
    ]


def test_rejecting_needs_reasons(world: World, plans: Plans) -> None:
    with pytest.raises(InvalidInput) as refused:
        business_case_decide(actor=world.approver, business_case=plans.pending_case, approve=False, reasons="  ")
    assert set(refused.value.fields) == {"reasons"}
    assert BusinessCase.objects.get(pk=plans.pending_case.pk).decision == "pending"
    assert not _entries("business_case.rejected")
    # and with reasons it is rejected
    business_case_decide(
        actor=world.approver, business_case=plans.pending_case, approve=False, reasons="Rent the building first."
    )
    stored = BusinessCase.objects.get(pk=plans.pending_case.pk)
    assert (stored.decision, stored.decision_reasons) == ("rejected", "Rent the building first.")
    assert len(_entries("business_case.rejected")) == 1


def test_a_decided_case_stays_decided(world: World, plans: Plans) -> None:
    second_approver = factories.member(world.buyer, Role.APPROVER)
    business_case_decide(actor=world.approver, business_case=plans.pending_case, approve=True, reasons="")
    with pytest.raises(Conflict):
        business_case_decide(actor=second_approver, business_case=plans.pending_case, approve=False, reasons="No.")
    stored = BusinessCase.objects.get(pk=plans.pending_case.pk)
    assert (stored.decision, stored.decided_by_id) == ("approved", world.approver.pk)
    assert not _entries("business_case.rejected")


def test_nobody_decides_on_their_own_case(world: World, plans: Plans) -> None:
    # given an officer who is also an approver, and their own case
    membership_grant(actor=None, user=world.officer, organisation=world.buyer, role=Role.APPROVER)
    case = _submit(world, plans.draft_line)
    # when they try to approve it, they are refused
    with pytest.raises(PermissionDenied) as refused:
        business_case_decide(actor=world.officer, business_case=case, approve=True, reasons="")
    assert "another approver" in refused.value.message
    assert BusinessCase.objects.get(pk=case.pk).decision == "pending"
    # and another approver may
    business_case_decide(actor=world.approver, business_case=case, approve=True, reasons="")
    assert BusinessCase.objects.get(pk=case.pk).decision == "approved"


@pytest.mark.parametrize("person", ["officer", "evaluator", "other_officer", "admin", "auditor"])
def test_only_the_buyers_approvers_decide(world: World, plans: Plans, person: str) -> None:
    with pytest.raises(PermissionDenied):
        business_case_decide(actor=getattr(world, person), business_case=plans.pending_case, approve=True, reasons="")
    assert BusinessCase.objects.get(pk=plans.pending_case.pk).decision == "pending"


def test_supporting_documents_are_attached_to_a_pending_case(
    world: World, plans: Plans, recorded: list[DomainEvent]
) -> None:
    # when the officer attaches a needs assessment
    document = business_case_document_add(
        actor=world.officer,
        business_case=plans.pending_case,
        title="Needs assessment",
        document_type="needsAssessment",
        file=named(PDF, "needs.pdf"),
    )
    # then it belongs to the case, and the buyer's people (not outsiders) may see it
    stored = Document.objects.get(pk=document.pk)
    assert (stored.owner_type, stored.owner_id, stored.organisation_id) == (
        "business_case",
        plans.pending_case.pk,
        world.buyer.pk,
    )
    entry = _entries("business_case.document_added")[-1]
    assert entry.after["document"] == str(document.pk)
    assert recorded[-1] == events.BusinessCaseDocumentAdded(
        business_case_id=plans.pending_case.pk, document_id=document.pk, buyer_id=world.buyer.pk
    )
    assert documents_access.can_view_document(world.approver, stored)
    assert documents_access.can_view_document(world.auditor, stored)
    assert not documents_access.can_view_document(world.other_officer, stored)
    assert not documents_access.can_view_document(world.bid_manager, stored)


def test_documents_are_refused_after_the_decision_and_of_the_wrong_type(world: World, plans: Plans) -> None:
    with pytest.raises(InvalidInput) as refused:
        business_case_document_add(
            actor=world.officer,
            business_case=plans.pending_case,
            title="Notice",
            document_type="tenderNotice",
            file=named(PDF, "notice.pdf"),
        )
    assert set(refused.value.fields) == {"document_type"}
    business_case_decide(actor=world.approver, business_case=plans.pending_case, approve=True, reasons="")
    with pytest.raises(RuleViolation):
        business_case_document_add(
            actor=world.officer,
            business_case=plans.pending_case,
            title="Late study",
            document_type="marketStudies",
            file=named(PDF, "late.pdf"),
        )
    assert not Document.objects.filter(owner_type="business_case").exists()


def test_only_officers_attach_documents(world: World, plans: Plans) -> None:
    with pytest.raises(PermissionDenied):
        business_case_document_add(
            actor=world.approver,
            business_case=plans.pending_case,
            title="Study",
            document_type="marketStudies",
            file=named(PDF, "study.pdf"),
        )
    assert not Document.objects.exists()


def test_details_are_a_plain_value(world: World) -> None:
    # PlanLineDetails are frozen: a service cannot change what the caller passed
    details = line_details()
    with pytest.raises(AttributeError):
        details.title = "changed"  # type: ignore[misc]
    assert isinstance(details, PlanLineDetails)
