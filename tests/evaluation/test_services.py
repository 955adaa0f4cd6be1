"""Evaluation services: every rule and every refusal, and that a refusal writes nothing.

The panel and its declarations, who reads the bids, marks and the ranking, qualification with
abnormally low prices, and clarification requests with their deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from procura.accounts.models import Membership
from procura.accounts.services import membership_revoke
from procura.audit.models import AuditEntry
from procura.bids import services as bids_services
from procura.bids.events import BidsOpened
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from procura.evaluation import access, selectors, services
from procura.evaluation.events import BidQualificationDecided
from procura.evaluation.handlers import on_bids_opened
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    Award,
    AwardStatus,
    ClarificationRequest,
    Declaration,
    Evaluation,
    PanelMember,
    Score,
)
from procura.tenders.services import tender_cancel
from tests import factories
from tests.bids.support import after_opening, submitted_bid
from tests.conftest import World
from tests.evaluation.support import Scene, another_bidder, full_panel, opened, tender_with

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def stored() -> tuple[int, ...]:
    """Everything an evaluation service writes: a refusal changes none of it."""
    return (
        Evaluation.objects.count(),
        PanelMember.objects.count(),
        PanelMember.objects.filter(removed_at__isnull=False).count(),
        Declaration.objects.count(),
        Score.objects.count(),
        ClarificationRequest.objects.filter(responded_at__isnull=False).count(),
        ClarificationRequest.objects.count(),
        Assessment.objects.exclude(status=AssessmentStatus.PENDING).count(),
        Assessment.objects.filter(eligibility_met__isnull=False).count(),
        Assessment.objects.exclude(low_price_justification="").count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def decided() -> Iterator[list[BidQualificationDecided]]:
    seen: list[BidQualificationDecided] = []
    events.subscribe(BidQualificationDecided, seen.append)
    yield seen
    events.unsubscribe(BidQualificationDecided, seen.append)


@pytest.fixture
def scene(world: World, frozen_clock: clock.Clock) -> Scene:
    """A price-and-quality tender with two opened bids and the full panel."""
    return full_panel(opened(world, frozen_clock, method="rated"))


def refused(error: type[Exception], call: Any, **kwargs: Any) -> Exception:
    """Call a service expecting a refusal; check that nothing was written."""
    before = stored()
    with pytest.raises(error) as caught:
        call(**kwargs)
    assert stored() == before
    return caught.value


def fields_of(error: Exception) -> set[str]:
    assert isinstance(error, InvalidInput)
    return set(error.fields)


def _mark(scene: Scene, who: str, bid: Any, mark: str, *, why: str = "Clear plan.") -> Score:
    person = scene.people.get(who) or getattr(scene.world, who)
    return services.score_record(actor=person, bid=bid, criterion=scene.quality, mark=mark, justification=why)


# --- The evaluation -------------------------------------------------------------------------------
def test_the_opening_starts_the_evaluation_with_one_assessment_per_opened_bid(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a tender with two bids and one withdrawn before the deadline
    tender = tender_with(world)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="1000.00")
    rival, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, price="1200.00")
    supplier, manager = another_bidder("Withdrawn Firm Ltd")
    withdrawn, _ = submitted_bid(tender, manager, supplier, price="900.00")
    bids_services.bid_withdraw(actor=manager, bid=withdrawn)
    frozen_clock.set(after_opening(tender))
    # when
    bids_services.bids_open(tender=tender)
    # then
    evaluation = Evaluation.objects.get(tender=tender)
    assert set(Assessment.objects.values_list("bid_id", flat=True)) == {bid.pk, rival.pk}
    assert set(Assessment.objects.values_list("status", flat=True)) == {AssessmentStatus.PENDING}
    assert evaluation.abnormally_low_share == Decimal("0.700")
    assert AuditEntry.objects.filter(action="evaluation.started", object_id=str(tender.pk)).count() == 1


def test_the_handler_is_what_starts_it_at_the_opening(world: World, frozen_clock: clock.Clock) -> None:
    # given the handler not subscribed
    events.unsubscribe(BidsOpened, on_bids_opened)
    try:
        tender = tender_with(world)
        submitted_bid(tender, world.bid_manager, world.supplier)
        frozen_clock.set(after_opening(tender))
        bids_services.bids_open(tender=tender)
        assert not Evaluation.objects.exists()
        # when first used
        evaluation = services.evaluation_for(tender)
    finally:
        events.subscribe(BidsOpened, on_bids_opened)
    # then it is made then, whole
    assert evaluation.assessments.count() == 1
    assert services.evaluation_for(tender) == evaluation
    assert Evaluation.objects.count() == 1


def test_there_is_no_evaluation_before_the_opening(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_with(world)
    submitted_bid(tender, world.bid_manager, world.supplier)
    refused(NotFound, services.evaluation_for, tender=tender)
    refused(
        NotFound, services.panel_member_add, actor=world.officer, tender=tender, user=world.evaluator, role="evaluator"
    )


def test_the_share_for_abnormally_low_prices_is_the_setting(
    world: World, frozen_clock: clock.Clock, settings: Any
) -> None:
    settings.ABNORMALLY_LOW_SHARE = 0.5
    scene = opened(world, frozen_clock)
    assert Evaluation.objects.get(tender=scene.tender).abnormally_low_share == Decimal("0.500")


# --- The panel ------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["evaluator", "approver", "other_officer", "bid_manager", "admin", "auditor"])
def test_only_the_buyers_procurement_officers_set_up_the_panel(
    world: World, frozen_clock: clock.Clock, who: str
) -> None:
    scene = opened(world, frozen_clock)
    error = refused(
        PermissionDenied,
        services.panel_member_add,
        actor=getattr(world, who),
        tender=scene.tender,
        user=world.evaluator,
        role="evaluator",
    )
    assert "procurement officer" in str(error)


def test_an_officer_seats_evaluators_of_the_buyer(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scene = opened(world, frozen_clock)
    # when
    member = services.panel_member_add(actor=world.officer, tender=scene.tender, user=world.approver, role="evaluator")
    # then
    assert member.role == "evaluator"
    assert member.added_by == world.officer
    assert access.seat_of(world.approver, scene.tender) == member
    assert AuditEntry.objects.filter(action="panel_member.added", object_id=str(member.pk)).exists()


def test_an_evaluator_must_belong_to_the_buyer(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock)
    error = refused(
        InvalidInput,
        services.panel_member_add,
        actor=world.officer,
        tender=scene.tender,
        user=world.other_officer,
        role="evaluator",
    )
    assert fields_of(error) == {"user"}


def test_an_observer_is_independent_of_the_buyer_and_the_bidders(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock)
    for person in (world.bid_manager, world.viewer, world.other_bid_manager, world.evaluator):
        error = refused(
            InvalidInput,
            services.panel_member_add,
            actor=world.officer,
            tender=scene.tender,
            user=person,
            role="observer",
        )
        assert isinstance(error, InvalidInput)
        assert set(error.fields) == {"user"}
    # a member of a bidder cannot be an evaluator either
    assert not PanelMember.objects.exists()


def test_several_independent_observers_may_sit_but_each_person_once(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scene = opened(world, frozen_clock)
    first, second = factories.user(full_name="Ann Watch"), factories.user(full_name="Bo Watch")
    # when
    services.panel_member_add(
        actor=world.officer, tender=scene.tender, user=first, role="observer", affiliation="Transparency Watch"
    )
    services.panel_member_add(actor=world.officer, tender=scene.tender, user=second, role="observer")
    # then
    assert PanelMember.objects.filter(role="observer").count() == 2
    assert PanelMember.objects.get(user=first).affiliation == "Transparency Watch"
    refused(Conflict, services.panel_member_add, actor=world.officer, tender=scene.tender, user=first, role="observer")


def test_an_inactive_account_and_an_unknown_seat_are_refused(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock)
    gone = factories.user()
    gone.is_active = False
    gone.save()
    error = refused(
        InvalidInput, services.panel_member_add, actor=world.officer, tender=scene.tender, user=gone, role="observer"
    )
    assert fields_of(error) == {"user"}
    error = refused(
        InvalidInput,
        services.panel_member_add,
        actor=world.officer,
        tender=scene.tender,
        user=world.evaluator,
        role="chair",
    )
    assert fields_of(error) == {"role"}


def test_a_member_taken_off_the_panel_reads_nothing_and_their_marks_stop_counting(scene: Scene) -> None:
    # given the evaluator's mark for the supplier's bid, and the officer's
    world = scene.world
    _mark(scene, "evaluator", scene.bid, "2")
    _mark(scene, "officer", scene.bid, "8")
    member = PanelMember.objects.get(user=world.evaluator, removed_at__isnull=True)
    # when
    services.panel_member_remove(actor=world.officer, member=member)
    # then
    assert not access.can_read_bids(world.evaluator, scene.tender)
    effective = selectors.effective_marks(Evaluation.objects.get(), scene.lot)
    assert effective[(scene.bid.pk, scene.quality.pk)] == Decimal("8")
    assert Score.objects.filter(member=member).count() == 1  # kept on record
    refused(Conflict, services.panel_member_remove, actor=world.officer, member=member)
    # and seated again, they declare again
    again = services.panel_member_add(actor=world.officer, tender=scene.tender, user=world.evaluator, role="evaluator")
    assert not access.has_declared(access.seat_of(world.evaluator, scene.tender))
    assert again.pk != member.pk


def test_removing_is_for_the_officers_too(scene: Scene) -> None:
    member = PanelMember.objects.get(user=scene.people["observer"])
    refused(PermissionDenied, services.panel_member_remove, actor=scene.people["observer"], member=member)
    refused(PermissionDenied, services.panel_member_remove, actor=scene.world.evaluator, member=member)


# --- The declaration ------------------------------------------------------------------------------
def test_the_declaration_names_every_bidder_with_an_opened_bid(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scene = opened(world, frozen_clock, prices=("1000.00", "1200.00", "1100.00"))
    services.panel_member_add(actor=world.officer, tender=scene.tender, user=world.evaluator, role="evaluator")
    # when
    declaration = services.declaration_sign(
        actor=world.evaluator, tender=scene.tender, has_conflict=False, statement="", signed_name="  test PERSON "
    )
    # then
    assert [b["name"] for b in declaration.bidders] == ["Rival Firm Ltd", "Small Firm Ltd", "Third Firm 1 Ltd"]
    assert {b["id"] for b in declaration.bidders} == {
        str(world.supplier.pk),
        str(world.other_supplier.pk),
        str(scene.others[0].supplier_id),
    }
    assert declaration.signed_at == clock.now()
    assert access.can_read_bids(world.evaluator, scene.tender)


def test_the_declaration_is_signed_with_ones_own_name_once(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock)
    services.panel_member_add(actor=world.officer, tender=scene.tender, user=world.evaluator, role="evaluator")
    sign = {"actor": world.evaluator, "tender": scene.tender, "has_conflict": False, "statement": ""}
    error = refused(InvalidInput, services.declaration_sign, **sign, signed_name="Someone Else")
    assert fields_of(error) == {"signed_name"}
    error = refused(InvalidInput, services.declaration_sign, **sign, signed_name="   ")
    assert fields_of(error) == {"signed_name"}
    services.declaration_sign(**sign, signed_name="Test Person")
    refused(Conflict, services.declaration_sign, **sign, signed_name="Test Person")


def test_a_conflict_is_described_and_recuses_the_member(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock, method="rated")
    services.panel_member_add(actor=world.officer, tender=scene.tender, user=world.evaluator, role="evaluator")
    error = refused(
        InvalidInput,
        services.declaration_sign,
        actor=world.evaluator,
        tender=scene.tender,
        has_conflict=True,
        statement="",
        signed_name="Test Person",
    )
    assert fields_of(error) == {"statement"}
    services.declaration_sign(
        actor=world.evaluator,
        tender=scene.tender,
        has_conflict=True,
        statement="I advised Rival Firm Ltd last year.",
        signed_name="Test Person",
    )
    assert access.is_recused(access.seat_of(world.evaluator, scene.tender))
    assert not access.can_read_bids(world.evaluator, scene.tender)
    assert not access.can_view_evaluation(world.evaluator, scene.tender)
    refused(
        PermissionDenied,
        services.score_record,
        actor=world.evaluator,
        bid=scene.bid,
        criterion=scene.quality,
        mark="5",
        justification="x",
    )


@pytest.mark.parametrize("who", ["approver", "admin", "bid_manager"])
def test_only_a_member_of_the_panel_declares(world: World, frozen_clock: clock.Clock, who: str) -> None:
    scene = opened(world, frozen_clock)
    refused(
        PermissionDenied,
        services.declaration_sign,
        actor=getattr(world, who),
        tender=scene.tender,
        has_conflict=False,
        statement="",
        signed_name="Test Person",
    )


# --- Who reads the bids ---------------------------------------------------------------------------
def test_who_reads_the_bids(scene: Scene) -> None:
    world, tender = scene.world, scene.tender
    readers = {"officer", "evaluator", "observer", "admin", "auditor"}
    for who in [
        "officer",
        "evaluator",
        "approver",
        "other_officer",
        "bid_manager",
        "other_bid_manager",
        "admin",
        "auditor",
        "reviewer",
        "observer",
        "undeclared",
        "recused",
    ]:
        person = scene.people.get(who) or getattr(world, who)
        assert access.can_read_bids(person, tender) is (who in readers), who
    assert not access.can_read_bids(None, tender)


def test_an_officer_without_a_seat_reads_no_bid(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock)
    assert access.can_manage_panel(world.officer, scene.tender)
    assert not access.can_read_bids(world.officer, scene.tender)
    assert not access.can_manage_evaluation(world.officer, scene.tender)


def test_an_evaluator_who_leaves_the_buyer_reads_no_more(scene: Scene) -> None:
    world = scene.world
    membership = Membership.objects.get(user=world.evaluator, organisation=world.buyer)
    membership_revoke(actor=world.officer, membership=membership)
    assert not access.can_read_bids(world.evaluator, scene.tender)
    assert not access.can_score(world.evaluator, scene.tender)


def test_the_observer_passes_no_write_check(scene: Scene) -> None:
    observer = scene.people["observer"]
    assert access.can_read_bids(observer, scene.tender)
    assert not access.can_score(observer, scene.tender)
    assert not access.can_manage_evaluation(observer, scene.tender)
    assert not access.can_manage_panel(observer, scene.tender)


# --- Marks ----------------------------------------------------------------------------------------
def test_an_evaluator_records_and_replaces_their_own_mark(scene: Scene) -> None:
    # when
    first = _mark(scene, "evaluator", scene.bid, "6.5", why="Adequate plan.")
    second = _mark(scene, "evaluator", scene.bid, "7", why="Better on reading again.")
    # then
    assert first.pk == second.pk
    score = Score.objects.get(bid=scene.bid, member__user=scene.world.evaluator)
    assert (score.mark, score.justification) == (Decimal("7.0"), "Better on reading again.")
    assert AuditEntry.objects.filter(action="score.recorded").count() == 2


@pytest.mark.parametrize(
    ("mark", "why", "fields"),
    [
        ("11", "Fine.", {"mark"}),
        ("-1", "Fine.", {"mark"}),
        ("7.25", "Fine.", {"mark"}),
        ("seven", "Fine.", {"mark"}),
        ("", "Fine.", {"mark"}),
        ("7", "   ", {"justification"}),
        ("12", "", {"mark", "justification"}),
    ],
)
def test_a_mark_is_0_to_10_and_justified(scene: Scene, mark: str, why: str, fields: set[str]) -> None:
    error = refused(
        InvalidInput,
        services.score_record,
        actor=scene.world.evaluator,
        bid=scene.bid,
        criterion=scene.quality,
        mark=mark,
        justification=why,
    )
    assert fields_of(error) == fields


def test_only_quality_criteria_of_the_tender_are_scored(scene: Scene, frozen_clock: clock.Clock) -> None:
    price = scene.tender.criteria.get(kind="price")
    error = refused(
        InvalidInput,
        services.score_record,
        actor=scene.world.evaluator,
        bid=scene.bid,
        criterion=price,
        mark="5",
        justification="x",
    )
    assert fields_of(error) == {"criterion"}


def test_a_lowest_price_tender_has_nothing_to_score(world: World, frozen_clock: clock.Clock) -> None:
    scene = full_panel(opened(world, frozen_clock))
    other = full_panel(opened(world, frozen_clock, method="rated"))
    refused(
        RuleViolation,
        services.score_record,
        actor=world.evaluator,
        bid=scene.bid,
        criterion=other.quality,
        mark="5",
        justification="x",
    )


@pytest.mark.parametrize("who", ["observer", "undeclared", "recused", "approver", "admin", "auditor", "bid_manager"])
def test_only_cleared_evaluators_score(scene: Scene, who: str) -> None:
    person = scene.people.get(who) or getattr(scene.world, who)
    refused(
        PermissionDenied,
        services.score_record,
        actor=person,
        bid=scene.bid,
        criterion=scene.quality,
        mark="5",
        justification="x",
    )


def test_a_disqualified_bid_is_not_scored(scene: Scene) -> None:
    services.bid_disqualify(actor=scene.world.officer, bid=scene.rival, reason="No insurance certificate.")
    refused(
        RuleViolation,
        services.score_record,
        actor=scene.world.evaluator,
        bid=scene.rival,
        criterion=scene.quality,
        mark="5",
        justification="x",
    )


def test_the_ranking_from_the_average_of_the_marks(scene: Scene) -> None:
    # given price 1000 vs 1200 (weights: price 60, delivery plan 40)
    _mark(scene, "officer", scene.bid, "6")
    _mark(scene, "evaluator", scene.bid, "7")  # average 6.5 → 26 quality points
    _mark(scene, "officer", scene.rival, "10")
    _mark(scene, "evaluator", scene.rival, "9")  # average 9.5 → 38 quality points
    # when
    lines = selectors.ranking(scene.tender, scene.lot)
    # then: price points 60 and 60 × 1000 / 1200 = 50; 50 + 38 = 88 beats 60 + 26 = 86
    assert [(line.bid.pk, line.rank) for line in lines] == [(scene.rival.pk, 1), (scene.bid.pk, 2)]
    assert [(line.price_points, line.quality_points, line.total) for line in lines] == [
        (Decimal("50"), Decimal("38"), Decimal("88")),
        (Decimal("60"), Decimal("26"), Decimal("86")),
    ]
    assert [line.marks[str(scene.quality.pk)] for line in lines] == [Decimal("9.5"), Decimal("6.5")]


def test_the_ranking_from_consensus_marks(scene: Scene) -> None:
    # given the evaluators' own marks, then the panel's agreed marks
    world = scene.world
    _mark(scene, "officer", scene.bid, "2")
    _mark(scene, "evaluator", scene.bid, "2")
    services.score_mode_set(actor=world.officer, tender=scene.tender, mode="consensus")
    lines = selectors.ranking(scene.tender, scene.lot)
    assert [line.rank for line in lines] == [None, None]  # no consensus mark yet
    assert {line.missing for line in lines} == {("Delivery plan",)}
    # when
    for bid, mark in ((scene.bid, "9"), (scene.rival, "4")):
        services.consensus_record(
            actor=world.officer, bid=bid, criterion=scene.quality, mark=mark, justification="Agreed at the meeting."
        )
    # then: 60 + 36 = 96 against 50 + 16 = 66; the evaluators' 2s do not count
    lines = selectors.ranking(scene.tender, scene.lot)
    assert [(line.bid.pk, line.rank, line.total) for line in lines] == [
        (scene.bid.pk, 1, Decimal("96")),
        (scene.rival.pk, 2, Decimal("66")),
    ]
    assert AuditEntry.objects.filter(action="score.consensus_recorded").count() == 2


def test_the_ranking_waits_for_every_mark_and_says_which_are_missing(scene: Scene) -> None:
    _mark(scene, "officer", scene.bid, "6")
    lines = selectors.ranking(scene.tender, scene.lot)
    assert [line.rank for line in lines] == [None, None]
    assert {line.bid.pk: line.missing for line in lines} == {scene.bid.pk: (), scene.rival.pk: ("Delivery plan",)}
    assert all(line.total is None for line in lines)


def test_a_lowest_price_tender_ranks_by_price(world: World, frozen_clock: clock.Clock) -> None:
    scene = full_panel(opened(world, frozen_clock, prices=("1200.00", "1000.00", "1100.00")))
    services.bid_disqualify(actor=world.officer, bid=scene.others[0], reason="Missing licence.")
    lines = selectors.ranking(scene.tender, scene.lot)
    assert [(line.bid.pk, line.rank, line.price) for line in lines] == [
        (scene.rival.pk, 1, Decimal("1000")),
        (scene.bid.pk, 2, Decimal("1200")),
    ]
    assert all(line.total is None and line.missing == () for line in lines)


def test_consensus_marks_need_consensus_mode_and_an_officer(scene: Scene) -> None:
    world = scene.world
    record = {"bid": scene.bid, "criterion": scene.quality, "mark": "5", "justification": "Agreed."}
    refused(RuleViolation, services.consensus_record, actor=world.officer, **record)
    services.score_mode_set(actor=world.officer, tender=scene.tender, mode="consensus")
    refused(PermissionDenied, services.consensus_record, actor=world.evaluator, **record)
    refused(PermissionDenied, services.consensus_record, actor=scene.people["observer"], **record)
    services.consensus_record(actor=world.officer, **record)
    assert Score.objects.get(member__isnull=True).mark == Decimal("5")


def test_how_marks_count_is_chosen_by_an_officer_on_the_panel(scene: Scene) -> None:
    world = scene.world
    refused(PermissionDenied, services.score_mode_set, actor=world.evaluator, tender=scene.tender, mode="consensus")
    refused(
        PermissionDenied, services.score_mode_set, actor=scene.people["observer"], tender=scene.tender, mode="consensus"
    )
    error = refused(InvalidInput, services.score_mode_set, actor=world.officer, tender=scene.tender, mode="vote")
    assert fields_of(error) == {"mode"}
    services.score_mode_set(actor=world.officer, tender=scene.tender, mode="consensus")
    assert Evaluation.objects.get().score_mode == "consensus"


def test_an_officer_acts_on_the_evaluation_only_from_a_cleared_seat(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock)
    error = refused(PermissionDenied, services.bid_disqualify, actor=world.officer, bid=scene.bid, reason="x")
    assert "seat" in str(error)
    services.panel_member_add(actor=world.officer, tender=scene.tender, user=world.officer, role="evaluator")
    error = refused(PermissionDenied, services.bid_disqualify, actor=world.officer, bid=scene.bid, reason="x")
    assert "declaration" in str(error)


# --- Qualification --------------------------------------------------------------------------------
def test_a_bid_is_qualified_once_both_checks_pass(scene: Scene, decided: list[BidQualificationDecided]) -> None:
    world = scene.world
    # refused before the checks
    refused(RuleViolation, services.bid_qualify, actor=world.officer, bid=scene.bid)
    services.assessment_record_checks(
        actor=world.officer, bid=scene.bid, eligibility_met=True, exclusion_clear=False, notes="Tax arrears."
    )
    refused(RuleViolation, services.bid_qualify, actor=world.officer, bid=scene.bid)
    # when
    services.assessment_record_checks(actor=world.officer, bid=scene.bid, eligibility_met=True, exclusion_clear=True)
    assessment = services.bid_qualify(actor=world.officer, bid=scene.bid)
    # then
    assert assessment.status == AssessmentStatus.QUALIFIED
    assert (assessment.decided_by, assessment.decided_at) == (world.officer, clock.now())
    assert [(e.bid_id, e.ocid) for e in decided] == [(scene.bid.pk, scene.tender.ocid)]
    refused(Conflict, services.bid_qualify, actor=world.officer, bid=scene.bid)
    refused(
        Conflict,
        services.assessment_record_checks,
        actor=world.officer,
        bid=scene.bid,
        eligibility_met=False,
        exclusion_clear=True,
    )


def test_a_bid_is_disqualified_with_a_reason(scene: Scene, decided: list[BidQualificationDecided]) -> None:
    world = scene.world
    error = refused(InvalidInput, services.bid_disqualify, actor=world.officer, bid=scene.bid, reason="  ")
    assert fields_of(error) == {"reason"}
    for bad in ("No tax\x00 certificate.", "x" * 20_001):  # PostgreSQL stores no NUL; the column has a limit
        error = refused(InvalidInput, services.bid_disqualify, actor=world.officer, bid=scene.bid, reason=bad)
        assert fields_of(error) == {"reason"}
    assessment = services.bid_disqualify(actor=world.officer, bid=scene.bid, reason="No valid tax certificate.")
    assert (assessment.status, assessment.disqualification_reason) == ("disqualified", "No valid tax certificate.")
    assert [e.bid_id for e in decided] == [scene.bid.pk]
    refused(Conflict, services.bid_disqualify, actor=world.officer, bid=scene.bid, reason="Again.")
    refused(Conflict, services.bid_qualify, actor=world.officer, bid=scene.bid)
    assert AuditEntry.objects.filter(action="bid.disqualified", object_id=str(scene.bid.pk)).count() == 1


def test_a_qualified_bid_can_still_be_disqualified(scene: Scene) -> None:
    world = scene.world
    services.assessment_record_checks(actor=world.officer, bid=scene.bid, eligibility_met=True, exclusion_clear=True)
    services.bid_qualify(actor=world.officer, bid=scene.bid)
    assessment = services.bid_disqualify(actor=world.officer, bid=scene.bid, reason="Price not explained.")
    assert assessment.status == AssessmentStatus.DISQUALIFIED


@pytest.mark.parametrize("who", ["evaluator", "observer", "undeclared", "recused", "approver", "admin", "bid_manager"])
def test_only_an_officer_on_the_panel_qualifies(scene: Scene, who: str) -> None:
    person = scene.people.get(who) or getattr(scene.world, who)
    refused(
        PermissionDenied,
        services.assessment_record_checks,
        actor=person,
        bid=scene.bid,
        eligibility_met=True,
        exclusion_clear=True,
    )
    refused(PermissionDenied, services.bid_qualify, actor=person, bid=scene.bid)
    refused(PermissionDenied, services.bid_disqualify, actor=person, bid=scene.bid, reason="x")


def test_a_withdrawn_bid_is_not_under_evaluation(world: World, frozen_clock: clock.Clock) -> None:
    # given a bid withdrawn before the deadline
    tender = tender_with(world)
    submitted_bid(tender, world.bid_manager, world.supplier)
    withdrawn, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier)
    bids_services.bid_withdraw(actor=world.other_bid_manager, bid=withdrawn)
    frozen_clock.set(after_opening(tender))
    bids_services.bids_open(tender=tender)
    services.panel_member_add(actor=world.officer, tender=tender, user=world.officer, role="evaluator")
    services.declaration_sign(
        actor=world.officer, tender=tender, has_conflict=False, statement="", signed_name="Test Person"
    )
    # then
    refused(NotFound, services.bid_disqualify, actor=world.officer, bid=withdrawn, reason="x")


def test_an_abnormally_low_price_needs_a_recorded_justification(
    world: World, frozen_clock: clock.Clock, decided: list[BidQualificationDecided]
) -> None:
    # given three prices, the median 1000: 600 is below 70 % of it
    scene = full_panel(
        opened(world, frozen_clock, prices=("600.00", "1000.00", "1100.00"), value_amount=Decimal("500"))
    )
    flagged = {a.bid_id for a in Assessment.objects.filter(abnormally_low=True)}
    assert flagged == {scene.bid.pk}
    services.assessment_record_checks(actor=world.officer, bid=scene.bid, eligibility_met=True, exclusion_clear=True)
    # when qualified without justification: refused
    error = refused(RuleViolation, services.bid_qualify, actor=world.officer, bid=scene.bid)
    assert "abnormally low" in str(error)
    error = refused(InvalidInput, services.low_price_accept, actor=world.officer, bid=scene.bid, justification=" ")
    assert fields_of(error) == {"justification"}
    refused(
        RuleViolation, services.low_price_accept, actor=world.officer, bid=scene.rival, justification="Not flagged."
    )
    refused(
        PermissionDenied,
        services.low_price_accept,
        actor=scene.people["observer"],
        bid=scene.bid,
        justification="Fine.",
    )
    # then with it
    services.low_price_accept(
        actor=world.officer, bid=scene.bid, justification="Own factory: the bidder's cost breakdown holds."
    )
    refused(Conflict, services.low_price_accept, actor=world.officer, bid=scene.bid, justification="Again.")
    assessment = services.bid_qualify(actor=world.officer, bid=scene.bid)
    assert assessment.status == AssessmentStatus.QUALIFIED
    assert assessment.low_price_accepted_by == world.officer
    assert [e.bid_id for e in decided] == [scene.bid.pk]


def test_with_two_prices_the_estimate_decides_what_is_abnormally_low(world: World, frozen_clock: clock.Clock) -> None:
    # 70 % of the estimate of 1100 is 770
    opened(world, frozen_clock, prices=("760.00", "1000.00"))
    assert list(Assessment.objects.filter(abnormally_low=True).values_list("bid__supplier", flat=True)) == [
        world.supplier.pk
    ]


def test_a_decided_lot_no_longer_changes(scene: Scene) -> None:
    world = scene.world
    Award.objects.create(
        tender=scene.tender,
        lot=scene.lot,
        local_id="award-1",
        status=AwardStatus.UNSUCCESSFUL,
        reasons="No acceptable bid.",
        decided_by=world.officer,
        decided_at=clock.now(),
    )
    refused(RuleViolation, services.bid_disqualify, actor=world.officer, bid=scene.bid, reason="Late.")
    refused(
        RuleViolation,
        services.score_record,
        actor=world.evaluator,
        bid=scene.bid,
        criterion=scene.quality,
        mark="5",
        justification="x",
    )
    refused(RuleViolation, services.score_mode_set, actor=world.officer, tender=scene.tender, mode="consensus")


def test_a_cancelled_tender_is_not_evaluated(scene: Scene) -> None:
    tender_cancel(actor=scene.world.officer, tender=scene.tender, reason="Budget withdrawn.")
    refused(RuleViolation, services.bid_disqualify, actor=scene.world.officer, bid=scene.bid, reason="Late.")


# --- Clarification requests -----------------------------------------------------------------------
def _ask(scene: Scene, *, within: dt.timedelta = 48 * HOUR) -> ClarificationRequest:
    return services.clarification_request_send(
        actor=scene.world.officer,
        bid=scene.bid,
        question="Explain how your price covers delivery to the islands.",
        respond_by=clock.now() + within,
    )


def test_a_clarification_request_reaches_the_bidders_bid_managers(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = _ask(scene)
    assert request.asked_by == scene.world.officer
    assert [m.to for m in mail.outbox] == [[scene.world.bid_manager.email]]
    assert f"/bids/{scene.bid.pk}/evaluation/" in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="clarification_request.sent", object_id=str(request.pk)).exists()


def test_a_clarification_request_has_a_question_and_a_future_deadline(scene: Scene) -> None:
    world = scene.world
    ask = {"actor": world.officer, "bid": scene.bid}
    error = refused(
        InvalidInput, services.clarification_request_send, **ask, question=" ", respond_by=clock.now() - HOUR
    )
    assert fields_of(error) == {"question", "respond_by"}
    error = refused(InvalidInput, services.clarification_request_send, **ask, question="Why?", respond_by=clock.now())
    assert fields_of(error) == {"respond_by"}
    refused(
        PermissionDenied,
        services.clarification_request_send,
        actor=scene.people["observer"],
        bid=scene.bid,
        question="Why?",
        respond_by=clock.now() + HOUR,
    )


def test_the_bidder_answers_by_the_deadline(
    scene: Scene, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    request = _ask(scene, within=2 * HOUR)
    mail.outbox.clear()
    frozen_clock.advance(2 * HOUR)  # exactly at the deadline: still on time
    # when
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.clarification_request_answer(
            actor=scene.world.bid_manager, request=request, response="Our own lorries serve the islands weekly."
        )
    # then
    assert (answered.responded_by, answered.responded_at) == (scene.world.bid_manager, clock.now())
    assert [m.to for m in mail.outbox] == [[scene.world.officer.email]]
    refused(
        Conflict,
        services.clarification_request_answer,
        actor=scene.world.bid_manager,
        request=request,
        response="Changed my mind.",
    )


def test_an_answer_after_the_deadline_is_refused(scene: Scene, frozen_clock: clock.Clock) -> None:
    request = _ask(scene, within=2 * HOUR)
    frozen_clock.advance(2 * HOUR + dt.timedelta(microseconds=1))
    error = refused(
        RuleViolation,
        services.clarification_request_answer,
        actor=scene.world.bid_manager,
        request=request,
        response="Too late?",
    )
    assert "deadline has passed" in str(error)


@pytest.mark.parametrize("who", ["viewer", "other_bid_manager", "officer", "admin"])
def test_only_the_bidders_bid_managers_answer(scene: Scene, who: str) -> None:
    request = _ask(scene)
    refused(
        PermissionDenied,
        services.clarification_request_answer,
        actor=getattr(scene.world, who),
        request=request,
        response="An answer.",
    )
    error = refused(
        InvalidInput,
        services.clarification_request_answer,
        actor=scene.world.bid_manager,
        request=request,
        response="  ",
    )
    assert fields_of(error) == {"response"}


# --- Two envelopes --------------------------------------------------------------------------------
def _two_envelopes(world: World, frozen_clock: clock.Clock, **kwargs: Any) -> Scene:
    return full_panel(opened(world, frozen_clock, method="rated", two_envelopes=True, **kwargs))


def test_the_prices_of_two_envelopes_stay_sealed_at_the_opening(world: World, frozen_clock: clock.Clock) -> None:
    scene = _two_envelopes(world, frozen_clock)
    assert [scene.bid.opened.amount, scene.rival.opened.amount] == [None, None]
    assert selectors.ranking(scene.tender, scene.lot) == []
    assert {a.bid_id for a in selectors.unpriced_bids(scene.tender, scene.lot)} == {scene.bid.pk, scene.rival.pk}


def test_only_the_qualified_bids_financial_offers_are_opened(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scene = _two_envelopes(world, frozen_clock, prices=("1000.00", "1200.00", "1100.00"))
    third = scene.others[0]
    for bid in (scene.bid, scene.rival):
        services.assessment_record_checks(actor=world.officer, bid=bid, eligibility_met=True, exclusion_clear=True)
        services.bid_qualify(actor=world.officer, bid=bid)
    # refused while a bid is still under evaluation
    refused(RuleViolation, services.financial_offers_open, actor=world.officer, tender=scene.tender)
    services.bid_disqualify(actor=world.officer, bid=third, reason="Technical offer incomplete.")
    refused(PermissionDenied, services.financial_offers_open, actor=scene.people["observer"], tender=scene.tender)
    refused(PermissionDenied, services.financial_offers_open, actor=world.evaluator, tender=scene.tender)
    # when
    evaluation = services.financial_offers_open(actor=world.officer, tender=scene.tender)
    # then
    scene.refresh()
    assert evaluation.financial_opened_at == clock.now()
    assert (scene.bid.opened.amount, scene.rival.opened.amount) == (Decimal("1000"), Decimal("1200"))
    assert third.opened.amount is None
    assert [line.bid.pk for line in selectors.ranking(scene.tender, scene.lot)] == [scene.bid.pk, scene.rival.pk]
    assert AuditEntry.objects.filter(action="evaluation.financial_offers_opened").count() == 1
    refused(Conflict, services.financial_offers_open, actor=world.officer, tender=scene.tender)


def test_one_envelope_has_no_financial_opening(scene: Scene) -> None:
    refused(RuleViolation, services.financial_offers_open, actor=scene.world.officer, tender=scene.tender)


def test_quality_is_scored_before_the_financial_opening(world: World, frozen_clock: clock.Clock) -> None:
    scene = _two_envelopes(world, frozen_clock)
    _mark(scene, "evaluator", scene.bid, "8")
    assert Score.objects.count() == 1


def test_abnormally_low_prices_are_flagged_when_the_financial_offers_open(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given 700 against an estimate of 1100 (70 %: 770)
    scene = _two_envelopes(world, frozen_clock, prices=("700.00", "1200.00"))
    assert not Assessment.objects.filter(abnormally_low=True).exists()
    for bid in (scene.bid, scene.rival):
        services.assessment_record_checks(actor=world.officer, bid=bid, eligibility_met=True, exclusion_clear=True)
        services.bid_qualify(actor=world.officer, bid=bid)
    # when
    services.financial_offers_open(actor=world.officer, tender=scene.tender)
    # then
    assert list(Assessment.objects.filter(abnormally_low=True).values_list("bid_id", flat=True)) == [scene.bid.pk]
    line = next(line for line in selectors.ranking(scene.tender, scene.lot) if line.bid.pk == scene.bid.pk)
    assert (line.abnormally_low, line.low_price_justified) == (True, False)
    assert selectors.low_price_unjustified(Assessment.objects.get(bid=scene.bid))
