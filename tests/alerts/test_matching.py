"""Which subscriptions a published tender reaches: each criterion, combinations, withheld
values, and one query however many subscriptions there are."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from procura.accounts.models import Membership
from procura.accounts.roles import Role
from procura.alerts import domain, matching
from procura.alerts.domain import Criteria
from procura.alerts.models import AlertSubscription, Notification
from procura.core import clock
from procura.tenders.models import Tender
from procura.tenders.services import LotDetails
from tests import factories
from tests.alerts.support import lots_with, subscribe
from tests.conftest import World
from tests.tenders.support import draft, item, published

GLOVES = "Sterile examination gloves, nitrile, size M"


def notified(tender: Tender) -> set[str]:
    """The names of the subscriptions that were told of the tender."""
    return set(
        Notification.objects.filter(tender=tender, subscription__isnull=False).values_list(
            "subscription__name", flat=True
        )
    )


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, True),
        ({"classifications": ["3314"]}, True),
        ({"classifications": ["33141000-0"]}, True),
        ({"classifications": ["33"]}, True),
        ({"classifications": ["45", "3314"]}, True),
        ({"classifications": ["3319"]}, False),
        ({"classifications": ["45"]}, False),
        ({"keywords": ["gloves"]}, True),
        ({"keywords": ["NITRILE"]}, True),  # any case
        ({"keywords": ["examination gloves"]}, True),  # a phrase
        ({"keywords": ["glove"]}, False),  # whole words only
        ({"keywords": ["gloves examination"]}, False),  # in order
        ({"keywords": ["regional"]}, True),  # from the title
        ({"keywords": ["two-year"]}, True),  # from the description
        ({"keywords": ["size m"]}, True),  # from an item
        ({"keywords": ["bandages", "nitrile"]}, True),  # any of them
        ({"value_min": "50000", "value_max": "90000", "currency": "GBP"}, True),  # bounds included
        ({"value_min": "90000", "currency": "GBP"}, True),
        ({"value_min": "90000.01", "currency": "GBP"}, False),
        ({"value_max": "89999.99", "currency": "GBP"}, False),
        ({"value_min": "1", "currency": "EUR"}, False),  # no conversion between currencies
        ({"classifications": ["3314"], "keywords": ["gloves"], "value_max": "100000", "currency": "GBP"}, True),
        ({"classifications": ["3314"], "keywords": ["bandages"], "value_max": "100000", "currency": "GBP"}, False),
        ({"classifications": ["3319"], "keywords": ["gloves"], "value_max": "100000", "currency": "GBP"}, False),
        ({"classifications": ["3314"], "keywords": ["gloves"], "value_max": "1000", "currency": "GBP"}, False),
    ],
)
def test_each_criterion_and_their_combination(
    world: World, frozen_clock: clock.Clock, criteria: dict[str, Any], expected: bool
) -> None:
    # given
    subscribe(world.bid_manager, world.supplier, name="mine", **criteria)
    # when
    tender = published(world.officer, world.buyer)
    # then
    assert notified(tender) == ({"mine"} if expected else set())


def test_buyers_criterion(world: World, frozen_clock: clock.Clock) -> None:
    # given
    subscribe(world.bid_manager, world.supplier, name="ministry", buyer_ids=[world.buyer.pk])
    subscribe(world.viewer, world.supplier, name="council", buyer_ids=[world.other_buyer.pk])
    subscribe(
        world.other_bid_manager, world.other_supplier, name="either", buyer_ids=[world.buyer.pk, world.other_buyer.pk]
    )
    # when
    tender = published(world.officer, world.buyer)
    # then
    assert notified(tender) == {"ministry", "either"}


def test_a_withheld_value_is_never_matched_or_excluded_by_a_range(world: World, frozen_clock: clock.Clock) -> None:
    # given a negotiated procedure, whose rules keep the estimate (90,000 GBP) secret
    subscribe(
        world.bid_manager, world.supplier, name="range around it", value_min="1", value_max="1000000", currency="GBP"
    )
    subscribe(world.viewer, world.supplier, name="range below it", value_max="10", currency="GBP")
    subscribe(world.other_bid_manager, world.other_supplier, name="no range", keywords=["gloves"])
    # when
    tender = published(world.officer, world.buyer, "negotiated")
    # then the range that contains the secret value is not told (that would reveal it), nor
    # is it told apart from the one that excludes it; only the subscription without a range
    assert matching.public_value(tender) is None
    assert notified(tender) == {"no range"}


def test_a_tender_without_an_estimate_matches_only_subscriptions_without_a_range(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given
    subscribe(world.bid_manager, world.supplier, name="range", value_min="0", currency="GBP")
    subscribe(world.viewer, world.supplier, name="no range")
    tender = draft(world.officer, world.buyer, value_amount=None)
    # when
    found = matching.matching_subscriptions(tender)
    # then
    assert {s.name for s in found} == {"no range"}


def test_codes_of_another_scheme_do_not_match_cpv_prefixes(world: World, frozen_clock: clock.Clock) -> None:
    # given a CPV prefix that is also the start of the UNSPSC code below
    subscribe(world.bid_manager, world.supplier, name="cpv 72", classifications=["72"])
    lots = (LotDetails(title="Lot", items=(item(classification_scheme="UNSPSC", classification_code="72000000"),)),)
    # when
    tender = published(world.officer, world.buyer, lots=lots)
    # then
    assert notified(tender) == set()


def test_people_who_left_the_supplier_or_closed_their_account_are_not_told(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given
    subscribe(world.bid_manager, world.supplier, name="left")
    subscribe(world.viewer, world.supplier, name="closed")
    subscribe(world.other_bid_manager, world.other_supplier, name="still here")
    Membership.objects.filter(user=world.bid_manager).delete()
    type(world.viewer).objects.filter(pk=world.viewer.pk).update(is_active=False)
    # when
    tender = published(world.officer, world.buyer)
    # then
    assert notified(tender) == {"still here"}


def test_one_notification_per_person_immediate_if_any_of_theirs_is(world: World, frozen_clock: clock.Clock) -> None:
    # given two matching subscriptions of one person
    subscribe(world.bid_manager, world.supplier, name="daily", frequency="daily")
    subscribe(world.bid_manager, world.supplier, name="immediate", keywords=["gloves"], frequency="immediate")
    # when
    tender = published(world.officer, world.buyer)
    # then
    (notification,) = Notification.objects.filter(tender=tender)
    assert (notification.delivery, notification.subscription and notification.subscription.name) == (
        "immediate",
        "immediate",
    )


def test_drafts_reach_nobody(world: World, frozen_clock: clock.Clock) -> None:
    subscribe(world.bid_manager, world.supplier, name="everything")
    draft(world.officer, world.buyer)
    assert not Notification.objects.exists()


def test_the_database_agrees_with_the_pure_rule(world: World, frozen_clock: clock.Clock) -> None:
    # given a spread of subscriptions
    cases: list[dict[str, Any]] = [
        {},
        {"classifications": ["4523"]},
        {"classifications": ["3314"], "keywords": ["ring road"]},
        {"keywords": ["roads"]},
        {"keywords": ["ring road", "bridge"]},
        {"buyer_ids": [world.other_buyer.pk]},
        {"value_min": "80000", "currency": "GBP"},
        {"value_min": "80000", "value_max": "85000", "currency": "GBP"},
        {"classifications": ["45233"], "keywords": ["resurfacing"], "buyer_ids": [world.buyer.pk]},
    ]
    for i, criteria in enumerate(cases):
        subscribe(world.bid_manager, world.supplier, name=f"case {i}", **criteria)
    tender = draft(
        world.officer,
        world.buyer,
        title="Resurfacing of the ring road",
        description="Road-works and two bridges.",
        lots=lots_with("45233140-2", "Roadworks"),
    )
    # when
    found = {s.name for s in matching.matching_subscriptions(tender)}
    # then
    facts = matching.tender_facts(tender)
    expected = set()
    for subscription in AlertSubscription.objects.prefetch_related("classifications", "keywords", "buyers"):
        criteria = Criteria(
            classification_prefixes=[c.prefix for c in subscription.classifications.all()],
            keyword_phrases=[k.phrase for k in subscription.keywords.all()],
            buyer_ids=[b.buyer_id for b in subscription.buyers.all()],
            value_min=subscription.value_min,
            value_max=subscription.value_max,
            currency=subscription.currency,
        )
        if domain.matches(criteria, facts):
            expected.add(subscription.name)
    assert found == expected
    assert found == {"case 0", "case 1", "case 6", "case 8", "case 4"}


def test_matching_takes_the_same_few_queries_for_many_subscriptions(
    world: World, frozen_clock: clock.Clock, django_assert_max_num_queries: Any
) -> None:
    # given many people with many subscriptions
    tender = draft(world.officer, world.buyer)
    people = [factories.member(world.supplier, Role.VIEWER) for _ in range(5)]
    for person in people:
        for i in range(8):
            subscribe(person, world.supplier, name=f"s{i}", keywords=["gloves", f"word{i}"], classifications=["33"])
    # when / then: the items, the candidates and their phrases
    with django_assert_max_num_queries(3):
        found = matching.matching_subscriptions(tender)
    assert len(found) == 40
    assert Decimal(tender.value_amount or 0) == Decimal("90000")
