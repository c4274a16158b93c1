"""The small sheet-access interface that ribbon actions and annotation work through.

xlwings implements it on a live Excel workbook (:mod:`perfeval_xl.xlio.xlwingsbook`); files implement it
through :class:`perfeval_xl.xlio.filebook.XlsxBook` (which edits the package part by part and keeps
every part it does not touch byte for byte). The same action code runs in Excel and in tests.

Cells are A1 addresses on the named sheet; colours are "RRGGBB" hex strings.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from ..tablestyle import TableStyle


@runtime_checkable
class SheetAccess(Protocol):
    name: str

    def value(self, cell: str) -> Any:
        """The cell's value (cached value for a formula cell); None when empty."""

    def formula(self, cell: str) -> str | None:
        """The formula text without the leading "=", or None."""

    def set_value(self, cell: str, value: Any) -> None:
        """Write a constant (number, text, None to clear)."""

    def set_formula(self, cell: str, formula: str, cached: Any = None) -> None:
        """Write a formula (no leading "="), optionally with its cached value."""

    def note(self, cell: str) -> str | None:
        """The cell's note (comment) text, or None."""

    def set_note(self, cell: str, text: str | None) -> None:
        """Set the note; None removes it."""

    def fill(self, cell: str) -> str | None:
        """The solid fill colour "RRGGBB", or None when the cell has no fill."""

    def set_fill(self, cell: str, rgb: str | None) -> None:
        """Set a solid fill; None removes the fill (keeps the rest of the cell's style)."""

    def used_rows(self) -> list[list[Any]]:
        """Values of the used range from A1, row by row (what the layout reader needs)."""

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges as (r1, c1, r2, c2), 1-based inclusive."""


@runtime_checkable
class BookAccess(Protocol):
    def sheet_names(self) -> list[str]: ...

    def sheet(self, name: str) -> SheetAccess: ...

    def add_sheet(self, name: str, rows: Sequence[Sequence[Any]],
                  links: dict[str, tuple[str, str]] | None = None, *,
                  style: "TableStyle | None" = None, hidden: bool = False) -> SheetAccess:
        """Create (or replace) a sheet, last, holding ``rows`` from A1; ``links`` maps a cell of the new sheet
        to (sheet, cell) it should hyperlink to; ``style`` draws the rows as a reviewer's table (first row the
        header); ``hidden`` makes the sheet very hidden (not listed by Excel's 取消隐藏)."""

    def delete_sheet(self, name: str) -> None: ...

    def active_sheet(self) -> SheetAccess: ...
