"""Weights printed as percents: a 权重 column of “50%” (or 0.5 shown as 50%), a 合计 of “100%”, and parent labels
“产出指标(50%)” / “（权重50%）”. A weight in percent is that share of the form's 100 points. Before, 50% was read as
the number 0.5: 分值合计 1 ≠ 100 (PE-A102), every score above its weight (PE-A103) and every score ten-thousandths
of what the criterion gives (PE-S304) — five false findings on a correct form, and its parent weights not read."""
import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.engine.scoring import score_form
from perfeval_xl.workbook.labels import level_and_weight
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.xlio.grid import Grid


def form(w1, w2, total_w, formats=False, level1=("产出指标", "效益指标")):
    rows = [["项目名称", "某项目"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "权重", "得分", "偏差原因"],
            [level1[0], "数量指标", "培训人次", "≥100人次", "100人次", w1, 50, None],
            [level1[1], "社会效益指标", "受益人数", "≥50人", "45人", w2, 45, "部分未覆盖"],
            ["合计", None, None, None, None, total_w, 95]]
    g = Grid.from_rows("自评表", rows)
    if formats:
        g.number_formats.update({(3, 6): "0%", (4, 6): "0%", (5, 6): "0%"})
    [f] = recognise_all(g)
    return f


@pytest.mark.parametrize("w1, w2, total_w, formats", [("50%", "50%", "100%", False), ("50％", "50％", "100％", False),
                                                     (0.5, 0.5, 1, True), (50, 50, 100, False)])
def test_weights_in_percent_are_points_of_100(w1, w2, total_w, formats):
    f = form(w1, w2, total_w, formats)
    assert [i.weight for i in f.indicators] == [50, 50] and f.total_weight == 100
    fs = score_form(f)
    assert (fs.total, fs.grade) == (95, "优")            # 50 + 50 × 90% = 95
    assert [x.code for x in run_checks(f)] == ["PE-A100"]   # only: no budget block on this sheet


def test_a_number_without_a_percent_format_stays_a_number():
    f = form(0.5, 0.5, 1)                          # 0.5 points each, shown as 0.5: the form's own (odd) weights
    assert [i.weight for i in f.indicators] == [0.5, 0.5]
    assert "PE-A103" in [x.code for x in run_checks(f)]


@pytest.mark.parametrize("label, expected", [("产出指标(50%)", ("产出", 50.0)), ("产出指标（权重50%）", ("产出", 50.0)),
                                             ("效益指标(分值30分)", ("效益", 30.0)), ("产出指标（50％）", ("产出", 50.0)),
                                             ("决策(15分)", ("决策", 15.0)), ("产出指标(2)", ("产出指标(2)", None))])
def test_parent_weights_in_percent(label, expected):
    assert level_and_weight(label) == expected


def test_parent_labels_in_percent_give_the_level_weights():
    f = form(50, 50, 100, level1=("产出指标(50%)", "效益指标（权重50%）"))
    assert {k: v.get("weight") for k, v in f.levels.items()} == {"产出": 50, "效益": 50}
