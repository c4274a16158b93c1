"""Issue 10 on real files from public test suites (tests/fixtures/public, licences beside them): the batch finishes and
names each bad file, nothing is lost or made worse, Excel's value is kept wherever the engine is unsure."""
import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfeval_xl.recalc.batch import run_batch

PUBLIC = Path(__file__).resolve().parent / "fixtures" / "public"
ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("public")
    inp = tmp / "in"
    shutil.copytree(PUBLIC, inp, ignore=shutil.ignore_patterns("*.md", "LICENSE*", "NOTICE"))
    before = {p: hashlib.sha256(p.read_bytes()).digest() for p in inp.rglob("*.xlsx")}
    summary = run_batch([inp], tmp / "out", jobs=2, progress=None)
    after = {p: hashlib.sha256(p.read_bytes()).digest() for p in inp.rglob("*.xlsx")}
    assert before == after                                           # inputs never modified
    return inp, {w["path"]: w for w in summary["workbooks"]}


def formula_cache(path):
    f, v = load_workbook(path, data_only=False), load_workbook(path, data_only=True)
    out = {}
    for ws in f.worksheets:
        for rc, c in ws._cells.items():
            if c.data_type == "f":
                cell = v[ws.title]._cells.get(rc)
                out[(ws.title, c.coordinate)] = cell.value if cell is not None else None
    return out


def test_every_file_is_named_in_the_summary(swept):
    inp, by = swept
    assert set(by) == {p.relative_to(inp).as_posix() for p in inp.rglob("*") if p.suffix in (".xlsx", ".xls")}
    refused = {k: w["error"]["code"] for k, w in by.items() if w["status"] == "error"}
    # every file openpyxl or xlrd opens is processed; refused: a .xls with a real password, an Excel 5.0 file whose
    # compound-file directory xlrd cannot follow (tests/test_foreign_files.py)
    assert refused == {"poi/password.xls": "PE-W003", "sheetjs/biff5_phonetic_text.xls": "PE-W002"}


def test_files_excel_would_repair_or_not_open_are_read_and_say_what_they_lack(swept):
    inp, by = swept
    # two zip entries named xl/worksheets/sheet1.xml: read from the last one (as zipfile and openpyxl do), reviewed,
    # and no copy written, since another program may read the other one
    dup = by["poi/duplicate-filename.xlsx"]
    assert dup["status"] == "ok" and dup["output"] is None
    assert any(n.startswith("[PE-W001]") and "xl/worksheets/sheet1.xml" in n and "未生成输出副本" in n for n in dup["notes"])
    # cells A0:C0 are past Excel's grid (row 0): left out and said so; the other 11,997 cells are read, the copy
    # written with the sheet's bytes unchanged
    poc = by["poi/poc-shared-strings.xlsx"]
    assert poc["status"] == "ok" and poc["output"]
    assert [n for n in poc["notes"] if n.startswith("[PE-W010]")] == [
        "[PE-W010] 工作表‘Tabelle1’有 3 个单元格超出 Excel 的表格范围（A0、B0、C0），已忽略，其余单元格照常处理"]
    part = "xl/worksheets/sheet1.xml"
    assert zipfile.ZipFile(poc["output"]).read(part) == zipfile.ZipFile(inp / "poi/poc-shared-strings.xlsx").read(part)
    # Excel 2007 beta 2's namespace: read (openpyxl reads its sheets as empty) and reviewed without a copy
    beta = by["poi/sample-beta.xlsx"]
    assert beta["status"] == "ok" and beta["output"] is None
    assert any(n.startswith("Excel 2007 测试版格式") for n in beta["notes"])


def test_the_notes_are_in_the_summary_workbook_a_reviewer_prints(swept):
    """summary.xlsx's 汇总 sheet says beside each file what its notes say (no copy written and why, cells left out)."""
    from perfeval_xl.recalc.summary import write_xlsx

    inp, by = swept
    path = write_xlsx({"workbooks": list(by.values())}, inp.parent / "summary.xlsx")
    ws = load_workbook(path)["汇总"]
    head = [c.value for c in ws[1]]
    rows = {r[head.index("文件")]: r[head.index("主要问题或原因")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "注：[PE-W001] 压缩包中部件 xl/worksheets/sheet1.xml 出现不止一次" in rows["poi/duplicate-filename.xlsx"]
    assert "注：[PE-W010] 工作表‘Tabelle1’有 3 个单元格超出" in rows["poi/poc-shared-strings.xlsx"]
    assert "未生成输出副本" in rows["poi/SimpleStrict.xlsx"] and "已解密" in rows["poi/58616.xlsx"]


def test_excels_function_results_stand_where_the_engine_differs(swept):
    """POI's function torture test (FormulaEvalTestData_Copy.xlsx, saved by Excel): every formula cell that Excel
    saved a value for holds that value after recalc, within 1e-9: where the engine differs from Excel on inputs that
    did not move (FLOOR with negative arguments, LEFT(TRUE), LEFT(text, 2.5), SUMX2MY2 over blanks, MODE of two arguments,
    DATE(1900,2,29) …) Excel's result stands, and the cells are listed with that reason."""
    from perfeval_xl.recalc.trust import ENGINE_DIFFERS

    inp, by = swept
    rel = "poi/FormulaEvalTestData_Copy.xlsx"
    w = by[rel]
    old, new = formula_cache(inp / rel), formula_cache(Path(w["output"]))
    compared = 0
    for key, v in old.items():
        if v is None or isinstance(v, str) and v in ERRORS:
            continue
        got = new[key]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            assert got == pytest.approx(v, rel=1e-9, abs=1e-12), key
        else:
            assert got == v, key
        compared += 1
    assert compared > 1000
    # 18 cells: 16 values the engine computes differently, and LEFT/RIGHT that give "" where Excel gave text
    assert w["not_recalculated"]["reasons"][ENGINE_DIFFERS] == 18


def test_the_beta_namespace_is_read_with_its_values():
    from perfeval_xl.xlio.package import XlsxPackage

    pkg = XlsxPackage(PUBLIC / "poi" / "sample-beta.xlsx")
    assert pkg.review_only == "beta"
    cells = pkg.cells(pkg.sheet_part("Sheet1"))
    assert [cells.value(f"A{r}") for r in (1, 2, 10)] == ["Lorem", "ipsum", "at"]   # <sstItem> shared strings
    assert cells.value("B10") == 4995 and cells.formula("B10") == "SUM(B1:B9)"


def test_unsure_cells_keep_excels_values_and_say_why(swept):
    _, by = swept
    reasons = {k: w["not_recalculated"]["reasons"] for k, w in by.items() if w.get("not_recalculated")}
    # 3-D references and structured references are computed (references.py); what Excel intersects with the row
    # (=Tbl[Name] in a single cell) is not, and keeps Excel's value
    assert "poi/55906-MultiSheetRefs.xlsx" not in reasons
    assert reasons["poi/StructuredReferences.xlsx"] == {"公式引擎结果为 #NAME?，保留 Excel 保存的值": 2}
    assert list(reasons["poi/59132.xlsx"]) == ["公式引擎无法加载此文件：公式引用的工作表名与工作表“Sheet1”大小写不一致，公式引擎无法可靠计算"]
    assert set(reasons["poi/DateFormatNumberTests.xlsx"]) == {"1904 日期系统中的日期函数，保留 Excel 保存的值",
                                                              "TEXT() 的数字格式与 Excel 不完全一致，保留 Excel 保存的值"}
    assert "xlsxwriter/array_formula01.xlsx" not in reasons            # a legacy array the engine computes


def test_no_part_lost_and_no_value_made_worse(swept):
    inp, by = swept
    compared = 0
    for rel, w in by.items():
        if w["status"] != "ok" or not w["output"]:
            continue
        src, out = inp / rel, Path(w["output"])
        if not zipfile.is_zipfile(src):
            continue
        assert set(zipfile.ZipFile(src).namelist()) <= set(zipfile.ZipFile(out).namelist()), rel
        old, new = formula_cache(src), formula_cache(out)
        kept = set(w["not_recalculated"]["cells"]) if w.get("not_recalculated") else set()
        for (sheet, cell), v in old.items():
            if v is None or (isinstance(v, str) and v in ERRORS):
                continue
            assert not (isinstance(new[(sheet, cell)], str) and new[(sheet, cell)] in ERRORS), (rel, sheet, cell)
            if f"{sheet}!{cell}" in kept:
                assert new[(sheet, cell)] == v, (rel, sheet, cell)     # Excel's value, unchanged
            compared += 1
    assert compared >= 40


@pytest.mark.parametrize("rel, cells", [("poi/55906-MultiSheetRefs.xlsx", 13), ("poi/StructuredReferences.xlsx", 9),
                                        ("xlsxwriter/array_formula01.xlsx", 1)])
def test_recomputed_values_are_excels(swept, rel, cells):
    """Excel's saved values are the oracle: every formula of these files, 3-D and structured references included,
    gets the value Excel computed (recomputed or, where the engine is unsure, kept)."""
    inp, by = swept
    old, new = formula_cache(inp / rel), formula_cache(by[rel]["output"])
    assert len(old) == cells and new == old


def test_encrypted_and_strict_files_are_read_and_said_so(swept):
    _, by = swept
    enc = by["poi/58616.xlsx"]
    assert enc["status"] == "ok" and zipfile.is_zipfile(enc["output"]) and "默认密码" in enc["notes"][0]
    strict = by["poi/SimpleStrict.xlsx"]
    assert strict["status"] == "ok" and strict["output"] is None and strict["notes"][0].startswith("Strict Open XML")


def test_a_form_saved_as_strict_is_recognised_and_scored(tmp_path):
    """The seed 001 评分表 as Excel's "Strict Open XML Spreadsheet" would write its namespaces: read, scored, no copy."""
    seed = Path(__file__).resolve().parent.parent / "workbooks" / "examples" / "seed001_评分表.xlsx"
    swaps = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
             (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
              b"http://purl.oclc.org/ooxml/officeDocument/relationships")]
    strict = tmp_path / "in" / "strict.xlsx"
    strict.parent.mkdir()
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(strict, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith((".xml", ".rels")):
                for a, b in swaps:
                    data = data.replace(a, b)
            dst.writestr(name, data)
    summary = run_batch([strict.parent], tmp_path / "out", jobs=1, progress=None)
    [w] = summary["workbooks"]
    assert w["status"] == "ok" and w["output"] is None and not (tmp_path / "out" / "strict.xlsx").exists()
    [sheet] = w["sheets"]
    assert (sheet["total_stated"], sheet["grade_stated"], sheet["total"]) == (92.62, "优", 92.62)


def _app_lists(data: bytes):
    import io
    import re as _re

    app = zipfile.ZipFile(io.BytesIO(data)).read("docProps/app.xml").decode()
    count = int(_re.search(r"<vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>(\d+)", app).group(1))
    titles = _re.search(r"<TitlesOfParts><vt:vector size=\"(\d+)\"[^>]*>(.*?)</vt:vector>", app)
    return count, int(titles.group(1)), _re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", titles.group(2))


def test_added_sheet_is_listed_in_app_xml(tmp_path):
    """An Excel-saved file lists its worksheets in docProps/app.xml; the 校验结果 sheet joins the list and leaves it."""
    from perfeval_xl.xlio import XlsxBook

    book = XlsxBook(PUBLIC / "xlsxwriter" / "comment01.xlsx")
    assert _app_lists(book.to_bytes()) == (1, 1, ["Sheet1"])
    book.add_sheet("校验结果", [["a"], [1]])
    assert _app_lists(book.to_bytes()) == (2, 2, ["Sheet1", "校验结果"])
    book.delete_sheet("校验结果")
    assert _app_lists(book.to_bytes()) == (1, 1, ["Sheet1"])


def test_notes_never_go_into_a_header_footer_picture_drawing(tmp_path):
    """A sheet with a header/footer picture has a VML part named by <legacyDrawingHF>, of the same relationship type
    as a notes drawing: notes get their own VML part and a <legacyDrawing>, the picture's part stays byte for byte."""
    from perfeval_xl.xlio import XlsxBook

    src = PUBLIC / "xlsxwriter" / "table01.xlsx"
    hf_vml = b'<xml xmlns:v="urn:schemas-microsoft-com:vml"><v:shape id="CH"/></xml>'
    made = tmp_path / "hf.xlsx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(made, "w", zipfile.ZIP_DEFLATED) as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<tableParts", b'<legacyDrawingHF r:id="rIdHF"/><tableParts')
            elif name == "xl/worksheets/_rels/sheet1.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdHF" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/vmlDrawing" Target="../drawings/vmlDrawingHF1.vml"/>'
                                    b"</Relationships>")
            elif name == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Default Extension="vml" ContentType="application/vnd.openxmlformats-'
                                    b'officedocument.vmlDrawing"/></Types>')
            out.writestr(name, data)
        out.writestr("xl/drawings/vmlDrawingHF1.vml", hf_vml)
    book = XlsxBook(made)
    book.sheet("Sheet1").set_note("C3", "【绩效校验】测试")
    import io

    result = zipfile.ZipFile(io.BytesIO(book.to_bytes()))
    assert result.read("xl/drawings/vmlDrawingHF1.vml") == hf_vml
    sheet = result.read("xl/worksheets/sheet1.xml")
    assert b"<legacyDrawing " in sheet and b'<legacyDrawingHF r:id="rIdHF"/>' in sheet
    notes_vml = [n for n in result.namelist() if n.startswith("xl/drawings/") and n != "xl/drawings/vmlDrawingHF1.vml"]
    assert len(notes_vml) == 1 and b"<x:Row>2</x:Row>" in result.read(notes_vml[0])
    assert XlsxBook(book.to_bytes()).sheet("Sheet1").note("C3") == "【绩效校验】测试"
