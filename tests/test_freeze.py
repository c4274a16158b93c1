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
    n = freeze_file(src, tmp_path / "frozen.xlsx")
    assert n == 10          # 9 PE_SCORE + 1 PE_GRADE
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

    text, n = freeze_formula("PE_SCORE(D16,F16,G16,E16)", Res(), 11.49)
    assert n == 1
    assert text == "ROUND(MAX(0,MIN(D16,IF(36667>=38000,D16,D16-1*(100-36667/38000*100)/1))),2)"


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
