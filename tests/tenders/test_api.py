"""Tenders API behaviour: the life of a tender through HTTP, searches, confidentiality and errors.

The helpers at the top (bodies, clients) are shared with the matrix and the property tests.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from procura.accounts.services import api_token_create
from procura.audit.models import AuditEntry
from procura.core import clock
from procura.documents.models import DocumentType
from procura.documents.services import document_upload
from procura.tenders import services
from procura.tenders.domain import TenderStatus
from procura.tenders.models import Amendment, Clarification, Tender
from procura.tenders.selectors import status_of
from tests.conftest import World
from tests.tenders.support import draft, published

DAY = dt.timedelta(days=1)
NOW = "2026-03-02T09:00:00+00:00"  # the frozen clock


# --- Helpers ----------------------------------------------------------------------------------
def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def item_body(**overrides: Any) -> dict[str, Any]:
    return {
        "description": "Sterile examination gloves, nitrile, size M",
        "classification_scheme": "CPV",
        "classification_code": "33141000-0",
        "quantity": "20000",
        "unit_code": "C62",
        **overrides,
    }


def tender_body(world: World | None = None, procedure: str = "open", **overrides: Any) -> dict[str, Any]:
    """A complete tender as a client sends it, its dates relative to now; with `world`, for its buyer."""
    now = clock.now()
    body: dict[str, Any] = {
        "title": "Examination gloves for regional hospitals",
        "description": "Two-year supply of nitrile examination gloves.",
        "main_category": "goods",
        "procedure": procedure,
        "currency": "GBP",
        "value_amount": "90000.00",
        "award_criteria": "priceOnly",
        "lots": [{"title": "Gloves", "items": [item_body()]}],
    }
    if world is not None:
        body["buyer_id"] = str(world.buyer.pk)
    if procedure == "open":
        body |= {
            "enquiry_end": iso(now + 10 * DAY),
            "tender_end": iso(now + 20 * DAY),
            "bid_opening_at": iso(now + 20 * DAY + dt.timedelta(hours=1)),
            "bid_opening_place": "Room 4, Town Hall",
        }
    elif procedure == "negotiated":
        body |= {"tender_end": iso(now + 6 * DAY), "procedure_justification": "Extreme urgency after the floods."}
    body.update(overrides)
    return body


def send(client: Client, method: str, path: str, body: object = None, **headers: Any) -> Any:
    """A JSON request; `body=None` sends no body."""
    return client.generic(
        method, path, data=b"" if body is None else json.dumps(body), content_type="application/json", **headers
    )


def bearer(world: World, person: str, scopes: tuple[str, ...] = ("read", "write")) -> Client:
    _, secret = api_token_create(actor=getattr(world, person), name="test", scopes=list(scopes))
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


# --- The life of a tender ---------------------------------------------------------------------
def test_an_officer_prepares_a_draft_and_gets_the_whole_tender_back(world: World, frozen_clock: clock.Clock) -> None:
    # given
    client = world.client("officer")
    # when
    response = send(client, "POST", "/api/v1/tenders", tender_body(world, sme_suitable=True))
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    tender = Tender.objects.get()
    assert body["id"] == str(tender.pk)
    assert body["ocid"] == tender.ocid
    assert (body["status"], body["status_ocds"], body["published_at"], body["next_deadline"]) == (
        "draft",
        None,
        None,
        None,
    )
    assert body["buyer"] == {
        "id": str(world.buyer.pk),
        "name": "Ministry of Tests",
        "identifier": world.buyer.identifier,
    }
    assert body["procurement_method"] == "open"
    assert body["rules_version"] == "default/2026.1"
    assert body["value"] == {"amount": "90000.00", "currency": "GBP"}
    assert body["sme_suitable"] is True
    assert body["periods"] == {
        "qualification": None,
        "enquiry": {"start": None, "end": "2026-03-12T09:00:00+00:00"},
        "tender": {"start": None, "end": "2026-03-22T09:00:00+00:00"},
        "award": None,
        "contract": None,
    }
    assert body["bid_opening"] == {"at": "2026-03-22T10:00:00+00:00", "place": "Room 4, Town Hall"}
    assert body["lots"] == [
        {
            "id": "LOT-1",
            "title": "Gloves",
            "description": "",
            "value": None,
            "items": [
                {
                    "id": "ITEM-1",
                    "description": "Sterile examination gloves, nitrile, size M",
                    "classification": {
                        "scheme": "CPV",
                        "id": "33141000-0",
                        "description": tender.items.get().classification_description,
                    },
                    "quantity": "20000",
                    "unit": {"id": "C62", "name": tender.items.get().unit_name},
                }
            ],
        }
    ]
    assert (body["documents"], body["clarifications"], body["amendments"]) == ([], [], [])
    assert (body["cancellation"], body["unsuccessful"]) == (None, None)
    assert tender.published_at is None
    assert tender.created_by == world.officer
    assert tender.sme_suitable is True


def test_create_publish_amend_ask_answer_cancel(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft
    officer = world.client("officer")
    ocid = send(officer, "POST", "/api/v1/tenders", tender_body(world)).json()["ocid"]
    # when it is published
    published_response = send(officer, "POST", f"/api/v1/tenders/{ocid}/publish")
    # then it is open for bids
    assert published_response.status_code == 200
    assert published_response.json()["status"] == "tendering"
    assert published_response.json()["status_ocds"] == "active"
    assert published_response.json()["published_at"] == NOW
    assert published_response.json()["next_deadline"] == "2026-03-22T09:00:00+00:00"

    # when a supplier asks about the lot
    frozen_clock.advance(DAY)
    asked = send(
        world.client("bid_manager"),
        "POST",
        f"/api/v1/tenders/{ocid}/clarifications",
        {"question": "  Is size L acceptable?  ", "lot_id": "LOT-1", "supplier_id": str(world.supplier.pk)},
    )
    # then the question is recorded for the supplier
    assert asked.status_code == 201, asked.content
    clarification = Clarification.objects.get()
    assert asked.json() == {
        "id": str(clarification.pk),
        "local_id": "Q-1",
        "lot_id": "LOT-1",
        "question": "Is size L acceptable?",
        "date": "2026-03-03T09:00:00+00:00",
        "answer": None,
        "date_answered": None,
        "asked_by_organisation": {
            "id": str(world.supplier.pk),
            "name": "Small Firm Ltd",
            "identifier": world.supplier.identifier,
        },
    }
    assert clarification.asker_organisation == world.supplier

    # when the buyer answers
    answered = send(officer, "POST", f"/api/v1/clarifications/{clarification.pk}/answer", {"answer": "Yes."})
    # then it is public, without the asker
    assert answered.status_code == 200, answered.content
    assert answered.json()["answer"] == "Yes."
    assert answered.json()["date_answered"] == "2026-03-03T09:00:00+00:00"
    assert "asked_by_organisation" not in answered.json()
    public = send(Client(), "GET", f"/api/v1/tenders/{ocid}").json()
    assert [(c["local_id"], c["question"], c["answer"]) for c in public["clarifications"]] == [
        ("Q-1", "Is size L acceptable?", "Yes.")
    ]

    # when the buyer amends the description (a material change)
    amended = send(
        officer,
        "POST",
        f"/api/v1/tenders/{ocid}/amendments",
        {"rationale": "Sizes clarified.", "tender": {"description": "Nitrile gloves, sizes S to XL."}},
    )
    # then the amendment is recorded and published with the tender
    assert amended.status_code == 201, amended.content
    assert amended.json() == {
        "id": "AMD-1",
        "date": "2026-03-03T09:00:00+00:00",
        "rationale": "Sizes clarified.",
        "changes": [
            {
                "field": "description",
                "before": "Two-year supply of nitrile examination gloves.",
                "after": "Nitrile gloves, sizes S to XL.",
            }
        ],
        "material": True,
        "deadline_before": "2026-03-22T09:00:00+00:00",
        "deadline_after": "2026-03-22T09:00:00+00:00",
    }
    tender = Tender.objects.get(ocid=ocid)
    assert tender.description == "Nitrile gloves, sizes S to XL."
    assert send(Client(), "GET", f"/api/v1/tenders/{ocid}").json()["amendments"] == [amended.json()]

    # when the buyer cancels
    cancelled = send(officer, "POST", f"/api/v1/tenders/{ocid}/cancel", {"reason": "The need has gone."})
    # then
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation"] == {"date": "2026-03-03T09:00:00+00:00", "reason": "The need has gone."}
    assert cancelled.json()["next_deadline"] is None
    tender.refresh_from_db()
    assert status_of(tender) == TenderStatus.CANCELLED
    assert tender.cancellation_reason == "The need has gone."


def test_publishing_twice_answers_200_both_times_and_publishes_once(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = draft(world.officer, world.buyer)
    officer = world.client("officer")
    # when
    first = send(officer, "POST", f"/api/v1/tenders/{tender.ocid}/publish")
    frozen_clock.advance(DAY)
    second = send(officer, "POST", f"/api/v1/tenders/{tender.ocid}/publish")
    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["published_at"] == second.json()["published_at"] == NOW
    assert AuditEntry.objects.filter(action="tender.published", object_id=str(tender.pk)).count() == 1


def test_put_replaces_a_draft_and_keeps_the_ids_sent_back(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft with one lot
    officer = world.client("officer")
    ocid = send(officer, "POST", "/api/v1/tenders", tender_body(world)).json()["ocid"]
    # when the lot is sent back with its id and a second lot without one
    body = tender_body(
        title="Gloves and aprons",
        lots=[
            {"id": "LOT-1", "title": "Gloves", "items": [item_body(id="ITEM-1", quantity="25000")]},
            {"title": "Aprons", "value_amount": "1500.5", "items": [item_body(description="Aprons")]},
        ],
    )
    response = send(officer, "PUT", f"/api/v1/tenders/{ocid}", body)
    # then
    assert response.status_code == 200, response.content
    assert [(lot["id"], lot["title"], lot["value"]) for lot in response.json()["lots"]] == [
        ("LOT-1", "Gloves", None),
        ("LOT-2", "Aprons", {"amount": "1500.50", "currency": "GBP"}),
    ]
    tender = Tender.objects.get(ocid=ocid)
    assert tender.title == "Gloves and aprons"
    assert [(i.local_id, i.lot.local_id, str(i.quantity)) for i in tender.items.order_by("position")] == [
        ("ITEM-1", "LOT-1", "25000.0000"),
        ("ITEM-2", "LOT-2", "20000.0000"),
    ]


def test_a_published_tender_is_not_replaced_but_amended(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(world.officer, world.buyer)
    # when
    response = send(world.client("officer"), "PUT", f"/api/v1/tenders/{tender.ocid}", tender_body(title="Other"))
    # then
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "rule_violation",
        "message": "The tender is published: change it with an amendment and its rationale.",
        "fields": {},
    }
    tender.refresh_from_db()
    assert tender.title == "Examination gloves for regional hospitals"


def test_a_partial_amendment_keeps_what_it_does_not_mention(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(world.officer, world.buyer)
    # when only the title and a lot are sent
    response = send(
        world.client("officer"),
        "POST",
        f"/api/v1/tenders/{tender.ocid}/amendments",
        {
            "rationale": "Aprons were forgotten.",
            "tender": {
                "title": "Gloves and aprons",
                "lots": [
                    {"id": "LOT-1", "title": "Gloves", "items": [item_body(id="ITEM-1")]},
                    {"title": "Aprons", "items": [item_body(description="Aprons")]},
                ],
            },
        },
    )
    # then the rest is unchanged and the deadline stays (20 days is more than the 7-day minimum)
    assert response.status_code == 201, response.content
    assert [c["field"] for c in response.json()["changes"]] == ["title", "lots"]
    assert response.json()["material"] is True
    tender.refresh_from_db()
    assert tender.title == "Gloves and aprons"
    assert tender.description == "Two-year supply of nitrile examination gloves."
    assert tender.value_amount == 90000
    assert [lot.local_id for lot in tender.lots.all()] == ["LOT-1", "LOT-2"]
    assert tender.tender_end == clock.now() + 20 * DAY


def test_an_amendment_that_changes_nothing_is_refused(world: World, frozen_clock: clock.Clock) -> None:
    tender = published(world.officer, world.buyer)
    response = send(
        world.client("officer"), "POST", f"/api/v1/tenders/{tender.ocid}/amendments", {"rationale": "Nothing."}
    )
    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid", "message": "Nothing was changed.", "fields": {}}
    assert Amendment.objects.count() == 0


def test_a_tender_without_valid_bids_is_declared_unsuccessful(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender whose bids have closed
    tender = published(world.officer, world.buyer)
    officer = world.client("officer")
    early = send(officer, "POST", f"/api/v1/tenders/{tender.ocid}/unsuccessful", {"reason": "No bids."})
    frozen_clock.advance(21 * DAY)
    # when
    response = send(officer, "POST", f"/api/v1/tenders/{tender.ocid}/unsuccessful", {"reason": "No bids."})
    # then
    assert early.status_code == 422
    assert error_of(early)["code"] == "rule_violation"
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "unsuccessful"
    assert response.json()["unsuccessful"] == {"date": "2026-03-23T09:00:00+00:00", "reason": "No bids."}
    tender.refresh_from_db()
    assert tender.unsuccessful_reason == "No bids."


# --- Reading and searching -----------------------------------------------------------------------
def test_drafts_are_found_only_inside_the_buyer_and_by_overseers(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = draft(world.officer, world.buyer)
    path = f"/api/v1/tenders/{tender.ocid}"
    # when
    statuses = {
        person: send(world.client(person), "GET", path).status_code
        for person in ("officer", "approver", "evaluator", "admin", "auditor", "other_officer", "bid_manager")
    }
    anonymous = send(Client(), "GET", path)
    # then
    assert statuses == {
        "officer": 200,
        "approver": 200,
        "evaluator": 200,
        "admin": 200,
        "auditor": 200,
        "other_officer": 404,
        "bid_manager": 404,
    }
    assert anonymous.status_code == 404
    assert error_of(anonymous) == {"code": "not_found", "message": f"There is no tender {tender.ocid}.", "fields": {}}
    assert send(Client(), "GET", "/api/v1/tenders").json() == {"results": [], "next_cursor": None}


def test_the_search_filters_like_the_portal(world: World, frozen_clock: clock.Clock) -> None:
    # given two published tenders of different buyers and a draft
    gloves = published(world.officer, world.buyer, sme_suitable=True)
    frozen_clock.advance(dt.timedelta(hours=1))
    roads = published(
        world.other_officer,
        world.other_buyer,
        title="Resurfacing the ring road",
        description="Resurfacing 4 km of the ring road.",
        main_category="works",
        value_amount="450000",
        tender_end=clock.now() + 40 * DAY,
        enquiry_end=clock.now() + 30 * DAY,
        bid_opening_at=clock.now() + 40 * DAY,
        lots=(
            services.LotDetails(
                title="Road",
                items=(
                    services.ItemDetails(
                        description="Resurfacing",
                        classification_scheme="CPV",
                        classification_code="45233140-2",
                        quantity="1",
                        unit_code="C62",
                    ),
                ),
            ),
        ),
    )
    draft(world.officer, world.buyer, title="Secret draft gloves")
    client = Client()

    def found(query: str) -> list[str]:
        response = send(client, "GET", f"/api/v1/tenders?{query}")
        assert response.status_code == 200, response.content
        return [t["ocid"] for t in response.json()["results"]]

    # then
    assert found("") == [roads.ocid, gloves.ocid]
    assert found("q=gloves") == [gloves.ocid]
    assert found("q=ring+road") == [roads.ocid]
    assert found("classification=45000000-7") == [roads.ocid]
    assert found("classification=33141000-0") == [gloves.ocid]
    assert found(f"buyer={world.other_buyer.pk}") == [roads.ocid]
    assert found("procedure=open&status=tendering") == [roads.ocid, gloves.ocid]
    assert found("status=cancelled") == []
    assert found("value_min=100000") == [roads.ocid]
    assert found("value_max=100000.00") == [gloves.ocid]
    assert found("closing_after=2026-04-01") == [roads.ocid]
    assert found("closing_before=2026-03-22") == [gloves.ocid]
    assert found("sme_suitable=true") == [gloves.ocid]
    assert found("sme_suitable=false") == [roads.ocid]
    summary = send(client, "GET", "/api/v1/tenders?q=gloves").json()["results"][0]
    assert summary == {
        "id": str(gloves.pk),
        "ocid": gloves.ocid,
        "title": "Examination gloves for regional hospitals",
        "status": "tendering",
        "status_ocds": "active",
        "buyer": {"id": str(world.buyer.pk), "name": "Ministry of Tests", "identifier": world.buyer.identifier},
        "main_category": "goods",
        "procedure": "open",
        "value": {"amount": "90000.00", "currency": "GBP"},
        "sme_suitable": True,
        "closing_at": "2026-03-22T09:00:00+00:00",
        "published_at": NOW,
        "next_deadline": "2026-03-22T09:00:00+00:00",
    }


def test_pages_follow_the_cursor(world: World, frozen_clock: clock.Clock) -> None:
    # given three published tenders
    ocids = []
    for _ in range(3):
        ocids.append(published(world.officer, world.buyer).ocid)
        frozen_clock.advance(dt.timedelta(minutes=1))
    client = Client()
    # when
    first = send(client, "GET", "/api/v1/tenders?limit=2").json()
    second = send(client, "GET", f"/api/v1/tenders?limit=2&cursor={first['next_cursor']}").json()
    # then
    assert [t["ocid"] for t in first["results"]] == [ocids[2], ocids[1]]
    assert [t["ocid"] for t in second["results"]] == [ocids[0]]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0", "WyJ4IiwieSJd"])  # garbage, [1,2], ["x","y"]
def test_a_cursor_the_server_did_not_issue_is_refused(world: World, cursor: str) -> None:
    response = send(Client(), "GET", f"/api/v1/tenders?cursor={cursor}")
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid",
        "message": "The cursor is not one this server issued.",
        "fields": {"cursor": ["The cursor is not one this server issued."]},
    }


def test_bad_query_parameters_name_the_parameter(world: World) -> None:
    response = send(Client(), "GET", "/api/v1/tenders?limit=0&status=open&buyer=nobody")
    assert response.status_code == 422
    assert sorted(error_of(response)["fields"]) == ["buyer", "limit", "status"]


def test_a_confidential_value_is_null_outside_the_buyer(world: World, frozen_clock: clock.Clock) -> None:
    # given a negotiated tender (its rules hide the value) amended to a new value
    tender = published(
        world.officer,
        world.buyer,
        "negotiated",
        lots=(
            services.LotDetails(
                title="Gloves",
                value_amount="40000",
                items=(
                    services.ItemDetails(
                        description="Gloves",
                        classification_scheme="CPV",
                        classification_code="33141000-0",
                        quantity="10",
                        unit_code="C62",
                    ),
                ),
            ),
        ),
    )
    amended = send(
        world.client("officer"),
        "POST",
        f"/api/v1/tenders/{tender.ocid}/amendments",
        {
            "rationale": "Budget revised.",
            "tender": {
                "value_amount": "95000",
                "lots": [
                    {"id": "LOT-1", "title": "Gloves", "value_amount": "45000", "items": [item_body(id="ITEM-1")]}
                ],
            },
        },
    )
    assert amended.status_code == 201, amended.content
    # when
    public = send(Client(), "GET", f"/api/v1/tenders/{tender.ocid}").json()
    rival = send(world.client("other_bid_manager"), "GET", f"/api/v1/tenders/{tender.ocid}").json()
    listed = send(Client(), "GET", "/api/v1/tenders").json()["results"]
    by_value = send(Client(), "GET", "/api/v1/tenders?value_min=90000").json()["results"]
    buyer = send(world.client("officer"), "GET", f"/api/v1/tenders/{tender.ocid}").json()
    # then nothing outside the buyer shows a value, even in the amendment's changes
    for seen in (public, rival):
        assert seen["value"] is None
        assert seen["lots"][0]["value"] is None
        changes = {c["field"]: c for c in seen["amendments"][0]["changes"]}
        assert changes["value_amount"] == {"field": "value_amount", "before": None, "after": None}
        assert [lot["value_amount"] for lot in changes["lots"]["before"] + changes["lots"]["after"]] == [None, None]
        assert "95000" not in json.dumps(seen)
        assert "45000" not in json.dumps(seen)
    assert [(t["ocid"], t["value"]) for t in listed] == [(tender.ocid, None)]
    assert by_value == []
    assert buyer["value"] == {"amount": "95000.00", "currency": "GBP"}
    assert buyer["lots"][0]["value"] == {"amount": "45000.00", "currency": "GBP"}
    assert {c["field"]: c["after"] for c in buyer["amendments"][0]["changes"]}["value_amount"] == "95000"


def test_a_buyer_lists_its_tenders_with_drafts(world: World, frozen_clock: clock.Clock) -> None:
    # given
    open_tender = published(world.officer, world.buyer)
    frozen_clock.advance(dt.timedelta(minutes=1))
    in_preparation = draft(world.officer, world.buyer)
    published(world.other_officer, world.other_buyer)
    path = f"/api/v1/buyers/{world.buyer.pk}/tenders"
    # when
    response = send(world.client("evaluator"), "GET", path)
    refused = send(world.client("other_officer"), "GET", path)
    # then
    assert response.status_code == 200
    assert [(t["ocid"], t["status"], t["next_deadline"]) for t in response.json()["results"]] == [
        (in_preparation.ocid, "draft", None),
        (open_tender.ocid, "tendering", "2026-03-22T09:00:00+00:00"),
    ]
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "permission_denied"
    assert send(Client(), "GET", path).status_code == 401
    assert (
        send(world.client("officer"), "GET", "/api/v1/buyers/00000000-0000-0000-0000-000000000000/tenders").status_code
        == 404
    )


def test_documents_of_the_tender_are_listed_with_their_hash(
    world: World, frozen_clock: clock.Clock, settings: Any, tmp_path: Any
) -> None:
    # given
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    from django.core.files.uploadedfile import SimpleUploadedFile

    tender = draft(world.officer, world.buyer)
    document = document_upload(
        actor=world.officer,
        organisation=world.buyer,
        owner_type="tender",
        owner_id=tender.pk,
        title="Specification",
        document_type=DocumentType.TECHNICAL_SPECIFICATIONS,
        file=SimpleUploadedFile("spec.pdf", b"%PDF-1.7\n%%EOF\n"),
    )
    # when
    response = send(world.client("officer"), "GET", f"/api/v1/tenders/{tender.ocid}")
    # then
    assert response.json()["documents"] == [
        {
            "id": str(document.document_id),
            "title": "Specification",
            "document_type": "technicalSpecifications",
            "url": f"http://testserver/documents/{document.pk}/spec.pdf",
            "sha256": document.sha256,
            "version": 1,
        }
    ]


# --- Clarifications: the asker stays unknown ---------------------------------------------------------
def _asked_and_one_answered(world: World) -> Tender:
    tender = published(world.officer, world.buyer)
    answered = services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Is size L acceptable?"
    )
    services.clarification_answer(actor=world.officer, clarification=answered, answer="Yes.")
    services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Can we deliver monthly?"
    )
    return tender


def test_the_asker_is_known_only_to_its_organisation_and_auditors(world: World, frozen_clock: clock.Clock) -> None:
    # given one answered and one unanswered question of the supplier
    tender = _asked_and_one_answered(world)
    path = f"/api/v1/tenders/{tender.ocid}/clarifications"
    # when
    seen = {
        person: send(world.client(person) if person != "anonymous" else Client(), "GET", path).json()
        for person in (
            "anonymous",
            "officer",
            "evaluator",
            "other_bid_manager",
            "admin",
            "bid_manager",
            "viewer",
            "auditor",
        )
    }
    # then the public sees the answered question; the buyer both; nobody but the supplier and
    # auditors who asked
    assert {person: [c["question"] for c in found] for person, found in seen.items()} == {
        "anonymous": ["Is size L acceptable?"],
        "officer": ["Is size L acceptable?", "Can we deliver monthly?"],
        "evaluator": ["Is size L acceptable?", "Can we deliver monthly?"],
        "other_bid_manager": ["Is size L acceptable?"],
        "admin": ["Is size L acceptable?"],
        "bid_manager": ["Is size L acceptable?", "Can we deliver monthly?"],
        "viewer": ["Is size L acceptable?", "Can we deliver monthly?"],
        "auditor": ["Is size L acceptable?", "Can we deliver monthly?"],
    }
    for person, found in seen.items():
        knows = person in {"bid_manager", "viewer", "auditor"}
        assert all(("asked_by_organisation" in c) is knows for c in found), person
        assert ("Small Firm" in json.dumps(found)) is knows, person
    assert seen["auditor"][0]["asked_by_organisation"]["id"] == str(world.supplier.pk)
    for person in ("anonymous", "officer", "other_bid_manager", "bid_manager"):
        detail = send(
            world.client(person) if person != "anonymous" else Client(), "GET", f"/api/v1/tenders/{tender.ocid}"
        )
        assert [c["question"] for c in detail.json()["clarifications"]] == ["Is size L acceptable?"]
        assert "Small Firm" not in detail.content.decode()
        assert "asked_by_organisation" not in detail.content.decode()


def test_only_a_bid_manager_of_the_supplier_asks(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(world.officer, world.buyer)
    body = {"question": "Is size L acceptable?", "supplier_id": str(world.supplier.pk)}
    # when
    rival = send(world.client("other_bid_manager"), "POST", f"/api/v1/tenders/{tender.ocid}/clarifications", body)
    unknown_lot = send(
        world.client("bid_manager"),
        "POST",
        f"/api/v1/tenders/{tender.ocid}/clarifications",
        {**body, "lot_id": "LOT-9"},
    )
    # then
    assert rival.status_code == 403
    assert error_of(rival) == {
        "code": "permission_denied",
        "message": "Only a bid manager of a registered supplier can ask questions about a tender.",
        "fields": {},
    }
    assert unknown_lot.status_code == 422
    assert error_of(unknown_lot)["fields"] == {"lot_id": ["This tender has no lot LOT-9."]}
    assert Clarification.objects.count() == 0


def test_questions_close_at_the_enquiry_deadline(world: World, frozen_clock: clock.Clock) -> None:
    # given the deadline for questions has passed
    tender = published(world.officer, world.buyer)
    frozen_clock.advance(11 * DAY)
    # when
    response = send(
        world.client("bid_manager"),
        "POST",
        f"/api/v1/tenders/{tender.ocid}/clarifications",
        {"question": "Late?", "supplier_id": str(world.supplier.pk)},
    )
    # then
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "rule_violation"
    assert error["fields"] == {"question": ["The deadline for questions has passed."]}
    assert Clarification.objects.count() == 0


def test_a_question_is_answered_once(world: World, frozen_clock: clock.Clock) -> None:
    tender = _asked_and_one_answered(world)
    answered = tender.clarifications.get(local_id="Q-1")
    response = send(world.client("officer"), "POST", f"/api/v1/clarifications/{answered.pk}/answer", {"answer": "No."})
    empty = send(
        world.client("officer"),
        "POST",
        f"/api/v1/clarifications/{tender.clarifications.get(local_id='Q-2').pk}/answer",
        {"answer": " "},
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert empty.status_code == 422
    assert error_of(empty)["fields"] == {"answer": ["Write the answer."]}
    answered.refresh_from_db()
    assert answered.answer == "Yes."


# --- Errors name the body's fields ------------------------------------------------------------------
def test_service_errors_name_the_fields_as_the_body_does(world: World, frozen_clock: clock.Clock) -> None:
    # given
    body = tender_body(
        world,
        currency="EURO",
        value_amount="-5",
        lots=[{"title": " ", "items": [item_body(), item_body(classification_code="99999999-9", quantity="0")]}],
    )
    # when
    response = send(world.client("officer"), "POST", "/api/v1/tenders", body)
    # then
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid",
        "message": "Some details of the tender need correcting.",
        "fields": {
            "currency": ["Enter a currency as its three-letter ISO 4217 code, such as EUR."],
            "value_amount": ["The amount cannot be negative."],
            "lots.0.title": ["Enter a title for the lot."],
            "lots.0.items.1.classification_code": ["99999999-9 is not a CPV code Procura knows."],
            "lots.0.items.1.quantity": ["Enter a quantity greater than zero, such as 12 or 2.5."],
        },
    }
    assert Tender.objects.count() == 0


def test_publication_problems_name_the_fields_as_the_body_does(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft whose deadlines are too close
    officer = world.client("officer")
    now = clock.now()
    body = tender_body(world, enquiry_end=iso(now + 2 * DAY), tender_end=iso(now + 5 * DAY), bid_opening_at=None)
    ocid = send(officer, "POST", "/api/v1/tenders", body).json()["ocid"]
    # when
    response = send(officer, "POST", f"/api/v1/tenders/{ocid}/publish")
    # then
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"] == "The tender cannot be published yet: 3 thing(s) to put right."
    assert sorted(error["fields"]) == ["bid_opening_at", "enquiry_end", "tender_end"]
    assert Tender.objects.get().published_at is None


def test_amendment_errors_name_the_fields_under_tender(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(world.officer, world.buyer)
    path = f"/api/v1/tenders/{tender.ocid}/amendments"
    officer = world.client("officer")
    # when
    too_short = send(
        officer, "POST", path, {"rationale": "Hurry.", "tender": {"tender_end": iso(clock.now() + 3 * DAY)}}
    )
    switched = send(officer, "POST", path, {"rationale": "Switch.", "tender": {"procedure": "negotiated"}})
    no_reason = send(officer, "POST", path, {"rationale": " ", "tender": {"title": "New"}})
    naive = send(officer, "POST", path, {"rationale": "r", "tender": {"tender_end": "2026-04-01T12:00:00"}})
    # then
    assert too_short.status_code == 422
    assert set(error_of(too_short)["fields"]) == {"tender.enquiry_end", "tender.tender_end"}
    assert "at least 15 days" in error_of(too_short)["fields"]["tender.tender_end"][0]
    assert switched.status_code == 422
    assert error_of(switched)["code"] == "rule_violation"
    assert error_of(switched)["fields"] == {"tender.procedure": ["This cannot change after publication."]}
    assert error_of(no_reason)["fields"] == {"rationale": ["Say why the tender is being changed."]}
    assert naive.status_code == 422
    assert error_of(naive)["fields"] == {"tender.tender_end": ["Input should have timezone info"]}
    assert Amendment.objects.count() == 0


def test_a_time_without_its_zone_is_refused_naming_the_field(world: World, frozen_clock: clock.Clock) -> None:
    # when
    response = send(
        world.client("officer"), "POST", "/api/v1/tenders", tender_body(world, tender_end="2026-04-01T12:00:00")
    )
    # then
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid",
        "message": "The request is not valid: tender_end.",
        "fields": {"tender_end": ["Input should have timezone info"]},
    }
    assert Tender.objects.count() == 0


def test_dates_out_of_range_and_nul_characters_are_refused_naming_the_field(
    world: World, frozen_clock: clock.Clock
) -> None:
    body = tender_body(world, contract_end="9999-12-31T23:00:00-05:00", title="Gloves\u0000")
    response = send(world.client("officer"), "POST", "/api/v1/tenders", body)
    assert response.status_code == 422
    assert error_of(response)["fields"] == {
        "title": ["Remove the NUL character (\\u0000) from the text."],
        "contract_end": ["Give a date between the years 1900 and 2999."],
    }
    assert Tender.objects.count() == 0


def test_validation_errors_name_nested_fields(world: World, frozen_clock: clock.Clock) -> None:
    body = tender_body(world, procedure="auction", lots=[{"title": "Gloves", "items": [item_body(quantity=12.5)]}])
    del body["title"]
    response = send(world.client("officer"), "POST", "/api/v1/tenders", body)
    assert response.status_code == 422
    assert sorted(error_of(response)["fields"]) == ["lots.0.items.0.quantity", "procedure", "title"]
    assert Tender.objects.count() == 0


@pytest.mark.parametrize("weight", ["1E+10", "123456.5", "40.125", "forty"])
def test_a_weight_the_tender_cannot_hold_is_refused(world: World, frozen_clock: clock.Clock, weight: str) -> None:
    body = tender_body(
        world, award_criteria="ratedCriteria", criteria=[{"name": "Price", "kind": "price", "weight": weight}]
    )
    response = send(world.client("officer"), "POST", "/api/v1/tenders", body)
    assert response.status_code == 422
    assert error_of(response)["fields"] == {
        "criteria.0.weight": ["Enter a weight such as 40 or 12.5, with at most two decimals."]
    }
    assert Tender.objects.count() == 0


def test_unknown_references_in_the_body_name_their_field(world: World, frozen_clock: clock.Clock) -> None:
    officer = world.client("officer")
    nobody = "00000000-0000-0000-0000-000000000000"
    no_buyer = send(officer, "POST", "/api/v1/tenders", {**tender_body(), "buyer_id": nobody})
    no_line = send(officer, "POST", "/api/v1/tenders", tender_body(world, plan_line_id=nobody))
    assert (no_buyer.status_code, error_of(no_buyer)["fields"]) == (
        422,
        {"buyer_id": ["There is no organisation with this id."]},
    )
    assert (no_line.status_code, error_of(no_line)["fields"]) == (
        422,
        {"plan_line_id": ["There is no plan line with this id."]},
    )
    assert Tender.objects.count() == 0


# --- Authentication --------------------------------------------------------------------------------
def test_an_idempotency_key_retry_creates_one_tender(world: World, frozen_clock: clock.Clock) -> None:
    # given
    officer = world.client("officer")
    body = tender_body(world)
    # when the client retries the same request with the same key
    first = send(officer, "POST", "/api/v1/tenders", body, HTTP_IDEMPOTENCY_KEY="create-gloves-1")
    retry = send(officer, "POST", "/api/v1/tenders", body, HTTP_IDEMPOTENCY_KEY="create-gloves-1")
    other = send(officer, "POST", "/api/v1/tenders", {**body, "title": "Other"}, HTTP_IDEMPOTENCY_KEY="create-gloves-1")
    # then
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Tender.objects.count() == 1
    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"


def test_a_read_only_token_reads_but_does_not_write(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = draft(world.officer, world.buyer)
    reader = bearer(world, "officer", scopes=("read",))
    writer = bearer(world, "officer")
    # when
    read = send(reader, "GET", f"/api/v1/tenders/{tender.ocid}")
    listed = send(reader, "GET", f"/api/v1/buyers/{world.buyer.pk}/tenders")
    refused = send(reader, "POST", f"/api/v1/tenders/{tender.ocid}/publish")
    created = send(writer, "POST", "/api/v1/tenders", tender_body(world))
    # then
    assert (read.status_code, read.json()["status"]) == (200, "draft")
    assert [t["ocid"] for t in listed.json()["results"]] == [tender.ocid]
    assert refused.status_code == 403
    assert error_of(refused) == {
        "code": "permission_denied",
        "message": "This API token is read-only; create one with the 'write' scope.",
        "fields": {},
    }
    tender.refresh_from_db()
    assert tender.published_at is None
    assert created.status_code == 201
    assert Tender.objects.count() == 2


def test_an_unknown_token_is_refused_even_for_public_reads(world: World) -> None:
    response = send(Client(HTTP_AUTHORIZATION="Bearer nonsense"), "GET", "/api/v1/tenders")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
