"""Two envelopes as a tender setting: entered in the service, the workspace and the API, shown on
the notice and the public page, allowed only for price-and-quality tenders, and frozen once a bid
is submitted (or the deadline has passed)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from procura.audit.models import AuditEntry
from procura.bids import services as bid_services
from procura.core import clock
from procura.core.errors import InvalidInput, RuleViolation
from procura.tenders import services
from procura.tenders.models import Amendment, Tender
from procura.tenders.services import details_of
from tests.conftest import World
from tests.tenders.support import DAY, details, rated
from tests.web.support import text

SHOWN = "Two envelopes: prices are opened only for technically qualified bids"
REFUSAL = "Two envelopes are only for tenders judged on price and quality"


def _rated_draft(world: World, **overrides: Any) -> Tender:
    return services.tender_create(actor=world.officer, buyer=world.buyer, details=rated(**overrides))


def _rated_published(world: World, **overrides: Any) -> Tender:
    return services.tender_publish(actor=world.officer, tender=_rated_draft(world, **overrides))


def _send(client: Client, method: str, path: str, body: object) -> Any:
    return client.generic(method, path, data=json.dumps(body), content_type="application/json")


# --- The service ----------------------------------------------------------------------------------
def test_a_price_and_quality_tender_is_kept_with_two_envelopes(world: World, frozen_clock: clock.Clock) -> None:
    # when
    tender = _rated_draft(world, two_envelopes=True)
    # then it is stored, read back as input, and in the audit entry's snapshot
    assert Tender.objects.get(pk=tender.pk).two_envelopes is True
    assert details_of(tender).two_envelopes is True
    entry = AuditEntry.objects.get(action="tender.created", object_id=str(tender.pk))
    assert entry.after["two_envelopes"] is True
    # and a tender made without it has one envelope
    assert _rated_draft(world).two_envelopes is False


@pytest.mark.parametrize("award_criteria", ["priceOnly", "costOnly"])
def test_two_envelopes_are_refused_without_price_and_quality(
    world: World, frozen_clock: clock.Clock, award_criteria: str
) -> None:
    # when
    with pytest.raises(InvalidInput) as caught:
        services.tender_create(
            actor=world.officer,
            buyer=world.buyer,
            details=details(award_criteria=award_criteria, two_envelopes=True),
        )
    # then the field is named with the reason, and nothing is written
    assert list(caught.value.fields) == ["two_envelopes"]
    assert caught.value.fields["two_envelopes"][0].startswith(REFUSAL)
    assert Tender.objects.count() == 0


def test_a_draft_cannot_keep_two_envelopes_when_it_stops_being_price_and_quality(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a two-envelope draft
    tender = _rated_draft(world, two_envelopes=True)
    changed = replace(details_of(tender), award_criteria="priceOnly", criteria=())
    # when it becomes price only but keeps two envelopes
    with pytest.raises(InvalidInput) as caught:
        services.tender_update(actor=world.officer, tender=tender, details=changed)
    # then it is refused; without two envelopes it is accepted
    assert list(caught.value.fields) == ["two_envelopes"]
    assert Tender.objects.get(pk=tender.pk).award_criteria == "ratedCriteria"
    services.tender_update(actor=world.officer, tender=tender, details=replace(changed, two_envelopes=False))
    stored = Tender.objects.get(pk=tender.pk)
    assert (stored.award_criteria, stored.two_envelopes) == ("priceOnly", False)


def test_two_envelopes_can_be_chosen_by_a_material_amendment_before_any_bid(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a published price-and-quality tender with no bids, two days before its deadline
    tender = _rated_published(world)
    frozen_clock.advance(18 * DAY)
    # when
    amendment = services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), two_envelopes=True),
        rationale="Prices will be opened only for technically qualified bids.",
    )
    # then the change is published as material: suppliers get the minimum time to react
    assert [c["field"] for c in amendment.changes] == ["two_envelopes", "tender_end", "bid_opening_at"]
    assert (amendment.changes[0]["before"], amendment.changes[0]["after"]) == (False, True)
    assert amendment.material is True
    assert amendment.deadline_after == clock.now() + 7 * DAY
    assert Tender.objects.get(pk=tender.pk).two_envelopes is True


def test_two_envelopes_cannot_change_once_a_bid_is_submitted(
    world: World, frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the real bid counter (tests/tenders set it aside) and a submitted bid
    monkeypatch.setattr(services, "_bid_counters", [bid_services.live_bid_count])
    tender = _rated_published(world)
    lot = tender.lots.get()
    bid = bid_services.bid_start(actor=world.bid_manager, tender=tender, lot=lot, supplier=world.supplier)
    bid_services.bid_draft_save(
        actor=world.bid_manager,
        bid=bid,
        price="1000.00",
        answers={q.key: "Weekly deliveries." for q in bid_services.questions_for(tender)},
    )
    bid_services.bid_submit(actor=world.bid_manager, bid=bid)
    # when the officer tries to switch to two envelopes
    with pytest.raises(RuleViolation) as caught:
        services.tender_amend(
            actor=world.officer,
            tender=tender,
            details=replace(details_of(tender), two_envelopes=True),
            rationale="Separate the prices.",
        )
    # then it is refused by the field, nothing changes
    assert list(caught.value.fields) == ["two_envelopes"]
    assert "Bids have already been submitted" in caught.value.message
    assert Tender.objects.get(pk=tender.pk).two_envelopes is False
    assert Amendment.objects.count() == 0
    # while other amendments are still allowed
    services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), description="Nitrile gloves, powder free."),
        rationale="Powder free.",
    )
    assert Amendment.objects.count() == 1


def test_two_envelopes_cannot_change_after_the_deadline(world: World, frozen_clock: clock.Clock) -> None:
    # given a two-envelope tender whose deadline has passed
    tender = _rated_published(world, two_envelopes=True)
    frozen_clock.advance(21 * DAY)
    # when / then
    with pytest.raises(RuleViolation):
        services.tender_amend(
            actor=world.officer,
            tender=tender,
            details=replace(details_of(tender), two_envelopes=False),
            rationale="Open all prices.",
        )
    assert Tender.objects.get(pk=tender.pk).two_envelopes is True


# --- Pages ------------------------------------------------------------------------------------------
def _criteria_form(**overrides: str) -> dict[str, str]:
    data = {
        "award_criteria": "ratedCriteria",
        "criteria-0-name": "Price",
        "criteria-0-kind": "price",
        "criteria-0-weight": "60",
        "criteria-1-name": "Delivery plan",
        "criteria-1-kind": "quality",
        "criteria-1-weight": "40",
        "two_envelopes": "on",
    }
    data.update(overrides)
    return data


def test_the_officer_chooses_two_envelopes_on_the_criteria_step(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft
    tender = services.tender_create(actor=world.officer, buyer=world.buyer, details=details())
    client = world.client("officer")
    edit = f"/tenders/workspace/{tender.ocid}/edit/criteria/"
    assert 'name="two_envelopes"' in client.get(edit).content.decode()
    # when
    response = client.post(edit, _criteria_form())
    # then it is stored, ticked when the step is shown again, and the notice says it
    assert response.status_code == 302
    assert Tender.objects.get(pk=tender.pk).two_envelopes is True
    page = client.get(edit).content.decode()
    assert 'id="id_two_envelopes" checked' in page
    assert SHOWN in text(client.get(f"/tenders/workspace/{tender.ocid}/preview/"))


def test_the_criteria_step_shows_the_refusal_by_the_checkbox(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft
    tender = services.tender_create(actor=world.officer, buyer=world.buyer, details=details())
    # when price only is chosen with two envelopes
    response = world.client("officer").post(
        f"/tenders/workspace/{tender.ocid}/edit/criteria/", _criteria_form(award_criteria="priceOnly")
    )
    # then the page says why, by the checkbox and in the summary, and nothing is saved
    page = response.content.decode()
    assert f'<a href="#id_two_envelopes">{REFUSAL}' in page
    assert f'id="id_two_envelopes_error"><span class="visually-hidden">Error:</span> {REFUSAL}' in page
    assert Tender.objects.get(pk=tender.pk).two_envelopes is False


def test_the_public_page_says_prices_are_opened_later(world: World, frozen_clock: clock.Clock) -> None:
    # given a two-envelope tender and an ordinary one
    two = _rated_published(world, two_envelopes=True)
    one = _rated_published(world)
    # then only the first says so, to anyone
    assert SHOWN in text(Client().get(reverse("tenders:tender", args=[two.ocid])))
    assert SHOWN not in text(Client().get(reverse("tenders:tender", args=[one.ocid])))


def test_an_amendment_lists_two_envelopes_by_name(world: World, frozen_clock: clock.Clock) -> None:
    tender = _rated_published(world)
    services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), two_envelopes=True),
        rationale="Separate the prices.",
    )
    page = text(Client().get(reverse("tenders:tender", args=[tender.ocid])))
    assert "Changed: Two envelopes" in page


# --- API --------------------------------------------------------------------------------------------
def _body(world: World, **overrides: Any) -> dict[str, Any]:
    now = clock.now()
    body: dict[str, Any] = {
        "buyer_id": str(world.buyer.pk),
        "title": "Examination gloves for regional hospitals",
        "description": "Two-year supply of nitrile examination gloves.",
        "main_category": "goods",
        "procedure": "open",
        "currency": "GBP",
        "value_amount": "90000.00",
        "award_criteria": "ratedCriteria",
        "criteria": [
            {"name": "Price", "kind": "price", "weight": "60"},
            {"name": "Delivery plan", "kind": "quality", "weight": "40"},
        ],
        "lots": [
            {
                "title": "Gloves",
                "items": [
                    {
                        "description": "Nitrile gloves",
                        "classification_scheme": "CPV",
                        "classification_code": "33141000-0",
                        "quantity": "20000",
                        "unit_code": "C62",
                    }
                ],
            }
        ],
        "enquiry_end": (now + 10 * DAY).isoformat(),
        "tender_end": (now + 20 * DAY).isoformat(),
        "bid_opening_at": (now + 21 * DAY).isoformat(),
        "two_envelopes": True,
    }
    body.update(overrides)
    return body


def test_the_api_takes_and_returns_two_envelopes(world: World, frozen_clock: clock.Clock) -> None:
    client = world.client("officer")
    # when
    response = _send(client, "POST", "/api/v1/tenders", _body(world))
    # then
    assert response.status_code == 201, response.content
    assert response.json()["two_envelopes"] is True
    ocid = response.json()["ocid"]
    assert Tender.objects.get(ocid=ocid).two_envelopes is True
    # and an amendment that sends only two_envelopes changes only that
    assert _send(client, "POST", f"/api/v1/tenders/{ocid}/publish", {}).status_code == 200
    amended = _send(
        client,
        "POST",
        f"/api/v1/tenders/{ocid}/amendments",
        {"rationale": "All prices at the opening.", "tender": {"two_envelopes": False}},
    )
    assert amended.status_code == 201, amended.content
    assert [c["field"] for c in amended.json()["changes"]] == ["two_envelopes"]
    assert client.get(f"/api/v1/tenders/{ocid}").json()["two_envelopes"] is False


def test_the_api_names_two_envelopes_when_it_refuses_it(world: World, frozen_clock: clock.Clock) -> None:
    response = _send(world.client("officer"), "POST", "/api/v1/tenders", _body(world, award_criteria="priceOnly"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert list(error["fields"]) == ["two_envelopes"]
    assert error["fields"]["two_envelopes"][0].startswith(REFUSAL)
    assert Tender.objects.count() == 0
