"""A form's fields written after their labels in the label's own cell, as many forms print them: “项目名称：某项目”,
“主管部门：某局  实施单位：某中心” in one cell, “合计：95” or “自评总分：95分” as the last line. Before, such a form had
no project, department or unit (so no two files could be told the same project), no total, and two such forms on one
sheet were read as one."""
import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.workbook.sheetscan import inline_fields
from perfeval_xl.xlio.grid import Grid


def form(name="某项目", s2=45, last=("合计：95",)):
    return [["项目支出绩效自评表"], [f"项目名称：{name}"], ["主管部门：某局   实施单位（盖章）：某中心"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
            ["产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 50, 50, None],
            ["效益指标", "社会效益指标", "受益人数", "≥50人", "45人", 50, s2, "部分未覆盖"],
            list(last)]


def test_header_fields_in_their_labels_cells():
    [f] = recognise_all(Grid.from_rows("自评表", form()))
    assert f.header == {"项目名称": "某项目", "主管部门": "某局", "实施单位": "某中心"}
    assert f.cells["项目名称"] == "A2" and f.cells["实施单位"] == "A3"


@pytest.mark.parametrize("text, fields", [
    ("主管部门：某局   实施单位（盖章）：某中心", [("主管部门", "某局"), ("实施单位", "某中心")]),
    ("项目名称: 2019年校园足球 ", [("项目名称", "2019年校园足球")]),
    ("项目名称：", [])])
def test_inline_fields(text, fields):
    assert inline_fields(text) == fields


@pytest.mark.parametrize("last, total", [(("合计：95",), 95), (("自评总分：95分",), 95), (("总分:95.5",), 95.5)])
def test_a_total_in_its_labels_cell(last, total):
    [f] = recognise_all(Grid.from_rows("自评表", form(last=last)))
    assert (f.total_stated, f.cells["total"], f.cells["total_row"]) == (total, "A7", "7")
    assert "total" not in f.unread


def test_a_total_in_its_labels_cell_is_checked():
    # 50 + 45 = 95, the form says 90 (a total above the indicators' would be held back: this form shows no budget
    # block, whose points it could hold)
    [f] = recognise_all(Grid.from_rows("自评表", form(last=("合计：90",))))
    [a104] = [x for x in run_checks(f) if x.code == "PE-A104"]
    assert a104.cell == "A7" and "95" in a104.message and "90" in a104.message


def test_a_figure_under_the_score_column_comes_first():
    [f] = recognise_all(Grid.from_rows("自评表", form(last=("合计：95", None, None, None, None, 100, 95))))
    assert (f.total_stated, f.cells["total"]) == (95, "G7")


def test_two_forms_with_their_names_in_one_cell_are_two_forms():
    rows = form("甲项目") + [[]] + form("乙项目", s2=40, last=("合计：90",))
    forms = recognise_all(Grid.from_rows("自评表", rows))
    assert [(f.project, f.total_stated, len(f.indicators)) for f in forms] == [("甲项目", 95, 2), ("乙项目", 90, 2)]
