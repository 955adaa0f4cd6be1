"""Every write about incidents: recording an outage, and extending the deadlines it touched.

An administrator records an incident once it is over, then extends the affected deadlines in
one action. Each tender is extended in its own transaction through the tenders' one path
(`tender_extend_deadline`: a public amendment, audited, with its OCDS release and alerts), so
one tender that cannot be extended does not hold back the others, and running the action again
extends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.bids.selectors import is_opened
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, ProcuraError
from procura.incidents import access, domain, selectors
from procura.incidents.models import DeadlineExtension, ExtensionRefusal, Incident
from procura.tenders.models import Tender
from procura.tenders.services import tender_extend_deadline

logger = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 5000


def bids_opened_refusal(tender: Tender) -> str | None:
    """The extension guard IncidentsConfig registers with tenders: once bids are opened their
    prices are public, and moving the deadline would let others bid against them."""
    if is_opened(tender):
        return _("The bids have been opened: the deadline can no longer move.")
    return None


def _time_problems(started_at: dt.datetime | None, ended_at: dt.datetime | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value, missing in (
        ("started_at", started_at, _("Enter when the platform became unavailable.")),
        ("ended_at", ended_at, _("Enter when the platform was available again.")),
    ):
        if value is None:
            errors[name] = [missing]
        elif value.tzinfo is None or value.utcoffset() is None:
            errors[name] = [_("Give the time with its time zone.")]
    if errors or started_at is None or ended_at is None:
        return errors
    now = clock.now()
    if started_at > now:
        errors["started_at"] = [_("The start cannot be in the future.")]
    if ended_at <= started_at:
        errors["ended_at"] = [_("The end must be after the start.")]
    elif ended_at > now:
        errors["ended_at"] = [_("Record an incident once it is over: the end cannot be in the future.")]
    return errors


def incident_record(
    *, actor: User, started_at: dt.datetime | None, ended_at: dt.datetime | None, description: str
) -> Incident:
    """Record an outage that is over, with a public description. The rule's figures in force
    now (selectors.extension_rule) are frozen on it. An incident overlapping one already
    recorded is refused: it is the same outage, and recording it twice would extend twice."""
    access.check_can_manage_incidents(actor)
    description = description.strip()
    errors = _time_problems(started_at, ended_at)
    if not description:
        errors["description"] = [_("Describe what happened: it is published.")]
    elif len(description) > DESCRIPTION_LIMIT:
        limit = {"n": f"{DESCRIPTION_LIMIT:,}"}
        errors["description"] = [_("The description can be at most %(n)s characters.") % limit]
    if errors:
        raise InvalidInput(_("Some details of the incident need correcting."), fields=errors)
    assert started_at is not None
    assert ended_at is not None
    started_at, ended_at = started_at.astimezone(dt.UTC), ended_at.astimezone(dt.UTC)
    rule = selectors.extension_rule()
    with transaction.atomic():
        overlapping = (
            Incident.objects.select_for_update()
            .filter(started_at__lte=ended_at, ended_at__gte=started_at)
            .order_by("started_at")
            .first()
        )
        if overlapping is not None:
            raise Conflict.for_field(
                "started_at",
                _("This overlaps the incident already recorded from %(start)s to %(end)s.")
                % {"start": _moment(overlapping.started_at), "end": _moment(overlapping.ended_at)},
            )
        now = clock.now()
        incident = Incident.objects.create(
            started_at=started_at,
            ended_at=ended_at,
            description=description,
            grace=rule.grace,
            minimum_extension=rule.minimum_extension,
            recorded_by=actor,
            recorded_at=now,
        )
        audit_record(
            action=AuditAction.INCIDENT_RECORDED,
            actor=actor,
            object_type="incident",
            object_id=incident.pk,
            after={
                "started_at": started_at.isoformat(),
                "ended_at": ended_at.isoformat(),
                "description": description,
                "grace_seconds": int(rule.grace.total_seconds()),
                "minimum_extension_seconds": int(rule.minimum_extension.total_seconds()),
            },
        )
    return incident


@dataclass(frozen=True)
class ExtensionResult:
    """What one run of the action did: the deadlines it moved, and the tenders in the incident's
    window it could not extend, with the reason (bids opened, tender cancelled, …)."""

    extended: list[DeadlineExtension]
    refused: list[tuple[Tender, str]]


def _moment(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")


def _rationale(incident: Incident, before: dt.datetime, after: dt.datetime) -> str:
    # Published in the tender's amendments and OCDS data: in the platform's language, whoever
    # presses the button.
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "The platform was unavailable from %(start)s to %(end)s. The deadline for bids is extended "
            "from %(before)s to %(after)s so that suppliers get back the time they lost."
        ) % {
            "start": _moment(incident.started_at),
            "end": _moment(incident.ended_at),
            "before": _moment(before),
            "after": _moment(after),
        }


def _extend_one(*, actor: User, incident: Incident, tender: Tender) -> DeadlineExtension | None:
    """Extend one tender for the incident, in one transaction; None when there is nothing to do
    (already extended for it, or its deadline has since left the window)."""
    with transaction.atomic():
        # Runs of the action on one incident queue here; tenders are locked after, by the
        # tenders service, always in this order.
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        if DeadlineExtension.objects.filter(incident=incident, tender=tender).exists():
            return None
        current = Tender.objects.select_for_update().filter(pk=tender.pk).first()
        if current is None or current.tender_end is None:
            return None
        deadline = current.tender_end
        if not domain.affected(deadline, incident.started_at, incident.ended_at, incident.grace):
            return None  # moved since (by the buyer or another incident): it is no longer this one's
        new_deadline = selectors.new_deadline(incident, deadline, at=clock.now())
        amendment = tender_extend_deadline(
            actor=None,
            decided_by=actor,
            tender=current,
            new_deadline=new_deadline,
            rationale=_rationale(incident, deadline, new_deadline),
        )
        extension = DeadlineExtension.objects.create(
            incident=incident,
            tender=current,
            amendment=amendment,
            deadline_before=deadline,
            deadline_after=new_deadline,
            extended_at=clock.now(),
            extended_by=actor,
        )
        ExtensionRefusal.objects.filter(incident=incident, tender=current).delete()
    return extension


def _remember_refusal(incident: Incident, tender: Tender, reason: str) -> None:
    with transaction.atomic():
        ExtensionRefusal.objects.update_or_create(
            incident=incident, tender=tender, defaults={"reason": reason, "refused_at": clock.now()}
        )


def incident_extend_deadlines(*, actor: User, incident: Incident) -> ExtensionResult:
    """Extend, in one action, the deadline of every tender the incident affected.

    Idempotent: a tender already extended for this incident is left alone. A tender in the
    window that cannot be extended is refused with the tenders service's reason (remembered on
    the incident); the next run tries it again. One audit entry records the action.
    """
    access.check_can_manage_incidents(actor)
    incident = Incident.objects.get(pk=incident.pk)
    extended: list[DeadlineExtension] = []
    refused: list[tuple[Tender, str]] = []
    done = selectors.extended_tender_ids(incident)
    for tender in selectors.tenders_in_window(incident).exclude(pk__in=done):
        try:
            extension = _extend_one(actor=actor, incident=incident, tender=tender)
        except IntegrityError:
            # Another run extended it between our check and our insert: nothing lost, nothing twice.
            logger.info("tender %s already extended for incident %s", tender.pk, incident.pk)
            continue
        except ProcuraError as exc:
            refused.append((tender, exc.message))
            _remember_refusal(incident, tender, exc.message)
            continue
        if extension is not None:
            extended.append(extension)
    with transaction.atomic():
        audit_record(
            action=AuditAction.INCIDENT_DEADLINES_EXTENDED,
            actor=actor,
            object_type="incident",
            object_id=incident.pk,
            after={
                "extended": [
                    {
                        "tender": e.tender.ocid,
                        "deadline_before": e.deadline_before.isoformat(),
                        "deadline_after": e.deadline_after.isoformat(),
                    }
                    for e in extended
                ],
                "refused": [{"tender": t.ocid, "reason": reason} for t, reason in refused],
            },
        )
    return ExtensionResult(extended=extended, refused=refused)
