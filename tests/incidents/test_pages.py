"""The incident pages through HTTP: recording, reviewing, extending, and the public list."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from procura.bids import services as bids
from procura.core import clock
from procura.incidents.models import DeadlineExtension, Incident
from tests.bids.support import after_opening, submitted_bid
from tests.conftest import World
from tests.incidents.support import HOUR, MINUTE, deadline_of, outage_over, tender_open_for_bids

pytestmark = pytest.mark.django_db


class Structure(HTMLParser):
    """Headings, labels and form inputs of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.labels: set[str] = set()
        self.inputs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label" and values.get("for"):
            self.labels.add(str(values["for"]))
        if tag in {"input", "textarea", "select"} and values.get("type") not in {"hidden", "submit"}:
            self.inputs.append(str(values.get("id")))


def structure(html: str) -> Structure:
    parsed = Structure()
    parsed.feed(html)
    return parsed


def assert_accessible(html: str) -> None:
    page = structure(html)
    assert page.headings.count(1) == 1, "one h1"
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), page.headings
    assert set(page.inputs) <= page.labels, "every input has its label"


def _local(moment: object) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")  # type: ignore[arg-type]


def test_an_administrator_records_an_incident_through_the_form(world: World, frozen_clock: clock.Clock) -> None:
    # given
    client = world.client("admin")
    now = clock.now()
    form = client.get("/incidents/new/")
    assert form.status_code == 200
    assert_accessible(form.content.decode())
    # when
    response = client.post(
        "/incidents/new/",
        {"started_at": _local(now - 2 * HOUR), "ended_at": _local(now - HOUR), "description": "Power cut."},
    )
    # then
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.started_at == now - 2 * HOUR
    assert incident.description == "Power cut."
    listing = client.get("/incidents/").content.decode()
    assert f"/incidents/{incident.pk}/" in listing
    assert "Power cut." in listing


def test_form_errors_are_summarised_and_linked_to_their_fields(world: World, frozen_clock: clock.Clock) -> None:
    # given
    client = world.client("admin")
    now = clock.now()
    # when the end is before the start and the description is missing
    response = client.post(
        "/incidents/new/", {"started_at": _local(now - HOUR), "ended_at": _local(now - 2 * HOUR), "description": ""}
    )
    # then the form comes back with the messages, nothing is recorded
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert '<a href="#id_description">Describe what happened: it is published.</a>' in html
    assert not Incident.objects.exists()
    assert_accessible(html)
    # and a refusal from the service (the end is before the start) lands on its field
    response = client.post(
        "/incidents/new/",
        {"started_at": _local(now - HOUR), "ended_at": _local(now - 2 * HOUR), "description": "Outage."},
    )
    assert '<a href="#id_ended_at">The end must be after the start.</a>' in response.content.decode()
    # and a date that is not one
    response = client.post("/incidents/new/", {"started_at": "yesterday", "ended_at": "", "description": "x"})
    html = response.content.decode()
    assert '<a href="#id_started_at">Enter a date and time, such as 2026-04-30 12:00.</a>' in html
    assert '<a href="#id_ended_at">Enter when the platform was available again.</a>' in html


def test_the_incident_page_shows_affected_tenders_and_extends_them(world: World, frozen_clock: clock.Clock) -> None:
    # given a tender whose deadline fell in the outage, and one whose bids were opened
    tender = tender_open_for_bids(world.officer, world.buyer, title="Road salt")
    opened = tender_open_for_bids(world.officer, world.buyer, title="Printer paper")
    deadline = deadline_of(tender)
    submitted_bid(opened, world.bid_manager, world.supplier)
    frozen_clock.set(after_opening(opened))
    bids.bids_open(tender=opened)
    incident = outage_over(world.admin, start=deadline - HOUR, end=deadline + 30 * MINUTE)
    client = world.client("admin")
    # when the administrator looks
    page = client.get(f"/incidents/{incident.pk}/")
    # then the extendable tender is listed with where its deadline would move
    html = page.content.decode()
    assert page.status_code == 200
    assert_accessible(html)
    assert "Road salt" in html
    assert tender.ocid in html
    assert "Printer paper" not in html
    assert f'action="/incidents/{incident.pk}/extend/"' in html
    # when they extend
    response = client.post(f"/incidents/{incident.pk}/extend/", follow=True)
    # then the results are shown: one extended, one refused with its reason
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 deadline is extended" in html
    assert "1 tender could not be extended" in html
    assert "The bids have been opened: the deadline can no longer move." in html
    assert "Printer paper" in html
    extension = DeadlineExtension.objects.get(incident=incident)
    assert extension.tender.pk == tender.pk
    assert extension.amendment.local_id in html
    # pressing again does nothing more, and says so
    again = client.post(f"/incidents/{incident.pk}/extend/", follow=True).content.decode()
    assert "1 tender could not be extended" in again
    assert DeadlineExtension.objects.filter(incident=incident).count() == 1


def test_nothing_to_extend_is_said_plainly(world: World, frozen_clock: clock.Clock) -> None:
    now = clock.now()
    incident = outage_over(world.admin, start=now - 2 * HOUR, end=now - HOUR)
    response = world.client("admin").post(f"/incidents/{incident.pk}/extend/", follow=True)
    assert "There was nothing to extend" in response.content.decode()


def test_the_public_page_lists_incidents_and_extensions(world: World, frozen_clock: clock.Clock) -> None:
    # given an extended tender
    tender = tender_open_for_bids(world.officer, world.buyer, title="Road salt")
    deadline = deadline_of(tender)
    incident = outage_over(
        world.admin, start=deadline - HOUR, end=deadline, description="Data centre fire.", clock_handle=frozen_clock
    )
    world.client("admin").post(f"/incidents/{incident.pk}/extend/")
    extension = DeadlineExtension.objects.get()
    # when anyone looks
    response = world.client(None).get("/incidents/public/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert_accessible(html)
    assert "Data centre fire." in html
    assert f'href="/tenders/{tender.ocid}/"' in html
    assert extension.deadline_after.isoformat() in html
    # and the tender page shows the amendment with its public rationale
    tender_page = world.client(None).get(f"/tenders/{tender.ocid}/").content.decode()
    assert "The platform was unavailable from" in tender_page


def test_an_empty_public_page(world: World) -> None:
    html = world.client(None).get("/incidents/public/").content.decode()
    assert "No platform incident has been recorded." in html


def test_others_are_refused_with_the_reason(world: World) -> None:
    response = world.client("officer").get("/incidents/")
    assert response.status_code == 403
    assert "Only platform administrators can record incidents" in response.content.decode()
