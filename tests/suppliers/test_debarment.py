"""The platform-wide debarment list: who records and lifts debarments, what is checked, and that a
debarred supplier is blocked at bid (starting a bid and submitting one) exactly while the
debarment is in force, as the clock moves. The award check lives with the awards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from procura.accounts.roles import OrganisationKind
from procura.audit.codes import AuditAction
from procura.audit.models import AuditEntry
from procura.bids import sealing
from procura.bids import services as bid_services
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, BidVersion, Receipt
from procura.classifications.services import load_demo_classifications
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied, RuleViolation
from procura.suppliers import domain, selectors
from procura.suppliers.domain import DebarmentState
from procura.suppliers.events import DebarmentLifted, DebarmentRecorded
from procura.suppliers.models import Debarment
from procura.suppliers.services import check_not_debarred, debarment_lift, debarment_record
from procura.tenders.models import Tender
from tests import factories
from tests.bids.support import DAY, draft_bid, open_tender, submitted_bid
from tests.conftest import World
from tests.tenders.test_api import bearer, error_of, send

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # the frozen clock
MICROSECOND = dt.timedelta(microseconds=1)
BOARD = "Public Procurement Review Board"
REASON = "Collusive bidding in the school meals framework (decision of 12 February 2026)."


@pytest.fixture(autouse=True)
def _classifications(db: None) -> None:
    load_demo_classifications()  # tenders need their CPV codes


def debar(world: World, **overrides: Any) -> Debarment:
    values: dict[str, Any] = {
        "actor": world.reviewer,
        "supplier": world.supplier,
        "reason": REASON,
        "authority": BOARD,
        "starts_on": clock.now(),
        "ends_on": clock.now() + 365 * DAY,
        "reference": "PPRB/2026/17",
    }
    values.update(overrides)
    return debarment_record(**values)


def lot_of(tender: Tender) -> Any:
    return tender.lots.order_by("position").first()


def start(world: World, tender: Tender) -> Bid:
    return bid_services.bid_start(actor=world.bid_manager, tender=tender, lot=lot_of(tender), supplier=world.supplier)


def audited(action: AuditAction) -> int:
    return AuditEntry.objects.filter(action=action).count()


@pytest.fixture
def received() -> Iterator[list[Any]]:
    seen: list[Any] = []
    events.subscribe(DebarmentRecorded, seen.append)
    events.subscribe(DebarmentLifted, seen.append)
    try:
        yield seen
    finally:
        events.unsubscribe(DebarmentRecorded, seen.append)
        events.unsubscribe(DebarmentLifted, seen.append)


# --- Rules without the database ------------------------------------------------------------------
def test_a_debarment_is_in_force_from_its_start_until_its_end_excluded() -> None:
    start, end = NOW, NOW + DAY
    assert not domain.debarment_in_force(start, end, None, start - MICROSECOND)
    assert domain.debarment_in_force(start, end, None, start)
    assert domain.debarment_in_force(start, end, None, end - MICROSECOND)
    assert not domain.debarment_in_force(start, end, None, end)


def test_an_indefinite_debarment_never_ends_and_lifting_ends_any() -> None:
    assert domain.debarment_in_force(NOW, None, None, NOW + 10_000 * DAY)
    lifted = NOW + 2 * DAY
    assert domain.debarment_in_force(NOW, None, lifted, lifted - MICROSECOND)
    assert not domain.debarment_in_force(NOW, None, lifted, lifted)
    assert not domain.debarment_in_force(NOW, NOW + 5 * DAY, lifted, NOW + 3 * DAY)


def test_the_state_of_a_debarment_follows_the_clock() -> None:
    end = NOW + DAY
    assert domain.debarment_state(NOW, end, None, NOW - MICROSECOND) == DebarmentState.UPCOMING
    assert domain.debarment_state(NOW, end, None, NOW) == DebarmentState.IN_FORCE
    assert domain.debarment_state(NOW, end, None, end) == DebarmentState.ENDED
    assert domain.debarment_state(NOW, None, NOW + DAY, NOW + 2 * DAY) == DebarmentState.LIFTED
    # lifted before it started: lifted, never in force
    assert domain.debarment_state(NOW, end, NOW - DAY, NOW) == DebarmentState.LIFTED


def test_periods_overlap_only_when_they_share_a_moment() -> None:
    assert domain.debarment_periods_overlap(NOW, NOW + DAY, NOW + DAY - MICROSECOND, None)
    assert not domain.debarment_periods_overlap(NOW, NOW + DAY, NOW + DAY, NOW + 2 * DAY)  # back to back
    assert not domain.debarment_periods_overlap(NOW + DAY, None, NOW, NOW + DAY)
    assert domain.debarment_periods_overlap(NOW, None, NOW + 100 * DAY, None)


# --- Recording ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_review_body_records_a_debarment_audited_and_announced(
    world: World, frozen_clock: clock.Clock, received: list[Any]
) -> None:
    # when
    debarment = debar(world, reason=f"  {REASON}  ", authority=f" {BOARD} ")
    # then
    stored = Debarment.objects.get(pk=debarment.pk)
    assert stored.supplier == world.supplier
    assert (stored.reason, stored.authority, stored.reference) == (REASON, BOARD, "PPRB/2026/17")
    assert (stored.starts_on, stored.ends_on) == (NOW, NOW + 365 * DAY)
    assert (stored.recorded_by, stored.recorded_at) == (world.reviewer, NOW)
    assert stored.lifted_at is None
    entry = AuditEntry.objects.get(action=AuditAction.DEBARMENT_RECORDED)
    assert entry.object_id == str(debarment.pk)
    assert entry.organisation_id == world.supplier.pk
    assert entry.actor_id == world.reviewer.pk
    assert entry.after is not None
    assert entry.after["authority"] == BOARD
    assert entry.after["ends_on"] == (NOW + 365 * DAY).isoformat()
    assert received == [
        DebarmentRecorded(
            debarment_id=debarment.pk, supplier_id=world.supplier.pk, starts_on=NOW, ends_on=NOW + 365 * DAY
        )
    ]


@pytest.mark.django_db
def test_a_platform_administrator_records_an_indefinite_debarment(world: World, frozen_clock: clock.Clock) -> None:
    debarment = debar(world, actor=world.admin, ends_on=None, reference="")
    assert Debarment.objects.get(pk=debarment.pk).ends_on is None


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["officer", "bid_manager", "viewer", "other_bid_manager", "auditor"])
def test_only_administrators_and_the_review_body_record_debarments(
    world: World, frozen_clock: clock.Clock, person: str
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        debar(world, actor=getattr(world, person))
    assert refused.value.message == "Only platform administrators and the review body can record or lift debarments."
    assert not Debarment.objects.exists()
    assert audited(AuditAction.DEBARMENT_RECORDED) == 0


@pytest.mark.django_db
def test_an_anonymous_person_is_told_to_sign_in(world: World, frozen_clock: clock.Clock) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        debar(world, actor=AnonymousUser())
    assert not Debarment.objects.exists()


@pytest.mark.django_db
def test_every_bad_detail_is_named_at_once_and_nothing_is_written(world: World, frozen_clock: clock.Clock) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        debar(world, supplier=world.buyer, reason="  ", authority="", reference="x" * 101, ends_on=NOW - DAY)
    # then
    assert set(refused.value.fields) == {"supplier", "reason", "authority", "reference", "ends_on"}
    assert refused.value.fields["supplier"] == ["Only suppliers can be debarred: choose a supplier organisation."]
    assert refused.value.fields["ends_on"] == [
        "The end must be after the start. Leave it empty for an indefinite debarment."
    ]
    assert not Debarment.objects.exists()
    assert audited(AuditAction.DEBARMENT_RECORDED) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"starts_on": None}, "starts_on", "Enter when the debarment starts."),
        ({"starts_on": dt.datetime(2026, 3, 2, 9, 0)}, "starts_on", "Give the time with its time zone."),
        ({"ends_on": "tomorrow"}, "ends_on", "Enter a date and time, such as 2026-04-30 12:00."),
        ({"ends_on": NOW}, "ends_on", "The end must be after the start. Leave it empty for an indefinite debarment."),
        ({"supplier": None}, "supplier", "Choose the supplier to debar."),
        ({"reason": "x" * 5001}, "reason", "Shorten this to at most 5000 characters."),
        ({"authority": "Board\x00"}, "authority", "Remove the null characters from this text."),
    ],
)
def test_each_bad_detail_is_named(
    world: World, frozen_clock: clock.Clock, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        debar(world, **overrides)
    assert refused.value.fields == {field: [message]}
    assert not Debarment.objects.exists()


@pytest.mark.django_db
def test_an_overlapping_debarment_of_the_same_supplier_is_a_conflict(world: World, frozen_clock: clock.Clock) -> None:
    # given a debarment for a year
    first = debar(world)
    # when another is recorded starting half-way through it
    with pytest.raises(Conflict) as refused:
        debar(world, starts_on=NOW + 180 * DAY, ends_on=None)
    # then it is refused, naming the one in the way
    assert "starts_on" in refused.value.fields
    assert "Small Firm Ltd is already debarred by Public Procurement Review Board" in refused.value.message
    assert Debarment.objects.get() == first
    assert audited(AuditAction.DEBARMENT_RECORDED) == 1


@pytest.mark.django_db
def test_back_to_back_periods_other_suppliers_and_lifted_debarments_do_not_conflict(
    world: World, frozen_clock: clock.Clock
) -> None:
    first = debar(world, ends_on=NOW + 30 * DAY)
    debar(world, starts_on=NOW + 30 * DAY, ends_on=NOW + 60 * DAY)  # starts as the first ends
    debar(world, supplier=world.other_supplier, ends_on=None)
    debarment_lift(actor=world.reviewer, debarment=first, reason="Annulled on appeal.")
    debar(world, starts_on=NOW + DAY, ends_on=NOW + 2 * DAY)  # where the lifted one was
    assert Debarment.objects.count() == 4


@pytest.mark.django_db
def test_the_database_refuses_an_end_before_the_start(world: World, frozen_clock: clock.Clock) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Debarment.objects.create(
            supplier=world.supplier,
            reason=REASON,
            authority=BOARD,
            starts_on=NOW,
            ends_on=NOW,
            recorded_by=world.admin,
            recorded_at=NOW,
        )


# --- Lifting --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_lifting_is_recorded_never_deleted(world: World, frozen_clock: clock.Clock, received: list[Any]) -> None:
    # given
    debarment = debar(world, ends_on=None)
    lifted_at = frozen_clock.advance(10 * DAY)
    # when
    lifted = debarment_lift(actor=world.admin, debarment=debarment, reason="  Annulled on appeal.  ")
    # then
    stored = Debarment.objects.get(pk=debarment.pk)
    assert (stored.lifted_at, stored.lifted_by, stored.lift_reason) == (lifted_at, world.admin, "Annulled on appeal.")
    assert lifted.lifted_at == lifted_at
    entry = AuditEntry.objects.get(action=AuditAction.DEBARMENT_LIFTED)
    assert entry.object_id == str(debarment.pk)
    assert entry.after == {"lifted_at": lifted_at.isoformat(), "lift_reason": "Annulled on appeal."}
    assert received[-1] == DebarmentLifted(
        debarment_id=debarment.pk, supplier_id=world.supplier.pk, lifted_at=lifted_at
    )
    assert selectors.active_debarment(world.supplier.pk, lifted_at) is None
    assert selectors.active_debarment(world.supplier.pk, lifted_at - MICROSECOND) == debarment


@pytest.mark.django_db
def test_lifting_needs_a_reason_the_right_person_and_a_debarment_still_to_lift(
    world: World, frozen_clock: clock.Clock
) -> None:
    debarment = debar(world, ends_on=NOW + 30 * DAY)
    with pytest.raises(InvalidInput) as no_reason:
        debarment_lift(actor=world.reviewer, debarment=debarment, reason=" ")
    assert no_reason.value.fields == {"reason": ["Enter why the debarment is lifted: it is published."]}
    with pytest.raises(PermissionDenied):
        debarment_lift(actor=world.officer, debarment=debarment, reason="Because.")
    with pytest.raises(PermissionDenied):
        debarment_lift(actor=world.bid_manager, debarment=debarment, reason="Because.")
    assert Debarment.objects.get(pk=debarment.pk).lifted_at is None
    # once lifted, it cannot be lifted again
    debarment_lift(actor=world.reviewer, debarment=debarment, reason="Annulled on appeal.")
    with pytest.raises(Conflict):
        debarment_lift(actor=world.reviewer, debarment=debarment, reason="Again.")
    assert Debarment.objects.get(pk=debarment.pk).lift_reason == "Annulled on appeal."
    assert audited(AuditAction.DEBARMENT_LIFTED) == 1


@pytest.mark.django_db
def test_an_ended_debarment_cannot_be_lifted(world: World, frozen_clock: clock.Clock) -> None:
    debarment = debar(world, ends_on=NOW + 30 * DAY)
    frozen_clock.advance(30 * DAY)
    with pytest.raises(RuleViolation) as refused:
        debarment_lift(actor=world.reviewer, debarment=debarment, reason="Too late.")
    assert "there is nothing to lift" in refused.value.message
    assert Debarment.objects.get(pk=debarment.pk).lifted_at is None


# --- The check bids and awards run -------------------------------------------------------------------
@pytest.mark.django_db
def test_the_refusal_names_the_supplier_the_authority_and_the_end(world: World, frozen_clock: clock.Clock) -> None:
    debar(world, ends_on=dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC))
    with pytest.raises(RuleViolation) as refused:
        check_not_debarred(supplier=world.supplier, at=NOW, field="supplier")
    message = (
        "Small Firm Ltd is debarred by Public Procurement Review Board until 2027-03-02 09:00 UTC: it can "
        "neither bid nor be awarded a contract until then. See the public debarment list."
    )
    assert refused.value.message == message
    assert refused.value.fields == {"supplier": [message]}
    check_not_debarred(supplier=world.other_supplier, at=NOW)  # someone else: no refusal


@pytest.mark.django_db
def test_an_indefinite_debarment_says_so(world: World, frozen_clock: clock.Clock) -> None:
    debar(world, ends_on=None)
    with pytest.raises(RuleViolation) as refused:
        check_not_debarred(supplier=world.supplier, at=NOW)
    assert refused.value.message.startswith(
        "Small Firm Ltd is debarred indefinitely by Public Procurement Review Board"
    )
    assert refused.value.fields == {}


# --- Blocked at bid, as the clock moves -------------------------------------------------------------
@pytest.mark.django_db
def test_a_supplier_debarred_from_a_future_date_bids_until_then_and_is_refused_from_then(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given three open tenders and a debarment announced to start in five days
    first, second, third = (open_tender(world.officer, world.buyer, title=t) for t in ("First", "Second", "Third"))
    starts = NOW + 5 * DAY
    debar(world, starts_on=starts, ends_on=starts + 90 * DAY)
    # when the supplier bids now, and a microsecond before the start
    submitted_bid(first, world.bid_manager, world.supplier)
    frozen_clock.set(starts - MICROSECOND)
    early = start(world, second)
    # then both are accepted
    assert Bid.objects.filter(supplier=world.supplier).count() == 2
    # when the debarment starts
    frozen_clock.set(starts)
    drafts_saved = audited(AuditAction.BID_DRAFT_SAVED)
    with pytest.raises(RuleViolation) as refused:
        start(world, third)
    # then starting a bid is refused, naming the supplier field, and nothing is written
    assert "Small Firm Ltd is debarred by Public Procurement Review Board until" in refused.value.message
    assert list(refused.value.fields) == ["supplier"]
    assert not Bid.objects.filter(tender=third).exists()
    assert audited(AuditAction.BID_DRAFT_SAVED) == drafts_saved
    # and the draft started a microsecond before can no longer be submitted
    bid_services.bid_draft_save(actor=world.bid_manager, bid=early, price="900.00")
    with pytest.raises(RuleViolation):
        bid_services.bid_submit(actor=world.bid_manager, bid=early)
    # another supplier is not affected
    other = bid_services.bid_start(
        actor=world.other_bid_manager, tender=third, lot=lot_of(third), supplier=world.other_supplier
    )
    assert other.supplier == world.other_supplier


@pytest.mark.django_db
def test_a_draft_cannot_be_submitted_once_the_debarment_starts_and_nothing_is_half_written(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a complete draft, and a debarment starting tomorrow
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    debar(world, starts_on=NOW + DAY)
    frozen_clock.advance(DAY)
    submitted = audited(AuditAction.BID_SUBMITTED)
    # when the supplier submits it
    with pytest.raises(RuleViolation) as refused:
        bid_services.bid_submit(actor=world.bid_manager, bid=bid)
    # then it is refused, and the bid is the draft it was: no version, no receipt, no audit entry
    assert "it can neither bid nor be awarded" in refused.value.message
    stored = Bid.objects.get(pk=bid.pk)
    assert stored.status == BidStatus.DRAFT
    assert stored.submitted_at is None
    assert bytes(stored.draft_sealed)
    assert not BidVersion.objects.filter(bid=bid).exists()
    assert not Receipt.objects.filter(bid=bid).exists()
    assert audited(AuditAction.BID_SUBMITTED) == submitted


@pytest.mark.django_db
def test_submission_is_checked_at_its_own_moment_after_the_sealing(
    world: World, frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a draft, and a debarment starting at the very moment the submission is being sealed
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    starts = NOW + dt.timedelta(seconds=1)
    debar(world, starts_on=starts)
    real_seal: Callable[..., bytes] = sealing.seal

    def slow_seal(*args: Any, **kwargs: Any) -> bytes:
        frozen_clock.set(starts)  # the clock moves on while the bid is sealed
        return real_seal(*args, **kwargs)

    monkeypatch.setattr(sealing, "seal", slow_seal)
    # when
    with pytest.raises(RuleViolation):
        bid_services.bid_submit(actor=world.bid_manager, bid=bid)
    # then the late moment counted, and nothing was written
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
    assert not BidVersion.objects.filter(bid=bid).exists()


@pytest.mark.django_db
def test_bids_submitted_before_the_debarment_stay(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier)
    debar(world, starts_on=NOW + DAY)
    frozen_clock.advance(2 * DAY)
    stored = Bid.objects.get(pk=bid.pk)
    assert stored.status == BidStatus.SUBMITTED
    assert Receipt.objects.filter(pk=receipt.pk).exists()


@pytest.mark.django_db
def test_the_supplier_bids_again_from_the_end_of_the_debarment(world: World, frozen_clock: clock.Clock) -> None:
    # given a debarment of two days, in force
    tender = open_tender(world.officer, world.buyer)
    ends = NOW + 2 * DAY
    debar(world, ends_on=ends)
    with pytest.raises(RuleViolation):
        start(world, tender)
    frozen_clock.set(ends - MICROSECOND)
    with pytest.raises(RuleViolation):
        start(world, tender)
    # when it ends
    frozen_clock.set(ends)
    # then the supplier can start and submit a bid
    bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier)
    assert bid.status == BidStatus.SUBMITTED
    assert receipt.issued_at == ends


@pytest.mark.django_db
def test_the_supplier_bids_again_as_soon_as_the_debarment_is_lifted(world: World, frozen_clock: clock.Clock) -> None:
    # given an indefinite debarment and a draft started before it
    tender = open_tender(world.officer, world.buyer)
    other_tender = open_tender(world.officer, world.buyer, title="Other")
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    debarment = debar(world, starts_on=NOW + DAY, ends_on=None)
    frozen_clock.advance(3 * DAY)
    with pytest.raises(RuleViolation):
        bid_services.bid_submit(actor=world.bid_manager, bid=bid)
    with pytest.raises(RuleViolation):
        start(world, other_tender)
    # when it is lifted
    debarment_lift(actor=world.reviewer, debarment=debarment, reason="Annulled on appeal.")
    # then the draft can be submitted and new bids started
    receipt = bid_services.bid_submit(actor=world.bid_manager, bid=bid)
    assert receipt.issued_at == NOW + 3 * DAY
    assert start(world, other_tender).supplier == world.supplier


@pytest.mark.django_db
def test_the_bids_api_refuses_a_debarred_supplier_naming_the_field(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    debar(world, ends_on=None)
    body = {"tender": tender.ocid, "lot": lot_of(tender).local_id, "supplier": str(world.supplier.pk)}
    response = send(bearer(world, "bid_manager"), "POST", "/api/v1/bids", body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "rule_violation"
    assert error["message"].startswith("Small Firm Ltd is debarred indefinitely")
    assert list(error["fields"]) == ["supplier"]
    assert not Bid.objects.exists()


@pytest.mark.django_db
def test_the_bid_page_tells_a_debarred_supplier_why(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    debar(world, ends_on=None)
    response = world.client("bid_manager").post(f"/bids/start/{lot_of(tender).pk}/", {"supplier": world.supplier.pk})
    assert response.status_code == 200
    assert "Small Firm Ltd is debarred indefinitely by Public Procurement Review Board" in response.content.decode()
    assert not Bid.objects.exists()


# --- Selectors ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_public_list_holds_current_and_announced_debarments_and_the_past_on_request(
    world: World, frozen_clock: clock.Clock
) -> None:
    third = factories.organisation(OrganisationKind.SUPPLIER, name="Third Firm Ltd")
    ended = debar(world, starts_on=NOW - 60 * DAY, ends_on=NOW - 30 * DAY)
    current = debar(world, ends_on=None)
    upcoming = debar(world, supplier=world.other_supplier, starts_on=NOW + DAY)
    lifted = debar(world, supplier=third, starts_on=NOW - DAY)
    debarment_lift(actor=world.reviewer, debarment=lifted, reason="Annulled on appeal.")
    assert list(selectors.public_debarments(NOW, include_past=False)) == [upcoming, current]
    assert list(selectors.public_debarments(NOW, include_past=True)) == [upcoming, current, lifted, ended]
    assert selectors.active_debarment(world.supplier.pk, NOW) == current
    assert selectors.active_debarment(world.other_supplier.pk, NOW) is None
    assert selectors.active_debarment(third.pk, NOW) is None
    assert selectors.active_debarment("not-a-uuid", NOW) is None


@pytest.mark.django_db
def test_a_supplier_is_found_by_its_identifier(world: World) -> None:
    identifier = world.supplier.identifier  # GB-COH-T0000123
    assert selectors.supplier_by_identifier(identifier) == world.supplier
    assert selectors.supplier_by_identifier(f"  {identifier.lower()} ") == world.supplier
    assert selectors.supplier_by_identifier(world.buyer.identifier) is None  # not a supplier
    assert selectors.supplier_by_identifier("GB-COH-") is None
    assert selectors.supplier_by_identifier("nothing") is None


# --- The public page ----------------------------------------------------------------------------------
def _page(client: Client) -> str:
    response = client.get("/suppliers/debarred/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_public_page_lists_debarments_in_force_then_past_ones(world: World, frozen_clock: clock.Clock) -> None:
    # given one debarment in force and one lifted
    debar(world, ends_on=dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC))
    lifted = debar(world, supplier=world.other_supplier, reference="")
    debarment_lift(actor=world.reviewer, debarment=lifted, reason="Annulled by the court on 1 March.")
    # when anyone opens the list
    html = _page(Client())
    # then the one in force is in the first table, with everything public about it
    in_force, past = html.split('id="past"')
    assert "<caption>Suppliers debarred now</caption>" in in_force
    assert '<th scope="col">Deciding authority</th>' in in_force
    for text in ("Small Firm Ltd", world.supplier.identifier, REASON, BOARD, "PPRB/2026/17", "2027"):
        assert text in in_force
    assert "Rival Firm Ltd" not in in_force
    # and the lifted one below, with why it was lifted
    assert "Rival Firm Ltd" in past
    assert "Annulled by the court on 1 March." in past
    assert "Lifted" in past
    assert "Record a debarment" not in html
    assert "/lift/" not in html


@pytest.mark.django_db
def test_the_page_follows_the_clock(world: World, frozen_clock: clock.Clock) -> None:
    debar(world, starts_on=NOW + DAY, ends_on=NOW + 2 * DAY)
    client = Client()
    assert 'id="upcoming"' in _page(client)
    assert "No supplier is debarred now." in _page(client)
    frozen_clock.advance(DAY)
    html = _page(client)
    assert 'id="upcoming"' not in html
    assert "Small Firm Ltd" in html.split('id="past"')[0]
    frozen_clock.advance(DAY)
    html = _page(client)
    assert "No supplier is debarred now." in html
    assert "Small Firm Ltd" in html.split('id="past"')[1]
    assert "Ended" in html


@pytest.mark.django_db
def test_keepers_see_the_links_to_record_and_lift(world: World, frozen_clock: clock.Clock) -> None:
    debarment = debar(world)
    html = _page(world.client("reviewer"))
    assert "/suppliers/debarred/add/" in html
    assert f"/suppliers/debarred/{debarment.pk}/lift/" in html


# --- The forms ---------------------------------------------------------------------------------------
def _form(world: World, **overrides: str) -> dict[str, str]:
    values = {
        "supplier": "",
        "identifier": "",
        "reason": REASON,
        "authority": BOARD,
        "reference": "PPRB/2026/17",
        "starts_on": "2026-03-02T09:00",
        "ends_on": "2027-03-02T09:00",
    }
    values.update(overrides)
    return values


@pytest.mark.django_db
def test_the_review_body_records_a_debarment_choosing_the_supplier_by_identifier(
    world: World, frozen_clock: clock.Clock
) -> None:
    response = world.client("reviewer").post(
        "/suppliers/debarred/add/", _form(world, identifier=world.supplier.identifier)
    )
    assert response.status_code == 302
    assert response["Location"] == "/suppliers/debarred/"
    debarment = Debarment.objects.get()
    assert debarment.supplier == world.supplier
    assert debarment.recorded_by == world.reviewer
    assert (debarment.starts_on, debarment.ends_on) == (NOW, dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_an_administrator_records_one_choosing_the_supplier_from_the_list(
    world: World, frozen_clock: clock.Clock
) -> None:
    client = world.client("admin")
    form_page = client.get("/suppliers/debarred/add/").content.decode()
    assert f'value="{world.supplier.pk}"' in form_page
    assert f'value="{world.buyer.pk}"' not in form_page  # only suppliers are offered
    response = client.post("/suppliers/debarred/add/", _form(world, supplier=str(world.other_supplier.pk), ends_on=""))
    assert response.status_code == 302
    assert Debarment.objects.get().supplier == world.other_supplier
    assert Debarment.objects.get().ends_on is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "Choose the supplier from the list, or enter its identifier."),
        ({"identifier": "GB-COH-NOPE"}, "No supplier has this identifier. Check it on the supplier&#x27;s page."),
        ({"identifier": "x", "reason": ""}, "Enter the reason for the debarment: it is published."),
        ({"identifier": "x", "starts_on": "soon"}, "Enter a date and time, such as 2026-04-30 12:00."),
    ],
)
def test_the_form_names_what_to_correct(
    world: World, frozen_clock: clock.Clock, overrides: dict[str, str], message: str
) -> None:
    if overrides.get("identifier") == "x":
        overrides = {**overrides, "identifier": world.supplier.identifier}
    response = world.client("reviewer").post("/suppliers/debarred/add/", _form(world, **overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(message) >= 2  # in the summary and by the field
    assert not Debarment.objects.exists()


@pytest.mark.django_db
def test_the_form_shows_the_services_refusal_by_the_field(world: World, frozen_clock: clock.Clock) -> None:
    debar(world, ends_on=None)
    response = world.client("reviewer").post(
        "/suppliers/debarred/add/", _form(world, identifier=world.supplier.identifier, starts_on="2026-05-01T09:00")
    )
    assert response.status_code == 200
    assert "Small Firm Ltd is already debarred by Public Procurement Review Board" in response.content.decode()
    assert Debarment.objects.count() == 1


@pytest.mark.django_db
def test_lifting_through_the_page_asks_why(world: World, frozen_clock: clock.Clock) -> None:
    debarment = debar(world, ends_on=None)
    client = world.client("admin")
    url = f"/suppliers/debarred/{debarment.pk}/lift/"
    page = client.get(url)
    assert page.status_code == 200
    assert REASON in page.content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert "Enter why the debarment is lifted: it is published." in refused.content.decode()
    assert Debarment.objects.get(pk=debarment.pk).lifted_at is None
    done = client.post(url, {"reason": "Annulled on appeal."})
    assert done.status_code == 302
    assert Debarment.objects.get(pk=debarment.pk).lift_reason == "Annulled on appeal."
    again = client.post(url, {"reason": "Again."})
    assert again.status_code == 200
    assert "This debarment has been lifted." in again.content.decode()
    assert Debarment.objects.get(pk=debarment.pk).lift_reason == "Annulled on appeal."
    assert audited(AuditAction.DEBARMENT_LIFTED) == 1


# --- The API -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_anyone_reads_the_list_page_by_page(world: World, frozen_clock: clock.Clock) -> None:
    debar(world, starts_on=NOW - 10 * DAY, ends_on=NOW - DAY)
    debar(world, ends_on=None)
    debar(world, supplier=world.other_supplier, starts_on=NOW + DAY)
    client = Client()
    first = client.get("/api/v1/debarments?limit=1").json()
    assert [d["supplier"]["name"] for d in first["results"]] == ["Rival Firm Ltd"]
    assert first["results"][0]["state"] == "upcoming"
    assert first["results"][0]["in_force"] is False
    second = client.get(f"/api/v1/debarments?limit=1&cursor={first['next_cursor']}").json()
    assert [(d["supplier"]["identifier"], d["state"]) for d in second["results"]] == [
        (world.supplier.identifier, "in_force")
    ]
    assert second["next_cursor"] is None
    everything = client.get("/api/v1/debarments?include_past=true").json()["results"]
    assert [d["state"] for d in everything] == ["upcoming", "in_force", "ended"]
    mine = client.get(f"/api/v1/debarments?include_past=true&supplier={world.supplier.pk}").json()["results"]
    assert len(mine) == 2
    assert set(mine[0]) == {
        "id",
        "supplier",
        "reason",
        "authority",
        "reference",
        "starts_on",
        "ends_on",
        "state",
        "in_force",
        "lifted_at",
        "lift_reason",
        "recorded_at",
    }


@pytest.mark.django_db
def test_the_review_body_debars_and_lifts_through_the_api(world: World, frozen_clock: clock.Clock) -> None:
    client = bearer(world, "reviewer")
    body = {
        "supplier": str(world.supplier.pk),
        "reason": REASON,
        "authority": BOARD,
        "starts_on": "2026-03-02T09:00:00+00:00",
        "reference": "PPRB/2026/17",
    }
    created = send(client, "POST", "/api/v1/debarments", body)
    assert created.status_code == 201, created.content
    debarment = created.json()
    assert (debarment["state"], debarment["in_force"], debarment["ends_on"]) == ("in_force", True, None)
    # the same supplier again: a conflict
    again = send(client, "POST", "/api/v1/debarments", body)
    assert again.status_code == 409
    assert list(error_of(again)["fields"]) == ["starts_on"]
    # lifted
    lifted = send(client, "POST", f"/api/v1/debarments/{debarment['id']}/lift", {"reason": "Annulled on appeal."})
    assert lifted.status_code == 200
    assert (lifted.json()["state"], lifted.json()["lift_reason"]) == ("lifted", "Annulled on appeal.")
    assert send(client, "POST", f"/api/v1/debarments/{debarment['id']}/lift", {"reason": "x"}).status_code == 409


@pytest.mark.django_db
def test_the_api_names_each_bad_field(world: World, frozen_clock: clock.Clock) -> None:
    client = bearer(world, "admin")
    body = {
        "supplier": str(world.buyer.pk),
        "reason": "",
        "authority": BOARD,
        "starts_on": "2026-03-02T09:00:00",
        "ends_on": "2026-03-01T09:00:00+00:00",
    }
    response = send(client, "POST", "/api/v1/debarments", body)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"supplier", "reason", "starts_on"}
    unknown = send(client, "POST", "/api/v1/debarments", {**body, "supplier": "00000000-0000-0000-0000-000000000000"})
    assert error_of(unknown)["fields"] == {"supplier": ["There is no organisation with this id."]}
    missing = send(client, "POST", "/api/v1/debarments/00000000-0000-0000-0000-000000000000/lift", {"reason": "x"})
    assert missing.status_code == 404
    assert not Debarment.objects.exists()


@pytest.mark.django_db
def test_the_django_admin_shows_debarments_read_only(world: World, frozen_clock: clock.Clock) -> None:
    debarment = debar(world)
    client = world.client("admin")
    listing = client.get("/admin/suppliers/debarment/")
    assert listing.status_code == 200
    assert "Small Firm Ltd" in listing.content.decode()
    assert client.get("/admin/suppliers/debarment/add/").status_code == 403
    assert client.post(f"/admin/suppliers/debarment/{debarment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Debarment.objects.filter(pk=debarment.pk).exists()


def test_one_query_tells_which_of_many_suppliers_are_debarred_as_the_clock_moves(
    world: World, frozen_clock: clock.Clock, django_assert_num_queries: Any
) -> None:
    # given the supplier debarred from tomorrow for ten days, the other supplier never
    debar(world, starts_on=NOW + DAY, ends_on=NOW + 11 * DAY)
    both = [world.supplier.pk, world.other_supplier.pk]
    # then each moment gives the suppliers in force then, in one query
    with django_assert_num_queries(1):
        assert selectors.debarred_among(both, NOW) == set()
    assert selectors.debarred_among(both, NOW + DAY) == {world.supplier.pk}
    assert selectors.debarred_among(both, NOW + 11 * DAY - MICROSECOND) == {world.supplier.pk}
    assert selectors.debarred_among(both, NOW + 11 * DAY) == set()
    assert selectors.debarred_among([], NOW + DAY) == set()
