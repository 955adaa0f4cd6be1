"""Tender fixtures: demo classifications and a ready-to-publish tender."""

from __future__ import annotations

import pytest

from procura.classifications.services import load_demo_classifications


@pytest.fixture(autouse=True)
def _classifications(db: None) -> None:
    load_demo_classifications()


@pytest.fixture(autouse=True)
def _no_bids_app_counters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tenders are tested on their own: the bids app's counter (which lets the sweep declare a
    tender without bids unsuccessful) is set aside; tests that need one register their own.
    tests/bids covers the real counter."""
    from procura.tenders import services

    monkeypatch.setattr(services, "_bid_counters", [])
