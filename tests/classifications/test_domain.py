"""The hierarchy of CPV and UNSPSC codes follows from their digits: pure rules, no database."""

from __future__ import annotations

import pytest

from procura.classifications import domain


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("33000000-0", 1, "33"),
        ("09000000-3", 1, "09"),
        ("30000000-9", 1, "30"),
        ("33100000-1", 2, "331"),
        ("33140000-3", 3, "3314"),
        ("33141000-0", 4, "33141"),
        ("34144900-7", 5, "341449"),
        ("45233140-2", 6, "4523314"),
        ("33141623-3", 7, "33141623"),
    ],
)
def test_cpv_level_and_prefix_follow_from_the_significant_digits(code: str, level: int, prefix: str) -> None:
    # given a CPV code
    # when its level and prefix are worked out
    # then each non-zero digit after the division is one level down
    assert domain.level(domain.CPV, code) == level
    assert domain.significant_prefix(domain.CPV, code) == prefix


def test_cpv_ancestors_replace_the_last_significant_digit_with_zero() -> None:
    # given a CPV category code
    # when its ancestors are worked out
    stems = domain.ancestor_stems(domain.CPV, "33141000-0")

    # then they are the class, the group and the division, nearest first
    assert stems == ["33140000", "33100000", "33000000"]


def test_cpv_levels_skipped_by_a_zero_are_not_ancestors() -> None:
    # given codes whose next level up ends in a zero
    # when their ancestors are worked out
    # then the missing level is skipped
    assert domain.ancestor_stems(domain.CPV, "45201000-9") == ["45200000", "45000000"]
    assert domain.ancestor_stems(domain.CPV, "45233140-2") == [
        "45233100",
        "45233000",
        "45230000",
        "45200000",
        "45000000",
    ]


def test_a_cpv_division_has_no_ancestors() -> None:
    assert domain.ancestor_stems(domain.CPV, "09000000-3") == []


@pytest.mark.parametrize(
    ("code", "level", "prefix", "ancestors"),
    [
        ("42000000", 1, "42", []),
        ("42140000", 2, "4214", ["42000000"]),
        ("43211500", 3, "432115", ["43210000", "43000000"]),
        ("43211503", 4, "43211503", ["43211500", "43210000", "43000000"]),
    ],
)
def test_unspsc_hierarchy_goes_by_pairs_of_digits(code: str, level: int, prefix: str, ancestors: list[str]) -> None:
    # given a UNSPSC segment, family, class or commodity
    # when its place in the hierarchy is worked out
    # then each pair of digits is one level
    assert domain.level(domain.UNSPSC, code) == level
    assert domain.significant_prefix(domain.UNSPSC, code) == prefix
    assert domain.ancestor_stems(domain.UNSPSC, code) == ancestors


@pytest.mark.parametrize(
    ("scheme", "code", "valid"),
    [
        ("CPV", "33140000-3", True),
        ("CPV", "33140000", False),
        ("CPV", "3314000-3", False),
        ("CPV", "33140000-33", False),
        ("CPV", "33l40000-3", False),
        ("UNSPSC", "42140000", True),
        ("UNSPSC", "4214000", False),
        ("UNSPSC", "42140000-1", False),
    ],
)
def test_code_formats(scheme: str, code: str, valid: bool) -> None:
    assert domain.code_is_valid(scheme, code) is valid


def test_search_words_are_folded_to_lower_case_without_accents() -> None:
    # given a description with capitals, accents, punctuation and a repeated word
    # when its words are taken
    found = domain.words("Médical equipments; IT-services (excl. waste) and medical")

    # then each appears once, folded, in order
    assert found == ["medical", "equipments", "it", "services", "excl", "waste", "and"]


def test_scheme_names_are_understood_in_any_case() -> None:
    assert domain.scheme_of("cpv") == "CPV"
    assert domain.scheme_of(" Unspsc ") == "UNSPSC"
    assert domain.scheme_of("naics") is None
