"""What a reviewer opens: summary.xlsx and the 校验结果 sheet of an annotated copy, read back with openpyxl."""
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from perfeval_xl import ribbon
from perfeval_xl.checks.annotate import LEGACY_HEADER, RESTORE_SHEET, RESULT_SHEET, annotate, clear_annotations
from perfeval_xl.model import Finding
from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.recalc.summary import file_status, totals, totals_line, write_xlsx
from perfeval_xl.xlio import XlsxBook

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outputs")
    inp = tmp / "in"
    inp.mkdir()
    for p in EX.glob("*.xlsx"):
        shutil.copy(p, inp / p.name)
    (inp / "损坏.xlsx").write_bytes(b"PK\x03\x04 broken")
    wb = Workbook()
    wb.active["A1"] = "会议纪要"                       # opens, but holds no form
    wb.save(inp / "纪要.xlsx")
    out = tmp / "out"
    summary = run_batch([inp], out, jobs=2, progress=False)
    write_xlsx(summary, out / "summary.xlsx")
    return out, summary


def test_statuses_cover_every_file(batch):
    _, summary = batch
    by = {w["path"]: file_status(w) for w in summary["workbooks"]}
    assert by == {"seed001_评分表.xlsx": "有警告", "seed002_部门整体.xlsx": "有警告", "seed003_项目.xlsx": "有错误",
                  "seed004_晋中自评表.xlsx": "有错误", "损坏.xlsx": "无法读取", "纪要.xlsx": "未识别"}
    t = totals(summary)
    assert (t["files"], t["forms"], t["status"]["有错误"], t["status"]["无法读取"]) == (6, 4, 2, 1)
    assert t["findings"]["错误"] == 6       # seed003: 1, seed004: 5
    assert totals_line(summary).startswith("共 6 个文件、4 张表单：有错误 2，有警告 2，未识别 1，无法读取 1")


def test_summary_workbook_is_ready_to_print_and_filter(batch):
    out, _ = batch
    wb = load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["概况", "汇总", "问题清单", "等级分布"]
    for ws in wb:
        assert ws.freeze_panes is not None, ws.title
        # one page wide: fitToWidth is 1 (its schema default, which XlsxWriter leaves unwritten), height unbounded
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (None, 1)
        assert ws.page_setup.paperSize == 9 and ws.print_title_rows.replace("$", "") == "1:1"
        assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    forms, findings = wb["汇总"], wb["问题清单"]
    head = [c.value for c in forms[1]]
    assert head[:3] == ["序号", "状态", "文件"] and forms.auto_filter.ref == f"A1:S{forms.max_row}"
    rows = {forms.cell(r, 3).value: [c.value for c in forms[r]] for r in range(2, forms.max_row + 1)}
    assert rows["损坏.xlsx"][1] == "无法读取" and "PE-W001" in rows["损坏.xlsx"][-1]
    assert rows["纪要.xlsx"][1] == "未识别"
    s3 = rows["seed003_项目.xlsx"]
    assert (s3[1], s3[6], s3[8], s3[9], s3[12], s3[14]) == ("有错误", "绩效评价评分表", 0.375, "调整后预算数", 79.99, "中")
    assert forms.column_dimensions["S"].width >= 40 and forms["S2"].alignment.wrap_text
    assert forms.cell(2, 3).hyperlink.target == "seed001_评分表.xlsx"
    assert findings.column_dimensions["G"].width >= 60 and findings.freeze_panes == "C2"
    link = next(findings.cell(r, 4).hyperlink for r in range(2, findings.max_row + 1)
                if findings.cell(r, 5).value == "PE-B202" and findings.cell(r, 2).value == "seed003_项目.xlsx")
    assert (link.target, link.location) == ("seed003_项目.xlsx", "'评价得分'!E6")
    assert {findings.cell(r, 6).value for r in range(2, findings.max_row + 1)} <= {"错误", "警告", "提示"}
    assert forms.conditional_formatting and findings.conditional_formatting
    chart = wb["等级分布"]._charts[0]
    assert chart.y_axis.majorUnit == 1 and len(chart.series) == 2
    assert chart.y_axis.delete in (None, False) and chart.x_axis.delete in (None, False)   # both axes shown
    overview = {r[0].value: r[1].value for r in wb["概况"].iter_rows(min_row=2)}
    assert overview["文件数"] == 6 and overview["文件：无法读取"] == 1 and overview["文件：未识别"] == 1


def test_result_sheet_is_styled_and_its_record_hidden(batch):
    out, _ = batch
    wb = load_workbook(out / "seed004_晋中自评表.xlsx")
    assert wb.sheetnames[-2:] == [RESULT_SHEET, RESTORE_SHEET]
    assert wb[RESTORE_SHEET].sheet_state == "veryHidden" and wb[RESULT_SHEET].sheet_state == "visible"
    ws = wb[RESULT_SHEET]
    assert [c.value for c in ws[1]] == ["序号", "规则", "级别", "工作表", "单元格", "问题说明", "依据数据"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:G{ws.max_row}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$1:$1"
    assert ws.column_dimensions["F"].width == 70 and ws["F2"].alignment.wrap_text and ws["A1"].font.b
    levels = {ws.cell(r, 3).value: ws.cell(r, 3).fill.fgColor.rgb for r in range(2, ws.max_row + 1)}
    assert levels == {"错误": "FFFFC7CE", "警告": "FFFFEB9C"}
    long_row = next(r for r in range(2, ws.max_row + 1) if len(ws.cell(r, 6).value) > 40)
    assert ws.row_dimensions[long_row].height >= 30


def test_annotated_copies_are_the_same_bytes_whatever_the_process_imported(tmp_path):
    """The sheets annotation adds to xl/workbook.xml carry r:id. With its namespace declared only on the workbook's
    own <sheet> elements, lxml named it "ns0", or "r" once openpyxl (which registers prefixes) had been imported:
    the same input gave two different copies. Now "r" is declared on the new elements, in any process."""
    import subprocess
    import sys

    src = EX / "seed001_评分表.xlsx"
    assert b'<workbook xmlns:r=' not in zipfile.ZipFile(src).read("xl/workbook.xml")     # declared per <sheet> only
    code = """
import sys
if sys.argv[2] == "openpyxl":
    import openpyxl
from perfeval_xl.recalc.batch import Job, prepare, process
from perfeval_xl.engine.profile import NATIONAL
prepare()
assert ("openpyxl" in sys.modules) == (sys.argv[2] == "openpyxl")
print(process(Job(sys.argv[1], "a.xlsx", sys.argv[3], NATIONAL, True, False))["status"])
"""
    outs = []
    for mode in ("plain", "openpyxl"):
        out = tmp_path / f"{mode}.xlsx"
        res = subprocess.run([sys.executable, "-c", code, str(src), mode, str(out)], capture_output=True, text=True,
                             cwd=ROOT)
        assert res.returncode == 0 and res.stdout.split() == ["ok"], res.stderr[-2000:]
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    book = zipfile.ZipFile(tmp_path / "plain.xlsx").read("xl/workbook.xml").decode()
    added = re.findall(r"<sheet [^>]*>", book)[1:]
    assert len(added) == 2 and all(' r:id="rId' in el and "ns0" not in el for el in added)


def test_clear_restores_after_the_hidden_record(tmp_path):
    src = tmp_path / "a.xlsx"
    shutil.copy(EX / "seed001_评分表.xlsx", src)
    book = XlsxBook(src)
    book.sheet("评分表").set_note("G11", "原有批注")
    book.save(src)
    original = XlsxBook(src)
    before = {ref: (original.sheet("评分表").note(ref), original.sheet("评分表").fill(ref)) for ref in ("G11", "G17")}
    book = XlsxBook(src)
    ribbon.validate_sheet(book)
    book.save(tmp_path / "m.xlsx")
    marked = XlsxBook(tmp_path / "m.xlsx")
    assert marked.sheet(RESTORE_SHEET).used_rows()[1][:3] == ["评分表", "G11", "原有批注"]
    assert clear_annotations(marked)
    assert marked.sheet_names() == ["评分表"]
    assert {ref: (marked.sheet("评分表").note(ref), marked.sheet("评分表").fill(ref)) for ref in before} == before


def test_annotating_again_adds_no_formats(tmp_path):
    """The 校验结果 table's cell formats share one thin grey border, and annotating a copy annotated before reuses
    the formats already there. (A border built on its own serialised as ns0:border and never matched the part's
    <border>s: every table format added one more, and every new annotation added them all again.)"""
    def counts(path):
        styles = zipfile.ZipFile(path).read("xl/styles.xml").decode()
        return [int(re.search(f'<{tag} count="(\\d+)"', styles).group(1)) for tag in ("borders", "cellXfs")]

    src = EX / "seed004_晋中自评表.xlsx"
    borders, xfs = counts(src)
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    for a, b in ((src, first), (first, second)):
        book = XlsxBook(a)
        assert "校验完成：错误" in ribbon.validate_sheet(book)
        book.save(b)
    once, twice = counts(first), counts(second)
    assert once[0] == borders + 1 and once[1] > xfs
    assert twice == once


def test_clear_understands_the_earlier_nine_column_record(tmp_path):
    book = XlsxBook(EX / "seed001_评分表.xlsx")
    sh = book.sheet("评分表")
    sh.set_note("G11", "【绩效校验】\n[PE-B204] 警告：…")
    sh.set_fill("G11", "FFEB9C")
    book.add_sheet(RESULT_SHEET, [LEGACY_HEADER, [1, "PE-B204", "警告", "评分表", "G11", "…", "…", "旧批注", "（无）"]])
    assert clear_annotations(book)
    assert (sh.note("G11"), sh.fill("G11"), book.sheet_names()) == ("旧批注", None, ["评分表"])


def test_removing_our_sheets_keeps_later_sheets_names_and_tabs(tmp_path):
    """A sheet the user added after ours keeps its print area and stays the active tab."""
    book = XlsxBook(EX / "seed003_项目.xlsx")
    annotate(book, [Finding("PE-B202", "error", "评价得分", "E6", "执行率偏低", "37.50%")])
    book.add_sheet("备注", [["复核人备注"]])
    book.save(tmp_path / "a.xlsx")
    wb = load_workbook(tmp_path / "a.xlsx")
    wb["备注"].print_area = "A1:B3"
    wb.active = wb.sheetnames.index("备注")
    wb.save(tmp_path / "b.xlsx")
    book = XlsxBook(tmp_path / "b.xlsx")
    assert clear_annotations(book)
    book.save(tmp_path / "c.xlsx")
    wb = load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames == ["评价得分", "备注"]
    assert wb["备注"].print_area == "'备注'!$A$1:$B$3" and wb.active.title == "备注"


def test_readme_shows_every_rendered_picture():
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_docs", ROOT / "scripts" / "render_docs.py")
    render_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_docs)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in render_docs.PICTURES:
        assert f"(docs/img/{name})" in readme and (ROOT / "docs" / "img" / name).stat().st_size > 10_000


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice and poppler-utils are needed to render")
def test_render_script_regenerates_the_pictures(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_docs.py"), "--out", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == sorted(p.name for p in (ROOT / "docs" / "img").glob("*.png")) and len(pngs) == 9
    assert all((tmp_path / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_finding_links_quote_a_sheet_name_as_excel_does(tmp_path):
    """A sheet named 王's 表: the 问题清单 link to its cell is '王''s 表'!E6 (the apostrophe doubled), which Excel follows."""
    wb = load_workbook(EX / "seed003_项目.xlsx")
    wb.active.title = "王's 表"
    wb.save(tmp_path / "q.xlsx")
    summary = run_batch([tmp_path / "q.xlsx"], tmp_path / "out", jobs=1, progress=False, isolate=False)
    write_xlsx(summary, tmp_path / "out" / "summary.xlsx")
    ws = load_workbook(tmp_path / "out" / "summary.xlsx")["问题清单"]
    links = {ws.cell(r, 5).value: ws.cell(r, 4).hyperlink for r in range(2, ws.max_row + 1)}
    assert (links["PE-B202"].target, links["PE-B202"].location) == ("q.xlsx", "'王''s 表'!E6")


def test_a_path_too_long_for_a_link_is_still_named(tmp_path):
    """Excel keeps no link longer than 2,079 characters; XlsxWriter then dropped the whole cell with an English
    warning, so the 汇总 row lost its file name. The name is written as text, without a link, and nothing is printed."""
    import warnings

    name = "深" * 2100 + ".xlsx"
    summary = {"workbooks": [{"path": name, "status": "ok", "error": None, "sheets": [], "notes": [],
                              "not_recalculated": None, "output": str(tmp_path / name)}]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_xlsx(summary, tmp_path / "summary.xlsx")
    ws = load_workbook(tmp_path / "summary.xlsx")["汇总"]
    assert ws["C2"].value == name and ws["C2"].hyperlink is None and ws["B2"].value == "未识别"


def _cells(ws):
    """Every cell of a sheet as a reader sees it: value, number format, font, fill, border, alignment, link.
    (XlsxWriter writes a number to 16 significant digits, the spliced rows as Python's repr: the same to 15.)"""
    out = {}
    for row in ws.iter_rows():
        for c in row:
            link = c.hyperlink
            value = float(f"{c.value:.15g}") if isinstance(c.value, float) else c.value   # Excel shows 15 digits
            out[c.coordinate] = (value, c.number_format, c.font.b, c.font.color.rgb if c.font.color else None,
                                 c.font.u, c.fill.fgColor.rgb, c.border.left.style, c.border.left.color.rgb
                                 if c.border.left.color else None, c.alignment.wrap_text, c.alignment.vertical,
                                 (link.target, link.location, link.tooltip) if link else None)
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    return out, heights, ws.dimensions, ws.auto_filter.ref, ws.freeze_panes


def test_spliced_findings_rows_read_as_xlsxwriter_writes_them(batch, tmp_path):
    """Issue 16: 问题清单's rows are written into the sheet after XlsxWriter closes the workbook (XlsxWriter spent
    5.8 s on 1,000 files' 91,000 findings, the batch's serial tail). Read back, every cell — value, format, link
    with its target, location and tip — and every row height is what XlsxWriter itself writes, on the examples
    and on hostile text (control characters, markup, a path with spaces, '#' and a sheet named with an apostrophe)."""
    out, summary = batch
    odd = {"path": "子 目录/a #1 [草稿].xlsx", "status": "ok", "error": None, "notes": [], "not_recalculated": None,
           "output": str(out / "子 目录" / "a #1 [草稿].xlsx"),
           "sheets": [{"sheet": "王's 表", "form": "standard", "project": "p", "unit": None, "budget": None,
                       "execution_rate": None, "execution_base": None, "adjustment_rate": None, "total_stated": 1e308,
                       "total": float("nan"), "grade_stated": None, "grade": None, "indicators": [],
                       "findings": [{"code": "PE-S305", "severity": "warning", "sheet": "王's 表", "cell": c,
                                     "message": m, "evidence": e}
                                    for c, m, e in [("E6", "a\x07<b>&c" + "长" * 200, "1\n2\n3"), (None, "无单元格", ""),
                                                    ("A1:B2", "区域", "x"), ("$C$3", "绝对", "_x0041_")]]}]}
    summary = {"workbooks": summary["workbooks"] + [odd]}
    write_xlsx(summary, tmp_path / "spliced.xlsx")
    write_xlsx(summary, tmp_path / "plain.xlsx", splice=False)
    a, b = load_workbook(tmp_path / "spliced.xlsx"), load_workbook(tmp_path / "plain.xlsx")
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        assert _cells(a[name]) == _cells(b[name]), name
    assert b"inlineStr" in zipfile.ZipFile(tmp_path / "spliced.xlsx").read("xl/worksheets/sheet3.xml")
    write_xlsx(summary, tmp_path / "again.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "spliced.xlsx").read_bytes()


@pytest.mark.parametrize("copy", ["a.xlsx", "子 目录/a #1 [草稿].xlsx", "../up/b%20c.xlsx", "x/y{1}^`<>\"z.xlsx",
                                  "/abs/表.xlsx"])
def test_link_targets_are_written_as_xlsxwriter_writes_them(copy, tmp_path):
    """The spliced rows' links: a relationship Target character for character as XlsxWriter writes it for the same
    copy (a path with spaces, '#', brackets, an escape already in it, markup characters, an absolute path)."""
    import io as _io

    import xlsxwriter

    from perfeval_xl.recalc.summary import _link_target, link_target

    target = _link_target(str(tmp_path / copy) if not copy.startswith("/") else copy, tmp_path)
    buf = _io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet().write_url(0, 0, "external:" + target + "#'S'!A1", string="x")
    wb.close()
    rels = zipfile.ZipFile(buf).read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    from html import unescape
    assert unescape(re.search(r'Target="([^"]*)"', rels).group(1)) == link_target(target)


def test_summaries_written_side_by_side_or_one_after_the_other(batch, tmp_path, monkeypatch, capfd):
    """Issue 16: with --jobs 2 or more, summary.json is written by a forked process while summary.xlsx is written
    here; the files are the ones written one after the other. Should that process fail, summary.json is written
    here after all."""
    import json
    import os

    from perfeval_xl.recalc import summary as S

    _, summary = batch
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    S.write_summaries(summary, tmp_path / "one", jobs=1)
    S.write_summaries(summary, tmp_path / "two", jobs=2)
    for name in ("summary.json", "summary.xlsx"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    parent, write_json = os.getpid(), S.write_json

    def failing_in_the_child(*a, **k):
        if os.getpid() != parent:
            raise OSError("disk full")
        return write_json(*a, **k)

    monkeypatch.setattr(S, "write_json", failing_in_the_child)
    (tmp_path / "three").mkdir()
    S.write_summaries(summary, tmp_path / "three", jobs=2)
    assert json.loads((tmp_path / "three" / "summary.json").read_text(encoding="utf-8")) == \
        json.loads((tmp_path / "one" / "summary.json").read_text(encoding="utf-8"))
    assert "Traceback" not in capfd.readouterr().err


def test_a_sheet_part_not_as_expected_gets_its_rows_from_xlsxwriter(batch, tmp_path, monkeypatch):
    """Should XlsxWriter ever write the sheet's part otherwise (here: as if it had relationships already), the rows
    are written by XlsxWriter itself: summary.xlsx is the plain one, never a broken one."""
    from perfeval_xl.recalc import summary as S

    _, summary = batch
    real = S._sheet_parts
    monkeypatch.setattr(S, "_sheet_parts", lambda parts: {**real(parts), "问题清单": "xl/no/such.xml"})
    S.write_xlsx(summary, tmp_path / "fallback.xlsx")
    S.write_xlsx(summary, tmp_path / "plain.xlsx", splice=False)
    assert (tmp_path / "fallback.xlsx").read_bytes() == (tmp_path / "plain.xlsx").read_bytes()


def test_an_identical_format_is_reused_in_a_styles_part_laid_out_with_indentation():
    """A styles.xml written with line breaks and indentation (as some programs write it) holds each <border> with the
    whitespace after it: an identical border is still found, and not added again."""
    import copy
    import io

    from lxml import etree

    from perfeval_xl.xlio import XlsxPackage
    from perfeval_xl.xlio.package import N

    src = zipfile.ZipFile(EX / "seed004_晋中自评表.xlsx")
    root = etree.fromstring(src.read("xl/styles.xml"))
    etree.indent(root, space="  ")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, etree.tostring(root, xml_declaration=True, encoding="UTF-8")
                         if info.filename == "xl/styles.xml" else data)
    book = XlsxBook(XlsxPackage(buf.getvalue()))
    borders = book.styles.root.find(f"{N}borders")
    count = len(borders)
    last = copy.deepcopy(borders[-1])
    last.tail = None
    assert borders[-1].tail and book.styles._appended("border", last) == count - 1 and len(borders) == count
