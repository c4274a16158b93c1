"""Headless recalculation: values, PE_* spellings, Excel semantics, nothing lost, batch behaviour."""
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from perfeval_xl.recalc.batch import exit_status, run_batch
from perfeval_xl.recalc.summary import write_json, write_xlsx
from perfeval_xl.xlio import XlsxBook

from hostile import edit
from libreoffice import convert, needs_libreoffice
from recalc_builders import COMPUTABLE, SEED001_SCORES, patch_formulas, seed001_pe_workbook

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"


def sha(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def values(path, sheet, col="H"):
    ws = load_workbook(path, data_only=True)[sheet]
    return [ws[f"{col}{r}"].value for r in range(1, ws.max_row + 1)]


@pytest.fixture(scope="module")
def examples_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    before = {p.name: sha(p) for p in EX.glob("*.xlsx")}
    summary = run_batch([EX], out, jobs=2, progress=False)
    write_json(summary, out / "summary.json")
    write_xlsx(summary, out / "summary.xlsx")
    assert {p.name: sha(p) for p in EX.glob("*.xlsx")} == before      # inputs untouched
    return out, summary


def test_examples_give_the_seed_figures(examples_out):
    _, summary = examples_out
    sheets = {w["path"]: w["sheets"][0] for w in summary["workbooks"]}
    s1 = sheets["seed001_评分表.xlsx"]
    assert (s1["total"], s1["grade"], s1["total_stated"]) == (92.62, "优", 92.62)
    scores = {i["name"]: i["score"] for i in s1["indicators"]}
    assert scores["参保人员数量"] == 11.49 and scores["资金到位率"] == 2.13 and scores["社会公众或受益对象的满意度"] == 8
    s3 = sheets["seed003_项目.xlsx"]
    assert (s3["total"], s3["grade"], s3["execution_rate"]) == (79.99, "中", 0.375)
    assert round(s3["adjustment_rate"] * 100, 2) == -43.48
    s4 = sheets["seed004_晋中自评表.xlsx"]
    assert (s4["total_stated"], s4["grade_stated"], s4["execution_rate"]) == (90.0, "优", 0.0)
    assert {"PE-S301", "PE-S302", "PE-G501"} <= {f["code"] for f in s4["findings"]}
    assert exit_status(summary) == 1


def test_summary_json_shape(examples_out):
    out, _ = examples_out
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    w = data["workbooks"][0]
    assert set(w) == {"path", "status", "error", "sheets", "notes", "not_recalculated", "output", "repeats"}
    assert w["repeats"] == []           # no example is sent twice
    assert w["output"] == str(out / w["path"])
    s = w["sheets"][0]
    assert {"sheet", "form", "project", "total_stated", "total", "grade_stated", "grade", "indicators", "findings"} <= set(s)
    assert {"cell", "name", "weight", "target", "actual", "score_stated", "score"} <= set(s["indicators"][0])
    assert {"code", "severity", "sheet", "cell", "message"} <= set(data["workbooks"][3]["sheets"][0]["findings"][0])
    wb = load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["概况", "汇总", "问题清单", "等级分布"] and wb["等级分布"]._charts
    assert wb["汇总"].max_row == 5


def test_outputs_open_in_every_reader(examples_out):
    import pandas as pd
    from python_calamine import CalamineWorkbook

    out, _ = examples_out
    f = out / "seed001_评分表.xlsx"
    assert load_workbook(f, data_only=True)["评分表"]["H16"].value == 11.49
    df = pd.read_excel(f, sheet_name="评分表", header=None, engine="openpyxl")
    assert 92.62 in df[7].tolist()
    rows = CalamineWorkbook.from_path(str(f)).get_sheet_by_name("评分表").to_python()
    assert rows[15][7] == 11.49
    assert "校验结果" in load_workbook(f).sheetnames             # annotated copy


def test_pe_formulas_are_computed(tmp_path):
    src = seed001_pe_workbook(tmp_path / "pe.xlsx")
    out = tmp_path / "out"
    summary = run_batch([src], out, jobs=1, progress=False, annotate=False)
    assert summary["workbooks"][0]["status"] == "ok"
    got = values(out / "pe.xlsx", "评分表")
    assert got[3:3 + len(SEED001_SCORES)] == SEED001_SCORES
    assert got[3 + len(SEED001_SCORES)] == 92.62
    assert values(out / "pe.xlsx", "评分表", "B")[4 + len(SEED001_SCORES)] == "优"
    # the formulas are kept
    assert load_workbook(out / "pe.xlsx")["评分表"]["H15"].value.startswith("=PE_SCORE(")


@pytest.mark.parametrize("spelling", ["[1]!PE_SCORE", "'C:\\Users\\评价\\AppData\\perfeval_xl.xlam'!PE_SCORE",
                                      "_xll.PE_SCORE", "_xldudf_PE_SCORE", "pe_score"])
def test_every_spelling_of_pe_score(tmp_path, spelling):
    src = seed001_pe_workbook(tmp_path / "pe.xlsx")
    patch_formulas(src, "PE_SCORE(", spelling + "(")
    assert spelling.encode() in zipfile.ZipFile(src).read("xl/worksheets/sheet1.xml")
    run_batch([src], tmp_path / "out", jobs=1, progress=False, annotate=False)
    got = values(tmp_path / "out" / "pe.xlsx", "评分表")
    assert got[3:3 + len(SEED001_SCORES)] == SEED001_SCORES


def test_parts_kept_byte_for_byte(tmp_path):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.drawing.image import Image
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from PIL import Image as PILImage

    wb = Workbook()
    ws = wb.active
    ws.title = "评分"
    ws.append(["指标", "分值", "目标", "实际", "得分"])
    ws.append(["参保人数", 15, "≥38000人", "36667人", '=PE_SCORE(B2,C2,D2,"完成目标满分；低于目标每1%扣1分，扣完为止")'])
    ws.append(["满意度", 10, "≥90%", 0.9469, "=PE_SCORE(B3,C3,D3)"])
    ws.append(["合计", "=SUM(B2:B3)", None, None, "=ROUND(SUM(E2:E3),2)"])
    ws["A2"].comment = Comment("原有批注", "评价人")
    dv = DataValidation(type="list", formula1='"正向,反向"')
    ws.add_data_validation(dv)
    dv.add("C5")
    ws.conditional_formatting.add("E2:E3", CellIsRule(operator="lessThan", formula=["10"], fill=PatternFill("solid", fgColor="FFC7CE")))
    wb.defined_names["总分"] = DefinedName("总分", attr_text="'评分'!$E$4")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    ws.add_chart(chart, "G2")
    PILImage.new("RGB", (4, 4), "red").save(tmp_path / "logo.png")
    ws.add_image(Image(str(tmp_path / "logo.png")), "G20")
    src = tmp_path / "rich.xlsx"
    wb.save(src)

    run_batch([src], tmp_path / "out", jobs=1, progress=False, annotate=False)
    out = tmp_path / "out" / "rich.xlsx"
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(out)
    assert a.namelist() == b.namelist()
    changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert set(changed) <= {"xl/worksheets/sheet1.xml", "xl/workbook.xml"}
    for part in ("xl/charts/chart1.xml", "xl/media/image1.png", "xl/comments/comment1.xml", "xl/drawings/drawing1.xml",
                 "xl/styles.xml"):
        assert a.read(part) == b.read(part), part
    import re

    strip = lambda x: re.sub(rb"<v>[^<]*</v>|<v/>| t=\"[a-z]+\"", b"", x)  # noqa: E731
    assert strip(a.read("xl/worksheets/sheet1.xml")) == strip(b.read("xl/worksheets/sheet1.xml"))
    ws2 = load_workbook(out, data_only=True)["评分"]
    assert (ws2["E2"].value, ws2["E3"].value, ws2["E4"].value) == (11.49, 10, 21.49)
    wbx = b.read("xl/workbook.xml")
    assert b'calcId="191029"' in wbx and b"fullCalcOnLoad" not in wbx
    kept = load_workbook(out)
    assert "总分" in kept.defined_names and kept["评分"]["A2"].comment.text == "原有批注"
    assert kept["评分"].data_validations.dataValidation and kept["评分"].conditional_formatting


def test_batch_survives_broken_files_and_is_repeatable(tmp_path):
    inp = tmp_path / "in"
    (inp / "县A").mkdir(parents=True)
    shutil.copy(EX / "seed001_评分表.xlsx", inp / "县A" / "a.xlsx")
    shutil.copy(EX / "seed003_项目.xlsx", inp / "b.xlsx")
    (inp / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (inp / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    before = {p: sha(p) for p in inp.rglob("*") if p.is_file()}
    s1 = run_batch([inp], tmp_path / "o1", jobs=2, progress=False)
    s2 = run_batch([inp], tmp_path / "o2", jobs=1, progress=False)
    assert {p: sha(p) for p in inp.rglob("*") if p.is_file()} == before
    status = {w["path"]: (w["status"], (w["error"] or {}).get("code")) for w in s1["workbooks"]}
    assert status == {"b.xlsx": ("ok", None), "broken.xlsx": ("error", "PE-W001"), "old.xls": ("error", "PE-W002"),
                      "县A/a.xlsx": ("ok", None)}
    assert exit_status(s1) == 2
    assert [w.pop("output") for w in s1["workbooks"]] == [str(tmp_path / "o1" / w["path"]) if w["status"] == "ok" else None
                                                         for w in s1["workbooks"]]
    [w.pop("output") for w in s2["workbooks"]]
    assert s1 == s2
    for rel in ("县A/a.xlsx", "b.xlsx"):
        assert (tmp_path / "o1" / rel).read_bytes() == (tmp_path / "o2" / rel).read_bytes()


def test_in_place_keeps_a_backup(tmp_path):
    f = tmp_path / "a.xlsx"
    shutil.copy(EX / "seed001_评分表.xlsx", f)
    original = f.read_bytes()
    run_batch([f], None, jobs=1, progress=False, in_place=True)
    assert (tmp_path / "a.xlsx.bak").read_bytes() == original
    assert f.read_bytes() != original and "校验结果" in load_workbook(f).sheetnames


def test_cli_recalc_exit_status_and_quiet_pipe(tmp_path):
    r = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "recalc", str(EX / "seed001_评分表.xlsx"), "--out",
                        str(tmp_path), "--no-annotate"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""                                      # no progress bar in a pipe
    assert "92.62" in r.stdout and (tmp_path / "summary.json").exists()
    assert "校验结果" not in load_workbook(tmp_path / "seed001_评分表.xlsx").sheetnames


@needs_libreoffice
def test_libreoffice_opens_every_output(examples_out, tmp_path):
    out, _ = examples_out
    files = sorted(out.glob("*.xlsx"))
    converted = convert(files, tmp_path / "lo", "csv", recalc=False, profile=tmp_path / "profile")
    assert len(converted) == len(files)
    assert "92.62" in converted[files.index(out / "seed001_评分表.xlsx")].read_text(encoding="utf-8", errors="replace")


EDGE = [  # formula, expected value (Excel semantics)
    ("=ROUND(2.675,2)", 2.68), ("=ROUND(-2.5,0)", -3), ('=SUM(1,A1:A2)', 1), ("=SUM(B1:B3)", 6),
    ('=IFERROR(1/0,"x")', "x"), ("=1/0", "#DIV/0!"), ('="a"+1', "#VALUE!"),
    ("=VLOOKUP(2,B1:C3,2,FALSE)", "二"), ("=INDEX(C1:C3,MATCH(3,B1:B3,0))", "三"), ('=SUMIFS(B1:B3,C1:C3,"二")', 2),
    ('=COUNTIF(B1:B3,">1")', 2), ('=TEXT(0.9649,"0.00%")', "96.49%"), ("=AND(B1=1,OR(B2=5,B3=3))", True),
    ("=AVERAGE(B1:B3)", 2), ("=SUMPRODUCT(B1:B3,B1:B3)", 14), ("=MIN(B1:B3)+MAX(B1:B3)", 4), ('=IF(B1>0,"正","负")', "正"),
]


@needs_libreoffice
def test_excel_semantics_against_libreoffice(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"] = "5", "7"          # numbers stored as text: SUM ignores them
    for i, (n, name) in enumerate([(1, "一"), (2, "二"), (3, "三")], 1):
        ws[f"B{i}"], ws[f"C{i}"] = n, name
    for i, (f, _) in enumerate(EDGE, 1):
        ws[f"E{i}"] = f
    src = tmp_path / "edge.xlsx"
    wb.save(src)
    run_batch([src], tmp_path / "out", jobs=1, progress=False, annotate=False)
    ours = values(tmp_path / "out" / "edge.xlsx", "S", "E")
    [lo] = convert([tmp_path / "out" / "edge.xlsx"], tmp_path / "lo", profile=tmp_path / "p")
    theirs = values(lo, "S", "E")
    for (f, want), got, oracle in zip(EDGE, ours, theirs):
        assert got == want, f
        assert got == oracle or (isinstance(got, float) and abs(got - oracle) < 1e-9), f"{f}: LibreOffice {oracle!r}"


def test_globs_and_xlsm_with_vba_and_external_links_kept(tmp_path):
    import pyopenvba

    xlsm = tmp_path / "in" / "宏.xlsm"
    xlsm.parent.mkdir()
    with pyopenvba.ExcelFile.create_new(xlsm) as xf:
        xf.vba_project().add_module("Checks", 'Attribute VB_Name = "Checks"\nSub Hello()\nEnd Sub\n')
        xf.save()
    book = XlsxBook(xlsm)
    sh = book.sheet(book.sheet_names()[0])
    sh.set_value("A1", 15)
    sh.set_value("B1", "≥38000人")
    sh.set_value("C1", "36667人")
    sh.set_formula("D1", '[1]!PE_SCORE(A1,B1,C1,"低于目标每1%扣1分，扣完为止")')
    # an external-link part, as Excel saves next to [1]!PE_SCORE
    book.pkg.add_part("xl/externalLinks/externalLink1.xml",
                      b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml")
    book.save(xlsm)
    shutil.copy(EX / "seed001_评分表.xlsx", tmp_path / "in" / "a.xlsx")
    s = run_batch([str(tmp_path / "in" / "*.xlsm")], tmp_path / "out", jobs=1, progress=False, annotate=False)
    assert [w["path"] for w in s["workbooks"]] == ["宏.xlsm"]
    out = tmp_path / "out" / "宏.xlsm"
    a, b = zipfile.ZipFile(xlsm), zipfile.ZipFile(out)
    for part in ("xl/vbaProject.bin", "xl/externalLinks/externalLink1.xml", "[Content_Types].xml"):
        assert a.read(part) == b.read(part), part
    assert XlsxBook(out).sheet(book.sheet_names()[0]).value("D1") == 11.49


def _seed001_with(tmp_path, name, fn):
    (tmp_path / name).write_bytes(edit((EX / "seed001_评分表.xlsx").read_bytes(), "xl/worksheets/sheet1.xml", fn))
    return tmp_path / name


def _as_excel_saved(src, dst, cached):
    """The workbook as Excel saves it: each formula cell of sheet1 named in ``cached`` carries its cached value
    (openpyxl writes none)."""
    def fn(data):
        for ref, v in cached.items():
            data = re.sub(rb'(<c r="' + ref.encode() + rb'"[^>]*><f>[^<]*</f>)<v\s*/?>(</v>)?',
                          rb"\1<v>" + v + rb"</v>", data)
        return data
    dst.write_bytes(edit(src.read_bytes(), "xl/worksheets/sheet1.xml", fn))


def test_cells_without_their_optional_r_attribute_are_read_as_excel_reads_them(tmp_path):
    """Excel opens a sheet whose <c> leaves out r (issue 10: it was refused as 'cell without r attribute');
    the form reads and scores exactly as the same form with every r present."""
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(EX / "seed001_评分表.xlsx", inp / "good.xlsx")
    _seed001_with(inp, "odd.xlsx", lambda d: d.replace(b'<c r="A2"', b"<c", 1))
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=False)
    by = {w["path"]: w for w in summary["workbooks"]}
    assert by["odd.xlsx"]["status"] == "ok"
    good, odd = by["good.xlsx"]["sheets"][0], by["odd.xlsx"]["sheets"][0]
    assert (odd["project"], odd["total_stated"], odd["total"]) == (good["project"], good["total_stated"], 92.62)


def test_a_sheet_whose_cells_cannot_be_placed_is_reported_with_file_and_sheet(tmp_path):
    """A <c> that is never closed cannot be placed without guessing: the file is reported (PE-W001, naming the
    file and the sheet), left unchanged, and the rest of the batch goes on."""
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(EX / "seed001_评分表.xlsx", inp / "good.xlsx")

    def unclosed(d):
        i = d.index(b'<c r="A2"')
        j = d.index(b"</c>", i)
        return d[:j] + d[j + 4:]
    _seed001_with(inp, "odd.xlsx", unclosed)
    before = sha(inp / "odd.xlsx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=False)
    by = {w["path"]: w for w in summary["workbooks"]}
    assert by["good.xlsx"]["status"] == "ok"
    err = by["odd.xlsx"]["error"]
    sheet = load_workbook(EX / "seed001_评分表.xlsx").sheetnames[0]
    assert err["code"] == "PE-W001" and "odd.xlsx" in err["message"] and f"工作表 {sheet}" in err["message"]
    assert "无法识别" in err["message"] and sha(inp / "odd.xlsx") == before
    assert not (tmp_path / "out" / "odd.xlsx").exists()


def test_headless_run_does_not_load_xlwings():
    """xlwings (and through it pandas) is for Excel only: a recalc worker that imported it paid ~60 MB and
    ~0.3 s each (measured with benchmarks/recalc.py)."""
    code = ("import sys, perfeval_xl.cli, perfeval_xl.recalc.batch, perfeval_xl.udfs; "
            "print(sorted(m for m in ('xlwings', 'pandas') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_workbook_xml_is_spliced_not_reserialised(tmp_path):
    """Issue 10: workbook.xml was re-serialised in every output (and fullCalcOnLoad dropped by rewriting the part).
    Now only calcPr's attributes change, in the original bytes; a part without calcPr gets one at its schema place."""
    src = tmp_path / "odd.xlsx"
    seed001_pe_workbook(src)
    with zipfile.ZipFile(src) as z:
        original = z.read("xl/workbook.xml")
    assert b'fullCalcOnLoad="1"' in original    # openpyxl asks Excel to recalculate everything on open
    run_batch([src], tmp_path / "out", jobs=1, progress=False, annotate=False, isolate=False)
    with zipfile.ZipFile(tmp_path / "out" / "odd.xlsx") as z:
        out = z.read("xl/workbook.xml")
    strip = lambda b: re.sub(rb"<calcPr\b[^>]*>", b"<calcPr/>", b)  # noqa: E731
    assert strip(out) == strip(original)                               # every other byte is the input's
    calc = re.search(rb"<calcPr\b[^>]*>", out).group(0)
    assert b'calcId="191029"' in calc and b"fullCalcOnLoad" not in calc


def test_lower_case_sheet_names_keep_excels_values(tmp_path):
    """Issue 10: a sheet named `sheet1` in lower case had every result blanked: formualizer (in parallel evaluation)
    read 'sheet1'!A1 as a reference to a new sheet "Sheet1". Evaluated serially (issue 16) it reads the sheet itself,
    as Excel does, and the values are recalculated. Where the engine still makes a sheet of its own (a range spelled
    SHEET1! in sheet1), the workbook's values are left as Excel saved them and listed as not recalculated."""
    wb = Workbook()
    ws = wb.active
    ws.title = "sheet1"
    ws["A1"] = 2
    ws["A2"] = "=A1*3"
    ws["A3"] = "='sheet1'!A1+1"
    wb.save(tmp_path / "lc.xlsx")
    _as_excel_saved(tmp_path / "lc.xlsx", tmp_path / "in.xlsx", {"A2": b"6", "A3": b"3"})
    s = run_batch([tmp_path / "in.xlsx"], tmp_path / "out", jobs=1, progress=False, isolate=False)
    w = s["workbooks"][0]
    assert w["status"] == "ok" and w["not_recalculated"] is None
    ws2 = load_workbook(tmp_path / "out" / "in.xlsx", data_only=True)["sheet1"]
    assert (ws2["A2"].value, ws2["A3"].value) == (6, 3)

    # a several-cell range spelled SHEET1! in sheet1 still makes the engine a sheet "Sheet1" of its own
    ws["B5"] = "=SHEET1!A1:A2"
    wb.save(tmp_path / "lc2.xlsx")
    _as_excel_saved(tmp_path / "lc2.xlsx", tmp_path / "in2.xlsx", {"A2": b"6", "A3": b"3", "B5": b"2"})
    s = run_batch([tmp_path / "in2.xlsx"], tmp_path / "out", jobs=1, progress=False, isolate=False)
    w = s["workbooks"][0]
    assert w["status"] == "ok" and w["not_recalculated"]["count"] == 3
    assert "大小写" in next(iter(w["not_recalculated"]["reasons"]))
    out = load_workbook(tmp_path / "out" / "in2.xlsx", data_only=True)["sheet1"]
    assert (out["A2"].value, out["A3"].value, out["B5"].value) == (6, 3, 2)


def test_1904_date_system(tmp_path):
    """Issue 10: the 1904 date system was ignored (dates off by 1,462 days). DATE() results are written as 1904
    serials; date functions over serials (YEAR, TEXT …) keep Excel's values, listed as not recalculated."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws["A1"] = 0
    ws["A2"] = "=DATE(2020,1,1)"
    ws["A3"] = "=YEAR(A1)"
    ws["A4"] = "=A1+10"
    wb.save(tmp_path / "m.xlsx")
    with zipfile.ZipFile(tmp_path / "m.xlsx") as z:
        assert b'date1904="1"' in z.read("xl/workbook.xml")
    _as_excel_saved(tmp_path / "m.xlsx", tmp_path / "in.xlsx", {"A3": b"1904"})   # Excel's YEAR(A1) in a 1904 book
    s = run_batch([tmp_path / "in.xlsx"], tmp_path / "out", jobs=1, progress=False, isolate=False)
    w = s["workbooks"][0]
    book = XlsxBook(tmp_path / "out" / "in.xlsx")
    sh = book.sheet(book.sheet_names()[0])
    assert sh.value("A2") == 43831 - 1462 and sh.value("A4") == 10 and sh.value("A3") == 1904
    assert w["not_recalculated"]["count"] == 1 and w["not_recalculated"]["cells"] == [f"{book.sheet_names()[0]}!A3"]


def test_dates_before_march_1900_get_excels_serials():
    """Excel counts 1900-02-29 (Lotus' leap-year bug): DATE(1900,1,1) is 1, 1900-02-28 is 59, 1900-03-01 is 61."""
    import formualizer as fz

    from perfeval_xl.recalc.evaluate import _to_cell_value

    wb = fz.Workbook()
    wb.add_sheet("S")
    cases = {"=DATE(1900,1,1)": 1, "=DATE(1900,2,28)": 59, "=DATE(1900,3,1)": 61, "=DATE(2024,1,1)": 45292,
             '=DATEVALUE("1900-01-15")': 15, "=DATE(1900,1,1)+0.5": 1.5}
    for i, f in enumerate(cases, 1):
        wb.set_formula("S", i, 1, f)
    wb.evaluate_all()
    got = {f: _to_cell_value(wb.get_value("S", i, 1)) for i, f in enumerate(cases, 1)}
    assert got == cases


def test_values_resting_on_kept_cells_keep_excels_values_too(tmp_path):
    """A formula the engine cannot compute keeps Excel's value; so must every formula that depends on it, directly
    or through a range, or its recomputed value would rest on an error. TEXT() keeps Excel's value; a formula Excel
    never calculated gets the engine's."""
    import zipfile

    from openpyxl import Workbook

    from perfeval_xl.recalc.batch import run_batch
    from perfeval_xl.recalc.trust import ENGINE_DIFFERS
    from perfeval_xl.xlio import XlsxBook

    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 5
    ws["B1"] = "=NOSUCHFUNCTION(A1)"     # the engine: #NAME?; Excel saved 10
    ws["C1"] = "=IFERROR(B1,0)*2"        # rests on B1, the engine would say 0: Excel saved 20
    ws["D1"] = "=IFERROR(SUM(B1:B3),0)+1"  # through a range, the engine would say 1: Excel saved 11
    ws["E1"] = "=A1*3"                   # nothing it reads moved: Excel's 99 stands (the engine's 15 differs)
    ws["F1"] = '=TEXT(A1,"0.0")'         # TEXT: Excel's "5.0" kept
    ws["G1"] = "=A1+1"                   # never calculated by Excel: gets 6
    src = tmp_path / "in" / "dep.xlsx"
    src.parent.mkdir()
    wb.save(src)
    # give the formulas the cached values Excel would have saved (openpyxl writes none)
    book = XlsxBook(src)
    sheet = book.pkg.cells(book.pkg.sheet_part("S"))
    for ref, v in {"B1": 10, "C1": 20, "D1": 11, "E1": 99, "F1": "5.0"}.items():
        sheet.set_cached(ref, v)
    book.save(src)
    summary = run_batch([src.parent], tmp_path / "out", jobs=1, progress=None)
    [w] = summary["workbooks"]
    out = XlsxBook(tmp_path / "out" / "dep.xlsx").sheet("S")
    assert [out.value(c) for c in ("B1", "C1", "D1", "E1", "F1", "G1")] == [10, 20, 11, 99, "5.0", 6]
    assert w["not_recalculated"]["reasons"] == {"公式引擎结果为 #NAME?，保留 Excel 保存的值": 1,
                                               "引用了保留 Excel 值的单元格，保留 Excel 保存的值": 2,  # C1, D1
                                               "TEXT() 的数字格式与 Excel 不完全一致，保留 Excel 保存的值": 1,
                                               ENGINE_DIFFERS: 1}                                   # E1
    assert zipfile.is_zipfile(tmp_path / "out" / "dep.xlsx")


GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_wb.py"


@pytest.mark.skipif(not GENERATOR.exists(), reason="the shared benchmark generator is not beside this repository")
def test_shared_benchmark_workbooks_pe_scores_equal_their_plain_excel_twins(tmp_path):
    """The shared benchmark workbook writes, on every indicator row, =PE_SCORE(F,G,H,"ratio"|"pct") in J next to the
    plain formula Excel itself computes the same score with in I (IF(H>=G,F,ROUND(F*H/G,2)) for 按比例,
    MIN(F,ROUND(F*H,2)) for 比率×分值), and a total and grade of each. After recalc the two columns agree everywhere."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_wb", GENERATOR)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for seed in (3, 4):
        gen.make(tmp_path / f"bench{seed}.xlsx", seed)
    run_batch([tmp_path / "bench3.xlsx", tmp_path / "bench4.xlsx"], tmp_path / "out", jobs=1, progress=False,
              isolate=False)
    compared = 0
    for seed in (3, 4):
        wb = load_workbook(tmp_path / "out" / f"bench{seed}.xlsx", data_only=True)
        for ws in (ws for ws in wb.worksheets if ws["A46"].value == "合计"):
            for r in list(range(5, 45)) + [46]:
                plain, pe = ws.cell(r, 9).value, ws.cell(r, 10).value
                assert isinstance(pe, (int, float)) and pe == pytest.approx(plain, abs=1e-9), (seed, ws.title, r, plain, pe)
                compared += 1
            grade = {90: "优", 80: "良", 60: "中", 0: "差"}[next(b for b in (90, 80, 60, 0) if ws["I46"].value >= b)]
            assert ws["J47"].value == ws["I47"].value == grade
    assert compared == 2 * 3 * 41


def _saved_by_excel(path: Path, cached: dict[str, tuple[str | None, str]], calc: str = "") -> None:
    """The openpyxl workbook at ``path`` as Excel would have saved it: each formula cell with its cached value
    ({cell: (t, text)}) and calcPr without fullCalcOnLoad (``calc`` "full" keeps it, "manual" sets calcMode)."""
    data = path.read_bytes()

    def sheet(b: bytes) -> bytes:
        for ref, (t, text) in cached.items():
            b, n = re.subn(rb'<c r="' + ref.encode() + rb'"><f>(.*?)</f><v></v></c>',
                           lambda m: b'<c r="' + ref.encode() + b'"' + (b' t="' + t.encode() + b'"' if t else b"")
                           + b"><f>" + m.group(1) + b"</f><v>" + text.encode() + b"</v></c>", b)
            assert n == 1, ref
        return b
    data = edit(data, "xl/worksheets/sheet1.xml", sheet)
    if calc != "full":
        data = edit(data, "xl/workbook.xml", lambda b: b.replace(
            b' fullCalcOnLoad="1"', b' calcMode="manual"' if calc == "manual" else b""))
    path.write_bytes(data)


@pytest.mark.parametrize("calc", ["", "full", "manual"])
def test_where_no_input_moved_excels_value_stands_against_the_engines(tmp_path, calc):
    """Excel saved LEFT(TRUE,2) as "TR"; the engine says "tr". Nothing that formula reads changed, so Excel's value is
    kept (and said so), and so is its dependent's; a PE_SCORE saved stale (0, the add-in not loaded) and the total
    over it are recalculated. A workbook saved to be recalculated on load (fullCalcOnLoad), or calculated by hand (its
    saved values may be older than its inputs), has no such values."""
    from perfeval_xl.recalc.trust import ENGINE_DIFFERS

    wb = Workbook()
    ws = wb.active
    ws["A1"] = 10
    ws["B1"] = "=LEFT(TRUE,2)"
    ws["B2"] = '=B1&"X"'
    ws["C1"] = '=PE_SCORE(15,"≥38000人","36667人","完成目标满分；低于目标每1%扣1分，扣完为止")'
    ws["C2"] = "=C1*2"
    ws["D1"] = "=A1*2"
    f = tmp_path / "saved.xlsx"
    wb.save(f)
    _saved_by_excel(f, {"B1": ("str", "TR"), "B2": ("str", "TRX"), "C1": (None, "0"), "C2": (None, "0"),
                        "D1": (None, "20")}, calc)
    summary = run_batch([f], tmp_path / "out", jobs=1, progress=False, isolate=False)
    w = summary["workbooks"][0]
    got = load_workbook(tmp_path / "out" / "saved.xlsx", data_only=True).active
    assert (got["C1"].value, got["C2"].value, got["D1"].value) == (11.49, 22.98, 20)
    if calc:
        assert (got["B1"].value, got["B2"].value) == ("tr", "trX")   # nothing of Excel's to keep: the engine's
        assert w["not_recalculated"] is None
    else:
        assert (got["B1"].value, got["B2"].value) == ("TR", "TRX")
        assert w["not_recalculated"] == {"count": 2, "reasons": {ENGINE_DIFFERS: 2}, "cells": ["Sheet!B1", "Sheet!B2"]}


def test_characters_xml_cannot_hold_are_written_as_excel_writes_them(tmp_path):
    """=CHAR(7)&"x", =CHAR(1), =UNICHAR(65535): the engine's results hold characters XML 1.0 cannot hold. Written raw
    they made the recalculated copy unreadable (Excel: "We found a problem with some content"; lxml and openpyxl
    refuse the sheet); Excel writes them as _xHHHH_, and so does recalc now."""
    from lxml import etree

    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = '=CHAR(7)&"x"', "=CHAR(1)", "=UNICHAR(65535)"
    f = tmp_path / "chars.xlsx"
    wb.save(f)
    run_batch([f], tmp_path / "out", jobs=1, progress=False, isolate=False)
    sheet = zipfile.ZipFile(tmp_path / "out" / "chars.xlsx").read("xl/worksheets/sheet1.xml")
    etree.fromstring(sheet)                                   # well-formed
    assert b"<v>_x0007_x</v>" in sheet and b"<v>_x0001_</v>" in sheet and b"<v>_xFFFF_</v>" in sheet
    got = load_workbook(tmp_path / "out" / "chars.xlsx", data_only=True).active
    assert [got[c].value for c in ("A1", "A2", "A3")] == ["_x0007_x", "_x0001_", "_xFFFF_"]


def test_the_batch_imports_neither_openpyxl_nor_numpy(tmp_path):
    """Issue 16: the recalc command's start-up imported openpyxl (and through it numpy, whose BLAS threads then spin)
    for three address helpers: 188 ms of a 0.25 s start. A batch over .xlsx files needs neither."""
    shutil.copy(EX / "seed001_评分表.xlsx", tmp_path / "a.xlsx")
    code = ("import sys\nfrom perfeval_xl.recalc.commands import *\nfrom perfeval_xl import cli\n"
            "from perfeval_xl.recalc.batch import run_batch\nfrom perfeval_xl.recalc.summary import write_json, write_xlsx\n"
            f"s = run_batch([{str(tmp_path / 'a.xlsx')!r}], {str(tmp_path / 'out')!r}, jobs=1, progress=None)\n"
            f"write_xlsx(s, {str(tmp_path / 'out' / 'summary.xlsx')!r})\n"
            f"write_json(s, {str(tmp_path / 'out' / 'summary.json')!r})\n"
            "assert s['workbooks'][0]['status'] == 'ok'\n"
            "print(sorted(m for m in ('openpyxl', 'numpy') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize("spread", [False, True])
def test_engine_values_read_in_one_rectangle_or_cell_by_cell_are_the_same(spread):
    """evaluate() reads a sheet's results in one call over the rectangle of its formulas, or cell by cell when that
    rectangle would be far larger than they are: dates as serials, errors as their text, booleans and text as they
    are, either way (hand-worked values)."""
    import io

    from perfeval_xl.recalc.evaluate import evaluate
    from perfeval_xl.xlio import XlsxPackage

    formulas = {"=DATE(2024,1,1)": 45292, "=DATE(1900,1,1)+0.5": 1.5, "=1/0": "#DIV/0!", '="a"+1': "#VALUE!",
                "=B1>0": True, '="完成"&"率"': "完成率", "=ROUND(2.675,2)": 2.68, "=SUM(B1:B2)": 5,
                '=TEXT(0.9649,"0.00%")': "96.49%"}
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["B1"], ws["B2"] = 2, 3
    cells = {}
    for i, f in enumerate(formulas, 1):
        ref = f"AA{i * 2000}" if spread and i > 1 else f"A{i}"     # spread: a rectangle of 18,000 × 27 cells
        ws[ref] = f
        cells[ref] = formulas[f]
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    assert evaluate(XlsxPackage(data), data)["S"] == cells


def test_file_names_in_gbk_bytes_are_read_as_gbk(tmp_path):
    """A zip made on Chinese Windows stores its names in GBK, and unpacked on Linux the files keep those bytes: Python
    then holds each non-UTF-8 byte as a lone surrogate, which summary.json could not encode (the whole batch ended in
    PE-R009 before). Each such name, folder or file, is read as GBK; one that is not GBK either shows its bytes."""
    import os

    from perfeval_xl.recalc.summary import write_summaries
    from perfeval_xl.workbook.errors import escaped, readable_path

    src = ROOT / "workbooks" / "examples"
    inp = os.fsencode(tmp_path / "in")
    county = inp + b"/" + "县局".encode("gbk")
    os.makedirs(county)
    shutil.copy(src / "seed003_项目.xlsx", inp + b"/" + "自评表_县财政局.xlsx".encode("gbk"))
    shutil.copy(src / "seed001_评分表.xlsx", county + b"/" + "表".encode("gbk") + b".xlsx")
    shutil.copy(src / "seed001_评分表.xlsx", inp + b"/\xff\xfe.xlsx")          # neither UTF-8 nor GBK
    shutil.copy(src / "seed001_评分表.xlsx", os.fsencode(tmp_path / "in" / "正常.xlsx"))
    out = tmp_path / "out"
    summary = run_batch([os.fsdecode(inp)], out, jobs=1)
    write_summaries(summary, out)
    entries = json.loads((out / "summary.json").read_text(encoding="utf-8"))["workbooks"]
    assert sorted(e["path"] for e in entries) == sorted(["自评表_县财政局.xlsx", "县局/表.xlsx", "\\xff\\xfe.xlsx",
                                                         "正常.xlsx"])
    assert all(e["status"] == "ok" for e in entries)
    by_path = {e["path"]: e for e in entries}
    assert by_path["自评表_县财政局.xlsx"]["sheets"][0]["total_stated"] == 79.99
    # the copies are written under the names as read, where the summary's links point
    for e in entries:
        assert Path(e["output"]).exists() and Path(e["output"]) == out / e["path"]
    load_workbook(out / "summary.xlsx")            # holds the names too
    # the command: the same names on the console, and its usual exit status (seed003 has an error-severity finding)
    out2 = os.fsencode(tmp_path) + b"/" + "输出".encode("gbk")
    res = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "recalc", os.fsdecode(inp), "--out", os.fsdecode(out2)],
                         capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    text = res.stdout.decode("utf-8")
    assert res.returncode == 1, res.stderr.decode("utf-8", "replace")[-2000:]
    assert "× 自评表_县财政局.xlsx" in text and "√ 县局/表.xlsx" in text and f"{tmp_path}/输出/summary.xlsx" in text
    assert readable_path(os.fsdecode(b"/a/" + "输出".encode("gbk") + "/正常/".encode() + b"\xb1\xed\xff.x")) == \
        "/a/输出/正常/\\xb1\\xed\\xff.x"
    assert escaped(os.fsdecode("文件 ".encode() + b"\xff")) == "文件 \\xff" and readable_path("正常.xlsx") == "正常.xlsx"


def test_an_output_the_disk_refuses_is_that_files_error_in_words(tmp_path, monkeypatch):
    """A copy that cannot be written (disk full; a GBK name of 120 characters, 240 bytes, is 360 bytes as UTF-8, past
    the 255 a Linux file name may hold) is that file's PE-R003 with the reason and the path, not an internal error;
    the other files are written as usual."""
    import errno
    import os

    from perfeval_xl.recalc import batch

    src = ROOT / "workbooks" / "examples"
    inp = tmp_path / "in"
    inp.mkdir()
    long_name = "绩效自评表" * 24 + ".xlsx"
    shutil.copy(src / "seed001_评分表.xlsx", os.fsencode(inp) + b"/" + long_name.encode("gbk"))
    shutil.copy(src / "seed003_项目.xlsx", inp / "正常.xlsx")
    shutil.copy(src / "seed004_晋中自评表.xlsx", inp / "满盘.xlsx")
    real = batch.atomic_write

    def disk_full_for_one(path, data):
        if str(path).endswith("满盘.xlsx"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(batch, "atomic_write", disk_full_for_one)
    out = tmp_path / "out"
    entries = {e["path"]: e for e in run_batch([inp], out, jobs=1, isolate=False)["workbooks"]}
    assert entries["正常.xlsx"]["status"] == "ok" and (out / "正常.xlsx").exists()
    full, long_ = entries["满盘.xlsx"], entries[long_name]
    assert full["error"]["code"] == long_["error"]["code"] == "PE-R003"
    assert f"磁盘空间不足，未写出 {out / '满盘.xlsx'}" in full["error"]["message"]
    assert f"路径过长，未写出 {out / long_name}" in long_["error"]["message"]
    assert exit_status({"workbooks": list(entries.values())}) == 2
    assert "正在 Excel" not in full["error"]["message"]


def test_a_copy_still_open_in_excel_is_said_so(tmp_path, monkeypatch):
    """On Windows, writing over last run's copy that the reviewer still has open in Excel is refused (permission
    denied); Excel keeps its owner file ~$NAME beside it, and the message then says to close it."""
    import errno

    from perfeval_xl.recalc import batch

    def refused(path, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(batch, "atomic_write", refused)
    out = tmp_path / "out"
    out.mkdir()
    (out / "~$seed001_评分表.xlsx").write_bytes(b"\x00" * 165)          # Excel's owner file
    entries = {e["path"]: e for e in run_batch([ROOT / "workbooks" / "examples"], out, jobs=1, isolate=False)["workbooks"]}
    assert entries["seed001_评分表.xlsx"]["error"]["message"] == (
        f"[PE-R003] 无法写出结果：没有访问权限，未写出 {out / 'seed001_评分表.xlsx'}"
        "（该文件正在 Excel、WPS 或 LibreOffice 中打开，请关闭后重新运行）（文件 seed001_评分表.xlsx）")
    assert "正在 Excel" not in entries["seed003_项目.xlsx"]["error"]["message"]


def test_an_output_folder_checked_again_gives_the_same_forms_and_not_its_summary(tmp_path):
    """Run on an earlier run's output folder (copies corrected and checked again), the batch reads the annotated
    copies as the same forms with the same totals and findings, and passes over that run's summary.xlsx (beside its
    summary.json), which it listed as an unrecognised workbook before. A summary.xlsx of a unit's own is read."""
    from perfeval_xl.recalc.summary import write_summaries

    first = run_batch([ROOT / "workbooks" / "examples"], tmp_path / "one", jobs=1)
    write_summaries(first, tmp_path / "one")
    again = run_batch([tmp_path / "one"], tmp_path / "two", jobs=1)

    def brief(summary):
        return {w["path"]: [(s["total"], s["grade"], sorted(f["code"] for f in s["findings"])) for s in w["sheets"]]
                for w in summary["workbooks"]}
    assert brief(again) == brief(first) and "summary.xlsx" not in brief(again)
    (tmp_path / "one" / "summary.json").unlink()        # a summary.xlsx alone is somebody's workbook: read it
    assert "summary.xlsx" in brief(run_batch([tmp_path / "one"], tmp_path / "three", jobs=1))
