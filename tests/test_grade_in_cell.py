"""The stated grade written after its label in one cell (“自评等级：良”, “评价等级：优秀”), as many forms print their
last line. Before, such a grade was not read, and a grade that contradicts the total went unnoticed."""
import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.xlio.grid import Grid

ROWS = [["项目名称", "某项目"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
        ["产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 50, 50, None],
        ["效益指标", "社会效益指标", "受益人数", "≥50人", "45人", 50, 45, "部分未覆盖"],
        ["合计", None, None, None, None, 100, 95]]


@pytest.mark.parametrize("line, grade", [("自评等级：优", "优"), ("评价等级：优秀", "优"), ("自评等级:良好", "良"),
                                         ("等级：中", "中"), ("绩效等级：差", "差"), ("评价结果：良", "良")])
def test_a_grade_in_its_labels_cell_is_read(line, grade):
    [form] = recognise_all(Grid.from_rows("自评表", ROWS + [[line]]))
    assert (form.grade_stated, form.cells["grade"]) == (grade, "A6")


def test_a_grade_that_contradicts_the_total_is_found():
    [form] = recognise_all(Grid.from_rows("自评表", ROWS + [["自评等级：良"]]))
    [a107] = [f for f in run_checks(form) if f.code == "PE-A107"]
    assert a107.cell == "A6" and a107.severity == "error"


def test_a_sentence_that_mentions_a_grade_is_no_stated_grade():
    [form] = recognise_all(Grid.from_rows("自评表", ROWS + [["自评结论：该项目自评得分95分，等级为优。"]]))
    assert form.grade_stated is None
