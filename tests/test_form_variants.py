"""Realistic variants of one correct standard 自评表, as units fill the same form on different templates: header
spellings (全年预算数(A), 全年执行数（万元）, 三级指标名称, 年度实际完成值, 标准分值, 自评得分, 分值(分) …), the 分值
column before or after the targets, fields in their label's own cell (项目名称：…, 合计：97.5, 自评等级：优), parent
weights (产出指标(50分) / (50%)), weights in percent, numbers typed as text, the rate as 95%, 0.95 or 95, a blank line
left anywhere. Every variant must read whole (budget, six indicators, total, project) and raise no error and no
warning but the one the form holds (长效机制 “建立” is not quantified); with one figure changed, the finding it
makes must be raised. The 调整率 of a budget block with 全年预算数 and no 调整后预算数 is reckoned on 全年预算数, the
year's budget after its adjustments (年初 + 追加/调减).

Measured when this test was written, at b3abdab (the session's start): 186 of the 200 correct variants went wrong
(false PE-A102 / PE-A104 errors when the budget header carried (A) or （万元）, forms not recognised at all, projects
not read) and 109 of the 180 changed figures were missed (before the 调整率 change was added); none at its
commit.
"""
import random

import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.xlio.grid import Grid

BUDGET_HEADS = [
    ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
    ("年初预算数(万元)", "全年预算数(万元)", "全年执行数(万元)", "分值", "执行率", "得分"),
    ("年初预算数", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"),
    ("年初预算数", "调整后预算数", "预算执行数", "权重", "预算执行率", "得分"),
]
NAME = ["三级指标", "三级指标名称", "指标名称", "绩效指标(三级)"]
TARGET = ["年度指标值", "目标值", "指标值", "年度目标值", "预期目标值"]
ACTUAL = ["实际完成值", "全年实际完成值", "实际值", "完成值", "年度实际完成值"]
WEIGHT = ["分值", "权重", "标准分值", "分值(分)"]
SCORE = ["得分", "自评得分", "评价得分", "得分(分)"]
NOTE = ["偏差原因分析及改进措施", "未完成原因分析", "偏差原因及改进措施", "备注"]
TOTAL = ["合计", "总分", "总计", "自评总分", "合  计"]
GRADE = [("自评等级", "{g}"), ("评价等级", "{g}"), ("自评等级：{g}",), None]

#: (一级, 二级, 三级, 指标值, 实际完成值, 分值, 得分, 偏差原因): 88 points of 90, the budget 9.5 of 10: 97.5, 优
INDICATORS = [("产出指标", "数量指标", "培训人次", "≥100人次", "100人次", 20, 20, None),
              ("产出指标", "质量指标", "培训合格率", "≥95%", "96%", 15, 15, None),
              ("产出指标", "时效指标", "完成及时率", "100%", "100%", 15, 15, None),
              ("效益指标", "社会效益指标", "受益人数", "≥50人", "45人", 20, 18, "部分群众外出务工"),
              ("效益指标", "可持续影响指标", "长效机制", "建立", "已建立", 10, 10, None),
              ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10, None)]

#: a changed figure, and the finding (code, severity, row of the indicator or None) it must raise
CHANGES = {
    "total": ("PE-A104", "error", None),               # the total one point short of the scores' 97.5
    "over": ("PE-A103", "error", "培训人次"),          # 21 points on a 20-point indicator (total raised with it)
    "unmet-full": ("PE-S302", "error", "受益人数"),    # 45 of ≥50 people, scored in full (total raised with it)
    "adjusted": ("PE-B203", "warning", None),          # 年初预算 60 of the year's 100: adjusted by 66.67%
}


def variant(rng: random.Random, change: str | None = None) -> list[list]:
    inds = [list(i) for i in INDICATORS]
    if change == "over":
        inds[0][6] = 21
    elif change == "unmet-full":
        inds[3][6] = 20
    head = rng.choice(BUDGET_HEADS)
    initial = 60 if change == "adjusted" else 100
    rate = rng.choice(["95%", "95.00%", 0.95, 95, "95"])
    rows = [[rng.choice(["项目支出绩效自评表", "2023年度项目支出绩效自评表", None])]]
    if rng.random() < 0.5:
        rows += [["项目名称", None, "某县某项目"], ["主管部门", None, "某局", None, "实施单位", "某中心"]]
    else:
        rows += [["项目名称：某县某项目"], ["主管部门：某局   实施单位：某中心"]]
    rows += [["项目资金（万元）", None, *head],
             [None, rng.choice(["年度资金总额", "年度资金总额：", "资金总额"]), initial, 100, 95, 10, rate, 9.5],
             [None, rng.choice(["其中：当年财政拨款", "其中：财政拨款", "其中:财政资金"]), initial, 100, 95, None, rate,
              None],
             [None, "上年结转资金"], [None, "其他资金"],
             ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
             [None, "完成培训任务", None, None, None, "已完成培训任务"]]
    labels = [rng.choice(NAME), rng.choice(TARGET), rng.choice(ACTUAL), rng.choice(WEIGHT), rng.choice(SCORE),
              rng.choice(NOTE)]
    order = [0, 3, 1, 2, 4, 5] if rng.random() < 0.3 else [0, 1, 2, 3, 4, 5]
    rows.append(["绩效指标", "一级指标", "二级指标", *[labels[i] for i in order]])
    parent_weights, percent_weights = rng.random() < 0.4, rng.random() < 0.15
    points: dict[str, int] = {}
    for l1, *_rest, w, _s, _n in inds:
        points[l1] = points.get(l1, 0) + w
    previous = None
    for l1, l2, name, target, actual, w, s, note in inds:
        parent = None
        if l1 != previous:
            parent = f"{l1}({points[l1]}{rng.choice(['分', '%'])})" if parent_weights else l1
        previous = l1
        values = [name, target, actual, w, s, note]
        if rng.random() < 0.2:
            values[3], values[4] = str(w), str(s)
        elif percent_weights:
            values[3] = f"{w}%"
        rows.append([None, parent, l2, *[values[i] for i in order]])
    total = sum(i[6] for i in inds) + 9.5 - (1 if change == "total" else 0)
    label = rng.choice(TOTAL)
    if rng.random() < 0.15:
        rows.append([f"{label.replace(' ', '')}：{total:g}"])
    else:
        row = [label] + [None] * 8
        row[3 + order.index(3)] = "100%" if percent_weights else 100
        row[3 + order.index(4)] = total
        rows.append(row)
    grade = rng.choice(GRADE)
    if grade:
        rows.append([x.format(g="优") for x in grade])
    if rng.random() < 0.2:                  # a blank line left somewhere inside the form
        rows.insert(rng.randrange(3, len(rows) - 1), [])
    return rows


def read(rows):
    forms = recognise_all(Grid.from_rows("自评表", rows))
    assert len(forms) == 1, rows
    return forms[0]


SEEDS = range(200)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_correct_form_in_any_variant_reads_whole_and_raises_nothing_false(seed):
    rows = variant(random.Random(seed))
    form = read(rows)
    assert form.project == "某县某项目" and form.header.get("实施单位") == "某中心"
    b = form.budget
    assert (b.executed, b.weight, b.rate_stated, b.score_stated) == (95, 10, 0.95, 9.5), rows
    assert [(i.name, i.weight, i.score_stated) for i in form.indicators] == [(i[2], i[5], i[6]) for i in INDICATORS]
    assert form.total_stated == 97.5 and not form.unread, form.unread
    found = [(f.code, f.severity) for f in run_checks(form)]
    assert found == [("PE-T401", "warning")], (found, rows)


@pytest.mark.parametrize("seed", SEEDS[:60])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_changed_figure_is_found_in_any_variant(seed, change):
    code, severity, name = CHANGES[change]
    form = read(variant(random.Random(seed), change))
    hits = [f for f in run_checks(form) if f.code == code and f.severity == severity]
    assert hits, (change, [(f.code, f.cell) for f in run_checks(form)])
    if name:
        row = next(i.row for i in form.indicators if i.name == name)
        assert any(f.cell.endswith(str(row)) for f in hits)


@pytest.mark.parametrize("seed", SEEDS[:60])
def test_two_variants_stacked_on_one_sheet_read_as_two(seed):
    """A department exporting its projects into one sheet: the second form starts right under the first one's last
    line (合计：97.5, 自评等级：优) or after a blank row or two; the last line stays with its form."""
    gap = [[]] * (seed % 3)
    rows = variant(random.Random(seed)) + gap + variant(random.Random(seed + 1000))
    forms = recognise_all(Grid.from_rows("自评表", rows))
    assert [(len(f.indicators), f.total_stated, f.unread) for f in forms] == [(6, 97.5, {})] * 2
    assert all(sorted({(x.code, x.severity) for x in run_checks(f)}) == [("PE-T401", "warning")] for f in forms)


#: the 四川 部门预算项目支出绩效自评表 (the 青神县 corpus form's layout), filled: 预算执行情况(10分) 251.89 → 239.30
#: (95.00%, 9.5 of 10) and 90 points of indicators split over 指标性质 | 指标值 | 度量单位: 99.5
SICHUAN_INDICATORS = [("产出指标", "数量指标", "发放覆盖率", "=", 100, "%", 100, 30, 30),
                      ("产出指标", "质量指标", "资金使用合规率", "=", 100, "%", 100, 20, 20),
                      ("产出指标", "成本指标", "人均成本", "≤", 5, "万元", 4.8, 10, 10),
                      ("效益指标", "社会效益指标", "保障对象满意率", "≥", 90, "%", 95, 20, 20),
                      ("满意度指标", "服务对象满意度指标", "满意度", "≥", 90, "%", 92, 10, 10)]


def sichuan_variant(rng: random.Random, change: str | None = None) -> list[list]:
    head = rng.choice([("年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"),
                       ("年度预算数（万元）", "年初预算数", "调整后预算数(万元)", "预算执行数(万元)", "执行率", "权重", "得分",
                        "原因"),
                       ("年度预算数(万元)", "年初预算", "调整后预算", "执行数", "预算执行率(%)", "分值", "得分", "原因")])
    rate = rng.choice(["95.00%", 0.95, "95%"])
    rows = [[None] * 9 + ["报表编号:510000_0013"],
            [rng.choice(["部门预算项目支出绩效自评表(2023年度)", "项目支出绩效自评表"])],
            ["项目名称", "某县工资性支出"],
            ["主管部门", "某局", None, None, None, "实施单位 (盖章)", "某中心"],
            ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", None, None, None, "年度目标完成情况"],
            [None, None, "保障工资及时足额发放", None, None, None, "已完成"],
            [rng.choice(["预算执行情况(10分)", "预算执行情况（10分）"]), *head],
            [None, "总额", 238.93, 251.89, 239.30, rate, 10, 9.5, "部分资金年底未支付"],
            [None, "其中:财政资金", 238.93, 251.89, 239.30, rate, "/", "/"],
            [None, "财政专户管理资金", 0, 0, 0, "0.00%", "/", "/"],
            [None, "单位资金", 0, 0, 0, "0.00%", "/", "/"],
            [None, "其他资金", None, None, None, None, "/", "/"],
            [rng.choice(["绩效指标(90分)", "绩效指标（90分）"]), "一级指标", "二级指标", rng.choice(["三级指标", "三级指标名称"]),
             "指标性质", "指标值", rng.choice(["度量单位", "计量单位"]), rng.choice(["完成值", "实际完成值"]),
             rng.choice(["权重", "分值"]), rng.choice(["得分", "自评得分"]), rng.choice(["未完成原因分析", "偏差原因分析"])]]
    total = 9.5
    for k, (l1, l2, name, op, target, unit, actual, w, s) in enumerate(SICHUAN_INDICATORS):
        s = 31 if change == "over" and k == 0 else s
        total += s
        rows.append([None, l1, l2, name, op, target, unit, actual if rng.random() < 0.7 else f"{actual:g}", w, s, None])
    total -= 1 if change == "total" else 0
    rows.append(["合计", 100, *[None] * 7, total] if rng.random() < 0.5 else ["合计", *[None] * 7, 100, total])
    rows.append(["评价结论", "良好"])
    if rng.random() < 0.2:
        rows.insert(rng.randrange(7, len(rows) - 1), [])
    return rows


@pytest.mark.parametrize("seed", SEEDS[:100])
def test_a_correct_sichuan_form_in_any_variant_reads_whole_and_raises_nothing(seed):
    """At b3abdab 67 of these 100 variants went wrong, most with false PE-A102 / PE-A104 errors (the budget block
    with （万元） or 预算执行率(%) in its header was not found); 13 of the 80 changed figures were missed."""
    form = read(sichuan_variant(random.Random(seed)))
    b = form.budget
    assert (b.adjusted, b.executed, b.weight, b.score_stated) == (251.89, 239.30, 10, 9.5)
    assert len(form.indicators) == 5 and form.total_stated == 99.5 and not form.unread
    # only the note that its 产出 60 / 效益 20 differ from the usual 50 / 30
    assert [(f.code, f.severity) for f in run_checks(form)] == [("PE-T403", "info")]


@pytest.mark.parametrize("seed", SEEDS[:40])
@pytest.mark.parametrize("change, code", [("total", "PE-A104"), ("over", "PE-A103")])
def test_a_changed_figure_is_found_in_any_sichuan_variant(seed, change, code):
    assert code in [f.code for f in run_checks(read(sichuan_variant(random.Random(seed), change)))]
