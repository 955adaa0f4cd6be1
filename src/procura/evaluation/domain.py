"""Bid scoring that needs no database: weights, marks, points, abnormally low prices and ranking.

Lowest price ranks bids by price alone. Price and quality (MEAT) gives each bid points out of 100:

    price points   = lowest price / bid price * price weight
    quality points = sum over quality criteria of mark / 10 * criterion weight

Every division is done exactly (with fractions) and rounded once, to POINTS_PLACES with
ROUND_HALF_EVEN, so the same inputs give the same points on every machine and a bid's points
never exceed the weight they are drawn from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


def gettext_noop(message: str) -> str:
    """Marks a message for translation; services translate it."""
    return message


class Method(StrEnum):
    """How bids are compared, chosen from the tender's OCDS awardCriteria."""

    LOWEST_PRICE = "lowest_price"  # awardCriteria priceOnly / costOnly
    PRICE_QUALITY = "price_quality"  # awardCriteria ratedCriteria


_METHODS = {"priceOnly": Method.LOWEST_PRICE, "costOnly": Method.LOWEST_PRICE, "ratedCriteria": Method.PRICE_QUALITY}


def method_for(award_criteria: str) -> Method:
    try:
        return _METHODS[award_criteria]
    except KeyError:
        raise ValueError(f"no evaluation method for award criteria {award_criteria!r}") from None


class ScoreMode(StrEnum):
    """Whether a criterion's mark is the mean of the panel's marks or a mark the panel agreed."""

    AVERAGE = "average"
    CONSENSUS = "consensus"


MARK_MIN = Decimal(0)
MARK_MAX = Decimal(10)
MARK_STEP = Decimal("0.1")  # marks have at most one decimal place
POINTS_PLACES = Decimal("0.0001")
TOTAL_WEIGHT = Decimal(100)
ZERO_POINTS = Decimal("0.0000")

PRICE_KINDS = frozenset({"price", "cost"})
QUALITY_KIND = "quality"

WEIGHT_NOT_POSITIVE = gettext_noop("Each weight must be more than 0.")
WEIGHT_TOO_PRECISE = gettext_noop("A weight has at most 4 decimal places.")
WEIGHTS_NOT_100 = gettext_noop("The weights must add up to exactly 100.")
ONE_PRICE_CRITERION = gettext_noop("There must be exactly one price or cost criterion.")
QUALITY_CRITERION_NEEDED = gettext_noop("There must be at least one quality criterion.")
UNKNOWN_KIND = gettext_noop("Each criterion is price, cost or quality.")
DUPLICATE_CRITERION = gettext_noop("Each criterion appears only once.")
MARK_OUT_OF_RANGE = gettext_noop("A mark is from 0 to 10.")
MARK_TOO_PRECISE = gettext_noop("A mark has at most one decimal place.")


def _points(value: Fraction) -> Decimal:
    """An exact value rounded once to POINTS_PLACES, half to even (round() on a Fraction is)."""
    return Decimal(round(value / Fraction(POINTS_PLACES))) * POINTS_PLACES


def _is_multiple(value: Decimal, step: Decimal) -> bool:
    return (Fraction(value) / Fraction(step)).denominator == 1


# --- Weights and marks --------------------------------------------------------------------------
@dataclass(frozen=True)
class CriterionWeight:
    key: str  # criterion id
    kind: str  # "price" | "cost" | "quality"
    weight: Decimal  # percentage points


def weights_problems(criteria: Sequence[CriterionWeight]) -> list[str]:
    """What stops these criteria from scoring price and quality; [] when they can."""
    problems: list[str] = []
    weights = [c.weight for c in criteria]
    if not all(w.is_finite() and w > 0 for w in weights):
        problems.append(WEIGHT_NOT_POSITIVE)
    # Points are rounded to 4 places; a weight with more could round above itself (and 100).
    elif not all(_is_multiple(w, POINTS_PLACES) for w in weights):
        problems.append(WEIGHT_TOO_PRECISE)
    if not all(w.is_finite() for w in weights) or sum(weights, Decimal(0)) != TOTAL_WEIGHT:
        problems.append(WEIGHTS_NOT_100)
    if any(c.kind not in PRICE_KINDS and c.kind != QUALITY_KIND for c in criteria):
        problems.append(UNKNOWN_KIND)
    if sum(1 for c in criteria if c.kind in PRICE_KINDS) != 1:
        problems.append(ONE_PRICE_CRITERION)
    if not any(c.kind == QUALITY_KIND for c in criteria):
        problems.append(QUALITY_CRITERION_NEEDED)
    if len({c.key for c in criteria}) != len(criteria):
        problems.append(DUPLICATE_CRITERION)
    return problems


def mark_problem(mark: Decimal) -> str | None:
    """What is wrong with one evaluator's mark for one quality criterion, if anything."""
    if not mark.is_finite() or not MARK_MIN <= mark <= MARK_MAX:
        return MARK_OUT_OF_RANGE
    if not _is_multiple(mark, MARK_STEP):
        return MARK_TOO_PRECISE
    return None


def effective_mark(member_marks: Sequence[Decimal], *, consensus: Decimal | None, mode: ScoreMode) -> Decimal | None:
    """The mark a criterion counts with: the agreed one, or the panel's mean; None until there is one."""
    if ScoreMode(mode) is ScoreMode.CONSENSUS:
        return consensus
    if not member_marks:
        return None
    return _points(sum((Fraction(m) for m in member_marks), Fraction(0)) / len(member_marks))


# --- Points -------------------------------------------------------------------------------------
def quality_points(mark: Decimal, weight: Decimal) -> Decimal:
    return _points(Fraction(mark) / Fraction(MARK_MAX) * Fraction(weight))


def price_points(price: Decimal, lowest: Decimal, weight: Decimal) -> Decimal:
    """The lowest price earns the whole weight; a price twice as high earns half."""
    if not price.is_finite() or price <= 0:
        raise ValueError(f"a price must be more than 0, not {price}")
    if not lowest.is_finite() or not 0 < lowest <= price:
        raise ValueError(f"the lowest price must be more than 0 and at most {price}, not {lowest}")
    return _points(Fraction(lowest) / Fraction(price) * Fraction(weight))


# --- Abnormally low prices ----------------------------------------------------------------------
MEDIAN_MIN_PRICES = 3  # with fewer prices, a median says too little about the market


def median(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("the median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def abnormally_low(prices: Mapping[str, Decimal], *, estimate: Decimal | None, share: Decimal) -> frozenset[str]:
    """Bids whose price is below `share` of the median price (from 3 prices on) or of the estimate.

    Such a bid is not rejected here: the buyer must ask the supplier to explain the price."""
    if not share.is_finite() or not 0 < share <= 1:
        raise ValueError(f"the share must be more than 0 and at most 1, not {share}")
    thresholds = []
    if len(prices) >= MEDIAN_MIN_PRICES:
        thresholds.append(share * median(list(prices.values())))
    if estimate is not None:
        thresholds.append(share * estimate)
    if not thresholds:
        return frozenset()
    threshold = max(thresholds)
    return frozenset(key for key, price in prices.items() if price < threshold)


# --- Ranking ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BidFacts:
    key: str  # bid id
    price: Decimal  # > 0
    marks: Mapping[str, Decimal]  # criterion key -> effective mark (quality criteria only)


@dataclass(frozen=True)
class Ranked:
    key: str
    price: Decimal
    price_points: Decimal  # LOWEST_PRICE: 0
    quality_points: Decimal  # LOWEST_PRICE: 0
    total: Decimal  # LOWEST_PRICE: 0 ; PRICE_QUALITY: price_points + quality_points
    rank: int  # 1 = best; equal scores share a rank ("1,1,3" competition ranking)


def _check_bids(bids: Sequence[BidFacts]) -> None:
    if len({b.key for b in bids}) != len(bids):
        raise ValueError("each bid is ranked once")
    for bid in bids:
        if not bid.price.is_finite() or bid.price <= 0:
            raise ValueError(f"bid {bid.key}: a price must be more than 0, not {bid.price}")


def _competition_ranks(ordered: Sequence[Ranked], standing: Sequence[tuple[Decimal, ...]]) -> list[Ranked]:
    """Rank rows already in order: a row level with the one before shares its rank ("1, 1, 3")."""
    ranked: list[Ranked] = []
    for position, row in enumerate(ordered):
        level = position > 0 and standing[position] == standing[position - 1]
        ranked.append(replace(row, rank=ranked[-1].rank if level else position + 1))
    return ranked


def rank_lowest_price(bids: Sequence[BidFacts]) -> list[Ranked]:
    """Cheapest first; equal prices share a rank; ties listed by bid key."""
    _check_bids(bids)
    ordered = sorted(bids, key=lambda b: (b.price, b.key))
    rows = [Ranked(b.key, b.price, ZERO_POINTS, ZERO_POINTS, ZERO_POINTS, 0) for b in ordered]
    return _competition_ranks(rows, [(b.price,) for b in ordered])


def rank_price_quality(bids: Sequence[BidFacts], criteria: Sequence[CriterionWeight]) -> list[Ranked]:
    """Most points first; equal points go to the lower price; equal points and price share a rank.

    Marks for criteria that are not quality criteria of this tender are ignored."""
    problems = weights_problems(criteria)
    if problems:
        raise ValueError("; ".join(problems))
    _check_bids(bids)
    quality = [c for c in criteria if c.kind == QUALITY_KIND]
    for bid in bids:
        for criterion in quality:
            mark = bid.marks.get(criterion.key)
            if mark is None:
                raise ValueError(f"bid {bid.key} has no mark for criterion {criterion.key}")
            if not mark.is_finite() or not MARK_MIN <= mark <= MARK_MAX:
                raise ValueError(f"bid {bid.key}: the mark for criterion {criterion.key} is not 0 to 10: {mark}")
    if not bids:
        return []
    price_weight = next(c.weight for c in criteria if c.kind in PRICE_KINDS)
    lowest = min(b.price for b in bids)
    rows = []
    for bid in bids:
        for_price = price_points(bid.price, lowest, price_weight)
        for_quality = sum((quality_points(bid.marks[c.key], c.weight) for c in quality), ZERO_POINTS)
        rows.append(Ranked(bid.key, bid.price, for_price, for_quality, for_price + for_quality, 0))
    rows.sort(key=lambda r: (-r.total, r.price, r.key))
    return _competition_ranks(rows, [(r.total, r.price) for r in rows])


def rank(method: Method, bids: Sequence[BidFacts], criteria: Sequence[CriterionWeight]) -> list[Ranked]:
    """Rank bids by the tender's method; lowest price ignores the criteria."""
    if Method(method) is Method.LOWEST_PRICE:
        return rank_lowest_price(bids)
    return rank_price_quality(bids, criteria)
