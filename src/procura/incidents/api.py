"""Incidents API (/api/v1/): platform administrators record outages and extend the deadlines
they touched. The extensions themselves are public as tender amendments (OCDS tenderAmendment
releases) and on /incidents/public/."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from procura.accounts.authentication import api_auth, request_user
from procura.core.errors import NotFound
from procura.incidents import access, selectors, services
from procura.incidents.models import DeadlineExtension, ExtensionRefusal, Incident
from procura.tenders.models import Tender

router = Router(tags=["incidents"])


# --- Output schemas ---------------------------------------------------------------------------
class TenderRefOut(Schema):
    id: uuid.UUID
    ocid: str
    title: str

    @staticmethod
    def of(tender: Tender) -> TenderRefOut:
        return TenderRefOut(id=tender.pk, ocid=tender.ocid, title=tender.title)


class ExtensionOut(Schema):
    tender: TenderRefOut
    deadline_before: dt.datetime
    deadline_after: dt.datetime
    amendment_id: str = Field(description="The tender amendment that published the extension (OCDS amendments[].id)")
    extended_at: dt.datetime

    @staticmethod
    def of(extension: DeadlineExtension) -> ExtensionOut:
        return ExtensionOut(
            tender=TenderRefOut.of(extension.tender),
            deadline_before=extension.deadline_before,
            deadline_after=extension.deadline_after,
            amendment_id=extension.amendment.local_id,
            extended_at=extension.extended_at,
        )


class RefusalOut(Schema):
    tender: TenderRefOut
    reason: str


class AffectedOut(Schema):
    tender: TenderRefOut
    deadline: dt.datetime
    new_deadline: dt.datetime = Field(description="Where the deadline moves if extended now")


class IncidentSummaryOut(Schema):
    id: uuid.UUID
    started_at: dt.datetime
    ended_at: dt.datetime
    description: str
    recorded_at: dt.datetime
    extension_count: int

    @staticmethod
    def of(incident: Incident) -> IncidentSummaryOut:
        counted = getattr(incident, "extension_count", None)
        return IncidentSummaryOut(
            id=incident.pk,
            started_at=incident.started_at,
            ended_at=incident.ended_at,
            description=incident.description,
            recorded_at=incident.recorded_at,
            extension_count=incident.extensions.count() if counted is None else int(counted),
        )


class IncidentOut(Schema):
    id: uuid.UUID
    started_at: dt.datetime
    ended_at: dt.datetime
    description: str
    recorded_at: dt.datetime
    recorded_by: str = Field(description="The administrator's name")
    grace_seconds: int = Field(description="Deadlines up to this long after the end are affected")
    minimum_extension_seconds: int
    affected_until: dt.datetime = Field(description="The last deadline the incident affects")
    affected: list[AffectedOut] = Field(description="Deadlines not extended yet")
    extensions: list[ExtensionOut]
    refusals: list[RefusalOut] = Field(description="Tenders in the window that could not be extended, and why")

    @staticmethod
    def of(incident: Incident) -> IncidentOut:
        return IncidentOut(
            id=incident.pk,
            started_at=incident.started_at,
            ended_at=incident.ended_at,
            description=incident.description,
            recorded_at=incident.recorded_at,
            recorded_by=incident.recorded_by.full_name,
            grace_seconds=int(incident.grace.total_seconds()),
            minimum_extension_seconds=int(incident.minimum_extension.total_seconds()),
            affected_until=selectors.window_end(incident),
            affected=[
                AffectedOut(tender=TenderRefOut.of(row.tender), deadline=row.deadline, new_deadline=row.new_deadline)
                for row in selectors.affected_with_new_deadlines(incident)
            ],
            extensions=[ExtensionOut.of(e) for e in selectors.extensions_of(incident)],
            refusals=[_refusal(r) for r in selectors.refusals_of(incident)],
        )


def _refusal(refusal: ExtensionRefusal) -> RefusalOut:
    return RefusalOut(tender=TenderRefOut.of(refusal.tender), reason=refusal.reason)


class ExtensionResultOut(Schema):
    extended: list[ExtensionOut]
    refused: list[RefusalOut]


# --- Input schemas ----------------------------------------------------------------------------
class IncidentIn(Schema):
    started_at: dt.datetime = Field(description="When the platform became unavailable, with its time zone")
    ended_at: dt.datetime = Field(description="When it was available again (not in the future), with its time zone")
    description: str = Field(description="What happened: published")


# --- Helpers ----------------------------------------------------------------------------------
def _incident(request: HttpRequest, incident_id: uuid.UUID) -> Incident:
    access.check_can_manage_incidents(request_user(request))
    incident = selectors.incident_get(incident_id)
    if incident is None:
        raise NotFound(_("There is no such incident."))
    return incident


# --- Endpoints --------------------------------------------------------------------------------
@router.get("/incidents", response=list[IncidentSummaryOut], auth=api_auth, summary="Recorded platform incidents")
def incident_list(request: HttpRequest) -> list[IncidentSummaryOut]:
    access.check_can_manage_incidents(request_user(request))
    return [IncidentSummaryOut.of(i) for i in selectors.incidents()]


@router.post(
    "/incidents", response={201: IncidentOut}, auth=api_auth, summary="Record a platform incident that is over"
)
def incident_create(request: HttpRequest, payload: IncidentIn) -> Status[IncidentOut]:
    incident = services.incident_record(
        actor=request_user(request),
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        description=payload.description,
    )
    found = selectors.incident_get(incident.pk)
    assert found is not None
    return Status(201, IncidentOut.of(found))


@router.get(
    "/incidents/{incident_id}",
    response=IncidentOut,
    auth=api_auth,
    summary="An incident with the deadlines it affects, extended and refused",
)
def incident_detail(request: HttpRequest, incident_id: uuid.UUID) -> IncidentOut:
    return IncidentOut.of(_incident(request, incident_id))


@router.post(
    "/incidents/{incident_id}/extend-deadlines",
    response=ExtensionResultOut,
    auth=api_auth,
    summary="Extend every deadline the incident affected (idempotent: none is extended twice)",
)
def incident_extend_deadlines(request: HttpRequest, incident_id: uuid.UUID) -> ExtensionResultOut:
    result = services.incident_extend_deadlines(actor=request_user(request), incident=_incident(request, incident_id))
    extended = (
        DeadlineExtension.objects.filter(pk__in=[e.pk for e in result.extended])
        .select_related("tender", "amendment")
        .order_by("deadline_before", "id")
    )
    return ExtensionResultOut(
        extended=[ExtensionOut.of(e) for e in extended],
        refused=[RefusalOut(tender=TenderRefOut.of(t), reason=reason) for t, reason in result.refused],
    )
