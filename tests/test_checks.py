"""The findings catalog: one trigger and one near-miss per rule, the seed expectations, a clean form."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfeval_xl.checks import CATALOG, render_markdown, run_checks
from perfeval_xl.engine.profile import NATIONAL
from perfeval_xl.model import BudgetBlock, Form, Indicator
from perfeval_xl.workbook.reader import read_workbook

from wb_builders import ROWS, TOTAL

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"


def clean_form() -> Form:
    """A correct, consistent standard 自评表 (hand-worked: 9 + 18 + 15 + 5 + 8.33 + 30 + 10 = 95.33 优)."""
    inds = []
    level1 = None
    for i, (l1, l2, name, t, a, w, s, note) in enumerate(ROWS):
        level1 = (l1 or level1).replace("指标", "")
        r = 8 + i
        inds.append(Indicator(name=name, level1=level1, level2=l2.replace("指标", ""), target=t, actual=a, weight=w,
                              score_stated=s, deviation_note=note, row=r,
                              cells={"name": f"C{r}", "target": f"D{r}", "actual": f"E{r}", "weight": f"F{r}",
                                     "score": f"G{r}", "deviation_note": f"H{r}"}))
    budget = BudgetBlock(initial=200, annual=220, executed=198, weight=10, rate_stated=0.9, score_stated=9,
                         rate_base="annual",
                         cells={"initial": "B5", "annual": "C5", "executed": "D5", "rate_stated": "F5", "score_stated": "G5"})
    return Form(kind="standard", sheet="自评表", indicators=inds, budget=budget, total_stated=TOTAL, total_weight=100,
                grade_stated="优", header={"项目名称": "某县农村饮水安全工程"}, cells={"total": "G14", "grade": "B15"})


def codes(form, **kw):
    return [f.code for f in run_checks(form, **kw)]


def ind(form, name):
    return next(i for i in form.indicators if i.name == name)


def test_clean_form_raises_no_error_or_warning():
    found = run_checks(clean_form())
    assert [f for f in found if f.severity in ("error", "warning")] == []


# each case: (code, mutate(form) that triggers it, mutate(form) that is a near miss)
def _w(form, v):
    ind(form, "水质达标率").weight = v


def _score(name, v):
    def f(form):
        ind(form, name).score_stated = v
    return f


def _chain(*fns):
    def f(form):
        for fn in fns:
            fn(form)
    return f


def _set(obj_getter, **kw):
    def f(form):
        o = obj_getter(form)
        for k, v in kw.items():
            setattr(o, k, v)
    return f


B = lambda f: f.budget  # noqa: E731
F = lambda f: f  # noqa: E731


def _group(weight):
    def f(form):
        form.groups[("产出", "数量")] = {"weight": weight, "cell": "B8"}
    return f


def _level(score):
    def f(form):
        form.levels["产出"] = {"weight": 50, "score": score, "score_cell": "G8", "cell": "A8"}
    return f


def _parts(base):
    def f(form):
        form.budget.parts = {"支出": (11.07, [("基本支出", 4.77), ("项目支出", base)])}
        form.budget.cells["part:支出"] = "D6"
    return f


def _targets(text):
    def f(form):
        ind(form, "受益人口").target = text
    return f


CASES = {
    "PE-A101": (_group(25), _group(20)),
    "PE-A102": (_chain(lambda f: _w(f, 14), _score("水质达标率", 14), _set(F, total_stated=94.33)), lambda f: None),
    "PE-A103": (_score("完工及时率", 6), _score("完工及时率", 5)),
    "PE-A104": (_set(F, total_stated=95.13), _set(F, total_stated=95.33)),
    "PE-A105": (_level(47), _level(46.33)),
    "PE-A106": (_set(B, rate_stated=0.95), _set(B, rate_stated=0.9)),
    "PE-A107": (_set(F, grade_stated="良"), _set(F, grade_stated="优")),
    "PE-A108": (_parts(6.2), _parts(6.3)),
    "PE-A109": (_set(F, total_stated=0), _set(F, total_stated=TOTAL)),
    "PE-A110": (lambda f: f.problems.append({"code": "PE-W007", "cell": "F8", "message": "分值‘十五’不是数字"}), lambda f: None),
    "PE-B201": (_set(B, executed=180, rate_stated=None, score_stated=None), _set(B, executed=198)),
    "PE-B202": (_set(B, executed=100, rate_stated=None, score_stated=None), _set(B, executed=132, rate_stated=None, score_stated=None)),
    "PE-B203": (_set(B, adjusted=300), _set(B, adjusted=210)),
    "PE-B204": (_set(B, arrived=200), _set(B, arrived=220)),
    "PE-B205": (_set(B, executed=230, rate_stated=None, score_stated=None), _set(B, executed=220, rate_stated=None, score_stated=None)),
    "PE-B206": (_set(B, procurement_budget=10, procurement_executed=5), _set(B, procurement_budget=10, procurement_executed=9.5)),
    "PE-B207": (_set(B, initial=0), _set(B, initial=1)),
    "PE-S301": (_chain(_set(B, executed=0, rate_stated=None, score_stated=None), _score("新建供水点数量", 20), _score("单位工程成本", 10)),
                _chain(_set(B, executed=0, rate_stated=None, score_stated=None), _score("新建供水点数量", 18))),
    "PE-S302": (_score("新建供水点数量", 20), _score("新建供水点数量", 18)),
    "PE-S303": (_chain(_score("受益人口", 28)), _chain(_score("受益人口", 28), _set(lambda f: ind(f, "受益人口"), deviation_note="抽样口径调整"))),
    "PE-S304": (_chain(_score("单位工程成本", 9), _set(F, total_stated=96)), _score("单位工程成本", 8.33)),
    "PE-S305": (_set(lambda f: ind(f, "单位工程成本"), deviation_note=None), _set(lambda f: ind(f, "单位工程成本"), deviation_note="材料涨价")),
    "PE-S306": (_set(lambda f: ind(f, "受益人口"), actual="≥5000人"), _set(lambda f: ind(f, "受益人口"), actual="5000人")),
    "PE-S307": (_set(lambda f: ind(f, "受益人口"), actual="6000人"), _set(lambda f: ind(f, "受益人口"), actual="5900人")),
    "PE-S308": (_set(lambda f: ind(f, "受益人口"), criterion="参照往年情况酌情打分"),
                _set(lambda f: ind(f, "受益人口"), criterion="完成目标满分；低于目标每1%扣1分，扣完为止")),
    "PE-T401": (_targets("显著增长"), _targets("≥5000人")),
    "PE-T402": (_targets("覆盖3个乡镇5000人"), _targets("≥5000人")),
    "PE-T403": (_set(B, weight=20), _set(B, weight=10)),
    "PE-T404": (lambda f: (setattr(f, "kind", "scoring"), f.levels.update({"决策": {"weight": 30}, "过程": {"weight": 20}, "产出": {"weight": 30}, "效益": {"weight": 20}})),
                lambda f: (setattr(f, "kind", "scoring"), f.levels.update({"决策": {"weight": 20}, "过程": {"weight": 20}, "产出": {"weight": 30}, "效益": {"weight": 30}}))),
    "PE-G501": (_set(F, total_stated=89.6), _set(F, total_stated=89.4)),
    # a table cut off before its total row: said once, and what rests on the total is withheld
    "PE-A100": (_set(F, unread={"total": "未找到总分（合计）行，表格可能不完整"}), _set(F, unread={})),
    # 年度资金总额 row left at 0 above a filled 其中 row (安徽 棠溪镇 form: 0/0/0 over 90/89.974/89.974)
    "PE-A111": (_set(B, annual=0, executed=0, rows={"当年财政拨款": {"annual": 220, "executed": 198}}),
                _set(B, rows={"当年财政拨款": {"annual": 220, "executed": 198}})),
    "PE-A112": (_chain(*[_score(r[2], None) for r in ROWS], _set(B, score_stated=None)),
                _chain(*[_score(r[2], None) for r in ROWS[1:]], _set(B, score_stated=None))),
    # a template sent unfilled (the 中央部门项目库's 项目支出绩效自评表 with 总分 0 right under the header); the near
    # miss: no indicator read from a table the reader did not find blank (no claim that it was not filled)
    "PE-A113": (_chain(lambda f: f.indicators.clear(), lambda f: f.cells.update(blank_table="C7")),
                lambda f: f.indicators.clear()),
    # 不适用: the indicator's 得分 cell holds "/"; the near miss: the same indicator scored
    "PE-S310": (_set(lambda f: ind(f, "受益人口"), not_applicable=True, score_stated=None), F),
    "PE-S309": (_set(lambda f: ind(f, "受益人口"), actual="完成"), _set(lambda f: ind(f, "受益人口"), actual="5200人")),
    "PE-T405": (_set(lambda f: ind(f, "受益人口"), weight=55), _set(lambda f: ind(f, "受益人口"), weight=50)),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(CATALOG)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_triggers_and_near_miss_does_not(code):
    trigger, near = CASES[code]
    form = clean_form()
    trigger(form)
    hits = [f for f in run_checks(form) if f.code == code]
    assert hits, f"{code} did not trigger"
    for f in hits:
        assert f.sheet == "自评表" and f.message and f.evidence and f.title == CATALOG[code].title
        assert f.cell, f"{code} names no cell"
    form = clean_form()
    near(form)
    assert code not in codes(form), f"{code} fired on its near miss"


def test_thresholds_come_from_the_profile():
    form = clean_form()
    form.budget.executed, form.budget.rate_stated, form.budget.score_stated = 190, None, None   # 86.36%
    assert "PE-B201" in codes(form)
    assert "PE-B201" not in codes(form, profile=NATIONAL.with_options(execution_explain_below=0.85))
    form.total_stated = 89.6
    assert "PE-G501" not in codes(form, profile=NATIONAL.with_options(boundary_margin=0.3))


def by_code(findings):
    out = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


def test_seed004_findings():
    [form] = read_workbook(EX / "seed004_晋中自评表.xlsx")
    found = by_code(run_checks(form))
    [s301] = found["PE-S301"]
    assert s301.cell == "E40" and "0.00%" in s301.evidence and "30/30" in s301.evidence
    s302 = {f.cell: f for f in found["PE-S302"]}
    assert "67.00%" in s302["E41"].evidence and "8/8" in s302["E41"].evidence      # 实际完成率
    assert "0.00%" in s302["E42"].evidence and "7/7" in s302["E42"].evidence       # 完成及时率
    [g] = found["PE-G501"]
    assert g.cell == "E51" and "90" in g.evidence and g.severity == "warning"


def test_seed003_findings():
    [form] = read_workbook(EX / "seed003_项目.xlsx")
    found = by_code(run_checks(form))
    assert "37.50%" in found["PE-B202"][0].evidence
    assert "-43.48%" in found["PE-B203"][0].evidence
    assert "79.99" in found["PE-G501"][0].evidence and found["PE-G501"][0].cell == "C14"


def test_seed002_findings():
    [form] = read_workbook(EX / "seed002_部门整体.xlsx")
    found = by_code(run_checks(form))
    assert "-69.30%" in found["PE-B203"][0].evidence
    assert "26.04%" in found["PE-B206"][0].evidence
    flagged = {f.evidence for f in found["PE-T401"]}
    assert {"指标值“增长”", "指标值“持续”", "指标值“符合”", "指标值“2022年全年”"} <= flagged
    assert not any("≥20个" in e or "≤8万元" in e for e in flagged)
    assert "PE-A108" not in found        # 4.77 + 6.3 = 11.07 and 1.28 + 4.98 = 6.26 add up


def test_seed001_only_what_is_in_the_data():
    [form] = read_workbook(EX / "seed001_评分表.xlsx")
    found = run_checks(form)
    serious = [(f.code, f.cell) for f in found if f.severity in ("error", "warning")]
    assert serious == [("PE-B204", "G11")]
    assert "70.97%" in found[0].evidence
    assert {f.code for f in found if f.severity == "info"} <= {"PE-S307"}    # 185 vs ≥90: target set low


def test_rules_doc_is_generated_from_the_catalog():
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == render_markdown()


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "perfeval_xl.cli", *args], cwd=ROOT, capture_output=True, text=True)


def test_validate_exit_status_and_json(tmp_path):
    ok = run_cli("validate", str(EX / "seed001_评分表.xlsx"))
    assert ok.returncode == 0 and "PE-B204" in ok.stdout
    bad = run_cli("validate", "--json", str(EX / "seed004_晋中自评表.xlsx"))
    assert bad.returncode == 1
    data = json.loads(bad.stdout)       # the same document as recalc's summary.json
    rows = data["workbooks"][0]["sheets"][0]["findings"]
    assert {"code", "severity", "sheet", "cell", "message", "evidence"} <= set(rows[0])
    junk = tmp_path / "x.xlsx"
    junk.write_text("not a workbook")
    unread = run_cli("validate", str(EX / "seed001_评分表.xlsx"), str(junk))
    assert unread.returncode == 2 and "PE-W001" in unread.stdout
    cat = json.loads(run_cli("rules", "--json").stdout)
    assert {r["code"] for r in cat} == set(CATALOG)


def test_pe_check_table():
    from perfeval_xl.udfs import PE_CHECK

    row = [["参保人员数量", 15, "≥38000人", "36667人", 15, "完成目标满分；低于目标每1%扣1分，扣完为止", None]]
    text = PE_CHECK(row)
    assert "[PE-S302]" in text and "[PE-S304]" in text and "11.49" in text
    clean = [["三级指标", "分值", "年度指标值", "实际完成值", "得分"], ["参保人员数量", 15, "≥38000人", "38100人", 15]]
    assert PE_CHECK(clean) == ""


def test_a_percent_printed_without_decimals_is_compared_at_its_precision():
    """廊坊's form prints 执行率 “86%” for 37.24/43.2 = 86.20%: a display rounding, not a wrong rate. Printed with two
    decimals the same 86.00% would be wrong by 0.20 points."""
    form = clean_form()
    form.budget.executed, form.budget.annual, form.budget.score_stated = 37.24, 43.2, None
    form.budget.rate_stated, form.budget.rate_decimals = 0.86, 0
    assert "PE-A106" not in codes(form)
    form.budget.rate_decimals = 2
    assert "PE-A106" in codes(form)
    form.budget.rate_stated, form.budget.rate_decimals = 0.85, 0     # 85% shows 86.20% wrongly even rounded
    assert "PE-A106" in codes(form)


def test_a_met_target_scored_low_without_a_reason_is_one_warning_not_three():
    """受益人口 met its target (hand-worked: the rule gives full marks, 30) but is scored 28 with no reason: that is one
    fact, said once by PE-S303 with its figures, not again as PE-S304 (rule says 30) and PE-S305 (no reason). A missed
    target scored low without a reason still gets PE-S305; a met one with a reason is no longer unexplained (no S303,
    no S305), but its score still contradicts the rule (PE-S304)."""
    form = clean_form()
    ind(form, "受益人口").score_stated = 28
    ind(form, "受益人口").deviation_note = None
    on_it = [f for f in run_checks(form) if f.cell in (ind(form, "受益人口").cells["score"],
                                                       ind(form, "受益人口").cells["deviation_note"])]
    assert [f.code for f in on_it] == ["PE-S303"] and "得分28分低于满分" in on_it[0].message
    ind(form, "受益人口").deviation_note = "抽样口径调整"
    assert {"PE-S303", "PE-S304", "PE-S305"} & set(codes(form)) == {"PE-S304"}
    missed = clean_form()
    ind(missed, "单位工程成本").deviation_note = None        # 8.33 of 10: missed, and now unexplained
    assert "PE-S305" in codes(missed) and "PE-S303" not in codes(missed)


@pytest.mark.parametrize("x, shown, percent", [
    (11.485, "11.49", "1148.50%"), (15, "15", "1500.00%"), (15.0, "15", "1500.00%"), (0.5, "0.5", "50.00%"),
    (0.9649, "0.96", "96.49%"), (2.675, "2.68", "267.50%"), (-0.125, "-0.13", "-12.50%"), (True, "1", "100.00%"),
    (0.0, "0", "0.00%"), (-0.0, "0", "0.00%"), (1e9 + 0.005, "1000000000.01", "100000000000.50%"), (None, "—", "—"),
])
def test_numbers_in_findings_show_as_excel_rounds_them_however_often_asked(x, shown, percent):
    """n() and pct() keep what they showed (the same scores recur down a form): the first answer and every later
    one are Excel's ROUND to two places, whatever number of equal value asked before (1, 1.0 and True)."""
    from perfeval_xl.checks.rules import n, pct

    for _ in range(2):
        assert (n(x), pct(x)) == (shown, percent)
