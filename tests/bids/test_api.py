"""The bids API over HTTP: a third-party platform drives a supplier's whole bid journey with an API
token, gets signed receipts it can verify offline, and is told clearly what is wrong; nobody but
the bidder reads a bid before the opening."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procura.bids import receipts, services
from procura.bids.models import Bid, BidVersion, Receipt
from procura.core import clock
from procura.tenders.models import Tender
from procura.tenders.services import CriterionDetails
from tests.bids.support import after_opening, declared_panel, draft_bid, open_tender, submitted_bid
from tests.conftest import World
from tests.documents.samples import PDF
from tests.tenders.test_api import bearer, error_of, send

pytestmark = pytest.mark.django_db

QUALITY = (
    CriterionDetails(name="Price", kind="price", weight="60"),
    CriterionDetails(name="Delivery plan", kind="quality", weight="40"),
)


def rated_tender(world: World, **overrides: Any) -> Tender:
    """An open tender with an eligibility declaration and one quality criterion to answer."""
    return open_tender(
        world.officer,
        world.buyer,
        eligibility_criteria="Registered in the trade register.",
        award_criteria="ratedCriteria",
        criteria=QUALITY,
        **overrides,
    )


def answers() -> dict[str, str]:
    return {"eligibility": "Registered since 2001.", "criterion-2": "Weekly deliveries from our depot."}


def start(client: Client, world: World, tender: Tender, **headers: Any) -> Any:
    lot = tender.lots.get()
    return send(
        client,
        "POST",
        "/api/v1/bids",
        {"tender": tender.ocid, "lot": lot.local_id, "supplier": str(world.supplier.pk)},
        **headers,
    )


def upload(client: Client, bid_id: str, name: str = "offer.pdf", data: bytes = PDF, title: str = "Offer") -> Any:
    file = io.BytesIO(data)
    file.name = name
    return client.post(f"/api/v1/bids/{bid_id}/files", {"file": file, "title": title})


def verified(receipt_json: dict[str, Any], pem: str) -> dict[str, Any]:
    """The payload of a receipt as a client holds it (parsed JSON), checked offline."""
    return receipts.verify(json.dumps(receipt_json), receipts.load_public_key(pem.encode()))


# --- The journey ----------------------------------------------------------------------------------
def test_a_bid_manager_bids_through_a_platform_from_start_to_withdrawal(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a platform holding the bid manager's token, and the platform's published key
    tender = rated_tender(world)
    platform = bearer(world, "bid_manager")
    pem = send(Client(), "GET", "/api/v1/receipts/public-key").json()["pem"]

    # the questions to answer
    questions = send(platform, "GET", f"/api/v1/tenders/{tender.ocid}/bid-questions")
    assert questions.status_code == 200
    assert questions.json() == [
        {"key": "eligibility", "label": "How you meet the eligibility criteria", "required": True},
        {"key": "criterion-2", "label": "Delivery plan", "required": True},
    ]

    # start
    started = start(platform, world, tender)
    assert started.status_code == 201, started.content
    bid = started.json()
    assert bid["status"] == "draft"
    assert bid["tender"] == {"ocid": tender.ocid, "title": tender.title}
    assert bid["supplier"]["id"] == str(world.supplier.pk)
    assert bid["content"] == {"price": None, "answers": {}, "qualifications": [], "files": []}
    bid_id = bid["id"]

    # draft
    saved = send(
        platform,
        "PUT",
        f"/api/v1/bids/{bid_id}/draft",
        {"price": {"amount": "1250.5", "currency": "GBP"}, "answers": answers()},
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["content"]["price"] == {"amount": "1250.50", "currency": "GBP"}
    assert saved.json()["content"]["answers"] == answers()
    assert saved.json()["unsubmitted_changes"] is True

    # file
    attached = upload(platform, bid_id)
    assert attached.status_code == 201, attached.content
    entry = attached.json()
    assert entry["file_name"] == "offer.pdf"
    assert entry["title"] == "Offer"
    assert entry["size"] == len(PDF)
    assert entry["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert send(platform, "GET", f"/api/v1/bids/{bid_id}").json()["content"]["files"] == [entry]

    # submit
    submitted = send(platform, "POST", f"/api/v1/bids/{bid_id}/submit")
    assert submitted.status_code == 201, submitted.content
    first = submitted.json()
    assert first["kind"] == "submission"
    payload = verified(first["receipt"], pem)
    assert payload["id"] == first["receipt_id"]
    assert payload["tender"]["ocid"] == tender.ocid
    assert payload["supplier"]["id"] == world.supplier.identifier
    assert payload["sealed_content_sha256"] == BidVersion.objects.get(bid_id=bid_id, number=1).sealed_sha256
    read = send(platform, "GET", f"/api/v1/bids/{bid_id}").json()
    assert (read["status"], read["versions"], read["content_source"], read["unsubmitted_changes"]) == (
        "submitted",
        1,
        "submitted",
        False,
    )

    # replace: a lower price, without the file
    assert send(platform, "DELETE", f"/api/v1/bids/{bid_id}/files/{entry['id']}").status_code == 204
    lower = {"price": {"amount": "1199", "currency": "GBP"}, "answers": answers()}
    assert send(platform, "PUT", f"/api/v1/bids/{bid_id}/draft", lower).status_code == 200
    replaced = send(platform, "POST", f"/api/v1/bids/{bid_id}/submit")
    assert replaced.status_code == 201, replaced.content
    assert verified(replaced.json()["receipt"], pem)["kind"] == "replacement"
    read = send(platform, "GET", f"/api/v1/bids/{bid_id}").json()
    assert read["versions"] == 2
    assert read["content"]["price"] == {"amount": "1199.00", "currency": "GBP"}
    assert read["content"]["files"] == []

    # withdraw
    withdrawn = send(platform, "POST", f"/api/v1/bids/{bid_id}/withdraw")
    assert withdrawn.status_code == 201, withdrawn.content
    assert verified(withdrawn.json()["receipt"], pem)["kind"] == "withdrawal"
    assert send(platform, "GET", f"/api/v1/bids/{bid_id}").json()["status"] == "withdrawn"

    # every receipt, listed and one by one, verifies
    listed = send(platform, "GET", f"/api/v1/bids/{bid_id}/receipts")
    assert listed.status_code == 200
    assert [r["kind"] for r in listed.json()] == ["submission", "replacement", "withdrawal"]
    for entry_ in listed.json():
        alone = send(platform, "GET", f"/api/v1/receipts/{entry_['receipt_id']}")
        assert alone.status_code == 200
        assert alone.json() == entry_["receipt"]
        assert verified(alone.json(), pem)["id"] == entry_["receipt_id"]


def test_the_published_key_is_the_one_that_signs(world: World) -> None:
    # when
    response = send(Client(), "GET", "/api/v1/receipts/public-key")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    assert body["pem"] == receipts.public_key_pem()
    assert body["key_id"] == receipts.key_id(receipts.public_key())


def test_an_altered_receipt_fails_verification(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier, price="1000")
    platform = bearer(world, "bid_manager")
    receipt = send(platform, "POST", f"/api/v1/bids/{bid.pk}/submit").json()["receipt"]
    pem = receipts.public_key_pem()
    # when the time it certifies is moved back by a second
    receipt["receipt"]["time"] = receipt["receipt"]["time"].replace(":00.", ":59.", 1)
    assert ":59." in receipt["receipt"]["time"]
    # then
    with pytest.raises(receipts.ReceiptInvalid):
        verified(receipt, pem)


def test_the_supplier_lists_its_bids_by_status_a_page_at_a_time(world: World, frozen_clock: clock.Clock) -> None:
    # given three tenders with a bid each, one of them submitted, and a rival's bid
    tenders = [open_tender(world.officer, world.buyer) for _ in range(3)]
    drafts = [draft_bid(t, world.bid_manager, world.supplier) for t in tenders[:2]]
    submitted, _ = submitted_bid(tenders[2], world.bid_manager, world.supplier)
    draft_bid(tenders[0], world.other_bid_manager, world.other_supplier)
    viewer = bearer(world, "viewer")
    # when
    first = send(viewer, "GET", "/api/v1/bids?limit=2")
    second = send(viewer, "GET", f"/api/v1/bids?limit=2&cursor={first.json()['next_cursor']}")
    only_submitted = send(viewer, "GET", f"/api/v1/bids?supplier={world.supplier.pk}&status=submitted")
    # then
    assert first.status_code == second.status_code == only_submitted.status_code == 200
    listed = [b["id"] for b in first.json()["results"] + second.json()["results"]]
    assert sorted(listed) == sorted(str(b.pk) for b in [*drafts, submitted])
    assert second.json()["next_cursor"] is None
    assert [b["id"] for b in only_submitted.json()["results"]] == [str(submitted.pk)]
    assert "content" not in first.json()["results"][0]


# --- Errors ---------------------------------------------------------------------------------------
def test_a_submission_after_the_deadline_is_a_rule_violation(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    assert tender.tender_end is not None
    frozen_clock.set(tender.tender_end + dt.timedelta(microseconds=1))
    # when
    response = send(bearer(world, "bid_manager"), "POST", f"/api/v1/bids/{bid.pk}/submit")
    # then
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "rule_violation"
    assert "Bids closed at" in error["message"]
    assert "deadline" in error["fields"]
    assert not BidVersion.objects.filter(bid=bid).exists()
    assert not Receipt.objects.filter(bid=bid).exists()


def test_a_submission_at_the_deadline_is_accepted(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    assert tender.tender_end is not None
    frozen_clock.set(tender.tender_end)
    # when
    response = send(bearer(world, "bid_manager"), "POST", f"/api/v1/bids/{bid.pk}/submit")
    # then
    assert response.status_code == 201, response.content
    assert dt.datetime.fromisoformat(response.json()["time"]) == tender.tender_end


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lot": "LOT-99"}, "lot"),
        ({"tender": "ocds-nothing-000"}, "tender"),
        ({"supplier": "00000000-0000-0000-0000-000000000000"}, "supplier"),
        ({"supplier": "not-a-uuid"}, "supplier"),
        ({"tender": None}, "tender"),
        ({"lot": "x" * 33}, "lot"),
    ],
)
def test_starting_a_bid_with_a_wrong_reference_names_the_field(
    world: World, frozen_clock: clock.Clock, body: dict[str, Any], field: str
) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    valid = {"tender": tender.ocid, "lot": tender.lots.get().local_id, "supplier": str(world.supplier.pk)}
    # when
    response = send(bearer(world, "bid_manager"), "POST", "/api/v1/bids", {**valid, **body})
    # then
    assert response.status_code == 422, response.content
    assert error_of(response)["code"] == "invalid"
    assert set(error_of(response)["fields"]) == {field}
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": {"amount": "1250.00", "currency": "EUR"}}, "price.currency"),
        ({"price": {"amount": "twelve", "currency": "GBP"}}, "price.amount"),
        ({"price": {"amount": "12.345", "currency": "GBP"}}, "price.amount"),
        ({"price": {"amount": "-5", "currency": "GBP"}}, "price.amount"),
        ({"price": {"amount": "NaN", "currency": "GBP"}}, "price.amount"),
        ({"price": {"amount": "1e40", "currency": "GBP"}}, "price.amount"),
        ({"price": {"amount": 1250, "currency": "GBP"}}, "price.amount"),
        ({"price": {"amount": "10"}}, "price.currency"),
        ({"answers": {"nope": "An answer to nothing."}}, "answers.nope"),
        ({"answers": {"eligibility": "Nul\x00here"}}, "answers.eligibility"),
        ({"qualifications": ["00000000-0000-0000-0000-000000000000"]}, "qualifications"),
        ({"qualifications": ["nonsense"]}, "qualifications.0"),
        ({"answers": ["not", "a", "mapping"]}, "answers"),
    ],
)
def test_a_wrong_draft_names_the_field_and_changes_nothing(
    world: World, frozen_clock: clock.Clock, body: dict[str, Any], field: str
) -> None:
    # given
    tender = rated_tender(world)
    bid = draft_bid(tender, world.bid_manager, world.supplier, price="500")
    # when
    response = send(bearer(world, "bid_manager"), "PUT", f"/api/v1/bids/{bid.pk}/draft", body)
    # then
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"], error_of(response)
    bid.refresh_from_db()
    assert services.working_content(bid).price_amount == "500"


def test_an_incomplete_bid_cannot_be_submitted_and_says_what_is_missing(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a draft with no price and no answers
    tender = rated_tender(world)
    bid = draft_bid(tender, world.bid_manager, world.supplier, price="")
    # when
    response = send(bearer(world, "bid_manager"), "POST", f"/api/v1/bids/{bid.pk}/submit")
    # then
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"price", "answers.eligibility", "answers.criterion-2"}
    assert not BidVersion.objects.exists()


def test_a_file_the_platform_does_not_take_names_the_file(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    platform = bearer(world, "bid_manager")
    # when
    wrong_type = upload(platform, str(bid.pk), name="offer.exe", data=b"MZ\x90\x00")
    no_file = platform.post(f"/api/v1/bids/{bid.pk}/files", {"title": "Offer"})
    # then
    assert wrong_type.status_code == 422, wrong_type.content
    assert set(error_of(wrong_type)["fields"]) == {"file"}
    assert no_file.status_code == 422
    assert set(error_of(no_file)["fields"]) == {"file"}
    bid.refresh_from_db()
    assert services.working_content(bid).files == ()


def test_a_viewer_reads_but_cannot_write(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier, price="700")
    viewer = bearer(world, "viewer")
    # when
    read = send(viewer, "GET", f"/api/v1/bids/{bid.pk}")
    writes = [
        start(viewer, world, tender),
        send(viewer, "PUT", f"/api/v1/bids/{bid.pk}/draft", {"price": {"amount": "1", "currency": "GBP"}}),
        send(viewer, "PUT", f"/api/v1/bids/{bid.pk}/draft", {"price": {"amount": "1", "currency": "EUR"}}),
        send(viewer, "POST", f"/api/v1/bids/{bid.pk}/submit"),
        send(viewer, "DELETE", f"/api/v1/bids/{bid.pk}/draft"),
        upload(viewer, str(bid.pk)),
    ]
    # then
    assert read.status_code == 200
    assert read.json()["content"]["price"] == {"amount": "700.00", "currency": "GBP"}
    for response in writes:
        assert response.status_code == 403, response.content
        assert error_of(response)["code"] == "permission_denied"
    bid.refresh_from_db()
    assert services.working_content(bid).price_amount == "700"
    assert not BidVersion.objects.exists()


def test_a_read_only_token_cannot_submit(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    # when
    response = send(bearer(world, "bid_manager", scopes=("read",)), "POST", f"/api/v1/bids/{bid.pk}/submit")
    # then
    assert response.status_code == 403
    assert "read-only" in error_of(response)["message"]
    assert not BidVersion.objects.exists()


def test_a_second_live_bid_for_the_lot_is_a_conflict(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    platform = bearer(world, "bid_manager")
    assert start(platform, world, tender).status_code == 201
    # when
    again = start(platform, world, tender)
    # then
    assert again.status_code == 409
    assert error_of(again)["code"] == "conflict"
    assert Bid.objects.count() == 1


def test_discarding_a_never_submitted_draft_frees_the_lot(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    platform = bearer(world, "bid_manager")
    bid_id = start(platform, world, tender).json()["id"]
    # when
    discarded = send(platform, "DELETE", f"/api/v1/bids/{bid_id}/draft")
    # then
    assert discarded.status_code == 204
    assert send(platform, "GET", f"/api/v1/bids/{bid_id}").status_code == 404
    assert start(platform, world, tender).status_code == 201


def test_discarding_changes_to_a_submitted_bid_keeps_the_version_that_counts(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="1000")
    services.bid_draft_save(actor=world.bid_manager, bid=bid, price="800")
    platform = bearer(world, "bid_manager")
    # when
    discarded = send(platform, "DELETE", f"/api/v1/bids/{bid.pk}/draft")
    # then
    assert discarded.status_code == 204
    read = send(platform, "GET", f"/api/v1/bids/{bid.pk}").json()
    assert (read["status"], read["content_source"]) == ("submitted", "submitted")
    assert read["content"]["price"] == {"amount": "1000.00", "currency": "GBP"}


def test_unknown_ids_are_not_found_and_malformed_ones_invalid(world: World, frozen_clock: clock.Clock) -> None:
    platform = bearer(world, "bid_manager")
    unknown = "00000000-0000-0000-0000-000000000000"
    for path in (f"/api/v1/bids/{unknown}", f"/api/v1/receipts/{unknown}", "/api/v1/tenders/ocds-none/opening"):
        assert send(platform, "GET", path).status_code == 404, path
    for method, path in (("GET", "/api/v1/bids/nonsense"), ("POST", "/api/v1/bids/nonsense/submit")):
        response = send(platform, method, path)
        assert response.status_code == 422, path
        assert set(error_of(response)["fields"]) == {"bid_id"}
    garbage = platform.generic("POST", "/api/v1/bids", data=b"{not json", content_type="application/json")
    assert garbage.status_code in {400, 422}
    assert error_of(garbage)["code"] == "invalid"


# --- Idempotency ----------------------------------------------------------------------------------
def test_a_retried_submission_returns_the_same_receipt(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    platform = bearer(world, "bid_manager")
    path = f"/api/v1/bids/{bid.pk}/submit"
    # when the platform retries after a lost answer
    first = send(platform, "POST", path, HTTP_IDEMPOTENCY_KEY="submit-1")
    frozen_clock.set(clock.now() + dt.timedelta(seconds=5))
    retry = send(platform, "POST", path, HTTP_IDEMPOTENCY_KEY="submit-1")
    # then
    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert BidVersion.objects.filter(bid=bid).count() == 1
    assert Receipt.objects.filter(bid=bid).count() == 1
    # and without the key, a second submission of nothing new is refused, not a new version
    again = send(platform, "POST", path)
    assert again.status_code == 422
    assert error_of(again)["code"] == "rule_violation"
    assert BidVersion.objects.filter(bid=bid).count() == 1


def test_a_retried_start_returns_the_same_bid_not_a_conflict(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    platform = bearer(world, "bid_manager")
    # when
    first = start(platform, world, tender, HTTP_IDEMPOTENCY_KEY="start-1")
    retry = start(platform, world, tender, HTTP_IDEMPOTENCY_KEY="start-1")
    # then
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert Bid.objects.count() == 1


def test_a_failed_submission_can_be_retried_with_the_same_key(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft with no price yet
    tender = open_tender(world.officer, world.buyer)
    platform = bearer(world, "bid_manager")
    bid_id = start(platform, world, tender).json()["id"]
    path = f"/api/v1/bids/{bid_id}/submit"
    refused = send(platform, "POST", path, HTTP_IDEMPOTENCY_KEY="submit-2")
    send(platform, "PUT", f"/api/v1/bids/{bid_id}/draft", {"price": {"amount": "10", "currency": "GBP"}})
    # when
    retry = send(platform, "POST", path, HTTP_IDEMPOTENCY_KEY="submit-2")
    # then
    assert refused.status_code == 422
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry


# --- Sealing: what each person reads --------------------------------------------------------------
def test_before_the_opening_only_the_bidder_reads_the_bid(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier, price="4321.09")
    paths = [f"/api/v1/bids/{bid.pk}", f"/api/v1/bids/{bid.pk}/receipts", f"/api/v1/receipts/{receipt.pk}"]
    # then
    for person in ("officer", "approver", "evaluator", "admin", "auditor", "other_bid_manager", "reviewer"):
        client = bearer(world, person)
        for path in paths:
            response = send(client, "GET", path)
            assert response.status_code == 404, (person, path)
            assert b"4321" not in response.content
    for person in ("bid_manager", "viewer"):
        assert b"4321.09" in send(bearer(world, person), "GET", paths[0]).content


def test_no_answer_holds_the_sealed_bytes(world: World, frozen_clock: clock.Clock) -> None:
    # given a submitted bid with a working draft on top
    tender = open_tender(world.officer, world.buyer)
    bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier)
    services.bid_draft_save(actor=world.bid_manager, bid=bid, price="999")
    bid.refresh_from_db()
    version = BidVersion.objects.get(bid=bid)
    platform = bearer(world, "bid_manager")
    # when
    bodies = b"".join(
        send(platform, "GET", path).content
        for path in (
            f"/api/v1/bids/{bid.pk}",
            f"/api/v1/bids/{bid.pk}/receipts",
            f"/api/v1/receipts/{receipt.pk}",
            f"/api/v1/bids?supplier={world.supplier.pk}",
        )
    )
    # then no part of the ciphertext, in any usual encoding, is in any answer
    for sealed in (bytes(version.sealed), bytes(bid.draft_sealed)):
        for encoded in (sealed[12:40], base64.b64encode(sealed)[16:60], sealed.hex()[24:80].encode()):
            assert encoded not in bodies
    assert b'sealed"' not in bodies.replace(b"sealed_content_sha256", b"")


def test_after_the_opening_the_buyer_reads_the_bid_as_opened(world: World, frozen_clock: clock.Clock) -> None:
    # given a submitted bid whose bidder left unsubmitted changes before the deadline
    tender = rated_tender(world)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="1000", answers=answers())
    services.bid_draft_save(actor=world.bid_manager, bid=bid, price="900", answers=answers())
    frozen_clock.set(after_opening(tender))
    services.bids_open(tender=tender)
    declared_panel(tender, world.officer, world.evaluator)  # the buyer reads bids from the panel
    # when
    buyer = send(bearer(world, "evaluator"), "GET", f"/api/v1/bids/{bid.pk}")
    bidder = send(bearer(world, "bid_manager"), "GET", f"/api/v1/bids/{bid.pk}")
    outsider = send(bearer(world, "other_officer"), "GET", f"/api/v1/bids/{bid.pk}")
    off_the_panel = send(bearer(world, "approver"), "GET", f"/api/v1/bids/{bid.pk}")
    # then
    assert buyer.status_code == 200
    assert buyer.json()["content_source"] == "opened"
    assert buyer.json()["content"]["price"] == {"amount": "1000.00", "currency": "GBP"}
    assert buyer.json()["content"]["answers"] == answers()
    assert buyer.json()["unsubmitted_changes"] is None
    assert b"900" not in buyer.content
    assert bidder.json()["content_source"] == "draft"
    assert bidder.json()["content"]["price"] == {"amount": "900.00", "currency": "GBP"}
    assert outsider.status_code == 404
    assert off_the_panel.status_code == 404


# --- Tenders: count and opening -------------------------------------------------------------------
def test_the_opening_record_is_not_found_before_and_public_after(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = open_tender(world.officer, world.buyer)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price="1000.5")
    rival, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, price="999")
    services.bid_withdraw(actor=world.other_bid_manager, bid=rival)
    path = f"/api/v1/tenders/{tender.ocid}/opening"
    # when
    before = send(Client(), "GET", path)
    frozen_clock.set(after_opening(tender))
    services.bids_open(tender=tender)
    after = send(Client(), "GET", path)
    # then
    assert before.status_code == 404
    assert "not been opened yet" in error_of(before)["message"]
    assert b"1000" not in before.content
    assert after.status_code == 200
    record = after.json()
    assert record["ocid"] == tender.ocid
    assert dt.datetime.fromisoformat(record["opened_at"]) == clock.now()
    lines = {line["bid_id"]: line for line in record["bids"]}
    assert lines[str(bid.pk)]["price"] == {"amount": "1000.50", "currency": "GBP"}
    assert lines[str(bid.pk)]["status"] == "submitted"
    assert lines[str(bid.pk)]["supplier"]["name"] == world.supplier.legal_name
    assert lines[str(rival.pk)]["status"] == "withdrawn"
    assert lines[str(rival.pk)]["price"] is None


def test_the_bid_count_is_public_where_the_procedure_allows_it(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender (count public) and a request for quotation (count sealed until the opening)
    open_ = open_tender(world.officer, world.buyer)
    quotation = open_tender(world.officer, world.buyer, procedure="request_for_quotation")
    for tender in (open_, quotation):
        submitted_bid(tender, world.bid_manager, world.supplier)
    # when
    open_count = send(Client(), "GET", f"/api/v1/tenders/{open_.ocid}/bid-count")
    sealed_count = send(Client(), "GET", f"/api/v1/tenders/{quotation.ocid}/bid-count")
    frozen_clock.set(after_opening(quotation))
    services.bids_open(tender=quotation)
    opened_count = send(Client(), "GET", f"/api/v1/tenders/{quotation.ocid}/bid-count")
    # then
    assert open_count.json() == {"count": 1, "sealed": True}
    assert sealed_count.json() == {"count": None, "sealed": True}
    assert opened_count.json() == {"count": 1, "sealed": False}


def test_a_draft_tender_has_no_bid_endpoints_for_outsiders(world: World, frozen_clock: clock.Clock) -> None:
    # given
    from tests.tenders.support import draft

    tender = draft(world.officer, world.buyer)
    # then
    for suffix in ("bid-questions", "bid-count", "opening"):
        assert send(Client(), "GET", f"/api/v1/tenders/{tender.ocid}/{suffix}").status_code == 404
    response = start(bearer(world, "bid_manager"), world, tender)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"tender"}


# --- Never a server error -------------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Bodies shaped like the real ones, with wrong values, reach deeper than random JSON.
BODIES = st.fixed_dictionaries(
    {},
    optional={
        "tender": JSON,
        "lot": JSON,
        "supplier": JSON,
        "price": JSON | st.fixed_dictionaries({}, optional={"amount": JSON | st.text(max_size=30), "currency": JSON}),
        "answers": JSON | st.dictionaries(st.sampled_from(["eligibility", "criterion-2", "x"]), JSON, max_size=3),
        "qualifications": JSON,
    },
)
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=JSON | BODIES)
def test_whatever_a_platform_sends_the_answer_is_never_a_server_error(
    world: World, frozen_clock: clock.Clock, body: object
) -> None:
    tender = Tender.objects.first() or rated_tender(world)
    bid = Bid.objects.first() or draft_bid(tender, world.bid_manager, world.supplier)
    platform = bearer(world, "bid_manager")
    for method, path in (("POST", "/api/v1/bids"), ("PUT", f"/api/v1/bids/{bid.pk}/draft")):
        response = platform.generic(method, path, data=json.dumps(body), content_type="application/json")
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            assert error_of(response)["message"]


@FUZZ
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_odd_ids_in_bid_urls_are_not_found_or_invalid(world: World, segment: str) -> None:
    from urllib.parse import quote

    platform = bearer(world, "bid_manager")
    for method, path in (
        ("GET", f"/api/v1/bids/{quote(segment)}"),
        ("POST", f"/api/v1/bids/{quote(segment)}/submit"),
        ("GET", f"/api/v1/receipts/{quote(segment)}"),
        ("GET", f"/api/v1/tenders/{quote(segment)}/opening"),
        ("GET", f"/api/v1/tenders/{quote(segment)}/bid-count"),
        ("GET", f"/api/v1/bids?supplier={quote(segment)}&status={quote(segment)}&cursor={quote(segment)}"),
    ):
        response = send(platform, method, path)
        assert response.status_code in {200, 404, 422}, (path, response.content)
