"""Every header of the real seed and corpus forms written the way other templates write it (分值 → 标准分值 / 权重,
得分 → 自评得分 / 评分, 备注 → 扣分原因, 目标值 → 年度指标值, 三级指标 → 指标名称, 全年预算数 → 全年预算数(A) …): the
findings stay the same. Before, 扣分原因 was not read as the reasons column (false PE-S305 warnings on seed 001),
the 部门整体 and 晋中 readers knew one spelling of each column (the 晋中 form with 指标名称 gave three false PE-A101
errors and lost its PE-S302s), and the budget block's 标准分值 / 自评得分 were not read (廊坊's PE-S304 lost)."""
import copy
from pathlib import Path

import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.labels import norm
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.workbook.reader import load_grids

ROOT = Path(__file__).resolve().parent.parent
FORMS = sorted((ROOT / "workbooks" / "examples").glob("*.xlsx")) + sorted((ROOT / "workbooks" / "corpus").glob("*.xlsx"))
OTHER = {"分值": ["分值(分)", "标准分值", "权重"], "评价得分": ["得分", "评分", "得分(分)"], "评分标准": ["评分细则", "评分办法"],
         "目标值": ["指标值", "年度指标值"], "实际值": ["实际完成值", "完成值"], "备注": ["说明", "扣分原因"],
         "三级指标": ["指标名称", "三级指标名称"], "得分": ["自评得分", "得分(分)"], "年度指标值": ["目标值", "指标值"],
         "实际完成值": ["实际值", "完成值"], "偏差原因分析及改进措施": ["偏差原因分析", "未完成原因分析"],
         "年初预算数": ["年初预算数(万元)"], "全年预算数": ["全年预算数(A)", "全年预算数(万元)"],
         "全年执行数": ["全年执行数(B)", "全年执行数(万元)"], "执行率": ["执行率(B/A)", "执行率(%)"], "权重": ["分值"]}


def findings(g):
    return sorted((x.code, x.cell, x.severity) for f in recognise_all(g) for x in run_checks(f))


def cases():
    for path in FORMS:
        for g in load_grids(path):
            for rc, v in sorted(g.cells.items()):
                if isinstance(v, str) and norm(v) in OTHER:
                    for other in OTHER[norm(v)]:
                        yield pytest.param(path, g.sheet, rc, other, id=f"{path.stem}-{v}-{other}")


@pytest.mark.parametrize("path, sheet, rc, other", list(cases()))
def test_a_header_spelled_as_other_templates_spell_it(path, sheet, rc, other):
    [g] = [g for g in load_grids(path) if g.sheet == sheet]
    before = findings(g)
    g2 = copy.deepcopy(g)
    g2.cells[rc] = other
    assert findings(g2) == before
