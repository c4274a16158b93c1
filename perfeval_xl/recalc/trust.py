"""Which recalculated values may replace Excel's: a value is written only where the engine is sure.

A formula cell keeps the value Excel saved (and is counted as 未重算 with its reason) when

* the engine returns an error where Excel had saved a value (a construct it does not support);
* its formula uses something the engine computes differently from Excel: ``TEXT()`` (number formats), complex-number
  functions (Excel writes 15 significant digits),
  ``SUBTOTAL``/``AGGREGATE`` (they skip rows hidden or filtered in Excel, which the engine does not see), a
  several-cell range where Excel intersects it with the formula's own row (``=A:A&"/"&B:B``, ``CONCATENATE(G10:J10)``
  outside an array formula), or a workbook set to iterate circular references;
* it refers — directly, through a range, or through INDIRECT/OFFSET/a defined name — to a cell that keeps Excel's
  value: its own result would rest on a value the engine did not have. This rule is applied until nothing changes,
  so a whole chain of dependents keeps Excel's values.

All of this only where Excel saved a value: a formula never calculated (no cached value) gets the engine's.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

from ..xlio.grid import parse_address
from ..xlio.sheetxml import ERRORS

#: functions that take a range as a range (anywhere else Excel intersects a several-cell range with the row)
RANGE_FUNCTIONS = frozenset("""SUM SUMIF SUMIFS SUMPRODUCT SUMSQ SUMX2MY2 SUMX2PY2 SUMXMY2 AVERAGE AVERAGEA AVERAGEIF
AVERAGEIFS COUNT COUNTA COUNTBLANK COUNTIF COUNTIFS MIN MINA MINIFS MAX MAXA MAXIFS PRODUCT MEDIAN MODE MODE.SNGL LARGE
SMALL RANK RANK.EQ RANK.AVG PERCENTILE PERCENTILE.INC PERCENTILE.EXC QUARTILE QUARTILE.INC QUARTILE.EXC PERCENTRANK
STDEV STDEV.S STDEV.P STDEVA STDEVP STDEVPA VAR VAR.S VAR.P VARA VARP VARPA AVEDEV DEVSQ GEOMEAN HARMEAN KURT SKEW
CORREL PEARSON RSQ SLOPE INTERCEPT FORECAST FORECAST.LINEAR TREND GROWTH LINEST LOGEST COVAR COVARIANCE.P COVARIANCE.S
NPV IRR MIRR XNPV XIRR MMULT MINVERSE MDETERM TRANSPOSE FREQUENCY INDEX MATCH XMATCH VLOOKUP HLOOKUP XLOOKUP LOOKUP
ROWS COLUMNS ROW COLUMN AREAS ISREF TEXTJOIN CONCAT FILTER SORT SORTBY UNIQUE CHOOSECOLS CHOOSEROWS TAKE DROP
HSTACK VSTACK TOCOL TOROW WRAPCOLS WRAPROWS DSUM DAVERAGE DCOUNT DCOUNTA DGET DMAX DMIN DPRODUCT DSTDEV DSTDEVP DVAR
DVARP PE_SCORE PE_RATE PE_COMPLETION PE_GRADE PE_CHECK""".split())

_STRING = re.compile(r'"(?:[^"]|"")*"')
_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u0080-\uffff][\w.\u0080-\uffff]*)"
_REF = re.compile(r"(?<![A-Za-z0-9_.\u0080-\uffff])(?:(" + _SHEET + r")!)?"
                  r"(?:(\$?[A-Z]{1,3}\$?\d+)(?::(\$?[A-Z]{1,3}\$?\d+))?(?![\w(])"
                  r"|\$?([A-Z]{1,3}):\$?([A-Z]{1,3})(?![\w(])"
                  r"|\$?(\d+):\$?(\d+)(?![\w(]))")
_DYNAMIC = re.compile(r"\b(?:INDIRECT|OFFSET)\s*\(", re.I)
_IDENT = re.compile(r"(?<![A-Za-z0-9_.!$'\u0080-\uffff])([A-Za-z_\u0080-\uffff][\w.\u0080-\uffff]*)(?![\w(!\u0080-\uffff])")
_UNSURE = [(re.compile(r"\bTEXT\s*\(", re.I), "TEXT() 的数字格式与 Excel 不完全一致，保留 Excel 保存的值"),
           (re.compile(r"\b(?:SUBTOTAL|AGGREGATE)\s*\(", re.I),
            "SUBTOTAL/AGGREGATE 的结果取决于 Excel 中隐藏或筛选的行，保留 Excel 保存的值"),
           (re.compile(r"\b(?:IM[A-Z0-9]+|COMPLEX)\s*\(", re.I), "复数函数的结果文字与 Excel 的位数不同，保留 Excel 保存的值")]
IMPLICIT = "多单元格区域在此处按 Excel 的隐式交集取值，公式引擎不支持，保留 Excel 保存的值"
ITERATIVE = "工作簿启用了迭代计算（循环引用），保留 Excel 保存的值"
MAX_ROW, MAX_COL = 1_048_576, 16_384


def masked(formula: str) -> str:
    """The formula with the inside of every string literal replaced by x (same length)."""
    return _STRING.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', formula)


def enclosing_function(code: str, pos: int) -> str | None:
    """The name of the innermost function call whose parentheses enclose ``pos`` (None at the top level)."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        ch = code[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                m = re.search(r"([A-Za-z_][\w.]*)\s*$", code[:i])
                return m.group(1).upper() if m else None
            depth -= 1
    return None


Area = tuple[str, int, int, int, int]      # sheet, first row, first column, last row, last column


@lru_cache(maxsize=8192)
def areas(formula: str, sheet: str) -> tuple[tuple[Area, ...], tuple[tuple[int, Area], ...]]:
    """Every cell area the formula names (sheet names as written, unquoted), and the several-cell ones with their
    position in the masked formula. (Kept per formula text: the forms of one template repeat theirs across a batch,
    and every formula of an Excel-saved form is read for what it depends on.)"""
    code = masked(formula)
    out: list[Area] = []
    multi: list[tuple[int, Area]] = []
    for m in _REF.finditer(code):
        s = m.group(1)
        s = s[1:-1].replace("''", "'") if s and s.startswith("'") else (s or sheet)
        try:
            if m.group(2):
                r1, c1 = parse_address(m.group(2).replace("$", ""))
                r2, c2 = parse_address(m.group(3).replace("$", "")) if m.group(3) else (r1, c1)
            elif m.group(4):
                c1, c2 = parse_address(m.group(4).replace("$", "") + "1")[1], parse_address(m.group(5).replace("$", "") + "1")[1]
                r1, r2 = 1, MAX_ROW
            else:
                r1, r2, c1, c2 = int(m.group(6)), int(m.group(7)), 1, MAX_COL
        except (ValueError, KeyError):
            continue
        area = (s, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
        out.append(area)
        if (area[1], area[2]) != (area[3], area[4]):
            multi.append((m.start(), area))
    return tuple(out), tuple(multi)


_UNSURE_ANY = re.compile(r"\b(?:TEXT|SUBTOTAL|AGGREGATE|IM[A-Z0-9]+|COMPLEX)\s*\(", re.I)


def masked_if_needed(formula: str) -> str:
    return masked(formula) if '"' in formula else formula


@lru_cache(maxsize=4096)
def formula_reason(formula: str, sheet: str, array: bool) -> str | None:
    """Why the engine's result for this formula cannot replace Excel's, or None. (Kept per formula text: the forms of
    one template repeat theirs across a batch.)"""
    if ":" not in formula and _UNSURE_ANY.search(formula) is None:
        return None                      # the common case, decided on the raw text
    code = masked_if_needed(formula)
    if _UNSURE_ANY.search(code):
        for pattern, why in _UNSURE:
            if pattern.search(code):
                return why
    if not array and ":" in code:
        for pos, _area in areas(formula, sheet)[1]:
            if enclosing_function(code, pos) not in RANGE_FUNCTIONS:
                return IMPLICIT
    return None


def _f_attrs(cells, ref: str) -> str:
    f = cells.formula_element(ref)
    if not f:
        return ""
    return f[: f.find(b">") + 1].decode("utf-8", "replace")


def propagate(formulas: dict[tuple[str, str], tuple[str | None, Sequence[Area], bool]],
              kept: dict[tuple[str, str], str], positions: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Add to ``kept`` every formula cell that depends on a kept cell, until nothing changes.
    ``formulas`` gives each candidate's (formula text, areas with upper-case sheet names, dynamic), as
    :func:`_references` reads them; the sheets of ``kept`` are matched whatever their case."""
    by_sheet: dict[str, set[tuple[int, int]]] = {}

    def note(key: tuple[str, str]) -> None:
        by_sheet.setdefault(key[0].upper(), set()).add(positions[key])

    for key in kept:
        if key in positions:
            note(key)
    changed = True
    while changed and by_sheet:
        changed = False
        for key, (_text, cell_areas, dynamic) in formulas.items():
            if key in kept:
                continue
            # a dynamic reference (INDIRECT, OFFSET, a name, an unresolved table) may reach any kept cell
            if dynamic or _reads_any(cell_areas, by_sheet):
                kept[key] = "引用了保留 Excel 值的单元格，保留 Excel 保存的值"
                note(key)
                changed = True


def _reads_any(cell_areas: Sequence[Area], by_sheet: dict[str, set[tuple[int, int]]]) -> bool:
    """Does one of the areas (sheet names upper-cased) hold one of the cells? A single cell is looked up; a range is
    walked or the cells tested against it, whichever is fewer (a form's formulas over a kept column: no product of
    the two)."""
    for s, r1, c1, r2, c2 in cell_areas:
        cells = by_sheet.get(s)
        if not cells:
            continue
        if r1 == r2 and c1 == c2:
            if (r1, c1) in cells:
                return True
        elif (r2 - r1 + 1) * (c2 - c1 + 1) <= len(cells):
            if any((r, c) in cells for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)):
                return True
        elif any(r1 <= r <= r2 and c1 <= c <= c2 for r, c in cells):
            return True
    return False


def _shared_masters(cells, rewritten: dict[tuple[str, str], str], sheet: str) -> dict[str, tuple[str, str]]:
    """{si: (master formula, shared range)} of a sheet's shared formulas."""
    out: dict[str, tuple[str, str]] = {}
    if b' si="' not in cells.data:
        return out
    for ref in cells.formula_refs():
        attrs = _f_attrs(cells, ref)
        si = re.search(r'\ssi="(\d+)"', attrs)
        text = rewritten.get((sheet, ref)) or cells.formula(ref)
        if si and text:
            span = re.search(r'\sref="([^"]+)"', attrs)
            out[si.group(1)] = (text, span.group(1) if span else "")
    return out


def _shifted(found: Sequence[Area], span: str) -> Sequence[Area]:
    """A shared formula's areas widened to every shift its dependents apply (conservative)."""
    if not span:
        return found
    a, _, b = span.partition(":")
    (r1, c1), (r2, c2) = parse_address(a), parse_address(b or a)
    rows, cols = r2 - r1, c2 - c1
    return [(s, a1, b1, min(a2 + rows, MAX_ROW), min(b2 + cols, MAX_COL)) for s, a1, b1, a2, b2 in found]


#: formulas whose value may rightly differ from the one Excel saved although no cell they read changed: PE_* calls
#: (Excel computes them only with the add-in loaded, in any spelling Excel saves them with) and volatile functions
_MOVING = re.compile(r"PE_|\b(?:NOW|TODAY|RAND|RANDBETWEEN|RANDARRAY|CELL|INFO)\s*\(", re.I)
ENGINE_DIFFERS = "公式引擎结果与 Excel 保存的值不同，而公式依据的数据都未改变，以 Excel 的算法为准，保留 Excel 保存的值"


def _formula_texts(pkg: Any, values: dict[str, dict[str, Any]],
                   rewritten: dict[tuple[str, str], str]) -> dict[tuple[str, str], tuple[str | None, str, bool]]:
    """{(sheet, cell): (formula as the engine read it, shared span, array)} of every evaluated formula cell; a shared
    formula's dependent gets its master's text and span (judged over every shift of its references)."""
    parts = dict(pkg.sheets())
    texts: dict[tuple[str, str], tuple[str | None, str, bool]] = {}
    for sheet, vals in values.items():
        cells = pkg.cells(parts[sheet])
        masters: dict[str, tuple[str, str]] | None = None
        # a formula's attributes matter for shared formulas and arrays only: read them where the sheet has any
        special = b' si="' in cells.data or b'"array"' in cells.data
        for ref in vals:
            key = (sheet, ref)
            text = rewritten.get(key) or cells.formula(ref)
            span = ""
            attrs = _f_attrs(cells, ref) if special else ""
            if text is None and special:
                if masters is None:
                    masters = _shared_masters(cells, rewritten, sheet)
                si = re.search(r'\ssi="(\d+)"', attrs)
                if si and si.group(1) in masters:
                    text, span = masters[si.group(1)]
            texts[key] = (text, span, 't="array"' in attrs)
    return texts


def _references(text: str, sheet: str, span: str, upper_names: set[str]) -> tuple[Sequence[Area], bool]:
    """The areas a formula reads, sheet names upper-cased (widened over a shared formula's span), and whether it
    reads more than it names (INDIRECT, OFFSET, a defined name, an unresolved table reference)."""
    found, dynamic, idents = _reads(text, sheet)
    if span:
        found = _shifted(found, span)
    return found, dynamic or (bool(upper_names) and not upper_names.isdisjoint(idents))


@lru_cache(maxsize=8192)
def _reads(text: str, sheet: str) -> tuple[tuple[Area, ...], bool, frozenset[str]]:
    """What a formula text reads, as :func:`_references` asks it: (its areas with upper-case sheet names, whether it
    reads through INDIRECT, OFFSET or a table reference, the upper-case names it mentions). Kept per formula text
    like :func:`areas`."""
    code = masked_if_needed(text)
    found = tuple((s.upper(), r1, c1, r2, c2) for s, r1, c1, r2, c2 in areas(text, sheet)[0])
    return found, bool(_DYNAMIC.search(code)) or "[" in code, frozenset(i.upper() for i in _IDENT.findall(code))


def _dependencies(pkg: Any, texts: dict[tuple[str, str], tuple[str | None, str, bool]], names: set[str],
                  left_out: "Callable[[tuple[str, str], str | None, Any, str], bool]") -> tuple[
                      dict[tuple[str, str], tuple[int, int]], dict[tuple[str, str], tuple[str | None, Sequence[Area], bool]]]:
    """Where every formula cell is, and what each one that ``left_out(key, formula, its sheet's cells, cell)`` does
    not leave out reads: {key: (formula, areas, dynamic)}, as :func:`propagate` follows them."""
    parts = dict(pkg.sheets())
    upper_names = {n.upper() for n in names}
    positions: dict[tuple[str, str], tuple[int, int]] = {}
    formulas: dict[tuple[str, str], tuple[str | None, Sequence[Area], bool]] = {}
    read_from = None
    for key, (text, span, _array) in texts.items():
        sheet, ref = key
        if sheet != read_from:     # the cells come sheet by sheet
            cells, read_from = pkg.cells(parts[sheet]), sheet
        positions[key] = cells.position(ref)
        if not left_out(key, text, cells, ref):
            formulas[key] = (text, *_references(text, sheet, span, upper_names))
    return positions, formulas


def unchanged_inputs(pkg: Any, values: dict[str, dict[str, Any]], differing: Iterable[tuple[str, str]],
                     kept: dict[tuple[str, str], str], names: set[str],
                     rewritten: dict[tuple[str, str], str] | None = None) -> dict[tuple[str, str], str]:
    """{(sheet, cell): reason} of the ``differing`` cells (engine value ≠ Excel's saved value) that rest on nothing
    that moved: no PE_* call, no volatile function, no formula without a saved value or with a saved error, directly
    or through any chain of formulas (INDIRECT, OFFSET and names may reach anything). Excel computed such a cell
    from exactly the inputs the engine had, so where the two disagree the engine is the one that differs from Excel
    (POI's function tests: FLOOR with negative arguments, LEFT(TRUE), SUMX2MY2 over blanks, DATE(1900,2,29) …).
    Cells in ``kept`` keep Excel's values, so they do not move."""
    texts = _formula_texts(pkg, values, rewritten or {})
    moved: dict[tuple[str, str], str] = {}

    def settled(key: tuple[str, str], text: str | None, cells: Any, ref: str) -> bool:
        """Kept (it does not move), or a seed of what moves (noted in ``moved``): either way not followed."""
        if key in kept:
            return True
        old = cells.value(ref)     # the value Excel saved
        if text is None or old in (None, "") or (isinstance(old, str) and old in ERRORS) or _MOVING.search(text):
            moved[key] = ""
            return True
        return False

    positions, formulas = _dependencies(pkg, texts, names, settled)
    propagate(formulas, moved, positions)
    return {key: ENGINE_DIFFERS for key in differing if key not in moved and key not in kept}


def untrusted(pkg: Any, values: dict[str, dict[str, Any]], errors_over_values: Iterable[tuple[str, str, str]],
              skipped: Iterable[tuple[str, str, str]], iterative: bool, names: set[str],
              rewritten: dict[tuple[str, str], str] | None = None,
              saved: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], str]:
    """{(sheet, cell): reason} of the formula cells whose engine value must not be written. ``rewritten`` holds the
    formulas as the engine read them (3-D and structured references as ranges), which are what they depend on.

    First pass: the cells' own formulas (cheap; most workbooks end here with nothing kept). Only when something is
    kept are the references of every other formula read, to keep what rests on it."""
    rewritten = rewritten or {}
    parts = dict(pkg.sheets())
    kept: dict[tuple[str, str], str] = {(s, r): why for s, r, why in skipped}
    kept.update({(s, r): why for s, r, why in errors_over_values})
    # only where Excel saved a value is there anything to keep: a formula never calculated gets the engine's
    if saved is None:
        saved = {(sheet, ref) for sheet, vals in values.items() for cells in (pkg.cells(parts[sheet]),)
                 for ref in vals if cells.value(ref) not in (None, "")}
    if not saved and not kept:
        return kept      # a workbook no program calculated (written by openpyxl, a template): nothing of Excel's
    texts = _formula_texts(pkg, values, rewritten)
    for key, (text, _span, array) in texts.items():
        if key in kept or text is None or key not in saved:
            continue
        why = ITERATIVE if iterative else formula_reason(text, key[0], array)
        if why:
            kept[key] = why
    if not kept:
        return kept
    # a formula never calculated by Excel (no saved value) has nothing of Excel's to keep: not followed
    positions, formulas = _dependencies(pkg, texts, names,
                                        lambda key, text, _cells, _ref: key in kept or text is None or key not in saved)
    for key in kept:
        if key not in positions and key[0] in parts:
            try:
                positions[key] = pkg.cells(parts[key[0]]).position(key[1])
            except KeyError:
                pass
    propagate(formulas, kept, positions)
    return kept
