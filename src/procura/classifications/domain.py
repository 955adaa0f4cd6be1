"""Pure rules of classification codes: formats, hierarchy levels, parents and search words.

CPV 2008 codes are 8 digits, a hyphen and a check digit (33141000-0). The hierarchy is in the
digits: the first two are the division, and each further non-zero digit goes one level down
(33000000 division, 33100000 group, 33140000 class, 33141000 category, then 33141xxx).
UNSPSC codes are 8 digits in pairs: segment, family, class and commodity (42140000 is a family).
"""

from __future__ import annotations

import re
import unicodedata

CPV = "CPV"
UNSPSC = "UNSPSC"
SCHEMES = (CPV, UNSPSC)

CPV_FORMAT = re.compile(r"^\d{8}-\d$")
UNSPSC_FORMAT = re.compile(r"^\d{8}$")

CPV_EXAMPLE = "33140000-3"
UNSPSC_EXAMPLE = "42140000"

# Enough for the longest English word in CPV and UNSPSC labels; a longer one is cut, not lost.
MAX_WORD_LENGTH = 64

_WORD = re.compile(r"[^\W_]+")


def scheme_of(value: str) -> str | None:
    """The scheme named by `value`, whatever its case ("cpv", "CPV"); None if there is no such scheme."""
    name = (value or "").strip().upper()
    return name if name in SCHEMES else None


def code_is_valid(scheme: str, code: str) -> bool:
    pattern = CPV_FORMAT if scheme == CPV else UNSPSC_FORMAT
    return bool(pattern.match(code))


def stem(code: str) -> str:
    """The 8 digits that place a code in its hierarchy (a CPV code without its check digit)."""
    return code[:8]


def level(scheme: str, code: str) -> int:
    """1 for a CPV division or UNSPSC segment, one more for each level below."""
    prefix = significant_prefix(scheme, code)
    return len(prefix) - 1 if scheme == CPV else len(prefix) // 2


def significant_prefix(scheme: str, code: str) -> str:
    """The digits that matter: every code at or below this one starts with them.

    CPV 33140000-3 gives "3314"; a division keeps its two digits (09000000-3 gives "09").
    UNSPSC 42140000 gives "4214", whole pairs only.
    """
    digits = stem(code)
    if scheme == CPV:
        return digits[: max(2, len(digits.rstrip("0")))]
    pairs = [digits[i : i + 2] for i in range(0, 8, 2)]
    kept = max([i + 1 for i, pair in enumerate(pairs) if pair != "00"], default=1)
    return "".join(pairs[:kept])


def ancestor_stems(scheme: str, code: str) -> list[str]:
    """The 8-digit stems of every level above `code`, nearest first (33141000 gives 33140000,
    33100000, 33000000). Only the structure: whether each exists is for the caller to find out."""
    prefix = significant_prefix(scheme, code)
    step = 1 if scheme == CPV else 2
    found: list[str] = []
    while len(prefix) > 2:
        # Cutting can leave zeros at the end, and those levels do not exist: 45201000 sits
        # directly under 45200000, so the prefix is taken again from the shorter stem.
        prefix = significant_prefix(scheme, prefix[:-step].ljust(8, "0"))
        found.append(prefix.ljust(8, "0"))
    return found


def words(text: str) -> list[str]:
    """The distinct search words of a description or query: lower case, without accents, in order."""
    folded = unicodedata.normalize("NFKD", text or "").casefold()
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    seen: dict[str, None] = {}
    for word in _WORD.findall(plain):
        seen.setdefault(word[:MAX_WORD_LENGTH], None)
    return list(seen)


def looks_like_code(query: str) -> bool:
    """A query of digits (with a hyphen before a check digit, perhaps) asks for codes, not words."""
    return bool(re.fullmatch(r"\d{1,8}(-\d?)?", query))
