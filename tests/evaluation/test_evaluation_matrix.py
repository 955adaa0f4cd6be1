"""Authorization matrix of the evaluation: every page and every API endpoint, for every person,
with exact status codes; for writes, that the change happened exactly when it was allowed and
that a refusal left everything as it was; for reads, that what a bid says (its answers) reaches
only those who may read the bids.

Besides the usual people, the panel's: the officer and the evaluator sit on it and declared no
conflict; an independent observer declared too; a buyer member sits on it without declaring
("undeclared"); another declared a conflict ("recused"). The approver is a member of the buyer
without a seat. Before the opening none of it exists: the 404, for everyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.test import Client

from procura.audit.models import AuditEntry
from procura.core import clock
from procura.evaluation import services
from procura.evaluation.models import (
    Assessment,
    ClarificationRequest,
    Declaration,
    Evaluation,
    PanelMember,
    Score,
)
from procura.tenders.models import Tender
from tests import factories
from tests.bids.support import submitted_bid
from tests.conftest import PEOPLE as EVERYONE
from tests.conftest import World
from tests.evaluation.support import Scene, answers_for, full_panel, opened, panel_people, tender_with
from tests.savepoints import rolled_back
from tests.tenders.test_api import send

pytestmark = pytest.mark.django_db

# Read by tests/web/test_authorization_matrix.py and tests/api/test_api_authorization.py.
COVERED_URL_NAMES = {
    "evaluation-home",
    "score-mode",
    "panel",
    "panel-remove",
    "declaration",
    "financial-opening",
    "lot-bids",
    "scores",
    "consensus",
    "ranking",
    "checks",
    "qualify",
    "disqualify",
    "accept-low-price",
    "clarification-request",
    "bid-status",
    "clarification-answer",
}

PEOPLE = [*EVERYONE, "observer", "undeclared", "recused"]
PANEL = ["officer", "evaluator", "observer", "undeclared", "recused"]
READERS = ["officer", "evaluator", "observer", "admin", "auditor"]  # read the bids
SIGN_IN = "sign-in"
ANSWER = "Our method, in detail."  # every bid's answer: what only readers of the bids may see
HOUR = dt.timedelta(hours=1)


def _codes(
    allowed: dict[str, int | str], *, refused: int = 403, anonymous: int | str = SIGN_IN
) -> dict[str, int | str]:
    return {person: allowed.get(person, anonymous if person == "anonymous" else refused) for person in PEOPLE}


SEES_PANEL = _codes(dict.fromkeys([*PANEL, "admin", "auditor"], 200))
READS = _codes(dict.fromkeys(READERS, 200))
SEATED = _codes(dict.fromkeys(PANEL, 200))
OFFICER_ACTS = _codes({"officer": 302})
SCORERS_ACT = _codes({"officer": 302, "evaluator": 302})
BIDDER_SEES = _codes({"bid_manager": 200, "viewer": 200}, refused=404)
BIDDER_ANSWERS = _codes({"bid_manager": 302, "viewer": 403}, refused=404)
NOBODY = {person: SIGN_IN if person == "anonymous" else 404 for person in PEOPLE}


class State:
    """What a row needs, made the first time it is asked for."""

    def __init__(self, world: World, frozen_clock: clock.Clock) -> None:
        self.world = world
        self.frozen_clock = frozen_clock

    @cached_property
    def people(self) -> dict[str, Any]:
        return panel_people(self.world)

    @cached_property
    def scene(self) -> Scene:
        """Price and quality; the supplier's price (700) abnormally low against the estimate (1100)."""
        made = opened(self.world, self.frozen_clock, method="rated", prices=("700.00", "1000.00"))
        return full_panel(made, self.people)

    @cached_property
    def two_envelopes(self) -> Scene:
        """Two envelopes, every bid assessed: ready for the financial opening."""
        scene = full_panel(opened(self.world, self.frozen_clock, method="rated", two_envelopes=True), self.people)
        officer = self.world.officer
        services.assessment_record_checks(actor=officer, bid=scene.bid, eligibility_met=True, exclusion_clear=True)
        services.bid_qualify(actor=officer, bid=scene.bid)
        services.bid_disqualify(actor=officer, bid=scene.rival, reason="Technical offer incomplete.")
        return scene

    @cached_property
    def unopened(self) -> Tender:
        tender = tender_with(self.world, method="rated", title="Sealed tender")
        submitted_bid(tender, self.world.bid_manager, self.world.supplier, answers=answers_for(tender))
        return tender

    def person(self, who: str) -> Any:
        return self.people.get(who) or getattr(self.world, who)

    @property
    def base(self) -> str:
        return f"/tenders/{self.scene.tender.ocid}/evaluation/"

    @property
    def lot(self) -> str:
        return f"{self.base}lots/{self.scene.lot.local_id}/"

    def bid_url(self, action: str, *, rival: bool = False) -> str:
        bid = self.scene.rival if rival else self.scene.bid
        return f"{self.base}bids/{bid.pk}/{action}/"

    @cached_property
    def checked_rival(self) -> Scene:
        services.assessment_record_checks(
            actor=self.world.officer, bid=self.scene.rival, eligibility_met=True, exclusion_clear=True
        )
        return self.scene

    @cached_property
    def consensus_mode(self) -> Scene:
        services.score_mode_set(actor=self.world.officer, tender=self.scene.tender, mode="consensus")
        return self.scene

    @cached_property
    def request(self) -> ClarificationRequest:
        return services.clarification_request_send(
            actor=self.world.officer, bid=self.scene.bid, question="Explain the price.", respond_by=clock.now() + HOUR
        )

    @cached_property
    def newcomer(self) -> Any:
        return factories.user(full_name="Nadia Newcomer")

    def mark_data(self) -> dict[str, str]:
        prefix = f"mark-{self.scene.bid.pk}-{self.scene.quality.pk}"
        return {
            "bid": str(self.scene.bid.pk),
            "criterion": str(self.scene.quality.pk),
            f"{prefix}-mark": "7.5",
            f"{prefix}-justification": "A clear delivery plan.",
        }


def _assessment(s: State, *, rival: bool = False) -> Assessment:
    return Assessment.objects.get(bid=s.scene.rival if rival else s.scene.bid)


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    url: Callable[[State], str]
    expected: dict[str, int | str]
    data: Callable[[State], dict[str, Any]] | None = None
    done: Callable[[State], bool] | None = None  # for writes: the change happened


def _bid_form(s: State, values: dict[str, str], *, rival: bool = False) -> dict[str, str]:
    bid = s.scene.rival if rival else s.scene.bid
    return {f"bid-{bid.pk}-{name}": value for name, value in values.items()}


ROWS = [
    # --- reading
    Row("evaluation-home", "GET", lambda s: s.base, SEES_PANEL),
    Row("panel", "GET", lambda s: f"{s.base}panel/", SEES_PANEL),
    Row("declaration", "GET", lambda s: f"{s.base}declaration/", SEATED),
    Row("lot-bids", "GET", lambda s: s.lot, READS),
    Row("scores", "GET", lambda s: f"{s.lot}scores/", READS),
    Row("consensus", "GET", lambda s: f"{s.lot}consensus/", READS),
    Row("ranking", "GET", lambda s: f"{s.lot}ranking/", READS),
    Row(
        "financial-opening",
        "GET",
        lambda s: f"/tenders/{s.two_envelopes.tender.ocid}/evaluation/financial-opening/",
        READS,
    ),
    Row("financial-opening", "GET", lambda s: f"{s.base}financial-opening/", NOBODY),  # one envelope
    Row("bid-status", "GET", lambda s: f"/bids/{s.scene.bid.pk}/evaluation/", BIDDER_SEES),
    Row("lot-bids", "GET", lambda s: f"{s.base}lots/LOT-404/", _codes(dict.fromkeys(READERS, 404))),
    # --- writing
    Row(
        "score-mode",
        "POST",
        lambda s: f"{s.base}score-mode/",
        OFFICER_ACTS,
        data=lambda s: {"mode": "consensus"},
        done=lambda s: Evaluation.objects.get(tender=s.scene.tender).score_mode == "consensus",
    ),
    Row(
        "panel",
        "POST",
        lambda s: f"{s.base}panel/",
        OFFICER_ACTS,
        data=lambda s: {"email": s.newcomer.email, "role": "observer", "affiliation": "Citizens' Audit"},
        done=lambda s: PanelMember.objects.filter(user=s.newcomer).exists(),
    ),
    Row(
        "panel-remove",
        "POST",
        lambda s: f"{s.base}panel/{PanelMember.objects.get(user=s.person('undeclared')).pk}/remove/",
        OFFICER_ACTS,
        done=lambda s: PanelMember.objects.filter(user=s.person("undeclared"), removed_at__isnull=False).exists(),
    ),
    Row(
        "declaration",
        "POST",
        lambda s: f"{s.base}declaration/",
        # The undeclared member signs; the others who sit on the panel already have (the form says so).
        {**SEATED, "undeclared": 302},
        data=lambda s: {"declaration": "no_conflict", "statement": "", "signed_name": "Test Person"},
        done=lambda s: Declaration.objects.filter(member__user=s.person("undeclared")).exists(),
    ),
    Row(
        "checks",
        "POST",
        lambda s: s.bid_url("checks"),
        OFFICER_ACTS,
        data=lambda s: _bid_form(s, {"eligibility_met": "yes", "exclusion_clear": "yes", "notes": "All in order."}),
        done=lambda s: _assessment(s).eligibility_met is True,
    ),
    Row(
        "qualify",
        "POST",
        lambda s: f"/tenders/{s.checked_rival.tender.ocid}/evaluation/bids/{s.scene.rival.pk}/qualify/",
        OFFICER_ACTS,
        done=lambda s: _assessment(s, rival=True).status == "qualified",
    ),
    Row(
        "disqualify",
        "POST",
        lambda s: s.bid_url("disqualify"),
        OFFICER_ACTS,
        data=lambda s: _bid_form(s, {"reason": "No valid insurance."}),
        done=lambda s: _assessment(s).status == "disqualified",
    ),
    Row(
        "accept-low-price",
        "POST",
        lambda s: s.bid_url("accept-low-price"),
        OFFICER_ACTS,
        data=lambda s: _bid_form(s, {"justification": "Cost breakdown checked."}),
        done=lambda s: _assessment(s).low_price_justification == "Cost breakdown checked.",
    ),
    Row(
        "clarification-request",
        "POST",
        lambda s: s.bid_url("clarification-requests"),
        OFFICER_ACTS,
        data=lambda s: _bid_form(
            s, {"question": "Explain the price.", "respond_by": (clock.now() + 48 * HOUR).strftime("%Y-%m-%dT%H:%M")}
        ),
        done=lambda s: ClarificationRequest.objects.exists(),
    ),
    Row(
        "scores",
        "POST",
        lambda s: f"{s.lot}scores/",
        SCORERS_ACT,
        data=lambda s: s.mark_data(),
        done=lambda s: Score.objects.filter(member__isnull=False).exists(),
    ),
    Row(
        "consensus",
        "POST",
        lambda s: f"/tenders/{s.consensus_mode.tender.ocid}/evaluation/lots/{s.scene.lot.local_id}/consensus/",
        OFFICER_ACTS,
        data=lambda s: s.mark_data(),
        done=lambda s: Score.objects.filter(member__isnull=True).exists(),
    ),
    Row(
        "financial-opening",
        "POST",
        lambda s: f"/tenders/{s.two_envelopes.tender.ocid}/evaluation/financial-opening/",
        OFFICER_ACTS,
        done=lambda s: Evaluation.objects.get(tender=s.two_envelopes.tender).financial_opened_at is not None,
    ),
    Row(
        "clarification-answer",
        "POST",
        lambda s: f"/bids/{s.scene.bid.pk}/evaluation/clarifications/{s.request.pk}/answer/",
        BIDDER_ANSWERS,
        data=lambda s: {f"answer-{s.request.pk}-response": "Our own factory."},
        done=lambda s: ClarificationRequest.objects.get(pk=s.request.pk).responded_at is not None,
    ),
]


def stored() -> tuple[int, ...]:
    return (
        PanelMember.objects.count(),
        PanelMember.objects.filter(removed_at__isnull=False).count(),
        Declaration.objects.count(),
        Score.objects.count(),
        ClarificationRequest.objects.count(),
        ClarificationRequest.objects.filter(responded_at__isnull=False).count(),
        Assessment.objects.filter(status="pending").count(),
        Assessment.objects.filter(eligibility_met__isnull=False).count(),
        Assessment.objects.exclude(low_price_justification="").count(),
        Evaluation.objects.filter(score_mode="consensus").count(),
        Evaluation.objects.filter(financial_opened_at__isnull=False).count(),
        AuditEntry.objects.count(),
    )


def _client(world: World, state: State, who: str) -> Client:
    if who == "anonymous":
        return Client()
    return factories.signed_in_client(state.person(who))


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name} {i}" for i, r in enumerate(ROWS)])
def test_evaluation_pages_matrix(world: World, frozen_clock: clock.Clock, row: Row) -> None:
    # given the row's scene, made once; each person then acts on it in a savepoint undone after
    state = State(world, frozen_clock)
    url = row.url(state)
    data = row.data(state) if row.data is not None else None
    if row.done is not None:
        row.done(state)  # whatever the check reads exists before the first savepoint
    for person in PEOPLE:
        with rolled_back(person):
            client = _client(world, state, person)
            before = stored()
            # when
            response = client.generic(row.method, url) if data is None else client.post(url, data)
            # then
            expected = row.expected[person]
            if expected == SIGN_IN:
                assert response.status_code == 302
                assert response["Location"].startswith("/account/sign-in/")
            else:
                assert response.status_code == expected, response.content.decode()[:2000]
            body = response.content.decode(errors="replace")
            if row.done is not None:
                assert row.done(state) is (response.status_code == 302 and expected != SIGN_IN)
                if response.status_code != 302:
                    assert stored() == before
            else:
                assert stored() == before
            if response.status_code in {403, 404}:
                assert ANSWER not in body


@pytest.mark.parametrize("person", PEOPLE[:10])
def test_before_the_opening_there_is_no_evaluation(world: World, frozen_clock: clock.Clock, person: str) -> None:
    state = State(world, frozen_clock)
    base = f"/tenders/{state.unopened.ocid}/evaluation/"
    client = Client() if person == "anonymous" else factories.signed_in_client(getattr(world, person))
    for url in (base, f"{base}panel/", f"{base}declaration/", f"{base}lots/LOT-1/", f"{base}lots/LOT-1/ranking/"):
        response = client.get(url)
        if person == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == 404, url
    response = send(client, "GET", f"/api/v1/tenders/{state.unopened.ocid}/evaluation")
    assert response.status_code == (401 if person == "anonymous" else 404)
    assert not Evaluation.objects.exists()


# --- The API -----------------------------------------------------------------------------------------
API_SEES_PANEL = {p: 401 if p == "anonymous" else (200 if p in [*PANEL, "admin", "auditor"] else 403) for p in PEOPLE}
API_READS = {p: 401 if p == "anonymous" else (200 if p in READERS else 403) for p in PEOPLE}


def _api(allowed: dict[str, int], refused: int = 403) -> dict[str, int]:
    return {p: allowed.get(p, 401 if p == "anonymous" else refused) for p in PEOPLE}


@dataclass(frozen=True)
class ApiRow:
    method: str
    path: str  # the OpenAPI template
    expected: dict[str, int]
    url: Callable[[State], str]
    body: Callable[[State], dict[str, Any]] | None = None
    done: Callable[[State], bool] | None = None


def _api_base(s: State) -> str:
    return f"/api/v1/tenders/{s.scene.tender.ocid}/evaluation"


API_ROWS = [
    ApiRow("GET", "/api/v1/tenders/{ocid}/evaluation", API_SEES_PANEL, _api_base),
    ApiRow(
        "GET",
        "/api/v1/tenders/{ocid}/lots/{lot_id}/ranking",
        API_READS,
        lambda s: f"/api/v1/tenders/{s.scene.tender.ocid}/lots/{s.scene.lot.local_id}/ranking",
    ),
    ApiRow(
        "GET",
        "/api/v1/bids/{bid_id}/evaluation",
        _api({"bid_manager": 200, "viewer": 200}, refused=404),
        lambda s: f"/api/v1/bids/{s.scene.bid.pk}/evaluation",
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/panel-members",
        _api({"officer": 201}),
        lambda s: f"{_api_base(s)}/panel-members",
        body=lambda s: {"email": s.newcomer.email, "role": "observer"},
        done=lambda s: PanelMember.objects.filter(user=s.newcomer).exists(),
    ),
    ApiRow(
        "DELETE",
        "/api/v1/tenders/{ocid}/evaluation/panel-members/{member_id}",
        _api({"officer": 204}),
        lambda s: f"{_api_base(s)}/panel-members/{PanelMember.objects.get(user=s.person('recused')).pk}",
        done=lambda s: PanelMember.objects.filter(user=s.person("recused"), removed_at__isnull=False).exists(),
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/declaration",
        _api({"undeclared": 201, **dict.fromkeys(["officer", "evaluator", "observer", "recused"], 409)}),
        lambda s: f"{_api_base(s)}/declaration",
        body=lambda s: {"has_conflict": False, "signed_name": "Test Person"},
        done=lambda s: Declaration.objects.filter(member__user=s.person("undeclared")).exists(),
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/score-mode",
        _api({"officer": 200}),
        lambda s: f"{_api_base(s)}/score-mode",
        body=lambda s: {"mode": "consensus"},
        done=lambda s: Evaluation.objects.get(tender=s.scene.tender).score_mode == "consensus",
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/scores",
        _api({"officer": 201, "evaluator": 201}),
        lambda s: f"{_api_base(s)}/scores",
        body=lambda s: {
            "bid": str(s.scene.bid.pk),
            "criterion": str(s.scene.quality.pk),
            "mark": "6",
            "justification": "Fair.",
        },
        done=lambda s: Score.objects.filter(member__isnull=False).exists(),
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/consensus-scores",
        _api({"officer": 201}),
        lambda s: f"/api/v1/tenders/{s.consensus_mode.tender.ocid}/evaluation/consensus-scores",
        body=lambda s: {
            "bid": str(s.scene.bid.pk),
            "criterion": str(s.scene.quality.pk),
            "mark": "6",
            "justification": "Agreed.",
        },
        done=lambda s: Score.objects.filter(member__isnull=True).exists(),
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/assessments/{bid_id}/checks",
        _api({"officer": 200}),
        lambda s: f"{_api_base(s)}/assessments/{s.scene.bid.pk}/checks",
        body=lambda s: {"eligibility_met": True, "exclusion_clear": True},
        done=lambda s: _assessment(s).eligibility_met is True,
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/assessments/{bid_id}/qualify",
        _api({"officer": 200}),
        lambda s: f"/api/v1/tenders/{s.checked_rival.tender.ocid}/evaluation/assessments/{s.scene.rival.pk}/qualify",
        done=lambda s: _assessment(s, rival=True).status == "qualified",
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/assessments/{bid_id}/disqualify",
        _api({"officer": 200}),
        lambda s: f"{_api_base(s)}/assessments/{s.scene.bid.pk}/disqualify",
        body=lambda s: {"reason": "No insurance."},
        done=lambda s: _assessment(s).status == "disqualified",
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/assessments/{bid_id}/accept-low-price",
        _api({"officer": 200}),
        lambda s: f"{_api_base(s)}/assessments/{s.scene.bid.pk}/accept-low-price",
        body=lambda s: {"justification": "Checked."},
        done=lambda s: _assessment(s).low_price_justification == "Checked.",
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/clarification-requests",
        _api({"officer": 201}),
        lambda s: f"{_api_base(s)}/clarification-requests",
        body=lambda s: {
            "bid": str(s.scene.bid.pk),
            "question": "Explain the price.",
            "respond_by": (clock.now() + HOUR).isoformat(),
        },
        done=lambda s: ClarificationRequest.objects.exists(),
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/evaluation/clarification-requests/{request_id}/answer",
        _api({"bid_manager": 200, "viewer": 403}, refused=404),
        lambda s: f"{_api_base(s)}/clarification-requests/{s.request.pk}/answer",
        body=lambda s: {"response": "Our own factory."},
        done=lambda s: ClarificationRequest.objects.get(pk=s.request.pk).responded_at is not None,
    ),
    ApiRow(
        "POST",
        "/api/v1/tenders/{ocid}/financial-opening",
        _api({"officer": 200}),
        lambda s: f"/api/v1/tenders/{s.two_envelopes.tender.ocid}/financial-opening",
        done=lambda s: Evaluation.objects.get(tender=s.two_envelopes.tender).financial_opened_at is not None,
    ),
]

# Read by tests/api/test_api_authorization.py: the API operations this table covers.
COVERED_API_OPERATIONS = {(row.method, row.path) for row in API_ROWS}


@pytest.mark.parametrize("row", API_ROWS, ids=[f"{r.method} {r.path} {i}" for i, r in enumerate(API_ROWS)])
def test_evaluation_api_matrix(world: World, frozen_clock: clock.Clock, row: ApiRow) -> None:
    # given the row's scene, made once; each person then acts on it in a savepoint undone after
    state = State(world, frozen_clock)
    url = row.url(state)
    body = row.body(state) if row.body is not None else None
    if row.done is not None:
        row.done(state)
    for person in PEOPLE:
        with rolled_back(person):
            client = _client(world, state, person)
            before = stored()
            # when
            response = send(client, row.method, url, body)
            # then
            assert response.status_code == row.expected[person], response.content
            if response.status_code >= 400:
                assert set(response.json()["error"]) == {"code", "message", "fields"}
            if row.done is not None:
                assert row.done(state) is (response.status_code < 300)
            if response.status_code >= 300 or row.done is None:
                assert stored() == before
            if row.path == "/api/v1/tenders/{ocid}/evaluation" and response.status_code == 200:
                # the bids' evaluation only for those who may read the bids
                assert (response.json()["lots"] is not None) is (person in READERS)


def test_every_evaluation_operation_has_a_row() -> None:
    from procura.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "evaluation" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS


def test_the_tables_cover_every_person() -> None:
    for row in ROWS:
        assert set(row.expected) == set(PEOPLE), row
    for api_row in API_ROWS:
        assert set(api_row.expected) == set(PEOPLE), api_row


def test_every_evaluation_url_has_a_row() -> None:
    from procura.evaluation import urls

    assert {p.name for p in urls.urlpatterns} == COVERED_URL_NAMES == {row.name for row in ROWS}
