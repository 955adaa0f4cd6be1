"""tenders.services.tender_extend_deadline: a public, audited extension, and when it is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest

from procura.audit.codes import AuditAction
from procura.audit.models import AuditEntry
from procura.bids import services as bids
from procura.bids.models import Bid
from procura.core import clock
from procura.core.errors import InvalidInput, PermissionDenied, RuleViolation
from procura.publication.models import Release
from procura.publication.validate import validate_release
from procura.tenders import services as tenders
from procura.tenders.domain import TenderStatus
from procura.tenders.models import Amendment, StatusChange, Tender
from procura.tenders.selectors import status_of
from tests.bids.support import after_opening, draft_bid, submitted_bid
from tests.conftest import World
from tests.incidents.support import HOUR, MINUTE, deadline_of, tender_open_for_bids
from tests.tenders.support import DAY

pytestmark = pytest.mark.django_db

RATIONALE = "The platform was down for three hours before the deadline."


def releases(tender: Tender) -> list[dict[str, Any]]:
    return [
        orjson.loads(bytes(body))
        for body in Release.objects.filter(ocid=tender.ocid).order_by("seq").values_list("body", flat=True)
    ]


def history(tender: Tender) -> list[str]:
    return list(tender.status_changes.order_by("effective_at", "id").values_list("status", flat=True))


def test_an_officer_extends_an_open_tender_publicly(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    opening = tender.bid_opening_at
    assert opening == deadline + HOUR
    new_deadline = deadline + 2 * DAY
    # when
    amendment = tenders.tender_extend_deadline(
        actor=world.officer, tender=tender, new_deadline=new_deadline, rationale=f"  {RATIONALE}  "
    )
    # then the tender moved, and the opening with it
    tender.refresh_from_db()
    assert tender.tender_end == new_deadline
    assert tender.bid_opening_at == new_deadline
    assert tender.enquiry_end == clock.now() + 10 * DAY  # questions untouched
    # the amendment is the public record
    assert amendment.rationale == RATIONALE
    assert amendment.material is False
    assert amendment.made_by == world.officer
    assert amendment.deadline_before == deadline
    assert amendment.deadline_after == new_deadline
    assert amendment.deadline_extended
    assert amendment.local_id == "AMD-1"
    assert {c["field"] for c in amendment.changes} == {"tender_end", "bid_opening_at"}
    change = next(c for c in amendment.changes if c["field"] == "tender_end")
    assert change == {"field": "tender_end", "before": deadline.isoformat(), "after": new_deadline.isoformat()}
    # audited
    entry = AuditEntry.objects.get(action=AuditAction.TENDER_DEADLINE_EXTENDED)
    assert entry.actor_id == world.officer.pk
    assert entry.object_id == str(tender.pk)
    assert entry.before["tender_end"] == deadline.isoformat()
    assert entry.after["tender_end"] == new_deadline.isoformat()
    assert entry.after["rationale"] == RATIONALE
    # published in OCDS as an amendment, and the release is valid
    last = releases(tender)[-1]
    assert last["tag"] == ["tenderAmendment"]
    assert validate_release(last) == []
    assert dt.datetime.fromisoformat(last["tender"]["tenderPeriod"]["endDate"]) == new_deadline
    assert last["tender"]["amendments"][-1]["rationale"] == RATIONALE
    # the status did not change
    assert status_of(tender) == TenderStatus.TENDERING
    assert history(tender) == ["tendering"]


def test_followers_are_told_of_the_extension(world: World, frozen_clock: clock.Clock) -> None:
    from procura.alerts.domain import NotificationKind
    from procura.alerts.models import Notification
    from procura.alerts.services import tender_follow

    # given
    tender = tender_open_for_bids(world.officer, world.buyer)
    tender_follow(actor=world.bid_manager, tender=tender)
    # when
    amendment = tenders.tender_extend_deadline(
        actor=world.officer, tender=tender, new_deadline=deadline_of(tender) + DAY, rationale=RATIONALE
    )
    # then
    notification = Notification.objects.get(user=world.bid_manager, tender=tender)
    assert notification.kind == NotificationKind.AMENDMENT
    assert notification.source_id == amendment.pk
    assert RATIONALE in notification.summary


def test_the_platform_reopens_a_tender_whose_deadline_has_just_passed(world: World, frozen_clock: clock.Clock) -> None:
    # given a supplier whose draft was ready when the platform went down before the deadline
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    frozen_clock.set(deadline + 30 * MINUTE)
    assert status_of(tender) == TenderStatus.EVALUATION
    with pytest.raises(RuleViolation):
        bids.bid_submit(actor=world.bid_manager, bid=bid)
    new_deadline = deadline + 4 * HOUR
    # when the platform extends it
    amendment = tenders.tender_extend_deadline(
        actor=None, decided_by=world.admin, tender=tender, new_deadline=new_deadline, rationale=RATIONALE
    )
    # then the tender takes bids again, and the bid goes in
    tender.refresh_from_db()
    assert status_of(tender) == TenderStatus.TENDERING
    assert tender.recorded_status == TenderStatus.TENDERING
    assert tender.next_deadline_at == new_deadline
    assert amendment.made_by == world.admin
    receipt = bids.bid_submit(actor=world.bid_manager, bid=bid)
    assert receipt.issued_at == deadline + 30 * MINUTE
    assert Bid.objects.get(pk=bid.pk).status == "submitted"
    # and the history says what happened: open, closed at the old deadline, open again now
    changes = list(tender.status_changes.order_by("effective_at", "id"))
    assert [(c.status, c.effective_at) for c in changes] == [
        ("tendering", tender.published_at),
        ("evaluation", deadline + dt.timedelta(microseconds=1)),
        ("tendering", deadline + 30 * MINUTE),
    ]
    entry = AuditEntry.objects.get(action=AuditAction.TENDER_DEADLINE_EXTENDED)
    assert entry.actor_id is None
    assert entry.actor_label == "platform"
    assert entry.before["status"] == "evaluation"
    assert entry.after["decided_by"] == str(world.admin.pk)
    reopened = AuditEntry.objects.filter(action=AuditAction.TENDER_STATUS_RECORDED).order_by("sequence").last()
    assert reopened is not None
    assert reopened.before == {"status": "evaluation"}
    assert reopened.after["status"] == "tendering"
    assert "tenderAmendment" in [tag for r in releases(tender) for tag in r["tag"]]


def test_after_the_new_deadline_the_sweep_closes_bids_again(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender reopened after its deadline, with a bid
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    frozen_clock.set(deadline + 10 * MINUTE)
    new_deadline = deadline + 3 * HOUR
    tenders.tender_extend_deadline(
        actor=None, decided_by=world.admin, tender=tender, new_deadline=new_deadline, rationale=RATIONALE
    )
    tender.refresh_from_db()
    submitted_bid(tender, world.bid_manager, world.supplier)
    # when the new deadline passes and the sweep runs
    frozen_clock.set(new_deadline + MINUTE)
    tenders.tenders_sweep()
    # then bids are closed again, recorded once at the new deadline, and the tender is not failed
    tender.refresh_from_db()
    assert tender.recorded_status == TenderStatus.EVALUATION
    assert history(tender) == ["tendering", "evaluation", "tendering", "evaluation"]
    assert StatusChange.objects.filter(
        tender=tender, status="evaluation", effective_at=new_deadline + dt.timedelta(microseconds=1)
    ).exists()
    # and the bids open at the new deadline, not the old opening time
    assert tender.bid_opening_at == new_deadline
    frozen_clock.set(after_opening(tender))
    assert bids.bids_open(tender=tender).opened_at == new_deadline + MINUTE


def test_later_dates_keep_their_order(world: World, frozen_clock: clock.Clock) -> None:
    # given an award period starting a day after the deadline and a contract right after it
    now = clock.now()
    tender = tender_open_for_bids(
        world.officer,
        world.buyer,
        award_start=now + 21 * DAY,
        award_end=now + 30 * DAY,
        contract_start=now + 30 * DAY,
        contract_end=now + 400 * DAY,
    )
    # when the deadline moves three days later
    new_deadline = now + 23 * DAY
    amendment = tenders.tender_extend_deadline(
        actor=world.officer, tender=tender, new_deadline=new_deadline, rationale=RATIONALE
    )
    # then the award and contract periods move by as much as needed, keeping their lengths
    tender.refresh_from_db()
    assert tender.award_start == new_deadline
    assert tender.award_end == now + 32 * DAY
    assert tender.contract_start == now + 32 * DAY
    assert tender.contract_end == now + 402 * DAY
    assert {c["field"] for c in amendment.changes} == {
        "tender_end",
        "bid_opening_at",
        "award_start",
        "award_end",
        "contract_start",
        "contract_end",
    }


def test_an_opening_already_later_than_the_new_deadline_stays(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    opening = deadline + 5 * DAY
    tender.bid_opening_at = opening
    tender.save(update_fields=["bid_opening_at"])
    amendment = tenders.tender_extend_deadline(
        actor=world.officer, tender=tender, new_deadline=deadline + DAY, rationale=RATIONALE
    )
    tender.refresh_from_db()
    assert tender.bid_opening_at == opening
    assert [c["field"] for c in amendment.changes] == ["tender_end"]


# --- Refusals -------------------------------------------------------------------------------------
def test_only_the_buyers_officers_may_extend(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    for person in (world.other_officer, world.approver, world.bid_manager, world.admin):
        with pytest.raises(PermissionDenied):
            tenders.tender_extend_deadline(
                actor=person, tender=tender, new_deadline=deadline + DAY, rationale=RATIONALE
            )
    assert deadline_of(tender) == deadline
    assert not Amendment.objects.exists()


def test_an_officer_cannot_reopen_bids_once_the_deadline_has_passed(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    frozen_clock.set(deadline + MINUTE)
    with pytest.raises(RuleViolation, match="only the platform"):
        tenders.tender_extend_deadline(actor=world.officer, tender=tender, new_deadline=deadline + DAY, rationale="x")
    assert deadline_of(tender) == deadline


def test_the_new_deadline_must_be_later_and_in_the_future(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    with pytest.raises(InvalidInput) as earlier:
        tenders.tender_extend_deadline(actor=world.officer, tender=tender, new_deadline=deadline, rationale=RATIONALE)
    assert "new_deadline" in earlier.value.fields
    frozen_clock.set(deadline + HOUR)
    with pytest.raises(InvalidInput) as past:
        tenders.tender_extend_deadline(
            actor=None, decided_by=world.admin, tender=tender, new_deadline=deadline + 30 * MINUTE, rationale="x"
        )
    assert past.value.fields["new_deadline"] == ["The new deadline must be in the future."]
    assert deadline_of(tender) == deadline


def test_the_rationale_and_a_time_zone_are_needed(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    with pytest.raises(InvalidInput) as blank:
        tenders.tender_extend_deadline(actor=world.officer, tender=tender, new_deadline=deadline + DAY, rationale=" ")
    assert "rationale" in blank.value.fields
    with pytest.raises(InvalidInput) as naive:
        tenders.tender_extend_deadline(
            actor=world.officer, tender=tender, new_deadline=(deadline + DAY).replace(tzinfo=None), rationale="x"
        )
    assert "new_deadline" in naive.value.fields
    with pytest.raises(ValueError, match="decided_by"):
        tenders.tender_extend_deadline(actor=None, tender=tender, new_deadline=deadline + DAY, rationale="x")


def test_a_closed_tender_is_not_extended(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    tenders.tender_cancel(actor=world.officer, tender=tender, reason="The need has gone.")
    with pytest.raises(RuleViolation, match="cancelled"):
        tenders.tender_extend_deadline(
            actor=None, decided_by=world.admin, tender=tender, new_deadline=deadline + DAY, rationale="x"
        )
    other = tender_open_for_bids(world.officer, world.buyer)
    frozen_clock.set(deadline_of(other) + MINUTE)
    tenders.tender_mark_unsuccessful(actor=None, tender=other, reason="No valid bids were received.")
    with pytest.raises(RuleViolation, match="unsuccessful"):
        tenders.tender_extend_deadline(
            actor=None, decided_by=world.admin, tender=other, new_deadline=clock.now() + DAY, rationale="x"
        )


def test_a_draft_is_not_extended(world: World, frozen_clock: clock.Clock) -> None:
    from tests.tenders.support import draft

    secret = draft(world.officer, world.buyer)
    with pytest.raises(RuleViolation, match="draft"):
        tenders.tender_extend_deadline(
            actor=None, decided_by=world.admin, tender=secret, new_deadline=clock.now() + 30 * DAY, rationale="x"
        )


def test_once_bids_are_opened_the_deadline_stays(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender whose bids were opened (the guard IncidentsConfig registers)
    tender = tender_open_for_bids(world.officer, world.buyer)
    submitted_bid(tender, world.bid_manager, world.supplier)
    frozen_clock.set(after_opening(tender))
    bids.bids_open(tender=tender)
    deadline = deadline_of(tender)
    # when / then
    with pytest.raises(RuleViolation, match="The bids have been opened"):
        tenders.tender_extend_deadline(
            actor=None, decided_by=world.admin, tender=tender, new_deadline=clock.now() + DAY, rationale=RATIONALE
        )
    assert deadline_of(tender) == deadline
    assert not Amendment.objects.filter(tender=tender).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.TENDER_DEADLINE_EXTENDED).exists()
