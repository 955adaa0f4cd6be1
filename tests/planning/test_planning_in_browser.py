"""In headless Chromium: axe-core finds no serious or critical accessibility problem on the
planning pages, for the public, a procurement officer and an approver, with form errors shown too."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from procura.accounts.models import User
from tests import factories
from tests.browser.conftest import serious_violations
from tests.conftest import World
from tests.planning.conftest import Plans

pytestmark = pytest.mark.browser


def _sign_in(page: Any, person: User) -> None:
    """Share a signed-in session (second factor passed) with the browser."""
    client = factories.signed_in_client(person)
    page.context.clear_cookies()
    host = urlsplit(page.url).hostname
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )


def _check(page: Any, path: str) -> list[str]:
    page.goto(path)
    return [f"{path}: {problem}" for problem in serious_violations(page)]


@pytest.mark.django_db(transaction=True)
def test_every_planning_page_is_accessible(page: Any, world: World, plans: Plans) -> None:
    # the public pages
    problems: list[str] = []
    for path in [
        "/plans/",
        f"/plans/{plans.published.pk}/",
        f"/plans/lines/{plans.published_line.pk}/",
    ]:
        problems += _check(page, path)

    # the officer's pages
    _sign_in(page, world.officer)
    for path in [
        f"/plans/organisations/{world.buyer.pk}/",
        f"/plans/{plans.draft.pk}/edit/",
        f"/plans/{plans.draft.pk}/publish/",
        f"/plans/{plans.draft.pk}/lines/add/",
        f"/plans/lines/{plans.draft_line.pk}/",
        f"/plans/lines/{plans.draft_line.pk}/edit/",
        f"/plans/lines/{plans.published_line.pk}/",
    ]:
        problems += _check(page, path)
    # a line form with every error showing
    page.goto(f"/plans/{plans.draft.pk}/lines/add/")
    page.get_by_role("button", name="Add the line").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    problems += [f"line form with errors: {p}" for p in serious_violations(page)]

    # the approver's pages
    _sign_in(page, world.approver)
    for path in [
        f"/plans/organisations/{world.buyer.pk}/approvals/",
        f"/plans/organisations/{world.buyer.pk}/spend-control/",
    ]:
        problems += _check(page, path)
    page.goto(f"/plans/organisations/{world.buyer.pk}/approvals/")
    page.get_by_role("button", name="Reject New wing of the hospital").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    problems += [f"approvals with errors: {p}" for p in serious_violations(page)]
    assert problems == []
