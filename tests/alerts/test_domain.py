"""The pure rules of alerts: reading keywords and codes, and when a tender matches."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from procura.alerts import domain
from procura.alerts.domain import Criteria, TenderFacts

BUYER = uuid.uuid4()
OTHER_BUYER = uuid.uuid4()


def facts(**overrides: object) -> TenderFacts:
    values: dict[str, object] = {
        "buyer_id": BUYER,
        "words": domain.words("Resurfacing of the ring road, Ávila. Road-works and bridges."),
        "classification_codes": ["45233140-2"],
        "value": Decimal("250000"),
        "currency": "EUR",
    }
    values.update(overrides)
    return TenderFacts(**values)  # type: ignore[arg-type]


def test_words_are_folded_for_case_accents_and_punctuation() -> None:
    assert domain.words("Road-works, ÁVILA café_bar") == ["road", "works", "avila", "cafe", "bar"]


def test_a_keyword_phrase_is_its_words_joined() -> None:
    assert domain.keyword_phrase("  Ring   ROAD ") == "ring road"
    assert domain.keyword_phrase("--") == ""


@pytest.mark.parametrize(
    ("typed", "prefix"),
    [
        ("4521", "4521"),
        ("45", "45"),
        ("45210000-2", "4521"),
        ("45210000", "4521"),
        ("09000000-3", "09"),
        ("45233140-2", "4523314"),
        ("4", None),
        ("452100001", None),
        ("road", None),
        ("4521-", None),
        ("", None),
    ],
)
def test_classification_prefixes_are_read_as_people_mean_them(typed: str, prefix: str | None) -> None:
    assert domain.classification_prefix(typed) == prefix


def test_an_item_code_offers_every_prefix_from_its_division_down() -> None:
    assert domain.code_prefixes("45233140-2") == {"45", "452", "4523", "45233", "452331", "4523314", "45233140"}
    assert domain.code_prefixes("not a code") == set()


@pytest.mark.parametrize(
    ("phrase", "found"),
    [
        ("road", True),
        ("ring road", True),
        ("roads", False),  # whole words only
        ("oad", False),
        ("bridge", False),  # "bridges" is another word
        ("bridges", True),
        ("road works", True),  # "Road-works" reads as two words
        ("avila", True),
        ("ring bridges", False),  # the words must be next to each other
        ("", False),
    ],
)
def test_keywords_match_whole_words_in_order(phrase: str, found: bool) -> None:
    occurs = domain.phrase_finder(domain.words("Resurfacing of the ring road, Ávila. Road-works and bridges."))
    assert occurs(phrase) is found


def test_empty_criteria_match_any_tender() -> None:
    assert domain.matches(Criteria(), facts())
    assert domain.matches(Criteria(), facts(value=None, classification_codes=[], words=[]))


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (Criteria(classification_prefixes=["4523"]), True),
        (Criteria(classification_prefixes=["3314", "4523"]), True),
        (Criteria(classification_prefixes=["3314"]), False),
        (Criteria(keyword_phrases=["bridges"]), True),
        (Criteria(keyword_phrases=["tunnel", "ring road"]), True),
        (Criteria(keyword_phrases=["tunnel"]), False),
        (Criteria(buyer_ids=[BUYER]), True),
        (Criteria(buyer_ids=[OTHER_BUYER]), False),
        (Criteria(value_min=Decimal("100000"), value_max=Decimal("250000"), currency="EUR"), True),
        (Criteria(value_min=Decimal("250000.01"), currency="EUR"), False),
        (Criteria(value_max=Decimal("249999.99"), currency="EUR"), False),
        (Criteria(value_min=Decimal("1"), currency="GBP"), False),  # another currency is not compared
        # every criterion that is set must hold
        (Criteria(classification_prefixes=["4523"], keyword_phrases=["road"], buyer_ids=[BUYER]), True),
        (Criteria(classification_prefixes=["4523"], keyword_phrases=["road"], buyer_ids=[OTHER_BUYER]), False),
        (Criteria(classification_prefixes=["3314"], keyword_phrases=["road"], buyer_ids=[BUYER]), False),
        (Criteria(classification_prefixes=["4523"], keyword_phrases=["tunnel"], buyer_ids=[BUYER]), False),
    ],
)
def test_a_tender_matches_when_every_criterion_set_holds(criteria: Criteria, expected: bool) -> None:
    assert domain.matches(criteria, facts()) is expected


def test_an_unknown_value_matches_only_without_a_range() -> None:
    # given a tender whose estimate is withheld (or absent)
    unknown = facts(value=None)
    # then no range, however wide, includes it, and no range excludes it either
    assert domain.matches(Criteria(), unknown)
    assert not domain.matches(Criteria(value_min=Decimal("0"), currency="EUR"), unknown)
    assert not domain.matches(Criteria(value_max=Decimal("1"), currency="EUR"), unknown)
