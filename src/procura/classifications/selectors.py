"""Reads for classifications: find a code, search codes, walk the hierarchy, list units.

Other apps store a scheme and a code string and use these functions; to select "this code and
everything under it" in their own tables they filter on `code__startswith=classification_prefix(...)`.
"""

from __future__ import annotations

from django.db.models import Q

from procura.classifications import domain
from procura.classifications.models import Classification, ClassificationWord, Unit

MAX_SEARCH_RESULTS = 100


def classification_get(*, scheme: str, code: str) -> Classification | None:
    """The classification with exactly this code, or None (also for an unknown scheme)."""
    name = domain.scheme_of(scheme)
    if name is None:
        return None
    return Classification.objects.filter(scheme=name, code=(code or "").strip()).first()


def classification_search(*, scheme: str | None = None, query: str = "", limit: int = 20) -> list[Classification]:
    """Codes in code order. A query of digits matches codes that start with them ("3314",
    "33140000-3"); any other query matches descriptions containing a word that starts with each
    of its words, whatever their case or accents ("medical cons" finds "Medical consumables").
    No query gives the first codes. An unknown scheme finds nothing."""
    limit = max(1, min(limit, MAX_SEARCH_RESULTS))
    found = Classification.objects.all()
    if scheme is not None:
        name = domain.scheme_of(scheme)
        if name is None:
            return []
        found = found.filter(scheme=name)
    query = (query or "").strip()
    if domain.looks_like_code(query):
        found = found.filter(code__startswith=query)
    else:
        terms = domain.words(query)
        if query and not terms:
            return []
        for term in terms:
            found = found.filter(
                pk__in=ClassificationWord.objects.filter(word__startswith=term).values("classification_id")
            )
    return list(found.order_by("scheme", "code")[:limit])


def classification_prefix(*, scheme: str, code: str) -> str:
    """The significant start of a code, shared by the code and every code under it:
    CPV "33140000-3" gives "3314", UNSPSC "42140000" gives "4214". The code need not be loaded,
    but must be well-formed for its scheme (ValueError otherwise)."""
    name = domain.scheme_of(scheme)
    code = (code or "").strip()
    if name is None or not domain.code_is_valid(name, code):
        raise ValueError(f"{code!r} is not a {scheme} code")
    return domain.significant_prefix(name, code)


def classification_ancestors(classification: Classification) -> list[Classification]:
    """The loaded codes above this one, the top of the tree first (33000000-0, 33100000-1,
    33140000-3 for 33141000-0). Levels missing from the loaded list are skipped."""
    stems = domain.ancestor_stems(classification.scheme, classification.code)
    if not stems:
        return []
    if classification.scheme == domain.CPV:
        condition = Q()
        for stem in stems:
            condition |= Q(code__startswith=f"{stem}-")
    else:
        condition = Q(code__in=stems)
    return list(Classification.objects.filter(condition, scheme=classification.scheme).order_by("level", "code"))


def classification_children(classification: Classification) -> list[Classification]:
    """The codes directly under this one, in code order."""
    return list(
        Classification.objects.filter(scheme=classification.scheme, parent_code=classification.code).order_by("code")
    )


def classification_descendant_codes(*, scheme: str, code: str) -> list[str]:
    """This code and every loaded code under it, in code order ([] for an unknown or malformed code)."""
    try:
        prefix = classification_prefix(scheme=scheme, code=code)
    except ValueError:
        return []
    name = domain.scheme_of(scheme)
    if not Classification.objects.filter(scheme=name, code=code.strip()).exists():
        return []
    return list(
        Classification.objects.filter(scheme=name, code__startswith=prefix)
        .order_by("code")
        .values_list("code", flat=True)
    )


def unit_get(code: str) -> Unit | None:
    """The unit of measure with this UN/CEFACT Recommendation 20 code ("KGM"), or None."""
    return Unit.objects.filter(code=(code or "").strip().upper()).first()


def units() -> list[Unit]:
    """Every unit of measure, by name."""
    return list(Unit.objects.order_by("name", "code"))
