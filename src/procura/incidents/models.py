"""Incident tables: platform outages and the deadline extensions they caused (both public)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import User
from procura.tenders.models import Amendment, Tender


class Incident(models.Model):
    """A period when the platform was unavailable, recorded by an administrator once it is over.

    The rule's figures are frozen here when it is recorded, so which deadlines it affected and
    how far they moved can be reproduced whatever the settings say later.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    description = models.TextField(_("description"))  # public
    grace = models.DurationField()
    minimum_extension = models.DurationField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "incidents_incident"
        ordering = ["-started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")), name="incidents_incident_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}–{self.ended_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> dt.timedelta:
        return self.ended_at - self.started_at


class DeadlineExtension(models.Model):
    """One tender's deadline moved because of one incident: at most once per incident."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="extensions")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="+")
    amendment = models.OneToOneField(Amendment, on_delete=models.PROTECT, related_name="+")
    deadline_before = models.DateTimeField()
    deadline_after = models.DateTimeField()
    extended_at = models.DateTimeField()
    extended_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "incidents_deadline_extension"
        ordering = ["incident_id", "deadline_before", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "tender"], name="incidents_extension_once_per_tender"),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.deadline_before} → {self.deadline_after}"


class ExtensionRefusal(models.Model):
    """Why a tender whose deadline fell in the incident's window was not extended (the latest
    attempt). Removed if a later attempt extends it."""

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="refusals")
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    refused_at = models.DateTimeField()

    class Meta:
        db_table = "incidents_extension_refusal"
        ordering = ["incident_id", "refused_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "tender"], name="incidents_refusal_once_per_tender"),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.reason}"
