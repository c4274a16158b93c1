"""References the formula engine does not read, rewritten into ones it does — only in the copy the engine evaluates.

* **3-D references** ``SUM(Sheet1:Sheet3!A1:B2)``: inside SUM, AVERAGE, COUNT, COUNTA, MIN, MAX, PRODUCT (whose result
  over a 3-D reference is that over the same range of each sheet in between, in workbook order) the reference becomes
  the list ``Sheet1!A1:B2,Sheet2!A1:B2,Sheet3!A1:B2``.
* **Structured references** to tables (``Tbl[Col]``, ``Tbl[[#This Row],[Col]]``, ``Tbl[@Col]``, ``[@Col]`` inside the
  table, ``Tbl[#All]`` / ``[#Data]`` / ``[#Headers]`` / ``[#Totals]``, ``Tbl[[Col1]:[Col2]]``) become the cell ranges
  the table parts (``xl/tables/tableN.xml``) give them; the current row is kept relative, so a shared formula
  shifts it as Excel does.

Anything not understood is left as it was: the engine then returns an error for the cell, and the batch keeps Excel's
saved value for it (``evaluate.write_cached``). The output copy never carries a rewritten formula.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache


from ..xlio.grid import address, parse_address
from .peforms import outside_strings
from .trust import RANGE_FUNCTIONS, enclosing_function, masked

AGGREGATES = ("SUM", "AVERAGE", "COUNT", "COUNTA", "MIN", "MAX", "PRODUCT")
_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u0080-\uffff][\w.\u0080-\uffff]*)"
_CELL = r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?"


@lru_cache(maxsize=1)
def _three_d() -> re.Pattern[str]:
    """FUNC( first:last!range ) with the sheets quoted together ('A:B'!) or apart (A:B!). Compiled on first use: a
    case-insensitive class over the whole BMP costs 18 ms to compile, and few workbooks have a 3-D reference."""
    return re.compile(r"\b(" + "|".join(AGGREGATES) + r")\(\s*(?:'((?:[^']|'')+):((?:[^']|'')+)'|(" + _SHEET + r"):("
                      + _SHEET + r"))!(" + _CELL + r")\s*\)", re.I)


@dataclass
class Table:
    name: str
    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    columns: list[str] = field(default_factory=list)
    header_rows: int = 1
    totals_rows: int = 0

    def col(self, name: str) -> int | None:
        key = name.strip().upper()
        for i, c in enumerate(self.columns):
            if c.upper() == key:
                return self.first_col + i
        return None

    def contains(self, row: int, col: int) -> bool:
        return self.first_row <= row <= self.last_row and self.first_col <= col <= self.last_col


def _unquote(name: str) -> str:
    return name[1:-1].replace("''", "'") if name.startswith("'") else name


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'" if not re.fullmatch(r"[A-Za-z_][\w.]*", sheet) else sheet


def expand_3d(formula: str, sheets: list[str]) -> str:
    """3-D references inside the aggregate functions as lists of per-sheet references."""
    order = {s.upper(): i for i, s in enumerate(sheets)}

    def one(m: re.Match[str]) -> str:
        first = m.group(2).replace("''", "'") if m.group(2) else _unquote(m.group(4))
        last = m.group(3).replace("''", "'") if m.group(3) else _unquote(m.group(5))
        a, b = order.get(first.upper()), order.get(last.upper())
        if a is None or b is None:
            return m.group(0)
        lo, hi = min(a, b), max(a, b)
        return f"{m.group(1)}(" + ",".join(f"{_quoted(s)}!{m.group(6)}" for s in sheets[lo:hi + 1]) + ")"

    return outside_strings(formula, lambda code: _three_d().sub(one, code))


# ---------------------------------------------------------------- structured references

def tables_of(pkg) -> dict[str, Table]:
    """{TABLE NAME: Table} from the table parts each worksheet names."""
    from ..xlio.package import N

    out: dict[str, Table] = {}
    for sheet, part in pkg.sheets():
        rels = pkg.rels(part)
        if rels is None:
            continue
        for r in rels:
            if not (r.get("Type") or "").endswith("/table"):
                continue
            name = pkg.resolve(part, r.get("Target") or "")
            if name not in pkg.parts:
                continue
            try:
                root = pkg.tree(name)
            except Exception:  # noqa: BLE001 - an unreadable table part: its references stay unresolved
                continue
            ref = root.get("ref") or ""
            a, _, b = ref.partition(":")
            try:
                (r1, c1), (r2, c2) = parse_address(a), parse_address(b or a)
            except (ValueError, KeyError):
                continue
            cols = [c.get("name") or "" for c in root.iter(f"{N}tableColumn")]
            t = Table(root.get("displayName") or root.get("name") or "", sheet, r1, c1, r2, c2, cols,
                      int(root.get("headerRowCount", "1")), int(root.get("totalsRowCount", "0")))
            out[t.name.upper()] = t
    return out


_TABLE_REF = re.compile(r"((?:[A-Za-z_\\\u0080-\uffff][\w.\\\u0080-\uffff]*)?)\[")


def _bracket(text: str, i: int) -> int | None:
    """Index just past the bracket group opening at text[i] ('[' … ']', nested, ' escaping the next character)."""
    depth, j = 0, i
    while j < len(text):
        ch = text[j]
        if ch == "'":
            j += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _items(spec: str) -> list[str] | None:
    """The items of a specifier's inside: "[#This Row],[Number]" → ["#This Row", "Number"]; "Col" → ["Col"];
    "@Col" / "@[Col]" → ["#This Row", "Col"]; a range "[A]:[B]" → ["A:B"]."""
    spec = spec.strip()
    if spec.startswith("@"):
        rest = spec[1:].strip()
        inner = _items(rest) if rest.startswith("[") else [_unescape(rest)] if rest else []
        return None if inner is None else ["#This Row", *inner]
    if not spec.startswith("["):
        return [_unescape(spec)]
    items, i = [], 0
    while i < len(spec):
        if spec[i] in " ,":
            i += 1
            continue
        if spec[i] != "[":
            return None
        j = _bracket(spec, i)
        if j is None:
            return None
        item = _unescape(spec[i + 1:j - 1])
        if spec[j:j + 1] == ":" and spec[j + 1:j + 2] == "[":
            k = _bracket(spec, j + 1)
            if k is None:
                return None
            item = f"{item}:{_unescape(spec[j + 2:k - 1])}"
            j = k
        items.append(item)
        i = j
    return items


def _unescape(name: str) -> str:
    return re.sub(r"'(.)", r"\1", name)


def _range(t: Table, items: list[str], row: int, col: int) -> str | None:
    specials = [i.upper() for i in items if i.startswith("#")]
    names = [i for i in items if not i.startswith("#")]
    data_first = t.first_row + t.header_rows
    data_last = t.last_row - t.totals_rows
    if specials == ["#THIS ROW"]:
        if not data_first <= row <= data_last:
            return None
        r1 = r2 = row
        relative_row = True
    else:
        relative_row = False
        areas = {"#ALL": (t.first_row, t.last_row), "#DATA": (data_first, data_last),
                 "#HEADERS": (t.first_row, t.first_row + t.header_rows - 1) if t.header_rows else None,
                 "#TOTALS": (data_last + 1, t.last_row) if t.totals_rows else None}
        if not specials:
            r1, r2 = data_first, data_last
        elif len(specials) == 1 and areas.get(specials[0]):
            r1, r2 = areas[specials[0]]
        elif sorted(specials) == ["#DATA", "#HEADERS"]:
            r1, r2 = t.first_row, data_last
        elif sorted(specials) == ["#DATA", "#TOTALS"]:
            r1, r2 = data_first, t.last_row
        else:
            return None
    if not names:
        c1, c2 = t.first_col, t.last_col
    elif len(names) == 1:
        a, _, b = names[0].partition(":")
        c1, c2 = t.col(a), t.col(b or a)
        if c1 is None or c2 is None:
            return None
    else:
        return None
    if r1 > r2:
        return None

    def cell(r: int, c: int) -> str:
        col_letters = address(1, c)[:-1]
        return f"${col_letters}{r}" if relative_row else f"${col_letters}${r}"

    ref = cell(r1, c1) if (r1, c1) == (r2, c2) else f"{cell(r1, c1)}:{cell(r2, c2)}"
    return ref


def expand_tables(formula: str, tables: dict[str, Table], sheet: str, row: int, col: int) -> str:
    """Structured references as cell ranges (prefixed with their sheet when the table is on another one). A reference
    to several cells is rewritten only as an argument of a function that takes ranges (:data:`RANGE_FUNCTIONS`);
    elsewhere Excel would intersect it with the formula's row, so it is left for the engine to refuse."""
    if "[" not in formula or not tables:
        return formula
    # string literals masked (same length), so that nothing inside them is taken for a reference
    code = masked(formula)
    out, i = [], 0
    while i < len(code):
        m = _TABLE_REF.search(code, i)
        if m is None:
            break
        start, name = m.start(), m.group(1)
        close = _bracket(code, m.end() - 1)
        if close is None:
            break
        table = tables.get(name.upper()) if name else next(
            (t for t in tables.values() if t.sheet == sheet and t.contains(row, col)), None)
        # an external reference "[1]Sheet1!A1" or a name that is not a table: left alone
        ref = None
        if table is not None and not (not name and start > 0 and (code[start - 1].isalnum() or code[start - 1] in "_.!")):
            items = _items(formula[m.end():close - 1]) if close - m.end() > 1 else []
            ref = _range(table, items, row, col) if items is not None else None
            if ref is not None and ":" in ref and enclosing_function(code, start) not in RANGE_FUNCTIONS:
                ref = None
        if ref is None:
            out.append(formula[i:close])
        else:
            prefix = "" if table.sheet == sheet else _quoted(table.sheet) + "!"
            out.append(formula[i:start] + prefix + ref)
        i = close
    out.append(formula[i:])
    return "".join(out)
