"""Periodic jobs for documents: scan again the files whose scan failed (clamd was down)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from procura.core.errors import ProcuraError
from procura.documents.models import Document
from procura.documents.scanning import NullScanner, ScanStatus, configured_scanner
from procura.documents.services import document_rescan

logger = logging.getLogger(__name__)
BATCH = 200


@db_periodic_task(crontab(minute="*/10"))
def rescan_failed_documents() -> int:
    """Rescan up to BATCH documents whose scan failed; returns how many are now settled."""
    if isinstance(configured_scanner(), NullScanner):
        return 0
    settled = 0
    for document in Document.objects.filter(scan_status=ScanStatus.FAILED).exclude(storage_name="")[:BATCH]:
        try:
            scanned = document_rescan(actor=None, document=document)
        except ProcuraError as exc:
            logger.warning("rescan not possible", extra={"document": str(document.pk), "reason": exc.message})
            continue
        settled += scanned.scan_status != ScanStatus.FAILED
    return settled
