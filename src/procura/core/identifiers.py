"""Open Contracting identifiers: every contracting process gets `ocds-<prefix>-<serial>`."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction

from procura.core.models import OcidCounter

PREFIX_PATTERN = re.compile(r"^[a-z0-9]{6}$")
OCID_PATTERN = re.compile(r"^ocds-[a-z0-9]{6}-[A-Za-z0-9._-]+$")


def ocid_prefix() -> str:
    prefix = str(settings.OCID_PREFIX)
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(
            f"PROCURA_OCID_PREFIX must be the 6-character prefix registered with the Open "
            f"Contracting Partnership (lower-case letters and digits), not {prefix!r}"
        )
    return f"ocds-{prefix}"


def format_ocid(prefix: str, serial: int) -> str:
    return f"{prefix}-{serial:06d}"


def allocate_ocid() -> str:
    """Allocate the next ocid. Unique under concurrency on SQLite and PostgreSQL.

    The counter row is created if missing (INSERT … ON CONFLICT DO NOTHING, so racing first
    allocations do not fail), then locked with SELECT … FOR UPDATE and incremented inside the
    caller's transaction: an ocid whose process is rolled back is simply never used.
    """
    prefix = ocid_prefix()
    with transaction.atomic():
        OcidCounter.objects.bulk_create([OcidCounter(prefix=prefix)], ignore_conflicts=True)
        counter = OcidCounter.objects.select_for_update().get(prefix=prefix)
        counter.last_serial += 1
        counter.save(update_fields=["last_serial"])
        return format_ocid(prefix, counter.last_serial)


def is_ocid(value: str) -> bool:
    return bool(OCID_PATTERN.match(value))
