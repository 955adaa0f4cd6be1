"""Authorization matrix for every page action that is not a plain GET of a page (those are in
test_pages.PAGES), and the check that every named URL of the site is covered by some table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from procura.accounts.models import Invitation, Membership
from procura.accounts.roles import Role
from procura.accounts.services import api_token_create, invitation_create
from procura.accounts.services.users import email_verification_token
from tests.conftest import World
from tests.web.test_pages import PAGES, PEOPLE, SIGN_IN

REFUSED_TO_OUTSIDERS = {"other_officer": 403, "bid_manager": 403, "auditor": 403}


@dataclass(frozen=True)
class Action:
    name: str  # URL name
    method: str
    url: Callable[[World], str]
    expected: dict[str, int | str]
    data: dict[str, str] | None = None
    done: Callable[[World], bool] | None = None  # the change happened (checked when allowed)


def _evaluator_role(w: World) -> str:
    membership = Membership.objects.get(user=w.evaluator, organisation=w.buyer)
    return f"/organisations/{w.buyer.pk}/members/{membership.pk}/remove/"


def _pending(w: World) -> Invitation:
    return (
        Invitation.objects.filter(email="pending@test.example").first()
        or invitation_create(actor=w.officer, organisation=w.buyer, email="pending@test.example", role=Role.APPROVER)[0]
    )


def _invitation_link(w: World) -> str:
    _, token = invitation_create(actor=w.officer, organisation=w.buyer, email="link@test.example", role=Role.APPROVER)
    return f"/invitations/{token}/"


def _officer_token_revoke(w: World) -> str:
    token, _ = api_token_create(actor=w.officer, name="to revoke", scopes=["read"])
    return f"/account/tokens/{token.pk}/revoke/"


def _reset_link(w: World) -> str:
    uid = urlsafe_base64_encode(force_bytes(w.officer.pk))
    return f"/account/password-reset/{uid}/{default_token_generator.make_token(w.officer)}/"


ACTIONS = [
    Action(
        "membership-remove",
        "POST",
        _evaluator_role,
        {"anonymous": SIGN_IN, "officer": 302, "evaluator": 403, "admin": 302, **REFUSED_TO_OUTSIDERS},
        done=lambda w: not Membership.objects.filter(user=w.evaluator, organisation=w.buyer).exists(),
    ),
    Action(
        "invitation-withdraw",
        "POST",
        lambda w: f"/organisations/{w.buyer.pk}/invitations/{_pending(w).pk}/withdraw/",
        {"anonymous": SIGN_IN, "officer": 302, "evaluator": 403, "admin": 302, **REFUSED_TO_OUTSIDERS},
        done=lambda w: _pending(w).revoked_at is not None,
    ),
    Action(
        "members",
        "POST",
        lambda w: f"/organisations/{w.buyer.pk}/members/",
        {"anonymous": SIGN_IN, "officer": 302, "evaluator": 403, "admin": 302, **REFUSED_TO_OUTSIDERS},
        data={"email": "new.colleague@test.example", "role": "evaluator"},
        done=lambda w: Invitation.objects.filter(email="new.colleague@test.example").exists(),
    ),
    Action(
        "organisation-edit",
        "POST",
        lambda w: f"/organisations/{w.buyer.pk}/edit/",
        {"anonymous": SIGN_IN, "officer": 302, "evaluator": 403, "admin": 302, **REFUSED_TO_OUTSIDERS},
        data={
            "legal_name": "Ministry of Renamed Tests",
            "identifier_scheme": "GB-COH",
            "identifier_id": "EDITED1",
            "country_code": "GB",
        },
        done=lambda w: type(w.buyer).objects.get(pk=w.buyer.pk).legal_name == "Ministry of Renamed Tests",
    ),
    Action(
        "token-revoke",
        "POST",
        _officer_token_revoke,
        {
            "anonymous": SIGN_IN,
            "officer": 302,
            "evaluator": 404,
            "other_officer": 404,
            "bid_manager": 404,
            "admin": 404,
            "auditor": 404,
        },
    ),
    Action(
        "switch-organisation",
        "POST",
        lambda w: "/organisation/switch/",
        {"anonymous": SIGN_IN, "officer": 302, "evaluator": 302, "admin": 403, **REFUSED_TO_OUTSIDERS},
        data={},
    ),
    Action(
        "verify-email-resend",
        "POST",
        lambda w: "/account/verify-email/resend/",
        {p: (SIGN_IN if p == "anonymous" else 302) for p in PEOPLE},
    ),
    Action(
        "verify-email",
        "GET",
        lambda w: f"/account/verify-email/{email_verification_token(w.viewer)}/",
        dict.fromkeys(PEOPLE, 200),
    ),
    Action("invitation", "GET", _invitation_link, dict.fromkeys(PEOPLE, 200)),
    Action("password-reset-confirm", "GET", _reset_link, dict.fromkeys(PEOPLE, 302)),
    Action("sign-in-code", "GET", lambda w: "/account/sign-in/code/", dict.fromkeys(PEOPLE, 302)),
    Action("sign-out", "POST", lambda w: "/account/sign-out/", dict.fromkeys(PEOPLE, 302)),
]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS, ids=[f"{a.method} {a.name}" for a in ACTIONS])
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_do_each_action(world: World, action: Action, person: str) -> None:
    # given
    client = world.client(None if person == "anonymous" else person)
    url = action.url(world)
    data = dict(action.data or {})
    if action.name == "switch-organisation":
        data = {"organisation": str(world.buyer.pk), "next": "/"}
    # when
    response = client.generic(action.method, url, data=_encode(data), content_type="application/x-www-form-urlencoded")
    # then
    expected = action.expected[person]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    else:
        assert response.status_code == expected, response.content.decode()[:500]
    if action.done is not None:
        assert action.done(world) == (expected == 302), "the change must happen exactly when allowed"


def _encode(data: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


# Named URLs covered by tables elsewhere: the JSON API (tests/api), the admin (tests/accounts/
# test_admin.py), the probes (tests/core/test_operations.py) and the language switch.
COVERED_ELSEWHERE_NAMESPACES = {"admin", "api"}
COVERED_ELSEWHERE = {"healthz", "readyz", "set_language"}


def _named_urls(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner in COVERED_ELSEWHERE_NAMESPACES:
                continue
            names |= _named_urls(pattern, inner or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def _covered_by_app_matrices() -> set[str]:
    """`COVERED_URL_NAMES` of every app's own table: the modules tests/*/test_*matrix*.py."""
    names: set[str] = set()
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/test_*matrix*.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        names |= set(getattr(module, "COVERED_URL_NAMES", set()))
    return names


def test_every_named_page_and_action_has_a_row() -> None:
    covered = (
        {page.name for page in PAGES}
        | {action.name for action in ACTIONS}
        | COVERED_ELSEWHERE
        | _covered_by_app_matrices()
    )
    missing = _named_urls(get_resolver()) - covered
    assert missing == set()
