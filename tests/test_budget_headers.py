"""Budget and indicator headers as forms print them: with the letter a formula names the column by (全年预算数(A),
全年执行数(B), 执行率(B/A)) or with the unit (全年预算数（万元）, 得分(分)), and a few more spellings (全年预算金额,
全年执行金额, 标准分, 自评分, 年度实际完成值, 偏差原因及改进措施).

Before, 全年预算数(A) / 全年执行数(B) and the headers with （万元） were not read: the budget block was not found, and
the form's 100 points then counted 90 (PE-A102) and its total 94 against the indicators' 86 (PE-A104): two false
errors on a correct form. Now a budget block that was not read holds back those two errors where the points it may
hold explain the gap.
"""
import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.labels import BUDGET_COLUMNS, INDICATOR_COLUMNS, match_field, norm
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.xlio.grid import Grid


def form(head, total=94):
    rows = [["项目名称", "某项目"],
            ["项目资金（万元）", None, *head],
            [None, "年度资金总额", 100, 100, 80, 10, "80%", 8],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
            ["产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 50, 50, None],
            ["效益指标", "社会效益指标", "受益人数", "≥50人", "45人", 40, 36, "部分未覆盖"],
            ["合计", None, None, None, None, 100, total]]
    [f] = recognise_all(Grid.from_rows("自评表", rows))
    return f


@pytest.mark.parametrize("head", [
    ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
    ("年初预算数", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"),
    ("年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）", "分值", "执行率(%)", "得分"),
    ("年初预算", "全年预算金额", "全年执行金额", "分值", "执行率", "得分")])
def test_budget_headers_with_letters_and_units(head):
    f = form(head)
    b = f.budget
    assert (b.initial, b.annual, b.executed, b.weight, b.rate_stated, b.score_stated) == (100, 100, 80, 10, 0.8, 8)
    assert (b.cells["annual"], b.cells["executed"]) == ("D3", "E3") and "budget" not in f.unread
    # 执行率 80% under 90%: said; 10 + 50 + 40 = 100 and 8 + 50 + 36 = 94 as stated: no arithmetic finding
    assert [x.code for x in run_checks(f)] == ["PE-B201", "PE-T403"]


@pytest.mark.parametrize("label, field", [
    ("全年预算数(A)", "annual"), ("全年执行数(B)", "executed"), ("执行率(B/A)", "rate"), ("全年预算数(万元)", "annual"),
    ("调整后预算数(万元)", "adjusted"), ("实际支出数(万元)", "executed"), ("全年执行金额", "executed"),
    ("执行率(%)", "rate")])
def test_budget_labels(label, field):
    assert match_field(norm(label), BUDGET_COLUMNS) == field


@pytest.mark.parametrize("label, field", [
    ("分值(分)", "weight"), ("标准分", "weight"), ("得分(分)", "score"), ("自评得分(分)", "score"), ("自评分", "score"),
    ("年度实际完成值", "actual"), ("实际完成值(B)", "actual"), ("实际完成数", "actual"), ("绩效目标值", "target"),
    ("三级指标名称", "name"), ("偏差原因及改进措施", "note"), ("未完成原因分析及改进措施", "note"),
    ("指标内容", None), ("年度目标", None)])
def test_indicator_labels(label, field):
    assert match_field(norm(label), INDICATOR_COLUMNS) == field


def test_a_budget_block_not_read_holds_back_what_its_points_may_explain():
    f = form(("年初数", "批复数", "支出数", "分值", "支出进度", "得分"))       # a header the reader does not know
    assert f.budget is None and f.unread == {"budget": "未找到预算执行情况（项目资金）表"}
    assert [x.code for x in run_checks(f)] == ["PE-A100"]      # not PE-A102 (90 ≠ 100) nor PE-A104 (94 ≠ 86)
    # a total below the indicators' own scores is wrong whatever the budget block holds
    f = form(("年初数", "批复数", "支出数", "分值", "支出进度", "得分"), total=84)
    assert [x.code for x in run_checks(f)] == ["PE-A104", "PE-A100"]


def test_a_total_row_left_empty_above_a_filled_detail_row_is_found():
    """The 年度资金总额 row with only its 分值 and 得分, the amounts under 其中：当年财政拨款: PE-A111 points at the empty
    total cell (before, only a total row filled with 0 was found, as 棠溪镇's)."""
    rows = [["项目名称", "某项目"],
            ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            [None, "年度资金总额", None, None, None, 10, None, 9.5],
            [None, "其中：当年财政拨款", 100, 100, 95, None, "95%", None],
            [None, "上年结转资金"], [None, "其他资金"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
            ["产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 50, 50, None],
            ["效益指标", "社会效益指标", "受益人数", "≥50人", "50人", 40, 40, None],
            ["合计", None, None, None, None, 100, 99.5]]
    [f] = recognise_all(Grid.from_rows("自评表", rows))
    [a111] = [x for x in run_checks(f) if x.code == "PE-A111"]
    assert a111.cell == "C3" and a111.severity == "error"
    assert a111.message == "资金总额行的年初预算数空白，而其中明细合计100万元（当年财政拨款 100），总额行未填或填错。"


def sources_form(rows_below):
    rows = [["项目名称", "某项目"],
            ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            [None, "年度资金总额", 100, 100, 95, 10, "95%", 9.5],
            *rows_below,
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
            ["产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 50, 50, None],
            ["效益指标", "社会效益指标", "受益人数", "≥50人", "50人", 30, 30, None],
            ["满意度指标", "满意度", "满意度", "≥90%", "95%", 10, 10, None],
            ["合计", None, None, None, None, 100, 99.5]]
    [f] = recognise_all(Grid.from_rows("自评表", rows))
    return [(x.code, x.cell, x.message) for x in run_checks(f) if x.severity != "info"]


def test_the_funds_total_is_the_sum_of_its_sources():
    """年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金 (the template's 其中 rows; one left empty is 0)."""
    assert sources_form([[None, "其中：当年财政拨款", 90, 90, 85], [None, "上年结转资金"],
                         [None, "其他资金", 10, 10, 10]]) == []
    found = sources_form([[None, "其中：当年财政拨款", 80, 80, 75], [None, "上年结转资金"],
                          [None, "其他资金", 10, 10, 10]])
    assert [(code, cell) for code, cell, _m in found] == [("PE-A108", "C3"), ("PE-A108", "D3"), ("PE-A108", "E3")]
    assert found[1][2] == "年度资金总额（全年预算数）100万元，而分项合计（当年财政拨款80 + 其他资金10）为90万元，勾稽不平。"


def test_sources_not_all_known_are_not_summed():
    # a 其中 row the template does not print (财政专户管理资金): the list may not be whole, so nothing is claimed
    assert sources_form([[None, "其中：当年财政拨款", 80, 80, 75], [None, "财政专户管理资金", 5, 5, 5],
                         [None, "其他资金", 10, 10, 10]]) == []
    # nor when 其他资金 is not printed at all
    assert sources_form([[None, "其中：当年财政拨款", 80, 80, 75], [None, "上年结转资金", 10, 10, 10]]) == []


def test_a_second_total_row_under_the_sources_is_not_summed_as_a_source():
    assert sources_form([[None, "其中：当年财政拨款", 90, 90, 85], [None, "上年结转资金"],
                         [None, "其他资金", 10, 10, 10], [None, "合计", 100, 100, 95]]) == []
