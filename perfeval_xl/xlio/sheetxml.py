"""A worksheet part held as its bytes: every cell found in one pass, edits spliced into the bytes.

Reading a sheet through an XML tree costs a Python object per element; a 自评表 of 3 × 40 rows has
~1,500 cells, most of them styled blanks. :class:`SheetPart` instead finds every ``<c>`` element with
one regular expression over the part's bytes (the schema fixes the order of a cell's children: ``f``,
``v``, ``is``, ``extLst``), keeps the match per reference, and answers values, formulas and style ids
from it. Edits (cached values, constants, formulas, style ids) replace single ``<c>`` elements; when
the part is written, only those elements change and every other byte stays where it was. Adding a
cell that does not exist yet, or a top-level element such as ``<legacyDrawing>``, is a splice too.

What the scan cannot read with certainty (a ``<c>`` it did not match: no ``r`` attribute, unusual
markup) raises :class:`SheetScanError`; the caller reports the file instead of guessing.
"""
from __future__ import annotations

import re
import sys
from html import unescape
from operator import itemgetter
from typing import Any, Callable, Iterable

from ..limits import MAX_COLS, MAX_ROWS, LimitError
from .grid import column_letter

ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!", "#GETTING_DATA")


class SheetScanError(ValueError):
    """A worksheet part whose cells cannot all be read from its bytes."""


_INF = float("inf")
_SPAN = itemgetter(0, 1)


def _with_refs(data: bytes, p: bytes) -> bytes:
    """The part with an ``r`` attribute on every <row> and <c> that leaves it out (ECMA-376 makes both
    optional: a row follows the previous row, a cell the previous cell of its row), so that every cell
    has its address; cells that have one keep their bytes."""
    e = re.escape(p)
    token = re.compile(rb"<" + e + rb"row\b([^>]*?)(/?)>|<" + e + rb"c\b([^>]*?)(/?)>|</" + e + rb"row>")
    r_attr = re.compile(rb'\sr="([A-Z]*)([0-9]+)"')
    out: list[bytes] = []
    pos = 0
    row = 0
    col = 0
    for m in token.finditer(data):
        if m.group(0).startswith(b"</"):
            continue
        if m.group(1) is not None:
            attrs = m.group(1) or b""
            ra = r_attr.search(attrs)
            row = int(ra.group(2)) if ra else row + 1
            col = 0
            if not ra:
                out.append(data[pos:m.start()])
                out.append(b"<" + p + b'row r="' + str(row).encode() + b'"' + attrs + m.group(2) + b">")
                pos = m.end()
            continue
        attrs = m.group(3) or b""
        ra = r_attr.search(attrs)
        if ra:
            col = col_number(ra.group(1))
            continue
        col += 1
        out.append(data[pos:m.start()])
        out.append(b"<" + p + b'c r="' + column_letter(col).encode() + str(max(row, 1)).encode() + b'"' + attrs
                   + m.group(4) + b">")
        pos = m.end()
    out.append(data[pos:])
    return b"".join(out)


_PATTERNS: dict[bytes, tuple[re.Pattern[bytes], ...]] = {}


def possessive_repeats_work() -> bool:
    """Does this Python's ``re`` match possessive repeats as documented? They came in 3.11, but until 3.11.5 one
    inside an optional or repeated group could make the whole pattern fail (CPython gh-100061, gh-106052): on
    Debian 12's Python 3.11.2 the cell pattern then matched no cell holding a value, and every workbook was
    refused as unreadable. Both the release and the cases that broke are checked."""
    if sys.version_info < (3, 11, 5):
        return False
    try:
        # the cell pattern's tail, which 3.11.2 fails on "x</c>"; and gh-106052's own example, which it matches
        return (re.fullmatch(rb"([^<]*+(?:<(?!/c>)[^<]*+)*+)</c>", b"x</c>") is not None
                and re.fullmatch(rb"(?:ab?c)*+", b"a") is None)
    except re.error:
        return False


#: "+" makes a repeat possessive: it never gives back what it took. Where placed below, giving back could never let
#: the rest match (a run of [^<] before a "<", of [^>] before a ">", attribute characters before "=", spaces before
#: ">"), so the matches are the same either way, found with fewer backtracking points (the scan of a benchmark
#: workbook's cells: 0.85 -> 0.69 ms). Where possessive repeats are broken (before 3.11.5), the repeats stay greedy
_POSSESSIVE = b"+" if possessive_repeats_work() else b""


#: groups of a cell's match: its attributes (all of them, r included), its address, column letters, row, style id,
#: type, the <f> element, the cached value's text, and the rest (<is>, <extLst>)
_ATTRS, _REF, _COL, _ROW, _S, _T, _F, _V, _REST = 1, 2, 3, 4, 5, 6, 7, 8, 9


def _patterns(p: bytes) -> tuple[re.Pattern[bytes], ...]:
    """The regular expressions for a sheet whose SpreadsheetML elements carry the prefix ``p`` (b"" or b"x:")."""
    pats = _PATTERNS.get(p)
    if pats is None:
        pats = _PATTERNS[p] = compile_patterns(p, _POSSESSIVE)
    return pats


def compile_patterns(p: bytes, K: bytes) -> tuple[re.Pattern[bytes], ...]:
    """:func:`_patterns` with the repeats marked ``K`` where giving back never helps (b"+": possessive, b"": greedy)."""
    e = re.escape(p)
    content = (rb"(?:/>|>\s*"                                                  # self-closed, or
               rb"(<" + e + rb"f\b[^>]*?(?:/>|>[^<]*" + K + rb"</" + e + rb"f>))?\s*"     # the <f> element
               rb"(?:<" + e + rb"v(?:\s[^>]*" + K + rb")?>([^<]*" + K + rb")</" + e + rb"v>"     # cached value
               rb"|<" + e + rb"v\s*/>)?"
               # the rest (<is>, <extLst>) up to the first </c>: (.*?)</c> unrolled, runs of [^<] taken at once
               rb"([^<]*" + K + rb"(?:<(?!/" + e + rb"c>)[^<]*" + K + rb")*" + K + rb")</" + e + rb"c>)")
    # any attribute order: each of r, s and t found by a lookahead
    cell = re.compile(
        rb"<" + e + rb"c\b((?=[^>]*?\sr=\"(([A-Z]{1,3})([0-9]+))\")"
        rb"(?:(?=[^>]*?\ss=\"([0-9]+)\"))?(?:(?=[^>]*?\st=\"(\w+)\"))?[^>]*?)" + content, re.S)
    # the order every writer seen uses (Excel, LibreOffice, openpyxl, XlsxWriter): r first, then s, then t, any
    # other attribute after them; twice as fast (no lookaheads). Its addresses stop at column ZZ and row 999999,
    # so whatever it matches lies inside Excel's grid. A cell in another order or further out does not match it,
    # and the sheet is read with the general pattern instead (and its addresses checked)
    canonical = re.compile(
        rb"<" + e + rb"c( r=\"(([A-Z]{1,2})([1-9][0-9]{0,5}))\"(?: s=\"([0-9]+)\")?(?: t=\"(\w+)\")?"
        rb"(?:\s+(?![st]=)[^\s=>/]+" + K + rb"\s*=\s*\"[^\"]*" + K + rb"\")*" + K + rb"\s*" + K + rb")" + content,
        re.S)
    opening = re.compile(rb"<" + e + rb"c[\s/>]")
    unusual = re.compile(rb"<" + e + rb"c[>/\t\n\r\f\v]")      # an opening other than "<c "
    formula = re.compile(rb"<" + e + rb"f\b([^>]*?)(?:/>|>([^<]*)</" + e + rb"f>)")
    text = re.compile(rb"<" + e + rb"t\b[^>]*>([^<]*)</" + e + rb"t>|<" + e + rb"rPh\b.*?</" + e + rb"rPh>", re.S)
    row = re.compile(rb"<" + e + rb"row\b[^>]*?\sr=\"([0-9]+)\"[^>]*?(/?)>")
    merge = re.compile(rb"<" + e + rb"mergeCell\b[^>]*?\sref=\"([^\"]+)\"")
    return cell, canonical, opening, unusual, formula, text, row, merge


_REF_OF = itemgetter(_REF)


def _indexed(matches: Iterable[re.Match[bytes]]) -> dict[str, re.Match[bytes]]:
    """{address: match} of a sheet's cells, built by C-level iterators: for the cells of a benchmark workbook 0.84
    against 0.94 ms with a dict comprehension (15 runs by turns; callgrind counts 0.2 % more instructions, but the
    time is what counts)."""
    ms = list(matches)
    return dict(zip(map(bytes.decode, map(_REF_OF, ms)), ms))


_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_ATTR_T = re.compile(rb'\st="[^"]*"')
_ATTR_S = re.compile(rb'\ss="[^"]*"')


def _typed(attrs: bytes, t: bytes | None) -> bytes:
    """A cell's attributes with its t attribute set to ``t`` (removed for None)."""
    if b't="' in attrs:
        attrs = _ATTR_T.sub(b"", attrs)
    return attrs + b' t="' + t + b'"' if t else attrs


_COLS: dict[bytes, int] = {}
#: "C12" → (12, 3): the same addresses recur in every sheet of a batch (kept like _TEXTS, bounded)
_POSITIONS: dict[str, tuple[int, int]] = {}


def _position(ref: str, m: re.Match[bytes]) -> tuple[int, int]:
    pos = (int(m[_ROW]), col_number(m[_COL]))
    if len(_POSITIONS) >= 65536:
        _POSITIONS.clear()
    _POSITIONS[ref] = pos
    return pos


def col_number(letters: bytes | str) -> int:
    if isinstance(letters, str):
        letters = letters.encode()
    n = _COLS.get(letters)
    if n is None:
        n = 0
        for ch in letters:
            n = n * 26 + ch - 64
        _COLS[letters] = n
    return n


#: characters XML 1.0 cannot hold (C0 controls but tab, line feed and return; U+FFFE/U+FFFF; lone surrogates)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def ooxml_escape(text: str) -> str:
    """Text as an Office Open XML string holds it: a character XML cannot hold written as Excel writes it, _xHHHH_
    (=CHAR(7) computes a BEL; written raw, it would make the whole sheet unreadable)."""
    if _XML_INVALID.search(text) is None:
        return text
    return _XML_INVALID.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def visible(text: str) -> str:
    """Text for a page a person reads (a report, summary.xlsx): a character XML cannot hold shown as \\xNN, as the
    console shows it."""
    if _XML_INVALID.search(text) is None:
        return text
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                            text)


def xml_text(text: str) -> bytes:
    return xml_str(text).encode("utf-8")


#: a character xml_str changes (markup, or one XML cannot hold): most texts have none and come back as they are
_XML_CHANGED = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_str(text: str) -> str:
    """Text as XML character data (:func:`xml_text`, as text): markup escaped, characters XML cannot hold as _xHHHH_."""
    if _XML_CHANGED.search(text) is None:
        return text
    return ooxml_escape(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    """Text as an XML attribute's value (a link's location, a display text): markup and quotes escaped, a line break
    kept as &#10; (a parser would read a raw one as a space)."""
    return (ooxml_escape(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;"))


def number_text(f: float) -> str:
    """A number as Excel stores it in <v>: integers without ".0", otherwise the shortest round-trip repr."""
    return repr(f)[:-2] if f.is_integer() and abs(f) < 1e15 else repr(f)


def cached_form(value: Any) -> tuple[str | None, str]:
    """(t attribute, <v> text) of a formula's cached value; Excel errors as t="e", blanks as an empty string."""
    if value is None or value == "":
        return "str", ""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, (int, float)):
        return None, number_text(float(value))
    if isinstance(value, str) and value in ERRORS:
        return "e", value
    return "str", str(value)


_UNREAD = object()


def _read_back(value: Any) -> Any:
    """What reading a cached value written for ``value`` gives (a number as :func:`number_text` writes it, read
    back as int or float; a boolean), without decoding it again; ``_UNREAD`` for the rest (text is read back)."""
    cls = value.__class__
    if cls is float:
        if value - value != 0:      # not finite: written as text
            return _UNREAD
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    if cls is int:
        return value if abs(value) < 1e15 else float(value)
    if cls is bool:
        return value
    return _UNREAD


def _same_cached(m: re.Match[bytes], t: bytes | None, v: bytes) -> bool:
    """The cell already holds this cached value: the same type (t="n" being no t) and the same <v> text."""
    old_v = m[_V]
    if old_v is None:
        return False
    old_t = m[_T]
    return (None if old_t == b"n" else old_t) == t and (old_v == v or b"&" in old_v and _unescape(old_v) == _unescape(v))


def cached_bytes(value: Any) -> tuple[bytes | None, bytes]:
    """(t attribute, <v> content) of a formula's cached value as written in the part (:func:`cached_form`, escaped)."""
    cls = value.__class__
    if cls is float or cls is int:
        return None, number_text(float(value)).encode()
    t, text = cached_form(value)
    return (t.encode() if t else None), xml_text(text)


_TEXTS: dict[bytes, str] = {}
#: a formula result → (t, <v> text, read back) as set_cached_values writes it: a form's scores and texts ("达标", 2.03)
#: recur down its columns and across a batch, and a float's shortest repr is what writing one mostly costs. Keyed by
#: non-zero floats and by texts only (1 == 1.0 == True, and 0.0 == -0.0, would share a key); kept like _TEXTS
_WRITTEN: dict[Any, tuple[bytes | None, bytes, Any]] = {}
_INLINE: dict[bytes, str] = {}    # an inline string's <is> element → its text (kept like _TEXTS)


def _unescape(b: bytes) -> str:
    """XML character data → text; the same labels and criteria recur across a batch, so results are kept
    (bounded: the table starts afresh past 4,096 entries, so memory stays flat over any number of files)."""
    s = _TEXTS.get(b)
    if s is None:
        s = b.decode("utf-8")
        if "&" in s:
            s = unescape(s)
        if len(_TEXTS) >= 4096:
            _TEXTS.clear()
        _TEXTS[b] = s
    return s


# section order of CT_Worksheet after <sheetData>: a new top-level element goes before the first of the
# sections that follow it, searched only after the last section that precedes it (nested <extLst>
# inside conditional formats must not be taken for the sheet's own)
_TOP_SECTIONS = ("sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                 "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
                 "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                 "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
                 "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")


#: an r attribute that may hold an address past Excel's grid (the exact test follows only where this finds one; a
#: literal first, so the search skips ahead fast)
_PAST_GRID = re.compile(rb'r="(?:[A-Z]{3}|[A-Z]{1,2}(?:0|[0-9]{7}))')


class SheetPart:
    """The cells of one worksheet part, indexed from its bytes; edits are kept per cell and spliced in."""

    def __init__(self, data: bytes, shared_strings: Callable[[], list[str]] | None = None, *,
                 max_cells: int | None = None):
        root = _ROOT.search(data, 0, 4096)
        if root is None:
            raise SheetScanError("找不到 <worksheet> 根元素")
        self.prefix = root.group(1) or b""
        (self._cell_re, canonical, opening, unusual_opening, self._f_re, self._t_re, self._row_re,
         self._merge_re) = _patterns(self.prefix)
        p = self.prefix
        # cell openings: "<c " counted (one pass), the rare <c>, <c/> and <c + tab/line break only where one exists
        unusual = unusual_opening.search(data) is not None
        found = sum(1 for _ in opening.finditer(data)) if unusual else data.count(b"<" + p + b"c ")
        if max_cells is not None and found > max_cells:
            raise LimitError("PE-W009", f"单元格数超过上限 {max_cells}（本部件约 {found} 个）")
        self._shared = shared_strings
        self.outside: list[str] = []
        # the usual sheet: every cell matched by the canonical pattern, whose addresses all lie inside the grid
        cells = _indexed(canonical.finditer(data)) if not unusual else {}
        general = len(cells) != found
        if general:
            if found != data.count(b"<" + p + b'c r="'):
                data = _with_refs(data, p)   # Excel accepts cells whose optional r attribute is left out (as many)
            cells = _indexed(self._cell_re.finditer(data))
            if found != len(cells):
                raise SheetScanError(f"工作表中有 {found - len(cells)} 个单元格无法识别（标记异常）")
        self.data = data
        self.cells = cells
        if general:
            self._check_bounds()     # the canonical pattern's addresses all lie inside the grid
        self._new: dict[str, bytes] = {}        # ref -> replacement <c> element
        #: ref -> (t, <v> text, the value read back or _UNREAD) of a cached value set since the cell was last
        #: matched: self.cells[ref] still matches the element before that edit (its address, style and formula are
        #: the same; only t and <v> differ), so a batch of cached values is written without matching each new element
        #: again, and read back without decoding what was just written
        self._cached: dict[str, tuple[bytes | None, bytes, Any]] = {}
        self._spans: dict[str, tuple[int, int]] = {}   # ref -> span of the replaced element in self.data
        #: ref -> [(start, end, bytes)] in self.data: a cached value written into the cell's own bytes (its <v> and,
        #: where the type changes, its attributes) rather than as a whole new element
        self._fine: dict[str, list[tuple[int, int, bytes]]] = {}
        self._inserts: list[tuple[int, bytes]] = []    # (offset in self.data, element) after <sheetData>

    def _check_bounds(self) -> None:
        """Cells past Excel's grid (row 0, rows past 1,048,576, columns past XFD) are left out of the index and
        listed in ``outside``: Excel drops them when it repairs such a file, and the rest of the sheet reads as
        usual. Their bytes stay where they are; nothing reads or writes them."""
        if not self.cells or _PAST_GRID.search(self.data) is None:
            return    # no row 0 (nor a leading zero), no row of 7 digits or more, no three-letter column
        self.outside = [ref for ref, m in self.cells.items()
                        if not 1 <= int(m[_ROW]) <= MAX_ROWS or col_number(m[_COL]) > MAX_COLS]
        for ref in self.outside:
            del self.cells[ref]

    # ------------------------------------------------------------------ reading
    @property
    def edited(self) -> bool:
        return bool(self._new or self._fine or self._inserts)

    def __contains__(self, ref: str) -> bool:
        return ref in self.cells

    def position(self, ref: str) -> tuple[int, int]:
        pos = _POSITIONS.get(ref)
        if pos is None:
            m = self.cells[ref]
            pos = _position(ref, m)
        elif ref not in self.cells:
            raise KeyError(ref)
        return pos

    def style(self, ref: str) -> int:
        m = self.cells.get(ref)
        return int(m[_S]) if m is not None and m[_S] else 0

    def formula(self, ref: str) -> str | None:
        """The formula text of the cell (None for none, and for the dependent cells of a shared formula)."""
        m = self.cells.get(ref)
        f = m[_F] if m is not None else None
        if not f:
            return None
        # <f attrs>text</f> or <f attrs/>: the text lies between the first '>' and the last '<' (the pattern
        # matched it so: attributes hold no '>', the text no '<')
        start = f.find(b">") + 1
        if start == len(f):
            return None
        text = f[start:f.rfind(b"<")]
        return _unescape(text) if text else None

    def formula_element(self, ref: str) -> bytes | None:
        """The cell's <f> element as written (its attributes tell shared and array formulas), or None."""
        m = self.cells.get(ref)
        return m[_F] if m is not None else None

    def array_ranges(self) -> list[tuple[str, str]]:
        """(cell, range) of every array formula spanning more than one cell."""
        out: list[tuple[str, str]] = []
        if b'"array"' not in self.data and not any(b'"array"' in el for el in self._new.values()):
            return out
        for ref, m in self.cells.items():
            f = m[_F]
            if f and b'"array"' in f:
                attrs = self._f_re.match(f).group(1)
                area = re.search(rb'\sref="([^"]+)"', attrs)
                if re.search(rb'\st="array"', attrs) and area and b":" in area.group(1):
                    out.append((ref, area.group(1).decode()))
        return out

    def set_formula_text(self, ref: str, text: str) -> None:
        """Replace the text of a cell's formula, keeping the <f> attributes and the cached value."""
        m = self._current(ref)
        new_f = self._el(b"f", xml_text(text), self._f_re.match(m[_F])[1])
        inner = self._inner(m)
        at = m.start(_F) - m.end(_ATTRS) - 1
        self._replace(ref, m[_ATTRS], inner[:at] + new_f + inner[at + len(m[_F]):])

    def formula_bytes(self) -> bytes:
        """Every <f> element of the sheet, joined: what is looked through for a construct only formulas hold (a PE_*
        spelling, a 3-D or structured reference) — a fifth of a form's bytes, and no cell text taken for a formula."""
        return b"\n".join([f for m in self.cells.values() if (f := m[_F])])

    def formula_refs(self) -> list[str]:
        return [ref for ref, m in self.cells.items() if m[_F]]

    def value(self, ref: str) -> Any:
        m = self.cells.get(ref)
        if m is None:
            return None
        c = self._cached.get(ref) if self._cached else None
        if c is None:
            if not m[_V] and m[_T] != b"inlineStr":
                return None          # no value, or an empty <v></v> (what openpyxl writes for a formula)
            return self._value(m)
        return self._decode(m, c[0], c[1]) if c[2] is _UNREAD else c[2]

    def saved_values(self, refs: Iterable[str]) -> dict[str, Any]:
        """{cell: value} of the ``refs`` holding a value that is not blank (for a formula: the value Excel saved);
        the cells holding none, a formula's commonest case in a file no program calculated, are passed over at once."""
        out: dict[str, Any] = {}
        cells, cached = self.cells, self._cached
        for ref in refs:
            m = cells.get(ref)
            if m is None or not (m[_V] or m[_T] == b"inlineStr" or ref in cached):
                continue
            v = self.value(ref)
            if v is not None and v != "":
                out[ref] = v
        return out

    def _value(self, m: re.Match[bytes]) -> Any:
        return self._decode(m, m[_T], m[_V])

    def _decode(self, m: re.Match[bytes], t: bytes | None, text: bytes | None) -> Any:
        if t == b"inlineStr":
            rest = m[_REST]
            if not rest:
                return ""
            v = _INLINE.get(rest)
            if v is None:
                v = "".join(_unescape(x) for x in self._t_re.findall(rest) if x)
                if len(_INLINE) >= 4096:
                    _INLINE.clear()
                _INLINE[rest] = v
            return v
        if not text:
            return None
        if t is None or t == b"n":
            try:
                f = float(text)
            except ValueError:
                return _unescape(text)
            if f != f or f in (_INF, -_INF):   # "NaN", "INF": not a number Excel writes
                return _unescape(text)
            return int(f) if f.is_integer() and abs(f) < 1e15 and b"." not in text and b"E" not in text.upper() else f
        if t == b"s":
            if not self._shared:
                return None
            table = self._shared()
            try:
                return table[int(text)]
            except (IndexError, ValueError):
                raise SheetScanError(f"单元格 {m[_REF].decode()} 引用的共享字符串 {text.decode()[:12]} "
                                     f"不存在（共 {len(table)} 条），文件已损坏") from None
        if t == b"b":
            return text == b"1"
        return _unescape(text)   # "str" (formula string) and "e" (error)

    def values(self) -> list[tuple[int, int, int, Any]]:
        """(row, column, style id, value) of every cell holding a value, in document order (the layout reader takes
        them through :meth:`grid_cells`)."""
        out: list[tuple[int, int, int, Any]] = []
        for ref in self.cells:
            v = self.value(ref)
            if v is not None:
                out.append((*self.position(ref), self.style(ref), v))
        return out

    def grid_cells(self, format_of: Callable[[int], str | None]) -> tuple[dict[tuple[int, int], Any],
                                                                         dict[tuple[int, int], str]]:
        """What the layout reader sees, in one pass: {(row, column): value} of every cell holding a value other than
        blank text, and {(row, column): number format} of those whose style shows one other than General
        (``format_of(style id)``, asked once per style)."""
        cells: dict[tuple[int, int], Any] = {}
        formats: dict[tuple[int, int], str] = {}
        shown: dict[bytes, str | None] = {}
        decode, cached = self._decode, self._cached
        for ref, m in self.cells.items():
            c = cached.get(ref) if cached else None
            if c is not None:
                t, text, v = c
                if v is _UNREAD:
                    v = decode(m, t, text)
            else:
                t, text = m[_T], m[_V]
                if not text and t != b"inlineStr":
                    continue
                if text and (t is None or t == b"n") and text.isdigit() and len(text) < 16:
                    v = int(text)
                else:
                    v = decode(m, t, text)
            if v is None or isinstance(v, str) and not v.strip():
                continue
            pos = _POSITIONS.get(ref) or _position(ref, m)
            cells[pos] = v
            s = m[_S]
            if s:
                fmt = shown.get(s, _UNREAD)
                if fmt is _UNREAD:
                    n = int(s)
                    fmt = format_of(n) if n else None
                    fmt = shown[s] = None if fmt == "General" else fmt
                if fmt:
                    formats[pos] = fmt
        return cells, formats

    def merged_ranges(self) -> list[str]:
        return [r.decode() for r in self._merge_re.findall(self.data)]

    def has_element(self, tag: str) -> bool:
        pat = re.compile(rb"<" + re.escape(self.prefix) + tag.encode() + rb"[\s/>]")
        return pat.search(self.data) is not None or any(pat.match(el) for _, el in self._inserts)

    # ------------------------------------------------------------------ editing cells
    def _el(self, tag: bytes, content: bytes, attrs: bytes = b"") -> bytes:
        p = self.prefix
        return b"<" + p + tag + attrs + b">" + content + b"</" + p + tag + b">"

    def _inner(self, m: re.Match[bytes]) -> bytes | None:
        """What a matched <c> holds between its tags (None for a self-closed <c/>)."""
        whole, head = m[0], m.end(_ATTRS) - m.start()
        return None if whole[head:head + 2] == b"/>" else whole[head + 1: -len(b"</" + self.prefix + b"c>")]

    def _replace(self, ref: str, attrs: bytes, inner: bytes | None, cached: tuple[bytes | None, bytes, Any] | None = None):
        """Put a new element in the cell's place. ``cached`` (t, <v> text): only the cached value changed, and the
        cell's match is left as it was (see ``_cached``)."""
        p = self.prefix
        el = b"<" + p + b"c" + attrs + (b"/>" if inner is None else b">" + inner + b"</" + p + b"c>")
        if ref not in self._new:
            self._spans[ref] = self.cells[ref].span()
        self._new[ref] = el
        if cached is None:
            self.cells[ref] = self._cell_re.match(el)
            self._cached.pop(ref, None)
        else:
            self._cached[ref] = cached

    def _current(self, ref: str) -> re.Match[bytes]:
        """The cell's match of its element as it now is (matched again after a cached-value edit)."""
        if ref in self._cached:
            fine = self._fine.pop(ref, None)
            if fine is not None:     # the element with its spliced <v>, as a whole new element from here on
                m = self.cells[ref]
                start, pos, parts = m.start(), m.start(), []
                for a, b, el in fine:
                    parts += [self.data[pos:a], el]
                    pos = b
                parts.append(self.data[pos:m.end()])
                self._spans[ref] = (start, m.end())
                self._new[ref] = b"".join(parts)
            self.cells[ref] = self._cell_re.match(self._new[ref])
            del self._cached[ref]
        return self.cells[ref]

    def set_cached(self, ref: str, value: Any) -> bool:
        """Set a formula cell's cached value (only its t attribute and <v> change); True when it changed."""
        m = self._current(ref) if ref in self._cached else self.cells[ref]
        t, v = cached_bytes(value)
        if _same_cached(m, t, v):
            return False
        attrs = m[_ATTRS]
        if t is not None or b't="' in attrs:
            attrs = _typed(attrs, t)
        p = self.prefix
        inner = (m[_F] or b"") + b"<" + p + b"v>" + v + b"</" + p + b"v>" + (m[_REST] or b"")
        self._replace(ref, attrs, inner, (t, v, _read_back(value)))
        return True

    def set_cached_values(self, items: Iterable[tuple[str, Any]]) -> None:
        """:meth:`set_cached` for many cells at once (a workbook's every formula). Each value is written into the
        cell's own bytes: its <v> text replaced (or a <v> added after the formula) and, only where the type changes,
        its attributes; everything else of the element, whitespace included, stays as it was."""
        cells, cached, fine, data, p = self.cells, self._cached, self._fine, self.data, self.prefix
        v_open, v_close = b"<" + p + b"v>", b"</" + p + b"v>"
        for ref, value in items:
            if ref in cached or ref in self._new:
                self.set_cached(ref, value)
                continue
            m = cells[ref]
            cls = value.__class__
            keyed = cls is str or cls is float and value and value - value == 0     # non-zero and finite
            written = _WRITTEN.get(value) if keyed else None
            if written is not None:
                t, v, back = written
            else:
                t, v = cached_bytes(value)
                back = _read_back(value)
                if keyed:
                    if len(_WRITTEN) >= 16384:
                        _WRITTEN.clear()
                    _WRITTEN[value] = (t, v, back)
            if _same_cached(m, t, v):
                continue
            old_t = m[_T]
            if m[_V] is not None:
                edits = [(*m.span(_V), v)]
            else:
                f_end = m.end(_F) if m[_F] else m.end(_ATTRS) + 1
                rest = m.start(_REST)
                if rest < 0 or data[f_end:rest].strip():   # self-closed <c/>, or an empty <v/>: as a new element
                    self.set_cached(ref, value)
                    continue
                edits = [(f_end, f_end, v_open + v + v_close)]
            if old_t is not None or t is not None:
                attrs = m[_ATTRS]
                new_attrs = _typed(attrs, t)     # also drops a t="" the match's t group does not see
                if new_attrs != attrs:
                    edits.insert(0, (*m.span(_ATTRS), new_attrs))
            fine[ref] = edits
            cached[ref] = (t, v, back)

    def set_constant(self, ref: str, value: Any) -> None:
        """Write a number, boolean or inline string (None clears the cell, keeping its style)."""
        attrs = self.cell(ref)[_ATTRS]
        if value is None or value == "":
            self._replace(ref, _typed(attrs, None), None)
        elif isinstance(value, bool):
            self._replace(ref, _typed(attrs, b"b"), self._el(b"v", b"1" if value else b"0"))
        elif isinstance(value, (int, float)):
            self._replace(ref, _typed(attrs, None), self._el(b"v", number_text(float(value)).encode()))
        else:
            s = str(value)
            space = b' xml:space="preserve"' if s != s.strip() else b""
            self._replace(ref, _typed(attrs, b"inlineStr"), self._el(b"is", self._el(b"t", xml_text(s), space)))

    def set_formula(self, ref: str, formula: str, cached: Any = None) -> None:
        t, v = cached_bytes(cached)
        self._replace(ref, _typed(self.cell(ref)[_ATTRS], t),
                      self._el(b"f", xml_text(formula.lstrip("="))) + self._el(b"v", v))

    def set_style(self, ref: str, s: int) -> None:
        m = self.cell(ref)
        if self.style(ref) == s:
            return
        attrs = _ATTR_S.sub(b"", m[_ATTRS])
        if s:
            r = re.search(rb'\sr="[^"]*"', attrs)
            attrs = attrs[: r.end()] + b' s="' + str(s).encode() + b'"' + attrs[r.end():]
        self._replace(ref, attrs, self._inner(m))

    def cell(self, ref: str) -> re.Match[bytes]:
        """The cell's match, creating an empty cell (in its row, in column order) when it does not exist."""
        if ref not in self.cells:
            self._insert_cell(ref)
        return self._current(ref)

    def _insert_cell(self, ref: str) -> None:
        p = self.prefix
        mref = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", ref)
        if mref is None:
            raise SheetScanError(f"无效的单元格地址‘{ref}’")
        row_n, col_n = int(mref.group(2)), col_number(mref.group(1))
        data = self.to_bytes()
        new_c = b"<" + p + b'c r="' + ref.encode() + b'"/>'
        for rm in self._row_re.finditer(data):
            n = int(rm.group(1))
            if n == row_n:
                if rm.group(2):   # <row .../>: open it
                    head = rm.group(0)[:-2] + b">"
                    data = data[: rm.start()] + head + new_c + b"</" + p + b"row>" + data[rm.end():]
                    break
                pos = end = data.find(b"</" + p + b"row>", rm.end())
                for cm in self._cell_re.finditer(data, rm.end(), end):
                    if col_number(cm[_COL]) > col_n:
                        pos = cm.start()
                        break
                data = data[:pos] + new_c + data[pos:]
                break
            if n > row_n:
                data = data[: rm.start()] + b"<" + p + b'row r="' + str(row_n).encode() + b'">' + new_c + b"</" + p \
                    + b"row>" + data[rm.start():]
                break
        else:
            new_row = b"<" + p + b'row r="' + str(row_n).encode() + b'">' + new_c + b"</" + p + b"row>"
            end = data.find(b"</" + p + b"sheetData>")
            if end >= 0:
                data = data[:end] + new_row + data[end:]
            else:
                empty = re.search(rb"<" + re.escape(p) + rb"sheetData\s*/>", data)
                if empty is None:
                    raise SheetScanError("工作表没有 <sheetData>")
                data = (data[: empty.start()] + b"<" + p + b"sheetData>" + new_row + b"</" + p + b"sheetData>"
                        + data[empty.end():])
        self.__init__(data, self._shared)

    # ------------------------------------------------------------------ top-level elements
    def insert_top_level(self, tag: str, element: bytes) -> None:
        """Insert a child of <worksheet> at its place in the schema's order (before the sections that follow)."""
        p = re.escape(self.prefix)
        i = _TOP_SECTIONS.index(tag)
        data = self.data
        before = "|".join(_TOP_SECTIONS[:i]) + "|sheetData"
        start = 0
        for m in re.finditer(rb"</" + p + rb"(?:" + before.encode() + rb")>|<" + p + rb"(?:" + before.encode()
                             + rb")\b[^>]*/>", data):
            start = m.end()
        after = re.compile(rb"<" + p + rb"(?:" + "|".join(_TOP_SECTIONS[i + 1:]).encode() + rb")[\s/>]")
        m = after.search(data, start)
        pos = m.start() if m else data.rindex(b"</" + self.prefix + b"worksheet>")
        self._inserts.append((pos, element))

    # ------------------------------------------------------------------ writing
    def to_bytes(self) -> bytes:
        """The part with every edit spliced in (the original bytes when there is none)."""
        if not self._new and not self._fine and not self._inserts:
            return self.data
        splices = [(*self._spans[ref], el) for ref, el in self._new.items()]
        for edits in self._fine.values():
            splices += edits
        splices += [(pos, pos, el) for pos, el in self._inserts]
        splices.sort(key=_SPAN)     # by start, then end; splices at one offset keep their order (a stable sort)
        out: list[bytes] = []
        pos = 0
        for a, b, el in splices:
            out.append(self.data[pos:a])
            out.append(el)
            pos = b
        out.append(self.data[pos:])
        return b"".join(out)

