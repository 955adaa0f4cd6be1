"""Nobody on the buyer's side reads a bid before declaring: on every path to a bid — the opened
bids page and its files, the bid's own page, file and receipts, the bids API, the evaluation
pages and API — a member of the buyer without a seat, with a seat but no declaration, or with a
declared conflict is told nothing of what a bid says; once they declare no conflict, they read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from procura.accounts.models import User
from procura.bids import services as bids_services
from procura.bids.models import Bid, Receipt, SealedFile
from procura.core import clock
from procura.evaluation import services
from procura.tenders.models import Tender
from tests import factories
from tests.bids.support import after_opening, draft_bid
from tests.conftest import World
from tests.evaluation.support import answers_for, tender_with
from tests.tenders.test_api import send

pytestmark = pytest.mark.django_db

ANSWER = "Delivery from our Sheffield depot within 48 hours, tracked."
FILE = b"Our confidential method statement, page 1."
FILE_NAME = "method-statement.txt"


@dataclass
class Opened:
    tender: Tender
    bid: Bid
    receipt: Receipt
    file: SealedFile


def _opened(world: World, frozen_clock: clock.Clock) -> Opened:
    tender = tender_with(world, method="rated")
    answers = dict.fromkeys(answers_for(tender), ANSWER)
    bid = draft_bid(tender, world.bid_manager, world.supplier, price="1000.00", answers=answers)
    sealed = bids_services.bid_file_add(actor=world.bid_manager, bid=bid, file=SimpleUploadedFile(FILE_NAME, FILE))
    receipt = bids_services.bid_submit(actor=world.bid_manager, bid=bid)
    frozen_clock.set(after_opening(tender))
    bids_services.bids_open(tender=tender)
    return Opened(tender=tender, bid=bid, receipt=receipt, file=sealed)


@dataclass(frozen=True)
class Path:
    name: str
    url: Callable[[Opened], str]
    api: bool = False
    hidden: int = 404  # what someone who may not read gets
    shown: int = 200


PATHS = [
    Path("opened bids page", lambda o: f"/tenders/{o.tender.ocid}/bids/"),
    Path("opened bid file", lambda o: f"/tenders/{o.tender.ocid}/bids/{o.bid.pk}/files/{o.file.pk}/"),
    Path("bid page", lambda o: f"/bids/{o.bid.pk}/"),
    Path("bid file", lambda o: f"/bids/{o.bid.pk}/files/{o.file.pk}/"),
    Path("bid receipt page", lambda o: f"/bids/{o.bid.pk}/receipts/{o.receipt.pk}/"),
    Path("bid API", lambda o: f"/api/v1/bids/{o.bid.pk}", api=True),
    Path("bid receipts API", lambda o: f"/api/v1/bids/{o.bid.pk}/receipts", api=True),
    Path("receipt API", lambda o: f"/api/v1/receipts/{o.receipt.pk}", api=True),
    Path("evaluation lot page", lambda o: f"/tenders/{o.tender.ocid}/evaluation/lots/LOT-1/", hidden=403),
    Path("evaluation score sheet", lambda o: f"/tenders/{o.tender.ocid}/evaluation/lots/LOT-1/scores/", hidden=403),
    Path("evaluation panel marks", lambda o: f"/tenders/{o.tender.ocid}/evaluation/lots/LOT-1/consensus/", hidden=403),
    Path("evaluation ranking", lambda o: f"/tenders/{o.tender.ocid}/evaluation/lots/LOT-1/ranking/", hidden=403),
    Path("ranking API", lambda o: f"/api/v1/tenders/{o.tender.ocid}/lots/LOT-1/ranking", api=True, hidden=403),
]

STATES = ["no seat", "seat, not declared", "conflict declared"]


def _get(person: User, path: Path, opened: Opened) -> object:
    client: Client = factories.signed_in_client(person)
    if path.api:
        return send(client, "GET", path.url(opened))
    return client.get(path.url(opened))


def _told_nothing(response: object, path: Path) -> None:
    assert response.status_code == path.hidden, path.name  # type: ignore[attr-defined]
    body = response.content  # type: ignore[attr-defined]
    assert ANSWER.encode() not in body
    assert FILE not in body
    assert FILE_NAME.encode() not in body


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", ["officer", "evaluator", "approver"])
def test_the_buyer_reads_no_bid_before_declaring(world: World, frozen_clock: clock.Clock, who: str, state: str) -> None:
    # given a member of the buyer, seated or not, declared with a conflict or not at all
    opened = _opened(world, frozen_clock)
    person = getattr(world, who)
    if state != "no seat":
        services.panel_member_add(actor=world.officer, tender=opened.tender, user=person, role="evaluator")
    if state == "conflict declared":
        services.declaration_sign(
            actor=person,
            tender=opened.tender,
            has_conflict=True,
            statement="I used to work for Small Firm Ltd.",
            signed_name=person.full_name,
        )
    # when / then: on every path
    for path in PATHS:
        _told_nothing(_get(person, path, opened), path)


@pytest.mark.parametrize("who", ["officer", "evaluator", "approver"])
def test_once_declared_without_conflict_the_panel_reads_the_bids(
    world: World, frozen_clock: clock.Clock, who: str
) -> None:
    # given
    opened = _opened(world, frozen_clock)
    person = getattr(world, who)
    services.panel_member_add(actor=world.officer, tender=opened.tender, user=person, role="evaluator")
    for path in PATHS:
        _told_nothing(_get(person, path, opened), path)
    # when
    services.declaration_sign(
        actor=person, tender=opened.tender, has_conflict=False, statement="", signed_name=person.full_name
    )
    # then
    for path in PATHS:
        response = _get(person, path, opened)
        assert response.status_code == path.shown, path.name  # type: ignore[attr-defined]


def test_the_opened_bids_show_the_answers_and_the_file_to_the_declared_panel(
    world: World, frozen_clock: clock.Clock
) -> None:
    opened = _opened(world, frozen_clock)
    services.panel_member_add(actor=world.officer, tender=opened.tender, user=world.evaluator, role="evaluator")
    services.declaration_sign(
        actor=world.evaluator, tender=opened.tender, has_conflict=False, statement="", signed_name="Test Person"
    )
    client = factories.signed_in_client(world.evaluator)
    assert ANSWER in client.get(f"/tenders/{opened.tender.ocid}/bids/").content.decode()
    assert client.get(f"/tenders/{opened.tender.ocid}/bids/{opened.bid.pk}/files/{opened.file.pk}/").content == FILE
    assert ANSWER in send(client, "GET", f"/api/v1/bids/{opened.bid.pk}").json()["content"]["answers"].values()


def test_the_evaluation_api_hides_the_bids_until_the_declaration(world: World, frozen_clock: clock.Clock) -> None:
    opened = _opened(world, frozen_clock)
    services.panel_member_add(actor=world.officer, tender=opened.tender, user=world.evaluator, role="evaluator")
    client = factories.signed_in_client(world.evaluator)
    body = send(client, "GET", f"/api/v1/tenders/{opened.tender.ocid}/evaluation").json()
    assert body["lots"] is None
    assert body["you"] == {
        "seat": "evaluator",
        "declared": False,
        "recused": False,
        "can_read_bids": False,
        "can_score": False,
        "can_manage_evaluation": False,
        "can_manage_panel": False,
    }
    response = send(
        client,
        "POST",
        f"/api/v1/tenders/{opened.tender.ocid}/evaluation/declaration",
        {"has_conflict": False, "signed_name": "Test Person"},
    )
    assert response.status_code == 201, response.content
    assert [b["name"] for b in response.json()["bidders"]] == ["Small Firm Ltd"]
    body = send(client, "GET", f"/api/v1/tenders/{opened.tender.ocid}/evaluation").json()
    assert [a["bid_id"] for a in body["lots"][0]["assessments"]] == [str(opened.bid.pk)]


def test_the_tender_page_offers_the_bids_only_to_the_declared(world: World, frozen_clock: clock.Clock) -> None:
    opened = _opened(world, frozen_clock)
    url = f"/tenders/{opened.tender.ocid}/"
    link = f"/tenders/{opened.tender.ocid}/bids/"
    services.panel_member_add(actor=world.officer, tender=opened.tender, user=world.evaluator, role="evaluator")
    client = factories.signed_in_client(world.evaluator)
    page = client.get(url).content.decode()
    assert link not in page
    assert f"/tenders/{opened.tender.ocid}/evaluation/declaration/" in page
    services.declaration_sign(
        actor=world.evaluator, tender=opened.tender, has_conflict=False, statement="", signed_name="Test Person"
    )
    assert link in client.get(url).content.decode()
    # a member of the buyer who is not on the panel is offered neither
    approver_page = factories.signed_in_client(world.approver).get(url).content.decode()
    assert link not in approver_page
    assert "/evaluation/" not in approver_page
