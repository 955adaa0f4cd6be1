"""Contract fixtures: demo classifications (tenders need them), files stored in a temporary
folder and scanned by nothing (bids are made on the way to an award)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from procura.classifications.services import load_demo_classifications


@pytest.fixture(autouse=True)
def _classifications(db: None) -> None:
    load_demo_classifications()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    return root
