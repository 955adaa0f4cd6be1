"""The platform-wide debarment list: record a debarment, lift one early, and the check every bid
and award runs.

A debarred supplier can neither bid nor be awarded a contract while the debarment is in force
(domain.debarment_in_force). Platform administrators and the review body record and lift
debarments; the list is public. Lifting is recorded, never deleted. A supplier's debarments never
overlap: each record locks the supplier's organisation row first, so two recorded at the same
moment are checked one after the other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import Conflict, NotFound, RuleViolation
from procura.core.events import record
from procura.core.values import Problems, clean_text
from procura.suppliers import access, domain, events, selectors
from procura.suppliers.models import Debarment

REASON_LIMIT = 5000
AUTHORITY_LIMIT = 300  # Debarment.authority
REFERENCE_LIMIT = 100  # Debarment.reference


def moment_text(at: dt.datetime) -> str:
    """A moment as people read it in messages: the platform's time zone, named."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")


def _clean_moment(value: Any, *, field: str, problems: Problems, missing: str | None) -> dt.datetime | None:
    """An aware datetime; None when it is missing (a problem when `missing` says what to enter)."""
    if value is None or value == "":
        if missing is not None:
            problems.add(field, missing)
        return None
    if not isinstance(value, dt.datetime):
        problems.add(field, _("Enter a date and time, such as 2026-04-30 12:00."))
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        problems.add(field, _("Give the time with its time zone."))
        return None
    return value.astimezone(dt.UTC)


def _clean_supplier(supplier: Any, problems: Problems) -> Organisation | None:
    if supplier is None:
        problems.add("supplier", _("Choose the supplier to debar."))
        return None
    if not isinstance(supplier, Organisation) or not access.is_supplier(supplier):
        problems.add("supplier", _("Only suppliers can be debarred: choose a supplier organisation."))
        return None
    return supplier


def _period_text(debarment: Debarment) -> dict[str, str]:
    return {
        "start": moment_text(debarment.starts_on),
        "end": moment_text(debarment.ends_on) if debarment.ends_on else _("indefinitely"),
        "authority": debarment.authority,
    }


def _audit_values(debarment: Debarment) -> dict[str, Any]:
    return {
        "supplier": str(debarment.supplier_id),
        "reason": debarment.reason,
        "authority": debarment.authority,
        "reference": debarment.reference,
        "starts_on": debarment.starts_on.isoformat(),
        "ends_on": debarment.ends_on.isoformat() if debarment.ends_on else None,
    }


def debarment_record(
    *,
    actor: User,
    supplier: Organisation,
    reason: str,
    authority: str,
    starts_on: dt.datetime,
    ends_on: dt.datetime | None = None,
    reference: str = "",
) -> Debarment:
    """Put a supplier on the public debarment list from `starts_on` until `ends_on` (excluded;
    None: indefinitely). The start may be in the past (a decision recorded late) or the future
    (announced ahead). A period overlapping a debarment of the same supplier that is not lifted is
    a Conflict: lift that one first, or extend it by recording the next period after it."""
    with transaction.atomic():
        access.check_can_manage_debarments(actor)
        problems = Problems()
        chosen = _clean_supplier(supplier, problems)
        reason = clean_text(
            reason,
            field="reason",
            problems=problems,
            max_length=REASON_LIMIT,
            required=_("Enter the reason for the debarment: it is published."),
        )
        authority = clean_text(
            authority,
            field="authority",
            problems=problems,
            max_length=AUTHORITY_LIMIT,
            required=_("Enter the authority that decided the debarment, such as the review board."),
        )
        reference = clean_text(reference, field="reference", problems=problems, max_length=REFERENCE_LIMIT)
        start = _clean_moment(
            starts_on, field="starts_on", problems=problems, missing=_("Enter when the debarment starts.")
        )
        end = _clean_moment(ends_on, field="ends_on", problems=problems, missing=None)
        if start is not None and end is not None and end <= start:
            problems.add("ends_on", _("The end must be after the start. Leave it empty for an indefinite debarment."))
        problems.raise_if_any(_("Some details of the debarment need correcting."))
        assert chosen is not None
        assert start is not None
        locked = Organisation.objects.select_for_update().filter(pk=chosen.pk).first()
        if locked is None:
            raise NotFound(_("There is no such supplier."))
        for existing in Debarment.objects.filter(supplier=locked, lifted_at__isnull=True).order_by("starts_on"):
            if domain.debarment_periods_overlap(start, end, existing.starts_on, existing.ends_on):
                raise Conflict.for_field(
                    "starts_on",
                    _(
                        "%(supplier)s is already debarred by %(authority)s from %(start)s until %(end)s, "
                        "which overlaps this period. Lift that debarment first, or record a period that "
                        "does not overlap it."
                    )
                    % {"supplier": locked.legal_name, **_period_text(existing)},
                )
        debarment = Debarment.objects.create(
            supplier=locked,
            reason=reason,
            authority=authority,
            reference=reference,
            starts_on=start,
            ends_on=end,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        audit_record(
            action=AuditAction.DEBARMENT_RECORDED,
            actor=actor,
            organisation_id=locked.pk,
            object_type="debarment",
            object_id=debarment.pk,
            after=_audit_values(debarment),
        )
        record(events.DebarmentRecorded(debarment_id=debarment.pk, supplier_id=locked.pk, starts_on=start, ends_on=end))
    return debarment


def debarment_lift(*, actor: User, debarment: Debarment, reason: str) -> Debarment:
    """Lift a debarment before its end (on appeal, or recorded by mistake): from now on the
    supplier may bid again. The debarment stays on the list, marked lifted, with the reason."""
    with transaction.atomic():
        access.check_can_manage_debarments(actor)
        problems = Problems()
        reason = clean_text(
            reason,
            field="reason",
            problems=problems,
            max_length=REASON_LIMIT,
            required=_("Enter why the debarment is lifted: it is published."),
        )
        problems.raise_if_any(_("Say why the debarment is lifted."))
        current = Debarment.objects.select_for_update().filter(pk=debarment.pk).first()
        if current is None:
            raise NotFound(_("There is no such debarment."))
        if current.lifted_at is not None:
            raise Conflict(
                _("This debarment was already lifted on %(date)s.") % {"date": moment_text(current.lifted_at)}
            )
        now = clock.now()
        if current.ends_on is not None and current.ends_on <= now:
            raise RuleViolation(
                _("This debarment ended on %(date)s: there is nothing to lift.")
                % {"date": moment_text(current.ends_on)}
            )
        current.lifted_at = now
        current.lifted_by = actor
        current.lift_reason = reason
        current.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit_record(
            action=AuditAction.DEBARMENT_LIFTED,
            actor=actor,
            organisation_id=current.supplier_id,
            object_type="debarment",
            object_id=current.pk,
            before={"lifted_at": None},
            after={"lifted_at": now.isoformat(), "lift_reason": reason},
        )
        record(events.DebarmentLifted(debarment_id=current.pk, supplier_id=current.supplier_id, lifted_at=now))
    return Debarment.objects.select_related("supplier").get(pk=current.pk)


def check_not_debarred(*, supplier: Organisation, at: dt.datetime, field: str | None = None) -> None:
    """Refuse, with a RuleViolation naming the supplier, the authority and the end, when a
    debarment of the supplier is in force at `at` (the moment of the bid or the award). `field`
    names the input that chose the supplier, if any."""
    debarment = selectors.active_debarment(supplier.pk, at)
    if debarment is None:
        return
    values = {"supplier": supplier.legal_name, **_period_text(debarment)}
    if debarment.ends_on is None:
        message = (
            _(
                "%(supplier)s is debarred indefinitely by %(authority)s: it can neither bid nor be awarded a "
                "contract. See the public debarment list."
            )
            % values
        )
    else:
        message = (
            _(
                "%(supplier)s is debarred by %(authority)s until %(end)s: it can neither bid nor be awarded a "
                "contract until then. See the public debarment list."
            )
            % values
        )
    raise RuleViolation(message, fields={field: [message]} if field else None)
