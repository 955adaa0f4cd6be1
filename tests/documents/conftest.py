"""Documents tests store files in a temporary folder and scan with nothing unless they say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


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


@pytest.fixture
def clamd_at(settings: Any) -> Any:
    """Point the platform at a clamd address."""

    def point(address: str) -> None:
        settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": address, "clamd_timeout": 5.0}

    return point
