"""A form whose merged cells were split and filled (WPS's 拆分并填充内容, Excel's unmerge + fill down, done to make a
sheet sortable): every cell of a former merge holds its value. Such a form must read as it did merged.

Before, the 合计 row of the 四川 forms (“合计 | 100” merged across the whole table) split and filled put 100 under
both 权重 and 得分: the 大英县 fragment then got two false errors (分值合计 90 ≠ 100, 总分 100 ≠ 得分 90).
"""
from pathlib import Path

import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.workbook.reader import load_grids
from perfeval_xl.xlio.grid import Grid

ROOT = Path(__file__).resolve().parent.parent
FORMS = sorted((ROOT / "workbooks" / "corpus").glob("*.xlsx")) + sorted((ROOT / "workbooks" / "examples").glob("*.xlsx"))


def split_and_filled(g: Grid) -> Grid:
    cells, formats = dict(g.cells), dict(g.number_formats)
    for r1, c1, r2, c2 in g.merged:
        if (r1, c1) not in g.cells:
            continue
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                cells[(r, c)] = g.cells[(r1, c1)]
                if (r1, c1) in g.number_formats:
                    formats[(r, c)] = g.number_formats[(r1, c1)]
    return Grid(sheet=g.sheet, cells=cells, merged=[], number_formats=formats, formulas=dict(g.formulas), path=g.path)


def findings(g: Grid):
    return sorted(((f.code, f.cell, f.severity) for form in recognise_all(g) for f in run_checks(form)), key=str)


@pytest.mark.parametrize("path", FORMS, ids=[p.name for p in FORMS])
def test_a_form_split_and_filled_reads_as_it_did_merged(path):
    for g in load_grids(path):
        assert g.merged or not findings(g)
        assert findings(split_and_filled(g)) == findings(g)


def test_the_fragment_total_filled_across_the_row_stays_unread():
    [g] = load_grids(ROOT / "workbooks" / "corpus" / "sichuan_daying_chengben_fragment_2023.xlsx")
    [form] = recognise_all(split_and_filled(g))
    assert form.total_stated is None and form.total_weight is None
    assert form.unread["total"] == "合计行只有一个数值 100（B3–K3 各格相同），无法确定是分值合计还是总分"
    assert not {"PE-A102", "PE-A104"} & {f.code for f in run_checks(form)}


def test_one_figure_spread_over_the_score_columns_only_is_the_total():
    # 合计 | … | 分值 (blank) | 得分 92 merged over 得分 and the columns after it, split and filled: 92 is the total
    head = [["项目名称", "某项目"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因", "备注"],
            ["产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 50, 46, "未足额", None],
            ["效益指标", "社会效益指标", "受益人数", "≥50人", "50人", 50, 46, "未足额", None]]
    [form] = recognise_all(Grid.from_rows("自评表", head + [["合计", None, None, None, None, None, 92, 92, 92]]))
    assert (form.total_weight, form.total_stated, form.cells["total"]) == (None, 92, "G5") and "total" not in form.unread
    # with the weights' total beside it, the row is no single figure: 分值 100, 得分 92 as written
    [form] = recognise_all(Grid.from_rows("自评表", head + [["合计", None, None, None, None, 100, 92, 92, 92]]))
    assert (form.total_weight, form.total_stated, form.cells["total"]) == (100, 92, "G5")
