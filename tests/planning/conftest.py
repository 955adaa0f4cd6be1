"""Planning fixtures: classification codes, a draft and a published plan, a pending business case,
and uploads kept in a temporary folder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from procura.classifications.services import classifications_load
from procura.planning.models import BusinessCase, PlanLine, ProcurementPlan
from procura.planning.services import (
    PlanLineDetails,
    business_case_submit,
    plan_create,
    plan_line_add,
    plan_publish,
    spend_control_threshold_set,
)
from tests.conftest import World

MEDICAL = "33140000-3"
WORKS = "45000000-7"
NOTEBOOKS = "43211503"


def line_details(**overrides: Any) -> PlanLineDetails:
    """A valid plan line; override what a test is about."""
    values: dict[str, Any] = {
        "title": "Laboratory consumables",
        "description": "Gloves, pipettes and test tubes for the regional laboratories.",
        "main_category": "goods",
        "classification_scheme": "CPV",
        "classification_code": MEDICAL,
        "estimated_amount": Decimal("250000.00"),
        "currency": "EUR",
        "budget_source": "Health capital programme",
        "budget_reference": "HC-2027-14",
        "planned_tender_date": dt.date(2027, 3, 31),
        "procedure": "open",
        "lots": [],
    }
    values.update(overrides)
    return PlanLineDetails(**values)


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
def codes(db: None) -> None:
    classifications_load(
        scheme="CPV",
        rows=[
            {"code": "33000000-0", "description": "Medical equipments, pharmaceuticals and personal care products"},
            {"code": MEDICAL, "description": "Medical consumables"},
            {"code": WORKS, "description": "Construction work"},
        ],
    )
    classifications_load(scheme="UNSPSC", rows=[{"code": NOTEBOOKS, "description": "Notebook computers"}])


@dataclass
class Plans:
    draft: ProcurementPlan  # the buyer's 2027 plan, one line
    draft_line: PlanLine
    published: ProcurementPlan  # the buyer's 2026 plan, published, one line above the threshold
    published_line: PlanLine
    pending_case: BusinessCase  # submitted by the officer on the published line
    other: ProcurementPlan  # another buyer's published plan


@pytest.fixture
def plans(world: World, codes: None) -> Plans:
    draft = plan_create(actor=world.officer, buyer=world.buyer, year=2027, title="Purchases 2027")
    draft_line = plan_line_add(actor=world.officer, plan=draft, details=line_details())
    published = plan_create(actor=world.officer, buyer=world.buyer, year=2026, title="Purchases 2026")
    published_line = plan_line_add(
        actor=world.officer,
        plan=published,
        details=line_details(title="New wing of the hospital", main_category="works", classification_code=WORKS),
    )
    plan_publish(actor=world.officer, plan=published)
    spend_control_threshold_set(actor=world.approver, buyer=world.buyer, amount=Decimal("100000"), currency="EUR")
    pending_case = business_case_submit(
        actor=world.officer,
        plan_line=published_line,
        need="The hospital turns away 300 patients a month.",
        estimated_amount=Decimal("250000.00"),
        currency="EUR",
        options_considered="Doing nothing; renting a temporary building; building the wing.",
    )
    other = plan_create(actor=world.other_officer, buyer=world.other_buyer, year=2026, title="Council purchases")
    plan_line_add(actor=world.other_officer, plan=other, details=line_details(title="Road salt"))
    plan_publish(actor=world.other_officer, plan=other)
    return Plans(
        draft=draft,
        draft_line=draft_line,
        published=published,
        published_line=published_line,
        pending_case=pending_case,
        other=other,
    )
