"""Building evaluations through the services: tenders with opened bids, and a seated panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.bids import services as bids_services
from procura.bids.models import Bid
from procura.core import clock
from procura.evaluation import services
from procura.evaluation.models import PanelMember
from procura.tenders.models import Criterion, Lot, Tender
from procura.tenders.services import tender_create, tender_publish
from tests import factories
from tests.bids.support import after_opening, submitted_bid
from tests.conftest import World
from tests.tenders.support import details, rated

ESTIMATE = Decimal("1100")  # prices from 770 up are not abnormally low against it (share 0.7)


@dataclass
class Scene:
    """A tender whose bids are opened: the supplier's bid, the rival's, and any others."""

    world: World
    tender: Tender
    bid: Bid  # world.supplier's
    rival: Bid  # world.other_supplier's
    others: list[Bid] = field(default_factory=list)
    people: dict[str, User] = field(default_factory=dict)

    @property
    def lot(self) -> Lot:
        lot = self.tender.lots.order_by("position").first()
        assert lot is not None
        return lot

    @property
    def quality(self) -> Criterion:
        criterion = self.tender.criteria.filter(kind="quality").order_by("position").first()
        assert criterion is not None
        return criterion

    def refresh(self) -> Scene:
        self.tender.refresh_from_db()
        for bid in (self.bid, self.rival, *self.others):
            bid.refresh_from_db()
        return self


def tender_with(world: World, *, method: str = "price", **overrides: Any) -> Tender:
    overrides.setdefault("value_amount", ESTIMATE)
    made = rated(**overrides) if method == "rated" else details(**overrides)
    return tender_publish(
        actor=world.officer, tender=tender_create(actor=world.officer, buyer=world.buyer, details=made)
    )


def answers_for(tender: Tender) -> dict[str, str]:
    return {question.key: "Our method, in detail." for question in bids_services.questions_for(tender)}


def another_bidder(name: str) -> tuple[Organisation, User]:
    supplier = factories.organisation(OrganisationKind.SUPPLIER, name=name)
    return supplier, factories.member(supplier, Role.BID_MANAGER)


def opened(
    world: World,
    time: clock.Clock,
    *,
    method: str = "price",
    prices: tuple[str, ...] = ("1000.00", "1200.00"),
    **overrides: Any,
) -> Scene:
    """A tender with a bid of the supplier, one of its rival (and more for more prices), opened."""
    tender = tender_with(world, method=method, **overrides)
    answers = answers_for(tender)
    bid, _ = submitted_bid(tender, world.bid_manager, world.supplier, price=prices[0], answers=answers)
    rival, _ = submitted_bid(tender, world.other_bid_manager, world.other_supplier, price=prices[1], answers=answers)
    others = []
    for n, price in enumerate(prices[2:], start=1):
        supplier, manager = another_bidder(f"Third Firm {n} Ltd")
        others.append(submitted_bid(tender, manager, supplier, price=price, answers=answers)[0])
    time.set(after_opening(tender))
    bids_services.bids_open(tender=tender)
    return Scene(world=world, tender=tender, bid=bid, rival=rival, others=others).refresh()


def seat(
    scene: Scene,
    person: User,
    *,
    role: str = "evaluator",
    declare: bool = True,
    conflict: bool = False,
    affiliation: str = "",
) -> PanelMember:
    member = services.panel_member_add(
        actor=scene.world.officer, tender=scene.tender, user=person, role=role, affiliation=affiliation
    )
    if declare:
        services.declaration_sign(
            actor=person,
            tender=scene.tender,
            has_conflict=conflict,
            statement="My brother runs Rival Firm Ltd." if conflict else "",
            signed_name=person.full_name,
        )
    return member


def panel_people(world: World) -> dict[str, User]:
    """The panel's own people: an independent observer, and two members of the buyer."""
    return {
        "observer": factories.user(full_name="Olga Observer"),
        "undeclared": factories.member(world.buyer, Role.EVALUATOR),
        "recused": factories.member(world.buyer, Role.EVALUATOR),
    }


def full_panel(scene: Scene, people: dict[str, User] | None = None) -> Scene:
    """The panel every matrix uses: the officer and the evaluator seated and declared; an
    independent observer declared; a buyer member seated but not declared; one recused."""
    world = scene.world
    people = people or panel_people(world)
    seat(scene, world.officer)
    seat(scene, world.evaluator)
    seat(scene, people["observer"], role="observer", affiliation="Transparency Watch")
    seat(scene, people["undeclared"], declare=False)
    seat(scene, people["recused"], conflict=True)
    scene.people.update(people)
    return scene
