"""Every figure of SEED-FIGURES.md reproduced from the printed inputs."""
import pytest

from perfeval_xl.engine import rates
from perfeval_xl.engine.api import score
from perfeval_xl.engine.grades import boundary_distance, grade
from perfeval_xl.engine.scoring import score_form
from perfeval_xl.model import BudgetBlock, Form

from seed_forms import SEED001_ROWS, seed001, seed004


@pytest.mark.parametrize("row", SEED001_ROWS, ids=[r[2] for r in SEED001_ROWS])
def test_seed001_each_computable_indicator_scores_as_printed(row):
    l1, l2, name, weight, criterion, target, actual, stated = row
    s = score(weight, target, actual, criterion)
    if s.value is None:  # items / qualitative with no judgement: the engine must say so, not guess
        assert s.error and s.rule in ("items", "qualitative")
    else:
        assert s.value == stated


def test_seed001_key_figures():
    assert score(15, "≥38000人", "36667人", "完成目标满分；低于目标每1%扣1分，扣完为止").value == 11.49
    # 2.13 = ROUND(220/310 × 3, 2), from the figures or from the printed rate
    crit = SEED001_ROWS[6][4]
    assert score(3, "100%", rates.funds_arrival_rate(220, 310).value, crit).value == 2.13
    assert score(3, "100%", "70.97%", crit).value == 2.13
    assert score(10, None, "94.69%", SEED001_ROWS[-1][4]).value == 8
    assert score(2, None, "50%", "定性").value == 1


def test_seed001_totals_and_grade():
    fs = score_form(seed001())
    assert fs.levels == {"决策": 14, "过程": 14.13, "产出": 46.49, "效益": 18}
    assert fs.total == 92.62
    assert fs.grade == "优"
    # the engine computed every row it can; the rest are the evaluator's judgements
    computed = {ind.name for ind, s in fs.scores if s.value is not None}
    assert {"参保人员数量", "资金到位率", "成本控制率", "社会公众或受益对象的满意度", "绩效目标合理性"} <= computed
    assert not fs.errors


def test_seed001_arrival_rate():
    r = rates.funds_arrival_rate(220, 310)
    assert r.percent == 70.97 and r.base == "预算资金"


def test_seed002_adjustment_and_procurement():
    adj = rates.adjustment_rate(36.06, 11.07)
    assert adj.percent == -69.30
    assert round(abs(adj.value) * 100, 2) == 69.30
    proc = rates.procurement_execution_rate(1.63, 6.26)
    assert proc.percent == 26.04
    assert 4.77 + 6.3 == pytest.approx(11.07)


def test_seed003_execution_depends_on_base():
    adjusted = rates.execution_rate(103.86, adjusted=276.96, arrived=236.96, base="adjusted")
    arrived = rates.execution_rate(103.86, adjusted=276.96, arrived=236.96, base="arrived")
    assert adjusted.percent == 37.50 and adjusted.base == "调整后预算数"
    assert arrived.percent == 43.83 and arrived.base == "实际到位资金"
    assert rates.adjustment_rate(490, 276.96).percent == -43.48
    assert 490 - 213.04 == pytest.approx(276.96)


def test_seed003_total_and_boundary():
    levels = {"决策": (20, 12), "过程": (20, 13.88), "产出": (30, 27), "效益": (30, 27.11)}
    form = Form(kind="standard", sheet="评分", levels={k: {"weight": w, "score": s} for k, (w, s) in levels.items()})
    fs = score_form(form)
    assert fs.total == 79.99
    assert fs.grade == "中"
    assert boundary_distance(79.99) == (80, -0.01)
    shares = {k: round(s / w * 100, 2) for k, (w, s) in levels.items()}
    assert shares == {"决策": 60.0, "过程": 69.4, "产出": 90.0, "效益": 90.37}


def test_seed004_completion_and_sums():
    c = rates.completion_rate("130户", "87户")
    assert c.percent == 66.92
    fs = score_form(seed004())
    assert fs.levels == {"投入": 11, "过程": 19, "产出": 30, "效果": 30}
    assert fs.total == 90.00 and fs.grade == "优"
    assert fs.execution.value == 0 and fs.execution.percent == 0.0


def test_seed004_execution_rate_zero_spent():
    form = seed004()
    form.budget = BudgetBlock(annual=160, executed=0, weight=None)
    assert score_form(form).execution.text() == "0.00%"


@pytest.mark.parametrize("total,expected", [(92.62, "优"), (90, "优"), (89.99, "良"), (86.5, "良"), (80, "良"),
                                            (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差"), (89.995, "优")])
def test_grades_lower_bound_inclusive(total, expected):
    assert grade(total) == expected
