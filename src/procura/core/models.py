"""Tables owned by core: the ocid serial counters."""

from __future__ import annotations

from django.db import models


class OcidCounter(models.Model):
    """The last serial allocated under one ocid prefix; rows are locked while incremented."""

    prefix = models.CharField(max_length=32, unique=True)
    last_serial = models.BigIntegerField(default=0)

    class Meta:
        db_table = "core_ocid_counter"

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_serial}"


class IdempotencyRecord(models.Model):
    """The outcome of an API write sent with an `Idempotency-Key`, replayed when the client retries."""

    caller = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "core_idempotency_record"
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="core_idempotency_unique")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"
