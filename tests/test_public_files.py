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
    assert set(by) == {p.relative_to(inp).as_posix() for p in inp.rglob("*.xlsx")}
    refused = {k: w["error"]["code"] for k, w in by.items() if w["status"] == "error"}
    assert refused == {"poi/duplicate-filename.xlsx": "PE-W001", "poi/poc-shared-strings.xlsx": "PE-W010",
                       "poi/sample-beta.xlsx": "PE-W001"}
    assert "http://schemas.microsoft.com/office/excel/2006/2" in by["poi/sample-beta.xlsx"]["error"]["message"]
    assert "重名" in by["poi/duplicate-filename.xlsx"]["error"]["message"]


def test_unsure_cells_keep_excels_values_and_say_why(swept):
    _, by = swept
    reasons = {k: w["not_recalculated"]["reasons"] for k, w in by.items() if w.get("not_recalculated")}
    assert reasons["poi/55906-MultiSheetRefs.xlsx"] == {"公式引擎结果为 #VALUE!，保留 Excel 保存的值": 13}
    assert reasons["poi/StructuredReferences.xlsx"] == {"公式引擎结果为 #NAME?，保留 Excel 保存的值": 9}
    assert list(reasons["poi/59132.xlsx"]) == ["公式引擎无法加载此文件：公式引用的工作表名与工作表“Sheet1”大小写不一致，公式引擎无法可靠计算"]
    assert list(reasons["poi/DateFormatNumberTests.xlsx"]) == ["1904 日期系统中的日期函数，保留 Excel 保存的值"]
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
