"""Award decisions: who decides, which bid may win, the decision notices to every bidder, the
standstill that blocks signature until its end (the clock moved), the award coming into force,
and closing a lot without award."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from procura.accounts.roles import Role
from procura.audit.models import AuditEntry
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from procura.evaluation import awards, selectors
from procura.evaluation import services as evaluation_services
from procura.evaluation.events import AwardActivated, AwardDecided, EvaluationEvent
from procura.evaluation.models import Assessment, Award, AwardStatus, DecisionNotice
from procura.evaluation.tasks import activate_due_awards
from procura.tenders.domain import TenderStatus
from procura.tenders.selectors import status_of
from procura.tenders.services import CriterionDetails, LotDetails
from tests import factories
from tests.conftest import World
from tests.evaluation.award_support import (
    CHEAPEST,
    DAY,
    REASONS,
    SECOND,
    Scenario,
    award_setting,  # noqa: F401
    debar,
    decided,
    disqualify,
    opened,
    qualified,
    qualify,
    third_bidder,
)
from tests.tenders.support import item

pytestmark = pytest.mark.usefixtures("award_setting")
MICROSECOND = dt.timedelta(microseconds=1)


@pytest.fixture
def recorded() -> Iterator[list[EvaluationEvent]]:
    seen: list[EvaluationEvent] = []
    events.subscribe(EvaluationEvent, seen.append)
    yield seen
    events.unsubscribe(EvaluationEvent, seen.append)


# --- Deciding -------------------------------------------------------------------------------------
def test_the_lot_is_awarded_to_the_bid_ranked_first_and_the_standstill_starts(
    world: World, frozen_clock: clock.Clock, recorded: list[EvaluationEvent]
) -> None:
    # given
    scenario = qualified(world, frozen_clock)
    now = clock.now()
    # when
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    # then
    award.refresh_from_db()
    assert award.status == AwardStatus.PENDING
    assert award.local_id == "award-1"
    assert award.bid_id == scenario.winner.pk
    assert award.supplier_id == world.supplier.pk
    assert award.value_amount == Decimal(CHEAPEST)
    assert award.currency == "GBP"
    assert award.reasons == REASONS
    assert award.decided_by_id == world.officer.pk
    assert award.decided_at == now
    assert award.standstill_ends_at == now + 10 * DAY
    assert [(entry["supplier_name"], entry["rank"]) for entry in award.ranking] == [
        ("Small Firm Ltd", 1),
        ("Rival Firm Ltd", 2),
    ]
    assert [type(e) for e in recorded if getattr(e, "award_id", None) == award.pk] == [AwardDecided]
    entry = AuditEntry.objects.get(action="award.decided")
    assert entry.object_id == str(award.pk)
    assert entry.after["standstill_ends_at"] == award.standstill_ends_at.isoformat()


def test_the_standstill_lasts_the_configured_days(world: World, frozen_clock: clock.Clock, settings: Any) -> None:
    # given
    settings.STANDSTILL_DAYS = 2.5
    # when
    _, award = decided(world, frozen_clock)
    # then
    assert award.standstill_ends_at == award.decided_at + dt.timedelta(days=2, hours=12)


def test_every_bidder_of_the_lot_receives_its_own_notice(
    world: World, frozen_clock: clock.Clock, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given a third bidder, disqualified
    third, third_manager = third_bidder()
    scenario = opened(world, frozen_clock, extra=[(third, third_manager, "70000.00")])
    qualify(scenario, scenario.winner)
    qualify(scenario, scenario.loser)
    disqualify(scenario, scenario.bids[third.legal_name], reason="No insurance certificate.")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    # then
    notices = {n.supplier_id: n.content for n in DecisionNotice.objects.filter(award=award)}
    assert set(notices) == {world.supplier.pk, world.other_supplier.pk, third.pk}
    won, lost, out = notices[world.supplier.pk], notices[world.other_supplier.pk], notices[third.pk]
    for content in (won, lost, out):
        assert content["winner"]["name"] == "Small Firm Ltd"
        assert content["winner"]["price"] == CHEAPEST
        assert content["reasons"] == REASONS
        assert content["standstill_ends_at"] == award.standstill_ends_at.isoformat()
        assert content["bidders"] == 3
    assert won["result"] == {
        "successful": True,
        "status": "qualified",
        "rank": 1,
        "price": CHEAPEST,
        "currency": "GBP",
        "price_points": None,
        "quality_points": None,
        "total": None,
        "disqualification_reason": "",
    }
    assert won["complaints_until"] is None
    assert lost["result"]["successful"] is False
    assert lost["result"]["rank"] == 2
    assert lost["result"]["price"] == SECOND
    assert lost["complaints_until"] == award.standstill_ends_at.isoformat()
    assert out["result"]["status"] == "disqualified"
    assert out["result"]["rank"] is None
    assert out["result"]["disqualification_reason"] == "No insurance certificate."
    # and only that bidder is told why it was disqualified
    assert "No insurance certificate." not in str(won) + str(lost) + str(award.ranking)
    # and each bidder's bid managers get an email pointing to their notice
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.bid_manager.email, world.other_bid_manager.email, third_manager.email]
    )
    assert all("/decision-notices/" in m.body for m in mail.outbox)


def test_a_bid_not_ranked_first_is_refused(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scenario = qualified(world, frozen_clock)
    # when
    with pytest.raises(RuleViolation) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.loser, reasons=REASONS)
    # then
    assert refused.value.fields == {"bid": ["This bid is ranked 2: only a bid ranked first can be awarded."]}
    assert not Award.objects.exists()
    assert not DecisionNotice.objects.exists()


def test_bids_level_first_may_either_win(world: World, frozen_clock: clock.Clock) -> None:
    # given two bids at the same price
    scenario = qualified(world, frozen_clock, prices={"supplier": CHEAPEST, "other_supplier": CHEAPEST})
    # when
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.loser, reasons="A tie: drawn.")
    # then
    assert award.supplier_id == world.other_supplier.pk


def test_the_award_waits_until_every_bid_of_the_lot_is_decided(world: World, frozen_clock: clock.Clock) -> None:
    # given the second bid still under evaluation
    scenario = opened(world, frozen_clock)
    qualify(scenario, scenario.winner)
    # when
    with pytest.raises(RuleViolation) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    # then
    assert refused.value.message == (
        "1 bid(s) for this lot are still under evaluation: qualify or disqualify every bid first."
    )
    assert not Award.objects.exists()


def test_a_disqualified_bid_cannot_win_and_the_next_one_can(world: World, frozen_clock: clock.Clock) -> None:
    # given the cheapest bid disqualified
    scenario = opened(world, frozen_clock)
    disqualify(scenario, scenario.winner)
    qualify(scenario, scenario.loser)
    # when / then
    with pytest.raises(RuleViolation) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert refused.value.fields == {"bid": ["This bid was disqualified: only a qualified bid can be awarded."]}
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.loser, reasons="Only valid bid.")
    assert award.supplier_id == world.other_supplier.pk
    assert award.value_amount == Decimal(SECOND)


def test_a_supplier_debarred_at_the_moment_of_the_award_is_refused(world: World, frozen_clock: clock.Clock) -> None:
    # given a qualified winner, debarred from tomorrow
    scenario = qualified(world, frozen_clock)
    today = clock.now()
    debar(world, world.supplier, starts_on=today + DAY)
    # when the award is decided the day after tomorrow
    frozen_clock.set(today + 2 * DAY)
    with pytest.raises(RuleViolation) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    # then it is refused, naming the supplier and the bid
    assert refused.value.message.startswith("Small Firm Ltd is debarred indefinitely by Review board")
    assert list(refused.value.fields) == ["bid"]
    assert not Award.objects.exists()
    # while the same decision the day before the debarment starts goes through
    frozen_clock.set(today + DAY - MICROSECOND)
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert award.supplier_id == world.supplier.pk


def test_a_lot_already_decided_is_a_conflict(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scenario, _award = decided(world, frozen_clock)
    # when
    with pytest.raises(Conflict) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    # then
    assert "already has a decision (award-1)" in refused.value.message
    assert Award.objects.count() == 1


def test_the_database_refuses_a_second_standing_award_for_a_lot(world: World, frozen_clock: clock.Clock) -> None:
    # given a decision, and a second one that slipped past the checks (two officers at once)
    scenario, _award = decided(world, frozen_clock)
    twin = Award(
        tender=scenario.tender,
        lot=scenario.lot,
        local_id="award-2",
        status=AwardStatus.PENDING,
        bid=scenario.loser,
        supplier=world.other_supplier,
        reasons="Twin",
        decided_by=world.officer,
        decided_at=clock.now(),
    )
    # when / then
    from django.db import transaction

    with transaction.atomic(), pytest.raises(Conflict) as refused:
        awards._create_award(twin)
    assert "decided by someone else a moment ago" in refused.value.message
    assert Award.objects.count() == 1


def test_only_the_officer_managing_the_evaluation_decides(world: World, frozen_clock: clock.Clock) -> None:
    # given an officer of the buyer who has no seat on the panel
    scenario = qualified(world, frozen_clock)
    unseated = factories.member(world.buyer, Role.PROCUREMENT_OFFICER)
    # when / then
    for person in (unseated, world.evaluator, world.approver, world.other_officer, world.admin, world.auditor):
        with pytest.raises(PermissionDenied):
            awards.award_decide(actor=person, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert not Award.objects.exists()


def test_the_reasons_are_required(world: World, frozen_clock: clock.Clock) -> None:
    scenario = qualified(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons="   ")
    assert list(refused.value.fields) == ["reasons"]


def test_a_flagged_low_price_is_awarded_only_with_its_justification(world: World, frozen_clock: clock.Clock) -> None:
    # given a price below 70% of the estimate (90,000), flagged, justified and qualified
    scenario = opened(world, frozen_clock, prices={"supplier": "50000.00", "other_supplier": SECOND})
    assessment = Assessment.objects.get(bid=scenario.winner)
    assert assessment.abnormally_low
    evaluation_services.low_price_accept(
        actor=world.officer, bid=scenario.winner, justification="Stock bought before the price rise."
    )
    qualify(scenario, scenario.winner)
    qualify(scenario, scenario.loser)
    # when the justification were missing (recorded before the rule), the award is refused
    Assessment.objects.filter(bid=scenario.winner).update(low_price_justification="")
    with pytest.raises(RuleViolation) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert "abnormally low" in refused.value.message
    # and with it, it goes through
    Assessment.objects.filter(bid=scenario.winner).update(low_price_justification="Stock bought before the rise.")
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert award.ranking[0]["abnormally_low"] is True


def test_no_award_before_the_bids_are_opened(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender still open for bids
    from tests.bids.support import open_tender, submitted_bid

    tender = open_tender(world.officer, world.buyer)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier)
    # when
    with pytest.raises(PermissionDenied):
        awards.award_decide(actor=world.officer, lot=bid.lot, bid=bid, reasons=REASONS)
    # then
    assert not Award.objects.exists()


# --- The standstill and signature -----------------------------------------------------------------
def test_no_signature_during_the_standstill(world: World, frozen_clock: clock.Clock) -> None:
    # given
    _, award = decided(world, frozen_clock)
    end = award.standstill_ends_at
    assert end is not None
    # when the clock reaches the last microsecond of the standstill, signature is still blocked
    frozen_clock.set(end - MICROSECOND)
    reason = selectors.signature_block_reason(award, clock.now())
    assert reason is not None
    assert reason.startswith("The standstill period runs until")
    # and at its end it is allowed
    frozen_clock.set(end)
    assert selectors.signature_block_reason(award, clock.now()) is None


def test_the_award_comes_into_force_when_the_standstill_ends(
    world: World, frozen_clock: clock.Clock, recorded: list[EvaluationEvent]
) -> None:
    # given
    _, award = decided(world, frozen_clock)
    end = award.standstill_ends_at
    assert end is not None
    # when the sweep runs just before the end, nothing happens
    frozen_clock.set(end - MICROSECOND)
    assert activate_due_awards.call_local() == 0
    assert Award.objects.get(pk=award.pk).status == AwardStatus.PENDING
    # when it runs at the end, the award is active
    frozen_clock.set(end)
    assert activate_due_awards.call_local() == 1
    award.refresh_from_db()
    assert award.status == AwardStatus.ACTIVE
    assert award.activated_at == end
    assert [type(e) for e in recorded if isinstance(e, AwardActivated)] == [AwardActivated]
    assert AuditEntry.objects.filter(action="award.activated", object_id=str(award.pk)).count() == 1
    # and again, nothing more
    assert awards.awards_activate_due() == 0
    assert selectors.signature_block_reason(award, clock.now()) is None


# --- Closing a lot without award ------------------------------------------------------------------
def test_a_lot_whose_bids_are_all_disqualified_closes_without_award_and_the_tender_fails(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given
    scenario = opened(world, frozen_clock)
    disqualify(scenario, scenario.winner)
    disqualify(scenario, scenario.loser)
    # when
    award = awards.lot_close_without_award(actor=world.officer, lot=scenario.lot, reason="No valid bid.")
    # then
    award.refresh_from_db()
    assert award.status == AwardStatus.UNSUCCESSFUL
    assert award.bid_id is None
    assert award.supplier_id is None
    assert award.standstill_ends_at is None
    assert DecisionNotice.objects.filter(award=award).count() == 2
    assert selectors.signature_block_reason(award, clock.now()) == "This lot was closed without an award."
    scenario.tender.refresh_from_db()
    assert status_of(scenario.tender) == TenderStatus.UNSUCCESSFUL
    assert scenario.tender.unsuccessful_reason == "No valid bid."


def test_a_lot_with_a_qualified_bid_is_not_closed_without_award(world: World, frozen_clock: clock.Clock) -> None:
    scenario = opened(world, frozen_clock)
    disqualify(scenario, scenario.winner)
    qualify(scenario, scenario.loser)
    with pytest.raises(RuleViolation) as refused:
        awards.lot_close_without_award(actor=world.officer, lot=scenario.lot, reason="No valid bid.")
    assert refused.value.message.startswith("1 bid(s) for this lot are qualified")
    assert not Award.objects.exists()


def test_a_tender_fails_only_when_every_lot_closes_without_award(world: World, frozen_clock: clock.Clock) -> None:
    # given two lots, bids only for the first
    lots = (LotDetails(title="Gloves", items=(item(),)), LotDetails(title="Masks", items=(item(),)))
    scenario = opened(world, frozen_clock, lots=lots)
    second = scenario.tender.lots.get(position=2)
    for bid in scenario.bids.values():
        qualify(scenario, bid)
    # when the empty lot closes without award
    closed = awards.lot_close_without_award(actor=world.officer, lot=second, reason="Nobody bid.")
    # then it has an unsuccessful award with no notices, and the tender goes on
    assert closed.status == AwardStatus.UNSUCCESSFUL
    assert not DecisionNotice.objects.filter(award=closed).exists()
    assert status_of(scenario.tender) == TenderStatus.EVALUATION
    # and the other lot is awarded as usual, as award-2
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert award.local_id == "award-2"
    assert status_of(scenario.tender) == TenderStatus.EVALUATION


# --- Reading a decision notice --------------------------------------------------------------------
def test_reading_a_notice_is_recorded_for_the_bidder_only(world: World, frozen_clock: clock.Clock) -> None:
    # given
    _, award = decided(world, frozen_clock)
    notice = DecisionNotice.objects.get(award=award, supplier=world.supplier)
    # when an auditor reads it, it stays unread; another bidder does not find it
    awards.decision_notice_mark_read(actor=world.auditor, notice=notice)
    assert DecisionNotice.objects.get(pk=notice.pk).read_at is None
    with pytest.raises(NotFound):
        awards.decision_notice_mark_read(actor=world.other_bid_manager, notice=notice)
    # when the bidder's viewer reads it, it is read, once
    frozen_clock.advance(dt.timedelta(hours=1))
    awards.decision_notice_mark_read(actor=world.viewer, notice=notice)
    read_at = DecisionNotice.objects.get(pk=notice.pk).read_at
    assert read_at == clock.now()
    frozen_clock.advance(dt.timedelta(hours=1))
    awards.decision_notice_mark_read(actor=world.bid_manager, notice=notice)
    assert DecisionNotice.objects.get(pk=notice.pk).read_at == read_at
    assert AuditEntry.objects.filter(action="decision_notice.read").count() == 1


# --- Price and quality ----------------------------------------------------------------------------
def _rated(world: World, time: clock.Clock) -> Scenario:
    scenario = qualified(
        world,
        time,
        award_criteria="ratedCriteria",
        criteria=(
            CriterionDetails(name="Price", kind="price", weight="60"),
            CriterionDetails(name="Delivery plan", kind="quality", weight="40"),
        ),
    )
    return scenario


def test_with_price_and_quality_the_award_waits_for_the_marks_and_notices_carry_the_points(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a price-and-quality tender, the bids qualified but not yet marked
    scenario = _rated(world, frozen_clock)
    criterion = scenario.tender.criteria.get(kind="quality")
    # when / then: nothing can be ranked yet
    with pytest.raises(RuleViolation) as refused:
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert refused.value.fields == {"bid": ["The bids cannot be ranked yet: marks are missing (Delivery plan)."]}
    # when the dearer bid's plan is far better, it ranks first
    for bid, mark in ((scenario.winner, "2"), (scenario.loser, "10")):
        evaluation_services.score_record(
            actor=world.officer, bid=bid, criterion=criterion, mark=mark, justification="As read."
        )
    with pytest.raises(RuleViolation):
        awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.loser, reasons="Best value.")
    # then every notice carries the points
    notice = DecisionNotice.objects.get(award=award, supplier=world.supplier).content
    assert notice["method"] == "price_quality"
    assert notice["result"]["rank"] == 2
    assert notice["result"]["price_points"] == "60.0000"
    assert notice["result"]["quality_points"] == "8.0000"
    assert notice["result"]["total"] == "68.0000"
    assert notice["winner"]["total"] == award.ranking[0]["total"] == "96.4706"
