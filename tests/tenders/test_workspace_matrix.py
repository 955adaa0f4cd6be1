"""Authorization matrix of the buyer's tender workspace: every page and action, for every person,
with the exact status code, and for each POST that the change happens exactly when allowed.

Drafts are not found (404) outside the buyer and the platform's overseers; published tenders are
refused (403) to people outside the buyer. Only the buyer's procurement officers change anything.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps

from procura.core import clock
from procura.tenders import services
from procura.tenders.models import Amendment, Clarification, Tender
from tests.conftest import PEOPLE, World
from tests.tenders.support import DAY, draft, published

SIGN_IN = "sign-in"
SUPPLIERS = ("bid_manager", "viewer", "other_bid_manager")

COVERED_URL_NAMES = {
    "tender-dashboard",
    "tender-new",
    "tender-edit",
    "tender-preview",
    "tender-publish",
    "tender-questions",
    "tender-answer",
    "tender-amend",
    "tender-cancel",
    "tender-unsuccessful",
}


@pytest.fixture(autouse=True)
def _units(db: None) -> None:
    """Units of measure come from a data migration, which the flush after a transactional test
    (a browser test, say) empties in this database: put them back (the migration keeps what it finds)."""
    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)


@dataclass
class Scene:
    """A draft, an open tender with a question, and a tender whose bids have closed."""

    draft: Tender
    open: Tender
    question: Clarification
    closed: Tender


@pytest.fixture
def scene(world: World, frozen_clock: clock.Clock) -> Scene:
    closed = published(world.officer, world.buyer, title="Closed gloves")
    frozen_clock.advance(21 * DAY)
    open_tender = published(world.officer, world.buyer, title="Open gloves")
    question = services.clarification_ask(
        actor=world.bid_manager, tender=open_tender, supplier=world.supplier, question="Is latex acceptable?"
    )
    return Scene(
        draft=draft(world.officer, world.buyer, title="Draft gloves"),
        open=open_tender,
        question=question,
        closed=closed,
    )


def _codes(**overrides: int | str) -> dict[str, int | str]:
    """Anonymous people sign in; everyone else gets `overrides`."""
    return {"anonymous": SIGN_IN, **overrides}


def _draft_page(ok: int = 200) -> dict[str, int | str]:
    """A page of a draft that every member of the buyer and the overseers may see."""
    return _codes(
        officer=ok,
        approver=ok,
        evaluator=ok,
        other_officer=404,
        **dict.fromkeys(SUPPLIERS, 404),
        admin=ok,
        auditor=ok,
    )


def _draft_action(ok: int | str = 302) -> dict[str, int | str]:
    """Changing a draft: the buyer's officers; other members and overseers are refused; outsiders
    do not learn that it exists."""
    return _codes(
        officer=ok,
        approver=403,
        evaluator=403,
        other_officer=404,
        **dict.fromkeys(SUPPLIERS, 404),
        admin=403,
        auditor=403,
    )


def _published_page() -> dict[str, int | str]:
    return _codes(
        officer=200,
        approver=200,
        evaluator=200,
        other_officer=403,
        **dict.fromkeys(SUPPLIERS, 403),
        admin=200,
        auditor=200,
    )


def _published_action(ok: int = 302) -> dict[str, int | str]:
    return _codes(
        officer=ok,
        approver=403,
        evaluator=403,
        other_officer=403,
        **dict.fromkeys(SUPPLIERS, 403),
        admin=403,
        auditor=403,
    )


def _workspace(t: Tender, rest: str) -> str:
    return f"/tenders/workspace/{t.ocid}/{rest}"


@dataclass(frozen=True)
class Row:
    name: str  # URL name
    method: str
    url: Callable[[World, Scene], str]
    expected: dict[str, int | str]
    data: Callable[[World, Scene], dict[str, str]] | None = None
    done: Callable[[World, Scene], bool] | None = None  # the change happened


def _reloaded(t: Tender) -> Tender:
    return Tender.objects.get(pk=t.pk)


STEPS = ("basics", "lots", "criteria", "schedule", "documents")
DASHBOARD_READERS = _codes(
    officer=200,
    approver=200,
    evaluator=200,
    **dict.fromkeys(SUPPLIERS, 403),
    admin=200,
    auditor=200,
)

ROWS = [
    # The dashboard: the person's own buyer (another buyer's officer sees their own)...
    Row("tender-dashboard", "GET", lambda w, s: "/tenders/workspace/", {**DASHBOARD_READERS, "other_officer": 200}),
    # ... or a buyer named in the address.
    Row(
        "tender-dashboard",
        "GET",
        lambda w, s: f"/tenders/workspace/?buyer={w.buyer.pk}",
        {**DASHBOARD_READERS, "other_officer": 403},
    ),
    Row(
        "tender-dashboard",
        "GET",
        lambda w, s: f"/tenders/workspace/?buyer={w.supplier.pk}",
        _codes(**dict.fromkeys(PEOPLE[1:], 404)),
    ),
    Row(
        "tender-new",
        "GET",
        lambda w, s: "/tenders/workspace/new/",
        _codes(
            officer=200,
            other_officer=200,
            approver=403,
            evaluator=403,
            **dict.fromkeys(SUPPLIERS, 403),
            admin=403,
            auditor=403,
        ),
    ),
    Row(
        "tender-new",
        "POST",
        lambda w, s: f"/tenders/workspace/new/?buyer={w.buyer.pk}",
        _codes(
            officer=302,
            other_officer=403,
            approver=403,
            evaluator=403,
            **dict.fromkeys(SUPPLIERS, 403),
            admin=403,
            auditor=403,
        ),
        data=lambda w, s: {
            "title": "Matrix tender",
            "description": "A tender made in the matrix.",
            "main_category": "goods",
            "procedure": "open",
            "currency": "GBP",
        },
        done=lambda w, s: Tender.objects.filter(title="Matrix tender", buyer=w.buyer).exists(),
    ),
    *(
        Row("tender-edit", "GET", lambda w, s, step=step: _workspace(s.draft, f"edit/{step}/"), _draft_action(200))
        for step in STEPS
    ),
    Row("tender-edit", "GET", lambda w, s: _workspace(s.open, "edit/basics/"), _published_action(302)),
    Row(
        "tender-edit",
        "GET",
        lambda w, s: _workspace(s.draft, "edit/nonsense/"),
        _codes(**dict.fromkeys(PEOPLE[1:], 404)),
    ),
    Row(
        "tender-edit",
        "POST",
        lambda w, s: _workspace(s.draft, "edit/basics/"),
        _draft_action(302),
        data=lambda w, s: {
            "title": "Renamed draft",
            "description": "Gloves.",
            "main_category": "goods",
            "procedure": "open",
            "currency": "GBP",
            "value_amount": "90000",
        },
        done=lambda w, s: _reloaded(s.draft).title == "Renamed draft",
    ),
    Row("tender-preview", "GET", lambda w, s: _workspace(s.draft, "preview/"), _draft_page()),
    Row("tender-preview", "GET", lambda w, s: _workspace(s.open, "preview/"), _published_page()),
    Row(
        "tender-publish",
        "POST",
        lambda w, s: _workspace(s.draft, "publish/"),
        _draft_action(302),
        data=lambda w, s: {"confirm": "on"},
        done=lambda w, s: _reloaded(s.draft).published_at is not None,
    ),
    Row("tender-questions", "GET", lambda w, s: _workspace(s.open, "questions/"), _published_page()),
    Row("tender-questions", "GET", lambda w, s: _workspace(s.draft, "questions/"), _draft_page()),
    Row(
        "tender-answer",
        "POST",
        lambda w, s: _workspace(s.open, f"questions/{s.question.pk}/answer/"),
        _published_action(302),
        data=lambda w, s: {"answer-q-1-answer": "No: nitrile only."},
        done=lambda w, s: Clarification.objects.get(pk=s.question.pk).answered_at is not None,
    ),
    Row("tender-amend", "GET", lambda w, s: _workspace(s.open, "amend/"), _published_action(200)),
    Row("tender-amend", "GET", lambda w, s: _workspace(s.open, "amend/?step=schedule"), _published_action(200)),
    Row("tender-amend", "GET", lambda w, s: _workspace(s.draft, "amend/"), _draft_action(302)),
    Row(
        "tender-amend",
        "POST",
        lambda w, s: _workspace(s.open, "amend/?step=basics"),
        _published_action(302),
        data=lambda w, s: {
            "title": "Open gloves, nitrile",
            "description": s.open.description,
            "value_amount": "90000",
            "rationale": "A clearer title.",
        },
        done=lambda w, s: Amendment.objects.filter(tender=s.open).exists(),
    ),
    Row("tender-cancel", "GET", lambda w, s: _workspace(s.open, "cancel/"), _published_action(200)),
    Row("tender-cancel", "GET", lambda w, s: _workspace(s.draft, "cancel/"), _draft_action(200)),
    Row(
        "tender-cancel",
        "POST",
        lambda w, s: _workspace(s.open, "cancel/"),
        _published_action(302),
        data=lambda w, s: {"reason": "The need has gone.", "confirm": "on"},
        done=lambda w, s: _reloaded(s.open).cancelled_at is not None,
    ),
    Row(
        "tender-unsuccessful",
        "POST",
        lambda w, s: _workspace(s.closed, "unsuccessful/"),
        _published_action(302),
        data=lambda w, s: {"reason": "No valid bids were received."},
        done=lambda w, s: _reloaded(s.closed).unsuccessful_at is not None,
    ),
]

# Every address with a tender that does not exist is the 404 page (after signing in).
UNKNOWN = "ocds-prcdev-999999"
UNKNOWN_ROWS = [
    ("GET", f"/tenders/workspace/{UNKNOWN}/edit/basics/"),
    ("GET", f"/tenders/workspace/{UNKNOWN}/preview/"),
    ("POST", f"/tenders/workspace/{UNKNOWN}/publish/"),
    ("GET", f"/tenders/workspace/{UNKNOWN}/questions/"),
    ("POST", f"/tenders/workspace/{UNKNOWN}/questions/00000000-0000-0000-0000-000000000001/answer/"),
    ("GET", f"/tenders/workspace/{UNKNOWN}/amend/"),
    ("GET", f"/tenders/workspace/{UNKNOWN}/cancel/"),
    ("POST", f"/tenders/workspace/{UNKNOWN}/unsuccessful/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[f"{i:02d} {r.method} {r.name}" for i, r in enumerate(ROWS)])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_open_and_do_what_in_the_workspace(world: World, scene: Scene, row: Row, person: str) -> None:
    # given the person's client
    client = world.client(None if person == "anonymous" else person)
    url = row.url(world, scene)
    # when they open the page or do the action
    data = row.data(world, scene) if row.data else {}
    response = client.get(url) if row.method == "GET" else client.post(url, data)
    # then the outcome is exactly the expected one
    expected = row.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/?next=")
    else:
        assert response.status_code == expected, response.content.decode()[:800]
    if response.status_code in {200, 403, 404, 422}:
        html = response.content.decode()
        assert html.count("<h1") == 1
        assert "<script" not in html
        assert " style=" not in html
    # and a POST changed something exactly when it was allowed
    if row.done is not None:
        assert row.done(world, scene) == (expected == 302), "the change must happen exactly when allowed"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), UNKNOWN_ROWS)
def test_a_tender_that_does_not_exist_is_not_found(world: World, method: str, url: str) -> None:
    response = world.client("officer").generic(method, url)
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_refusal_says_why(world: World, scene: Scene) -> None:
    # when an evaluator of the buyer tries to change a draft
    response = world.client("evaluator").get(_workspace(scene.draft, "edit/basics/"))
    # then the 403 page gives the reason
    assert response.status_code == 403
    assert "Only a procurement officer of Ministry of Tests can prepare and change its tenders." in (
        response.content.decode()
    )
