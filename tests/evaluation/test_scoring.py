"""Pure bid scoring: weights, marks, points, abnormally low prices, and ranking by either method."""

from __future__ import annotations

import statistics
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procura.evaluation.domain import (
    DUPLICATE_CRITERION,
    MARK_OUT_OF_RANGE,
    MARK_TOO_PRECISE,
    ONE_PRICE_CRITERION,
    QUALITY_CRITERION_NEEDED,
    UNKNOWN_KIND,
    WEIGHT_NOT_POSITIVE,
    WEIGHT_TOO_PRECISE,
    WEIGHTS_NOT_100,
    BidFacts,
    CriterionWeight,
    Method,
    Ranked,
    ScoreMode,
    abnormally_low,
    effective_mark,
    mark_problem,
    median,
    method_for,
    price_points,
    quality_points,
    rank,
    rank_lowest_price,
    rank_price_quality,
    weights_problems,
)

D = Decimal
FAST = settings(max_examples=200, deadline=None)

PRICE_40_QUALITY_60 = [CriterionWeight("price", "price", D(40)), CriterionWeight("quality", "quality", D(60))]
HALF_AND_HALF = [CriterionWeight("price", "price", D(50)), CriterionWeight("quality", "quality", D(50))]


def bid(key: str, price: str, **marks: str) -> BidFacts:
    return BidFacts(key, D(price), {criterion: D(mark) for criterion, mark in marks.items()})


def summary(rows: list[Ranked]) -> list[tuple[str, Decimal, int]]:
    return [(r.key, r.total, r.rank) for r in rows]


# --- Method ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("award_criteria", "method"),
    [("priceOnly", Method.LOWEST_PRICE), ("costOnly", Method.LOWEST_PRICE), ("ratedCriteria", Method.PRICE_QUALITY)],
)
def test_the_method_follows_the_award_criteria(award_criteria: str, method: Method) -> None:
    assert method_for(award_criteria) is method


@pytest.mark.parametrize("award_criteria", ["", "lowestCost", "ratedcriteria", "price_quality"])
def test_unknown_award_criteria_have_no_method(award_criteria: str) -> None:
    with pytest.raises(ValueError, match="no evaluation method"):
        method_for(award_criteria)


# --- Weights -----------------------------------------------------------------------------------
def test_price_and_quality_weights_adding_up_to_100_are_fine() -> None:
    criteria = [
        CriterionWeight("c1", "quality", D("30.5")),
        CriterionWeight("c2", "cost", D("40")),
        CriterionWeight("c3", "quality", D("29.50")),
    ]
    assert weights_problems(criteria) == []


@pytest.mark.parametrize(
    ("criteria", "problems"),
    [
        pytest.param([("p", "price", "0"), ("q", "quality", "100")], [WEIGHT_NOT_POSITIVE], id="zero weight"),
        pytest.param([("p", "price", "-10"), ("q", "quality", "110")], [WEIGHT_NOT_POSITIVE], id="negative weight"),
        pytest.param(
            [("p", "price", "40.00005"), ("q", "quality", "59.99995")], [WEIGHT_TOO_PRECISE], id="too precise"
        ),
        pytest.param([("p", "price", "40"), ("q", "quality", "50")], [WEIGHTS_NOT_100], id="sum 90"),
        pytest.param([("p", "price", "40"), ("q", "quality", "60.01")], [WEIGHTS_NOT_100], id="sum 100.01"),
        pytest.param(
            [("p", "price", "30"), ("c", "cost", "30"), ("q", "quality", "40")], [ONE_PRICE_CRITERION], id="two prices"
        ),
        pytest.param([("q1", "quality", "50"), ("q2", "quality", "50")], [ONE_PRICE_CRITERION], id="no price"),
        pytest.param([("p", "price", "100")], [QUALITY_CRITERION_NEEDED], id="no quality"),
        pytest.param(
            [("p", "price", "40"), ("q", "quality", "30"), ("x", "delivery", "30")], [UNKNOWN_KIND], id="unknown kind"
        ),
        pytest.param(
            [("p", "price", "40"), ("q", "quality", "30"), ("q", "quality", "30")],
            [DUPLICATE_CRITERION],
            id="same criterion twice",
        ),
        pytest.param([], [WEIGHTS_NOT_100, ONE_PRICE_CRITERION, QUALITY_CRITERION_NEEDED], id="no criteria"),
    ],
)
def test_weights_problems_name_each_problem(criteria: list[tuple[str, str, str]], problems: list[str]) -> None:
    assert weights_problems([CriterionWeight(key, kind, D(weight)) for key, kind, weight in criteria]) == problems


def test_weights_problems_are_short_plain_english() -> None:
    for message in (WEIGHT_NOT_POSITIVE, WEIGHTS_NOT_100, ONE_PRICE_CRITERION, QUALITY_CRITERION_NEEDED):
        assert message.endswith(".")
        assert len(message) < 80


# --- Marks -------------------------------------------------------------------------------------
@pytest.mark.parametrize("mark", ["0", "10", "7.5", "5.00", "0.1", "9.9"])
def test_marks_from_0_to_10_with_one_decimal_are_fine(mark: str) -> None:
    assert mark_problem(D(mark)) is None


@pytest.mark.parametrize(
    ("mark", "problem"),
    [
        ("-0.1", MARK_OUT_OF_RANGE),
        ("10.1", MARK_OUT_OF_RANGE),
        ("11", MARK_OUT_OF_RANGE),
        ("NaN", MARK_OUT_OF_RANGE),
        ("Infinity", MARK_OUT_OF_RANGE),
        ("7.25", MARK_TOO_PRECISE),
        ("0.01", MARK_TOO_PRECISE),
    ],
)
def test_a_mark_out_of_range_or_too_precise_is_a_problem(mark: str, problem: str) -> None:
    assert mark_problem(D(mark)) == problem


def test_consensus_mode_counts_the_agreed_mark_only() -> None:
    marks = [D(6), D(8)]
    assert effective_mark(marks, consensus=D("6.5"), mode=ScoreMode.CONSENSUS) == D("6.5")
    assert effective_mark(marks, consensus=None, mode=ScoreMode.CONSENSUS) is None
    assert effective_mark([], consensus=D(9), mode=ScoreMode.CONSENSUS) == D(9)
    # a mode read back from the database as a plain string works the same
    assert effective_mark(marks, consensus=D("6.5"), mode="consensus") == D("6.5")


def test_average_mode_counts_the_mean_of_the_members_marks() -> None:
    assert effective_mark([D(6), D(8)], consensus=D(1), mode=ScoreMode.AVERAGE) == D(7)
    assert effective_mark([D(7), D(8), D(8)], consensus=None, mode=ScoreMode.AVERAGE) == D("7.6667")
    assert str(effective_mark([D(7), D(8), D(8)], consensus=None, mode=ScoreMode.AVERAGE)) == "7.6667"
    assert effective_mark([], consensus=D(5), mode=ScoreMode.AVERAGE) is None
    assert effective_mark([D("9.5")], consensus=None, mode="average") == D("9.5")


def test_the_average_rounds_half_to_even() -> None:
    # 0.1 / 16 = 0.00625 and 0.3 / 16 = 0.01875: exactly half a unit in the fourth place
    assert effective_mark([D("0.1")] + [D(0)] * 15, consensus=None, mode=ScoreMode.AVERAGE) == D("0.0062")
    assert effective_mark([D("0.3")] + [D(0)] * 15, consensus=None, mode=ScoreMode.AVERAGE) == D("0.0188")


# --- Points ------------------------------------------------------------------------------------
def test_quality_points_are_the_share_of_the_weight_the_mark_earns() -> None:
    assert quality_points(D("7.5"), D(60)) == D(45)
    assert quality_points(D(10), D(60)) == D(60)
    assert quality_points(D(0), D(60)) == D(0)
    assert quality_points(D("7.6667"), D("33.33")) == D("25.5531")  # 25.553111...
    assert str(quality_points(D("7.5"), D(60))) == "45.0000"


def test_quality_points_round_half_to_even() -> None:
    assert quality_points(D("0.5"), D("0.001")) == D("0.0000")  # 0.00005
    assert quality_points(D("1.5"), D("0.001")) == D("0.0002")  # 0.00015


def test_price_points_give_the_lowest_price_the_whole_weight() -> None:
    assert price_points(D(100), D(100), D(40)) == D(40)
    assert price_points(D(125), D(100), D(40)) == D(32)
    assert price_points(D(200), D(100), D(40)) == D(20)
    assert price_points(D(300), D(100), D(40)) == D("13.3333")
    assert price_points(D(150), D(100), D(40)) == D("26.6667")


@pytest.mark.parametrize(("price", "lowest"), [("0", "0"), ("-5", "-5"), ("100", "0"), ("100", "120")])
def test_price_points_need_positive_prices_with_the_lowest_not_above_the_price(price: str, lowest: str) -> None:
    with pytest.raises(ValueError, match="price"):
        price_points(D(price), D(lowest), D(40))


# --- Abnormally low prices ---------------------------------------------------------------------
def test_median_of_odd_and_even_counts() -> None:
    assert median([D(3), D(1), D(2)]) == D(2)
    assert median([D(40), D(120), D(100), D(110)]) == D(105)
    assert median([D("7.5")]) == D("7.5")
    with pytest.raises(ValueError, match="no values"):
        median([])


def test_a_price_far_below_the_median_is_abnormally_low() -> None:
    # median of 40, 100, 110, 120 is 105; half of it is 52.5
    prices = {"a": D(100), "b": D(110), "c": D(120), "d": D(40)}
    assert abnormally_low(prices, estimate=None, share=D("0.5")) == frozenset({"d"})


def test_a_price_exactly_at_the_threshold_is_not_abnormally_low() -> None:
    prices = {"a": D(50), "b": D(100), "c": D(200)}  # median 100, threshold 50
    assert abnormally_low(prices, estimate=None, share=D("0.5")) == frozenset()
    assert abnormally_low(prices | {"a": D("49.99")}, estimate=None, share=D("0.5")) == frozenset({"a"})


def test_fewer_than_three_prices_have_no_median_to_compare_with() -> None:
    prices = {"a": D(10), "b": D(1000)}
    assert abnormally_low(prices, estimate=None, share=D("0.5")) == frozenset()
    assert abnormally_low({"a": D(1)}, estimate=None, share=D("0.9")) == frozenset()
    assert abnormally_low({}, estimate=D(100), share=D("0.5")) == frozenset()


def test_a_price_far_below_the_estimate_is_abnormally_low() -> None:
    prices = {"a": D(10), "b": D(1000)}
    assert abnormally_low(prices, estimate=D(1000), share=D("0.5")) == frozenset({"a"})
    assert abnormally_low(prices, estimate=D(20), share=D("0.5")) == frozenset()  # 10 is not below 10


def test_below_either_the_median_or_the_estimate_is_abnormally_low() -> None:
    # median 100 -> threshold 50; estimate 200 -> threshold 100
    prices = {"a": D(100), "b": D(100), "c": D(100), "d": D(60), "e": D(40)}
    assert abnormally_low(prices, estimate=D(200), share=D("0.5")) == frozenset({"d", "e"})
    assert abnormally_low(prices, estimate=None, share=D("0.5")) == frozenset({"e"})


@pytest.mark.parametrize("share", ["0", "-0.5", "1.01", "NaN"])
def test_the_share_is_more_than_0_and_at_most_1(share: str) -> None:
    with pytest.raises(ValueError, match="share"):
        abnormally_low({"a": D(1), "b": D(2), "c": D(3)}, estimate=None, share=D(share))


def test_a_share_of_1_flags_everything_below_the_median() -> None:
    prices = {"a": D(1), "b": D(2), "c": D(3)}
    assert abnormally_low(prices, estimate=None, share=D(1)) == frozenset({"a"})


# --- Ranking: price and quality ----------------------------------------------------------------
def test_price_and_quality_worked_example() -> None:
    # given prices 100 / 125 / 200, price weight 40, one quality criterion weight 60
    bids = [
        bid("a", "100", quality="5"),
        bid("b", "125", quality="9"),
        bid("c", "200", quality="10"),
    ]
    # when
    ranked = rank_price_quality(bids, PRICE_40_QUALITY_60)
    # then: a 40 + 30 = 70, b 32 + 54 = 86, c 20 + 60 = 80
    assert ranked == [
        Ranked("b", D(125), D(32), D(54), D(86), 1),
        Ranked("c", D(200), D(20), D(60), D(80), 2),
        Ranked("a", D(100), D(40), D(30), D(70), 3),
    ]
    assert [str(r.total) for r in ranked] == ["86.0000", "80.0000", "70.0000"]


def test_price_and_quality_with_several_criteria_and_rounding() -> None:
    criteria = [
        CriterionWeight("q-team", "quality", D("35.5")),
        CriterionWeight("cost", "cost", D(30)),
        CriterionWeight("q-plan", "quality", D("34.5")),
    ]
    bids = [
        BidFacts("x", D(300), {"q-team": D(8), "q-plan": D("7.6667")}),
        BidFacts("y", D(100), {"q-team": D(4), "q-plan": D(5)}),
    ]
    ranked = rank_price_quality(bids, criteria)
    # x: 10.0000 + 28.4000 + 26.4501 (26.450115) = 64.8501 ; y: 30 + 14.2 + 17.25 = 61.45
    assert ranked == [
        Ranked("x", D(300), D(10), D("54.8501"), D("64.8501"), 1),
        Ranked("y", D(100), D(30), D("31.4500"), D("61.4500"), 2),
    ]


def test_equal_points_go_to_the_lower_price() -> None:
    # a: 50 + 20 = 70 ; b: 25 + 45 = 70
    ranked = rank_price_quality([bid("b", "200", quality="9"), bid("a", "100", quality="4")], HALF_AND_HALF)
    assert summary(ranked) == [("a", D(70), 1), ("b", D(70), 2)]


def test_equal_points_and_price_share_a_rank_and_the_next_rank_is_skipped() -> None:
    bids = [
        bid("c", "100", quality="6"),
        bid("b", "100", quality="6"),
        bid("a", "100", quality="6"),
        bid("d", "100", quality="5"),
    ]
    assert [(r.key, r.rank) for r in rank_price_quality(bids, PRICE_40_QUALITY_60)] == [
        ("a", 1),
        ("b", 1),
        ("c", 1),
        ("d", 4),
    ]


def test_marks_for_other_criteria_are_ignored() -> None:
    facts = BidFacts("a", D(100), {"quality": D(5), "price": D(10), "withdrawn-criterion": D(3)})
    ranked = rank_price_quality([facts], PRICE_40_QUALITY_60)
    assert summary(ranked) == [("a", D(70), 1)]


def test_no_bids_no_ranking() -> None:
    assert rank_price_quality([], PRICE_40_QUALITY_60) == []
    assert rank_lowest_price([]) == []


def test_price_and_quality_needs_sound_weights() -> None:
    with pytest.raises(ValueError, match="add up to exactly 100"):
        rank_price_quality(
            [bid("a", "100", quality="5")], [*PRICE_40_QUALITY_60[:1], CriterionWeight("q", "quality", D(50))]
        )


def test_price_and_quality_needs_a_mark_for_every_quality_criterion() -> None:
    with pytest.raises(ValueError, match="no mark for criterion quality"):
        rank_price_quality([bid("a", "100", quality="5"), bid("b", "90")], PRICE_40_QUALITY_60)


@pytest.mark.parametrize("mark", ["-1", "10.5", "NaN"])
def test_price_and_quality_refuses_marks_outside_0_to_10(mark: str) -> None:
    with pytest.raises(ValueError, match="not 0 to 10"):
        rank_price_quality([bid("a", "100", quality=mark)], PRICE_40_QUALITY_60)


@pytest.mark.parametrize("rank_them", [rank_lowest_price, lambda bids: rank_price_quality(bids, HALF_AND_HALF)])
def test_bids_need_positive_prices_and_different_keys(rank_them) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="more than 0"):
        rank_them([bid("a", "0", quality="5")])
    with pytest.raises(ValueError, match="more than 0"):
        rank_them([bid("a", "-1", quality="5")])
    with pytest.raises(ValueError, match="ranked once"):
        rank_them([bid("a", "100", quality="5"), bid("a", "90", quality="5")])


# --- Ranking: lowest price ---------------------------------------------------------------------
def test_lowest_price_ranks_by_price_and_equal_prices_share_a_rank() -> None:
    bids = [bid("c", "150"), bid("b", "100"), bid("a", "100.00"), bid("d", "99.99")]
    assert rank_lowest_price(bids) == [
        Ranked("d", D("99.99"), D(0), D(0), D(0), 1),
        Ranked("a", D("100.00"), D(0), D(0), D(0), 2),
        Ranked("b", D(100), D(0), D(0), D(0), 2),
        Ranked("c", D(150), D(0), D(0), D(0), 4),
    ]


def test_rank_uses_the_method() -> None:
    bids = [bid("a", "100", quality="5"), bid("b", "125", quality="9")]
    # lowest price ignores the criteria, even unusable ones
    assert rank(Method.LOWEST_PRICE, bids, []) == rank_lowest_price(bids)
    assert [(r.key, r.rank) for r in rank(Method.LOWEST_PRICE, bids, [])] == [("a", 1), ("b", 2)]
    assert rank(Method.PRICE_QUALITY, bids, PRICE_40_QUALITY_60) == rank_price_quality(bids, PRICE_40_QUALITY_60)
    assert [(r.key, r.rank) for r in rank(Method.PRICE_QUALITY, bids, PRICE_40_QUALITY_60)] == [("b", 1), ("a", 2)]
    assert rank("lowest_price", bids, []) == rank_lowest_price(bids)
    with pytest.raises(ValueError, match="is not a valid Method"):
        rank("cheapest", bids, [])


# --- Properties --------------------------------------------------------------------------------
PRICES = st.one_of(
    st.sampled_from([D(100), D(125), D(200), D("99.99")]),  # repeats, so ties happen
    st.decimals(min_value=D("0.01"), max_value=D(1_000_000), places=2, allow_nan=False, allow_infinity=False),
)
MARKS = st.one_of(
    st.sampled_from([D(0), D(5), D(10)]),
    st.decimals(min_value=D(0), max_value=D(10), places=1, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=D(0), max_value=D(10), places=4, allow_nan=False, allow_infinity=False),  # averages
)


@st.composite
def sound_criteria(draw: st.DrawFn) -> list[CriterionWeight]:
    """One price or cost criterion and 1-4 quality criteria, weights in hundredths adding up to 100."""
    count = draw(st.integers(min_value=2, max_value=5))
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=9_999), min_size=count - 1, max_size=count - 1)))
    hundredths = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    weights = [D(h) / 100 for h in hundredths]
    price_at = draw(st.integers(min_value=0, max_value=count - 1))
    price_kind = draw(st.sampled_from(["price", "cost"]))
    return [
        CriterionWeight(f"c{i}", price_kind if i == price_at else "quality", weight) for i, weight in enumerate(weights)
    ]


@st.composite
def tenders(draw: st.DrawFn, min_bids: int = 0) -> tuple[list[CriterionWeight], list[BidFacts]]:
    criteria = draw(sound_criteria())
    count = draw(st.integers(min_value=min_bids, max_value=7))
    bids = [
        BidFacts(f"bid-{i}", draw(PRICES), {c.key: draw(MARKS) for c in criteria if c.kind == "quality"})
        for i in range(count)
    ]
    return criteria, bids


def price_weight(criteria: list[CriterionWeight]) -> Decimal:
    return next(c.weight for c in criteria if c.kind in {"price", "cost"})


def rank_of(rows: list[Ranked], key: str) -> int:
    return next(r.rank for r in rows if r.key == key)


@FAST
@given(sound_criteria())
def test_generated_sound_criteria_are_accepted(criteria: list[CriterionWeight]) -> None:
    assert weights_problems(criteria) == []


KINDS = st.sampled_from(["price", "cost", "quality", "other"])
WEIGHTS = st.decimals(min_value=D(-50), max_value=D(150), places=5, allow_nan=False, allow_infinity=False)


@st.composite
def spoiled_criteria(draw: st.DrawFn) -> list[CriterionWeight]:
    """Sound criteria with one criterion's kind or weight changed, or a criterion added or removed."""
    criteria = draw(sound_criteria())
    index = draw(st.integers(min_value=0, max_value=len(criteria) - 1))
    change = draw(st.sampled_from(["kind", "weight", "add", "remove"]))
    if change == "kind":
        criteria[index] = CriterionWeight(criteria[index].key, draw(KINDS), criteria[index].weight)
    elif change == "weight":
        criteria[index] = CriterionWeight(criteria[index].key, criteria[index].kind, draw(WEIGHTS))
    elif change == "add":
        criteria.append(CriterionWeight("extra", draw(KINDS), draw(WEIGHTS)))
    else:
        del criteria[index]
    return criteria


ANY_CRITERIA = st.one_of(
    sound_criteria(),
    spoiled_criteria(),
    st.lists(st.builds(CriterionWeight, st.sampled_from(["a", "b", "c", "d"]), KINDS, WEIGHTS), max_size=5),
)


@FAST
@given(ANY_CRITERIA)
def test_accepted_weights_always_add_up_to_100(criteria: list[CriterionWeight]) -> None:
    if weights_problems(criteria) == []:
        assert sum(c.weight for c in criteria) == 100
        assert all(c.weight > 0 for c in criteria)
        assert len([c for c in criteria if c.kind in {"price", "cost"}]) == 1
        assert any(c.kind == "quality" for c in criteria)


@FAST
@given(tenders(), st.randoms(use_true_random=False))
def test_ranking_does_not_depend_on_the_order_bids_are_given(tender, random) -> None:  # type: ignore[no-untyped-def]
    criteria, bids = tender
    shuffled = list(bids)
    random.shuffle(shuffled)
    assert rank_price_quality(shuffled, criteria) == rank_price_quality(bids, criteria)
    assert rank_lowest_price(shuffled) == rank_lowest_price(bids)


@FAST
@given(tenders())
def test_totals_are_within_0_and_100(tender) -> None:  # type: ignore[no-untyped-def]
    criteria, bids = tender
    for row in rank_price_quality(bids, criteria):
        assert row.total == row.price_points + row.quality_points
        assert 0 <= row.price_points <= price_weight(criteria)
        assert 0 <= row.quality_points <= 100 - price_weight(criteria)
        assert 0 <= row.total <= 100
        assert row.total == row.total.quantize(D("0.0001"))


@FAST
@given(tenders(min_bids=1))
def test_the_lowest_price_always_gets_the_whole_price_weight(tender) -> None:  # type: ignore[no-untyped-def]
    criteria, bids = tender
    ranked = rank_price_quality(bids, criteria)
    lowest = min(b.price for b in bids)
    for row in ranked:
        if row.price == lowest:
            assert row.price_points == price_weight(criteria)
        else:
            assert row.price_points <= price_weight(criteria)


@FAST
@given(tenders(min_bids=1), st.data())
def test_lowering_a_bids_price_never_worsens_its_rank(tender, data) -> None:  # type: ignore[no-untyped-def]
    criteria, bids = tender
    index = data.draw(st.integers(min_value=0, max_value=len(bids) - 1))
    before = bids[index]
    lower = data.draw(st.decimals(min_value=D("0.01"), max_value=before.price, places=2))
    cheaper = [*bids[:index], BidFacts(before.key, lower, before.marks), *bids[index + 1 :]]
    assert rank_of(rank_price_quality(cheaper, criteria), before.key) <= rank_of(
        rank_price_quality(bids, criteria), before.key
    )
    assert rank_of(rank_lowest_price(cheaper), before.key) <= rank_of(rank_lowest_price(bids), before.key)


@FAST
@given(tenders(min_bids=1), st.data())
def test_raising_a_mark_never_worsens_a_bids_rank(tender, data) -> None:  # type: ignore[no-untyped-def]
    criteria, bids = tender
    index = data.draw(st.integers(min_value=0, max_value=len(bids) - 1))
    before = bids[index]
    criterion = data.draw(st.sampled_from(sorted(before.marks)))
    higher = data.draw(st.decimals(min_value=before.marks[criterion], max_value=D(10), places=4))
    better = [
        *bids[:index],
        BidFacts(before.key, before.price, {**before.marks, criterion: higher}),
        *bids[index + 1 :],
    ]
    assert rank_of(rank_price_quality(better, criteria), before.key) <= rank_of(
        rank_price_quality(bids, criteria), before.key
    )


@FAST
@given(tenders())
def test_ranks_are_1_based_and_follow_the_totals(tender) -> None:  # type: ignore[no-untyped-def]
    criteria, bids = tender
    ranked = rank_price_quality(bids, criteria)
    assert sorted(r.key for r in ranked) == sorted(b.key for b in bids)
    if ranked:
        assert ranked[0].rank == 1
    assert [r.rank for r in ranked] == sorted(r.rank for r in ranked)
    for row in ranked:
        ahead = [o for o in ranked if (o.total, -o.price) > (row.total, -row.price)]
        assert row.rank == 1 + len(ahead)
        for other in ranked:
            if other.total > row.total:
                assert other.rank < row.rank
            if (other.total, other.price) == (row.total, row.price):
                assert other.rank == row.rank


@FAST
@given(st.lists(PRICES, max_size=7))
def test_lowest_price_ranks_follow_the_prices(prices: list[Decimal]) -> None:
    ranked = rank_lowest_price([BidFacts(f"bid-{i}", p, {}) for i, p in enumerate(prices)])
    assert [r.price for r in ranked] == sorted(prices)
    for row in ranked:
        assert row.rank == 1 + len([o for o in ranked if o.price < row.price])
        assert row.total == row.price_points == row.quality_points == 0


@FAST
@given(
    st.dictionaries(st.text(min_size=1, max_size=3), PRICES, max_size=7),
    st.none() | PRICES,
    st.decimals(min_value=D("0.01"), max_value=D(1), places=2),
)
def test_abnormally_low_flags_exactly_the_prices_strictly_below_a_threshold(prices, estimate, share) -> None:  # type: ignore[no-untyped-def]
    flagged = abnormally_low(prices, estimate=estimate, share=share)
    thresholds = []
    if len(prices) >= 3:
        thresholds.append(share * statistics.median(prices.values()))
    if estimate is not None:
        thresholds.append(share * estimate)
    for key, price in prices.items():
        assert (key in flagged) == any(price < t for t in thresholds)
    assert flagged <= prices.keys()


@FAST
@given(st.lists(PRICES, min_size=1, max_size=9))
def test_median_agrees_with_the_standard_library(values: list[Decimal]) -> None:
    assert median(values) == statistics.median(values)
