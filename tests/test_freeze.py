"""Freeze: PE_* calls become plain formulas that LibreOffice recalculates to the same numbers."""
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.recalc.freeze import freeze_file, freeze_formula

from libreoffice import convert, needs_libreoffice
from recalc_builders import SEED001_SCORES, scoring_workbook, seed001_pe_workbook


def column(path, sheet, col):
    ws = load_workbook(path, data_only=True)[sheet]
    return [ws[f"{col}{r}"].value for r in range(1, ws.max_row + 1)]


def test_frozen_copy_has_no_pe_calls_and_keeps_values(tmp_path):
    src = seed001_pe_workbook(tmp_path / "pe.xlsx")
    result = freeze_file(src, tmp_path / "frozen.xlsx")
    assert result.changed == 10          # 9 PE_SCORE + 1 PE_GRADE
    # judged from words (选择服务单位合规性 "合规", 保险理赔及时性 "及时", 满意度 without a number): kept as values
    assert result.constant == ["评分表!H6", "评分表!H17", "评分表!H22"]
    assert "7 个仍引用原来的输入单元格" in result.message() and "评分表!H6" in result.message()
    xml = zipfile.ZipFile(tmp_path / "frozen.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "PE_" not in xml
    got = column(tmp_path / "frozen.xlsx", "评分表", "H")
    assert got[3:3 + len(SEED001_SCORES)] == SEED001_SCORES


def test_frozen_formula_text():
    class Res:  # the cells of one seed-001 row
        profile = __import__("perfeval_xl.engine.profile", fromlist=["NATIONAL"]).NATIONAL
        vals = {"D16": 15, "F16": "≥38000人", "G16": "36667人", "E16": "完成目标满分；低于目标每1%扣1分，扣完为止"}

        def value(self, arg):
            return self.vals.get(arg, arg.strip('"'))

        def is_numeric_ref(self, arg):
            return isinstance(self.vals.get(arg), (int, float))

    lost = []
    text, n = freeze_formula("PE_SCORE(D16,F16,G16,E16)", Res(), 11.49, lost)
    assert n == 1 and lost == []
    # the figures are read from the cells, not copied in: the frozen sheet follows its inputs
    assert "36667" not in text and "38000" not in text
    number = 'LOOKUP(9.9E+307,--MID({c},MIN(FIND({{0,1,2,3,4,5,6,7,8,9}},{c}&"0123456789")),{{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}}))'
    g, f = number.format(c="G16"), number.format(c="F16")
    assert text == f"ROUND(MAX(0,MIN(D16,IF(({g})>=({f}),D16,D16-1*(100-({g})/({f})*100)/1))),2)"


@pytest.mark.parametrize("raw, value", [("≥38000人", 38000), ("96.49%", 0.9649), ("220万元", 220), ("≤10天", 10),
                                        ("12.5", 12.5), ("≥95%以上", 0.95)])
def test_text_number_reads_the_first_number(raw, value):
    from perfeval_xl.recalc.freeze import text_number

    formula, got = text_number("A1", raw)
    assert got == value and formula.startswith("LOOKUP(9.9E+307,--MID(A1,")


@pytest.mark.parametrize("raw", ["达成", "2022-10", "1,000人", "-5%", "130、30", "1e3", "38000 1"])
def test_text_number_refuses_what_excel_would_read_otherwise(raw):
    from perfeval_xl.recalc.freeze import text_number

    assert text_number("A1", raw) is None


@needs_libreoffice
@pytest.mark.parametrize("builder", ["seed001", "generated120"])
def test_libreoffice_recalculates_the_frozen_copy_to_the_same_values(tmp_path, builder):
    if builder == "seed001":
        src, sheet, cols = seed001_pe_workbook(tmp_path / "pe.xlsx"), "评分表", ("H", "B")
    else:
        src, sheet, cols = scoring_workbook(tmp_path / "gen.xlsx", n=120), "评分1", ("H",)
    run_batch([src], tmp_path / "ours", jobs=1, progress=False, annotate=False)
    ours = {c: column(tmp_path / "ours" / src.name, sheet, c) for c in cols}
    frozen = tmp_path / "frozen" / src.name
    freeze_file(src, frozen)
    [lo] = convert([frozen], tmp_path / "lo", profile=tmp_path / "profile")
    theirs = {c: column(lo, sheet, c) for c in cols}
    for c in cols:
        for r, (a, b) in enumerate(zip(ours[c], theirs[c]), 1):
            if isinstance(a, float) or isinstance(b, float):
                assert b is not None and abs(a - b) < 1e-9, f"{c}{r}: perfeval {a!r} vs LibreOffice {b!r}"
            else:
                assert a == b, f"{c}{r}: perfeval {a!r} vs LibreOffice {b!r}"
    assert sum(isinstance(v, (int, float)) for v in ours["H"]) >= (20 if builder == "seed001" else 122)


@needs_libreoffice
def test_examples_frozen_and_recalculated_by_libreoffice_keep_their_values(tmp_path):
    ex = Path(__file__).resolve().parent.parent / "workbooks" / "examples"
    files = sorted(ex.glob("*.xlsx"))
    frozen = []
    for f in files:
        freeze_file(f, tmp_path / "frozen" / f.name)
        frozen.append(tmp_path / "frozen" / f.name)
    run_batch([tmp_path / "frozen"], tmp_path / "ours", jobs=1, progress=False, annotate=False)
    lo = convert(frozen, tmp_path / "lo", profile=tmp_path / "profile")
    for f, l in zip(files, lo):
        ours = load_workbook(tmp_path / "ours" / f.name, data_only=True)
        theirs = load_workbook(l, data_only=True)
        for ws in ours.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    o, t = c.value, theirs[ws.title][c.coordinate].value
                    if isinstance(o, float) or isinstance(t, float):
                        assert t is not None and abs(o - t) < 1e-9, f"{f.name}!{c.coordinate}"
                    elif o is not None:
                        assert o == t, f"{f.name}!{c.coordinate}"


@needs_libreoffice
def test_a_frozen_sheet_follows_its_inputs_when_libreoffice_recalculates(tmp_path):
    """Change inputs in the frozen copy (as a recipient without the add-in would) and recalculate: the scores
    move as the engine says they should, because the frozen formulas read the cells, not today's figures."""
    from perfeval_xl.engine.api import score

    src = seed001_pe_workbook(tmp_path / "pe.xlsx")
    frozen = tmp_path / "frozen.xlsx"
    freeze_file(src, frozen)
    wb = load_workbook(frozen)
    ws = wb["评分表"]
    r = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "参保人员数量")
    crit = ws.cell(r, 5).value
    ws.cell(r, 7).value = "37000人"          # actual, a text quantity: 36667人 → 37000人
    ws.cell(r, 4).value = 20                  # weight, a number: 15 → 20
    ws.cell(r, 6).value = "≥40000人"          # target text: 38000 → 40000
    wb.save(tmp_path / "edited.xlsx")
    [lo] = convert([tmp_path / "edited.xlsx"], tmp_path / "lo", profile=tmp_path / "profile")
    got = load_workbook(lo, data_only=True)["评分表"].cell(r, 8).value
    expected = score(20, "≥40000人", "37000人", crit).value
    assert expected == round(20 - (100 - 37000 / 40000 * 100), 2) == 12.5
    assert abs(got - expected) < 1e-9, (got, expected)


@pytest.mark.parametrize("name, says", [("duplicate-filename.xlsx", "出现不止一次"), ("sample-beta.xlsx", "测试版"),
                                        ("SimpleStrict.xlsx", "Strict Open XML")])
def test_what_recalc_only_reviews_is_not_frozen_into_a_copy_either(tmp_path, name, says):
    """Two zip entries of one name (ambiguous), Excel 2007 beta and Strict Open XML: recalc reviews them without a copy,
    and freeze refuses with one coded Chinese line (exit 2) instead of writing an ambiguous or mixed package."""
    import subprocess
    import sys

    src = Path(__file__).resolve().parent / "fixtures" / "public" / "poi" / name
    out = tmp_path / "frozen.xlsx"
    r = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "freeze", str(src), "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and not out.exists()
    text = r.stdout + r.stderr
    assert "[PE-R003]" in text and says in text and name in text
    assert "Warning" not in text and "Traceback" not in text
