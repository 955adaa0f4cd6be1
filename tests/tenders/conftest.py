"""Tender fixtures: demo classifications and a ready-to-publish tender."""

from __future__ import annotations

import pytest

from procura.classifications.services import load_demo_classifications


@pytest.fixture(autouse=True)
def _classifications(db: None) -> None:
    load_demo_classifications()
