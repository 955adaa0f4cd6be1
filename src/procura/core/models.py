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
