"""The bulk files generated from the outbox: what each holds and when it was built."""

from __future__ import annotations

from django.db import models


class BulkFile(models.Model):
    """One downloadable file under `PROCURA_BULK_DIR`, rebuilt when its period's data changes.

    `signature` summarises the rows the file was built from (count, highest and sum of `seq` or
    `last_seq`): the periodic job rebuilds a period only when the signature differs, which also
    catches a transaction that commits after a higher sequence number was already seen.
    """

    class Kind(models.TextChoices):
        RELEASES = "releases", "Release packages (JSON, gzip)"
        COMPILED = "compiled", "Compiled releases (JSON lines, gzip)"
        CSV = "csv", "Tables (CSV, zip)"
        PARQUET = "parquet", "Table (Parquet)"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period = models.CharField(max_length=7)  # "2026-03" for a month, "2026" for a year
    table = models.CharField(max_length=40, blank=True)  # Parquet: the table this file holds
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    release_count = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField()
    last_seq = models.BigIntegerField(default=0)
    signature = models.CharField(max_length=100)

    class Meta:
        ordering = ["kind", "-period", "table"]
        indexes = [models.Index(fields=["kind", "period"], name="publication_bulkfile_period")]

    def __str__(self) -> str:
        return self.name
