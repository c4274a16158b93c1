"""Writing NEW workbooks (templates, examples, summaries) with openpyxl — atomically and reproducibly.

openpyxl stamps the current time into docProps/core.xml and the zip entries; ``save_deterministic``
fixes both so that generating the same workbook twice gives identical bytes, and writes through a
temporary file in the target folder + ``os.replace`` so a crash never leaves half a file.
"""
from __future__ import annotations

import datetime as _dt
import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the batch writes its summary through this module: openpyxl (and numpy) are not imported for it
    from openpyxl import Workbook

    from ..xlio.grid import Grid

FIXED_TIME = _dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def workbook_bytes(wb: "Workbook") -> bytes:
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "perfeval-xl"
    wb.properties.lastModifiedBy = "perfeval-xl"
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue())


def deterministic_zip(data: bytes) -> bytes:
    """An Office package re-packed with fixed entry times and core-property dates (openpyxl and python-docx
    stamp the current time), so the same content always gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core(data)
            zi = zipfile.ZipInfo(info.filename, ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def _fix_core(data: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", data)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    from ..xlio import atomic_write

    atomic_write(path, data)


def save_deterministic(wb: "Workbook", path: str | Path) -> Path:
    atomic_write_bytes(path, workbook_bytes(wb))
    return Path(path)


def grids_workbook_bytes(sheets: list[tuple["Grid", int]]) -> bytes:
    """A new workbook holding these grids, one sheet each, as a form looks on paper: the values, merged ranges and
    number formats, 宋体 10 wrapped and centred vertically, thin borders on the table (below ``title rows``, the
    rows above it that hold its title), columns as wide as their text. What the batch writes for a form read from a
    Word document, so that the reviewer gets it in Excel with its findings marked."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from ..tablestyle import lines_needed, text_width

    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font, wrap = Font(name="宋体", size=10), Alignment(wrap_text=True, vertical="center")
    for grid, title_rows in sheets:
        ws = wb.create_sheet(grid.sheet)
        last_row, last_col = grid.max_row, grid.max_col
        for r1, c1, r2, c2 in grid.merged:
            last_row, last_col = max(last_row, r2), max(last_col, c2)
        widths: dict[int, float] = {}
        across = {(r1, c1) for r1, c1, r2, c2 in grid.merged if c2 > c1}     # text spread over several columns
        for r in range(1, last_row + 1):
            for c in range(1, last_col + 1):
                v = grid.cells.get((r, c))
                cell = ws.cell(r, c)
                if v is not None:
                    cell.value = v
                    fmt = grid.number_formats.get((r, c))
                    if fmt:
                        cell.number_format = fmt
                    if r > title_rows and (r, c) not in across:
                        longest = max(map(text_width, str(v).split("\n")))
                        widths[c] = max(widths.get(c, 0), longest)
                cell.font, cell.alignment = font, wrap
                if r > title_rows:
                    cell.border = border
        for r1, c1, r2, c2 in grid.merged:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        cols = {c: min(max(widths.get(c, 8) * 1.1 + 2, 8), 30) for c in range(1, last_col + 1)}
        for c, w in cols.items():
            ws.column_dimensions[get_column_letter(c)].width = w
        # rows as high as their wrapped text (a program that opens the file may not fit them itself)
        spread = {(r1, c1) for r1, c1, r2, c2 in grid.merged if c2 > c1 or r2 > r1}
        for (r, c), v in grid.cells.items():
            if (r, c) in spread or r <= title_rows:
                continue
            lines = lines_needed(v, cols[c])
            if lines > 1:
                height = min(13.5 * lines + 2, 300)
                dim = ws.row_dimensions[r]
                dim.height = max(dim.height or 0, height)
        ws.page_setup.orientation = "landscape"          # printed as the form is: every column on the page's width
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    return workbook_bytes(wb)
