"""How a reviewer's table looks, said once for every writer.

summary.xlsx (XlsxWriter), the 校验结果 sheet added to a user's workbook (the byte-preserving
:class:`perfeval_xl.xlio.XlsxBook`, or Excel itself through xlwings) all draw their tables from a
:class:`TableStyle`: a bold coloured header that stays frozen, is filtered and repeats on every printed page,
column widths, wrapped columns with row heights that fit their text, fills on chosen cells, and landscape
A4 printing one page wide.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

HEADER_FILL = "DDEBF7"
#: Fill by finding level, the same on marked cells, in 校验结果 and in summary.xlsx.
LEVEL_FILLS = {"错误": "FFC7CE", "警告": "FFEB9C", "提示": "DDEBF7"}
LINE_POINTS = 15.0       # one line of 11-point text
MAX_LINES = 12           # a very long text gets a tall row, not a page-high one


@dataclass(frozen=True)
class TableStyle:
    widths: tuple[float, ...] = ()                    # column widths in Excel's character units
    wrap: frozenset[int] = frozenset()                # 1-based columns whose text wraps
    fills: dict[tuple[int, int], str] = field(default_factory=dict)   # (row, col) 1-based -> "RRGGBB"
    freeze: str = "A2"                                # the first cell that scrolls
    landscape: bool = True


_NARROW = re.compile("[\x00-\u2e7f]+")


def text_width(text: str) -> int:
    """Display width in Excel's column units: a CJK (full-width) character, from U+2E80 on, counts two."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len("".join(_NARROW.findall(text)))


def lines_needed(text: Any, width: float) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` characters wide."""
    room = max(int(width) - 1, 1)
    text = str(text)
    if "\n" not in text:
        # no character is wider than two: a text of at most room / 2 characters fits on one line
        return 1 if 2 * len(text) <= room else max(1, -(-text_width(text) // room))
    return sum(max(1, -(-text_width(part) // room)) for part in text.split("\n"))


def row_heights(rows: Sequence[Sequence[Any]], style: TableStyle) -> dict[int, float]:
    """Heights (points) for the rows whose wrapped text needs more than one line, 1-based. Excel fits rows
    when it opens a file; LibreOffice and printing do not, so the height is written with the table."""
    out: dict[int, float] = {}
    widths = style.widths
    wrapped = [(j - 1, widths[j - 1]) for j in sorted(style.wrap) if j <= len(widths)]
    seen: dict[tuple[str, float], int] = {}     # a file's path recurs on every row of its findings
    for r, row in enumerate(rows, 1):
        lines = 1
        for j, width in (enumerate(widths) if r == 1 else wrapped):    # the header wraps in every column
            v = row[j] if j < len(row) else None
            if v is None or v == "":
                continue
            key = (v, width) if v.__class__ is str else None
            n = seen.get(key) if key else None
            if n is None:
                n = lines_needed(v, width)
                if key and len(seen) < 65536:
                    seen[key] = n
            if n > lines:
                lines = n
        if lines > 1:
            out[r] = LINE_POINTS * min(lines, MAX_LINES)
    return out
