"""Preparing a contract from its award, its terms before signature, amendment, termination and
completion with the supplier's rating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from procura.audit.models import AuditEntry
from procura.contracts import services
from procura.contracts.events import ContractAmended, ContractCompleted, ContractCreated, ContractTerminated
from procura.contracts.models import Contract, ContractAmendment, ContractStatus, PerformanceRating
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied, RuleViolation
from procura.evaluation.models import Award, AwardStatus
from tests.conftest import World
from tests.contracts.support import DAY, awarded, prepared, signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded() -> Iterator[list[object]]:
    seen: list[object] = []
    for kind in (ContractCreated, ContractAmended, ContractTerminated, ContractCompleted):
        events.subscribe(kind, seen.append)
    yield seen
    for kind in (ContractCreated, ContractAmended, ContractTerminated, ContractCompleted):
        events.unsubscribe(kind, seen.append)


# --- Preparing ------------------------------------------------------------------------------------
def test_a_contract_is_prepared_from_its_award(world: World, frozen_clock: clock.Clock, recorded: list[object]) -> None:
    # given
    award = awarded(world, frozen_clock, value="1234.50")
    start, end = clock.now() + 15 * DAY, clock.now() + 200 * DAY
    # when
    contract = services.contract_create(actor=world.officer, award=award, period_start=start, period_end=end)
    # then
    assert contract.status == ContractStatus.PENDING
    assert (contract.buyer, contract.supplier, contract.lot, contract.tender) == (
        world.buyer,
        world.supplier,
        award.lot,
        award.tender,
    )
    assert contract.value_amount == contract.original_value == Decimal("1234.50")
    assert contract.currency == "GBP"
    assert contract.local_id == "contract-1"
    assert contract.title == award.tender.title
    assert (contract.period_start, contract.period_end) == (start, end)
    terms = services.contract_terms(contract)
    assert [i["id"] for i in terms["items"]] == list(award.lot.items.values_list("local_id", flat=True))
    assert terms["value"] == {"amount": "1234.50", "currency": "GBP"}
    assert AuditEntry.objects.filter(action="contract.created", object_id=str(contract.pk)).count() == 1
    assert [type(e) for e in recorded] == [ContractCreated]


def test_one_contract_per_award(world: World, frozen_clock: clock.Clock) -> None:
    award = awarded(world, frozen_clock)
    prepared(world, award)
    with pytest.raises(Conflict):
        prepared(world, award)
    assert Contract.objects.count() == 1


@pytest.mark.parametrize("status", [AwardStatus.CANCELLED, AwardStatus.UNSUCCESSFUL])
def test_no_contract_from_a_cancelled_or_failed_award(world: World, frozen_clock: clock.Clock, status: str) -> None:
    award = awarded(world, frozen_clock)
    Award.objects.filter(pk=award.pk).update(status=status)
    with pytest.raises(RuleViolation):
        prepared(world, award)
    assert not Contract.objects.exists()


def test_an_active_award_has_its_contract_prepared(world: World, frozen_clock: clock.Clock) -> None:
    award = awarded(world, frozen_clock)
    Award.objects.filter(pk=award.pk).update(status=AwardStatus.ACTIVE)
    assert prepared(world, award).award_id == award.pk


@pytest.mark.parametrize("who", ["approver", "evaluator", "other_officer", "bid_manager", "admin", "auditor"])
def test_only_the_buyers_procurement_officers_prepare_contracts(
    world: World, frozen_clock: clock.Clock, who: str
) -> None:
    award = awarded(world, frozen_clock)
    with pytest.raises(PermissionDenied):
        services.contract_create(
            actor=getattr(world, who),
            award=award,
            period_start=clock.now() + DAY,
            period_end=clock.now() + 2 * DAY,
        )


def test_anonymous_prepares_nothing(world: World, frozen_clock: clock.Clock) -> None:
    from django.contrib.auth.models import AnonymousUser

    award = awarded(world, frozen_clock)
    with pytest.raises(NotAuthenticated):
        services.contract_create(
            actor=AnonymousUser(),  # type: ignore[arg-type]
            award=award,
            period_start=clock.now() + DAY,
            period_end=clock.now() + 2 * DAY,
        )


def test_the_period_is_in_order_and_aware(world: World, frozen_clock: clock.Clock) -> None:
    award = awarded(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        prepared(world, award, period_start=clock.now() + 2 * DAY, period_end=clock.now() + 2 * DAY)
    assert set(refused.value.fields) == {"period_end"}
    with pytest.raises(InvalidInput) as naive:
        prepared(world, award, period_start=dt.datetime(2027, 1, 1))
    assert set(naive.value.fields) == {"period_start"}


def test_contracts_of_a_tender_are_numbered(world: World, frozen_clock: clock.Clock) -> None:
    from tests.contracts.support import award_for, two_lot_tender

    tender, bids = two_lot_tender(world, frozen_clock)
    first = prepared(world, award_for(tender, bids[0].lot, bids[0], world.officer))
    second = prepared(world, award_for(tender, bids[1].lot, bids[1], world.officer))
    assert (first.local_id, second.local_id) == ("contract-1", "contract-2")
    assert first.title == f"{tender.title} – North"


def test_terms_are_edited_before_signature(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    end = contract.period_end + 30 * DAY
    services.contract_update_terms(
        actor=world.officer, contract=contract, title="New title", description="Details", period_end=end
    )
    contract.refresh_from_db()
    assert (contract.title, contract.description, contract.period_end) == ("New title", "Details", end)
    with pytest.raises(InvalidInput) as refused:
        services.contract_update_terms(actor=world.officer, contract=contract, title="  ")
    assert set(refused.value.fields) == {"title"}
    with pytest.raises(InvalidInput):
        services.contract_update_terms(actor=world.officer, contract=contract, period_end=contract.period_start)
    with pytest.raises(PermissionDenied):
        services.contract_update_terms(actor=world.bid_manager, contract=contract, title="Supplier's title")
    entry = AuditEntry.objects.get(action="contract.terms_updated")
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["title"], entry.after["title"]) == (contract.tender.title, "New title")


# --- Amendments -----------------------------------------------------------------------------------
def test_an_amendment_changes_value_and_period_with_its_rationale(
    world: World, frozen_clock: clock.Clock, recorded: list[object]
) -> None:
    # given
    contract = signed(world, frozen_clock, value="1000.00")
    end = contract.period_end + 60 * DAY
    # when
    amendment = services.contract_amend(
        actor=world.officer, contract=contract, rationale="More sites.", value_amount="1050.00", period_end=end
    )
    # then
    contract.refresh_from_db()
    assert (contract.value_amount, contract.period_end, contract.original_value) == (
        Decimal("1050.00"),
        end,
        Decimal("1000.00"),
    )
    assert (amendment.value_before, amendment.value_after) == (Decimal("1000.00"), Decimal("1050.00"))
    assert amendment.cumulative_share == Decimal("0.0500")
    assert amendment.exceeds_threshold is False
    assert amendment.local_id == "amendment-1"
    assert isinstance(recorded[-1], ContractAmended)
    assert recorded[-1].amendment_id == amendment.pk


def test_the_flag_is_cumulative_against_the_original_value(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    first = services.contract_amend(actor=world.officer, contract=contract, rationale="a", value_amount="1060.00")
    second = services.contract_amend(actor=world.officer, contract=contract, rationale="b", value_amount="1120.00")
    assert (first.exceeds_threshold, second.exceeds_threshold) == (False, True)
    assert second.cumulative_share == Decimal("0.1200")


@pytest.mark.parametrize(
    ("new_value", "flagged"),
    [("1100.00", False), ("1100.01", True), ("900.00", False), ("899.99", True)],
)
def test_the_flag_threshold_is_exact(world: World, frozen_clock: clock.Clock, new_value: str, flagged: bool) -> None:
    # the default share is 10%: exactly 10% is not flagged, one cent more is, either way
    contract = signed(world, frozen_clock, value="1000.00")
    amendment = services.contract_amend(actor=world.officer, contract=contract, rationale="r", value_amount=new_value)
    assert amendment.exceeds_threshold is flagged


def test_the_threshold_is_a_setting(world: World, frozen_clock: clock.Clock, settings: object) -> None:
    settings.CONTRACT_AMENDMENT_FLAG_SHARE = 0.25  # type: ignore[attr-defined]
    contract = signed(world, frozen_clock, value="1000.00")
    amendment = services.contract_amend(actor=world.officer, contract=contract, rationale="r", value_amount="1200.00")
    assert amendment.exceeds_threshold is False
    amendment = services.contract_amend(actor=world.officer, contract=contract, rationale="r", value_amount="1250.01")
    assert amendment.exceeds_threshold is True


def test_an_amendment_needs_a_rationale_and_a_change(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(InvalidInput) as no_reason:
        services.contract_amend(actor=world.officer, contract=contract, rationale=" ", value_amount="1.00")
    assert set(no_reason.value.fields) == {"rationale"}
    with pytest.raises(InvalidInput, match="changes nothing"):
        services.contract_amend(actor=world.officer, contract=contract, rationale="r")
    with pytest.raises(InvalidInput) as bad:
        services.contract_amend(actor=world.officer, contract=contract, rationale="r", value_amount="12.345")
    assert set(bad.value.fields) == {"value_amount"}
    with pytest.raises(InvalidInput) as early:
        services.contract_amend(actor=world.officer, contract=contract, rationale="r", period_end=contract.period_start)
    assert set(early.value.fields) == {"period_end"}
    assert not ContractAmendment.objects.exists()


def test_the_value_never_drops_below_what_was_paid(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    services.payment_record(actor=world.officer, contract=contract, amount="600.00", paid_at=clock.now())
    with pytest.raises(RuleViolation, match="already been paid"):
        services.contract_amend(actor=world.officer, contract=contract, rationale="r", value_amount="599.99")
    assert services.contract_amend(
        actor=world.officer, contract=contract, rationale="r", value_amount="600.00"
    ).exceeds_threshold


def test_only_a_contract_in_force_is_amended(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    with pytest.raises(RuleViolation, match="in force"):
        services.contract_amend(actor=world.officer, contract=contract, rationale="r", value_amount="2.00")


@pytest.mark.parametrize("who", ["approver", "bid_manager", "other_officer", "admin"])
def test_only_procurement_officers_amend(world: World, frozen_clock: clock.Clock, who: str) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(PermissionDenied):
        services.contract_amend(actor=getattr(world, who), contract=contract, rationale="r", value_amount="2.00")


# --- Termination and completion -------------------------------------------------------------------
def test_termination_with_a_reason(world: World, frozen_clock: clock.Clock, recorded: list[object]) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        services.contract_terminate(actor=world.officer, contract=contract, reason="")
    assert set(refused.value.fields) == {"reason"}
    services.contract_terminate(actor=world.officer, contract=contract, reason="Repeated late deliveries.")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert (contract.terminated_at, contract.termination_reason) == (clock.now(), "Repeated late deliveries.")
    assert isinstance(recorded[-1], ContractTerminated)
    with pytest.raises(RuleViolation):
        services.contract_terminate(actor=world.officer, contract=contract, reason="Again")
    with pytest.raises(RuleViolation):
        services.contract_complete(actor=world.officer, contract=contract, rating=3, comment="c")


def test_a_contract_awaiting_signature_is_not_terminated(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    with pytest.raises(RuleViolation):
        services.contract_terminate(actor=world.officer, contract=contract, reason="r")


def test_completion_keeps_the_rating_on_the_suppliers_record(
    world: World, frozen_clock: clock.Clock, recorded: list[object]
) -> None:
    contract = signed(world, frozen_clock)
    rating = services.contract_complete(actor=world.officer, contract=contract, rating=4, comment="Good, one delay.")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.COMPLETED
    assert contract.completed_at == clock.now()
    assert (rating.supplier, rating.score, rating.comment, rating.rated_by) == (
        world.supplier,
        4,
        "Good, one delay.",
        world.officer,
    )
    assert list(world.supplier.performance_ratings.all()) == [rating]
    assert isinstance(recorded[-1], ContractCompleted)
    with pytest.raises(RuleViolation):
        services.contract_complete(actor=world.officer, contract=contract, rating=4, comment="again")
    assert PerformanceRating.objects.count() == 1


@pytest.mark.parametrize("rating", [0, 6, -1, True, "5"])
def test_a_rating_is_from_one_to_five(world: World, frozen_clock: clock.Clock, rating: object) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        services.contract_complete(actor=world.officer, contract=contract, rating=rating, comment="c")  # type: ignore[arg-type]
    assert set(refused.value.fields) == {"rating"}


def test_a_rating_needs_a_comment(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(InvalidInput) as refused:
        services.contract_complete(actor=world.officer, contract=contract, rating=5, comment="   ")
    assert set(refused.value.fields) == {"comment"}


@pytest.mark.parametrize("who", ["approver", "bid_manager", "other_officer", "auditor"])
def test_only_procurement_officers_terminate_or_complete(world: World, frozen_clock: clock.Clock, who: str) -> None:
    contract = signed(world, frozen_clock)
    with pytest.raises(PermissionDenied):
        services.contract_terminate(actor=getattr(world, who), contract=contract, reason="r")
    with pytest.raises(PermissionDenied):
        services.contract_complete(actor=getattr(world, who), contract=contract, rating=3, comment="c")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
