"""A sheet as the layout reader sees it: values by (row, column), merged ranges, number formats.

The reader never touches a file: openpyxl, python-calamine, formualizer's evaluated values or an
xlwings ``used_range`` all become a :class:`Grid`, so a form is recognised the same way in Excel,
in the ribbon and headless. Rows and columns are 1-based like Excel.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

#: columns stop at ZZZ (18,278), as openpyxl's; Excel's own grid stops at XFD (16,384)
MAX_LETTER_COLUMN = 18_278
_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def column_letter(col: int) -> str:
    """3 → "C", 27 → "AA" (1-based, as Excel)."""
    if 0 < col < 703:
        return _LETTERS[col]
    if not 1 <= col <= MAX_LETTER_COLUMN:
        raise ValueError(f"无效的列号 {col}")
    out = ""
    while col:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out


def column_number(letters: str) -> int:
    """"C" → 3, "aa" → 27."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"无效的列名‘{letters}’")
        n = n * 26 + ord(ch) - 64
    if not 0 < n <= MAX_LETTER_COLUMN or len(letters) > 3:
        raise ValueError(f"无效的列名‘{letters}’")
    return n


_LETTERS = [""] + [chr(65 + c) for c in range(26)]
_LETTERS += [a + b for a in _LETTERS[1:27] for b in _LETTERS[1:27]]     # A … ZZ


def address(row: int, col: int) -> str:
    """(12, 3) → "C12"."""
    return f"{_LETTERS[col] if 0 < col < 703 else column_letter(col)}{row}"


@lru_cache(maxsize=65536)
def parse_address(addr: str) -> tuple[int, int]:
    """"C12" → (12, 3); "$C$12" too. A text that is no cell address (row 0 included) raises ValueError."""
    m = _ADDRESS.fullmatch(addr)
    if m is None or not int(m.group(2)):
        raise ValueError(f"无效的单元格地址‘{addr}’")
    return int(m.group(2)), column_number(m.group(1))


@dataclass
class Grid:
    sheet: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)   # (r1, c1, r2, c2) inclusive
    number_formats: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    path: str | None = None
    #: the sheet is hidden in its workbook (Excel's 隐藏, or very hidden)
    hidden: bool = False

    @classmethod
    def from_rows(cls, sheet: str, rows: Iterable[Iterable[Any]], *, origin: tuple[int, int] = (1, 1),
                  merged: Iterable[tuple[int, int, int, int]] = (), path: str | None = None) -> "Grid":
        """From a 2-D list (an xlwings ``used_range.value``, a test's table). ``None`` and "" are empty."""
        cells: dict[tuple[int, int], Any] = {}
        r0, c0 = origin
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None and v != "":
                    cells[(r0 + i, c0 + j)] = v
        return cls(sheet=sheet, cells=cells, merged=list(merged), path=path)

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def get(self, row: int, col: int) -> Any:
        """The value at (row, col); inside a merged range, the value of its top-left cell."""
        v = self.cells.get((row, col))
        if v is None and self.merged:
            m = self.merge_of(row, col)
            if m is not None:
                return self.cells.get((m[0], m[1]))
        return v

    #: merges up to this many cells are indexed cell by cell; larger ones are searched
    INDEXED_MERGE = 4096

    def table_row(self, row: int, cols: dict[str, int]) -> dict[str, Any]:
        """{field: :meth:`get` (row, column)} for a table's columns: one row of a table, read in one call."""
        return self.table_reader(cols)(row)

    def table_reader(self, cols: dict[str, int]) -> "Callable[[int], dict[str, Any]]":
        """:meth:`table_row` for a table read row after row: its columns and the merges looked up once. The grid's
        cells and merges are not to change while it reads."""
        cells = self.cells
        items = list(cols.items())
        if not self.merged:
            return lambda row: {f: cells.get((row, c)) for f, c in items}
        indexed, large = self.merge_index()
        merge_of = self.merge_of

        def read(row: int) -> dict[str, Any]:
            out = {f: cells.get((row, c)) for f, c in items}
            if None in out.values():
                for f, c in items:
                    if out[f] is None:
                        m = indexed.get((row, c))
                        if m is None and large:
                            m = merge_of(row, c)
                        if m is not None:
                            out[f] = cells.get((m[0], m[1]))
            return out

        return read

    def merge_index(self) -> tuple[dict[tuple[int, int], tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
        """The merged ranges indexed once (again if the list changes): ({cell: its range} for the ranges of up to
        INDEXED_MERGE cells, [the larger ranges]); the first listed wins where ranges overlap."""
        index = self.__dict__.get("_merge_index")
        if index is None or index[0] != len(self.merged):
            cells: dict[tuple[int, int], tuple[int, int, int, int]] = {}
            large = []
            for m in self.merged:
                r1, c1, r2, c2 = m
                if (r2 - r1 + 1) * (c2 - c1 + 1) <= self.INDEXED_MERGE:
                    for r in range(r1, r2 + 1):
                        for c in range(c1, c2 + 1):
                            cells.setdefault((r, c), m)
                else:
                    large.append(m)
            index = self.__dict__["_merge_index"] = (len(self.merged), cells, large)
        return index[1], index[2]

    def merge_of(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        """The merged range holding (row, col) — the first listed, when ranges overlap — or None. The readers ask
        for every cell of a table, so the ranges are indexed once."""
        indexed, large = self.merge_index()
        m = indexed.get((row, col))
        if m is not None:
            return m
        for m in large:
            r1, c1, r2, c2 = m
            if r1 <= row <= r2 and c1 <= col <= c2:
                return m
        return None

    def row_values(self, row: int) -> list[tuple[int, Any]]:
        return sorted((c, v) for (r, c), v in self.cells.items() if r == row)

    def iter_cells(self) -> Iterator[tuple[int, int, Any]]:
        for (r, c), v in sorted(self.cells.items()):
            yield r, c, v
