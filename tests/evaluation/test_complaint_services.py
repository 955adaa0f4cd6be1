"""Complaints: filed only during the standstill (both sides of its end, the clock moved), they
suspend signature for the lot until the review body decides; upheld, the award is cancelled and
the lot evaluated again; dismissed, the award stands; confidential parts stay with the few."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procura.audit.models import AuditEntry
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from procura.documents.access import can_view_document
from procura.evaluation import award_access, awards, complaints, selectors
from procura.evaluation.events import AwardCancelled, ComplaintDecided, ComplaintFiled, EvaluationEvent
from procura.evaluation.models import Assessment, AssessmentStatus, Award, AwardStatus, ComplaintStatus
from tests.conftest import World
from tests.evaluation.award_support import (
    REASONS,
    award_setting,  # noqa: F401
    decided,
    qualify,
    third_bidder,
)

pytestmark = pytest.mark.usefixtures("award_setting")
MICROSECOND = dt.timedelta(microseconds=1)
GROUNDS = "The winning price leaves out the delivery costs the tender requires."
SECRET = "Our supplier in Lyon quotes 412.50 per pallet."


@pytest.fixture
def recorded() -> Iterator[list[EvaluationEvent]]:
    seen: list[EvaluationEvent] = []
    events.subscribe(EvaluationEvent, seen.append)
    yield seen
    events.unsubscribe(EvaluationEvent, seen.append)


def _file(world: World, award: Award, **kwargs: object) -> complaints.Complaint:
    return complaints.complaint_file(actor=world.other_bid_manager, award=award, grounds=GROUNDS, **kwargs)  # type: ignore[arg-type]


# --- Filing ---------------------------------------------------------------------------------------
def test_a_losing_bidder_complains_during_the_standstill(
    world: World, frozen_clock: clock.Clock, recorded: list[EvaluationEvent]
) -> None:
    # given
    _, award = decided(world, frozen_clock)
    # when
    complaint = _file(world, award, confidential_grounds=SECRET)
    # then
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.PENDING
    assert complaint.local_id == "complaint-1"
    assert complaint.complainant_id == world.other_supplier.pk
    assert complaint.grounds == GROUNDS
    assert complaint.confidential_grounds == SECRET
    assert complaint.filed_by_id == world.other_bid_manager.pk
    assert [type(e) for e in recorded if isinstance(e, ComplaintFiled)] == [ComplaintFiled]
    # the confidential part stays out of the audit log
    entry = AuditEntry.objects.get(action="complaint.filed")
    assert SECRET not in str(entry.after)
    assert entry.after["has_confidential_grounds"] is True


def test_a_complaint_at_the_end_of_the_standstill_is_too_late(world: World, frozen_clock: clock.Clock) -> None:
    # given
    _, award = decided(world, frozen_clock)
    end = award.standstill_ends_at
    assert end is not None
    # when filed exactly at the end, it is refused
    frozen_clock.set(end)
    with pytest.raises(RuleViolation) as refused:
        _file(world, award)
    assert "complaints about this award can no longer be filed" in refused.value.message
    assert not award.complaints.exists()
    # while one microsecond before the end it is accepted
    frozen_clock.set(end - MICROSECOND)
    assert _file(world, award).status == ComplaintStatus.PENDING


def test_no_complaint_once_the_award_is_in_force(world: World, frozen_clock: clock.Clock) -> None:
    _, award = decided(world, frozen_clock)
    assert award.standstill_ends_at is not None
    frozen_clock.set(award.standstill_ends_at + dt.timedelta(days=1))
    assert awards.awards_activate_due() == 1
    award.refresh_from_db()
    with pytest.raises(RuleViolation) as refused:
        _file(world, award)
    assert refused.value.message == "A complaint can be filed only during the standstill; this award is awarded."


def test_a_pending_complaint_suspends_signature_after_the_standstill_until_it_is_decided(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a complaint filed during the standstill
    _, award = decided(world, frozen_clock)
    complaint = _file(world, award)
    assert award.standstill_ends_at is not None
    # when the standstill is over
    frozen_clock.set(award.standstill_ends_at + dt.timedelta(days=3))
    # then signature is still suspended, and the award does not come into force
    assert selectors.signature_block_reason(award, clock.now()) == (
        "A complaint about this award is under review: signature is suspended until it is decided."
    )
    assert awards.awards_activate_due() == 0
    assert Award.objects.get(pk=award.pk).status == AwardStatus.PENDING
    # when the review body dismisses it, the award comes into force at once and signature is allowed
    complaints.complaint_decide(
        actor=world.reviewer, complaint=complaint, upheld=False, decision="Delivery is priced in the offer."
    )
    award.refresh_from_db()
    assert award.status == AwardStatus.ACTIVE
    assert award.activated_at == clock.now()
    assert selectors.signature_block_reason(award, clock.now()) is None


def test_dismissed_during_the_standstill_the_award_waits_for_its_end(world: World, frozen_clock: clock.Clock) -> None:
    _, award = decided(world, frozen_clock)
    complaint = _file(world, award)
    complaints.complaint_decide(actor=world.reviewer, complaint=complaint, upheld=False, decision="Unfounded.")
    award.refresh_from_db()
    assert award.status == AwardStatus.PENDING
    assert selectors.signature_block_reason(award, clock.now()) is not None
    assert award.standstill_ends_at is not None
    frozen_clock.set(award.standstill_ends_at)
    assert selectors.signature_block_reason(award, clock.now()) is None
    assert awards.awards_activate_due() == 1


def test_only_a_losing_bidders_bid_manager_complains(world: World, frozen_clock: clock.Clock) -> None:
    # given
    _, award = decided(world, frozen_clock)
    # when / then: the winner, a viewer, the buyer, the review body, outsiders
    for person in (world.bid_manager, world.viewer, world.officer, world.reviewer, world.admin, world.auditor):
        with pytest.raises(PermissionDenied):
            complaints.complaint_file(actor=person, award=award, grounds=GROUNDS)
    _supplier, manager = third_bidder()  # a supplier that did not bid
    with pytest.raises(PermissionDenied):
        complaints.complaint_file(actor=manager, award=award, grounds=GROUNDS)
    assert not award.complaints.exists()


def test_the_grounds_are_required_and_one_pending_complaint_per_bidder(world: World, frozen_clock: clock.Clock) -> None:
    _, award = decided(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        complaints.complaint_file(actor=world.other_bid_manager, award=award, grounds="  ")
    assert list(refused.value.fields) == ["grounds"]
    _file(world, award)
    with pytest.raises(Conflict):
        _file(world, award)
    assert award.complaints.count() == 1


# --- The review body's decision -------------------------------------------------------------------
def test_upheld_the_award_is_cancelled_and_the_lot_evaluated_again(
    world: World, frozen_clock: clock.Clock, recorded: list[EvaluationEvent]
) -> None:
    # given
    scenario, award = decided(world, frozen_clock)
    complaint = _file(world, award)
    decided_by = {a.bid_id: a.decided_by_id for a in Assessment.objects.filter(lot=scenario.lot)}
    # when
    complaints.complaint_decide(
        actor=world.reviewer,
        complaint=complaint,
        upheld=True,
        decision="The ranking left out the delivery costs.",
        confidential_decision=SECRET,
    )
    # then the complaint is upheld, with its reasons
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD
    assert complaint.decided_by_id == world.reviewer.pk
    assert complaint.decided_at == clock.now()
    # and the award is cancelled, naming the complaint
    award.refresh_from_db()
    assert award.status == AwardStatus.CANCELLED
    assert award.cancelled_at == clock.now()
    assert award.cancellation_reason == (
        "Complaint complaint-1 was upheld by the review body: The ranking left out the delivery costs."
    )
    assert selectors.signature_block_reason(award, clock.now()) == (
        "This award was cancelled; the lot is being evaluated again."
    )
    kinds = [type(e) for e in recorded if isinstance(e, (ComplaintDecided, AwardCancelled))]
    assert kinds == [ComplaintDecided, AwardCancelled]
    # and every bid of the lot is under evaluation again; who had decided it is in the audit log
    reopened = Assessment.objects.filter(lot=scenario.lot)
    assert {a.status for a in reopened} == {AssessmentStatus.PENDING}
    assert {a.decided_by_id for a in reopened} == {None}
    log = {e.object_id: e.before for e in AuditEntry.objects.filter(action="assessment.reopened")}
    assert {bid: before["decided_by"] for bid, before in log.items()} == {
        str(bid): str(by) for bid, by in decided_by.items()
    }
    # and the lot can be decided again, as a new award
    qualify(scenario, scenario.winner)
    qualify(scenario, scenario.loser)
    again = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    assert again.local_id == "award-2"
    assert again.status == AwardStatus.PENDING
    assert again.notices.count() == 2


def test_another_pending_complaint_stays_for_the_review_body_when_one_is_upheld(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given two losing bidders each complaining
    third, third_manager = third_bidder()
    _scenario, award = decided(world, frozen_clock, extra=[(third, third_manager, "90000.00")])
    first = _file(world, award)
    second = complaints.complaint_file(actor=third_manager, award=award, grounds="Our bid was not read.")
    # when the first is upheld
    complaints.complaint_decide(actor=world.reviewer, complaint=first, upheld=True, decision="Upheld.")
    # then the second is still pending, and deciding it changes nothing more
    second.refresh_from_db()
    assert second.status == ComplaintStatus.PENDING
    assert second.local_id == "complaint-2"
    complaints.complaint_decide(actor=world.reviewer, complaint=second, upheld=True, decision="Moot, also upheld.")
    award.refresh_from_db()
    assert award.status == AwardStatus.CANCELLED
    assert AuditEntry.objects.filter(action="award.cancelled").count() == 1


def test_only_the_review_body_decides_with_reasons_and_once(world: World, frozen_clock: clock.Clock) -> None:
    _, award = decided(world, frozen_clock)
    complaint = _file(world, award)
    for person in (world.admin, world.auditor, world.officer, world.other_bid_manager, world.bid_manager):
        with pytest.raises(PermissionDenied):
            complaints.complaint_decide(actor=person, complaint=complaint, upheld=True, decision="Upheld.")
    with pytest.raises(InvalidInput) as refused:
        complaints.complaint_decide(actor=world.reviewer, complaint=complaint, upheld=False, decision=" ")
    assert list(refused.value.fields) == ["decision"]
    complaints.complaint_decide(actor=world.reviewer, complaint=complaint, upheld=False, decision="Unfounded.")
    with pytest.raises(Conflict):
        complaints.complaint_decide(actor=world.reviewer, complaint=complaint, upheld=True, decision="Changed mind.")
    assert Award.objects.get(pk=award.pk).status == AwardStatus.PENDING


# --- Withdrawal -----------------------------------------------------------------------------------
def test_a_withdrawn_complaint_after_the_standstill_lets_the_award_come_into_force(
    world: World, frozen_clock: clock.Clock
) -> None:
    _, award = decided(world, frozen_clock)
    complaint = _file(world, award)
    assert award.standstill_ends_at is not None
    frozen_clock.set(award.standstill_ends_at + dt.timedelta(hours=1))
    for person in (world.bid_manager, world.reviewer, world.officer):
        with pytest.raises(PermissionDenied):
            complaints.complaint_withdraw(actor=person, complaint=complaint)
    complaints.complaint_withdraw(actor=world.other_bid_manager, complaint=complaint)
    complaint.refresh_from_db()
    award.refresh_from_db()
    assert complaint.status == ComplaintStatus.WITHDRAWN
    assert award.status == AwardStatus.ACTIVE
    with pytest.raises(RuleViolation):
        complaints.complaint_withdraw(actor=world.other_bid_manager, complaint=complaint)


# --- Documents ------------------------------------------------------------------------------------
def test_confidential_documents_are_seen_only_by_the_few(world: World, frozen_clock: clock.Clock) -> None:
    # given a complaint with a public and a confidential document
    _, award = decided(world, frozen_clock)
    complaint = _file(
        world,
        award,
        documents=[
            complaints.ComplaintDocument(file=SimpleUploadedFile("evidence.txt", b"Public evidence.")),
            complaints.ComplaintDocument(
                file=SimpleUploadedFile("quote.txt", SECRET.encode()), title="Supplier quote", confidential=True
            ),
        ],
    )
    # when
    public = selectors.complaint_documents(complaint, confidential=False)
    confidential = selectors.complaint_documents(complaint, confidential=True)
    # then
    assert [d.title for d in public] == ["evidence.txt"]
    assert [d.title for d in confidential] == ["Supplier quote"]
    assert confidential[0].owner_type == award_access.CONFIDENTIAL_COMPLAINT_DOCUMENT_OWNER
    from django.contrib.auth.models import AnonymousUser

    for person, sees in [
        (AnonymousUser(), False),
        (world.officer, False),
        (world.bid_manager, False),
        (world.other_bid_manager, True),
        (world.reviewer, True),
        (world.auditor, True),
    ]:
        assert can_view_document(person, public[0]) is True
        assert can_view_document(person, confidential[0]) is sees


def test_a_bad_document_refuses_the_whole_complaint(world: World, frozen_clock: clock.Clock) -> None:
    _, award = decided(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        _file(world, award, documents=[complaints.ComplaintDocument(file=SimpleUploadedFile("run.exe", b"MZ"))])
    assert list(refused.value.fields) == ["documents"]
    assert not award.complaints.exists()
