"""The OCDS release outbox and the records compiled from it."""

from __future__ import annotations

from django.db import models

from procura.accounts.models import Organisation


class Release(models.Model):
    """One OCDS release, written in the transaction of the change it publishes (an outbox row).

    `body` is the release as serialised JSON (orjson), served byte for byte. The change feed is
    ordered by (`txid`, `seq`): see docs/adr/0003-ocds-change-feed.md.
    """

    seq = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(default=0)  # PostgreSQL: the writing transaction's id; SQLite: 0
    release_id = models.CharField(max_length=200, unique=True)
    ocid = models.CharField(max_length=64)
    date = models.DateTimeField()
    tags = models.CharField(max_length=200)  # space-separated, with a leading and trailing space
    buyer = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    body = models.BinaryField()

    class Meta:
        indexes = [
            models.Index(fields=["txid", "seq"], name="publication_release_feed"),
            models.Index(fields=["ocid", "seq"], name="publication_release_ocid"),
            models.Index(fields=["date", "seq"], name="publication_release_date"),
            models.Index(fields=["buyer", "seq"], name="publication_release_buyer"),
        ]

    def __str__(self) -> str:
        return self.release_id

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


class Record(models.Model):
    """The compiled and versioned release of one contracting process, kept current incrementally."""

    ocid = models.CharField(max_length=64, primary_key=True)
    buyer = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    release_count = models.PositiveIntegerField(default=0)
    last_seq = models.BigIntegerField()  # the latest release's seq, to page records by change
    last_date = models.DateTimeField()
    compiled = models.BinaryField()
    versioned = models.BinaryField()

    class Meta:
        indexes = [
            models.Index(fields=["last_seq"], name="publication_record_seq"),
            models.Index(fields=["buyer", "last_seq"], name="publication_record_buyer"),
        ]

    def __str__(self) -> str:
        return self.ocid
