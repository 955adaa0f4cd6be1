"""Publication tables: the release outbox and the records kept from it; the historical store."""

from procura.publication.models.bulk import BulkFile
from procura.publication.models.history import HistoricalProcess, HistoricalRelease
from procura.publication.models.releases import Record, Release

__all__ = ["BulkFile", "HistoricalProcess", "HistoricalRelease", "Record", "Release"]
