"""The 项目支出绩效自评表 sheet as a budget system exports it, next to its other sheets (项目基本信息, 支出计划,
绩效目标执行监控 …): laid out like the 中央部门项目库's export of a 2019 project found in a public repository
(1751660300/DoExecl, ``static/template.xls``): an 11-column form whose 项目资金 header row has its 年度资金总额 rows
left empty, the 年度总体目标 block, then the indicator table and 总分.

Three things went wrong on it before: the empty budget block was filled from the first indicator row (a target
"≥90%" read as 全年预算数 0.9, its actual as 执行数, its weight as 分值: two false errors), an unfilled form (总分 0
right under the header) passed with no finding, and a 总分 of #REF! (its SUM broken by moved rows) was reported as
"未找到总分行".
"""
from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.xlio.grid import Grid

SHEET = "项目支出绩效自评表"


def central_form(indicators, total=(0, 0), budget_rows=()):
    rows = [["项目支出绩效自评表"], ["(2019年度)"], [],
            ["项目名称", None, "2019年210青少年校园足球扶持资金"],
            ["主管部门", None, "教育部", None, None, "实施单位"],
            ["项目资金（万元）", None, None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", None, "得分"],
            *budget_rows,
            [],
            ["年度总体目标", "预期目标", None, None, None, None, "实际完成情况"],
            [None, "完成校园足球运动技术动画20集的设计制作与播出"],
            [None, "一级指标", "二级指标", "三级指标", None, "年度指标值", "实际完成值", "分值", "得分",
             "偏差原因分析及改进措施"]]
    for i, row in enumerate(indicators):
        rows.append(["绩效指标" if i == 0 else None, *row])
    rows.append(["总分", None, None, None, None, None, None, *total])
    return Grid.from_rows(SHEET, rows)


FILLED = [["产出指标", "质量指标", "媒体播出标准", None, "≥90%", "95%", 20, 20],
          ["产出指标", "数量指标", "完成动画短剧的制作", None, "20集", "20集", 30, 30],
          ["效益指标", "社会效益指标", "在校园推广足球运动", None, "推广面广", "推广面广", 30, 30],
          ["满意度指标", "校园用户满意度", "校园用户满意度", None, "≥90%", "96%", 20, 20]]


def only_form(grid):
    forms = recognise_all(grid)
    assert len(forms) == 1
    return forms[0]


def test_an_empty_budget_block_is_not_filled_from_the_indicator_rows():
    form = only_form(central_form(FILLED, (100, 100)))
    b = form.budget
    assert (b.initial, b.annual, b.executed, b.weight, b.rate_stated, b.cells) == (None, None, None, None, None, {})
    assert form.unread == {"budget": "预算执行情况表（第6行）未填写金额"}
    assert [i.name for i in form.indicators][0] == "媒体播出标准" and form.total_stated == 100
    found = run_checks(form)
    assert not [f for f in found if f.severity == "error"], found    # was PE-A106 on I11 and PE-B205 on G11
    assert [(f.code, f.cell) for f in found] == [("PE-T401", "F13"), ("PE-A100", "E6")]


def test_a_filled_budget_block_is_read_as_before():
    rows = [[None, "年度资金总额：", None, None, 190, 190, 171, 10, "90%", None, 9]]
    form = only_form(central_form(FILLED[:3], (89, 89), rows))
    b = form.budget
    assert (b.initial, b.annual, b.executed, b.weight, b.rate_stated, b.score_stated) == (190, 190, 171, 10, 0.9, 9)
    assert "budget" not in form.unread


def test_a_form_sent_unfilled_is_said_to_be_unfilled():
    form = only_form(central_form([], (0, 0)))
    assert form.indicators == [] and form.total_stated == 0
    found = run_checks(form)
    assert [(f.code, f.severity, f.cell) for f in found] == [("PE-A113", "warning", "D10"), ("PE-A100", "info", "E6")]
    assert "自评表尚未填写" in found[0].message
    # the template's own level labels and placeholders are no filling either
    form = only_form(central_form([["产出指标", "数量指标", "指标1"], [None, None, "……"]], (0, 0)))
    assert [f.code for f in run_checks(form)][0] == "PE-A113"


def test_rows_the_reader_did_not_take_are_not_called_unfilled():
    # a weight under no indicator name: something was written there, so nothing is claimed about filling
    form = only_form(central_form([["产出指标", "数量指标", None, None, None, None, 20]], (20, 0)))
    assert form.indicators == []
    assert "PE-A113" not in [f.code for f in run_checks(form)]


def test_a_total_that_is_an_excel_error_is_reported_as_such():
    form = only_form(central_form(FILLED, ("#REF!", "#REF!")))
    assert form.total_stated is None and form.cells["total_row"] == "15"
    assert form.unread["total"] == "总分单元格 I15 为错误值 #REF!"
    found = {(f.code, f.cell): f for f in run_checks(form)}
    assert found[("PE-A110", "I15")].severity == "error"
    assert "总分为错误值 #REF!" in found[("PE-A110", "I15")].message
    assert "未找到总分" not in found[("PE-A100", "I15")].message
    # the weights' total is not read from a row whose total is unknown: no 分值合计 or 总分 finding
    assert not {"PE-A102", "PE-A104", "PE-A109"} & {code for code, _cell in found}


def write_book(path, sheets):
    from openpyxl import Workbook
    wb = Workbook()
    wb.remove(wb.active)
    for name, grid in sheets:
        ws = wb.create_sheet(name)
        for (r, c), v in grid.cells.items():
            ws.cell(r, c, v)
    wb.save(path)


def test_a_blank_template_beside_the_filled_form_is_set_aside_with_a_note(tmp_path):
    from perfeval_xl.recalc.batch import run_batch
    filled = central_form(FILLED, (100, 100))
    blank = central_form([], (0, 0))
    (tmp_path / "in").mkdir()
    write_book(tmp_path / "in" / "两张.xlsx", [("自评表", filled), ("模板", blank)])
    write_book(tmp_path / "in" / "空白.xlsx", [("模板", blank)])
    summary = run_batch([tmp_path / "in"], tmp_path / "out", jobs=1, progress=None, isolate=False)
    both, empty = sorted(summary["workbooks"], key=lambda w: w["path"] != "两张.xlsx")
    assert [s["sheet"] for s in both["sheets"]] == ["自评表"]
    assert "工作表‘模板’中的表单未填写（空白模板），另有已填写的表单，未列入校验" in both["notes"]
    assert "PE-A113" not in [f["code"] for s in both["sheets"] for f in s["findings"]]
    # a file whose only form is blank is reviewed, and said to be unfilled
    assert [f["code"] for s in empty["sheets"] for f in s["findings"]][0] == "PE-A113"
