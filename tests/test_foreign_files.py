"""Files named .xls (or .xlsx) that are not what the name says, as finance systems export them and units rename them:
an HTML table, Excel 2003 XML, tab-separated text, a .xls renamed .xlsx, a .xlsx renamed .xls, bare BIFF, a .xls
encrypted with Excel's default password or a real one. Each is read the way Excel opens it (or refused with the
reason) and reviewed without an output copy where it cannot be written back.

Fixtures: tests/fixtures/public (POI and SheetJS files, licences beside them) and tests/fixtures/foreign (the 廊坊 corpus
form exported by LibreOffice 7.4 as HTML and as tab-separated text)."""
import json
import shutil
from pathlib import Path

import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.engine.profile import NATIONAL
from perfeval_xl.limits import LimitError, Limits
from perfeval_xl.recalc.batch import Job, process
from perfeval_xl.workbook.layouts import recognise
from perfeval_xl.workbook.reader import load_grids, read_workbook
from perfeval_xl.xlio.textsheets import excel_sheet_name, excel_value, html_grid, sniff, xml2003_grids

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures"
FOREIGN = FIX / "foreign"
POI = FIX / "public" / "poi"
SHEETJS = FIX / "public" / "sheetjs"
HEBEI = ROOT / "workbooks" / "corpus" / "hebei_langfang_shipin_nuantong_2019.xlsx"


def run(path: Path, tmp_path: Path, name: str | None = None) -> dict:
    src = tmp_path / (name or path.name)
    shutil.copy(path, src)
    before = src.read_bytes()
    entry = process(Job(str(src), src.name, str(tmp_path / "out" / src.name), NATIONAL, True, False))
    assert src.read_bytes() == before
    json.dumps(entry, ensure_ascii=False)
    return entry


def found(entry: dict) -> set[tuple[str, str]]:
    return {(f["code"], f["cell"]) for s in entry["sheets"] for f in s["findings"]}


def corpus_findings() -> set[tuple[str, str]]:
    form = read_workbook(HEBEI)[0]
    return {(f.code, f.cell) for f in run_checks(form)}


# ---------------------------------------------------------------- HTML, text, Excel 2003 XML

@pytest.mark.parametrize("name,kind", [("hebei_langfang_libreoffice_html.xls", "html"),
                                       ("hebei_langfang_libreoffice_tab.xls", "delimited")])
def test_exported_form_is_read_as_excel_opens_it_and_gives_the_corpus_findings(name, kind, tmp_path):
    data = (FOREIGN / name).read_bytes()
    assert sniff(data) == kind
    entry = run(FOREIGN / name, tmp_path)
    assert entry["status"] == "ok" and entry["output"] is None
    assert not (tmp_path / "out" / name).exists()
    (sheet,) = entry["sheets"]
    assert sheet["sheet"] == Path(name).stem      # Excel names the one sheet after the file
    # the same form, the same findings on the same cells as the .xlsx it was exported from (PE-B201 on E7: 37.24 /
    # 43.2 = 86.20 % under 90 %; PE-S304 on H7: scored 9 where 86.20 % × 10 = 8.62)
    assert found(entry) == corpus_findings() >= {("PE-B201", "E7"), ("PE-S304", "H7")}
    assert any("网页（HTML）表格" in n or "分隔的文本" in n for n in entry["notes"])


def test_html_table_spans_become_merged_ranges_and_numbers_numbers():
    grid = html_grid((FOREIGN / "hebei_langfang_libreoffice_html.xls").read_bytes(), "s")
    # 项目资金（万元） spans rows 6–10 of column A, as in the corpus workbook
    assert (6, 1, 10, 1) in grid.merged
    assert grid.cells[(7, 3)] == 43.2 and grid.cells[(7, 5)] == 37.24
    assert grid.cells[(7, 7)] == pytest.approx(0.86) and grid.number_formats[(7, 7)] == "0%"
    assert grid.cells[(6, 1)] == "项目资金\n（万元）"


EXCEL_HTML = """<html xmlns:x="urn:schemas-microsoft-com:office:excel">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312">
<style><!--.xl65 {mso-style-parent:style0; mso-number-format:"\\@";} .xl66 {mso-number-format:"0\\.00%";}--></style>
</head>
<body><p>附件1</p>
<table>
 <tr><td colspan=3>项目支出绩效自评表</td></tr>
 <tr><td rowspan=2>项目资金</td><td>全年预算数</td><td>执行率</td></tr>
 <tr><td x:num="43.2">43.20</td><td x:num="0.862037037">86%</td></tr>
 <tr><td x:str>001</td><td>1,234.5</td><td style='mso-number-format:"\\@"'>002</td></tr>
 <tr><td class=xl65>003</td><td class=xl66>12.5</td><td style="vnd.ms-excel.numberformat:@">004</td></tr>
</table></body></html>"""


def test_a_table_caption_is_the_row_above_it():
    g = html_grid("<table><caption>项目支出绩效自评表</caption><tr><td>项目名称</td><td>x</td></tr></table>".encode(), "s")
    assert g.cells == {(1, 1): "项目支出绩效自评表", (2, 1): "项目名称", (2, 2): "x"}


def test_excel_style_html_in_gb2312_with_typed_cells():
    data = EXCEL_HTML.encode("gb2312")
    assert sniff(data) == "html"
    g = html_grid(data, "s")
    assert g.cells[(1, 1)] == "附件1"                 # text before the table takes a row of its own
    assert g.cells[(2, 1)] == "项目支出绩效自评表" and (2, 1, 2, 3) in g.merged
    assert (3, 1, 4, 1) in g.merged
    # the second row of the rowspan starts in column B: column A is held by 项目资金
    assert g.cells[(4, 2)] == 43.2
    assert g.cells[(4, 3)] == pytest.approx(0.862037037) and g.number_formats[(4, 3)] == "0%"   # x:num, not "86%"
    assert g.cells[(5, 1)] == "001" and g.cells[(5, 3)] == "002"       # x:str and the text format stay text
    assert g.cells[(5, 2)] == 1234.5
    # a text format given by a class of the page's style (Excel's own HTML), or as Java/PHP exporters write it
    assert (g.cells[(6, 1)], g.cells[(6, 2)], g.cells[(6, 3)]) == ("003", 12.5, "004")


def test_excel_2003_xml_saved_by_excel_cells_and_merges():
    data = (SHEETJS / "merge_cells.xls.xml").read_bytes()
    assert sniff(data) == "xml2003"
    (g,) = xml2003_grids(data)
    assert g.sheet == "Merge"
    assert g.cells == {(1, 1): "A1:B2", (1, 3): "C1:C2", (1, 4): "Separate blocks", (3, 1): "A3:B3", (3, 3): "C3",
                       (4, 1): "… are merged separately"}
    assert sorted(g.merged) == [(1, 1, 2, 2), (1, 3, 2, 3), (1, 4, 2, 4), (3, 1, 3, 2), (4, 1, 4, 2)]
    # the same cells as Excel's own .xls of that workbook
    assert {k: v for k, v in load_grids(SHEETJS / "merge_cells.xls")[0].cells.items()} == g.cells


def test_excel_2003_xml_named_xls_is_reviewed(tmp_path):
    entry = run(SHEETJS / "merge_cells.xls.xml", tmp_path, "导出.xls")
    assert entry["status"] == "ok" and entry["output"] is None
    assert any("Excel 2003 XML" in n for n in entry["notes"])


def test_html_named_xlsx_is_refused_with_what_it_is(tmp_path):
    entry = run(FOREIGN / "hebei_langfang_libreoffice_html.xls", tmp_path, "表.xlsx")
    assert entry["status"] == "error" and entry["error"]["code"] == "PE-W001"
    assert "网页（HTML）表格" in entry["error"]["message"] and "表.xlsx" in entry["error"]["message"]


def test_text_table_over_the_cell_limit_is_refused():
    rows = "".join("<tr>" + "<td>1</td>" * 10 + "</tr>" for _ in range(5))
    with pytest.raises(LimitError) as exc:
        html_grid(f"<table>{rows}</table>".encode(), "s", Limits(cells=40))
    assert exc.value.code == "PE-W009"
    # a colspan far past HTML's cap is held at the cap, not spread over a million columns
    g = html_grid(b"<table><tr><td colspan=99999999 rowspan=99999999>x</td><td>y</td></tr></table>", "s")
    assert g.merged == [(1, 1, 65534, 1000)] and g.cells[(1, 1001)] == "y"


@pytest.mark.parametrize("text,value,fmt", [("43.20", 43.2, None), ("1,234", 1234, None), ("100.00%", 1.0, "0.00%"),
                                            ("-5", -5, None), ("≥90%", "≥90%", None), ("1,23", "1,23", None),
                                            ("  ", None, None), ("12万元", "12万元", None)])
def test_excel_general_format_reading(text, value, fmt):
    assert excel_value(text) == (value, fmt)


def test_sheet_name_of_a_text_file_is_the_file_name_cut_to_31():
    assert excel_sheet_name("2023年度项目支出绩效自评表[导出]") == "2023年度项目支出绩效自评表_导出_"
    assert len(excel_sheet_name("表" * 40)) == 31


@pytest.mark.parametrize("head", [b"PK\x03\x04\x14\x00", b"\xd0\xcf\x11\xe0", b"\x00\x01binary\x00",
                                  "普通文本，没有表格".encode("utf-8")[:8], b"<?xml version='1.0'?><a/>"])
def test_sniff_claims_no_workbook_or_binary(head):
    assert sniff(head) is None


# ---------------------------------------------------------------- legacy .xls

def test_xls_encrypted_with_excels_default_password_is_decrypted(tmp_path):
    # POI 50833.xls: RC4 CryptoAPI with "VelvetSweatshop"; Excel opens it without asking
    entry = run(POI / "50833.xls", tmp_path)
    assert entry["status"] == "ok", entry["error"]
    assert any("默认密码" in n for n in entry["notes"])
    assert load_grids(POI / "50833.xls")[0].cells[(1, 1)] == "test cell value"


def test_xls_with_a_real_password_says_so(tmp_path):
    entry = run(POI / "password.xls", tmp_path)
    assert entry["error"]["code"] == "PE-W003"
    assert "密码" in entry["error"]["message"] and "损坏" not in entry["error"]["message"]


def test_xls_renamed_xlsx_is_read_as_xls_and_said(tmp_path):
    entry = run(POI / "50833.xls", tmp_path, "自评表.xlsx")
    assert entry["status"] == "ok" and entry["output"] is None
    assert any("扩展名为 .xlsx" in n and "改为 .xls" in n for n in entry["notes"])


def test_xlsx_renamed_xls_is_processed_as_xlsx_and_said(tmp_path):
    entry = run(HEBEI, tmp_path, "自评表.xls")
    assert entry["status"] == "ok" and entry["output"]
    assert found(entry) == corpus_findings()
    assert any("内容实为 .xlsx" in n for n in entry["notes"])


def test_bare_biff_worksheet_is_read(tmp_path):
    # POI testEXCEL_3.xls: an Excel 3.0 worksheet, BIFF3 without the compound-file container
    entry = run(POI / "testEXCEL_3.xls", tmp_path)
    assert entry["status"] == "ok"
    g = load_grids(POI / "testEXCEL_3.xls")[0]
    assert g.cells[(2, 1)] == "Season" and g.cells[(2, 3)] == "California"


def test_damaged_xls_prints_nothing_and_says_damaged(tmp_path, capfd):
    # xlrd reports what it finds odd on standard output unless told otherwise; a batch's console is the user's
    entry = run(SHEETJS / "biff5_phonetic_text.xls", tmp_path)
    out, _err = capfd.readouterr()
    assert out == ""
    assert entry["error"]["code"] == "PE-W002"


def test_word_document_renamed_xls_is_not_called_a_damaged_workbook(tmp_path):
    import olefile

    doc = tmp_path / "src.doc"
    # the smallest compound file with one stream that is no workbook: olefile writes none, so take a .xls's and
    # rename its stream's directory entry ("Workbook" → "WordDoc1", same length in UTF-16)
    data = bytearray((SHEETJS / "merge_cells.xls").read_bytes())
    name = "Workbook".encode("utf-16-le")
    at = data.find(name)
    assert at > 0
    data[at:at + len(name)] = "WordDoc1".encode("utf-16-le")
    doc.write_bytes(bytes(data))
    with olefile.OleFileIO(str(doc)) as ole:
        assert not ole.exists("Workbook")
    entry = run(doc, tmp_path, "单位自评.xls")
    assert entry["error"]["code"] == "PE-W001" and "没有工作表" in entry["error"]["message"]


def test_recognised_forms_match_between_the_formats(tmp_path):
    """The three readings of one form (the .xlsx, its HTML export, its text export) recognise the same indicators
    with the same scores."""
    def digest(grid):
        form = recognise(grid)
        return [(i.name, i.weight, i.target, i.actual, i.score_stated) for i in form.indicators]
    base = digest(load_grids(HEBEI)[0])
    for name in ("hebei_langfang_libreoffice_html.xls", "hebei_langfang_libreoffice_tab.xls"):
        assert digest(load_grids(FOREIGN / name)[0]) == base
    assert len(base) >= 9


# ---------------------------------------------------------------- Excel's own HTML, single-file web pages

@pytest.mark.parametrize("stem", ["column_width", "sized_boxen"])
def test_excel_saved_html_gives_the_cells_of_excels_xlsx(stem):
    """SheetJS' files saved by Excel 2016 as a web page and as .xlsx: the same cells in the same places. Excel spans
    a cell over the empty cells its text overflows into (colspan marked mso-ignore:colspan): no merged range."""
    from openpyxl import load_workbook

    ws = load_workbook(SHEETJS / f"{stem}.xlsx").active
    want = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
    g = html_grid((SHEETJS / f"{stem}.htm").read_bytes(), "s")
    assert g.cells == want and g.merged == [] == list(ws.merged_cells.ranges)
    if stem == "column_width":
        (x,) = xml2003_grids((SHEETJS / "column_width.xml").read_bytes())
        assert x.cells == want


def _single_file_web_page(pages: list[tuple[str, bytes]]) -> bytes:
    """A .mht as Excel writes one ("单个文件网页"): multipart/related, each page quoted-printable."""
    import quopri
    from email.mime.multipart import MIMEMultipart
    from email.mime.nonmultipart import MIMENonMultipart

    msg = MIMEMultipart("related")
    msg["X-Document-Type"] = "Workbook"
    for location, html_bytes in pages:
        part = MIMENonMultipart("text", "html", charset="utf-8")
        part.set_payload(quopri.encodestring(html_bytes).decode("ascii"))
        part["Content-Transfer-Encoding"] = "quoted-printable"
        part["Content-Location"] = location
        msg.attach(part)
    return msg.as_bytes()


def test_single_file_web_page_sheets_named_as_excel_lists_them(tmp_path):
    form = (FOREIGN / "hebei_langfang_libreoffice_html.xls").read_bytes()
    frame = ('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><!--[if gte mso 9]><xml><x:ExcelWorkbook>'
             '<x:ExcelWorksheets><x:ExcelWorksheet><x:Name>说明</x:Name></x:ExcelWorksheet><x:ExcelWorksheet>'
             '<x:Name>自评表</x:Name></x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]-->'
             '</head><frameset><frame src="sheet001.htm"></frameset></html>').encode("utf-8")
    note = "<html><body><table><tr><td>填表说明</td></tr></table></body></html>".encode("utf-8")
    data = _single_file_web_page([("file:///C:/x/book.htm", frame), ("file:///C:/x/sheet001.htm", note),
                                  ("file:///C:/x/sheet002.htm", form)])
    assert sniff(data) == "mht"
    path = tmp_path / "src.mht"
    path.write_bytes(data)
    entry = run(path, tmp_path, "导出.xls")
    assert entry["status"] == "ok" and entry["output"] is None
    (sheet,) = entry["sheets"]
    assert sheet["sheet"] == "自评表"
    assert found(entry) == corpus_findings()
    assert any("单个文件网页" in n for n in entry["notes"])


def test_summary_says_recalculated_only_where_a_copy_was_written(tmp_path):
    """An unrecognised .xlsx had its formulas recalculated into its copy; an unrecognised .xls was only read."""
    from openpyxl import Workbook, load_workbook

    from perfeval_xl.recalc.batch import run_batch
    from perfeval_xl.recalc.summary import write_xlsx

    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(POI / "testEXCEL_3.xls", inp / "旧表.xls")
    wb = Workbook()
    wb.active["A1"] = "会议纪要"
    wb.save(inp / "纪要.xlsx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    write_xlsx(summary, tmp_path / "summary.xlsx")
    rows = {r[2]: r[-1] for r in load_workbook(tmp_path / "summary.xlsx")["汇总"].iter_rows(min_row=2, values_only=True)}
    assert rows["纪要.xlsx"].startswith("未识别到自评表或评分表（公式已重算）")
    assert rows["旧表.xls"].startswith("未识别到自评表或评分表；注：") and "公式已重算" not in rows["旧表.xls"]


@pytest.mark.parametrize("fixture,name,ok", [
    (FOREIGN / "hebei_langfang_libreoffice_html.xls", "自评表.html", True),
    (FOREIGN / "hebei_langfang_libreoffice_html.xls", "自评表.htm", True),
    (FOREIGN / "hebei_langfang_libreoffice_tab.xls", "自评表.txt", True),
    (SHEETJS / "merge_cells.xls.xml", "导出.xml", True),
    (FOREIGN / "hebei_langfang_libreoffice_tab.xls", "自评表.xlsx", False),
    (SHEETJS / "merge_cells.xls.xml", "导出.xlsm", False)])
def test_text_formats_under_the_names_excel_opens_them_by(fixture, name, ok, tmp_path):
    entry = run(fixture, tmp_path, name)
    assert (entry["status"] == "ok") is ok
    if ok:
        assert entry["output"] is None and not any("扩展名为" in n for n in entry["notes"])
    else:
        assert entry["error"]["code"] == "PE-W001" and "Excel 不按此扩展名打开它" in entry["error"]["message"]


def test_xls_merged_ranges_are_read_as_in_excels_other_formats():
    (x,) = xml2003_grids((SHEETJS / "merge_cells.xls.xml").read_bytes())
    (g,) = load_grids(SHEETJS / "merge_cells.xls")
    assert sorted(g.merged) == sorted(x.merged) and g.cells == x.cells


def test_unicode_text_utf16_as_excel_saves_it(tmp_path):
    """Excel's "Unicode 文本 (*.txt)": UTF-16 with its byte-order mark, tab-separated, CRLF."""
    text = (FOREIGN / "hebei_langfang_libreoffice_tab.xls").read_bytes().decode("utf-8").replace("\n", "\r\n")
    path = tmp_path / "src.txt"
    path.write_bytes(text.encode("utf-16"))          # BOM first, little-endian on this machine
    assert path.read_bytes()[:2] == b"\xff\xfe" and sniff(path.read_bytes()) == "delimited"
    entry = run(path, tmp_path, "自评表.xls")
    assert entry["status"] == "ok" and found(entry) == corpus_findings()
    assert sniff("<table>".encode("utf-16-le")) is None        # UTF-16 without its mark: not guessed


def test_xls_errors_booleans_and_dates_read_as_from_the_xlsx():
    """SheetJS' ErrorTypes saved by Excel as .xls and .xlsx: xlrd gives an error cell's code (7 for #DIV/0!), which
    must not be read as the number 7; booleans as booleans, dates as dates, as openpyxl reads the .xlsx."""
    xls, xlsx = load_grids(SHEETJS / "ErrorTypes.xls"), load_grids(SHEETJS / "ErrorTypes.xlsx")
    assert [g.cells for g in xls] == [g.cells for g in xlsx]
    values = set(xls[0].cells.values())
    assert {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"} <= values


def test_excel_2003_xml_datetime_is_a_date():
    from openpyxl import load_workbook

    grids = xml2003_grids((SHEETJS / "smart_tags_2007.xml").read_bytes())
    book = load_workbook(SHEETJS / "smart_tags_2007.xlsx")
    assert [g.sheet for g in grids] == book.sheetnames
    for g, ws in zip(grids, book.worksheets):
        assert g.cells == {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert any(v.__class__.__name__ == "datetime" for v in grids[0].cells.values())


HOSTILE_TEXT = {
    "deep.xls": ("<table><tr><td>" + "<b>" * 50000 + "x" + "</b>" * 50000 + "</td></tr></table>", "ok"),
    "deep_div.xls": ("<html><body>" + "<div>" * 50000 + "<table><tr><td>1</td></tr></table>" + "</div>" * 50000, "ok"),
    "spans.xls": ("<table><tr>" + "<td rowspan=65534 colspan=1000></td>" * 300 + "</tr></table>", "ok"),
    "truncated.xls": ('<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns="'
                      'urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table><Row><Cell><Data>', "PE-W011"),
    "entities.xls": ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><?mso-application progid="Excel.Sheet"?>'
                     '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "PE-W011"),
    "mime.xls": ('MIME-Version: 1.0\nContent-Type: multipart/related; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
                 'hi\n--b--\n', "PE-W001"),
    "cells.xls": (("1\t" * 100 + "\n") * 200, "PE-W009"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXT))
def test_hostile_text_tables_end_with_a_coded_line(name, tmp_path):
    text, want = HOSTILE_TEXT[name]
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    entry = process(Job(str(src), name, None, NATIONAL, False, False, Limits(cells=10_000)))
    assert (entry["status"] if want == "ok" else entry["error"]["code"]) == want, entry["error"]


@pytest.mark.parametrize("source,want", [(HEBEI, "ok-copy"), (POI / "50833.xls", "ok-review"),
                                         (SHEETJS / "biff5_phonetic_text.xls", "PE-W014"), (None, "PE-W014")])
def test_a_wps_named_file_holding_an_excel_workbook_is_read(source, want, tmp_path):
    """WPS can save a workbook as .xlsx or .xls content under its own .et name: read for what it holds; a real WPS
    binary (or anything xlrd cannot follow) keeps PE-W014 with how to save it as .xlsx, not "damaged"."""
    src = tmp_path / "in.et"
    src.write_bytes(source.read_bytes() if source else b"\xd0\xcf\x11\xe0 not really")
    entry = run(src, tmp_path, "单位.et")
    if want.startswith("ok"):
        assert entry["status"] == "ok" and bool(entry["output"]) == (want == "ok-copy")
        assert any("扩展名为 .et" in n for n in entry["notes"])
    else:
        assert entry["error"]["code"] == "PE-W014" and "WPS" in entry["error"]["message"]
