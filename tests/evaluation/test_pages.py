"""The evaluation pages, used as the panel and the bidders use them: the panel set up, the
declaration signed, bids checked, qualified and disqualified, marks recorded, the ranking read,
a clarification asked and answered; errors shown by their fields; the observer's pages without
a single form, and every write refused to them with nothing changed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from procura.audit.models import AuditEntry
from procura.core import clock
from procura.evaluation import services
from procura.evaluation.models import Assessment, ClarificationRequest, Declaration, Evaluation, PanelMember, Score
from tests import factories
from tests.conftest import World
from tests.evaluation.award_support import debar
from tests.evaluation.support import Scene, full_panel, opened, seat

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def _base(scene: Scene) -> str:
    return f"/tenders/{scene.tender.ocid}/evaluation/"


def _lot(scene: Scene) -> str:
    return f"{_base(scene)}lots/{scene.lot.local_id}/"


def _errors(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).replace("Error:", "").strip()
        for m in re.findall(r'<p class="error-message"[^>]*>(.*?)</p>', html, re.S)
    ]


HEADER_FORMS = {"/account/sign-out/", "/i18n/setlang/"}


def _form_actions(html: str) -> set[str]:
    """Where the page's forms post ("" for a form posting to the page itself)."""
    actions = set()
    for tag in re.findall(r"<form[^>]*>", html):
        found = re.search(r'action="([^"]*)"', tag)
        actions.add(found.group(1) if found else "")
    return actions


@pytest.fixture
def scene(world: World, frozen_clock: clock.Clock) -> Scene:
    return full_panel(opened(world, frozen_clock, method="rated", prices=("700.00", "1000.00")))


# --- Panel and declaration ------------------------------------------------------------------------
def test_an_officer_sets_up_the_panel_and_the_member_declares(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scene = opened(world, frozen_clock, method="rated")
    officer = world.client("officer")
    # an unknown address and a missing seat are shown by their fields
    response = officer.post(f"{_base(scene)}panel/", {"email": "nobody@test.example"})
    assert response.status_code == 200
    assert _errors(response.content.decode()) == ["Choose evaluator or independent observer."]
    response = officer.post(f"{_base(scene)}panel/", {"email": "nobody@test.example", "role": "evaluator"})
    assert "Nobody has a Procura account with this email address." in _errors(response.content.decode())
    # when
    response = officer.post(f"{_base(scene)}panel/", {"email": world.evaluator.email, "role": "evaluator"})
    # then
    assert response.status_code == 302
    assert PanelMember.objects.filter(user=world.evaluator).exists()
    evaluator = world.client("evaluator")
    page = evaluator.get(_base(scene)).content.decode()
    assert "Sign your declaration first" in page
    assert evaluator.get(_lot(scene)).status_code == 403
    declaration = evaluator.get(f"{_base(scene)}declaration/").content.decode()
    assert "Small Firm Ltd" in declaration
    assert "Rival Firm Ltd" in declaration
    response = evaluator.post(
        f"{_base(scene)}declaration/", {"declaration": "no_conflict", "signed_name": "Someone Else"}
    )
    assert response.status_code == 200
    assert "Type your full name exactly as your account gives it (Test Person) to sign." in _errors(
        response.content.decode()
    )
    assert not Declaration.objects.exists()
    response = evaluator.post(
        f"{_base(scene)}declaration/", {"declaration": "no_conflict", "signed_name": "test person"}
    )
    assert response.status_code == 302
    assert evaluator.get(_lot(scene)).status_code == 200


def test_a_conflict_declared_on_the_page_recuses(world: World, frozen_clock: clock.Clock) -> None:
    scene = opened(world, frozen_clock)
    seat(scene, world.evaluator, declare=False)
    client = world.client("evaluator")
    response = client.post(
        f"{_base(scene)}declaration/", {"declaration": "conflict", "statement": "", "signed_name": "Test Person"}
    )
    assert "Describe the conflict of interest: with which bidder, and how." in _errors(response.content.decode())
    response = client.post(
        f"{_base(scene)}declaration/",
        {"declaration": "conflict", "statement": "My sister owns Rival Firm Ltd.", "signed_name": "Test Person"},
    )
    assert response.status_code == 302
    assert "you take no part in this evaluation" in client.get(_base(scene)).content.decode()
    assert client.get(_lot(scene)).status_code == 403


# --- Qualification on the lot page ----------------------------------------------------------------
def test_an_officer_checks_qualifies_and_disqualifies_bids(scene: Scene) -> None:
    officer = scene.world.client("officer")
    rival = scene.rival
    prefix = f"bid-{rival.pk}-"
    # qualify before the checks: the reason, by the form
    response = officer.post(f"{_base(scene)}bids/{rival.pk}/qualify/")
    assert response.status_code == 200
    assert "record both checks first" in response.content.decode()
    # the checks need answers
    response = officer.post(f"{_base(scene)}bids/{rival.pk}/checks/", {f"{prefix}notes": "Looked at."})
    assert "Say whether the eligibility criteria are met." in _errors(response.content.decode())
    response = officer.post(
        f"{_base(scene)}bids/{rival.pk}/checks/",
        {f"{prefix}eligibility_met": "yes", f"{prefix}exclusion_clear": "yes", f"{prefix}notes": "All in order."},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#bid-{rival.pk}")
    assert officer.post(f"{_base(scene)}bids/{rival.pk}/qualify/").status_code == 302
    assert Assessment.objects.get(bid=rival).status == "qualified"
    # disqualify the other bid: a reason is needed
    prefix = f"bid-{scene.bid.pk}-"
    response = officer.post(f"{_base(scene)}bids/{scene.bid.pk}/disqualify/", {f"{prefix}reason": ""})
    assert "Give the reason: the bidder is told." in _errors(response.content.decode())
    response = officer.post(f"{_base(scene)}bids/{scene.bid.pk}/disqualify/", {f"{prefix}reason": "No insurance."})
    assert response.status_code == 302
    page = officer.get(_lot(scene)).content.decode()
    assert "No insurance." in page
    assert "Qualified" in page


def test_the_lot_page_flags_the_bidder_debarred_now_and_no_other(scene: Scene, frozen_clock: clock.Clock) -> None:
    # given the rival debarred from tomorrow
    debar(scene.world, scene.world.other_supplier, starts_on=clock.now() + 24 * HOUR)
    officer = scene.world.client("officer")
    assert "The supplier is debarred now" not in officer.get(_lot(scene)).content.decode()
    # when the debarment starts
    frozen_clock.advance(24 * HOUR)
    page = officer.get(_lot(scene)).content.decode()
    # then only the rival's bid carries the flag
    assert page.count("The supplier is debarred now") == 1
    sections = {part.split('"', 1)[0]: part for part in page.split('<section id="bid-')[1:]}
    assert "The supplier is debarred now" in sections[str(scene.rival.pk)]


def test_the_abnormally_low_price_is_flagged_and_justified_on_the_page(scene: Scene) -> None:
    officer = scene.world.client("officer")
    bid = scene.bid
    prefix = f"bid-{bid.pk}-"
    page = officer.get(_lot(scene)).content.decode()
    assert "Flagged: needs a recorded justification to be accepted" in page
    officer.post(
        f"{_base(scene)}bids/{bid.pk}/checks/", {f"{prefix}eligibility_met": "yes", f"{prefix}exclusion_clear": "yes"}
    )
    response = officer.post(f"{_base(scene)}bids/{bid.pk}/qualify/")
    assert "The price is abnormally low" in response.content.decode()
    response = officer.post(f"{_base(scene)}bids/{bid.pk}/accept-low-price/", {f"{prefix}justification": ""})
    assert "Say why the price is acceptable" in response.content.decode()
    response = officer.post(
        f"{_base(scene)}bids/{bid.pk}/accept-low-price/", {f"{prefix}justification": "Own production line."}
    )
    assert response.status_code == 302
    assert officer.post(f"{_base(scene)}bids/{bid.pk}/qualify/").status_code == 302
    assert Assessment.objects.get(bid=bid).status == "qualified"


# --- Marks and the ranking ------------------------------------------------------------------------
def _mark(client: Client, scene: Scene, bid: Any, mark: str, why: str, sheet: str = "scores") -> Any:
    prefix = f"mark-{bid.pk}-{scene.quality.pk}"
    return client.post(
        f"{_lot(scene)}{sheet}/",
        {
            "bid": str(bid.pk),
            "criterion": str(scene.quality.pk),
            f"{prefix}-mark": mark,
            f"{prefix}-justification": why,
        },
    )


def test_evaluators_score_and_the_ranking_follows(scene: Scene) -> None:
    officer, evaluator = scene.world.client("officer"), scene.world.client("evaluator")
    response = _mark(evaluator, scene, scene.bid, "10.5", "")
    assert response.status_code == 200
    assert {"A mark is from 0 to 10.", "Give the reasons for this mark: every mark is justified."} <= set(
        _errors(response.content.decode())
    )
    for client, bid, mark in ((officer, scene.bid, "5"), (evaluator, scene.bid, "6")):
        assert _mark(client, scene, bid, mark, "Plan lacks detail.").status_code == 302
    ranking = officer.get(f"{_lot(scene)}ranking/").content.decode()
    assert "The bids cannot be ranked yet" in ranking
    assert "Marks missing:" in ranking
    for client in (officer, evaluator):
        assert _mark(client, scene, scene.rival, "10", "Excellent plan.").status_code == 302
    # 700 vs 1000: 60 and 42 price points; 5.5 → 22 and 10 → 40 quality points
    ranking = officer.get(f"{_lot(scene)}ranking/").content.decode()
    assert "The bids cannot be ranked yet" not in ranking
    rows = re.findall(r"<tr>\s*<td>(\d)</td>\s*<th scope=\"row\">([^<]+)</th>", ranking)
    assert rows == [("1", "Small Firm Ltd"), ("2", "Rival Firm Ltd")]
    assert ranking.count("82.0000") == 2  # level on points: the lower price ranks first
    assert Score.objects.filter(member__isnull=False).count() == 4


def test_consensus_marks_on_the_panel_marks_page(scene: Scene) -> None:
    officer = scene.world.client("officer")
    page = officer.get(f"{_lot(scene)}consensus/").content.decode()
    assert "Record the consensus mark" not in page
    response = officer.post(f"{_base(scene)}score-mode/", {"mode": "consensus"})
    assert response.status_code == 302
    assert Evaluation.objects.get().score_mode == "consensus"
    assert "Record the consensus mark" in officer.get(f"{_lot(scene)}consensus/").content.decode()
    assert _mark(officer, scene, scene.bid, "7", "Agreed at the panel meeting.", sheet="consensus").status_code == 302
    assert Score.objects.get(member__isnull=True).mark == 7


# --- Clarification --------------------------------------------------------------------------------
def test_a_clarification_is_asked_and_answered_by_the_deadline(scene: Scene, frozen_clock: clock.Clock) -> None:
    officer, bidder = scene.world.client("officer"), scene.world.client("bid_manager")
    bid = scene.bid
    prefix = f"bid-{bid.pk}-"
    response = officer.post(
        f"{_base(scene)}bids/{bid.pk}/clarification-requests/",
        {f"{prefix}question": "How is the price so low?", f"{prefix}respond_by": "2020-01-01T10:00"},
    )
    assert "The deadline for the answer must be in the future." in _errors(response.content.decode())
    respond_by = clock.now() + 2 * HOUR
    response = officer.post(
        f"{_base(scene)}bids/{bid.pk}/clarification-requests/",
        {
            f"{prefix}question": "How is the price so low?",
            f"{prefix}respond_by": respond_by.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, _errors(response.content.decode())
    request = ClarificationRequest.objects.get()
    # the bidder sees it on its bid's evaluation page, and answers
    page = bidder.get(f"/bids/{bid.pk}/evaluation/").content.decode()
    assert "How is the price so low?" in page
    assert "Send the answer" in page
    url = f"/bids/{bid.pk}/evaluation/clarifications/{request.pk}/answer/"
    response = bidder.post(url, {f"answer-{request.pk}-response": ""})
    assert "Write your answer." in _errors(response.content.decode())
    viewer = scene.world.client("viewer")
    assert "Send the answer" not in viewer.get(f"/bids/{bid.pk}/evaluation/").content.decode()
    assert viewer.post(url, {f"answer-{request.pk}-response": "We make them."}).status_code == 403
    response = bidder.post(url, {f"answer-{request.pk}-response": "We make them ourselves."})
    assert response.status_code == 302
    assert "We make them ourselves." in officer.get(_lot(scene)).content.decode()


def test_no_answer_after_the_deadline(scene: Scene, frozen_clock: clock.Clock) -> None:
    request = services.clarification_request_send(
        actor=scene.world.officer, bid=scene.bid, question="Why?", respond_by=clock.now() + HOUR
    )
    frozen_clock.advance(HOUR + dt.timedelta(seconds=1))
    bidder = scene.world.client("bid_manager")
    page = bidder.get(f"/bids/{scene.bid.pk}/evaluation/").content.decode()
    assert "The deadline for answering has passed." in page
    response = bidder.post(
        f"/bids/{scene.bid.pk}/evaluation/clarifications/{request.pk}/answer/",
        {f"answer-{request.pk}-response": "Late answer."},
    )
    assert response.status_code == 200
    assert "that deadline has passed" in response.content.decode()
    assert ClarificationRequest.objects.get().responded_at is None


# --- Two envelopes --------------------------------------------------------------------------------
def test_the_financial_offers_are_opened_from_their_page(world: World, frozen_clock: clock.Clock) -> None:
    scene = full_panel(opened(world, frozen_clock, method="rated", two_envelopes=True))
    officer = world.client("officer")
    url = f"{_base(scene)}financial-opening/"
    lot_page = officer.get(_lot(scene)).content.decode()
    assert "Sealed until the financial offers are opened" in lot_page
    response = officer.post(url)
    assert response.status_code == 200
    assert "2 bid(s) are still under evaluation" in response.content.decode()
    services.assessment_record_checks(actor=world.officer, bid=scene.bid, eligibility_met=True, exclusion_clear=True)
    services.bid_qualify(actor=world.officer, bid=scene.bid)
    services.bid_disqualify(actor=world.officer, bid=scene.rival, reason="Technical offer incomplete.")
    assert officer.post(url).status_code == 302
    scene.refresh()
    assert scene.bid.opened.amount is not None
    assert scene.rival.opened.amount is None


# --- The observer -----------------------------------------------------------------------------------
def _observer_urls(scene: Scene) -> list[str]:
    return [
        _base(scene),
        f"{_base(scene)}panel/",
        f"{_base(scene)}declaration/",
        _lot(scene),
        f"{_lot(scene)}scores/",
        f"{_lot(scene)}consensus/",
        f"{_lot(scene)}ranking/",
    ]


def test_the_observer_sees_every_page_without_a_form(scene: Scene) -> None:
    services.score_mode_set(actor=scene.world.officer, tender=scene.tender, mode="consensus")
    client = factories.signed_in_client(scene.people["observer"])
    for url in _observer_urls(scene):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # the only forms are the header's (sign out, language)
        assert _form_actions(html) <= HEADER_FORMS, url
    assert "Small Firm Ltd" in client.get(_lot(scene)).content.decode()


def test_the_observer_changes_nothing(scene: Scene) -> None:
    observer = factories.signed_in_client(scene.people["observer"])
    bid = scene.bid
    prefix = f"bid-{bid.pk}-"
    mark = f"mark-{bid.pk}-{scene.quality.pk}"
    request = services.clarification_request_send(
        actor=scene.world.officer, bid=bid, question="Why?", respond_by=clock.now() + HOUR
    )
    writes = [
        (f"{_base(scene)}score-mode/", {"mode": "consensus"}),
        (f"{_base(scene)}panel/", {"email": scene.world.approver.email, "role": "evaluator"}),
        (f"{_base(scene)}panel/{PanelMember.objects.get(user=scene.world.evaluator).pk}/remove/", {}),
        (
            f"{_base(scene)}bids/{bid.pk}/checks/",
            {f"{prefix}eligibility_met": "yes", f"{prefix}exclusion_clear": "yes"},
        ),
        (f"{_base(scene)}bids/{bid.pk}/qualify/", {}),
        (f"{_base(scene)}bids/{bid.pk}/disqualify/", {f"{prefix}reason": "Observer thinks so."}),
        (f"{_base(scene)}bids/{bid.pk}/accept-low-price/", {f"{prefix}justification": "Fine by me."}),
        (
            f"{_base(scene)}bids/{bid.pk}/clarification-requests/",
            {f"{prefix}question": "Why?", f"{prefix}respond_by": "2030-01-01T10:00"},
        ),
        (
            f"{_lot(scene)}scores/",
            {"bid": str(bid.pk), "criterion": str(scene.quality.pk), f"{mark}-mark": "1", f"{mark}-justification": "x"},
        ),
        (
            f"{_lot(scene)}consensus/",
            {"bid": str(bid.pk), "criterion": str(scene.quality.pk), f"{mark}-mark": "1", f"{mark}-justification": "x"},
        ),
        (f"{_base(scene)}financial-opening/", {}),
    ]
    before = (
        AuditEntry.objects.count(),
        list(Assessment.objects.values()),
        list(Score.objects.values()),
        list(PanelMember.objects.values()),
        list(Evaluation.objects.values()),
        list(ClarificationRequest.objects.values()),
    )
    for url, data in writes:
        response = observer.post(url, data)
        expected = 404 if url.endswith("financial-opening/") else 403  # one envelope: no such page
        assert response.status_code == expected, url
    # nor through the API
    api = f"/api/v1/tenders/{scene.tender.ocid}"
    for path, body in [
        (f"{api}/evaluation/score-mode", {"mode": "consensus"}),
        (f"{api}/evaluation/assessments/{bid.pk}/disqualify", {"reason": "x"}),
        (
            f"{api}/evaluation/scores",
            {"bid": str(bid.pk), "criterion": str(scene.quality.pk), "mark": "1", "justification": "x"},
        ),
        (f"{api}/evaluation/clarification-requests/{request.pk}/answer", {"response": "x"}),
    ]:
        response = observer.post(path, body, content_type="application/json")
        assert response.status_code in {403, 404}, path
    after = (
        AuditEntry.objects.count(),
        list(Assessment.objects.values()),
        list(Score.objects.values()),
        list(PanelMember.objects.values()),
        list(Evaluation.objects.values()),
        list(ClarificationRequest.objects.values()),
    )
    assert after == before


# --- The tender page ----------------------------------------------------------------------------------
def test_the_tender_page_leads_each_to_their_part(scene: Scene) -> None:
    url = f"/tenders/{scene.tender.ocid}/"
    officer_page = scene.world.client("officer").get(url).content.decode()
    assert f'href="{_base(scene)}"' in officer_page
    bidder_page = scene.world.client("bid_manager").get(url).content.decode()
    assert f'href="/bids/{scene.bid.pk}/evaluation/"' in bidder_page
    assert f'href="{_base(scene)}"' not in bidder_page
    assert "/evaluation/" not in Client().get(url).content.decode()
