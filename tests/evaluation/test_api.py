"""The evaluation API used end to end: the panel set up and declared, bids checked and qualified,
marks recorded and the ranking read, a clarification asked and answered; refusals in the one
error envelope, naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from procura.core import clock
from procura.evaluation.models import Assessment, ClarificationRequest, Score
from tests import factories
from tests.conftest import World
from tests.evaluation.support import Scene, full_panel, opened
from tests.tenders.test_api import bearer, error_of, send

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def scene(world: World, frozen_clock: clock.Clock) -> Scene:
    return full_panel(opened(world, frozen_clock, method="rated", prices=("700.00", "1000.00")))


def _base(scene: Scene) -> str:
    return f"/api/v1/tenders/{scene.tender.ocid}/evaluation"


def test_the_panel_is_set_up_and_declared_through_the_api(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scene = opened(world, frozen_clock, method="rated")
    officer = bearer(world, "officer")
    base = _base(scene)
    # an unknown person, a bidder as observer: refused by field
    response = send(officer, "POST", f"{base}/panel-members", {"email": "nobody@x.example", "role": "evaluator"})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"email"}
    response = send(officer, "POST", f"{base}/panel-members", {"email": world.bid_manager.email, "role": "observer"})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"user"}
    # when
    response = send(officer, "POST", f"{base}/panel-members", {"email": world.officer.email, "role": "evaluator"})
    assert response.status_code == 201, response.content
    wrong = send(officer, "POST", f"{base}/declaration", {"has_conflict": False, "signed_name": "Not Me"})
    signed = send(officer, "POST", f"{base}/declaration", {"has_conflict": False, "signed_name": "Test Person"})
    # then
    assert wrong.status_code == 422
    assert set(error_of(wrong)["fields"]) == {"signed_name"}
    assert signed.status_code == 201
    body = send(officer, "GET", base).json()
    assert [(m["role"], m["declaration"]["has_conflict"]) for m in body["panel"]] == [("evaluator", False)]
    assert body["you"]["can_manage_evaluation"] is True
    assert [lot["id"] for lot in body["lots"]] == ["LOT-1"]


def test_qualification_and_the_ranking_through_the_api(scene: Scene) -> None:
    world = scene.world
    officer, evaluator = bearer(world, "officer"), bearer(world, "evaluator")
    base = _base(scene)
    bid, rival = str(scene.bid.pk), str(scene.rival.pk)
    criterion = str(scene.quality.pk)
    # the supplier's 700 is abnormally low (estimate 1100, share 0.7)
    response = send(
        officer, "POST", f"{base}/assessments/{bid}/checks", {"eligibility_met": True, "exclusion_clear": True}
    )
    assert response.json()["abnormally_low"] is True
    refused = send(officer, "POST", f"{base}/assessments/{bid}/qualify")
    assert refused.status_code == 422
    assert error_of(refused)["code"] == "rule_violation"
    accepted = send(officer, "POST", f"{base}/assessments/{bid}/accept-low-price", {"justification": "Own factory."})
    assert accepted.json()["low_price_justification"] == "Own factory."
    assert send(officer, "POST", f"{base}/assessments/{bid}/qualify").json()["status"] == "qualified"
    disqualified = send(officer, "POST", f"{base}/assessments/{rival}/disqualify", {"reason": "No insurance."})
    assert disqualified.json()["status"] == "disqualified"
    # marks: a bad one is refused by field
    bad = send(
        evaluator, "POST", f"{base}/scores", {"bid": bid, "criterion": criterion, "mark": "7.25", "justification": "x"}
    )
    assert bad.status_code == 422
    assert set(error_of(bad)["fields"]) == {"mark"}
    for client, mark in ((officer, "8"), (evaluator, "9")):
        body = {"bid": bid, "criterion": criterion, "mark": mark, "justification": "Sound plan."}
        assert send(client, "POST", f"{base}/scores", body).status_code == 201
    # the ranking: only the qualified bid; 60 price points + 8.5 / 10 × 40 = 34
    ranking = send(evaluator, "GET", f"/api/v1/tenders/{scene.tender.ocid}/lots/LOT-1/ranking").json()
    assert ranking["ranked"] is True
    assert [(line["bid_id"], line["rank"], line["total"]) for line in ranking["lines"]] == [(bid, 1, "94.0000")]
    assert ranking["lines"][0]["price"] == {"amount": "700.00", "currency": "GBP"}
    assert ranking["lines"][0]["marks"] == {criterion: "8.5000"}
    assert Score.objects.count() == 2


def test_a_clarification_through_the_api(scene: Scene, frozen_clock: clock.Clock) -> None:
    world = scene.world
    base = _base(scene)
    officer, bidder = bearer(world, "officer"), bearer(world, "bid_manager")
    past = send(
        officer,
        "POST",
        f"{base}/clarification-requests",
        {"bid": str(scene.bid.pk), "question": "Why so low?", "respond_by": (clock.now() - HOUR).isoformat()},
    )
    assert past.status_code == 422
    assert set(error_of(past)["fields"]) == {"respond_by"}
    sent = send(
        officer,
        "POST",
        f"{base}/clarification-requests",
        {"bid": str(scene.bid.pk), "question": "Why so low?", "respond_by": (clock.now() + HOUR).isoformat()},
    )
    assert sent.status_code == 201
    request_id = sent.json()["id"]
    mine = send(bidder, "GET", f"/api/v1/bids/{scene.bid.pk}/evaluation").json()
    assert [r["question"] for r in mine["clarification_requests"]] == ["Why so low?"]
    assert mine["status"] == "pending"
    frozen_clock.advance(HOUR + dt.timedelta(seconds=1))
    late = send(bidder, "POST", f"{base}/clarification-requests/{request_id}/answer", {"response": "We make them."})
    assert late.status_code == 422
    assert error_of(late)["code"] == "rule_violation"
    assert ClarificationRequest.objects.get().responded_at is None


def test_the_bids_of_another_tender_are_not_found_here(scene: Scene, frozen_clock: clock.Clock) -> None:
    world = scene.world
    other = opened(world, frozen_clock)
    response = send(
        bearer(world, "officer"),
        "POST",
        f"{_base(scene)}/assessments/{other.bid.pk}/disqualify",
        {"reason": "Not ours."},
    )
    assert response.status_code == 404
    assert Assessment.objects.filter(status="disqualified").count() == 0


def test_an_observer_reads_through_the_api_and_writes_nothing(scene: Scene) -> None:
    observer = factories.signed_in_client(scene.people["observer"])
    body = send(observer, "GET", _base(scene)).json()
    assert body["you"]["seat"] == "observer"
    assert body["lots"] is not None
    response = send(observer, "POST", f"{_base(scene)}/assessments/{scene.bid.pk}/qualify")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
