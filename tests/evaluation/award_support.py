"""Award and complaint test helpers: a tender whose bids are opened and qualified by a seated,
declared procurement officer, an award decided on it, and the wiring these tests need.

Test modules use the `award_setting` fixture (import it, then
`pytestmark = pytest.mark.usefixtures("award_setting")`): demo classifications, files stored in
a temporary folder and scanned by nothing, and the registrations EvaluationConfig.ready makes
for awards (complaint document rules, the tender page's award section).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.bids import services as bid_services
from procura.bids.models import Bid
from procura.classifications.services import load_demo_classifications
from procura.core import clock
from procura.evaluation import award_access, awards
from procura.evaluation import services as evaluation_services
from procura.evaluation.award_views import award_panel
from procura.evaluation.models import Award
from procura.suppliers.services import debarment_record
from procura.tenders.models import Lot, Tender
from procura.tenders.panels import register_tender_panel
from tests import factories
from tests.bids.support import after_opening, open_tender, submitted_bid
from tests.conftest import World

__all__ = [
    "CHEAPEST",
    "DAY",
    "REASONS",
    "SECOND",
    "Scenario",
    "award_setting",
    "debar",
    "decided",
    "disqualify",
    "opened",
    "qualified",
    "qualify",
    "third_bidder",
    "wire",
]

DAY = dt.timedelta(days=1)
CHEAPEST = "80000.00"  # world.supplier's price: ranked first
SECOND = "85000.00"  # world.other_supplier's price
REASONS = "The lowest price among the qualified bids."


def wire() -> None:
    """What EvaluationConfig.ready registers for awards (idempotent)."""
    award_access.register_document_rules()
    register_tender_panel("awards", award_panel, order=40)


@pytest.fixture
def award_setting(db: None, settings: Any, tmp_path: Path) -> None:
    load_demo_classifications()
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    settings.STANDSTILL_DAYS = 10
    wire()


@dataclass
class Scenario:
    world: World
    tender: Tender
    lot: Lot
    bids: dict[str, Bid] = field(default_factory=dict)  # by the bidder's name in World

    @property
    def winner(self) -> Bid:
        return self.bids["supplier"]

    @property
    def loser(self) -> Bid:
        return self.bids["other_supplier"]


def third_bidder() -> tuple[Organisation, User]:
    supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Third Firm Ltd")
    return supplier, factories.member(supplier, Role.BID_MANAGER)


def opened(
    world: World,
    time: clock.Clock,
    *,
    prices: dict[str, str] | None = None,
    extra: Sequence[tuple[Organisation, User, str]] = (),
    seat: bool = True,
    **overrides: Any,
) -> Scenario:
    """A tender with bids from world.supplier (cheapest) and world.other_supplier (and `extra`),
    opened; its evaluation started and, with `seat`, world.officer seated as an evaluator who
    declared no conflict (so may manage the evaluation)."""
    prices = {"supplier": CHEAPEST, "other_supplier": SECOND} if prices is None else prices
    tender = open_tender(world.officer, world.buyer, **overrides)
    lot = tender.lots.order_by("position").first()
    assert lot is not None
    scenario = Scenario(world=world, tender=tender, lot=lot)
    managers = {"supplier": world.bid_manager, "other_supplier": world.other_bid_manager}
    # Every quality criterion answered, so the bids are complete under any award criteria.
    answers = {f"criterion-{c.position}": "Our delivery plan." for c in tender.criteria.filter(kind="quality")}
    for name, price in prices.items():
        scenario.bids[name] = submitted_bid(tender, managers[name], getattr(world, name), price=price, answers=answers)[
            0
        ]
    for supplier, manager, price in extra:
        scenario.bids[supplier.legal_name] = submitted_bid(tender, manager, supplier, price=price, answers=answers)[0]
    time.set(after_opening(tender))
    bid_services.bids_open(tender=tender)
    evaluation_services.evaluation_for(tender)
    if seat:
        evaluation_services.panel_member_add(actor=world.officer, tender=tender, user=world.officer, role="evaluator")
        evaluation_services.declaration_sign(
            actor=world.officer, tender=tender, has_conflict=False, statement="", signed_name=world.officer.full_name
        )
    scenario.tender.refresh_from_db()
    return scenario


def qualify(scenario: Scenario, bid: Bid) -> None:
    officer = scenario.world.officer
    evaluation_services.assessment_record_checks(actor=officer, bid=bid, eligibility_met=True, exclusion_clear=True)
    evaluation_services.bid_qualify(actor=officer, bid=bid)


def disqualify(scenario: Scenario, bid: Bid, reason: str = "The tax certificate has expired.") -> None:
    evaluation_services.bid_disqualify(actor=scenario.world.officer, bid=bid, reason=reason)


def qualified(world: World, time: clock.Clock, **kwargs: Any) -> Scenario:
    """`opened`, with every bid qualified."""
    scenario = opened(world, time, **kwargs)
    for bid in scenario.bids.values():
        qualify(scenario, bid)
    return scenario


def decided(world: World, time: clock.Clock, **kwargs: Any) -> tuple[Scenario, Award]:
    """`qualified`, and the lot awarded to world.supplier's bid (standstill starts now)."""
    scenario = qualified(world, time, **kwargs)
    award = awards.award_decide(actor=world.officer, lot=scenario.lot, bid=scenario.winner, reasons=REASONS)
    return scenario, award


def debar(world: World, supplier: Organisation, *, starts_on: dt.datetime) -> None:
    debarment_record(
        actor=world.admin,
        supplier=supplier,
        reason="Collusive bidding found by the competition authority.",
        authority="Review board",
        starts_on=starts_on,
    )
