"""Properties that must hold for every input (hypothesis)."""
import math

from hypothesis import given, settings, strategies as st

from perfeval_xl.engine.excelmath import excel_round
from perfeval_xl.engine.grades import GRADES, grade
from perfeval_xl.engine.quantity import Quantity, format_quantity, parse_quantity
from perfeval_xl.engine.rules import Bands, DeductBelow, DeductOver, Equal, Positive, Reverse, RateTimesWeight

weights = st.sampled_from([1, 2, 3, 5, 7.5, 8, 10, 15, 20, 30])
amounts = st.floats(min_value=0, max_value=1e7, allow_nan=False).map(lambda x: excel_round(x, 2))
positive_amounts = st.floats(min_value=0.01, max_value=1e7, allow_nan=False).map(lambda x: excel_round(x, 2) or 0.01)
RULES = [Positive(), Reverse(), Equal(), DeductBelow(), DeductBelow(points=2, per=5), DeductOver(), RateTimesWeight(),
         Bands(bands=((95, True, 10), (90, True, 8), (75, True, 2)))]


@settings(max_examples=300)
@given(st.sampled_from(RULES), weights, positive_amounts, amounts, st.sampled_from(["≥", "≤", "="]))
def test_score_always_within_zero_and_weight(rule, w, t, a, comp):
    s = rule.score(w, f"{comp}{t}万元", f"{a}万元")
    assert s.value is not None, s.error
    assert 0 <= s.value <= w
    assert s.value == excel_round(s.value, 2)


@settings(max_examples=300)
@given(weights, positive_amounts, amounts, amounts)
def test_positive_monotone_in_actual(w, t, a1, a2):
    lo, hi = sorted((a1, a2))
    assert Positive().score(w, f"≥{t}人", f"{lo}人").value <= Positive().score(w, f"≥{t}人", f"{hi}人").value
    assert DeductBelow().score(w, f"≥{t}人", f"{lo}人").value <= DeductBelow().score(w, f"≥{t}人", f"{hi}人").value


@settings(max_examples=300)
@given(weights, positive_amounts, positive_amounts, positive_amounts, st.sampled_from(["ratio", "linear", "deduct"]))
def test_reverse_antitone_in_actual(w, t, a1, a2, conv):
    lo, hi = sorted((a1, a2))
    r = Reverse(convention=conv)
    assert r.score(w, f"≤{t}万元", f"{lo}万元").value >= r.score(w, f"≤{t}万元", f"{hi}万元").value
    assert DeductOver().score(w, f"≤{t}万元", f"{lo}万元").value >= DeductOver().score(w, f"≤{t}万元", f"{hi}万元").value


@given(st.floats(min_value=0, max_value=100, allow_nan=False), st.floats(min_value=0, max_value=100, allow_nan=False))
def test_grade_monotone_in_total(t1, t2):
    lo, hi = sorted((t1, t2))
    assert GRADES.index(grade(lo)) >= GRADES.index(grade(hi))


@given(st.sampled_from(["≥", "≤", "=", ""]), st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
       st.sampled_from(["人", "人次", "万元", "元", "亿元", "%", "户", "个", ""]))
def test_parsing_a_formatted_quantity_gives_back_its_number(comp, number, unit):
    text = f"{comp}{number}{unit}"
    q = parse_quantity(text)
    assert q.status == "number"
    assert math.isclose(q.display_value, float(number), rel_tol=1e-12, abs_tol=1e-12)
    again = parse_quantity(format_quantity(q))
    assert again.comparator == q.comparator and again.unit == q.unit
    assert math.isclose(again.value, q.value, rel_tol=1e-12, abs_tol=1e-15)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=6))
def test_excel_round_fast_path_equals_decimal_rounding(x, d):
    from decimal import ROUND_HALF_UP, Decimal

    expected = float(Decimal(format(x, ".15g")).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))
    assert excel_round(x, d) == expected


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=-6, max_value=15))
def test_excel_round_takes_any_finite_number(x, d):
    """ROUND of a number too large for its decimals to matter (1E+27 to 2 places) is the number at 15 significant
    digits; it raised decimal.InvalidOperation (found by the PE_SCORE shortcut's property test: a band criterion over
    an actual of 1e18 against a target of 0)."""
    r = excel_round(x, d)
    assert math.isfinite(r)
    if 1e15 <= abs(x) <= 1e300 and d >= 0:
        assert r == float(format(x, ".15g"))


def test_band_criterion_over_a_huge_completion_scores():
    from perfeval_xl.cellfuncs import PE_SCORE

    assert PE_SCORE(10.0, 1.0, 1e18, "95%（含）以上计10分，90%-95%计8分，90%以下计0分") == 10
    assert excel_round(1e27, 2) == 1e27


@settings(max_examples=400)
@given(st.sampled_from(RULES), weights, st.one_of(amounts, amounts.map(int), st.just(0.0)),
       st.one_of(amounts, amounts.map(int), st.just(0)))
def test_a_row_of_plain_numbers_scores_as_the_same_numbers_written_out(rule, w, t, a):
    """Two plain numbers (a filled table's commonest row, taken without parsing) give the score, completion and
    verdict that the same figures written as text give (parsed as quantities)."""
    n, s = rule.score(w, t, a), rule.score(w, f"{t}", f"{a}")
    assert (n.value, n.completion, n.met, n.over_completed, n.error) == \
        (s.value, s.completion, s.met, s.over_completed, s.error)
