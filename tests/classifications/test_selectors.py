"""Reading classifications: get, search by code prefix and by word, the hierarchy, and units."""

from __future__ import annotations

import pytest

from procura.classifications.models import Classification, Unit
from procura.classifications.selectors import (
    classification_ancestors,
    classification_children,
    classification_descendant_codes,
    classification_get,
    classification_prefix,
    classification_search,
    unit_get,
    units,
)
from procura.classifications.services import load_demo_classifications


@pytest.fixture
def demo_codes(db: None) -> None:
    load_demo_classifications()


def _codes(found: list[Classification]) -> list[str]:
    return [c.code for c in found]


def test_get_finds_a_code_by_scheme_in_any_case(demo_codes: None) -> None:
    # given the demo codes
    # when codes are looked up
    found = classification_get(scheme="cpv", code="33140000-3")

    # then the code is found with its description, and unknown codes or schemes give None
    assert found is not None
    assert (found.scheme, found.description, found.level, found.parent_code) == (
        "CPV",
        "Medical consumables",
        3,
        "33100000-1",
    )
    assert classification_get(scheme="CPV", code="33140000-4") is None
    assert classification_get(scheme="UNSPSC", code="33140000-3") is None
    assert classification_get(scheme="naics", code="33140000-3") is None


def test_search_by_code_prefix(demo_codes: None) -> None:
    # given the demo codes
    # when codes are searched by their first digits
    found = classification_search(scheme="CPV", query="3314")

    # then the class and everything under it is found, in code order
    assert _codes(found) == ["33140000-3", "33141000-0"]
    assert _codes(classification_search(scheme="CPV", query="33140000-3")) == ["33140000-3"]
    assert _codes(classification_search(scheme="UNSPSC", query="4321")) == [
        "43210000",
        "43211500",
        "43211503",
        "43211507",
    ]


def test_search_by_words_matches_the_start_of_words_in_any_case(demo_codes: None) -> None:
    # given the demo codes
    # when codes are searched by words
    found = classification_search(scheme="CPV", query="MEDICAL consum")

    # then codes whose description has every word are found
    assert _codes(found) == ["33140000-3", "33141000-0"]
    assert _codes(classification_search(scheme="CPV", query="cleaning")) == [
        "90000000-7",
        "90900000-6",
        "90910000-9",
        "90911000-6",
        "90911200-8",
    ]
    # a word is matched from its start: "ware" is not in "software"
    assert classification_search(scheme="CPV", query="ware") == []


def test_search_across_schemes_and_with_a_limit(demo_codes: None) -> None:
    # given the demo codes of both schemes
    # when searching without a scheme
    found = classification_search(query="computers")

    # then both schemes answer, CPV first
    assert [(c.scheme, c.code) for c in found] == [
        ("CPV", "30213000-5"),
        ("CPV", "30213100-6"),
        ("UNSPSC", "43211500"),
        ("UNSPSC", "43211503"),
        ("UNSPSC", "43211507"),
    ]
    assert _codes(classification_search(query="computers", limit=2)) == ["30213000-5", "30213100-6"]
    assert classification_search(scheme="naics", query="computers") == []
    assert classification_search(scheme="CPV", query="!!!") == []


def test_search_without_a_query_gives_the_first_codes(demo_codes: None) -> None:
    assert _codes(classification_search(scheme="UNSPSC", limit=3)) == ["42000000", "42140000", "43000000"]


def test_cpv_ancestors_come_root_first(demo_codes: None) -> None:
    # given a CPV code six levels down
    roadworks = classification_get(scheme="CPV", code="45233140-2")
    assert roadworks is not None

    # when its ancestors are read
    found = classification_ancestors(roadworks)

    # then they run from the division down to its parent
    assert _codes(found) == ["45000000-7", "45200000-9", "45230000-8", "45233000-9", "45233100-0"]


def test_unspsc_ancestors_come_root_first(demo_codes: None) -> None:
    notebook = classification_get(scheme="UNSPSC", code="43211503")
    assert notebook is not None
    assert _codes(classification_ancestors(notebook)) == ["43000000", "43210000", "43211500"]


def test_a_top_level_code_has_no_ancestors(demo_codes: None) -> None:
    division = classification_get(scheme="CPV", code="72000000-5")
    assert division is not None
    assert classification_ancestors(division) == []


def test_children_are_the_codes_directly_below(demo_codes: None) -> None:
    medical = classification_get(scheme="CPV", code="33100000-1")
    assert medical is not None
    assert _codes(classification_children(medical)) == ["33140000-3", "33190000-8"]


def test_prefix_selects_a_code_and_everything_under_it() -> None:
    # given codes at several levels
    # when their prefixes are taken
    # then every code below starts with it
    assert classification_prefix(scheme="CPV", code="33140000-3") == "3314"
    assert classification_prefix(scheme="cpv", code="09000000-3") == "09"
    assert classification_prefix(scheme="UNSPSC", code="42140000") == "4214"
    with pytest.raises(ValueError, match="'33140000' is not a CPV code"):
        classification_prefix(scheme="CPV", code="33140000")


def test_descendant_codes_include_the_code_itself(demo_codes: None) -> None:
    assert classification_descendant_codes(scheme="CPV", code="33100000-1") == [
        "33100000-1",
        "33140000-3",
        "33141000-0",
        "33190000-8",
        "33199000-1",
    ]
    assert classification_descendant_codes(scheme="CPV", code="33150000-6") == []
    assert classification_descendant_codes(scheme="CPV", code="not a code") == []


@pytest.mark.django_db
def test_units_exist_after_migrate() -> None:
    # given a freshly migrated database
    # when the units are read
    codes = {unit.code for unit in units()}

    # then the UN/CEFACT units of the platform are all there
    assert {
        "C62",
        "KGM",
        "LTR",
        "MTR",
        "MTK",
        "MTQ",
        "HUR",
        "DAY",
        "MON",
        "E48",
        "SET",
        "PR",
        "BX",
        "TNE",
        "KMT",
    } <= codes
    assert Unit.objects.count() == len(codes)


@pytest.mark.django_db
def test_unit_get_by_code() -> None:
    kilogram = unit_get("kgm")
    assert kilogram is not None
    assert (kilogram.code, kilogram.name) == ("KGM", "kilogram")
    assert unit_get("XYZ") is None
