"""Alert fixtures: demo classifications (tenders need them) and ready-made subscriptions."""

from __future__ import annotations

import pytest

from procura.classifications.services import load_demo_classifications


@pytest.fixture(autouse=True)
def _classifications(db: None) -> None:
    load_demo_classifications()
