"""评分标准 texts as printed on real forms → the rule they describe."""
import pytest

from perfeval_xl.engine.criteria import UnrecognisedCriterion, parse_criterion
from perfeval_xl.engine.rules import (Bands, DeductBelow, DeductOver, Items, PassFail, Positive, Qualitative,
                                      RateTimesWeight)

from seed_forms import ARRIVAL, EXEC, ITEMS3, ITEMS_COMPLY, SATISF

TABLE = [
    ("完成目标满分；低于目标每1%扣1分，扣完为止", DeductBelow(points=1, per=1)),
    ("全年参保人员数量≥38000人。完成目标满分;低于目标每1%扣1分,扣完为止。", DeductBelow(points=1, per=1)),
    ("每低于目标值5%扣1分，扣完为止", DeductBelow(points=1, per=5)),
    ("未达到目标值的，每降低1个百分点扣0.5分", DeductBelow(points=0.5, per=1)),
    ("每超1%扣1分，扣完为止", DeductOver(points=1, per=1)),
    ("樟树市防贫保险费息总额≤310万元,完成目标满分;每超1%扣1分,扣完为止。", DeductOver(points=1, per=1)),
    ("超出预算的，每超出2%扣1分", DeductOver(points=1, per=2)),
    ("完成目标满分；未完成0分", PassFail()),
    ("达到目标得满分，否则不得分", PassFail()),
    ("是得满分，否得0分", PassFail()),
    (ARRIVAL, RateTimesWeight(rate_name="资金到位率")),
    (EXEC, RateTimesWeight(rate_name="预算执行率")),
    ("得分(20分*执行率)", RateTimesWeight(rate_name="执行率")),
    ("得分=预算执行率×分值", RateTimesWeight(rate_name="预算执行率")),
    ("完成目标满分，未完成按完成比例得分", Positive()),
    ("按实际完成比例计分", Positive()),
    ("达成年度指标得80%-100%分值，部分达成得60%-80%，未达成得0-60%", Qualitative()),
    ("定性", Qualitative()),
]


@pytest.mark.parametrize("text,rule", TABLE, ids=[t[:20] for t, _ in TABLE])
def test_criterion_table(text, rule):
    assert parse_criterion(text) == rule


def test_table_is_large_enough():
    assert len(TABLE) + 4 >= 15


def test_bands_from_seed001():
    rule = parse_criterion(SATISF)
    assert isinstance(rule, Bands)
    assert rule.bands == ((95, True, 10), (90, True, 8), (85, True, 6), (80, True, 4), (75, True, 2))
    assert rule.floor_points == 0
    for actual, pts in [("95%", 10), ("94.69%", 8), (0.9, 8), (89.99, 6), ("75%", 2), ("74.9%", 0), ("100%", 10)]:
        assert rule.score(10, None, actual).value == pts, actual


def test_bands_full_width_brackets():
    rule = parse_criterion("95（含）以上计10分，90（含）-95计8分，90以下计0分")
    assert rule.score(10, None, "92%").value == 8


def test_items_from_seed001():
    rule = parse_criterion(ITEMS3)
    assert isinstance(rule, Items) and [p for _, p in rule.items] == [1, 1, 1]
    comply = parse_criterion(ITEMS_COMPLY)
    assert [p for _, p in comply.items] == [1, 1, 0.5, 0.5]
    assert comply.score(3, mark=[True, True, False, True]).value == 2.5
    assert comply.score(3).value is None and "逐项判定" in comply.score(3).error


@pytest.mark.parametrize("text", ["", "   ", "由评价组综合判断", "参照往年情况酌情打分", "见附件"])
def test_unrecognised_text_is_reported_with_the_text(text):
    with pytest.raises(UnrecognisedCriterion) as exc:
        parse_criterion(text)
    assert "无法识别的评分标准" in str(exc.value)
    assert text.strip() in str(exc.value)
