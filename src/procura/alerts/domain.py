"""Pure rules of alerts: how keywords and classification prefixes are read, and when a tender
matches a subscription's criteria.

The database does the matching for real (`procura.alerts.matching`); the same rule is written
here over plain values so that it can be stated, tested and reasoned about in one place:
a tender matches when it satisfies every criterion that is set, and an empty criterion means any.
Within one criterion, any of its values will do (any of the codes, any of the keywords, any of
the buyers).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

# A classification prefix is the start of a CPV code: the division's two digits at least, at most
# the eight digits before the check digit.
PREFIX_FORMAT = re.compile(r"^\d{2,8}$")
FULL_CPV_FORMAT = re.compile(r"^(\d{8})(-\d)?$")

_WORD = re.compile(r"[^\W_]+")
# Keywords are matched against every distinct word of a tender; longer words are cut to this
# length on both sides, so nothing is lost, only made a little less exact.
MAX_WORD_LENGTH = 64


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"


class NotificationKind(StrEnum):
    NEW_TENDER = "new_tender"
    AMENDMENT = "amendment"
    CANCELLATION = "cancellation"
    ANSWER = "answer"


def words(text: str) -> list[str]:
    """The words of `text` in order: lower case, accents removed, punctuation dropped.

    "Road-works, Ávila" gives ["road", "works", "avila"]. Keyword and tender go through the same
    function, so a keyword matches whole words whatever their case or accents.
    """
    folded = unicodedata.normalize("NFKD", text or "").casefold()
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [word[:MAX_WORD_LENGTH] for word in _WORD.findall(plain)]


def keyword_phrase(keyword: str) -> str:
    """A keyword as it is stored and compared: its words joined by single spaces ("" if none)."""
    return " ".join(words(keyword))


def phrase_finder(text_words: Sequence[str]) -> Callable[[str], bool]:
    """Whether a keyword phrase occurs in the text as whole words, one after the other.

    Made once per text for many phrases: a set lookup for one word, a substring search over the
    space-joined words for more (spaces on both sides, so "road" never matches "roads").
    """
    distinct_words = set(text_words)
    joined = f" {' '.join(text_words)} "

    def found(phrase: str) -> bool:
        if not phrase:
            return False
        if " " not in phrase:
            return phrase in distinct_words
        return f" {phrase} " in joined

    return found


def classification_prefix(value: str) -> str | None:
    """The prefix a person means by `value`, or None when it is not a CPV code or its start.

    Digits are taken as the start of codes ("4521" is every code beginning 4521). A whole code,
    with or without its check digit ("45210000-2", "45210000"), stands for itself and everything
    under it, so its trailing zeros are dropped as the CPV hierarchy reads them (45210000 → 4521,
    a division keeps its two digits: 09000000 → 09).
    """
    value = (value or "").strip()
    whole = FULL_CPV_FORMAT.match(value)
    if whole:
        digits = whole.group(1)
        return digits[: max(2, len(digits.rstrip("0")))]
    if PREFIX_FORMAT.match(value):
        return value
    return None


def code_prefixes(code: str) -> set[str]:
    """Every prefix (2 to 8 digits) a subscription could hold that matches this item code."""
    digits = (code or "")[:8]
    if not digits.isdigit():
        return set()
    return {digits[:length] for length in range(2, len(digits) + 1)}


@dataclass(frozen=True, kw_only=True)
class TenderFacts:
    """What matching may use of a tender: only what its public page shows.

    `value` is None when the tender has no estimate or its procedure keeps the estimate secret:
    then the value is unknown, and a value range can neither include nor exclude the tender.
    """

    buyer_id: uuid.UUID
    words: Sequence[str]
    classification_codes: Collection[str]
    value: Decimal | None
    currency: str


@dataclass(frozen=True, kw_only=True)
class Criteria:
    classification_prefixes: Collection[str] = field(default_factory=tuple)
    keyword_phrases: Collection[str] = field(default_factory=tuple)
    buyer_ids: Collection[uuid.UUID] = field(default_factory=tuple)
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    currency: str = ""

    @property
    def has_value_range(self) -> bool:
        return self.value_min is not None or self.value_max is not None


def value_in_range(criteria: Criteria, value: Decimal | None, currency: str) -> bool:
    """An unknown value (absent or withheld) matches only a subscription without a range."""
    if not criteria.has_value_range:
        return True
    if value is None or currency != criteria.currency:
        return False
    if criteria.value_min is not None and value < criteria.value_min:
        return False
    return criteria.value_max is None or value <= criteria.value_max


def matches(criteria: Criteria, tender: TenderFacts) -> bool:
    """The matching rule over plain values (the database query in `matching` does the same)."""
    if criteria.classification_prefixes:
        prefixes = set().union(*(code_prefixes(code) for code in tender.classification_codes))
        if not prefixes & set(criteria.classification_prefixes):
            return False
    if criteria.buyer_ids and tender.buyer_id not in set(criteria.buyer_ids):
        return False
    found = phrase_finder(tender.words)
    if criteria.keyword_phrases and not any(found(p) for p in criteria.keyword_phrases):
        return False
    return value_in_range(criteria, tender.value, tender.currency)


def distinct(values: Iterable[str]) -> list[str]:
    """The values in their first order, without repeats or blanks."""
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)
