"""Bids in OCDS: nothing before the public opening, then the whole opening record (bid and
bidOpening extensions, tenderers with their scale and publishable beneficial owners), kept by
every later release of the tender."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.bids import services as bids
from procura.bids.models import Bid
from procura.core import clock
from procura.publication import packages, schema
from procura.publication.models import Record, Release
from procura.publication.validate import validate_package, validate_release
from procura.suppliers.models import BeneficialOwner
from procura.suppliers.services import beneficial_owner_add, beneficial_owner_update
from procura.tenders import services as tenders
from procura.tenders.models import Tender
from procura.tenders.services import LotDetails
from tests import factories
from tests.bids.support import after_opening, draft_bid, open_tender, submitted_bid
from tests.conftest import World
from tests.publication.cove_support import cove_check, cove_verdict
from tests.tenders.support import item

pytestmark = pytest.mark.usefixtures("classified", "media")


# --- helpers --------------------------------------------------------------------------------------
def bodies(ocid: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(bytes(b)) for b in Release.objects.filter(ocid=ocid).order_by("seq").values_list("body", flat=True)
    ]


def everything_published() -> bytes:
    """Every byte a reader of the open data could get: the releases and the records."""
    releases = b"".join(bytes(body) for body in Release.objects.values_list("body", flat=True))
    records = b"".join(
        bytes(compiled) + bytes(versioned)
        for compiled, versioned in Record.objects.values_list("compiled", "versioned")
    )
    return releases + records


def z(moment: dt.datetime) -> str:
    return packages.iso(moment)


def party_ref(organisation: Organisation) -> dict[str, str]:
    return {
        "id": f"{organisation.identifier_scheme}-{organisation.identifier_id}",
        "name": organisation.legal_name,
    }


@dataclass
class Bidding:
    """A two-lot tender with: Small Firm's bid on lot 1, replaced (1200.50, then 1100); Rival
    Firm's bid on lot 1, withdrawn (999); Third Way's bid on lot 2 (1500); and Rival Firm's draft
    on lot 2 (777.77), never submitted. Small Firm has a publishable and an unpublishable owner."""

    tender: Tender
    replaced: Bid
    withdrawn: Bid
    lot_two: Bid
    draft: Bid
    third: Organisation
    third_manager: User
    owner: BeneficialOwner
    hidden: BeneficialOwner

    def open(self, frozen_clock: clock.Clock) -> dt.datetime:
        moment = after_opening(self.tender)
        frozen_clock.set(moment)
        bids.bids_open(tender=self.tender)
        return moment


# Strings that must not appear anywhere in the open data before the opening.
SECRETS = (b"Small Firm", b"Rival Firm", b"Third Way", b"Jane Owner", b"1200.5", b"1100", b"999", b"1500", b"777.77")


def bidding(world: World) -> Bidding:
    tender = open_tender(
        world.officer,
        world.buyer,
        lots=(
            LotDetails(title="Gloves", items=(item(),)),
            LotDetails(title="Aprons", items=(item(description="Disposable aprons", quantity="5000"),)),
        ),
    )
    second_lot = tender.lots.order_by("position")[1]
    owner = beneficial_owner_add(
        actor=world.bid_manager, organisation=world.supplier, name="Jane Owner", nationality="GB", share="60"
    )
    hidden = beneficial_owner_add(
        actor=world.bid_manager,
        organisation=world.supplier,
        name="Secret Holder",
        nationality="FR",
        share="40",
        publishable=False,
        address="1 Private Lane, Lyon",
    )
    replaced, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="1200.50")
    bids.bid_draft_save(actor=world.bid_manager, bid=replaced, price="1100")
    bids.bid_submit(actor=world.bid_manager, bid=replaced)
    replaced.refresh_from_db()
    withdrawn, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, price="999")
    bids.bid_withdraw(actor=world.other_bid_manager, bid=withdrawn)
    withdrawn.refresh_from_db()
    third = factories.organisation(OrganisationKind.SUPPLIER, name="Third Way Supplies", scale="micro")
    third_manager = factories.member(third, Role.BID_MANAGER)
    lot_two, _ = submitted_bid(tender, third_manager, third, price="1500", lot=second_lot)
    draft = draft_bid(tender, world.other_bid_manager, world.other_supplier, price="777.77", lot=second_lot)
    return Bidding(tender, replaced, withdrawn, lot_two, draft, third, third_manager, owner, hidden)


# --- before the opening ---------------------------------------------------------------------------
def test_nothing_about_bids_is_released_before_the_opening(world: World, frozen_clock: clock.Clock) -> None:
    # given
    b = bidding(world)
    tender = b.tender
    [published] = bodies(tender.ocid)  # the tender notice only: bidding wrote no release

    # when: the tender changes publicly while bids are sealed (an answered question)
    question = tenders.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Are boxes of 200 accepted?"
    )
    tenders.clarification_answer(actor=world.officer, clarification=question, answer="Yes, quote per 100.")

    # then: that release says nothing of bids, and no published byte names a bidder, price or bid
    assert [r["tag"] for r in bodies(tender.ocid)] == [["tender"], ["tenderUpdate"]]
    last = bodies(tender.ocid)[-1]
    assert "bids" not in last
    assert "numberOfTenderers" not in last["tender"]
    assert "tenderers" not in last["tender"]
    assert [p["roles"] for p in last["parties"]] == [["buyer", "procuringEntity"]]
    assert published["tender"]["bidOpening"] == last["tender"]["bidOpening"]  # the announcement only
    everything = everything_published()
    for secret in (*SECRETS, *(str(bid.pk).encode() for bid in (b.replaced, b.withdrawn, b.lot_two, b.draft))):
        assert secret not in everything, secret
    for field in (b'"bids"', b"numberOfTenderers", b'"tenderers"', b'"tenderer"', b"beneficialOwners"):
        assert field not in everything, field


def test_bidding_events_write_no_release(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    before = Release.objects.count()

    # when: a submission, a replacement and a withdrawal
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="100")
    bids.bid_draft_save(actor=world.bid_manager, bid=bid, price="90")
    bids.bid_submit(actor=world.bid_manager, bid=bid)
    bids.bid_withdraw(actor=world.bid_manager, bid=bid)

    # then
    assert Release.objects.count() == before


# --- at the opening -------------------------------------------------------------------------------
def test_the_opening_publishes_bids_tenderers_and_the_opening_time(world: World, frozen_clock: clock.Clock) -> None:
    # given
    b = bidding(world)
    releases_before = len(bodies(b.tender.ocid))

    # when
    opened_at = b.open(frozen_clock)

    # then: one tenderUpdate release
    released = bodies(b.tender.ocid)
    assert len(released) == releases_before + 1
    release = released[-1]
    assert release["tag"] == ["tenderUpdate"]
    assert release["date"] == z(opened_at)
    lot_one, lot_two = (lot["id"] for lot in release["tender"]["lots"])

    # bids.details: the replaced bid at its latest price and time, the withdrawn one without a price
    details = {detail["id"]: detail for detail in release["bids"]["details"]}
    assert set(details) == {str(b.replaced.pk), str(b.withdrawn.pk), str(b.lot_two.pk)}  # not the draft
    assert b.replaced.submitted_at is not None
    assert b.lot_two.submitted_at is not None
    assert b.withdrawn.submitted_at is not None
    assert details[str(b.replaced.pk)] == {
        "id": str(b.replaced.pk),
        "date": z(b.replaced.submitted_at),
        "status": "pending",
        "tenderers": [party_ref(world.supplier)],
        "value": {"amount": 1100, "currency": "GBP"},
        "relatedLots": [lot_one],
    }
    assert details[str(b.withdrawn.pk)] == {
        "id": str(b.withdrawn.pk),
        "date": z(b.withdrawn.submitted_at),
        "status": "withdrawn",
        "tenderers": [party_ref(world.other_supplier)],
        "relatedLots": [lot_one],
    }
    assert details[str(b.lot_two.pk)]["value"] == {"amount": 1500, "currency": "GBP"}
    assert details[str(b.lot_two.pk)]["relatedLots"] == [lot_two]

    # statistics: counted bids per lot, and bidders
    statistics = {s["id"]: s for s in release["bids"]["statistics"]}
    assert statistics == {
        f"bids-lot-{lot_one}": {"id": f"bids-lot-{lot_one}", "measure": "bids", "value": 1, "relatedLot": lot_one},
        f"bids-lot-{lot_two}": {"id": f"bids-lot-{lot_two}", "measure": "bids", "value": 1, "relatedLot": lot_two},
        "bidders": {"id": "bidders", "measure": "bidders", "value": 2},
    }

    # tenderers: suppliers with a bid that counts (not Rival Firm, whose only bid was withdrawn)
    assert release["tender"]["numberOfTenderers"] == 2
    assert release["tender"]["tenderers"] == [party_ref(world.supplier), party_ref(b.third)]

    # the opening as it happened, at the announced place
    assert release["tender"]["bidOpening"]["date"] == z(opened_at)
    assert b.tender.bid_opening_at is not None
    assert opened_at != b.tender.bid_opening_at

    # parties: every bidder as a tenderer, with its scale and its publishable owners only
    parties = {p["name"]: p for p in release["parties"]}
    assert {name: p["roles"] for name, p in parties.items()} == {
        "Ministry of Tests": ["buyer", "procuringEntity"],
        "Small Firm Ltd": ["tenderer"],
        "Rival Firm Ltd": ["tenderer"],
        "Third Way Supplies": ["tenderer"],
    }
    assert parties["Small Firm Ltd"]["id"] == party_ref(world.supplier)["id"]
    assert parties["Small Firm Ltd"]["details"] == {"scale": "sme"}  # small → sme
    assert parties["Rival Firm Ltd"]["details"] == {"scale": "large"}
    assert parties["Third Way Supplies"]["details"] == {"scale": "micro"}
    assert parties["Small Firm Ltd"]["beneficialOwners"] == [
        {"id": str(b.owner.pk), "name": "Jane Owner", "nationalities": ["GB"]}
    ]
    assert "beneficialOwners" not in parties["Rival Firm Ltd"]  # none registered: the key is left out
    text = orjson.dumps(released)
    for never in (b"Secret Holder", b"Private Lane", str(b.hidden.pk).encode(), b"777.77", str(b.draft.pk).encode()):
        assert never not in text, never
    assert b"1200.5" not in text  # the replaced version's price is not the one that counts

    # valid against the patched schema (bid, bidOpening, partyDetails_scale, beneficialOwners)
    for each in released:
        assert validate_release(each) == [], each["id"]


def test_an_opening_without_bids_says_there_were_none(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)

    # when
    frozen_clock.set(after_opening(tender))
    bids.bids_open(tender=tender)

    # then
    release = bodies(tender.ocid)[-1]
    assert release["tag"] == ["tenderUpdate"]
    assert release["tender"]["numberOfTenderers"] == 0
    assert "tenderers" not in release["tender"]
    assert "details" not in release["bids"]
    assert [s["value"] for s in release["bids"]["statistics"]] == [0, 0]
    assert validate_release(release) == []


# --- after the opening ----------------------------------------------------------------------------
def test_later_releases_keep_the_opening_record(world: World, frozen_clock: clock.Clock) -> None:
    # given: the bids were opened
    b = bidding(world)
    b.open(frozen_clock)
    opening_release = bodies(b.tender.ocid)[-1]

    # when: the sweep records the evaluation, then the buyer declares the tender unsuccessful
    tenders.tender_record_status(tender=b.tender)
    frozen_clock.set(clock.now() + dt.timedelta(days=2))
    tenders.tender_mark_unsuccessful(
        actor=world.officer, tender=Tender.objects.get(pk=b.tender.pk), reason="Every bid was above the budget."
    )

    # then: the last release is still the whole state: the bids are there
    last = bodies(b.tender.ocid)[-1]
    assert last["tag"] == ["tenderUpdate"]
    assert last["tender"]["status"] == "unsuccessful"
    assert last["bids"] == opening_release["bids"]
    assert last["tender"]["tenderers"] == opening_release["tender"]["tenderers"]
    assert last["tender"]["numberOfTenderers"] == 2
    assert last["tender"]["bidOpening"] == opening_release["tender"]["bidOpening"]
    assert [p["roles"] for p in last["parties"]].count(["tenderer"]) == 3
    compiled = orjson.loads(bytes(Record.objects.get(ocid=b.tender.ocid).compiled))
    assert compiled["bids"] == last["bids"]


def test_a_bidders_owner_change_after_the_opening_is_published(world: World, frozen_clock: clock.Clock) -> None:
    # given
    b = bidding(world)
    b.open(frozen_clock)
    count = len(bodies(b.tender.ocid))

    # when: the unpublishable owner may now be published
    beneficial_owner_update(actor=world.bid_manager, owner=b.hidden, publishable=True)

    # then
    released = bodies(b.tender.ocid)
    assert len(released) == count + 1
    assert released[-1]["tag"] == ["tenderUpdate"]
    [supplier] = [p for p in released[-1]["parties"] if p["name"] == "Small Firm Ltd"]
    assert [owner["name"] for owner in supplier["beneficialOwners"]] == ["Jane Owner", "Secret Holder"]
    assert b"Private Lane" not in orjson.dumps(released)  # the address stays personal data


def test_an_owner_change_of_a_supplier_that_never_bid_publishes_nothing(world: World) -> None:
    # given
    open_tender(world.officer, world.buyer)
    before = Release.objects.count()

    # when
    beneficial_owner_add(
        actor=world.bid_manager, organisation=world.supplier, name="Jane Owner", nationality="GB", share="10"
    )

    # then
    assert Release.objects.count() == before


# --- the Data Review Tool agrees ------------------------------------------------------------------
def _package(ocid: str) -> dict[str, Any]:
    stored = Release.objects.filter(ocid=ocid).order_by("seq").values_list("body", flat=True)
    data: dict[str, Any] = orjson.loads(
        packages.release_package(
            [bytes(body) for body in stored], uri="https://example.org/test.json", published=clock.now()
        )
    )
    return data


def test_the_opened_tenders_releases_pass_libcoveocds_and_procuras_validator(
    world: World, frozen_clock: clock.Clock, tmp_path: Path
) -> None:
    # given
    b = bidding(world)
    b.open(frozen_clock)
    package = _package(b.tender.ocid)
    assert "bids" in package["releases"][-1]

    # then: Procura's validator finds nothing
    report = validate_package(package, source="bids.json")
    assert report.valid, report.problems[:3]

    # and libcoveocds neither, with every extension declared; and without bidOpening (which it
    # cannot dereference offline, and which otherwise skips its closed-codelist check)
    full = tmp_path / "releases.json"
    full.write_bytes(orjson.dumps(package))
    reduced = tmp_path / "without-bid-opening.json"
    reduced.write_bytes(
        orjson.dumps(
            {
                **package,
                "extensions": [url for url in package["extensions"] if schema.extension_name(url) != "bidOpening"],
            }
        )
    )
    for path in (full, reduced):
        result = cove_check(path)
        errors, closed_codelist_values, conformance = cove_verdict(result)
        assert errors == [], errors[:3]
        assert closed_codelist_values == {}
        assert conformance == []
    assert "json_deref_error" not in cove_check(reduced)  # the codelists were checked


def test_libcoveocds_would_catch_a_bad_bid_status(world: World, frozen_clock: clock.Clock, tmp_path: Path) -> None:
    # given: the opening release with a bid status outside the closed bidStatus codelist
    b = bidding(world)
    b.open(frozen_clock)
    package = _package(b.tender.ocid)
    package["releases"][-1]["bids"]["details"][0]["status"] = "opened"
    package["extensions"] = [url for url in package["extensions"] if schema.extension_name(url) != "bidOpening"]
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(package))

    # when
    errors, closed_codelist_values, _ = cove_verdict(cove_check(path))

    # then: the check above is one that can fail
    assert errors or closed_codelist_values
