"""Tender services: drafts, publication, amendments, cancellation, clarifications."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from procura.audit.models import AuditEntry
from procura.core import clock, events
from procura.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from procura.tenders import services
from procura.tenders.domain import TenderStatus
from procura.tenders.events import TenderAmended, TenderPublished
from procura.tenders.models import Amendment, Lot, Tender
from procura.tenders.selectors import status_of
from procura.tenders.services import LotDetails, details_of
from tests.conftest import World
from tests.tenders.support import DAY, details, draft, item, published, rated


def test_a_draft_is_created_with_an_ocid_and_the_current_rules(world: World, frozen_clock: clock.Clock) -> None:
    # when
    tender = draft(world.officer, world.buyer)
    # then
    assert tender.ocid.startswith("ocds-prcdev-")
    assert tender.rules_version == "default/2026.1"
    assert tender.rules["procedure"]["min_tender_days"] == 15
    assert status_of(tender) == TenderStatus.DRAFT
    assert [lot.local_id for lot in tender.lots.all()] == ["LOT-1"]
    assert [i.local_id for i in tender.items.all()] == ["ITEM-1"]
    assert tender.items.get().classification_description.startswith("Disposable non-chemical medical consumables")
    assert AuditEntry.objects.filter(action="tender.created", object_id=str(tender.pk)).count() == 1


def test_only_a_procurement_officer_of_the_buyer_creates_tenders(world: World, frozen_clock: clock.Clock) -> None:
    for person in (world.evaluator, world.other_officer, world.bid_manager):
        with pytest.raises(PermissionDenied):
            draft(person, world.buyer)
    assert Tender.objects.count() == 0


def test_bad_values_name_their_fields_and_write_nothing(world: World, frozen_clock: clock.Clock) -> None:
    bad = details(
        currency="EURO",
        value_amount="-5",
        lots=(LotDetails(title="", items=(item(classification_code="99999999-9", quantity="0", unit_code="??"),)),),
    )
    with pytest.raises(InvalidInput) as caught:
        services.tender_create(actor=world.officer, buyer=world.buyer, details=bad)
    assert set(caught.value.fields) == {
        "currency",
        "value_amount",
        "lots.0.title",
        "lots.0.items.0.classification_code",
        "lots.0.items.0.quantity",
        "lots.0.items.0.unit_code",
    }
    assert Tender.objects.count() == 0


def test_publication_checks_completeness_and_the_procedure_minimum(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft whose deadline is too close, with a lot without items, weights summing to 90
    now = clock.now()
    tender = services.tender_create(
        actor=world.officer,
        buyer=world.buyer,
        details=replace(
            rated(),
            tender_end=now + 5 * DAY,
            enquiry_end=now + 2 * DAY,
            lots=(LotDetails(title="Gloves", items=(item(),)), LotDetails(title="Aprons")),
            criteria=(
                services.CriterionDetails(name="Price", kind="price", weight="60"),
                services.CriterionDetails(name="Delivery", kind="quality", weight="30"),
            ),
        ),
    )
    # when
    with pytest.raises(InvalidInput) as caught:
        services.tender_publish(actor=world.officer, tender=tender)
    # then
    assert set(caught.value.fields) == {"lots.1.items", "criteria", "tender_period_end", "enquiry_period_end"}
    assert "at least 15 days" in caught.value.fields["tender_period_end"][0]
    assert "add up to 90" in caught.value.fields["criteria"][0]
    tender.refresh_from_db()
    assert tender.published_at is None


def test_publishing_is_idempotent(world: World, frozen_clock: clock.Clock) -> None:
    received: list[TenderPublished] = []
    events.subscribe(TenderPublished, received.append)
    try:
        tender = published(world.officer, world.buyer)
        again = services.tender_publish(actor=world.officer, tender=tender)
    finally:
        events.unsubscribe(TenderPublished, received.append)
    assert again.published_at == tender.published_at == clock.now()
    assert len(received) == 1
    assert AuditEntry.objects.filter(action="tender.published").count() == 1
    assert status_of(tender) == TenderStatus.TENDERING


def test_a_published_tender_is_changed_only_by_amendment(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    with pytest.raises(RuleViolation):
        services.tender_update(actor=world.officer, tender=tender, details=details(title="Changed"))


def test_a_material_amendment_extends_the_deadline(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender, 2 days before its deadline
    tender = published(world.officer, world.buyer)
    frozen_clock.advance(18 * DAY)
    deadline = tender.tender_end
    assert deadline is not None
    received: list[TenderAmended] = []
    events.subscribe(TenderAmended, received.append)
    # when a lot is added
    changed = replace(details_of(tender), lots=(*details_of(tender).lots, LotDetails(title="Aprons", items=(item(),))))
    try:
        amendment = services.tender_amend(
            actor=world.officer, tender=tender, details=changed, rationale="Aprons were forgotten."
        )
    finally:
        events.unsubscribe(TenderAmended, received.append)
    # then bids stay open 7 more days from now, and suppliers are told
    tender.refresh_from_db()
    assert amendment.material is True
    assert tender.tender_end == clock.now() + 7 * DAY
    assert amendment.deadline_before == deadline
    assert amendment.deadline_after == tender.tender_end
    # the questions had already closed, so only the lots and the dates of bids move
    assert [c["field"] for c in amendment.changes] == ["lots", "tender_end", "bid_opening_at"]
    assert [lot.local_id for lot in tender.lots.all()] == ["LOT-1", "LOT-2"]
    assert tender.rules_version == "default/2026.1"
    assert received[0].material is True


def test_a_minor_amendment_keeps_the_deadline(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    deadline = tender.tender_end
    amendment = services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), title="Nitrile examination gloves for regional hospitals"),
        rationale="Clearer title.",
    )
    tender.refresh_from_db()
    assert amendment.material is False
    assert tender.tender_end == deadline
    assert amendment.changes == [
        {
            "field": "title",
            "before": "Examination gloves for regional hospitals",
            "after": "Nitrile examination gloves for regional hospitals",
        }
    ]


def test_an_amendment_cannot_shorten_below_the_minimum_or_change_the_procedure(
    world: World, frozen_clock: clock.Clock
) -> None:
    tender = published(world.officer, world.buyer)
    with pytest.raises(InvalidInput) as caught:
        services.tender_amend(
            actor=world.officer,
            tender=tender,
            details=replace(details_of(tender), tender_end=clock.now() + 3 * DAY),
            rationale="Hurry.",
        )
    assert "tender_period_end" in caught.value.fields
    with pytest.raises(RuleViolation) as refused:
        services.tender_amend(
            actor=world.officer,
            tender=tender,
            details=replace(details_of(tender), procedure="negotiated"),
            rationale="Switch.",
        )
    assert set(refused.value.fields) == {"procedure"}
    assert Amendment.objects.count() == 0


def test_cancellation_needs_a_reason_and_is_final(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    with pytest.raises(InvalidInput) as caught:
        services.tender_cancel(actor=world.officer, tender=tender, reason="  ")
    assert set(caught.value.fields) == {"reason"}
    tender = services.tender_cancel(actor=world.officer, tender=tender, reason="The need has gone.")
    assert status_of(tender) == TenderStatus.CANCELLED
    with pytest.raises(RuleViolation):
        services.tender_cancel(actor=world.officer, tender=tender, reason="Again.")
    with pytest.raises(RuleViolation):
        services.tender_amend(
            actor=world.officer, tender=tender, details=replace(details_of(tender), title="X"), rationale="r"
        )


def test_unsuccessful_only_after_bids_close(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    with pytest.raises(RuleViolation):
        services.tender_mark_unsuccessful(actor=world.officer, tender=tender, reason="No bids.")
    frozen_clock.advance(21 * DAY)
    tender = services.tender_mark_unsuccessful(
        actor=world.officer, tender=tender, reason="No valid bids were received."
    )
    assert status_of(tender) == TenderStatus.UNSUCCESSFUL


def test_questions_are_refused_after_the_enquiry_deadline(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    assert tender.enquiry_end is not None
    frozen_clock.set(tender.enquiry_end)
    question = services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Is latex acceptable?"
    )
    assert question.local_id == "Q-1"
    frozen_clock.advance(dt.timedelta(microseconds=1))
    with pytest.raises(RuleViolation) as caught:
        services.clarification_ask(
            actor=world.bid_manager, tender=tender, supplier=world.supplier, question="One more?"
        )
    assert set(caught.value.fields) == {"question"}
    assert tender.clarifications.count() == 1


def test_only_bid_managers_ask_and_only_the_buyer_answers(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    with pytest.raises(PermissionDenied):
        services.clarification_ask(actor=world.viewer, tender=tender, supplier=world.supplier, question="Q?")
    with pytest.raises(PermissionDenied):
        services.clarification_ask(actor=world.bid_manager, tender=tender, supplier=world.other_supplier, question="Q?")
    question = services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Is latex acceptable?"
    )
    with pytest.raises(PermissionDenied):
        services.clarification_answer(actor=world.other_officer, clarification=question, answer="Yes")
    answered = services.clarification_answer(actor=world.officer, clarification=question, answer="No: nitrile only.")
    assert answered.answered_at == clock.now()


def test_drafts_are_not_found_outside_the_buyer(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer)
    with pytest.raises(NotFound):
        services.clarification_ask(actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Q?")


def test_direct_award_needs_a_justification(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(world.officer, world.buyer, "direct", procedure_justification="")
    with pytest.raises(InvalidInput) as caught:
        services.tender_publish(actor=world.officer, tender=tender)
    assert set(caught.value.fields) == {"procedure_justification"}


def test_lot_and_item_ids_survive_edits(world: World, frozen_clock: clock.Clock) -> None:
    tender = draft(
        world.officer,
        world.buyer,
        lots=(LotDetails(title="A", items=(item(),)), LotDetails(title="B", items=(item(),))),
    )
    current = details_of(tender)
    services.tender_update(actor=world.officer, tender=tender, details=replace(current, lots=current.lots[1:]))
    assert list(Lot.objects.filter(tender=tender).values_list("local_id", "title")) == [("LOT-2", "B")]
    assert Decimal(tender.items.get().quantity) == Decimal("20000")


def test_a_tender_is_completed_only_after_bids_close(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender
    tender = published(world.officer, world.buyer)
    # when completion is attempted while bids are open, then after the deadline
    with pytest.raises(RuleViolation):
        services.tender_mark_complete(actor=world.officer, tender=tender)
    frozen_clock.advance(21 * DAY)
    with pytest.raises(PermissionDenied):
        services.tender_mark_complete(actor=world.other_officer, tender=tender)
    tender = services.tender_mark_complete(actor=world.officer, tender=tender)
    # then
    assert status_of(tender) == TenderStatus.COMPLETE
    assert tender.completed_at == clock.now()
    assert list(tender.status_changes.values_list("status", flat=True)) == ["tendering", "evaluation", "complete"]
    assert AuditEntry.objects.filter(action="tender.completed", object_id=str(tender.pk)).count() == 1


@pytest.mark.parametrize("weight", ["1E+10", "123456.5", "40.125", "NaN"])
def test_a_weight_that_cannot_be_stored_exactly_is_refused(
    world: World, frozen_clock: clock.Clock, weight: str
) -> None:
    bad = replace(
        rated(),
        criteria=(
            services.CriterionDetails(name="Price", kind="price", weight=weight),
            services.CriterionDetails(name="Delivery", kind="quality", weight="40"),
        ),
    )
    with pytest.raises(InvalidInput) as caught:
        services.tender_create(actor=world.officer, buyer=world.buyer, details=bad)
    assert set(caught.value.fields) == {"criteria.0.weight"}
    assert Tender.objects.count() == 0


def test_one_tender_that_cannot_move_on_does_not_stop_the_sweep(
    world: World, frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two open tenders past their deadline, the first of which refuses to be recorded
    first = published(world.officer, world.buyer)
    second = published(world.officer, world.buyer, title="Aprons")
    frozen_clock.advance(21 * DAY)
    record = services.tender_record_status

    def refuse_the_first(*, tender: Tender, at: dt.datetime | None = None) -> list[object]:
        if tender.pk == first.pk:
            raise RuleViolation("already handled")
        return record(tender=tender, at=at)  # type: ignore[return-value]

    monkeypatch.setattr(services, "tender_record_status", refuse_the_first)
    # when
    looked_at = services.tenders_sweep()
    # then the second tender's close was still recorded
    assert looked_at == 2
    assert list(second.status_changes.values_list("status", flat=True)) == ["tendering", "evaluation"]
    assert list(first.status_changes.values_list("status", flat=True)) == ["tendering"]
