"""Building tenders through the services, as a buyer would."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from procura.accounts.models import Organisation, User
from procura.core import clock
from procura.tenders.models import Tender
from procura.tenders.services import (
    CriterionDetails,
    ItemDetails,
    LotDetails,
    TenderDetails,
    tender_create,
    tender_publish,
)

DAY = dt.timedelta(days=1)


def item(**overrides: Any) -> ItemDetails:
    values: dict[str, Any] = {
        "description": "Sterile examination gloves, nitrile, size M",
        "classification_scheme": "CPV",
        "classification_code": "33141000-0",
        "quantity": "20000",
        "unit_code": "C62",
    }
    values.update(overrides)
    return ItemDetails(**values)


def details(procedure: str = "open", **overrides: Any) -> TenderDetails:
    """A complete tender for `procedure`, with dates relative to now."""
    now = clock.now()
    values: dict[str, Any] = {
        "title": "Examination gloves for regional hospitals",
        "description": "Two-year supply of nitrile examination gloves.",
        "main_category": "goods",
        "procedure": procedure,
        "currency": "GBP",
        "value_amount": Decimal("90000"),
        "award_criteria": "priceOnly",
        "lots": (LotDetails(title="Gloves", items=(item(),)),),
    }
    if procedure in {"open", "request_for_quotation"}:
        values |= {
            "enquiry_end": now + 10 * DAY,
            "tender_end": now + 20 * DAY,
            "bid_opening_at": now + 20 * DAY + dt.timedelta(hours=1),
        }
    elif procedure == "restricted":
        values |= {
            "qualification_end": now + 12 * DAY,
            "enquiry_end": now + 20 * DAY,
            "tender_start": now + 13 * DAY,
            "tender_end": now + 30 * DAY,
            "bid_opening_at": now + 30 * DAY + dt.timedelta(hours=1),
        }
    elif procedure == "negotiated":
        values |= {"tender_end": now + 6 * DAY, "procedure_justification": "Extreme urgency after the floods."}
    elif procedure == "direct":
        values |= {"procedure_justification": "Only one supplier holds the patent."}
    values.update(overrides)
    return TenderDetails(**values)


def rated(**overrides: Any) -> TenderDetails:
    return replace(
        details(**overrides),
        award_criteria="ratedCriteria",
        criteria=(
            CriterionDetails(name="Price", kind="price", weight="60"),
            CriterionDetails(name="Delivery plan", kind="quality", weight="40"),
        ),
    )


def draft(officer: User, buyer: Organisation, procedure: str = "open", **overrides: Any) -> Tender:
    return tender_create(actor=officer, buyer=buyer, details=details(procedure, **overrides))


def published(officer: User, buyer: Organisation, procedure: str = "open", **overrides: Any) -> Tender:
    return tender_publish(actor=officer, tender=draft(officer, buyer, procedure, **overrides))
