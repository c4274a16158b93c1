"""The same form sent twice, found only across the batch (recalc/crosscheck.py): notes, never findings."""
import shutil
from pathlib import Path

from openpyxl import load_workbook

from perfeval_xl.recalc.batch import run_batch

EX = Path(__file__).resolve().parent.parent / "workbooks" / "examples"
SEED1, SEED3 = EX / "seed001_评分表.xlsx", EX / "seed003_项目.xlsx"


def test_resent_and_revised_forms_are_said_on_each_file_and_counted_nowhere(tmp_path):
    inp = tmp_path / "in"
    (inp / "第二批").mkdir(parents=True)
    shutil.copy(SEED1, inp / "单位A.xlsx")
    shutil.copy(SEED1, inp / "第二批" / "单位A.xlsx")               # the same bytes, resent
    wb = load_workbook(SEED1)
    wb.active["A1"] = str(wb.active["A1"].value or "") + " "           # a revision: other bytes, same project and unit
    wb.save(inp / "单位A（修改）.xlsx")
    shutil.copy(SEED3, inp / "单位B.xlsx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    by = {w["path"]: w for w in summary["workbooks"]}
    notes = {k: w["notes"] for k, w in by.items()}
    assert notes["单位B.xlsx"] == []
    assert notes["单位A.xlsx"] == [
        "与 第二批/单位A.xlsx 内容完全相同：同一份表单报送了不止一次，汇总中重复计数，请只保留一份",
        "与 单位A（修改）.xlsx 的项目（2022年度樟树市防贫保险）和单位相同：可能是重复报送或修改稿，填报的数据一致，请确认以哪一份为准"]
    assert notes["单位A（修改）.xlsx"] == [
        "与 单位A.xlsx、第二批/单位A.xlsx 的项目（2022年度樟树市防贫保险）和单位相同：可能是重复报送或修改稿，填报的数据一致，"
        "请确认以哪一份为准"]
    # notes only: the findings are each form's own, as without the others
    alone = run_batch([SEED1], tmp_path / "alone", jobs=1, progress=None, isolate=False)["workbooks"][0]
    assert by["单位A.xlsx"]["sheets"] == alone["sheets"]


def test_forms_without_project_or_unit_are_not_grouped(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for name in ("甲.xlsx", "乙.xlsx"):
        wb = load_workbook(SEED1)
        wb.active["A1"] = name                 # other bytes
        for row in wb.active.iter_rows():
            for c in row:
                if c.value in ("2022年度樟树市防贫保险", "樟树市乡村振兴局"):
                    c.value = None
        wb.save(inp / name)
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    for w in summary["workbooks"]:
        assert not any("相同" in n for n in w["notes"]), w["notes"]


def test_repeats_are_listed_in_the_review_summary(tmp_path):
    from docx import Document

    from perfeval_xl.recalc.crosscheck import SAME_BYTES
    from perfeval_xl.report.review import write_review

    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(SEED1, inp / "单位A.xlsx")
    shutil.copy(SEED1, inp / "单位A（重发）.xlsx")
    shutil.copy(SEED3, inp / "单位B.xlsx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    by = {w["path"]: w["repeats"] for w in summary["workbooks"]}
    assert by == {"单位A.xlsx": [{"path": "单位A（重发）.xlsx", "same": SAME_BYTES}],
                  "单位A（重发）.xlsx": [{"path": "单位A.xlsx", "same": SAME_BYTES}], "单位B.xlsx": []}
    from openpyxl import load_workbook as load
    from perfeval_xl.recalc.summary import write_xlsx

    overview = {r[0]: r[1] for r in load(write_xlsx(summary, tmp_path / "summary.xlsx"))["概况"].iter_rows(
        min_row=2, values_only=True)}
    assert overview["可能重复报送的文件"] == 2
    doc = Document(write_review(summary, tmp_path / "复核意见汇总.docx"))
    assert "六、可能重复报送的文件" in [p.text for p in doc.paragraphs]
    rows = [[c.text for c in r.cells] for r in doc.tables[-1].rows]
    assert rows[1:] == [["单位A.xlsx", "单位A（重发）.xlsx", "内容完全相同"], ["单位A（重发）.xlsx", "单位A.xlsx", "内容完全相同"]]


def test_another_years_form_of_the_same_project_is_no_repeat(tmp_path):
    """A recurring project's forms of two years in one folder: same project and unit, another budget."""
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(SEED3, inp / "2022.xlsx")
    wb = load_workbook(SEED3)
    ws = wb["评价得分"]
    changed = 0
    for row in ws.iter_rows():
        for c in row:
            if c.value == 276.96:          # 调整后预算数 (the budget the summary reports)
                c.value, changed = 300, changed + 1
    assert changed
    wb.save(inp / "2023.xlsx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    budgets = {w["path"]: w["sheets"][0]["budget"] for w in summary["workbooks"]}
    assert budgets == {"2022.xlsx": 276.96, "2023.xlsx": 300}
    assert all(w["repeats"] == [] for w in summary["workbooks"])
