"""Sheets that arrive named .xls but are text: an HTML table, a single-file web page (.mht), Excel 2003 XML
(SpreadsheetML), tab- or comma-separated values (also Excel's "Unicode 文本", UTF-16). Finance systems export forms this
way and Excel opens each of them (after a warning that the format and the extension differ), so a reviewer receives
them among the real workbooks.

``sniff(data)`` says which of these a file's bytes are (None: none of them); ``text_grids(data, kind, sheet,
limits)`` reads it into :class:`~.grid.Grid` s as Excel shows it: an HTML table's ``rowspan`` / ``colspan`` as merged
ranges, each table and each paragraph of text on the rows after the previous one, from A1; numbers written as text
(``1,234.5``, ``86%``) as numbers, as Excel's General format reads them; SpreadsheetML's ``ss:Index``,
``ss:MergeAcross`` and ``ss:MergeDown``. These files cannot be written back as they were: callers review them without
an output copy. Every failure is a :class:`~..limits.LimitError` with a PE-W code and a Chinese message.
"""
from __future__ import annotations

import codecs
import re
from typing import Any, Iterator

from lxml import etree

from ..limits import DEFAULT, MAX_COLS, MAX_ROWS, LimitError, Limits, parse_xml
from .grid import Grid

SPREADSHEET_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_SS = "{%s}" % SPREADSHEET_NS

#: HTML's own caps (WHATWG: colspan ≤ 1000, rowspan ≤ 65534); a larger figure is read as the cap
MAX_COLSPAN, MAX_ROWSPAN = 1000, 65534

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|style|title)\b",
                         re.I | re.S)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_CHARSET = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


_MIME = re.compile(rb"^\s*(?:[\w-]+:[^\r\n]*\r?\n)*?(?:MIME-Version:|Content-Type:\s*multipart/related)", re.I)


def sniff(data: bytes) -> str | None:
    """"html", "mht" (a single-file web page: Excel's "单个文件网页", MIME parts holding HTML), "xml2003",
    "delimited" or None, from the file's first bytes."""
    head = _without_bom(_utf8(data[:8192]))
    if _MIME.match(head[:2048]) and re.search(rb"multipart/related", head, re.I):
        return "mht"
    if head[1:2] == b"\x00" or head[:1] == b"\x00":
        return None     # UTF-16 without its byte-order mark: no program here writes it
    if head.lstrip().startswith(b"<?xml"):
        if SPREADSHEET_NS.encode() in head or b'progid="Excel.Sheet"' in head:
            return "xml2003"
        return "html" if re.search(rb"<html\b", head, re.I) else None     # XHTML
    if _HTML_START.match(head) or re.search(rb"<table\b", head[:2048], re.I):
        return "html"
    if b"\x00" in head or not head.strip():
        return None
    text = _decode(head, None)
    if sum(ch.isprintable() or ch in "\t\r\n" for ch in text) < 0.98 * len(text):
        return None
    return "delimited" if ("\t" in text or "," in text or "，" in text) else None


def _utf8(data: bytes) -> bytes:
    """UTF-16 text with its byte-order mark (Excel's "Unicode 文本 (*.txt)") as UTF-8 with one; other bytes as
    they are."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if len(data) % 2:
            data = data[:-1]
        return codecs.BOM_UTF8 + data.decode("utf-16", "replace").encode("utf-8")
    return data


def _without_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(codecs.BOM_UTF8) else data


def _decode(data: bytes, declared: str | None) -> str:
    """The text of the file: a UTF-8 byte-order mark, else the declared charset, else UTF-8, else GB18030 (a superset
    of GBK and GB2312, what Chinese systems write when they do not say)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    tried = []
    if declared:
        name = declared.lower()
        name = "gb18030" if name in ("gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80") else name
        tried.append(name)
    tried += ["utf-8", "gb18030"]
    for enc in tried:
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace")


# ---------------------------------------------------------------- values

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+")


def excel_value(text: str) -> tuple[Any, str | None]:
    """What Excel's General format makes of a cell typed as text: (value, number format or None). ``1,234.5`` →
    1234.5; ``86%`` → 0.86 shown as a percent; anything else stays text (stripped of the layout's spaces)."""
    t = text.strip()
    if not t:
        return None, None
    s = t.replace("\u00a0", "")
    if s.endswith("%") and _NUMBER.fullmatch(s[:-1].strip()):
        num = float(s[:-1].strip().replace(",", "")) / 100
        decimals = len(s[:-1].split(".")[1]) if "." in s[:-1] else 0
        return num, "0%" if not decimals else "0." + "0" * decimals + "%"
    if _NUMBER.fullmatch(s):
        num = float(s.replace(",", ""))
        return (int(num) if num.is_integer() and abs(num) < 1e15 and "." not in s else num), None
    return t, None


# ---------------------------------------------------------------- HTML

def _cell_text(el: etree._Element) -> str:
    """The cell's text as Excel shows it: the markup's line breaks and spaces collapsed, ``<br>`` a line break."""
    parts: list[str] = []

    def walk(e: etree._Element) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif tag in ("script", "style"):
            pass
        else:
            if e.text:
                parts.append(re.sub(r"[ \t\r\n\f]+", " ", e.text))
            for child in e:
                walk(child)
                if isinstance(child.tag, str) and child.tag in ("p", "div", "tr") and parts and parts[-1] != "\n":
                    parts.append("\n")
        if e is not el and e.tail:
            parts.append(re.sub(r"[ \t\r\n\f]+", " ", e.tail))

    walk(el)
    return "\n".join(line.strip() for line in "".join(parts).split("\n")).strip()


class SheetBuilder:
    """Rows of cells placed as Excel places them, with the limits checked as the cells come."""

    def __init__(self, name: str, limits: Limits, count: int = 0):
        self.grid = Grid(sheet=name)
        self.limits = limits
        self.row = 0            # the last row used
        self.count = count      # cells put so far, this sheet's and those of the file's sheets before it
        self.text_classes: frozenset[str] = frozenset()

    def put(self, r: int, c: int, value: Any, fmt: str | None = None) -> None:
        if value is None or value == "":
            return
        if r > MAX_ROWS or c > MAX_COLS:
            return      # past Excel's grid: Excel drops it too
        self.count += 1
        if self.count > self.limits.cells:
            raise LimitError("PE-W009", f"单元格超过 {self.limits.cells:,} 个的上限")
        self.grid.cells[(r, c)] = value
        if fmt:
            self.grid.number_formats[(r, c)] = fmt

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        r2, c2 = min(r2, MAX_ROWS), min(c2, MAX_COLS)
        if (r2, c2) != (r1, c1) and r1 <= MAX_ROWS and c1 <= MAX_COLS:
            self.grid.merged.append((r1, c1, r2, c2))


def _span(el: etree._Element, attr: str, cap: int) -> int:
    m = re.match(r"\s*(\d+)", el.get(attr) or "")
    return min(max(int(m.group(1)), 1), cap) if m else 1


#: a text number format ("@") in a style: Excel's mso-number-format, and vnd.ms-excel.numberformat, the one the
#: exporters of Java and PHP systems write to keep "001" a text in Excel
_TEXT_FORMAT = re.compile(r"""(?:mso-number-format|vnd\.ms-excel\.numberformat)\s*:\s*["']?\\?@""", re.I)
_TEXT_CLASS = re.compile(r"""\.([\w-]+)\s*\{[^}]*?(?:mso-number-format|vnd\.ms-excel\.numberformat)\s*:\s*["']?\\?@""",
                         re.I)


def _text_classes(doc: etree._Element) -> frozenset[str]:
    """The CSS classes of the page's <style> that give a cell the text format (Excel's own HTML: ``.xl65``)."""
    return frozenset(m for style in doc.iter("style") for m in _TEXT_CLASS.findall(style.text or ""))


def _html_cell_value(td: etree._Element, text_classes: frozenset[str] = frozenset()) -> tuple[Any, str | None]:
    """Excel's own HTML marks a cell's type: ``x:str`` text, ``x:num="0.862"`` the number behind what is shown; a
    text format (``@``) in the cell's style or class keeps a number-like text a text."""
    text = _cell_text(td)
    for key, v in td.attrib.items():
        local = key.rsplit(":", 1)[-1].rsplit("}", 1)[-1]
        if local == "str" and key != "str":
            return (text or v or None), None
        if local == "num" and key != "num":
            raw = (v or "").strip()
            if raw:
                value, _fmt = excel_value(raw)
                if not isinstance(value, str):
                    shown_value, shown_fmt = excel_value(text)
                    return value, shown_fmt if isinstance(shown_value, float) and shown_fmt else None
    if _TEXT_FORMAT.search(td.get("style") or "") or (
            text_classes and not text_classes.isdisjoint((td.get("class") or "").split())):
        return (text or None), None
    return excel_value(text)


def _html_rows(table: etree._Element) -> Iterator[etree._Element]:
    for child in table:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child if isinstance(tr.tag, str) and tr.tag == "tr")


def _place_table(sheet: SheetBuilder, table: etree._Element) -> None:
    caption = table.find("caption")
    if caption is not None:     # a table's title written as its caption: a row of its own above it
        text_row(sheet, _cell_text(caption))
    start = sheet.row + 1
    taken: dict[int, int] = {}      # column → the last row a rowspan above holds it through
    r = start - 1
    for tr in _html_rows(table):
        r += 1
        c = 1
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while taken.get(c, 0) >= r:
                c += 1
            cs, rs = _span(td, "colspan", MAX_COLSPAN), _span(td, "rowspan", MAX_ROWSPAN)
            value, fmt = _html_cell_value(td, sheet.text_classes)
            sheet.put(r, c, value, fmt)
            # Excel's own HTML spans a cell over the empty cells its text overflows into, and marks that span
            # mso-ignore:colspan: columns taken, no merged range (Excel reopens it unmerged)
            ignore = (td.get("style") or "").replace(" ", "").lower()
            mc = 1 if "mso-ignore:colspan" in ignore else cs
            mr = 1 if "mso-ignore:rowspan" in ignore else rs
            if mc > 1 or mr > 1:
                sheet.merge(r, c, r + mr - 1, c + mc - 1)
            if rs > 1:
                for k in range(c, c + cs):
                    taken[k] = max(taken.get(k, 0), r + rs - 1)
            c += cs
    last_span = max(taken.values(), default=r)
    sheet.row = max(r, last_span)


def _place_blocks(sheet: SheetBuilder, el: etree._Element) -> None:
    """The body in document order: a table where it stands, a paragraph of text outside tables on a row of its own."""
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "table":
            _place_table(sheet, child)
        elif tag in ("script", "style", "head", "title", "meta", "link"):
            continue
        elif tag and child.find(".//table") is not None:
            if child.text and child.text.strip():
                text_row(sheet, child.text)
            _place_blocks(sheet, child)
        elif tag:
            text_row(sheet, _cell_text(child))
        if child.tail and child.tail.strip():
            text_row(sheet, child.tail)


def text_row(sheet: SheetBuilder, text: str) -> None:
    """A line of text outside a table, on a row of its own in the first column (nothing for blank text)."""
    text = " ".join(text.split()) if "\n" not in text.strip() else text.strip()
    if text:
        sheet.row += 1
        value, fmt = excel_value(text)
        sheet.put(sheet.row, 1, value, fmt)


#: the sheet names Excel writes into its own HTML (in a conditional comment: <x:ExcelWorksheet><x:Name>)
_EXCEL_SHEET_NAME = re.compile(r"<x:Name>([^<]{1,31})</x:Name>")


def html_grid(data: bytes, sheet: str, limits: Limits = DEFAULT) -> Grid:
    """The page's tables and text as one sheet, named as Excel names it: by the name Excel's own HTML records for
    its one sheet, else ``sheet`` (the file's name)."""
    m = _CHARSET.search(data[:4096])
    m = m or _XML_CHARSET.search(data[:512])
    text = _decode(data, m.group(1).decode("ascii", "replace") if m else None)
    names = _EXCEL_SHEET_NAME.findall(text[:65536])
    return _html_text_grid(text, names[0] if len(names) == 1 else sheet, limits)


def _html_text_grid(text: str, sheet: str, limits: Limits, count: int = 0) -> Grid:
    from lxml import html       # imported when a web page is met: the batch's workers need it rarely (1.8 MB)

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text) or " "     # lxml refuses a str that declares its encoding
    try:
        doc = html.document_fromstring(text, parser=html.HTMLParser(no_network=True, huge_tree=False,
                                                                             remove_comments=True))
    except (etree.ParserError, ValueError) as exc:
        raise LimitError("PE-W001", f"网页表格无法解析（{exc}）") from None
    out = SheetBuilder(sheet, limits, count)
    out.text_classes = _text_classes(doc)
    body = doc.find("body")
    _place_blocks(out, body if body is not None else doc)
    return out.grid


def mht_grids(data: bytes, sheet: str, limits: Limits = DEFAULT) -> list[Grid]:
    """A single-file web page (MIME): each HTML part holding a table is a sheet, in order, named by the sheet names
    Excel lists in the page (else ``sheet``, then ``sheet (2)`` …)."""
    import email
    import email.policy

    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    pages: list[str] = []
    for part in msg.walk():
        if part.get_content_type() != "text/html":
            continue
        raw = part.get_payload(decode=True) or b""
        declared = part.get_content_charset()
        if not declared:
            m = _CHARSET.search(raw[:4096])
            declared = m.group(1).decode("ascii", "replace") if m else None
        pages.append(_decode(raw, declared))
    names = [n for page in pages for n in _EXCEL_SHEET_NAME.findall(page[:65536])]
    tables = [page for page in pages if re.search(r"<table\b", page, re.I)]
    if not tables:
        raise LimitError("PE-W001", "单个文件网页中没有表格")
    grids: list[Grid] = []
    count = 0
    for k, page in enumerate(tables):
        name = names[k] if len(names) == len(tables) else (sheet if k == 0 else f"{sheet} ({k + 1})")
        grid = _html_text_grid(page, name, limits, count)
        count += len(grid.cells)
        grids.append(grid)
    return grids


# ---------------------------------------------------------------- Excel 2003 XML

def _ss(el: etree._Element, name: str) -> str | None:
    return el.get(_SS + name)


def xml2003_grids(data: bytes, limits: Limits = DEFAULT) -> list[Grid]:
    root = parse_xml(data, "SpreadsheetML")
    if etree.QName(root).namespace != SPREADSHEET_NS or etree.QName(root).localname != "Workbook":
        raise LimitError("PE-W001", "不是 Excel 2003 XML 表格（根元素不是 Workbook）")
    grids = []
    count = 0
    for n, ws in enumerate(root.iter(_SS + "Worksheet"), 1):
        sheet = SheetBuilder(_ss(ws, "Name") or f"Sheet{n}", limits, count)
        table = ws.find(_SS + "Table")
        r = 0
        for row in (table.iter(_SS + "Row") if table is not None else ()):
            r = _index(row, r + 1)
            c = 0
            for cell in row.iter(_SS + "Cell"):
                c = _index(cell, c + 1)
                across, down = _int(_ss(cell, "MergeAcross")), _int(_ss(cell, "MergeDown"))
                data_el = cell.find(_SS + "Data")
                if data_el is not None:
                    kind = _ss(data_el, "Type") or "String"
                    text = "".join(data_el.itertext())
                    if kind == "Number":
                        value, fmt = excel_value(text)
                    elif kind == "Boolean":
                        value, fmt = text.strip() in ("1", "true", "TRUE"), None
                    elif kind == "DateTime":     # "2014-06-06T00:00:00.000": a date, as a .xlsx's reads
                        value, fmt = _datetime(text), None
                    else:
                        value, fmt = (text if text.strip() else None), None
                    sheet.put(r, c, value, fmt)
                if across or down:
                    sheet.merge(r, c, r + down, c + across)
                c += across
        count = sheet.count
        grids.append(sheet.grid)
    return grids


def _datetime(text: str) -> Any:
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text.strip() or None


def _int(v: str | None) -> int:
    try:
        return max(int(v or 0), 0)
    except ValueError:
        return 0


def _index(el: etree._Element, default: int) -> int:
    v = _int(_ss(el, "Index"))
    return v if v > 0 else default


# ---------------------------------------------------------------- delimited text

def delimited_grid(data: bytes, sheet: str, limits: Limits = DEFAULT) -> Grid:
    text = _decode(data, None)
    first = text[:4096]
    delimiter = "\t" if "\t" in first else ","
    out = SheetBuilder(sheet, limits)
    import csv
    import io

    for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
        for c, raw in enumerate(row, 1):
            value, fmt = excel_value(raw)
            out.put(r, c, value, fmt)
    return out.grid


def text_grids(data: bytes, kind: str, sheet: str, limits: Limits = DEFAULT) -> list[Grid]:
    """The sheets of a file :func:`sniff` named; ``sheet`` names the one sheet of an HTML or delimited file (Excel
    names it after the file)."""
    data = _utf8(data)
    if kind == "html":
        return [html_grid(data, sheet, limits)]
    if kind == "mht":
        return mht_grids(data, sheet, limits)
    if kind == "xml2003":
        return xml2003_grids(data, limits)
    if kind == "delimited":
        return [delimited_grid(data, sheet, limits)]
    raise ValueError(kind)


#: what each kind is called in a note to the reviewer
KIND_NAMES = {"html": "网页（HTML）表格", "mht": "单个文件网页（MHT）表格", "xml2003": "Excel 2003 XML 表格", "delimited": "以制表符或逗号分隔的文本"}


def excel_sheet_name(stem: str) -> str:
    """The name Excel gives the one sheet of an HTML or text file: the file's name without its extension, cut to 31
    characters, without the characters a sheet name cannot hold."""
    name = re.sub(r"[\[\]:*?/\\]", "_", stem)[:31]
    return name or "Sheet1"
