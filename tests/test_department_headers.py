"""The 部门整体 form (seed 002's layout) under the budget headers other templates print: 全年预算数 | 全年执行数, or
调整预算 | 实际支出, with units. Before, only 年初预算 | 调整后预算 | 决算 was read: the others were listed as 未识别."""
import copy
from pathlib import Path

import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.workbook.reader import load_grids

SEED = Path(__file__).resolve().parent.parent / "workbooks" / "examples" / "seed002_部门整体.xlsx"


def findings(g):
    return [(f.kind, sorted((x.code, x.cell) for x in run_checks(f))) for f in recognise_all(g)]


@pytest.mark.parametrize("heads", [("年初预算数", "全年预算数", "全年执行数"), ("年初预算", "调整预算", "实际支出"),
                                   ("年初预算(万元)", "调整后预算(万元)", "决算（执行）数(万元)")])
def test_department_budget_headers(heads):
    [g] = load_grids(SEED)
    before = findings(g)
    assert before[0][0] == "department" and ("PE-B203", "C5") in before[0][1]    # 36.06 → 11.07: −69.30 %
    g = copy.deepcopy(g)
    g.cells[(4, 2)], g.cells[(4, 3)], g.cells[(4, 4)] = heads
    assert findings(g) == before


def test_a_project_form_with_those_columns_stays_a_project_form():
    from perfeval_xl.xlio.grid import Grid
    rows = [["项目名称", "某项目"],
            ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            [None, "年度资金总额", 100, 100, 95, 10, "95%", 9.5],
            ["年度总体目标", "保障基本支出以外的项目运转"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
            ["产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 50, 50, None],
            ["效益指标", "社会效益指标", "受益人数", "≥50人", "50人", 40, 40, None],
            ["合计", None, None, None, None, 100, 99.5]]
    [form] = recognise_all(Grid.from_rows("自评表", rows))
    assert form.kind == "standard" and len(form.indicators) == 2 and form.total_stated == 99.5
