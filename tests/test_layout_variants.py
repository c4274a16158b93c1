"""Real forms arrive pasted, re-typed and re-saved. The same form may be shifted right by a blank column, pushed down
by blank rows, have spaces or line breaks inside its header labels, full-width brackets, text padded with spaces,
percentages typed as text ("96.49%"), its numbers stored as text, or have been saved again by another program. Each
bundled example and each real public form of the corpus must read the same way under every such variant: the same
stated and recomputed totals and the same findings (their codes; cells move with a shift)."""
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from perfeval_xl.recalc.batch import run_batch

from libreoffice import convert, needs_libreoffice

ROOT = Path(__file__).resolve().parent.parent
FORMS = sorted((ROOT / "workbooks" / "examples").glob("*.xlsx")) + sorted((ROOT / "workbooks" / "corpus").glob("*.xlsx"))
HEADERS = ("分值", "得分", "指标值", "实际完成值", "一级指标", "二级指标", "三级指标", "权重", "年度指标值", "全年预算数",
           "全年执行数")


def _shift(ws, cols: int = 0, rows: int = 0) -> None:
    merges = [m.coord for m in ws.merged_cells.ranges]
    for m in merges:
        ws.unmerge_cells(m)
    if cols:
        ws.insert_cols(1, cols)
    if rows:
        ws.insert_rows(1, rows)
    for m in merges:            # openpyxl's insert_* leave merged ranges where they were
        cr = CellRange(m)
        cr.shift(col_shift=cols, row_shift=rows)
        ws.merge_cells(cr.coord)


def _cells(ws):
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


VARIANTS = {
    "blank_column": lambda ws: _shift(ws, cols=1),
    "blank_rows": lambda ws: _shift(ws, rows=3),
    "spaced_headers": lambda ws: [setattr(c, "value", " ".join(c.value)) for c in _cells(ws)
                                  if isinstance(c.value, str) and c.value in HEADERS],
    "broken_headers": lambda ws: [setattr(c, "value", c.value[:2] + "\n" + c.value[2:]) for c in _cells(ws)
                                  if isinstance(c.value, str) and c.value in HEADERS and len(c.value) > 3],
    "fullwidth_brackets": lambda ws: [setattr(c, "value", c.value.replace("(", "（").replace(")", "）"))
                                      for c in _cells(ws) if isinstance(c.value, str)],
    "padded_text": lambda ws: [setattr(c, "value", f" {c.value}  ") for c in _cells(ws) if isinstance(c.value, str)],
    "percents_as_text": lambda ws: [setattr(c, "value", f"{c.value * 100:.2f}%") for c in _cells(ws)
                                    if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
                                    and "%" in (c.number_format or "")],
    "numbers_as_text": lambda ws: [setattr(c, "value", str(c.value)) for c in _cells(ws)
                                   if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)],
}


@pytest.fixture(scope="module")
def read_back(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("variants")
    inp = tmp / "in"
    inp.mkdir()
    for form in FORMS:
        for name, change in {"original": lambda ws: None, **VARIANTS}.items():
            wb = openpyxl.load_workbook(form)
            for ws in wb.worksheets:
                change(ws)
            wb.save(inp / f"{name}__{form.name}")
    summary = run_batch([inp], tmp / "out", jobs=2, progress=False)
    out = {}
    for w in summary["workbooks"]:
        variant, _, form = w["path"].partition("__")
        s = w["sheets"][0] if w["sheets"] else None
        out[(form, variant)] = (s["total_stated"], s["total"], Counter(f["code"] for f in s["findings"])) if s else None
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_form_reads_the_same_under(read_back, variant):
    for form in FORMS:
        original = read_back[(form.name, "original")]
        assert original is not None, form.name
        assert read_back[(form.name, variant)] == original, form.name


def _read(folder: Path, out: Path) -> dict[str, tuple]:
    summary = run_batch([folder], out, jobs=2, progress=False)
    return {Path(w["path"]).stem: (w["sheets"][0]["total_stated"], w["sheets"][0]["total"],
                                   Counter(f["code"] for f in w["sheets"][0]["findings"])) if w["sheets"] else None
            for w in summary["workbooks"]}


@needs_libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_every_form_reads_the_same_after_another_program_saves_it(tmp_path, fmt):
    """Units fill forms in WPS or LibreOffice and send .xlsx or old .xls files: each form saved again by LibreOffice
    (as .xlsx, or as .xls read by the legacy reader) gives the same totals and findings as the original."""
    inp = tmp_path / "in"
    inp.mkdir()
    for form in FORMS:
        shutil.copy(form, inp / form.name)
    convert(sorted(inp.glob("*.xlsx")), tmp_path / fmt, fmt, recalc=False, profile=tmp_path / "lo")
    original, saved = _read(inp, tmp_path / "out1"), _read(tmp_path / fmt, tmp_path / "out2")
    assert len(original) == len(FORMS) and all(original.values())
    assert saved == original
