"""Supplier register fixtures: uploads kept in a temporary folder, and a register with an owner
and a qualification document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from procura.suppliers.models import BeneficialOwner, QualificationDocument
from procura.suppliers.services import beneficial_owner_add, qualification_document_add
from tests.conftest import World
from tests.documents.samples import PDF, named

TODAY = dt.date(2026, 3, 2)  # the frozen clock's day


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


def pdf(name: str = "certificate.pdf") -> Any:
    return named(PDF, name)


@dataclass
class Register:
    owner: BeneficialOwner
    qualification: QualificationDocument


@pytest.fixture
def register(world: World, frozen_clock: Any) -> Register:
    """The supplier's register: one owner with 60% and an ISO certificate expiring in a year."""
    owner = beneficial_owner_add(
        actor=world.bid_manager,
        organisation=world.supplier,
        name="Ana García",
        nationality="ES",
        share=Decimal("60"),
        date_of_birth=dt.date(1975, 4, 12),
        address="Calle Mayor 1, Madrid",
    )
    qualification = qualification_document_add(
        actor=world.bid_manager,
        organisation=world.supplier,
        kind="certificate",
        title="ISO 9001 certificate",
        file=pdf(),
        issued_on=dt.date(2025, 6, 1),
        expires_on=dt.date(2027, 3, 1),
    )
    return Register(owner=owner, qualification=qualification)
