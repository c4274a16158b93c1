"""A sheet as the layout readers look at it: a Grid with normalised labels, the block a form can occupy, and the
helpers every reader shares (the header fields beside their labels, a stated grade). ``layouts.py`` and the
晋中 / 部门整体 readers all read sheets through this module.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from ..engine.grades import has_boxes, normalize_grade, ticked_grade
from ..xlio.grid import Grid, address
from .labels import norm, norm_text, number

HEADER_FIELDS = ("项目名称", "主管部门", "实施单位", "项目单位", "部门名称", "单位名称", "预算单位", "项目属性", "评价单位")


class LabelledSheet:
    """A Grid with normalised labels and helpers to look around a cell."""

    #: a gap of this many empty rows / columns ends the area a form can occupy
    ROW_GAP = 500
    COL_GAP = 100

    #: a label is read up to this many characters: no real label, target or criterion is longer, and a sheet of
    #: 12,000 cells each showing one 1 MB shared string must not cost 12 GB whenever its labels are scanned
    LABEL_CHARS = 4096

    def __init__(self, grid: Grid):
        self.grid = grid
        cap = self.LABEL_CHARS
        self.labels = {rc: norm_text(v if len(v) <= cap else v[:cap]) for rc, v in grid.cells.items()
                       if isinstance(v, str)}
        #: each distinct label once, in sheet order (what "does any label say …" looks through)
        self.distinct = tuple(dict.fromkeys(self.labels.values()))
        rows = {r for r, _ in grid.cells}
        cols = {c for _, c in grid.cells}
        for r1, c1, r2, c2 in grid.merged:
            if (r1, c1) in grid.cells:
                rows.add(min(r2, r1 + self.ROW_GAP))
                cols.add(min(c2, c1 + self.COL_GAP))
        self.max_row = _dense_end(rows, self.ROW_GAP)
        self.max_col = _dense_end(cols, self.COL_GAP)

    def _by_row(self) -> dict[int, list[tuple[int, str]]]:
        """{row: [(column, label)]} of the non-empty labels inside the form's columns, rows top to bottom and each
        row left to right; made once."""
        rows = self.__dict__.get("_rows")
        if rows is None:
            rows = self._rows = {}
            for (rr, c), s in sorted(self.labels.items()):
                if s and c <= self.max_col:
                    rows.setdefault(rr, []).append((c, s))
        return rows

    def row_labels(self, r: int) -> list[tuple[int, str]]:
        """(column, label) of the non-empty labels of row r inside the form's block, left to right."""
        return self._by_row().get(r, [])

    def labelled_rows(self) -> list[int]:
        """The rows of the form's block holding a non-empty label, top to bottom."""
        return [r for r in self._by_row() if r <= self.max_row]

    def rows_labelled(self, kind: "Callable[[str], bool]") -> dict[int, list[int]]:
        """{row: [columns]} of the labels inside the form's block of which ``kind`` holds (``is_total_label`` …),
        columns left to right; found once per sheet and kind."""
        memo = self.__dict__.setdefault("_kinds", {})
        found = memo.get(kind)
        if found is None:
            found = memo[kind] = {}
            wanted = {s for s in self.distinct if s and kind(s)}     # each distinct label asked once
            if wanted:
                for (r, c), s in self.labels.items():
                    if s in wanted and c <= self.max_col:
                        found.setdefault(r, []).append(c)
                for cs in found.values():
                    cs.sort()
        return found

    #: the distinct labels are looked through as one text up to this many characters (beyond, one by one)
    JOINED_CHARS = 1 << 20

    @property
    def joined(self) -> str | None:
        """The distinct labels joined by line breaks, which no label holds (labels have no white space): a word is
        in some label exactly when it is in this text. None when that text would be over JOINED_CHARS."""
        text = self.__dict__.get("_joined", False)
        if text is False:
            total = sum(map(len, self.distinct)) + len(self.distinct)
            text = self._joined = "\n".join(self.distinct) if total <= self.JOINED_CHARS else None
        return text

    def mentions(self, rx: re.Pattern[str] | str) -> bool:
        """Some label contains ``rx`` (a word, or a pattern searched in each label; never across two cells)."""
        if isinstance(rx, str):
            joined = self.joined
            if joined is not None and "\n" not in rx:
                return rx in joined
            return any(rx in s for s in self.distinct)
        return any(rx.search(s) for s in self.distinct)

    def mentions_any(self, words: "tuple[str, ...]") -> bool:
        """Some label contains one of ``words``."""
        return any(self.mentions(w) for w in words)

    def find(self, rx: re.Pattern[str] | str, *, full: bool = True, after_row: int = 0) -> list[tuple[int, int]]:
        pat = re.compile(rx) if isinstance(rx, str) else rx
        hits = [rc for rc, s in self.labels.items()
                if rc[0] > after_row and (pat.fullmatch(s) if full else pat.search(s))]
        return sorted(hits)

    def value(self, r: int, c: int) -> Any:
        return self.grid.get(r, c)

    def right_of(self, r: int, c: int, *, numeric: bool = False) -> tuple[Any, int | None]:
        """The first non-empty value right of (r, c) outside the merge of (r, c)."""
        m = self.grid.merge_of(r, c)
        start = (m[3] if m else c) + 1
        for cc in range(start, self.max_col + 1):
            v = self.grid.cells.get((r, cc))
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            if numeric and number(v) is None:
                continue
            return v, cc
        return None, None

    def row_text(self, r: int) -> str:
        return "".join(self.labels.get((r, c), "") for c in range(1, self.max_col + 1))


def _dense_end(occupied: set[int], gap: int) -> int:
    """The last row (column) of the block that starts at 1, ending where ``gap`` empty rows (columns)
    follow: a stray value at XFD1048576 does not make every scan cover a million rows × 16,384 columns.
    The scans below walk row by row up to this bound; cells past it are not part of a form."""
    ordered = sorted(occupied)
    end = ordered[0] if ordered else 0
    for n in ordered:
        if n - end > gap:
            break
        end = n
    return end


def header_fields(sheet: LabelledSheet) -> tuple[dict[str, Any], dict[str, str]]:
    """The header fields (项目名称, 主管部门 …) with the value right of each label and its cell; or, written in the
    label's own cell ("项目名称：某项目", "主管部门：某局  实施单位：某中心"), the text after each label."""
    header: dict[str, Any] = {}
    cells: dict[str, str] = {}
    if not sheet.mentions_any(HEADER_FIELDS) or not any(
            s.split("(")[0] in HEADER_FIELDS or _INLINE_FIELD.match(s) for s in sheet.distinct):
        return header, cells      # no header field on this sheet: its labels are not sorted and walked
    for (r, c), s in sorted(sheet.labels.items()):
        key = s.split("(")[0]
        if key in HEADER_FIELDS and key not in header:
            v, cc = sheet.right_of(r, c)
            if v is not None and norm(v) not in HEADER_FIELDS:
                header[key] = str(v).strip() if isinstance(v, str) else v
                cells[key] = address(r, cc)  # type: ignore[arg-type]
        elif _INLINE_FIELD.match(s):
            for key, value in inline_fields(str(sheet.grid.cells.get((r, c), ""))):
                if key not in header:
                    header[key], cells[key] = value, address(r, c)
    return header, cells


_FIELD_WORDS = "|".join(HEADER_FIELDS)
#: a normalised label that starts with a header field and its colon, and goes on ("项目名称:某项目")
_INLINE_FIELD = re.compile(rf"(?:{_FIELD_WORDS})(?:\([^)]*\))?:.")
#: each field and its colon in a cell's own text (full-width colon and spaces as typed)
_FIELD_IN_TEXT = re.compile(rf"({_FIELD_WORDS})\s*(?:[(（][^)）]*[)）])?\s*[:：]")


def inline_fields(text: str) -> list[tuple[str, str]]:
    """[(field, value)] of the header fields written in one cell: "主管部门：某局  实施单位：某中心" →
    [("主管部门", "某局"), ("实施单位", "某中心")]; each value is the text up to the next field, stripped."""
    found = list(_FIELD_IN_TEXT.finditer(text))
    out = []
    for m, nxt in zip(found, [*found[1:], None]):
        value = text[m.end(): nxt.start() if nxt else len(text)].strip()
        if value:
            out.append((m.group(1), value))
    return out


def checked_grade(sheet: LabelledSheet, r: int, c: int | None) -> str | None:
    """"优" / "良好" / "优(√) 良( ) 中( ) 差( )" → the grade; a row of boxes takes the ticked one."""
    if c is None:
        return None
    text = "".join(str(sheet.grid.cells.get((r, cc), "")) for cc in range(c, sheet.max_col + 1))
    t = "".join(text.split())
    m = re.search(r"([优良中差])[(（]?√", t)
    if m:
        return m.group(1)
    if has_boxes(t):
        return ticked_grade(t)       # a row of boxes: only a tick says the grade (none ticked, or two: none read)
    return normalize_grade(sheet.grid.cells.get((r, c)))
