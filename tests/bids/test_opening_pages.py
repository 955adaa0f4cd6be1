"""The bid opening on the tender page, and the buyer's reading of the opened bids and their files.

Before the opening the tender page says only when and where the bids will be opened; the
opened-bids pages do not exist for anyone. After it the opening record is public, and the
platform's overseers and the buyer's people on the evaluation panel who declared no conflict of
interest (here the officer and the evaluator; not the approver) read every bid in full.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from procura.bids import selectors, services
from procura.bids.models import Bid, SealedFile
from procura.core import clock
from procura.suppliers import access as supplier_access
from procura.suppliers.models import QualificationDocument
from procura.suppliers.services import qualification_document_add
from procura.tenders.models import Tender
from procura.tenders.services import CriterionDetails
from tests.bids.support import after_opening, declared_panel, draft_bid, open_tender
from tests.conftest import World
from tests.documents.samples import PDF, TXT, named

pytestmark = pytest.mark.django_db

OPENING_PLACE = "Room 4, Ministry of Tests, Leeds"
ELIGIBILITY = "Registered manufacturer of medical gloves."
ELIGIBILITY_ANSWER = "We have made medical gloves under licence MHRA-4471 since 2009."
DELIVERY_ANSWER = "Weekly deliveries to each hospital from our Sheffield depot."
PRICE = "73519.42"  # the price that counts (version 2)
PRICE_SHOWN = "£73,519.42"
FIRST_PRICE = "80111.11"  # replaced before the deadline: never shown
RIVAL_PRICE = "65432.10"  # withdrawn before the deadline: never opened
OFFER = b"%PDF-1.7\n% the offer that counts\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OFFER_NAME = "technical-offer.pdf"
OFFER_TITLE = "Technical offer"
OLD_NAME = "first-draft-offer.txt"
RIVAL_FILE_NAME = "rival-offer.pdf"
QUALIFICATION_TITLE = "ISO 9001 certificate"


@pytest.fixture(autouse=True)
def _no_scanner(settings: Any) -> None:
    """Uploads are not sent to a malware scanner the environment might name."""
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}


@dataclass
class Bids:
    """A tender with a replaced bid (a file and a qualification document) and a withdrawn one."""

    tender: Tender
    bid: Bid
    rival: Bid
    offer: SealedFile  # in the version that counts
    old_file: SealedFile  # only in the replaced version
    rival_file: SealedFile  # in the withdrawn bid
    qualification: QualificationDocument


def bids_before_opening(world: World) -> Bids:
    """Build the bids through the services, as suppliers would; the clock is still before the deadline."""
    tender = open_tender(
        world.officer,
        world.buyer,
        eligibility_criteria=ELIGIBILITY,
        bid_opening_place=OPENING_PLACE,
        award_criteria="ratedCriteria",
        criteria=(
            CriterionDetails(name="Price", kind="price", weight="60"),
            CriterionDetails(name="Delivery plan", kind="quality", weight="40"),
        ),
    )
    keys = [question.key for question in services.questions_for(tender)]
    answers = dict(zip(keys, [ELIGIBILITY_ANSWER, DELIVERY_ANSWER], strict=True))
    qualification = qualification_document_add(
        actor=world.bid_manager,
        organisation=world.supplier,
        kind="certificate",
        title=QUALIFICATION_TITLE,
        file=named(PDF, "certificate.pdf"),
        issued_on=dt.date(2025, 6, 1),
        expires_on=dt.date(2027, 3, 1),
    )
    bid = draft_bid(tender, world.bid_manager, world.supplier, price=FIRST_PRICE, answers=answers)
    old_file = services.bid_file_add(actor=world.bid_manager, bid=bid, file=named(TXT, OLD_NAME))
    services.bid_submit(actor=world.bid_manager, bid=bid)
    # The replacement: another price, the qualification document, a new file instead of the old one.
    services.bid_draft_save(
        actor=world.bid_manager, bid=bid, price=PRICE, answers=answers, qualification_ids=[qualification.pk]
    )
    services.bid_file_remove(actor=world.bid_manager, bid=bid, file_id=old_file.pk)
    offer = services.bid_file_add(actor=world.bid_manager, bid=bid, file=named(OFFER, OFFER_NAME), title=OFFER_TITLE)
    services.bid_submit(actor=world.bid_manager, bid=bid)

    rival = draft_bid(tender, world.other_bid_manager, world.other_supplier, price=RIVAL_PRICE, answers=answers)
    rival_file = services.bid_file_add(actor=world.other_bid_manager, bid=rival, file=named(PDF, RIVAL_FILE_NAME))
    services.bid_submit(actor=world.other_bid_manager, bid=rival)
    services.bid_withdraw(actor=world.other_bid_manager, bid=rival)
    bid.refresh_from_db()
    rival.refresh_from_db()
    return Bids(tender, bid, rival, offer, old_file, rival_file, qualification)


def open_the_bids(bids: Bids, frozen_clock: clock.Clock, world: World) -> None:
    """Open the bids; the officer and the evaluator then sit on the panel, declared."""
    frozen_clock.set(after_opening(bids.tender))
    services.bids_open(tender=bids.tender)
    declared_panel(bids.tender, world.officer, world.officer, world.evaluator)


def opened_bids_url(bids: Bids) -> str:
    return f"/tenders/{bids.tender.ocid}/bids/"


def file_url(bids: Bids, sealed_file: SealedFile) -> str:
    return f"/tenders/{bids.tender.ocid}/bids/{sealed_file.bid_id}/files/{sealed_file.pk}/"


# Everything a bid says that must never show before the opening.
SEALED_CONTENT = [
    PRICE,
    PRICE_SHOWN,
    "73,519.42",
    FIRST_PRICE,
    "80,111.11",
    RIVAL_PRICE,
    "65,432.10",
    ELIGIBILITY_ANSWER,
    DELIVERY_ANSWER,
    OFFER_NAME,
    OFFER_TITLE,
    OLD_NAME,
    RIVAL_FILE_NAME,
    QUALIFICATION_TITLE,
]


def page(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.content.decode()


def tender_page(world: World, who: str | None, bids: Bids) -> str:
    status, body = page(world.client(who), f"/tenders/{bids.tender.ocid}/")
    assert status == 200
    return body


# --- The tender page ----------------------------------------------------------------------------------
@pytest.mark.parametrize("who", [None, "officer", "admin", "auditor", "bid_manager"])
def test_before_the_opening_the_tender_page_says_when_and_where_and_nothing_more(
    world: World, frozen_clock: clock.Clock, who: str | None
) -> None:
    # given
    bids = bids_before_opening(world)
    # when
    body = tender_page(world, who, bids)
    # then
    assert "Bid opening:" in body
    assert OPENING_PLACE in body
    assert "Bids are sealed until then." in body
    opening_at = services.opening_time(bids.tender)
    assert opening_at is not None
    assert f'datetime="{opening_at.astimezone(dt.UTC).isoformat()}"' in body
    assert "Read the bids" not in body
    assert "Rival Firm Ltd" not in body  # no bidder is named
    for secret in SEALED_CONTENT:
        assert secret not in body, secret


def test_after_the_deadline_but_before_the_opening_the_bids_stay_sealed_on_the_tender_page(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given
    bids = bids_before_opening(world)
    assert bids.tender.tender_end is not None
    frozen_clock.set(bids.tender.tender_end + dt.timedelta(minutes=1))
    # when
    body = tender_page(world, "officer", bids)
    # then
    assert "Bids are sealed until then." in body
    for secret in SEALED_CONTENT:
        assert secret not in body, secret


def test_after_the_opening_everyone_sees_the_opening_record(world: World, frozen_clock: clock.Clock) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    opening, _ = selectors.opening_record(bids.tender)
    assert opening is not None
    # when
    body = tender_page(world, None, bids)
    # then
    assert "Bids are sealed until then." not in body
    assert f'datetime="{opening.opened_at.astimezone(dt.UTC).isoformat()}"' in body
    assert "Bids opened for the lot Gloves" in body
    row = body.split('<th scope="row">Small Firm Ltd</th>', 1)[1].split("</tr>", 1)[0]
    assert "<td>Small</td>" in row
    assert PRICE_SHOWN in row
    assert bids.bid.submitted_at is not None
    assert bids.bid.submitted_at.astimezone(dt.UTC).isoformat() in row
    rival_row = body.split('<th scope="row">Rival Firm Ltd</th>', 1)[1].split("</tr>", 1)[0]
    assert "<td>Large</td>" in rival_row
    assert "Withdrawn" in rival_row
    assert "£" not in rival_row
    assert body.index('<th scope="row">Small Firm Ltd</th>') < body.index('<th scope="row">Rival Firm Ltd</th>')
    for never_public in [RIVAL_PRICE, "65,432.10", FIRST_PRICE, "80,111.11", ELIGIBILITY_ANSWER, OFFER_NAME]:
        assert never_public not in body, never_public
    assert "Read the bids" not in body


@pytest.mark.parametrize(
    ("who", "offered"),
    [
        ("officer", True),
        ("evaluator", True),
        ("approver", False),  # a member of the buyer who is not on the panel
        ("admin", True),
        ("auditor", True),
        ("other_officer", False),
        ("bid_manager", False),
        (None, False),
    ],
)
def test_the_buyer_and_overseers_are_offered_the_bids(
    world: World, frozen_clock: clock.Clock, who: str | None, offered: bool
) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    # when
    body = tender_page(world, who, bids)
    # then
    assert ("Read the bids" in body) == offered
    assert (f'href="{opened_bids_url(bids)}"' in body) == offered


# --- The buyer's reading ------------------------------------------------------------------------------
def test_the_buyer_reads_every_opened_bid_in_full(world: World, frozen_clock: clock.Clock) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    # when
    status, body = page(world.client("officer"), opened_bids_url(bids))
    # then
    assert status == 200
    assert body.count("<h1") == 1
    assert "Opened bids" in body
    assert PRICE_SHOWN in body
    assert "Submitted (version 2)" in body
    assert "How you meet the eligibility criteria" in body
    assert ELIGIBILITY_ANSWER in body
    assert "Delivery plan" in body
    assert DELIVERY_ANSWER in body
    assert QUALIFICATION_TITLE in body
    assert "Certificate" in body
    assert bids.qualification.document.sha256 in body
    assert 'datetime="2027-03-01"' in body
    assert OFFER_TITLE in body
    assert OFFER_NAME in body
    assert f'href="{file_url(bids, bids.offer)}"' in body
    # the replaced version and the withdrawn bid say nothing
    assert FIRST_PRICE not in body
    assert "80,111.11" not in body
    assert OLD_NAME not in body
    assert "Rival Firm Ltd" in body
    assert "This bid was withdrawn before the deadline: its content was never opened." in body
    assert RIVAL_PRICE not in body
    assert "65,432.10" not in body
    assert RIVAL_FILE_NAME not in body


def test_a_qualification_document_is_linked_only_where_the_documents_app_lets_the_reader_open_it(
    world: World, frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    link = f'href="{bids.qualification.document.get_absolute_url()}"'
    # when: nobody lets buyers open qualification documents (the suppliers app's default)
    _, as_buyer = page(world.client("officer"), opened_bids_url(bids))
    _, as_admin = page(world.client("admin"), opened_bids_url(bids))
    # then: the buyer sees what the bid referred to, without a link; the overseers get the link
    assert QUALIFICATION_TITLE in as_buyer
    assert link not in as_buyer
    assert link in as_admin
    # when: a rule lets this buyer's members in
    monkeypatch.setattr(
        supplier_access,
        "_qualification_viewers",
        [lambda user, document: user == world.officer],
    )
    _, as_buyer_let_in = page(world.client("officer"), opened_bids_url(bids))
    # then
    assert link in as_buyer_let_in


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_a_file_downloads_as_the_bidder_uploaded_it(world: World, frozen_clock: clock.Clock, who: str) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    # when
    response = world.client(who).get(file_url(bids, bids.offer))
    # then
    assert response.status_code == 200
    assert response.content == OFFER
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{OFFER_NAME}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_only_files_of_the_version_that_counted_download(world: World, frozen_clock: clock.Clock) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    client = world.client("officer")
    ocid = bids.tender.ocid
    # when
    urls = {
        "replaced version's file": file_url(bids, bids.old_file),
        "withdrawn bid's file": file_url(bids, bids.rival_file),
        "another bid's file under this bid": f"/tenders/{ocid}/bids/{bids.rival.pk}/files/{bids.offer.pk}/",
        "unknown file": f"/tenders/{ocid}/bids/{bids.bid.pk}/files/{uuid.uuid4()}/",
        "unknown bid": f"/tenders/{ocid}/bids/{uuid.uuid4()}/files/{bids.offer.pk}/",
    }
    responses = {name: client.get(url) for name, url in urls.items()}
    # then
    for name, response in responses.items():
        assert response.status_code == 404, name
        assert TXT not in response.content, name
        assert PDF not in response.content, name


# --- Nobody before the opening, and nobody else after ------------------------------------------------
BEFORE_OPENING_READERS = [None, "officer", "approver", "evaluator", "admin", "auditor", "bid_manager"]


@pytest.mark.parametrize("moment", ["while bids are taken", "after the deadline, before the opening"])
@pytest.mark.parametrize("who", BEFORE_OPENING_READERS)
def test_before_the_opening_the_bids_cannot_be_read_by_anyone(
    world: World, frozen_clock: clock.Clock, who: str | None, moment: str
) -> None:
    # given
    bids = bids_before_opening(world)
    if moment != "while bids are taken":
        assert bids.tender.tender_end is not None
        frozen_clock.set(bids.tender.tender_end + dt.timedelta(minutes=1))
    client = world.client(who)
    # when
    responses = [client.get(opened_bids_url(bids)), client.get(file_url(bids, bids.offer))]
    # then
    for response in responses:
        assert response.status_code == 404
        body = response.content.decode()
        for secret in SEALED_CONTENT:
            assert secret not in body, secret
        assert OFFER not in response.content


@pytest.mark.parametrize("who", ["other_officer", "bid_manager", "viewer", "other_bid_manager"])
def test_after_the_opening_other_buyers_and_suppliers_find_nothing(
    world: World, frozen_clock: clock.Clock, who: str
) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    client = world.client(who)
    # when
    responses = [client.get(opened_bids_url(bids)), client.get(file_url(bids, bids.offer))]
    # then
    for response in responses:
        assert response.status_code == 404
        assert ELIGIBILITY_ANSWER not in response.content.decode()
        assert OFFER not in response.content


def test_after_the_opening_visitors_are_asked_to_sign_in(world: World, frozen_clock: clock.Clock) -> None:
    # given
    bids = bids_before_opening(world)
    open_the_bids(bids, frozen_clock, world)
    # when
    response = Client().get(opened_bids_url(bids))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")
