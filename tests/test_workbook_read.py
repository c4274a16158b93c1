"""Reading the bundled examples, the templates and user-made variants of the standard 自评表."""
import hashlib
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from perfeval_xl.engine.scoring import score_form
from perfeval_xl.workbook.examples import EXAMPLES, write_examples
from perfeval_xl.workbook.reader import read_workbook
from perfeval_xl.workbook.templates import write_template

from wb_builders import BASE_COLS, ROWS, TOTAL, standard_sheet, standard_workbook

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"


def sha(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def test_committed_examples_are_what_the_code_builds(tmp_path):
    for p in write_examples(tmp_path):
        assert p.read_bytes() == (EX / p.name).read_bytes(), p.name


def test_seed001_example():
    before = sha(EX / "seed001_评分表.xlsx")
    [form] = read_workbook(EX / "seed001_评分表.xlsx")
    assert sha(EX / "seed001_评分表.xlsx") == before
    assert form.kind == "scoring" and form.project == "2022年度樟树市防贫保险"
    assert len(form.indicators) == 19
    assert {k: v["weight"] for k, v in form.levels.items()} == {"决策": 15, "过程": 15, "产出": 50, "效益": 20}
    assert (form.total_stated, form.total_weight, form.grade_stated) == (92.62, 100, "优")
    ind = {i.name: i for i in form.indicators}
    p = ind["参保人员数量"]
    assert (p.weight, p.target, p.actual, p.score_stated, p.level1, p.level2) == (15, "≥38000人", "36667人", 11.49, "产出", "产出数量")
    assert p.cells["score"] == "H16" and p.cells["actual"] == "G16"
    fs = score_form(form)
    assert fs.levels == {"决策": 14, "过程": 14.13, "产出": 46.49, "效益": 18}
    assert (fs.total, fs.grade) == (92.62, "优")
    assert fs.score_of(p).value == 11.49
    assert fs.score_of(ind["资金到位率"]).value == 2.13
    assert fs.score_of(ind["社会公众或受益对象的满意度"]).value == 8


def test_seed002_example():
    [form] = read_workbook(EX / "seed002_部门整体.xlsx")
    assert form.kind == "department"
    fs = score_form(form)
    assert fs.adjustment.percent == -69.30
    assert fs.procurement.percent == 26.04
    b = form.budget
    assert b.parts["支出"] == (11.07, [("基本支出", 4.77), ("项目支出", 6.3)])
    assert b.parts["政府采购"] == (6.26, [("货物", 1.28), ("服务", 4.98)])
    targets = dict((n, t) for n, t, _ in form.targets_text)
    assert targets["区内包扶项目个数"] == "≥20个" and targets["工业企业产值实现增长"] == "增长"
    assert (form.total_stated, form.grade_stated) == (86.5, "良")


def test_seed003_example():
    [form] = read_workbook(EX / "seed003_项目.xlsx")
    fs = score_form(form)
    assert fs.execution.percent == 37.5 and fs.execution.base == "调整后预算数"
    assert fs.adjustment.percent == -43.48
    assert {k: v["score"] for k, v in form.levels.items()} == {"决策": 12, "过程": 13.88, "产出": 27, "效益": 27.11}
    assert (fs.total, fs.grade, form.grade_stated) == (79.99, "中", "中")


def test_seed004_example():
    [form] = read_workbook(EX / "seed004_晋中自评表.xlsx")
    assert form.kind == "jinzhong"
    assert {k: (v["weight"], v["score"]) for k, v in form.levels.items()} == {
        "投入": (20, 11), "过程": (20, 19), "产出": (30, 30), "效果": (30, 30)}
    assert (form.total_stated, form.grade_stated) == (90.0, "优")
    fs = score_form(form)
    assert fs.levels == {"投入": 11, "过程": 19, "产出": 30, "效果": 30} and (fs.total, fs.grade) == (90.0, "优")
    assert (form.budget.annual, form.budget.arrived, form.budget.executed) == (160, 0, 0)
    done = {i.name: i for i in form.indicators}["实际完成率"]
    assert done.progress == "67%" and done.score_stated == 8 and done.cells["progress"] == "F16"
    assert {i.name: i.progress for i in form.indicators}["完成及时率"] == 0


def test_seed004_budget_typed_with_its_unit(tmp_path):
    """The 晋中 form's 预算资金 typed as "160万元" (the block's own unit, as units type it) reads as 160: before,
    the amount was skipped and with it 执行率 0% (PE-B202), 到位率 (PE-B204) and the S301 contradiction."""
    wb = load_workbook(EX / "seed004_晋中自评表.xlsx")
    wb["自评表"]["D7"] = "160万元"
    wb.save(tmp_path / "typed.xlsx")
    [form] = read_workbook(tmp_path / "typed.xlsx")
    assert (form.budget.annual, form.budget.arrived, form.budget.executed) == (160, 0, 0)
    assert form.budget.cells["annual"] == "D7"


def test_templates_filled_in(tmp_path):
    path = write_template("自评表", tmp_path)
    wb = load_workbook(path)
    ws = wb["自评表"]
    ws["B3"] = "某县农村饮水安全工程"
    ws["B6"], ws["C6"], ws["D6"] = 200, 220, 198
    for i, (_l1, _l2, name, t, a, w, s, note) in enumerate(ROWS):
        r = 12 + i
        ws.cell(r, 3, name)
        ws.cell(r, 4, "反向" if t.startswith("≤") else "正向")
        ws.cell(r, 5, t)
        ws.cell(r, 6, a)
        ws.cell(r, 7, w)
        ws.cell(r, 8, s)      # the evaluator's typed score replaces the PE_SCORE formula
    wb.save(path)
    [form] = read_workbook(path)
    assert form.kind == "standard" and form.project == "某县农村饮水安全工程"
    assert [i.name for i in form.indicators] == [r[2] for r in ROWS]
    assert form.budget.annual == 220 and form.budget.executed == 198 and form.budget.weight == 10
    fs = score_form(form)
    assert fs.execution.percent == 90.0 and fs.budget.value == 9
    assert [s.value for _, s in fs.scores] == [r[6] for r in ROWS]
    assert fs.total == TOTAL and fs.grade == "优"
    # the formulas are live: PE_SCORE in the score column, PE_GRADE for the grade
    wbf = load_workbook(write_template("评分表", tmp_path / "b"))
    assert wbf["评分表"]["H5"].value.startswith('=IF(D5="","",PE_SCORE(')
    assert write_template("standard", tmp_path / "c").name == "自评表模板.xlsx"
    dv = load_workbook(write_template("自评表", tmp_path / "d"))["自评表"].data_validations.dataValidation
    assert dv and "正向" in dv[0].formula1


VARIANTS = {
    "plain": {},
    "moved_columns": {"order": ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "偏差原因分析及改进措施", "得分"]},
    "merged_header": {"merged_header": True},
    "numbers_as_text": {"as_text": True},
    "full_width": {"full_width": True},
    "blank_row": {"blank_row": True},
    "shifted_right": {"col_offset": 2},
}


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_variants_read_identically(tmp_path, variant):
    path = standard_workbook(tmp_path / f"{variant}.xlsx", **VARIANTS[variant])
    before = sha(path)
    [form] = read_workbook(path)
    assert sha(path) == before
    assert form.kind == "standard" and form.project == "某县农村饮水安全工程"
    got = [(i.level1, i.level2, i.name, i.weight, i.score_stated) for i in form.indicators]
    want = [(r[0] or prev, r[1], r[2], r[5], r[6]) for r, prev in zip(ROWS, ["产出"] * 4 + ["效益", "满意度"])]
    want = [(w[0].replace("指标", ""), w[1].replace("指标", "") if w[1] != "服务对象满意度指标" else "服务对象满意度", *w[2:])
            for w in want]
    assert got == want
    fs = score_form(form)
    assert [s.value for _, s in fs.scores] == [r[6] for r in ROWS]   # recomputed, not copied
    assert fs.execution.percent == 90.0 and fs.budget.value == 9
    assert fs.total == TOTAL and form.total_stated == TOTAL and form.grade_stated == "优"


def test_second_form_on_another_sheet(tmp_path):
    wb = Workbook()
    standard_sheet(wb.active)
    wb.active.title = "项目A"
    standard_sheet(wb.create_sheet("项目B"), project="另一个项目", order=VARIANTS["moved_columns"]["order"])
    wb.create_sheet("说明").append(["填表说明：请按实际填写"])
    wb.save(tmp_path / "two.xlsx")
    forms = read_workbook(tmp_path / "two.xlsx")
    assert [(f.sheet, f.project) for f in forms] == [("项目A", "某县农村饮水安全工程"), ("项目B", "另一个项目")]
    assert [score_form(f).total for f in forms] == [TOTAL, TOTAL]


def test_sichuan_variant(tmp_path):
    """四川: 预算执行情况(10分) on 调整后预算数, 绩效指标(90分) with 指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 未完成原因分析."""
    wb = Workbook()
    ws = wb.active
    ws.title = "四川自评"
    ws.append(["项目名称", "某县林业有害生物防治"])
    ws.append(["预算执行情况(10分)"])
    ws.append(["", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"])
    ws.append(["项目资金", 120, 100, 95, "95%", 10, 9.5])
    ws.append(["绩效指标(90分)"])
    ws.append(["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"])
    ws.append(["产出指标", "数量指标", "防治面积", "≥", 5000, "亩", 4800, 30, 28.8, "雨季推迟"])
    ws.append([None, "成本指标", "亩均成本", "≤", 80, "元", 100, 20, 16, "药剂涨价"])
    ws.append(["效益指标", "生态效益指标", "成灾率", "≤", 0.5, "%", 0.4, 30, 30, None])
    ws.append(["满意度指标", "服务对象满意度指标", "林农满意度", "≥", 90, "%", 92, 10, 10, None])
    ws.append(["合计", None, None, None, None, None, None, 100, 94.3])
    wb.save(tmp_path / "sc.xlsx")
    [form] = read_workbook(tmp_path / "sc.xlsx")
    assert form.kind == "sichuan"
    assert (form.budget.initial, form.budget.adjusted, form.budget.executed, form.budget.weight) == (120, 100, 95, 10)
    fs = score_form(form)
    assert fs.execution.percent == 95.0 and fs.execution.base == "调整后预算数" and fs.budget.value == 9.5
    assert fs.adjustment.percent == -16.67
    ind = {i.name: i for i in form.indicators}
    assert (ind["防治面积"].direction, ind["防治面积"].unit, ind["防治面积"].weight) == ("≥", "亩", 30)
    # 4800/5000 × 30 = 28.8; 80/100 × 20 = 16 (反向, ratio); 0.4 ≤ 0.5 → 30; 92 ≥ 90 → 10
    assert [s.value for _, s in fs.scores] == [28.8, 16, 30, 10]
    assert fs.total == 94.3 and form.total_stated == 94.3


def test_budget20_variant(tmp_path):
    """20 + 80: 预算执行情况(20分): 预算数(A) | 执行数(B) | 执行率(B/A) | 得分(20分*执行率)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", "城区道路维护"])
    ws.append(["预算执行情况(20分)"])
    ws.append(["", "预算数(A)", "执行数(B)", "执行率(B/A)", "得分(20分*执行率)"])
    ws.append(["合计", 300, 270, 0.9, 18])
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"])
    ws.append(["产出指标", "数量指标", "维护道路长度", "≥20公里", "20公里", 40, 40])
    ws.append(["效益指标", "社会效益指标", "道路完好率", "≥95%", "96%", 30, 30])
    ws.append(["满意度指标", "满意度指标", "市民满意度", "≥90%", "88%", 10, 9.78])
    ws.append(["总分", None, None, None, None, 100, 97.78])
    wb.save(tmp_path / "b20.xlsx")
    [form] = read_workbook(tmp_path / "b20.xlsx")
    assert form.kind == "budget20"
    assert (form.budget.annual, form.budget.executed, form.budget.weight) == (300, 270, 20)
    assert form.budget.score_formula == "得分(20分*执行率)"
    fs = score_form(form)
    assert fs.execution.percent == 90.0 and fs.budget.value == 18
    assert [s.value for _, s in fs.scores] == [40, 30, 9.78]       # 88/90 × 10 = 9.78
    assert fs.total == 97.78


def test_template_placeholder_rows_are_skipped_only_when_empty():
    """河北's template leaves “指标2” and “……” rows in; empty, they are not indicators. A filled row that keeps the
    template's name (“指标2”) is the unit's indicator and is read."""
    from perfeval_xl.xlio.grid import Grid
    from perfeval_xl.workbook.layouts import recognise

    rows = [
        ["项目名称", "某项目"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["产出指标", "数量指标", "指标1工程完工率", 100, 100, 50, 50],
        [None, None, "指标2"],
        [None, None, "……"],
        [None, "质量指标", "指标2", "≥95%", "96%", 50, 50],
        ["总分", None, None, None, None, 100, 100],
    ]
    form = recognise(Grid.from_rows("自评表", rows))
    assert [i.name for i in form.indicators] == ["指标1工程完工率", "指标2"]
    assert form.indicators[1].target == "≥95%" and form.total_stated == 100


def test_two_row_merged_header_is_not_read_as_a_data_row(tmp_path):
    """Real forms merge each header cell over two rows ("分值" over rows 3–4). Row 4 is still the header: reading the
    merged "分值" there as a weight gave a false PE-A110 error ("分值‘分值’不是数字") on a clean form."""
    from openpyxl import Workbook

    from perfeval_xl.checks import run_checks
    from perfeval_xl.engine.scoring import score_form
    from perfeval_xl.recalc.batch import grids_of
    from perfeval_xl.workbook.layouts import recognise
    from perfeval_xl.xlio import XlsxBook

    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    ws["A1"] = "项目绩效评分表"
    heads = ["序号", "一级指标", "二级指标", "三级指标", "分值", "目标值", "实际值", "得分", "偏差原因"]
    for j, h in enumerate(heads, 1):
        ws.cell(3, j, h)
        ws.merge_cells(start_row=3, start_column=j, end_row=4, end_column=j)
    rows = [(1, "产出", "数量", "培训人数", 50, "≥100人", "100人", 50, None),
            (2, "效益", "满意度", "满意度", 50, "≥90%", "95%", 50, None)]
    for i, row in enumerate(rows, 5):
        for j, v in enumerate(row, 1):
            ws.cell(i, j, v)
    ws.cell(7, 1, "合计")
    ws.cell(7, 5, 100)
    ws.cell(7, 8, 100)
    path = tmp_path / "two_row_header.xlsx"
    wb.save(path)
    [form] = [f for f in map(recognise, grids_of(XlsxBook(path))) if f is not None]
    assert [i.name for i in form.indicators] == ["培训人数", "满意度"] and form.indicators[0].row == 5
    assert form.problems == []
    fs = score_form(form)
    codes = [f.code for f in run_checks(form, score=fs)]
    assert "PE-A110" not in codes and fs.total == 100


def test_merge_lookup_matches_a_plain_search():
    """Grid.merge_of indexes the merged ranges; it must answer exactly as a search of the list does, large ranges
    (kept out of the index) included, and follow the list when it changes."""
    from perfeval_xl.xlio.grid import Grid

    merged = [(r, c, r + 1, c) for r in range(1, 60, 2) for c in range(1, 4)] + [(100, 1, 300, 40)]
    g = Grid(sheet="S", cells={(1, 1): "a", (100, 1): "big"}, merged=merged)

    def plain(row, col):
        return next((m for m in merged if m[0] <= row <= m[2] and m[1] <= col <= m[3]), None)

    for r in range(1, 320, 3):
        for c in range(1, 45, 2):
            assert g.merge_of(r, c) == plain(r, c)
    assert g.get(2, 1) == "a" and g.get(250, 30) == "big" and g.get(2, 5) is None
    g.merged.append((400, 1, 401, 1))
    assert g.merge_of(401, 1) == (400, 1, 401, 1)


@pytest.mark.parametrize("merged", [[], [(3, 1, 6, 1), (3, 2, 4, 3), (8, 2, 8, 4), (10, 1, 5000, 3)]])
def test_a_table_read_row_after_row_reads_each_cell_as_get_does(merged):
    """Grid.table_reader (the indicator table's rows) looks its columns and merges up once: every row it reads is
    what get() gives cell by cell, through small merges, a large one (kept out of the index) and none."""
    from perfeval_xl.xlio.grid import Grid

    cells = {(r, c): f"{r}-{c}" for r in range(1, 14) for c in range(1, 6) if (r * c) % 3}
    cells.update({(r1, c1): f"merge {r1}-{c1}" for r1, c1, _r2, _c2 in merged})
    g = Grid(sheet="S", cells=cells, merged=merged)
    cols = {"level1": 1, "name": 2, "target": 3, "score": 4, "note": 6}
    read = g.table_reader(cols)
    for r in range(1, 16):
        assert read(r) == g.table_row(r, cols) == {f: g.get(r, c) for f, c in cols.items()}
    assert not merged or (read(6)["level1"], read(4)["target"], read(12)["name"]) == ("merge 3-1", "merge 3-2", "merge 10-1")


def test_every_executed_label_holds_one_of_the_words_the_budget_search_looks_for():
    """Issue 16: the budget block is looked for only on sheets with a label holding 执行, 支出 or 决算; every spelling
    of the 执行数 column the reader knows holds one (the pattern's alternatives, and their variants)."""
    from perfeval_xl.workbook.labels import BUDGET_COLUMNS, EXECUTED_WORDS, match_field

    # the pattern as the spellings below were written against; a changed pattern gets its new spellings added here
    assert BUDGET_COLUMNS["executed"].pattern == (r"全年执行(数|金额)|预算执行数|执行(数|金额)(\(B\))?|实际支出(数|资金)?|"
                                                  r"支出决算(数)?|决算(数)?")
    for label in ["全年执行数", "全年执行金额", "预算执行数", "执行数", "执行金额", "执行数(B)", "执行金额(B)", "实际支出",
                  "实际支出数", "实际支出资金", "支出决算", "支出决算数", "决算", "决算数",
                  # with the letter or unit a header adds after the label
                  "全年执行数(B)", "全年执行数(万元)", "实际支出数(万元)", "决算数(元)"]:
        assert match_field(label, BUDGET_COLUMNS) == "executed", label
        assert any(w in label for w in EXECUTED_WORDS), label


def test_a_word_is_never_found_across_two_labels():
    """Issue 16: the distinct labels are looked through as one text joined by line breaks; a word split over two
    cells ("合" | "计") is not in any label, a word in one label is, and past the size cap the labels are read one by
    one with the same answers."""
    from perfeval_xl.workbook.sheetscan import LabelledSheet
    from perfeval_xl.xlio.grid import Grid

    rows = [["合", "计", "项目 名称："], ["得分（20分*执行率）", None, "实际值"]]
    for cap in (LabelledSheet.JOINED_CHARS, 10):
        sheet = LabelledSheet(Grid.from_rows("s", rows))
        sheet.JOINED_CHARS = cap
        assert (sheet.joined is None) == (cap == 10)
        assert not sheet.mentions("合计") and not sheet.mentions("计项") and not sheet.mentions("合\n计")
        assert sheet.mentions("项目名称") and sheet.mentions("执行率") and sheet.mentions("合")
        assert sheet.mentions_any(("无", "名称")) and not sheet.mentions_any(("无", "有"))


def test_number_formats_read_once_per_styles_part_and_from_the_tree_for_added_formats():
    """Two workbooks on one template share their styles part: the second reads its number formats without parsing
    that part, and gets the same; a format added afterwards (a fill on a percent cell) is read from the tree."""
    import io

    from perfeval_xl.xlio import XlsxPackage
    from perfeval_xl.xlio.filebook import XlsxBook

    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = 0.9649, 12.5, "x", 3
    ws["A1"].number_format = "0.00%"
    ws["B1"].number_format = '#,##0.0"万元"'
    ws["D1"].number_format = "0%"
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    first, second = XlsxBook(XlsxPackage(data)), XlsxBook(XlsxPackage(data))
    styles_part = first.styles.part
    assert styles_part == "xl/styles.xml" and not second.pkg.parsed(styles_part)
    sheet = second.pkg.sheet_part(second.sheet_names()[0])
    cells = second.pkg.cells(sheet)
    got = {ref: second.styles.number_format(cells.style(ref)) for ref in ("A1", "B1", "C1", "D1")}
    assert got == {"A1": "0.00%", "B1": '#,##0.0"万元"', "C1": None, "D1": "0%"}
    assert got == {ref: first.styles.number_format(first.pkg.cells(sheet).style(ref)) for ref in got}
    filled = second.styles.with_fill(cells.style("A1"), "FFC7CE")
    assert filled != cells.style("A1") and second.styles.number_format(filled) == "0.00%"
    assert second.styles.number_format(999) is None and first.styles.number_format(999) is None   # past the xfs


def test_a_form_below_thousands_of_unlabelled_rows_is_found_as_on_its_own():
    """The indicator header is looked for in labelled rows only: a 基础数据 block of 3,000 rows of numbers above the
    form changes nothing of what is read (seed 001's form, moved down), and the rows looked at are the labelled ones."""
    from perfeval_xl.workbook.layouts import recognise
    from perfeval_xl.workbook.reader import load_grids
    from perfeval_xl.workbook.sheetscan import LabelledSheet
    from perfeval_xl.xlio.grid import Grid

    [g] = [g for g in load_grids(EX / "seed001_评分表.xlsx") if recognise(g) is not None][:1]
    shift = 3000
    cells = {(r + shift, c): v for (r, c), v in g.cells.items()}
    cells.update({(r, c): r * 10 + c for r in range(1, shift + 1) for c in range(1, 6)})
    moved = Grid(sheet=g.sheet, cells=cells, merged=[(a + shift, b, c + shift, d) for a, b, c, d in g.merged],
                 number_formats={(r + shift, c): f for (r, c), f in g.number_formats.items()})
    alone, below = recognise(g), recognise(moved)
    assert [(i.name, i.weight, i.score_stated, i.row + shift) for i in alone.indicators] == \
        [(i.name, i.weight, i.score_stated, i.row) for i in below.indicators]
    assert (below.total_stated, below.grade_stated) == (alone.total_stated, alone.grade_stated) and below.indicators
    sheet = LabelledSheet(moved)
    assert sheet.labelled_rows() == sorted({r for (r, c), s in sheet.labels.items() if s and c <= sheet.max_col})
    assert sheet.labelled_rows()[0] > shift
