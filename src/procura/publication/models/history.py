"""The historical store: another publisher's OCDS releases, imported read-only beside live data.

These tables are separate from the live outbox (`Release`, `Record`) and from every live
process table: nothing here is ever published again as Procura's own data, and nothing in the
live workflow reads or writes it. All writes go through `procura.publication.importer`.
"""

from __future__ import annotations

from django.db import models

# Release ids are unique within their contracting process (OCDS), so (ocid, release id) is the key.
OCID_MAX_LENGTH = 255
RELEASE_ID_MAX_LENGTH = 255


class HistoricalProcess(models.Model):
    """One imported contracting process: its compiled release and the facts the search reads.

    `compiled` is compiled by Procura from the imported releases (`compiled_by = "procura"`).
    A process known only from a record whose releases are linked, not embedded (or from a
    compiled release given on its own), keeps the publisher's compiled release instead
    (`compiled_by = "publisher"`) until releases of it are imported.
    """

    COMPILED_BY_PROCURA = "procura"
    COMPILED_BY_PUBLISHER = "publisher"

    ocid = models.CharField(max_length=OCID_MAX_LENGTH, primary_key=True)
    source = models.CharField(max_length=200)
    publisher = models.CharField(max_length=500, blank=True)
    release_count = models.PositiveIntegerField(default=0)
    first_date = models.DateTimeField()  # the earliest release date: the year filter reads it
    last_date = models.DateTimeField()  # the latest release date: the list is newest first
    year = models.PositiveSmallIntegerField()
    title = models.TextField(blank=True)
    description = models.TextField(blank=True)
    buyer_name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=100, blank=True)
    value_amount = models.DecimalField(max_digits=24, decimal_places=2, null=True)
    currency = models.CharField(max_length=3, blank=True)
    tender_start = models.DateTimeField(null=True)
    tender_end = models.DateTimeField(null=True)
    # Title, description, buyer and ocid, lower-cased and without accents: see importer.normalised.
    search_text = models.TextField(blank=True)
    buyer_key = models.CharField(max_length=500, blank=True)  # the buyer name, normalised
    compiled = models.BinaryField()
    compiled_by = models.CharField(max_length=20, default=COMPILED_BY_PROCURA)
    compile_problem = models.TextField(blank=True)  # why Procura could not compile, if it could not
    publisher_compiled = models.BinaryField(null=True)  # as a record or compiled release gave it
    imported_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["last_date", "ocid"], name="publication_hist_proc_date"),
            models.Index(fields=["year", "last_date"], name="publication_hist_proc_year"),
            models.Index(fields=["source", "last_date"], name="publication_hist_proc_source"),
        ]

    def __str__(self) -> str:
        return self.ocid


class HistoricalRelease(models.Model):
    """One imported release, kept byte for byte as it was read (re-serialised by orjson).

    `digest` is the SHA-256 of the release with its keys sorted: the same release imported again
    is recognised as already present, and a different release under the same id is refused.
    """

    ocid = models.CharField(max_length=OCID_MAX_LENGTH)
    release_id = models.CharField(max_length=RELEASE_ID_MAX_LENGTH)
    date = models.DateTimeField()
    tags = models.CharField(max_length=500, blank=True)  # space-separated
    source = models.CharField(max_length=200)
    publisher = models.CharField(max_length=500, blank=True)
    digest = models.CharField(max_length=64)
    body = models.BinaryField()
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ocid", "release_id"], name="publication_hist_release_unique"),
        ]
        indexes = [
            models.Index(fields=["ocid", "date"], name="publication_hist_rel_ocid"),
        ]

    def __str__(self) -> str:
        return f"{self.ocid} {self.release_id}"

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()
