"""Periodic open data jobs: keep the bulk files in step with the release outbox."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task
from huey.exceptions import TaskLockedException

from procura.publication.bulk import bulk_refresh

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))
def refresh_bulk_files() -> list[str]:
    """Rebuild the bulk files of the months and years whose releases changed. A run that finds
    the previous one still working skips its turn instead of writing the same files twice."""
    try:
        with lock_task("publication-bulk-refresh"):
            result = bulk_refresh()
    except TaskLockedException:
        logger.info("bulk files: the previous refresh is still running; skipped")
        return []
    if result.built or result.removed:
        logger.info(
            "bulk files: built %s, removed %s", ", ".join(result.built) or "none", ", ".join(result.removed) or "none"
        )
    return result.built
