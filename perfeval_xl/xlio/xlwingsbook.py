"""The sheet-access interface (:mod:`perfeval_xl.xlio.access`) on a live Excel workbook, through xlwings'
open-source API (and Windows COM through ``.api`` for the table styling), so ribbon actions run in Excel exactly
as they run on files. xlwings itself is imported only when Excel calls (:meth:`XlwingsBook.caller`).
"""
from __future__ import annotations

from typing import Any, Sequence

from ..tablestyle import HEADER_FILL, TableStyle


class XlwingsSheet:
    """SheetAccess on a live Excel sheet (xlwings' open-source API only)."""

    def __init__(self, sheet: Any):
        self._s = sheet
        self.name = sheet.name

    def value(self, cell: str) -> Any:
        return self._s.range(cell).value

    def formula(self, cell: str) -> str | None:
        f = self._s.range(cell).formula
        return f[1:] if isinstance(f, str) and f.startswith("=") else None

    def set_value(self, cell: str, value: Any) -> None:
        self._s.range(cell).value = value

    def set_formula(self, cell: str, formula: str, cached: Any = None) -> None:
        self._s.range(cell).formula = "=" + formula.lstrip("=")

    def note(self, cell: str) -> str | None:
        n = self._s.range(cell).note
        return n.text if n is not None else None

    def set_note(self, cell: str, text: str | None) -> None:
        rng = self._s.range(cell)
        if rng.note is not None:
            rng.note.delete()
        if text is not None:
            rng.add_note(text)  # type: ignore[attr-defined]

    def fill(self, cell: str) -> str | None:
        color = self._s.range(cell).color
        return None if color is None else "{:02X}{:02X}{:02X}".format(*color)

    def set_fill(self, cell: str, rgb: str | None) -> None:
        self._s.range(cell).color = None if rgb is None else tuple(int(rgb[i:i + 2], 16) for i in (0, 2, 4))

    def used_rows(self) -> list[list[Any]]:
        last = self._s.used_range.last_cell
        values = self._s.range((1, 1), (last.row, last.column)).options(ndim=2).value
        return values or []

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        return []  # values of merged cells sit in their top-left cell, which the reader carries forward


XL_SHEET_VISIBLE, XL_SHEET_VERY_HIDDEN, XL_LANDSCAPE = -1, 2, 2


def _style_live(sh: Any, rows: Sequence[Sequence[Any]], width: int, style: TableStyle) -> None:
    """Draw a TableStyle in Excel (Windows COM through xlwings' ``.api``), as XlsxBook writes it in files."""
    rgb = lambda hex_: tuple(int(hex_[i:i + 2], 16) for i in (0, 2, 4))  # noqa: E731
    last = len(rows)
    for j, w in enumerate(style.widths, 1):
        sh.range((1, j)).column_width = w
    header = sh.range((1, 1), (1, width))
    header.color = rgb(HEADER_FILL)
    header.font.bold = True
    for j in style.wrap:
        sh.range((1, j), (last, j)).api.WrapText = True
    for (r, c), colour in style.fills.items():
        sh.range((r, c)).color = rgb(colour)
    table = sh.range((1, 1), (last, width))
    table.api.Borders.LineStyle = 1
    table.api.VerticalAlignment = -4160          # xlTop
    table.api.AutoFilter(1)
    sh.activate()
    window = sh.book.app.api.ActiveWindow
    window.FreezePanes = False
    window.SplitColumn, window.SplitRow = 0, 1
    window.FreezePanes = True
    setup = sh.api.PageSetup
    setup.Orientation = XL_LANDSCAPE if style.landscape else 1
    setup.Zoom = False
    setup.FitToPagesWide, setup.FitToPagesTall = 1, False
    setup.PrintTitleRows = "$1:$1"


class XlwingsBook:
    """BookAccess on the workbook that called RunPython."""

    def __init__(self, book: Any):
        self._b = book

    @classmethod
    def caller(cls) -> "XlwingsBook":
        import xlwings as xw

        return cls(xw.Book.caller())

    @property
    def name(self) -> str:
        return self._b.name

    @property
    def fullname(self) -> str:
        return self._b.fullname

    def sheet_names(self) -> list[str]:
        return [s.name for s in self._b.sheets]

    def sheet(self, name: str) -> XlwingsSheet:
        return XlwingsSheet(self._b.sheets[name])

    def active_sheet(self) -> XlwingsSheet:
        return XlwingsSheet(self._b.sheets.active)

    def add_sheet(self, name: str, rows: Sequence[Sequence[Any]],
                  links: dict[str, tuple[str, str]] | None = None, *,
                  style: TableStyle | None = None, hidden: bool = False) -> XlwingsSheet:
        if name in self.sheet_names():
            self.delete_sheet(name)
        active = self._b.sheets.active
        sh = self._b.sheets.add(name, after=self._b.sheets[-1])
        width = max((len(r) for r in rows), default=0)
        if rows:
            sh.range("A1").value = [list(r) + [None] * (width - len(r)) for r in rows]
        for cell, (sheet, target) in (links or {}).items():
            sh.range(cell).add_hyperlink(f"#'{sheet}'!{target}", sh.range(cell).value)
        if style is not None and rows:
            _style_live(sh, rows, width, style)
        if hidden:
            sh.api.Visible = XL_SHEET_VERY_HIDDEN
        active.activate()
        return XlwingsSheet(sh)

    def delete_sheet(self, name: str) -> None:
        sh = self._b.sheets[name]
        if sh.api.Visible != XL_SHEET_VISIBLE:   # Excel refuses to delete a (very) hidden sheet
            sh.api.Visible = XL_SHEET_VISIBLE
        sh.delete()

    def alert(self, message: str) -> None:
        self._b.app.alert(message, title="绩效评价")

    def confirm(self, message: str) -> bool:
        return self._b.app.alert(message, title="绩效评价", buttons="yes_no", mode="info") == "yes"
