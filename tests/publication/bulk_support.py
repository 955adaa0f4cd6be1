"""Helpers for the bulk file, export and Open data page tests: releases through the one write path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from procura.publication.models import Release
from procura.publication.services import release_store

PREFIX = "ocds-prcdev-"


def store(local_id: str, date: str, *, tag: str = "tender", **content: Any) -> Release:
    """Store one release of process `local_id` dated `date`, with a tender title by default."""
    release: dict[str, Any] = {
        "ocid": PREFIX + local_id,
        "date": date,
        "tag": [tag],
        "initiationType": "tender",
        "tender": {"id": local_id, "title": f"Tender {local_id}", "status": "active"},
    }
    release.update(content)
    return release_store(release=release)


@pytest.fixture
def bulk_dir(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "opendata"
    settings.PROCURA_BULK_DIR = str(folder)
    return folder
