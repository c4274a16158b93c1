"""Evaluate every formula of a package with formualizer, PE_* going through the same functions Excel calls.

``evaluate(pkg)`` returns the value of every formula cell (and of the cells an array formula spills
into) as {sheet: {"C12": value}}; ``write_cached(pkg, values)`` stores them as the cells' cached values.
Excel errors come back as their text (#DIV/0!, #VALUE!, #NAME? …).
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import re
import zipfile
from typing import Any

import formualizer as fz

from ..cellfuncs import FUNCTIONS
from ..xlio.sheetxml import ERRORS, SheetPart
from ..xlio.grid import address, parse_address
from ..xlio import XlsxPackage
from .peforms import normalize_formula
from .references import expand_3d, expand_tables, tables_of
from .trust import unchanged_inputs, untrusted

ERROR_TEXT = {"Div": "#DIV/0!", "Na": "#N/A", "NA": "#N/A", "Num": "#NUM!", "Value": "#VALUE!", "Ref": "#REF!",
              "Name": "#NAME?", "Null": "#NULL!", "Spill": "#SPILL!", "Calc": "#CALC!", "GettingData": "#GETTING_DATA"}
EXCEL_EPOCH = _dt.datetime(1899, 12, 30)


class EngineUnsure(RuntimeError):
    """The formula engine ran, but its results cannot be trusted for this workbook."""


def _to_cell_value(v: Any, epoch: _dt.datetime = EXCEL_EPOCH) -> Any:
    if isinstance(v, dict) and v.get("type") == "Error":
        return ERROR_TEXT.get(v.get("kind"), "#VALUE!")
    if isinstance(v, _dt.datetime):
        return _serial(v, epoch)
    if isinstance(v, _dt.date):
        return _serial(_dt.datetime(v.year, v.month, v.day), epoch)
    if isinstance(v, _dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second) / 86400
    if isinstance(v, _dt.timedelta):   # a duration or a date difference: Excel stores it as days
        return v.total_seconds() / 86400
    return v


LEAP_BUG_END = _dt.datetime(1900, 3, 1)


def _serial(d: _dt.datetime, epoch: _dt.datetime) -> float | int:
    """Excel's serial of a date: days since 1899-12-30, except that the 1900 system counts the day 1900-02-29 that
    never was (Lotus' leap-year bug), so before 1900-03-01 a serial is one less: DATE(1900,1,1) is 1, 1900-02-28 is 59."""
    days = (d - epoch).total_seconds() / 86400
    if epoch == EXCEL_EPOCH and d < LEAP_BUG_END:
        days -= 1
    return int(days) if days.is_integer() else days


#: PE_ spelled in another case, and the spellings Excel gives calls to an add-in's, an XLL's or an Office.js function
_ODD_PE = (b"pe_", b"pE_", b"Pe_")
_FOREIGN = (b"_xll.", b"_xldudf_", b".xlam", b"]!")


def _needs_respelling(data: bytes) -> bool:
    """Any PE_* call spelled other than plain upper-case ``PE_NAME(``? A scan of the sheet's bytes for fixed
    strings (bytes.find, far faster than one regular expression with alternatives over a 40 kB part)."""
    return any(s in data for s in _ODD_PE) or (b"PE_" in data and any(s in data for s in _FOREIGN))


#: Sheet1:Sheet3! or 'Sheet 1:Sheet 3'! somewhere in the part (a cheap test before any formula is read)
_3D_BYTES = re.compile(rb"(?:[A-Za-z_\x80-\xff][\w.\x80-\xff]*|'[^'<>]+):(?:[A-Za-z_\x80-\xff][\w.\x80-\xff]*'?|[^'<>:]+')!")


def _normalised_bytes(pkg: XlsxPackage, original: bytes,
                      rewritten: dict[tuple[str, str], str] | None = None) -> bytes:
    """The package as the engine evaluates it: PE_* calls respelled, 3-D and structured references written as
    plain ranges (:mod:`.references`) — in this copy only, never in the output."""
    changed: dict[str, bytes] = {}
    sheets = pkg.sheets()
    names = [name for name, _part in sheets]
    tables = None
    for name, part in sheets:
        data = pkg.parts[part]
        # the formulas are read from the package's own parse of the part; a copy is parsed only to edit it
        cells = pkg.cells(part)
        if cells.edited:
            cells = SheetPart(data)
        formulas = cells.formula_bytes()
        pe = _needs_respelling(formulas)
        three_d = b"!" in formulas and _3D_BYTES.search(formulas) is not None
        structured = b"[" in formulas
        if not (pe or three_d or structured):
            continue
        if structured and tables is None:
            tables = tables_of(pkg)
        copy: SheetPart | None = None
        for ref in cells.formula_refs():
            text = cells.formula(ref)
            if not text:
                continue
            new = normalize_formula(text) if pe else text
            if three_d:
                new = expand_3d(new, names)
            if structured and tables:
                r, c = cells.position(ref)
                new = expand_tables(new, tables, name, r, c)
            if new != text:
                copy = copy or SheetPart(data)
                copy.set_formula_text(ref, new)
                if rewritten is not None:
                    rewritten[(name, ref)] = new
        if copy is not None:
            changed[part] = copy.to_bytes()
    if not changed:
        return original
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, changed.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def engine_workbook(data: bytes) -> "fz.Workbook":
    """formualizer's workbook of the package's bytes, evaluated on the calling thread: its parallel evaluation costs
    more than it saves on a form's few hundred formulas (measured on the shared benchmark workbooks: load + evaluate
    5.5 ms in parallel, 3.9 ms serial, same values) and would compete with the batch's own worker processes."""
    config = fz.EvaluationConfig()
    config.enable_parallel = False
    return fz.Workbook.from_bytes(data, config=fz.WorkbookConfig(eval_config=config))


def register_pe(wb: "fz.Workbook") -> None:
    for name, fn in FUNCTIONS.items():
        wb.register_function(name, fn, min_args=1, max_args=5)


def formula_cells(pkg: XlsxPackage) -> dict[str, list[str]]:
    """{sheet: [ref]} of formula cells, plus the cells array formulas spill into."""
    out: dict[str, list[str]] = {}
    for name, part in pkg.sheets():
        cells = pkg.cells(part)
        refs = cells.formula_refs()
        for ref, area in cells.array_ranges():
            a, b = area.split(":")
            (r1, c1), (r2, c2) = parse_address(a), parse_address(b)
            refs += [sub for r in range(r1, r2 + 1) for col in range(c1, c2 + 1)
                     if (sub := address(r, col)) != ref and sub in cells]
        if refs:
            out[name] = refs
    return out


def evaluate(pkg: XlsxPackage, original: bytes, targets: dict[str, list[str]] | None = None,
             skipped: list[tuple[str, str, str]] | None = None,
             rewritten: dict[tuple[str, str], str] | None = None) -> dict[str, dict[str, Any]]:
    """Values of every formula cell after a full recalculation. Cells whose value the engine cannot give with
    certainty are left out (their cached values stay) and listed in ``skipped`` as (sheet, ref, reason);
    ``rewritten`` receives the formulas as the engine read them where they were rewritten (references.py)."""
    targets = formula_cells(pkg) if targets is None else targets
    if not targets:
        return {}
    _check_engine_text(pkg)
    wb = engine_workbook(_normalised_bytes(pkg, original, rewritten))
    register_pe(wb)
    wb.evaluate_all()
    parts = dict(pkg.sheets())
    extra = [n for n in wb.sheet_names if n not in parts]
    if extra:
        # the engine made a sheet of its own (a reference to 'sheet1' read as "Sheet1"): its results are not the
        # workbook's, so none is written (Excel's cached values stay)
        raise EngineUnsure(f"公式引用的工作表名与工作表“{'、'.join(extra)}”大小写不一致，公式引擎无法可靠计算")
    values: dict[str, dict[str, Any]] = {}
    get = wb.get_value
    in_1904 = date1904(pkg)
    epoch = EPOCH_1904 if in_1904 else EXCEL_EPOCH
    for sheet, refs in targets.items():
        cells = pkg.cells(parts[sheet])
        position = cells.position
        vals = values[sheet] = {}
        where = [position(ref) for ref in refs]
        box = _results(wb, sheet, where)
        for ref, (r, col) in zip(refs, where):
            if in_1904 and _DATE_FUNCS.search(cells.formula(ref) or ""):
                # the engine reads serials in the 1900 system: YEAR(A1) of a 1904 workbook would be 4 years off
                if skipped is not None:
                    skipped.append((sheet, ref, "1904 日期系统中的日期函数，保留 Excel 保存的值"))
                continue
            v = get(sheet, r, col) if box is None else box[0][r - box[1]][col - box[2]]
            vals[ref] = v if v.__class__ in _PLAIN else _to_cell_value(v, epoch)
    return values


_PLAIN = {float, int, str, bool, type(None)}


def _results(wb: "fz.Workbook", sheet: str, where: list[tuple[int, int]]) -> tuple[list[list[Any]], int, int] | None:
    """The engine's values over the rectangle holding every formula cell of the sheet, read in one call (values,
    first row, first column); None when that rectangle is far larger than the cells (then each is read alone)."""
    if len(where) < 8:
        return None
    rows = [r for r, _c in where]
    cols = [c for _r, c in where]
    r1, r2, c1, c2 = min(rows), max(rows), min(cols), max(cols)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 4 * len(where) + 4096:
        return None
    return wb.sheet(sheet).get_values(fz.RangeAddress(sheet, r1, c1, r2, c2)), r1, c1


def _check_engine_text(pkg: XlsxPackage) -> None:
    """The engine copies each cell's text: refuse (EngineUnsure; Excel's values are kept) a workbook whose cells
    would make it hold more than ``limits.engine_chars`` characters. Decided from the shared-strings references
    counted in the bytes times the longest string, and only where that bound is over the limit, cell by cell."""
    table = pkg.shared_strings()
    if not table:
        return
    limit = pkg.limits.engine_chars
    parts = [part for _name, part in pkg.sheets()]
    if sum(pkg.parts[part].count(b't="s"') for part in parts) * max(map(len, table)) <= limit:
        return
    total = 0
    for part in parts:
        for _r, _c, _s, v in pkg.cells(part).values():
            if isinstance(v, str):
                total += len(v)
    if total > limit:
        raise EngineUnsure(f"单元格中的文字合计 {total / 1e6:.0f} 百万字，超过公式引擎的上限 {limit / 1e6:.0f} 百万字"
                           "（为免内存耗尽）")


EPOCH_1904 = _dt.datetime(1904, 1, 1)
_DATE_FUNCS = re.compile(r"\b(?:YEAR|MONTH|DAY|DAYS|DAYS360|WEEKDAY|WEEKNUM|ISOWEEKNUM|DATEVALUE|DATEDIF|EDATE|EOMONTH|"
                         r"NETWORKDAYS(?:\.INTL)?|WORKDAY(?:\.INTL)?|YEARFRAC|TEXT|TODAY|NOW)\s*\(", re.I)
_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\sdate1904=\"(?:1|true)\"")


def date1904(pkg: XlsxPackage) -> bool:
    """Does the workbook count dates from 1904-01-01 (Excel for Mac's old default)?"""
    return _DATE1904.search(pkg.parts.get("xl/workbook.xml", b"")) is not None


#: calcPr saying Excel's saved values are not to be taken as its results: recalculate on load, or manual calculation
_STALE_OK = re.compile(rb"<(?:\w+:)?calcPr\b[^>]*\s(?:fullCalcOnLoad=\"(?:1|true)\"|calcMode=\"manual\")")


def _differs(old: Any, new: Any) -> bool:
    """Excel saved a value (not a blank, not an error) and the engine's differs from it (an empty text included):
    numbers beyond 1e-9 relative (booleans as booleans), text by its characters."""
    if old is None or old == "" or new is None:
        return False
    if isinstance(old, str) and old in ERRORS or isinstance(new, str) and new in ERRORS:
        return False
    if isinstance(old, bool) or isinstance(new, bool):
        return old is not new if isinstance(old, bool) and isinstance(new, bool) else old != new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return not math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)
    return str(old) != str(new)


_ITERATE = re.compile(rb"<(?:\w+:)?calcPr\b[^>]*\siterate=\"(?:1|true)\"")
_DEFINED = re.compile(rb"<(?:\w+:)?definedName\b[^>]*?\sname=\"([^\"]+)\"")


def write_cached(pkg: XlsxPackage, values: dict[str, dict[str, Any]],
                 skipped: list[tuple[str, str, str]] | None = None,
                 rewritten: dict[tuple[str, str], str] | None = None) -> list[tuple[str, str, str]]:
    """Store values as the cells' cached values, only where the engine is sure (:mod:`.trust`): a result that is an
    error where Excel had saved a value, a formula the engine computes differently, and every formula depending on a
    cell kept so, keep Excel's value. Returns every kept cell, ``skipped`` ones included, as (sheet, ref, reason)."""
    parts = dict(pkg.sheets())
    errors_over_values: list[tuple[str, str, str]] = []
    differing: list[tuple[str, str]] = []      # Excel saved a value, and the engine's differs from it
    saved: set[tuple[str, str]] = set()        # Excel saved a value
    for sheet, vals in values.items():
        cells = pkg.cells(parts[sheet])
        for ref in [ref for ref in vals if ref not in cells]:
            del vals[ref]
        for ref, v in vals.items():
            if v.__class__ is float and v - v != 0:     # NaN or infinity
                vals[ref] = "#NUM!"
        for ref, old in cells.saved_values(vals).items():
            v = vals[ref]
            saved.add((sheet, ref))
            if isinstance(v, str) and v in ERRORS:
                if not (isinstance(old, str) and old in ERRORS):
                    errors_over_values.append((sheet, ref, f"公式引擎结果为 {v}，保留 Excel 保存的值"))
            elif _differs(old, v):
                differing.append((sheet, ref))
    book = pkg.parts.get("xl/workbook.xml", b"")
    names = {n.decode("utf-8", "replace") for n in _DEFINED.findall(book)}
    kept = untrusted(pkg, values, errors_over_values, skipped or [], bool(_ITERATE.search(book)), names,
                     rewritten or {}, saved)
    differing = [key for key in differing if key not in kept]
    if differing and not _STALE_OK.search(book):
        # Excel's saved values are its results for the inputs saved with them: where the engine disagrees on a
        # formula none of whose inputs moved, the engine is the one that differs (trust.unchanged_inputs)
        kept.update(unchanged_inputs(pkg, values, differing, kept, names, rewritten or {}))
    for sheet, vals in values.items():
        cells = pkg.cells(parts[sheet])
        cells.set_cached_values(vals.items() if not kept else
                                [(ref, v) for ref, v in vals.items() if (sheet, ref) not in kept])
    return [(s, r, why) for (s, r), why in kept.items()]
