"""Recording an incident and extending, in one action, the deadlines it touched."""

from __future__ import annotations

import datetime as dt

import pytest

from procura.audit.codes import AuditAction
from procura.audit.models import AuditEntry
from procura.bids import services as bids
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from procura.incidents import selectors, services
from procura.incidents.models import DeadlineExtension, ExtensionRefusal, Incident
from procura.tenders import services as tenders
from procura.tenders.domain import TenderStatus
from procura.tenders.models import Amendment, Tender
from procura.tenders.selectors import status_of
from tests.bids.support import after_opening, draft_bid, submitted_bid
from tests.conftest import World
from tests.incidents.support import HOUR, MINUTE, deadline_of, outage_over, tender_open_for_bids
from tests.tenders.support import DAY

pytestmark = pytest.mark.django_db


# --- Recording ------------------------------------------------------------------------------------
def test_an_administrator_records_an_incident_that_is_over(world: World, frozen_clock: clock.Clock) -> None:
    # given
    now = clock.now()
    # when
    incident = services.incident_record(
        actor=world.admin, started_at=now - 3 * HOUR, ended_at=now - HOUR, description="  Storage failed.  "
    )
    # then
    assert incident.started_at == now - 3 * HOUR
    assert incident.ended_at == now - HOUR
    assert incident.description == "Storage failed."
    assert incident.recorded_by == world.admin
    assert incident.recorded_at == now
    assert incident.grace == 2 * HOUR
    assert incident.minimum_extension == 2 * HOUR
    entry = AuditEntry.objects.get(action=AuditAction.INCIDENT_RECORDED)
    assert entry.actor_id == world.admin.pk
    assert entry.object_id == str(incident.pk)
    assert entry.after["description"] == "Storage failed."


def test_the_rule_comes_from_the_settings_and_is_frozen_on_the_incident(
    world: World, frozen_clock: clock.Clock, settings: object
) -> None:
    now = clock.now()
    settings.INCIDENT_GRACE_HOURS = 1  # type: ignore[attr-defined]
    settings.INCIDENT_MINIMUM_EXTENSION_HOURS = 4  # type: ignore[attr-defined]
    incident = services.incident_record(actor=world.admin, started_at=now - HOUR, ended_at=now, description="x")
    assert incident.grace == HOUR
    assert incident.minimum_extension == 4 * HOUR
    settings.INCIDENT_GRACE_HOURS = 9  # type: ignore[attr-defined]
    incident.refresh_from_db()
    assert selectors.window_end(incident) == now + HOUR


@pytest.mark.parametrize("person", ["officer", "approver", "other_officer", "bid_manager", "viewer", "auditor"])
def test_only_administrators_record_incidents(world: World, frozen_clock: clock.Clock, person: str) -> None:
    now = clock.now()
    with pytest.raises(PermissionDenied, match="Only platform administrators"):
        services.incident_record(
            actor=getattr(world, person), started_at=now - HOUR, ended_at=now, description="Outage."
        )
    assert not Incident.objects.exists()


def test_anonymous_people_are_asked_to_sign_in(world: World, frozen_clock: clock.Clock) -> None:
    from django.contrib.auth.models import AnonymousUser

    now = clock.now()
    with pytest.raises(NotAuthenticated):
        services.incident_record(actor=AnonymousUser(), started_at=now - HOUR, ended_at=now, description="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "end", "description", "fields"),
    [
        (-HOUR, 0 * HOUR, " ", {"description"}),
        (-HOUR, -HOUR, "x", {"ended_at"}),  # ends when it starts
        (-HOUR, -2 * HOUR, "x", {"ended_at"}),  # ends before it starts
        (-HOUR, HOUR, "x", {"ended_at"}),  # not over yet
        (HOUR, 2 * HOUR, "x", {"started_at", "ended_at"}),  # in the future
        (None, None, "", {"started_at", "ended_at", "description"}),
    ],
)
def test_bad_incidents_are_refused_by_field(
    world: World,
    frozen_clock: clock.Clock,
    start: dt.timedelta | None,
    end: dt.timedelta | None,
    description: str,
    fields: set[str],
) -> None:
    now = clock.now()
    with pytest.raises(InvalidInput) as refused:
        services.incident_record(
            actor=world.admin,
            started_at=None if start is None else now + start,
            ended_at=None if end is None else now + end,
            description=description,
        )
    assert set(refused.value.fields) == fields
    assert not Incident.objects.exists()


def test_naive_times_and_overlong_descriptions_are_refused(world: World, frozen_clock: clock.Clock) -> None:
    now = clock.now()
    with pytest.raises(InvalidInput) as naive:
        services.incident_record(
            actor=world.admin, started_at=(now - HOUR).replace(tzinfo=None), ended_at=now, description="x"
        )
    assert naive.value.fields == {"started_at": ["Give the time with its time zone."]}
    with pytest.raises(InvalidInput) as long:
        services.incident_record(actor=world.admin, started_at=now - HOUR, ended_at=now, description="x" * 5001)
    assert set(long.value.fields) == {"description"}


def test_an_overlapping_incident_is_the_same_outage(world: World, frozen_clock: clock.Clock) -> None:
    now = clock.now()
    services.incident_record(actor=world.admin, started_at=now - 3 * HOUR, ended_at=now - HOUR, description="x")
    with pytest.raises(Conflict) as overlap:
        services.incident_record(
            actor=world.admin, started_at=now - 2 * HOUR, ended_at=now - 30 * MINUTE, description="again"
        )
    assert "started_at" in overlap.value.fields
    # one that starts after it ended is another incident
    services.incident_record(actor=world.admin, started_at=now - 50 * MINUTE, ended_at=now, description="later")
    assert Incident.objects.count() == 2


# --- Which tenders ------------------------------------------------------------------------------------
def test_affected_tenders_are_those_whose_deadline_fell_in_the_window(world: World, frozen_clock: clock.Clock) -> None:
    # given tenders with deadlines around an outage of an hour
    base = tender_open_for_bids(world.officer, world.buyer, title="During")
    deadline = deadline_of(base)

    def with_deadline(title: str, at: dt.datetime) -> Tender:
        return tender_open_for_bids(world.officer, world.buyer, title=title, tender_end=at, bid_opening_at=at + HOUR)

    before = with_deadline("Before", deadline - HOUR - MINUTE)
    soon_after = with_deadline("Soon after", deadline + 2 * HOUR)  # within the 2-hour grace
    later = with_deadline("Later", deadline + 3 * HOUR + MINUTE)
    cancelled = with_deadline("Cancelled", deadline - 30 * MINUTE)
    tenders.tender_cancel(actor=world.officer, tender=cancelled, reason="No longer needed.")
    # when an outage from an hour before the deadline to the deadline is recorded
    incident = outage_over(world.admin, start=deadline - HOUR, end=deadline, clock_handle=frozen_clock)
    # then
    affected = {t.title for t in selectors.incident_affected_tenders(incident)}
    assert affected == {"During", "Soon after"}
    assert {t.title for t in selectors.tenders_in_window(incident)} == {"During", "Soon after", "Cancelled"}
    assert before not in selectors.incident_affected_tenders(incident)
    assert later not in selectors.incident_affected_tenders(incident)
    assert soon_after in selectors.incident_affected_tenders(incident)


def test_a_draft_is_never_affected(world: World, frozen_clock: clock.Clock) -> None:
    from tests.tenders.support import draft

    secret = draft(world.officer, world.buyer)
    assert secret.tender_end is not None
    incident = outage_over(
        world.admin, start=secret.tender_end - HOUR, end=secret.tender_end, clock_handle=frozen_clock
    )
    assert selectors.incident_affected_tenders(incident) == []


# --- Extending --------------------------------------------------------------------------------------
def test_one_action_extends_every_affected_deadline_once(world: World, frozen_clock: clock.Clock) -> None:
    # given two tenders whose deadline fell in a 90-minute outage, one with a bid in preparation
    first = tender_open_for_bids(world.officer, world.buyer, title="First")
    second = tender_open_for_bids(world.officer, world.buyer, title="Second")
    deadline = deadline_of(first)
    bid = draft_bid(first, world.bid_manager, world.supplier)
    start, end = deadline - HOUR, deadline + 30 * MINUTE
    incident = outage_over(world.admin, start=start, end=end, clock_handle=frozen_clock)
    assert status_of(first) == TenderStatus.EVALUATION
    # when
    result = services.incident_extend_deadlines(actor=world.admin, incident=incident)
    # then both moved to the end of the outage plus the minimum two hours (longer than 90 minutes)
    expected = end + 2 * HOUR
    assert {e.tender.pk for e in result.extended} == {first.pk, second.pk}
    assert result.refused == []
    for tender in (first, second):
        assert deadline_of(tender) == expected
        extension = DeadlineExtension.objects.get(incident=incident, tender=tender)
        assert extension.deadline_before == deadline
        assert extension.deadline_after == expected
        assert extension.extended_by == world.admin
        amendment = extension.amendment
        assert amendment.tender_id == tender.pk
        assert amendment.made_by == world.admin
        assert amendment.deadline_after == expected
        assert amendment.material is False
        assert "The platform was unavailable from" in amendment.rationale
        assert status_of(tender) == TenderStatus.TENDERING
    # the supplier can now submit
    first.refresh_from_db()
    bids.bid_submit(actor=world.bid_manager, bid=bid)
    # audited: one entry for the action, by the administrator; one per tender, by the platform
    action = AuditEntry.objects.get(action=AuditAction.INCIDENT_DEADLINES_EXTENDED)
    assert action.actor_id == world.admin.pk
    assert {e["tender"] for e in action.after["extended"]} == {first.ocid, second.ocid}
    assert AuditEntry.objects.filter(action=AuditAction.TENDER_DEADLINE_EXTENDED, actor_id__isnull=True).count() == 2
    assert selectors.incident_affected_tenders(incident) == []


def test_running_the_action_again_extends_nothing_twice(world: World, frozen_clock: clock.Clock) -> None:
    # given a short outage, whose extended deadline is still inside the incident's window
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    incident = outage_over(world.admin, start=deadline - 10 * MINUTE, end=deadline, clock_handle=frozen_clock)
    first = services.incident_extend_deadlines(actor=world.admin, incident=incident)
    assert len(first.extended) == 1
    extended_to = deadline_of(tender)
    assert extended_to == deadline + 2 * HOUR  # the last moment of the window: still "affected" by time alone
    # when
    again = services.incident_extend_deadlines(actor=world.admin, incident=incident)
    # then
    assert again.extended == []
    assert again.refused == []
    assert deadline_of(tender) == extended_to
    assert Amendment.objects.filter(tender=tender).count() == 1
    assert DeadlineExtension.objects.filter(incident=incident).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.INCIDENT_DEADLINES_EXTENDED).count() == 2


def test_tenders_whose_bids_were_opened_or_that_ended_are_refused_with_the_reason(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given three tenders with the same deadline: one opened, one cancelled, one still extendable
    opened = tender_open_for_bids(world.officer, world.buyer, title="Opened")
    cancelled = tender_open_for_bids(world.officer, world.buyer, title="Cancelled")
    waiting = tender_open_for_bids(world.officer, world.buyer, title="Waiting")
    deadline = deadline_of(opened)
    waiting.bid_opening_at = deadline + 3 * DAY
    waiting.save(update_fields=["bid_opening_at"])
    submitted_bid(opened, world.bid_manager, world.supplier)
    tenders.tender_cancel(actor=world.officer, tender=cancelled, reason="Budget withdrawn.")
    frozen_clock.set(after_opening(opened))
    bids.bids_open(tender=opened)
    # an outage that ended just before the opening is recorded late
    incident = services.incident_record(
        actor=world.admin, started_at=deadline - HOUR, ended_at=deadline + 30 * MINUTE, description="Network."
    )
    assert [t.title for t in selectors.incident_affected_tenders(incident)] == ["Waiting"]
    # when
    result = services.incident_extend_deadlines(actor=world.admin, incident=incident)
    # then
    assert [e.tender.title for e in result.extended] == ["Waiting"]
    reasons = {tender.title: reason for tender, reason in result.refused}
    assert reasons == {
        "Opened": "The bids have been opened: the deadline can no longer move.",
        "Cancelled": "The deadline cannot be extended: the tender is cancelled.",
    }
    assert deadline_of(opened) == deadline
    assert deadline_of(cancelled) == deadline
    assert not Amendment.objects.filter(tender__in=[opened, cancelled]).exists()
    # the refusals are kept on the incident, and the action's audit entry lists them
    assert {r.tender.title: r.reason for r in selectors.refusals_of(incident)} == reasons
    action = AuditEntry.objects.get(action=AuditAction.INCIDENT_DEADLINES_EXTENDED)
    assert {r["tender"] for r in action.after["refused"]} == {opened.ocid, cancelled.ocid}
    # recorded late, the new deadline still leaves the minimum from now
    assert deadline_of(waiting) == clock.now() + 2 * HOUR
    assert ExtensionRefusal.objects.filter(incident=incident).count() == 2


def test_only_administrators_extend(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    incident = outage_over(world.admin, start=deadline - HOUR, end=deadline, clock_handle=frozen_clock)
    for person in (world.officer, world.auditor, world.bid_manager):
        with pytest.raises(PermissionDenied):
            services.incident_extend_deadlines(actor=person, incident=incident)
    assert deadline_of(tender) == deadline
    assert not DeadlineExtension.objects.exists()


def test_a_tender_moved_out_of_the_window_since_is_left_alone(world: World, frozen_clock: clock.Clock) -> None:
    # given an incident recorded while a tender's deadline was in its grace period
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    incident = outage_over(world.admin, start=deadline - 3 * HOUR, end=deadline - 2 * HOUR, clock_handle=frozen_clock)
    assert selectors.incident_affected_tenders(incident) == [tender]
    # and the buyer extended it by a week in the meantime
    tenders.tender_extend_deadline(actor=world.officer, tender=tender, new_deadline=deadline + 7 * DAY, rationale="x")
    # when
    result = services.incident_extend_deadlines(actor=world.admin, incident=incident)
    # then
    assert result.extended == []
    assert deadline_of(tender) == deadline + 7 * DAY


def test_the_public_list_shows_incidents_and_their_extensions(world: World, frozen_clock: clock.Clock) -> None:
    tender = tender_open_for_bids(world.officer, world.buyer)
    deadline = deadline_of(tender)
    incident = outage_over(world.admin, start=deadline - HOUR, end=deadline, clock_handle=frozen_clock)
    services.incident_extend_deadlines(actor=world.admin, incident=incident)
    [listed] = selectors.public_incidents()
    assert listed.pk == incident.pk
    assert [e.tender.pk for e in listed.public_extensions] == [tender.pk]  # type: ignore[attr-defined]
