"""Each ribbon action on the example workbooks, through the file implementation of the sheet interface."""
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfeval_xl import ribbon
from perfeval_xl.checks.annotate import FILLS, HEADER, MARK, RESULT_SHEET
from perfeval_xl.xlio import XlsxBook

from libreoffice import convert, needs_libreoffice
from recalc_builders import seed001_pe_workbook

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"


def snapshot(book, sheet):
    sh = book.sheet(sheet)
    rows = sh.used_rows()
    cells = {}
    from perfeval_xl.xlio.grid import address

    for i, row in enumerate(rows, 1):
        for j, v in enumerate(row, 1):
            ref = address(i, j)
            cells[ref] = (v, sh.note(ref), sh.fill(ref))
    return cells


def test_validate_sheet_marks_cells_and_lists_findings(tmp_path):
    book = XlsxBook(EX / "seed004_晋中自评表.xlsx")
    msg = ribbon.validate_sheet(book)
    assert "错误 5 项" in msg and RESULT_SHEET in msg
    sh = book.sheet("自评表")
    assert sh.note("E41").startswith(MARK) and "[PE-S302]" in sh.note("E41")     # 实际完成率 8/8 at 67%
    assert sh.fill("E41") == FILLS["error"]
    assert sh.fill("E36") == FILLS["warning"]                                     # 扣分未说明
    res = book.sheet(RESULT_SHEET).used_rows()
    assert res[0] == HEADER
    codes = [r[1] for r in res[1:]]
    assert codes.count("PE-S302") == 3 and "PE-S301" in codes and "PE-G501" in codes
    book.save(tmp_path / "v.xlsx")
    wb = load_workbook(tmp_path / "v.xlsx")
    ws = wb[RESULT_SHEET]
    link_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 5).value == "E41")
    assert ws.cell(link_row, 5).hyperlink.location == "'自评表'!E41"
    assert wb["自评表"]["E41"].comment.text.startswith(MARK)


def test_clear_marks_restores_the_original_cells(tmp_path):
    src = tmp_path / "a.xlsx"
    shutil.copy(EX / "seed001_评分表.xlsx", src)
    book = XlsxBook(src)
    sh = book.sheet("评分表")
    sh.set_note("G11", "评价人原有批注")                 # a cell that will be flagged already has a note and a fill
    sh.set_fill("G11", "00B0F0")
    book.save(src)
    before = snapshot(XlsxBook(src), "评分表")
    book = XlsxBook(src)
    ribbon.validate_sheet(book)
    assert book.sheet("评分表").note("G11").startswith(MARK)
    assert book.sheet("评分表").fill("G11") == FILLS["warning"]
    book.save(tmp_path / "marked.xlsx")
    book = XlsxBook(tmp_path / "marked.xlsx")
    assert "已清除" in ribbon.clear_marks(book)
    assert RESULT_SHEET not in book.sheet_names()
    assert snapshot(book, "评分表") == before
    assert book.sheet("评分表").note("G11") == "评价人原有批注" and book.sheet("评分表").fill("G11") == "00B0F0"
    assert "没有需要清除" in ribbon.clear_marks(book)


def test_recalculate_writes_engine_scores_only_on_request(tmp_path):
    src = tmp_path / "a.xlsx"
    shutil.copy(EX / "seed001_评分表.xlsx", src)
    book = XlsxBook(src)
    book.sheet("评分表").set_value("H16", 15)          # an inflated self-score: 参保人员数量
    msg = ribbon.recalculate(book)
    assert book.sheet("评分表").value("H16") == 11.49
    assert "更新 1 个" in msg and "92.62" in msg


def test_recalculate_keeps_formula_cells(tmp_path):
    book = XlsxBook(seed001_pe_workbook(tmp_path / "pe.xlsx"))
    ribbon.recalculate(book)
    assert book.sheet("评分表").formula("H15").startswith("PE_SCORE(")


def test_insert_template_and_show_rules(tmp_path):
    book = XlsxBook(EX / "seed003_项目.xlsx")
    assert "自评表模板" in ribbon.insert_template(book)
    t = book.sheet("自评表模板")
    assert t.value("A1") == "项目支出绩效自评表" and t.formula("H12").startswith('IF(G12="","",PE_SCORE(')
    assert "条校验规则" in ribbon.show_rules(book)
    rules = book.sheet(ribbon.RULES_SHEET).used_rows()
    assert rules[0][0] == "规则" and any(r[0] == "PE-S302" for r in rules[1:])
    book.save(tmp_path / "t.xlsx")
    assert {"自评表模板", "校验规则"} <= set(load_workbook(tmp_path / "t.xlsx").sheetnames)


def test_validate_on_a_sheet_without_a_form():
    book = XlsxBook(EX / "seed001_评分表.xlsx")
    book.add_sheet("说明", [["填表说明"]])
    wb = book.pkg.tree("xl/workbook.xml")
    from perfeval_xl.xlio import N

    view = wb.find(f"{N}bookViews/{N}workbookView")
    view.set("activeTab", "1")
    assert "没有识别到" in ribbon.validate_sheet(book)


@needs_libreoffice
def test_freeze_action_gives_plain_formulas_libreoffice_agrees_with(tmp_path):
    book = XlsxBook(seed001_pe_workbook(tmp_path / "pe.xlsx"))
    from perfeval_xl.recalc.evaluate import evaluate, write_cached

    write_cached(book.pkg, evaluate(book.pkg, (tmp_path / "pe.xlsx").read_bytes()))
    assert "10 个" in ribbon.freeze(book)
    book.save(tmp_path / "frozen.xlsx")
    [lo] = convert([tmp_path / "frozen.xlsx"], tmp_path / "lo", profile=tmp_path / "p")
    ours = load_workbook(tmp_path / "frozen.xlsx", data_only=True)["评分表"]
    theirs = load_workbook(lo, data_only=True)["评分表"]
    for r in range(4, 25):
        assert ours[f"H{r}"].value == pytest.approx(theirs[f"H{r}"].value) if isinstance(ours[f"H{r}"].value, float) \
            else ours[f"H{r}"].value == theirs[f"H{r}"].value
