"""Every public change writes its OCDS release in the same transaction; records follow."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import ocdsmerge
import orjson
import pytest
from django.db import transaction

from procura.core import clock
from procura.documents.models import DocumentType
from procura.documents.services import document_upload
from procura.planning.services import plan_create, plan_line_add, plan_line_update, plan_publish
from procura.publication import schema
from procura.publication.models import Record, Release
from procura.publication.validate import validate_release
from procura.tenders import services as tenders
from procura.tenders.services import details_of
from tests.conftest import World
from tests.documents.samples import PDF, named
from tests.planning.conftest import line_details
from tests.tenders.support import details, draft, published

pytestmark = pytest.mark.usefixtures("classified", "media")


def bodies(ocid: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(bytes(b)) for b in Release.objects.filter(ocid=ocid).order_by("seq").values_list("body", flat=True)
    ]


def tags(ocid: str) -> list[list[str]]:
    return [release["tag"] for release in bodies(ocid)]


def assert_valid(ocid: str) -> None:
    for release in bodies(ocid):
        assert validate_release(release) == [], release["id"]


def assert_record_matches_ocdsmerge(ocid: str) -> None:
    releases = bodies(ocid)
    merger = ocdsmerge.Merger(schema.patched_schema())
    record = Record.objects.get(ocid=ocid)
    assert orjson.loads(bytes(record.compiled)) == merger.create_compiled_release(releases)
    assert orjson.loads(bytes(record.versioned)) == merger.create_versioned_release(releases)
    assert record.release_count == len(releases)


def test_a_draft_publishes_nothing_and_publication_writes_a_tender_release(world: World) -> None:
    tender = draft(world.officer, world.buyer)
    assert not Release.objects.filter(ocid=tender.ocid).exists()
    tenders.tender_publish(actor=world.officer, tender=tender)
    [release] = bodies(tender.ocid)
    assert release["tag"] == ["tender"]
    assert release["id"] == f"{tender.ocid}-1"
    assert release["initiationType"] == "tender"
    assert release["tender"]["status"] == "active"
    assert release["tender"]["value"] == {"amount": 90000, "currency": "GBP"}
    assert release["tender"]["lots"][0]["title"] == "Gloves"
    assert release["tender"]["items"][0]["relatedLot"] == release["tender"]["lots"][0]["id"]
    assert release["tender"]["bidOpening"]["date"] == tender.bid_opening_at.isoformat().replace("+00:00", "Z")
    [buyer] = release["parties"]
    assert buyer["roles"] == ["buyer", "procuringEntity"]
    assert release["buyer"] == {"id": buyer["id"], "name": "Ministry of Tests"}
    assert_valid(tender.ocid)
    assert_record_matches_ocdsmerge(tender.ocid)


def test_a_change_that_fails_publishes_nothing(world: World) -> None:
    tender = published(world.officer, world.buyer)
    before = Release.objects.count()

    def cancel_then_fail() -> None:
        with transaction.atomic():
            tenders.tender_cancel(actor=world.officer, tender=tender, reason="Budget withdrawn.")
            assert Release.objects.count() == before + 1  # written inside the transaction
            raise RuntimeError("the request fails after the service")

    with pytest.raises(RuntimeError):
        cancel_then_fail()
    assert Release.objects.count() == before
    assert Record.objects.get(ocid=tender.ocid).release_count == 1


def test_amendments_and_cancellation_are_tagged_and_hidden_values_stay_hidden(world: World) -> None:
    tender = published(world.officer, world.buyer, "negotiated", value_amount=Decimal("123456.78"))
    changed = replace(details_of(tender), title="Emergency flood pumps", value_amount=Decimal("654321.09"))
    tenders.tender_amend(actor=world.officer, tender=tender, details=changed, rationale="Scope widened.")
    tenders.tender_cancel(actor=world.officer, tender=tender, reason="The floods receded.")
    assert tags(tender.ocid) == [["tender"], ["tenderAmendment"], ["tenderCancellation"]]
    everything = b"".join(bytes(b) for b in Release.objects.filter(ocid=tender.ocid).values_list("body", flat=True))
    assert b"123456.78" not in everything
    assert b"654321.09" not in everything
    assert b"123456" not in everything
    assert b"654321" not in everything
    final = bodies(tender.ocid)[-1]
    assert final["tender"]["status"] == "cancelled"
    assert final["tender"]["statusDetails"] == "The floods receded."
    assert final["tender"]["title"] == "Emergency flood pumps"
    [amendment] = final["tender"]["amendments"]
    assert amendment["rationale"] == "Scope widened."
    assert "title" in amendment["description"]
    assert_valid(tender.ocid)
    assert_record_matches_ocdsmerge(tender.ocid)


def test_answers_are_published_without_who_asked(world: World) -> None:
    tender = published(world.officer, world.buyer)
    question = tenders.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Is latex acceptable?"
    )
    assert tags(tender.ocid) == [["tender"]]  # an unanswered question is not public
    tenders.clarification_answer(actor=world.officer, clarification=question, answer="No: nitrile only.")
    assert tags(tender.ocid) == [["tender"], ["tenderUpdate"]]
    everything = b"".join(bytes(b) for b in Release.objects.filter(ocid=tender.ocid).values_list("body", flat=True))
    assert b"Small Firm" not in everything
    assert world.bid_manager.email.encode() not in everything
    final = bodies(tender.ocid)[-1]
    [answer] = [d for d in final["tender"]["documents"] if d["documentType"] == "clarifications"]
    assert (answer["title"], answer["description"]) == ("Is latex acceptable?", "No: nitrile only.")
    assert final["tender"]["hasEnquiries"] is True
    assert_valid(tender.ocid)
    assert_record_matches_ocdsmerge(tender.ocid)


def test_a_status_with_no_ocds_meaning_publishes_nothing_but_completion_does(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the bids app's counter, a tender without bids stays in evaluation at the close.
    monkeypatch.setattr(tenders, "_bid_counters", [])
    tender = published(world.officer, world.buyer)
    with clock.shifted(tender.tender_end - clock.now() + dt.timedelta(seconds=1)):
        assert tenders.tenders_sweep() >= 1  # bids closed: evaluation, still "active" in OCDS
        assert tags(tender.ocid) == [["tender"]]
        tenders.tender_mark_complete(actor=world.officer, tender=tender)
    assert tags(tender.ocid) == [["tender"], ["tenderUpdate"]]
    assert bodies(tender.ocid)[-1]["tender"]["status"] == "complete"
    assert_record_matches_ocdsmerge(tender.ocid)


def test_a_plan_line_becomes_a_process_that_the_tender_continues(world: World) -> None:
    plan = plan_create(actor=world.officer, buyer=world.buyer, year=2027, title="Purchases 2027")
    line = plan_line_add(actor=world.officer, plan=plan, details=line_details(currency="GBP"))
    assert not Release.objects.exists()  # the plan is a draft
    plan_publish(actor=world.officer, plan=plan)
    assert tags(line.ocid) == [["planning"]]
    planning = bodies(line.ocid)[0]
    assert planning["tender"]["status"] == "planned"
    assert planning["planning"]["budget"]["amount"] == {"amount": 250000, "currency": "GBP"}
    plan_line_update(actor=world.officer, line=line, details=line_details(currency="GBP", budget_source="Capital fund"))
    assert tags(line.ocid) == [["planning"], ["planningUpdate"]]
    tender = tenders.tender_create(
        actor=world.officer, buyer=world.buyer, details=details(currency="GBP"), plan_line=line
    )
    assert tender.ocid == line.ocid
    tenders.tender_publish(actor=world.officer, tender=tender)
    assert tags(line.ocid) == [["planning"], ["planningUpdate"], ["tender"]]
    compiled = orjson.loads(bytes(Record.objects.get(ocid=line.ocid).compiled))
    assert compiled["tender"]["status"] == "active"
    assert compiled["planning"]["budget"]["description"] == "Capital fund"
    assert_valid(line.ocid)
    assert_record_matches_ocdsmerge(line.ocid)


def test_release_dates_and_ids_are_unique_and_in_order(world: World) -> None:
    tender = published(world.officer, world.buyer)
    for n in range(3):
        with clock.shifted(dt.timedelta(minutes=n + 1)):
            changed = replace(details_of(tender), description=f"Version {n}")
            tenders.tender_amend(actor=world.officer, tender=tender, details=changed, rationale=f"Edit {n}")
    releases = bodies(tender.ocid)
    assert [r["id"] for r in releases] == [f"{tender.ocid}-{n}" for n in range(1, 5)]
    assert [r["date"] for r in releases] == sorted(r["date"] for r in releases)
    assert_record_matches_ocdsmerge(tender.ocid)


def test_the_tenders_public_documents_are_in_its_release(world: World) -> None:
    tender = draft(world.officer, world.buyer)
    document = document_upload(
        actor=world.officer,
        organisation=world.buyer,
        owner_type="tender",
        owner_id=tender.pk,
        title="Specification",
        document_type=DocumentType.TECHNICAL_SPECIFICATIONS,
        file=named(PDF, "specification.pdf"),
    )
    tenders.tender_publish(actor=world.officer, tender=tender)
    [release] = bodies(tender.ocid)
    [published_document] = release["tender"]["documents"]
    assert published_document["id"] == str(document.document_id)
    assert published_document["title"] == "Specification"
    assert published_document["documentType"] == "technicalSpecifications"
    assert published_document["url"].endswith(document.get_absolute_url())
    assert published_document["format"] == "application/pdf"
    assert_valid(tender.ocid)
