"""The documents settings block, `settings.DOCUMENTS` (defaults and comments in settings.py)."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings


def documents_settings() -> dict[str, Any]:
    return cast(dict[str, Any], settings.DOCUMENTS)
