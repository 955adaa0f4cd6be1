"""Evaluation fixtures: demo classifications, files in a temporary folder, and the wiring that
EvaluationConfig.ready() does (the panel decides who reads opened bids; the opening starts the
evaluation), made sure of here whatever the app config says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from procura.bids import access as bids_access
from procura.bids.events import BidsOpened
from procura.classifications.services import load_demo_classifications
from procura.core import events
from procura.evaluation import access
from procura.evaluation.handlers import on_bids_opened
from procura.tenders import panels


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


@pytest.fixture(autouse=True)
def _panel_reads_the_bids() -> Iterator[None]:
    """The rule EvaluationConfig.ready() installs; put back as it was after the test."""
    registered = access.can_read_bids in bids_access._opened_bid_readers
    access.connect()
    yield
    if not registered:
        bids_access.unregister_opened_bid_reader(access.can_read_bids)


@pytest.fixture(autouse=True)
def _opening_starts_the_evaluation() -> Iterator[None]:
    subscribed = on_bids_opened in events._handlers.get(BidsOpened, [])
    events.subscribe(BidsOpened, on_bids_opened)
    yield
    if not subscribed:
        events.unsubscribe(BidsOpened, on_bids_opened)


@pytest.fixture(autouse=True)
def _evaluation_on_the_tender_page() -> Iterator[None]:
    from procura.evaluation.views import tender_panel

    registered = any(name == "evaluation" for _order, name, _panel in panels._panels)
    if not registered:
        panels.register_tender_panel("evaluation", tender_panel, order=30)
    yield
    if not registered:
        panels._panels[:] = [entry for entry in panels._panels if entry[1] != "evaluation"]
