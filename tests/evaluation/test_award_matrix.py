"""Authorization matrix of every award and complaint page and API endpoint, for every person.

Each row prepares its state once and sends the request as each person in turn, those allowed to
write last: a write must happen exactly when (and only after) it was allowed, and a read must not
change anything but a bidder's own notice being marked read. The confidential parts of a
complaint must reach exactly the complainant's members, the review body and the platform's
overseers, and nobody else in any response.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.test import Client

from procura.core import clock
from procura.evaluation import complaints
from procura.evaluation.models import Award, AwardStatus, Complaint, ComplaintStatus, DecisionNotice
from tests.conftest import PEOPLE as EVERYONE
from tests.conftest import World
from tests.evaluation.award_support import (
    REASONS,
    Scenario,
    award_setting,  # noqa: F401
    decided,
    disqualify,
    opened,
    qualified,
)
from tests.tenders.test_api import send

pytestmark = pytest.mark.usefixtures("award_setting")

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {
    "award-lot",
    "award-close",
    "award",
    "decision-notices",
    "decision-notice",
    "complaint-file",
    "complaint",
    "complaint-review",
    "complaint-decide",
    "complaint-withdraw",
}

PEOPLE = [*EVERYONE, "reviewer"]
SIGN_IN = "sign-in"
SECRET = "Confidential: our Lyon supplier quotes 412.50 per pallet."
# The confidential part of a complaint: its complainant's members, the review body, overseers.
CONFIDENTIAL_READERS = frozenset({"other_bid_manager", "reviewer", "admin", "auditor"})
WINNER_MEMBERS = frozenset({"bid_manager", "viewer"})


def _page(allowed: dict[str, int], refused: int | str = 403) -> dict[str, int | str]:
    """A page behind sign-in: `allowed` get their status, visitors the sign-in, others `refused`."""
    return {p: allowed.get(p, SIGN_IN if p == "anonymous" else refused) for p in PEOPLE}


def _api(allowed: dict[str, int], refused: int = 403) -> dict[str, int | str]:
    return {p: allowed.get(p, 401 if p == "anonymous" else refused) for p in PEOPLE}


EVERYONE_200: dict[str, int | str] = dict.fromkeys(PEOPLE, 200)
EVERYONE_404: dict[str, int | str] = dict.fromkeys(PEOPLE, 404)


class State:
    """What a row needs, made the first time it is asked for."""

    def __init__(self, world: World, time: clock.Clock) -> None:
        self.world = world
        self.time = time

    @cached_property
    def qualified(self) -> Scenario:  # every bid qualified, nothing decided
        return qualified(self.world, self.time)

    @cached_property
    def closable(self) -> Scenario:  # every bid disqualified
        scenario = opened(self.world, self.time)
        for bid in scenario.bids.values():
            disqualify(scenario, bid)
        return scenario

    @cached_property
    def _decided(self) -> tuple[Scenario, Award]:
        return decided(self.world, self.time)

    @property
    def award(self) -> Award:
        return self._decided[1]

    @property
    def tender_ocid(self) -> str:
        return self._decided[0].tender.ocid

    @cached_property
    def notice(self) -> DecisionNotice:  # the winner's
        return DecisionNotice.objects.get(award=self.award, supplier=self.world.supplier)

    @cached_property
    def complaint(self) -> Complaint:  # pending, with a confidential part
        return complaints.complaint_file(
            actor=self.world.other_bid_manager,
            award=self.award,
            grounds="The delivery costs were left out.",
            confidential_grounds=SECRET,
        )


@dataclass(frozen=True)
class Row:
    name: str  # URL name, or the OpenAPI path for API rows
    method: str
    url: Callable[[State], str]
    expected: dict[str, int | str]
    data: Callable[[State], dict[str, Any]] | None = None
    done: Callable[[State], bool] | None = None  # a write: it happened
    reveals: frozenset[str] = frozenset()  # who may see SECRET in the response
    api: bool = False
    needs: Callable[[State], object] | None = None  # made before the request, whatever the URL
    writers: frozenset[str] | None = None  # whose allowed request writes (default: every allowed one)


def _writers(row: Row) -> list[str]:
    """Those whose request is expected to write, so they go last."""
    if row.done is None:
        return []
    if row.writers is not None:
        return [p for p in PEOPLE if p in row.writers]
    return [p for p in PEOPLE if row.expected[p] in {200, 201, 302}]


PAGE_ROWS = [
    Row("award-lot", "GET", lambda s: _lot_url(s.qualified), _page({"officer": 200, "admin": 200, "auditor": 200})),
    Row(
        "award-lot",
        "GET",
        lambda s: f"/tenders/{s.qualified.tender.ocid}/lots/LOT-99/award/",
        _page({}, refused=404),
    ),
    Row(
        "award-lot",
        "POST",
        lambda s: _lot_url(s.qualified),
        _page({"officer": 302}),
        data=lambda s: {"bid": str(s.qualified.winner.pk), "reasons": REASONS},
        done=lambda s: Award.objects.filter(lot=s.qualified.lot).exists(),
    ),
    Row(
        "award-close",
        "POST",
        lambda s: _lot_url(s.closable) + "close/",
        _page({"officer": 302}),
        data=lambda s: {"reason": "No valid bid."},
        done=lambda s: Award.objects.filter(lot=s.closable.lot, status=AwardStatus.UNSUCCESSFUL).exists(),
    ),
    Row("award", "GET", lambda s: f"/tenders/{s.tender_ocid}/awards/{s.award.local_id}/", EVERYONE_200),
    Row("award", "GET", lambda s: f"/tenders/{s.tender_ocid}/awards/award-99/", EVERYONE_404),
    Row(
        "decision-notices",
        "GET",
        lambda s: "/decision-notices/",
        _page({"bid_manager": 200, "viewer": 200, "other_bid_manager": 200}),
        needs=lambda s: s.award,
    ),
    Row(
        "decision-notice",
        "GET",
        lambda s: f"/decision-notices/{s.notice.pk}/",
        _page({"bid_manager": 200, "viewer": 200, "admin": 200, "auditor": 200}, refused=404),
        # Reading it marks it read: exactly when one of the bidder's members opened it.
        done=lambda s: DecisionNotice.objects.get(pk=s.notice.pk).read_at is not None,
        writers=WINNER_MEMBERS,
    ),
    Row("decision-notice", "GET", lambda s: f"/decision-notices/{uuid.uuid4()}/", _page({}, refused=404)),
    Row(
        "complaint-file",
        "GET",
        lambda s: f"/tenders/{s.tender_ocid}/awards/{s.award.local_id}/complain/",
        _page({"other_bid_manager": 200}),
    ),
    Row(
        "complaint-file",
        "POST",
        lambda s: f"/tenders/{s.tender_ocid}/awards/{s.award.local_id}/complain/",
        _page({"other_bid_manager": 302}),
        data=lambda s: {"grounds": "The delivery costs were left out.", "confidential_grounds": SECRET},
        done=lambda s: Complaint.objects.filter(award=s.award).exists(),
    ),
    Row("complaint", "GET", lambda s: f"/complaints/{s.complaint.pk}/", EVERYONE_200, reveals=CONFIDENTIAL_READERS),
    Row("complaint", "GET", lambda s: f"/complaints/{uuid.uuid4()}/", EVERYONE_404),
    Row(
        "complaint-review",
        "GET",
        lambda s: "/complaints/review/",
        _page({"reviewer": 200}),
        needs=lambda s: s.complaint,
    ),
    Row(
        "complaint-decide",
        "GET",
        lambda s: f"/complaints/{s.complaint.pk}/decide/",
        _page({"reviewer": 200}),
        reveals=frozenset({"reviewer"}),
    ),
    Row(
        "complaint-decide",
        "POST",
        lambda s: f"/complaints/{s.complaint.pk}/decide/",
        _page({"reviewer": 302}),
        data=lambda s: {"outcome": "dismissed", "decision": "Unfounded."},
        done=lambda s: Complaint.objects.get(pk=s.complaint.pk).status == ComplaintStatus.DISMISSED,
    ),
    Row(
        "complaint-withdraw",
        "GET",
        lambda s: f"/complaints/{s.complaint.pk}/withdraw/",
        _page({"other_bid_manager": 200}),
    ),
    Row(
        "complaint-withdraw",
        "POST",
        lambda s: f"/complaints/{s.complaint.pk}/withdraw/",
        _page({"other_bid_manager": 302}),
        done=lambda s: Complaint.objects.get(pk=s.complaint.pk).status == ComplaintStatus.WITHDRAWN,
    ),
]

API_ROWS = [
    Row(
        "/api/v1/tenders/{ocid}/awards",
        "GET",
        lambda s: f"/api/v1/tenders/{s.tender_ocid}/awards",
        EVERYONE_200,
        api=True,
    ),
    Row(
        "/api/v1/tenders/{ocid}/lots/{lot_id}/award",
        "POST",
        lambda s: f"/api/v1/tenders/{s.qualified.tender.ocid}/lots/{s.qualified.lot.local_id}/award",
        _api({"officer": 201}),
        data=lambda s: {"bid": str(s.qualified.winner.pk), "reasons": REASONS},
        done=lambda s: Award.objects.filter(lot=s.qualified.lot).exists(),
        api=True,
    ),
    Row(
        "/api/v1/tenders/{ocid}/lots/{lot_id}/close-without-award",
        "POST",
        lambda s: f"/api/v1/tenders/{s.closable.tender.ocid}/lots/{s.closable.lot.local_id}/close-without-award",
        _api({"officer": 201}),
        data=lambda s: {"reason": "No valid bid."},
        done=lambda s: Award.objects.filter(lot=s.closable.lot).exists(),
        api=True,
    ),
    Row(
        "/api/v1/decision-notices",
        "GET",
        lambda s: "/api/v1/decision-notices",
        {p: 401 if p == "anonymous" else 200 for p in PEOPLE},
        api=True,
        needs=lambda s: s.notice,
    ),
    Row(
        "/api/v1/awards/{award_id}/complaints",
        "POST",
        lambda s: f"/api/v1/awards/{s.award.pk}/complaints",
        _api({"other_bid_manager": 201}),
        data=lambda s: {"grounds": "The delivery costs were left out.", "confidential_grounds": SECRET},
        done=lambda s: Complaint.objects.filter(award=s.award).exists(),
        reveals=frozenset({"other_bid_manager"}),  # the complaint just filed, as its complainant reads it
        api=True,
    ),
    Row(
        "/api/v1/complaints/{complaint_id}",
        "GET",
        lambda s: f"/api/v1/complaints/{s.complaint.pk}",
        EVERYONE_200,
        reveals=CONFIDENTIAL_READERS,
        api=True,
    ),
    Row(
        "/api/v1/complaints/{complaint_id}/decision",
        "POST",
        lambda s: f"/api/v1/complaints/{s.complaint.pk}/decision",
        _api({"reviewer": 200}),
        data=lambda s: {"upheld": False, "decision": "Unfounded."},
        done=lambda s: Complaint.objects.get(pk=s.complaint.pk).status == ComplaintStatus.DISMISSED,
        reveals=frozenset({"reviewer"}),
        api=True,
    ),
    Row(
        "/api/v1/complaints/{complaint_id}/withdraw",
        "POST",
        lambda s: f"/api/v1/complaints/{s.complaint.pk}/withdraw",
        _api({"other_bid_manager": 200}),
        done=lambda s: Complaint.objects.get(pk=s.complaint.pk).status == ComplaintStatus.WITHDRAWN,
        reveals=frozenset({"other_bid_manager"}),
        api=True,
    ),
]

# Read by tests/api/test_api_authorization.py: the API operations this table covers.
COVERED_API_OPERATIONS = {(row.method, row.name) for row in API_ROWS}


def _lot_url(scenario: Scenario) -> str:
    return f"/tenders/{scenario.tender.ocid}/lots/{scenario.lot.local_id}/award/"


def _outcome(response: Any) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/account/sign-in/"):
        return SIGN_IN
    return int(response.status_code)


def _request(client: Client, row: Row, url: str, data: dict[str, Any] | None) -> Any:
    if row.api:
        return send(client, row.method, url, data)
    return client.post(url, data or {}) if row.method == "POST" else client.get(url)


def _run(world: World, time: clock.Clock, row: Row) -> None:
    # given
    state = State(world, time)
    if row.needs is not None:
        row.needs(state)
    url = row.url(state)
    data = row.data(state) if row.data else None
    writers = _writers(row)
    order = [p for p in PEOPLE if p not in writers] + writers
    outcomes: dict[str, int | str] = {}
    for person in order:
        client = Client() if person == "anonymous" else world.client(person)
        # when
        response = _request(client, row, url, data)
        # then
        outcomes[person] = _outcome(response)
        if row.api and response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "fields"}
        if not row.api and response.status_code == 404:
            assert b"<h1>Page not found</h1>" in response.content
        assert (SECRET.encode() in response.content) is (person in row.reveals), (person, response.content[:600])
        if row.done is not None:
            happened = any(p in writers for p in list(outcomes))
            assert row.done(state) is happened, f"{person}: the change must happen exactly when allowed"
    assert outcomes == row.expected


@pytest.mark.parametrize("row", PAGE_ROWS, ids=[f"{r.method} {r.name} {i}" for i, r in enumerate(PAGE_ROWS)])
def test_who_may_open_each_award_page(world: World, frozen_clock: clock.Clock, row: Row) -> None:
    _run(world, frozen_clock, row)


@pytest.mark.parametrize("row", API_ROWS, ids=[f"{r.method} {r.name}" for r in API_ROWS])
def test_who_may_call_each_award_endpoint(world: World, frozen_clock: clock.Clock, row: Row) -> None:
    _run(world, frozen_clock, row)


def test_every_awards_operation_has_a_row() -> None:
    from procura.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "awards" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS


def test_every_award_and_complaint_url_has_a_row() -> None:
    from procura.evaluation import award_urls, complaint_urls

    names = {p.name for p in [*award_urls.urlpatterns, *complaint_urls.urlpatterns]}
    assert names == COVERED_URL_NAMES == {row.name for row in PAGE_ROWS}
