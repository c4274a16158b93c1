"""The tables of a Word document as sheets. A unit often sends its 自评表 inside its 自评报告, as a Word table (the
report's 附件), or fills a form a province distributes in Word; the reviewer receives those among the workbooks.

``word_grids(data, limits)`` reads a .docx's main document part (the one ``_rels/.rels`` names) table by table into
:class:`WordSheet` s, one sheet per table, named after its place in the document ("表格2": the document's second
table), as the table stands when pasted into Excel at A1: a cell spanning grid columns (``w:gridSpan``, the older
``w:hMerge``) or rows (``w:vMerge``) is a merged range, a row's leading empty grid columns (``w:gridBefore``) stay
empty, a cell's paragraphs are lines of its text, numbers typed as text (``43.2``, ``86%``) are numbers as Excel's
General format reads them. A table that goes on after an empty paragraph or a page break (one form split in two
tables) goes on on the same sheet, unless its first rows open a form of their own; up to three short paragraphs right
above a table (the form's title, "（2022年度）", "填报单位：…") are rows above it, so that the form reads as it does on
paper. Text that Word does not show is left out: deleted revisions, field codes, hidden text. A web page embedded as
the body (``w:altChunk``) is read whole, as Excel opens a page. ``word_xml_grids`` reads the same from Word saved as
one XML file (Word 2003 XML, the flat package). A table whose rows fall short of its grid without saying where is
marked :attr:`WordSheet.ragged`, and :func:`certain` keeps it from review.

Word documents cannot be written back here: callers review them without an output copy. Every failure is a
:class:`~..limits.LimitError` with a PE-W code and a Chinese message.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Iterator

from lxml import etree

from ..limits import DEFAULT, LimitError, Limits, check_directory, parse_xml, read_part
from .grid import Grid
from .package import rels_name, resolve_target
from .textsheets import SheetBuilder, excel_value, sniff, text_grids, text_row

_W_NAMESPACES = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                 "http://purl.oclc.org/ooxml/wordprocessingml/main")      # transitional, strict
#: Word 2003 XML ("Word XML 文档"): what Java systems fill from a FreeMarker template and send as a .doc
WORD2003 = "http://schemas.microsoft.com/office/word/2003/wordml"
_WX = "{http://schemas.microsoft.com/office/word/2003/auxHint}"
#: Word's flat XML package (the whole .docx as one XML file, pkg:package)
_PKG = "{http://schemas.microsoft.com/office/2006/xmlPackage}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_OFFICE_DOCUMENT = re.compile(r"/officeDocument$")
#: what the first rows of a table that begins a form hold: its title or its 项目名称 row
_OPENS_FORM = re.compile(r"^\s*(?:项目名称|单位名称|部门名称|部门（单位）名称|部门\(单位\)名称)\s*[:：]?\s*$|自评表|评分表|评价表")
#: the names Word documents go by (.wps: WPS 文字, which may hold a .docx)
WORD_SUFFIXES = (".docx", ".docm", ".doc", ".wps")
#: a paragraph above a table taken as its title: at most this many, each at most this long
TITLE_PARAGRAPHS, TITLE_CHARS = 3, 80


def is_word_package(names: list[str]) -> bool:
    return "[Content_Types].xml" in names and any(n.lower().endswith("document.xml") for n in names)


@dataclass
class WordSheet:
    """A sheet read from the document: its grid, the first table's number in the document, the rows its title
    paragraphs take above the table, the tables it holds; ``chunk``: a web page the document embeds (``w:altChunk``,
    how web systems put an HTML export into a .docx), read whole as Excel opens a page, instead of a table."""
    grid: Grid
    first_table: int
    title_rows: int
    tables: int
    chunk: bool = False
    #: the sheet rows whose cells cover fewer of the table's grid columns than it has, with no w:gridBefore /
    #: w:gridAfter saying where the gap is: where each cell stands is not certain (Word itself never writes such a row;
    #: another program's export that lost vertically merged cells does)
    ragged: list[int] = field(default_factory=list)


_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def word_grids(data: bytes, limits: Limits = DEFAULT) -> list[WordSheet]:
    """The document's tables as sheets (an empty list: the document holds no table)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise LimitError("PE-W001", "压缩结构已损坏") from None
    with zf:
        infos = check_directory(zf, limits)
        by_name = {i.filename: i for i in infos}
        part = next((t for typ, t in _targets(zf, by_name, "", limits).values() if _OFFICE_DOCUMENT.search(typ)),
                    None)
        part = part or ("word/document.xml" if "word/document.xml" in by_name else None)
        if part is None:
            raise LimitError("PE-W001", "压缩包中没有 Word 文档正文（word/document.xml）")
        root = parse_xml(read_part(zf, by_name[part], limits), part)
        ns = etree.QName(root).namespace
        if ns not in _W_NAMESPACES:
            raise LimitError("PE-W001", "文档正文的格式无法识别", part)
        # the web pages the document embeds, read now, while the package is open
        wanted = {el.get(_R + "id") for el in root.iter("{%s}altChunk" % ns)}
        chunks: dict[str, bytes] = {}
        if wanted:
            for rid, (_typ, target) in _targets(zf, by_name, part, limits).items():
                if rid in wanted:
                    chunks[rid] = read_part(zf, by_name[target], limits)
    body = root.find(f"{{{ns}}}body")
    return [] if body is None else _Reader(ns, limits, chunks).sheets(body)


def _targets(zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], source: str,
             limits: Limits) -> dict[str, tuple[str, str]]:
    """{relationship id: (type, target part)} of a part's relationships ("": the package's own), the targets that
    are parts of this package."""
    rels = by_name.get(rels_name(source))
    if rels is None:
        return {}
    try:
        root = parse_xml(read_part(zf, rels, limits), rels.filename)
    except LimitError:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in root:
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        path = posixpath.normpath(resolve_target(source, target))
        if path in by_name:
            out[rel.get("Id") or ""] = (rel.get("Type") or "", path)
    return out


def word_xml_kind(data: bytes) -> str | None:
    """"word2003" (Word 2003 XML), "flat" (Word's flat XML package) or None, from the file's first bytes."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"<?xml") and not head.startswith(b"<"):
        return None
    if b"<w:wordDocument" in head and WORD2003.encode() in head:
        return "word2003"
    if b"<pkg:package" in head and b"schemas.microsoft.com/office/2006/xmlPackage" in head:
        return "flat"
    return None


def word_xml_grids(data: bytes, limits: Limits = DEFAULT) -> list[WordSheet]:
    """The tables of a Word document saved as one XML file: Word 2003 XML, or the flat package (its main part's
    ``w:document``). Embedded web pages of a flat package are not read."""
    if len(data) > limits.part_bytes:
        raise LimitError("PE-W009", f"文件超过单个部件上限 {limits.part_bytes >> 20} MB")
    root = parse_xml(data, "")
    if etree.QName(root).localname == "package" and root.tag.startswith(_PKG):
        main = None
        for part in root.iter(_PKG + "part"):
            if (part.get(_PKG + "name") or "").lower() == "/word/document.xml":
                xml = part.find(_PKG + "xmlData")
                main = xml[0] if xml is not None and len(xml) else None
                break
        if main is None:
            raise LimitError("PE-W001", "Word XML 包中没有文档正文（/word/document.xml）")
        root = main
    ns = etree.QName(root).namespace
    if ns not in _W_NAMESPACES + (WORD2003,):
        raise LimitError("PE-W001", "文档正文的格式无法识别")
    body = root.find(f"{{{ns}}}body")
    return [] if body is None else _Reader(ns, limits).sheets(body)


class _Reader:
    def __init__(self, ns: str, limits: Limits, chunks: dict[str, bytes] | None = None):
        w = "{%s}" % ns
        self.limits = limits
        self.chunks = chunks or {}
        self.pages = 0            # embedded web pages met so far
        self.count = 0            # cells put so far, over the document's sheets
        self.tag = {k: w + k for k in ("p", "r", "t", "tab", "br", "cr", "tbl", "tr", "tc", "tcPr", "trPr",
                                       "gridSpan", "vMerge", "hMerge", "gridBefore", "gridAfter", "tblGrid", "gridCol",
                                       "sdt", "sdtContent", "customXml", "del", "moveFrom", "rPr", "vanish",
                                       "fldChar", "fldCharType", "noBreakHyphen", "txbxContent", "val", "pPr", "sym",
                                       "font", "char", "altChunk", "ffData", "checkBox", "default", "checked")}
        if ns == WORD2003:                     # Word 2003 XML spells the merges in lower case
            self.tag["vMerge"], self.tag["hMerge"] = w + "vmerge", w + "hmerge"

    # ------------------------------------------------------------ blocks

    def _blocks(self, el: etree._Element) -> Iterator[etree._Element]:
        """The body's paragraphs and tables in document order, through content controls and custom XML."""
        t = self.tag
        for child in el:
            tag = child.tag
            if tag in (t["p"], t["tbl"], t["altChunk"]):
                yield child
            elif tag in (t["sdt"], t["customXml"]):
                content = child.find(t["sdtContent"]) if tag == t["sdt"] else child
                if content is not None:
                    yield from self._blocks(content)
            elif tag == _MC + "AlternateContent":
                choice = child.find(_MC + "Choice")
                if choice is not None:
                    yield from self._blocks(choice)
            elif isinstance(tag, str) and tag.startswith(_WX):
                yield from self._blocks(child)     # Word 2003 XML's sections (wx:sect, wx:sub-section)

    def sheets(self, body: etree._Element) -> list[WordSheet]:
        out: list[WordSheet] = []
        above: list[str] = []          # the text paragraphs since the last table
        current: tuple[SheetBuilder, WordSheet] | None = None
        n = 0
        for block in self._blocks(body):
            if block.tag == self.tag["p"]:
                text = self._paragraph_text(block)
                if text.strip():
                    above.append(text)
                continue
            if block.tag == self.tag["altChunk"]:
                out += self._chunk(block)
                current, above = None, []
                continue
            n += 1
            goes_on = current is not None and not self._opens_form(block) and (
                not above or _form_head_only(current[0].grid))
            if goes_on:
                # the same form going on: after a blank line or a page break, or after a heading when the sheet holds
                # a form's head and no indicator table yet (its 项目名称 and budget in one table, "二、绩效指标" and
                # the indicators in the next); the heading lines stand between them as rows
                builder, sheet = current
                sheet.tables += 1
                self._title_rows(builder, above)
            else:
                builder = SheetBuilder(f"表格{n}", self.limits, self.count)
                self._title_rows(builder, above)
                sheet = WordSheet(builder.grid, n, builder.row, 1)
                current = (builder, sheet)
                out.append(sheet)
            sheet.ragged += self._place_table(builder, block)
            self.count = builder.count
            above = []
        return out

    @staticmethod
    def _title_rows(builder: SheetBuilder, above: list[str]) -> None:
        """The short paragraphs right above a table (at most TITLE_PARAGRAPHS), each a row of its own."""
        title: list[str] = []
        for text in reversed(above):
            if len(text.strip()) > TITLE_CHARS or len(title) == TITLE_PARAGRAPHS:
                break
            title.insert(0, text)
        for text in title:
            text_row(builder, " ".join(text.split()))

    def _chunk(self, el: etree._Element) -> list[WordSheet]:
        """An embedded web page (HTML or MHT), read as Excel opens one: its tables and text on one sheet."""
        data = self.chunks.get(el.get(_R + "id") or "")
        kind = sniff(data) if data else None
        if kind not in ("html", "mht"):
            return []                              # an embedded RTF or Word part: not read
        self.pages += 1
        try:
            grids = text_grids(data, kind, f"嵌入网页{self.pages}", self.limits)
        except LimitError as exc:
            if exc.code != "PE-W001":
                raise
            return []                              # a page without a table, or one that cannot be parsed
        return [WordSheet(g, 0, 0, 0, chunk=True) for g in grids if g.cells]

    # ------------------------------------------------------------ tables

    def _opens_form(self, tbl: etree._Element) -> bool:
        """Does the table begin a form of its own (its title or 项目名称 in its first rows)? Then it starts a sheet even
        right after another table: a document of several projects' forms, one a page, titles inside the tables."""
        for i, tr in enumerate(self._rows(tbl)):
            if i == 3:
                break
            for tc in self._cells(tr):
                if _OPENS_FORM.search(self._cell_text(tc)):
                    return True
        return False

    def _children(self, el: etree._Element, kind: str) -> Iterator[etree._Element]:
        """A table's rows (``kind`` "tr") or a row's cells ("tc"), through the content controls and custom XML
        that may wrap them."""
        t = self.tag
        for child in el:
            if child.tag == t[kind]:
                yield child
            elif child.tag in (t["sdt"], t["customXml"]):
                content = child.find(t["sdtContent"]) if child.tag == t["sdt"] else child
                if content is not None:
                    yield from self._children(content, kind)

    def _rows(self, tbl: etree._Element) -> Iterator[etree._Element]:
        return self._children(tbl, "tr")

    def _cells(self, tr: etree._Element) -> Iterator[etree._Element]:
        return self._children(tr, "tc")

    def _ticked(self, box: etree._Element) -> bool:
        """A legacy check-box form field's state: w:checked, else its w:default."""
        t = self.tag
        state = box.find(t["checked"])
        if state is None:
            state = box.find(t["default"])
            return state is not None and (state.get(t["val"]) or "0") not in ("0", "false", "off")
        return (state.get(t["val"]) or "1") not in ("0", "false", "off")

    def _int_prop(self, props: etree._Element | None, name: str) -> int:
        if props is None:
            return 0
        el = props.find(self.tag[name])
        if el is None:
            return 0
        m = re.match(r"\s*(\d+)", el.get(self.tag["val"]) or "")
        return min(int(m.group(1)), 1000) if m else 0

    def _place_table(self, sheet: SheetBuilder, tbl: etree._Element) -> list[int]:
        """The table's cells on the sheet's next rows; the rows left ragged (:attr:`WordSheet.ragged`)."""
        t = self.tag
        open_v: dict[int, list[int]] = {}     # grid column → [first row, last row, last column] of a vertical merge
        merges: list[list[int]] = []
        grid = tbl.find(t["tblGrid"])
        width = len(grid.findall(t["gridCol"])) if grid is not None else 0
        ragged: list[int] = []
        r = sheet.row
        for tr in self._rows(tbl):
            r += 1
            props = tr.find(t["trPr"])
            c = 1 + self._int_prop(props, "gridBefore")
            after = self._int_prop(props, "gridAfter")
            last_h: list[int] | None = None      # the cell an hMerge="continue" joins
            seen: set[int] = set()
            for tc in self._cells(tr):
                props = tc.find(t["tcPr"])
                span = max(self._int_prop(props, "gridSpan"), 1)
                vmerge = props.find(t["vMerge"]) if props is not None else None
                hmerge = props.find(t["hMerge"]) if props is not None else None
                if hmerge is not None and (hmerge.get(t["val"]) or "continue") == "continue" and last_h is not None:
                    last_h[3] = c + span - 1      # the older horizontal merge: this cell joins the one before it
                    c += span
                    continue
                if vmerge is not None and (vmerge.get(t["val"]) or "continue") == "continue" and c in open_v:
                    m = open_v[c]
                    m[2] = r                      # the cell above goes on down through this row
                    seen.add(c)
                    last_h = None
                    c += span
                    continue
                value, fmt = excel_value(self._cell_text(tc))
                sheet.put(r, c, value, fmt)
                m = [r, c, r, c + span - 1]
                merges.append(m)
                if vmerge is not None:            # restart: a vertical merge begins here
                    open_v[c] = m
                    seen.add(c)
                last_h = m
                c += span
            for col in [k for k in open_v if k not in seen]:
                del open_v[col]                   # a column that no longer continues its merge
            if width and c - 1 + after < width:
                ragged.append(r)
        for r1, c1, r2, c2 in merges:
            if r2 > r1 or c2 > c1:
                sheet.merge(r1, c1, r2, c2)
        sheet.row = r
        return ragged

    # ------------------------------------------------------------ text

    def _cell_text(self, tc: etree._Element) -> str:
        """A cell's paragraphs as lines (a table nested in the cell: its rows as lines, its cells split by a space)."""
        t = self.tag
        lines: list[str] = []
        for block in self._blocks(tc):
            if block.tag == t["p"]:
                lines.append(self._paragraph_text(block))
            else:
                for tr in self._rows(block):
                    lines.append(" ".join(x for x in (self._cell_text(tc2).replace("\n", " ")
                                                      for tc2 in self._cells(tr)) if x))
        return "\n".join(line.strip() for line in lines).strip()

    def _paragraph_text(self, p: etree._Element) -> str:
        """The text Word shows for a paragraph: runs' text, tabs and breaks; not deleted text, field codes, hidden
        runs, or text boxes anchored in it (they stand elsewhere on the page)."""
        t = self.tag
        parts: list[str] = []
        in_code = [False]          # between a complex field's begin and separate: its code, not its result

        def walk(el: etree._Element) -> None:
            for child in el:
                tag = child.tag
                if not isinstance(tag, str):
                    continue
                if tag == t["r"]:
                    run(child)
                elif tag in (t["del"], t["moveFrom"], t["pPr"], t["txbxContent"]) or tag == _MC + "Fallback":
                    continue
                else:
                    walk(child)            # hyperlinks, insertions, smart tags, simple fields, content controls

        def run(r: etree._Element) -> None:
            rpr = r.find(t["rPr"])
            hidden = rpr is not None and _on(rpr.find(t["vanish"]), t["val"])
            for child in r:
                tag = child.tag
                if tag == t["fldChar"]:
                    kind = child.get(t["fldCharType"])
                    if kind == "begin":
                        in_code[0] = True
                        box = child.find(f"{t['ffData']}/{t['checkBox']}")
                        if box is not None and not hidden:      # a form field's check box: Word draws it ticked or not
                            parts.append("☑" if self._ticked(box) else "□")
                    elif kind in ("separate", "end"):
                        in_code[0] = False
                elif hidden or in_code[0]:
                    continue
                elif tag == t["t"]:
                    parts.append(child.text or "")
                elif tag == t["tab"]:
                    parts.append("\t")
                elif tag in (t["br"], t["cr"]):
                    parts.append("\n")
                elif tag == t["noBreakHyphen"]:
                    parts.append("-")
                elif tag == t["sym"]:                           # a symbol font's glyph: the boxes and ticks forms use
                    parts.append(_symbol(child.get(t["font"]), child.get(t["char"])))
                elif tag == _MC + "AlternateContent":
                    choice = child.find(_MC + "Choice")
                    if choice is not None:
                        for r2 in choice.iter(t["r"]):
                            if r2 is not r:
                                run(r2)

        walk(p)
        return "".join(parts)


#: the glyphs of Word's symbol fonts that forms tick grades with (w:sym w:font w:char): Wingdings þ ý ü ¨ and
#: Wingdings 2 R S P £
_SYMBOLS = {("wingdings", 0xFE): "☑", ("wingdings", 0xFD): "☒", ("wingdings", 0xFC): "√", ("wingdings", 0xA8): "□",
            ("wingdings 2", 0x52): "☑", ("wingdings 2", 0x53): "☒", ("wingdings 2", 0x50): "√",
            ("wingdings 2", 0xA3): "□"}


def _symbol(font: str | None, char: str | None) -> str:
    try:
        code = int(char or "", 16) & 0xFF            # "F0FE" (the private-use form Word writes) or "FE"
    except ValueError:
        return ""
    return _SYMBOLS.get(((font or "").strip().lower(), code), "")


_INDICATOR_NAME = re.compile(r"三级指标|指标名称|绩效指标")
_INDICATOR_SCORE = re.compile(r"得分|分值|权重")


def _form_head_only(grid: Grid) -> bool:
    """Does the sheet hold a form's head (its 项目名称 or title) and no indicator table yet? Then the next table, after
    a heading, is that form going on; any other sheet's next table after text is a table of its own."""
    return (any(isinstance(v, str) and _OPENS_FORM.search(v) for v in grid.cells.values())
            and not _has_indicator_table(grid))


def _has_indicator_table(grid: Grid) -> bool:
    """Does the sheet hold an indicator table's header (a row naming the indicators and their scores)?"""
    rows: dict[int, int] = {}
    for (r, _c), v in grid.cells.items():
        if isinstance(v, str) and len(v) <= 12:
            bit = (1 if _INDICATOR_NAME.search(v) else 0) | (2 if _INDICATOR_SCORE.search(v) else 0)
            if bit:
                rows[r] = rows.get(r, 0) | bit
    return any(bits == 3 for bits in rows.values())


def _on(el: etree._Element | None, val: str) -> bool:
    """A Word on/off property: present and not switched off (``w:val="0"``, "false", "off")."""
    return el is not None and (el.get(val) or "true").lower() not in ("0", "false", "off")


def sheet_note(sheet: WordSheet) -> str:
    """How a reviewer finds a sheet's cells in the document."""
    if sheet.chunk:
        return (f"“{sheet.grid.sheet}”是文档中嵌入的网页（Word 的 altChunk，网上系统导出 Word 的一种方式）："
                "单元格按 Excel 打开该网页后的行列标注")
    what = f"文档中的第 {sheet.first_table} 个表格" + (f"（续 {sheet.tables - 1} 个表格）" if sheet.tables > 1 else "")
    where = (f"第 1–{sheet.title_rows} 行为表格上方的标题，表格从第 {sheet.title_rows + 1} 行起" if sheet.title_rows > 1
             else "第 1 行为表格上方的标题，表格从第 2 行起" if sheet.title_rows == 1 else "表格从第 1 行起")
    return f"“{sheet.grid.sheet}”是{what}：单元格按粘贴到 Excel A1 后的行列标注（{where}）"



def certain(sheets: list[WordSheet]) -> tuple[list[WordSheet], list[str]]:
    """The sheets whose cells all stand where the document puts them, and a note on each of the others (left
    unreviewed: a finding on a cell read from the wrong column would be a false alarm)."""
    kept, notes = [], []
    for s in sheets:
        if not s.ragged:
            kept.append(s)
            continue
        rows = s.ragged
        where = f"第 {rows[0]} 行" if len(rows) == 1 else f"第 {rows[0]}–{rows[-1]} 行中的 {len(rows)} 行"
        notes.append(f"“{s.grid.sheet}”{where}的单元格少于表格的列数，又未注明空缺在哪一侧（常见于其他程序另存时丢失了纵向合并的"
                     "单元格）：各单元格属于哪一列无法确定，此表格未复核；请在 Word 中打开核对后另存为 .docx")
    return kept, notes
