"""Edit an .xlsx/.xlsm package part by part, keeping every part it does not touch byte for byte.

openpyxl's load/save round trip drops images, sparklines and x14 extensions and wipes cached values,
so it cannot write a user's workbook back. :class:`XlsxPackage` reads the zip, parses only the parts
it must change (sheet XML for cached values, notes and fills; styles; workbook for calcPr and new
sheets), and writes the package again in the original entry order with the original zip metadata —
atomically (temporary file + ``os.replace``) and deterministically (same input → same bytes).

:class:`XlsxBook` implements :mod:`perfeval_xl.sheetaccess` on a package, so ribbon actions and
annotations run on files exactly as they run in Excel.

calcPr: Excel recalculates every formula on open when ``fullCalcOnLoad="1"`` or when the file's
``calcId`` is older than its own engine; without the add-in loaded, PE_* cells would then turn into
#NAME? and the cached values written here would be lost. ``set_calc_keep_values`` therefore removes
``fullCalcOnLoad`` and sets ``calcId`` to the current Excel engine id (191029), so Excel shows the
values computed here until something the user edits triggers a recalculation.
"""
from __future__ import annotations

import copy
import io
import os
import posixpath
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterable, Sequence

from lxml import etree

from .workbook.grid import address, parse_address

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
N = f"{{{NS}}}"
EXCEL_CALC_ID = "191029"
ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!", "#GETTING_DATA")
REL_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
REL_SHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

_V_TAG = f"{N}v"
_T_TAG = f"{N}t"
_VALUE_CELLS = etree.XPath("//x:sheetData/x:row/x:c[x:v or x:is]", namespaces={"x": NS})
_FORMULA_CELLS = etree.XPath("//x:sheetData/x:row/x:c[x:f]", namespaces={"x": NS})
_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False, huge_tree=True)


class PackageError(ValueError):
    """Not an Office Open XML spreadsheet package."""


_ADDR = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")
_COLS: dict[str, int] = {}


def _col_row(ref: str) -> tuple[int, int]:
    """"C12" → (12, 3), fast (cached column letters)."""
    m = _ADDR.fullmatch(ref)
    if m is None:
        return parse_address(ref)
    letters = m.group(1)
    col = _COLS.get(letters)
    if col is None:
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        _COLS[letters] = col
    return int(m.group(2)), col


def insert_before(parent: etree._Element, child: etree._Element, later_tags: Sequence[str]) -> None:
    """Insert ``child`` before the first existing element among ``later_tags`` (the schema's order), else last."""
    for tag in later_tags:
        anchor = parent.find(f"{N}{tag}")
        if anchor is not None:
            anchor.addprevious(child)
            return
    parent.append(child)


class XlsxPackage:
    """An .xlsx/.xlsm held as its zip parts; parsed parts are written back only when changed."""

    def __init__(self, source: str | Path | bytes):
        data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise PackageError(f"不是有效的 xlsx 压缩包：{exc}") from None
        self.infos = zf.infolist()
        self.parts: dict[str, bytes] = {i.filename: zf.read(i.filename) for i in self.infos}
        if "xl/workbook.xml" not in self.parts:
            raise PackageError("缺少 xl/workbook.xml")
        self._trees: dict[str, etree._Element] = {}
        self._dirty: set[str] = set()             # parts edited structurally: serialised from the tree
        self._values: dict[str, dict[str, tuple[str | None, str]]] = {}   # part -> ref -> (t, text) cached values
        self._added: list[str] = []
        self._removed: set[str] = set()
        self._shared: list[str] | None = None
        self._indexes: dict[str, dict[str, etree._Element]] = {}

    # ------------------------------------------------------------------ parts
    def tree(self, name: str) -> etree._Element:
        if name not in self._trees:
            self._trees[name] = etree.fromstring(self.parts[name], _PARSER)
        return self._trees[name]

    def touch(self, name: str) -> None:
        self._dirty.add(name)

    def add_part(self, name: str, root: etree._Element | bytes, content_type: str | None = None) -> None:
        if isinstance(root, (bytes, bytearray)):
            self.parts[name] = bytes(root)
        else:
            self._trees[name] = root
            self._dirty.add(name)
            self.parts[name] = b""
        if name not in self._added and name not in {i.filename for i in self.infos}:
            self._added.append(name)
        self._removed.discard(name)
        if content_type:
            self._content_type(name, content_type)

    def remove_part(self, name: str) -> None:
        self._removed.add(name)
        self._trees.pop(name, None)
        self._dirty.discard(name)
        ct = self.tree("[Content_Types].xml")
        for o in ct.findall(f"{{{CT_NS}}}Override"):
            if o.get("PartName") == "/" + name:
                ct.remove(o)
                self.touch("[Content_Types].xml")

    def _content_type(self, name: str, ctype: str) -> None:
        ct = self.tree("[Content_Types].xml")
        if name.endswith(".vml"):
            if not any(d.get("Extension") == "vml" for d in ct.findall(f"{{{CT_NS}}}Default")):
                etree.SubElement(ct, f"{{{CT_NS}}}Default", Extension="vml", ContentType=ctype)
                self.touch("[Content_Types].xml")
            return
        for o in ct.findall(f"{{{CT_NS}}}Override"):
            if o.get("PartName") == "/" + name:
                return
        etree.SubElement(ct, f"{{{CT_NS}}}Override", PartName="/" + name, ContentType=ctype)
        self.touch("[Content_Types].xml")

    def rels_name(self, part: str) -> str:
        d, f = posixpath.split(part)
        return posixpath.join(d, "_rels", f + ".rels")

    def rels(self, part: str, create: bool = False) -> etree._Element | None:
        name = self.rels_name(part)
        if name not in self.parts and name not in self._trees:
            if not create:
                return None
            self.add_part(name, etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL}))
        return self.tree(name)

    def add_rel(self, part: str, rtype: str, target: str) -> str:
        rels = self.rels(part, create=True)
        ids = {r.get("Id") for r in rels}
        i = 1
        while f"rId{i}" in ids:
            i += 1
        etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=f"rId{i}", Type=rtype, Target=target)
        self.touch(self.rels_name(part))
        return f"rId{i}"

    def resolve(self, part: str, target: str) -> str:
        if target.startswith("/"):
            return target[1:]
        return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))

    # ------------------------------------------------------------------ workbook
    def sheets(self) -> list[tuple[str, str]]:
        """(sheet name, part name) in workbook order (worksheets only)."""
        wb = self.tree("xl/workbook.xml")
        rels = {r.get("Id"): r for r in self.rels("xl/workbook.xml")}
        out = []
        for s in wb.iter(f"{N}sheet"):
            rel = rels.get(s.get(f"{{{R_NS}}}id"))
            if rel is not None and rel.get("Type") == REL_SHEET:
                out.append((s.get("name"), self.resolve("xl/workbook.xml", rel.get("Target"))))
        return out

    def sheet_part(self, name: str) -> str:
        for n, part in self.sheets():
            if n == name:
                return part
        raise KeyError(f"工作表‘{name}’不存在")

    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            rels = self.rels("xl/workbook.xml")
            target = next((r.get("Target") for r in rels if r.get("Type", "").endswith("/sharedStrings")), None)
            name = self.resolve("xl/workbook.xml", target) if target else None
            if name and name in self.parts:
                for si in self.tree(name).iter(f"{N}si"):
                    self._shared.append("".join(t.text or "" for t in si.iter(f"{N}t")
                                                if t.getparent().tag != f"{N}rPh"))
        return self._shared

    def set_calc_keep_values(self) -> None:
        """Make Excel keep the cached values on open (see module docstring)."""
        wb = self.tree("xl/workbook.xml")
        calc = wb.find(f"{N}calcPr")
        if calc is None:
            calc = etree.Element(f"{N}calcPr")
            # calcPr goes after definedNames and before oleSize … extLst (schema order)
            insert_before(wb, calc, ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                                     "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"))
        before = dict(calc.attrib)
        calc.attrib.pop("fullCalcOnLoad", None)
        calc.attrib.pop("forceFullCalc", None)
        calc.set("calcId", EXCEL_CALC_ID)
        if dict(calc.attrib) != before:
            self.touch("xl/workbook.xml")

    # ------------------------------------------------------------------ cells
    def cell_index(self, part: str) -> dict[str, etree._Element]:
        """ref → <c> element of a sheet part (built once, shared by every reader and writer of the part)."""
        idx = self._indexes.get(part)
        if idx is None:
            idx = self._indexes[part] = {c.get("r"): c for c in self.tree(part).iter(f"{N}c")}
        return idx

    def value_cells(self, part: str) -> list[etree._Element]:
        """The <c> elements that hold a value (<v> or inline string), without walking styled blanks."""
        return _VALUE_CELLS(self.tree(part))

    def formula_cells(self, part: str) -> list[etree._Element]:
        return _FORMULA_CELLS(self.tree(part))

    def read_value(self, c: etree._Element) -> Any:
        t = c.get("t")
        if t == "inlineStr":
            return "".join(x.text or "" for x in c.iter(_T_TAG))
        v = c.find(_V_TAG)
        if v is None:
            return None
        text = v.text
        if text is None:
            return None
        if t is None or t == "n":
            try:
                f = float(text)
            except ValueError:
                return text
            return int(f) if f.is_integer() and abs(f) < 1e15 and "." not in text and "E" not in text.upper() else f
        if t == "s":
            return self.shared_strings()[int(text)]
        if t == "b":
            return text == "1"
        return text  # "str" (formula string) and "e" (error)

    def set_cached(self, part: str, c: etree._Element, value: Any) -> bool:
        """Set a formula cell's cached value; the part is then written by patching only that <v> in its bytes."""
        if not self.write_cached(c, value):
            return False
        v = c.find(f"{N}v")
        self._values.setdefault(part, {})[c.get("r")] = (c.get("t"), v.text or "")
        return True

    @staticmethod
    def write_cached(c: etree._Element, value: Any) -> bool:
        """Set a formula cell's cached value; returns True when the XML changed."""
        v = c.find(f"{N}v")
        if value is None or value == "":
            new_t, text = "str", ""
        elif isinstance(value, bool):
            new_t, text = "b", "1" if value else "0"
        elif isinstance(value, (int, float)):
            f = float(value)
            new_t, text = None, (repr(f)[:-2] if f.is_integer() and abs(f) < 1e15 else repr(f))
        elif isinstance(value, str) and value in ERRORS:
            new_t, text = "e", value
        else:
            new_t, text = "str", str(value)
        old_t = c.get("t")
        old_text = v.text if v is not None else None
        if old_t == new_t and old_text == text:
            return False
        if new_t is None:
            c.attrib.pop("t", None)
        else:
            c.set("t", new_t)
        if v is None:
            v = etree.SubElement(c, f"{N}v")
            # <v> follows <f>; <is> and <extLst> must not precede it
            f_el = c.find(f"{N}f")
            if f_el is not None:
                f_el.addnext(v)
        v.text = text
        return True


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")


def _serialize(root: etree._Element, original: bytes = b"") -> bytes:
    """The part as XML, keeping the original's XML declaration (or its absence) byte for byte."""
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    if not original:
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body
    m = _DECL.match(original)
    return (m.group(0) if m else b"") + body


_CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_R_ATTR = re.compile(rb'\sr="([A-Z]+[0-9]+)"')
_T_ATTR = re.compile(rb'\st="[^"]*"')
_V_EL = re.compile(rb"<v>[^<]*</v>|<v/>")
_F_END = re.compile(rb"(<f\b[^>]*/>|<f\b[^>]*>.*?</f>)", re.S)


def _xml_text(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def patch_values(data: bytes, values: dict[str, tuple[str | None, str]]) -> bytes:
    """Rewrite only the t attribute and <v> of the given cells in a sheet's bytes; every other byte stays."""
    def repl(m: re.Match[bytes]) -> bytes:
        attrs = m.group(1)
        r = _R_ATTR.search(attrs)
        if r is None or r.group(1).decode() not in values:
            return m.group(0)
        t, text = values[r.group(1).decode()]
        attrs = _T_ATTR.sub(b"", attrs)
        if t:
            attrs += b' t="' + t.encode() + b'"'
        inner = m.group(3) or b""
        v = b"<v>" + _xml_text(text) + b"</v>"
        if _V_EL.search(inner):
            inner = _V_EL.sub(lambda _m: v, inner, count=1)
        else:
            fm = _F_END.search(inner)
            inner = inner[: fm.end()] + v + inner[fm.end():] if fm else v + inner
        return b"<c" + attrs + b">" + inner + b"</c>"

    return _CELL.sub(repl, data)


def package_bytes(pkg: XlsxPackage) -> bytes:
    """The package as zip bytes: parts in their original order and metadata; deflate level 1 (fast; the
    parts' contents, not their compressed form, are what must stay identical)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        names = [i.filename for i in pkg.infos if i.filename not in pkg._removed] + pkg._added
        infos = {i.filename: i for i in pkg.infos}
        for name in names:
            if name in pkg._dirty:
                data = _serialize(pkg._trees[name], pkg.parts.get(name, b""))
            elif name in pkg._values:
                data = patch_values(pkg.parts[name], pkg._values[name])
            else:
                data = pkg.parts[name]
            src = infos.get(name)
            zi = zipfile.ZipInfo(name, src.date_time if src else (1980, 1, 1, 0, 0, 0))
            zi.compress_type = src.compress_type if src else zipfile.ZIP_DEFLATED
            zi.external_attr = src.external_attr if src else 0o600 << 16
            zi.create_system = src.create_system if src else 0
            z.writestr(zi, data)
    return out.getvalue()


def save_package(pkg: XlsxPackage, path: str | Path) -> None:
    atomic_write(path, package_bytes(pkg))


# ====================================================================== BookAccess on files

_SEVERAL_WS = re.compile(r"\s+")


def _sheet_xml(rows: Sequence[Sequence[Any]]) -> bytes:
    """A worksheet holding ``rows`` of constants from A1 (numbers, booleans, inline strings)."""
    out = [f'<worksheet xmlns="{NS}" xmlns:r="{R_NS}"><sheetData>']
    for i, row in enumerate(rows, 1):
        out.append(f'<row r="{i}">')
        for j, v in enumerate(row, 1):
            if v is None or v == "":
                continue
            ref = address(i, j)
            if isinstance(v, bool):
                out.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                f = float(v)
                out.append(f'<c r="{ref}"><v>{repr(f)[:-2] if f.is_integer() and abs(f) < 1e15 else repr(f)}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(v)).decode()}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def _put_constant(c: etree._Element, value: Any) -> None:
    """Write a constant into an empty <c>: number, boolean or inline string."""
    if isinstance(value, bool):
        c.set("t", "b")
        etree.SubElement(c, f"{N}v").text = "1" if value else "0"
    elif isinstance(value, (int, float)):
        f = float(value)
        etree.SubElement(c, f"{N}v").text = repr(f)[:-2] if f.is_integer() and abs(f) < 1e15 else repr(f)
    else:
        c.set("t", "inlineStr")
        t = etree.SubElement(etree.SubElement(c, f"{N}is"), f"{N}t")
        t.text = str(value)
        if t.text != t.text.strip():
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


class XlsxSheet:
    """SheetAccess on one worksheet part of a package."""

    def __init__(self, book: "XlsxBook", name: str, part: str):
        self.book = book
        self.name = name
        self.part = part
        self.pkg = book.pkg

    @property
    def _cells(self) -> dict[str, etree._Element]:
        return self.pkg.cell_index(self.part)   # built on first use, shared through the package

    # values
    def _cell(self, ref: str, create: bool = False) -> etree._Element | None:
        ref = ref.replace("$", "").upper()
        c = self._cells.get(ref)
        if c is None and create:
            c = self._create(ref)
        return c

    def _create(self, ref: str) -> etree._Element:
        root = self.pkg.tree(self.part)
        data = root.find(f"{N}sheetData")
        row_n, col_n = _col_row(ref)
        row = None
        for r in data.findall(f"{N}row"):
            rn = int(r.get("r"))
            if rn == row_n:
                row = r
                break
            if rn > row_n:
                row = etree.Element(f"{N}row", r=str(row_n))
                r.addprevious(row)
                break
        if row is None:
            row = etree.SubElement(data, f"{N}row", r=str(row_n))
        c = etree.Element(f"{N}c", r=ref)
        for other in row.findall(f"{N}c"):
            if _col_row(other.get("r"))[1] > col_n:
                other.addprevious(c)
                break
        else:
            row.append(c)
        self._cells[ref] = c
        self.pkg.touch(self.part)
        return c

    def value(self, cell: str) -> Any:
        c = self._cell(cell)
        return None if c is None else self.pkg.read_value(c)

    def formula(self, cell: str) -> str | None:
        c = self._cell(cell)
        f = None if c is None else c.find(f"{N}f")
        return None if f is None or f.text is None else f.text

    def set_value(self, cell: str, value: Any) -> None:
        c = self._cell(cell, create=value is not None)
        if c is None:
            return
        for child in list(c):
            if child.tag in (f"{N}f", f"{N}v", f"{N}is"):
                c.remove(child)
        c.attrib.pop("t", None)
        if value is not None:
            _put_constant(c, value)
        self.pkg.touch(self.part)

    def set_formula(self, cell: str, formula: str, cached: Any = None) -> None:
        c = self._cell(cell, create=True)
        for child in list(c):
            if child.tag in (f"{N}f", f"{N}v", f"{N}is"):
                c.remove(child)
        c.attrib.pop("t", None)
        f = etree.SubElement(c, f"{N}f")
        f.text = formula.lstrip("=")
        self.pkg.write_cached(c, cached)
        self.pkg.touch(self.part)

    # notes
    def note(self, cell: str) -> str | None:
        return self.book._notes(self).get(cell.replace("$", "").upper())

    def set_note(self, cell: str, text: str | None) -> None:
        self.book._set_note(self, cell.replace("$", "").upper(), text)

    # fills
    def fill(self, cell: str) -> str | None:
        c = self._cell(cell)
        if c is None:
            return None
        return self.book.styles.fill_of(int(c.get("s", "0")))

    def set_fill(self, cell: str, rgb: str | None) -> None:
        c = self._cell(cell, create=rgb is not None)
        if c is None:
            return
        s = int(c.get("s", "0"))
        new = self.book.styles.with_fill(s, rgb)
        if new != s:
            if new:
                c.set("s", str(new))
            else:
                c.attrib.pop("s", None)
            self.pkg.touch(self.part)

    # layout
    def grid(self) -> "Grid":
        """The sheet as the layout reader's Grid, in one pass over its cells."""
        from .workbook.grid import Grid

        cells: dict[tuple[int, int], Any] = {}
        formats: dict[tuple[int, int], str] = {}
        styles = self.book.styles
        read = self.pkg.read_value
        for el in self.pkg.value_cells(self.part):
            v = read(el)
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            rc = _col_row(el.get("r"))
            cells[rc] = v
            s = el.get("s")
            if s is not None and s != "0":
                fmt = styles.number_format(int(s))
                if fmt and fmt != "General":
                    formats[rc] = fmt
        return Grid(sheet=self.name, cells=cells, merged=self.merged_ranges(), number_formats=formats)

    def used_rows(self) -> list[list[Any]]:
        cells = [(_col_row(ref), c) for ref, c in self._cells.items()]
        if not cells:
            return []
        max_r = max(r for (r, _), _ in cells)
        max_c = max(c for (_, c), _ in cells)
        rows: list[list[Any]] = [[None] * max_c for _ in range(max_r)]
        for (r, col), el in cells:
            rows[r - 1][col - 1] = self.pkg.read_value(el)
        return rows

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        out = []
        for m in self.pkg.tree(self.part).iter(f"{N}mergeCell"):
            a, _, b = m.get("ref").partition(":")
            r1, c1 = _col_row(a)
            r2, c2 = _col_row(b or a)
            out.append((r1, c1, r2, c2))
        return out

    def number_formats(self) -> dict[tuple[int, int], str]:
        out = {}
        for ref, c in self._cells.items():
            fmt = self.book.styles.number_format(int(c.get("s", "0")))
            if fmt and fmt != "General":
                out[_col_row(ref)] = fmt
        return out


class Styles:
    """Just enough of styles.xml to read and set a solid cell fill, reusing existing xfs."""

    BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}

    def __init__(self, pkg: XlsxPackage):
        self.pkg = pkg
        rels = pkg.rels("xl/workbook.xml")
        target = next((r.get("Target") for r in rels if r.get("Type", "").endswith("/styles")), None)
        self.part = pkg.resolve("xl/workbook.xml", target) if target else None
        self._cache: dict[tuple[int, str | None], int] = {}
        self._formats: dict[int, str | None] = {}

    @property
    def root(self) -> etree._Element:
        return self.pkg.tree(self.part)

    def _xfs(self) -> etree._Element:
        return self.root.find(f"{N}cellXfs")

    def fill_of(self, s: int) -> str | None:
        if self.part is None:
            return None
        xfs = self._xfs().findall(f"{N}xf")
        if s >= len(xfs):
            return None
        fid = int(xfs[s].get("fillId", "0"))
        fills = self.root.find(f"{N}fills").findall(f"{N}fill")
        pf = fills[fid].find(f"{N}patternFill") if fid < len(fills) else None
        if pf is None or pf.get("patternType") != "solid":
            return None
        fg = pf.find(f"{N}fgColor")
        rgb = fg.get("rgb") if fg is not None else None
        return rgb[-6:].upper() if rgb else None

    def number_format(self, s: int) -> str | None:
        if s in self._formats:
            return self._formats[s]
        self._formats[s] = fmt = self._number_format(s)
        return fmt

    def _number_format(self, s: int) -> str | None:
        if self.part is None:
            return None
        xfs = self._xfs().findall(f"{N}xf")
        if s >= len(xfs):
            return None
        nid = int(xfs[s].get("numFmtId", "0"))
        if nid in self.BUILTIN_PERCENT:
            return self.BUILTIN_PERCENT[nid]
        nf = self.root.find(f"{N}numFmts")
        if nf is not None:
            for x in nf.findall(f"{N}numFmt"):
                if int(x.get("numFmtId")) == nid:
                    return x.get("formatCode")
        return None

    def with_fill(self, s: int, rgb: str | None) -> int:
        """The index of an xf equal to xf ``s`` but with the given solid fill (None: no fill)."""
        if self.part is None:
            raise PackageError("工作簿没有样式部件，无法设置填充色")
        key = (s, rgb)
        if key in self._cache:
            return self._cache[key]
        xfs = self._xfs()
        xf_list = xfs.findall(f"{N}xf")
        base = xf_list[s] if s < len(xf_list) else xf_list[0]
        fills = self.root.find(f"{N}fills")
        if rgb is None:
            fid = 0
        else:
            argb = "FF" + rgb.upper()[-6:]
            fid = None
            for i, f in enumerate(fills.findall(f"{N}fill")):
                pf = f.find(f"{N}patternFill")
                fg = pf.find(f"{N}fgColor") if pf is not None else None
                if pf is not None and pf.get("patternType") == "solid" and fg is not None and fg.get("rgb") == argb:
                    fid = i
                    break
            if fid is None:
                f = etree.SubElement(fills, f"{N}fill")
                pf = etree.SubElement(f, f"{N}patternFill", patternType="solid")
                etree.SubElement(pf, f"{N}fgColor", rgb=argb)
                etree.SubElement(pf, f"{N}bgColor", indexed="64")
                fid = len(fills) - 1
                fills.set("count", str(len(fills)))
        if int(base.get("fillId", "0")) == fid:
            self._cache[key] = s
            return s
        new = copy.deepcopy(base)
        new.set("fillId", str(fid))
        if fid:
            new.set("applyFill", "1")
        else:
            new.attrib.pop("applyFill", None)
        for i, xf in enumerate(xf_list):  # reuse an identical xf
            if etree.tostring(xf) == etree.tostring(new):
                self._cache[key] = i
                return i
        xfs.append(new)
        xfs.set("count", str(len(xfs)))
        self.pkg.touch(self.part)
        self._cache[key] = len(xfs) - 1
        return len(xfs) - 1


VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/>'
            '</o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


class XlsxBook:
    """BookAccess on an .xlsx file: open, edit through the sheet interface, save to a new path."""

    def __init__(self, source: str | Path | bytes | XlsxPackage):
        self.pkg = source if isinstance(source, XlsxPackage) else XlsxPackage(source)
        self.styles = Styles(self.pkg)
        self._sheets: dict[str, XlsxSheet] = {}
        self._note_cache: dict[str, dict[str, str]] = {}
        self._vml: dict[str, dict[str, Any]] = {}   # VML parts being edited: base text, added shapes, next id

    def _vml_state(self, part: str) -> dict[str, Any]:
        if part not in self._vml:
            base = self.pkg.parts[part].decode("utf-8", "replace")
            self._vml[part] = {"base": base, "added": {}, "next": _next_shape_id(base)}
        return self._vml[part]

    def _flush(self) -> None:
        """Write the edited VML drawings into the package (shapes appended in one go)."""
        for part, st in self._vml.items():
            text = st["base"].replace("</xml>", "".join(st["added"].values()) + "</xml>") if st["added"] else st["base"]
            self.pkg.parts[part] = text.encode("utf-8")

    def sheet_names(self) -> list[str]:
        return [n for n, _ in self.pkg.sheets()]

    def sheet(self, name: str) -> XlsxSheet:
        if name not in self._sheets:
            self._sheets[name] = XlsxSheet(self, name, self.pkg.sheet_part(name))
        return self._sheets[name]

    def active_sheet(self) -> XlsxSheet:
        wb = self.pkg.tree("xl/workbook.xml")
        view = wb.find(f"{N}bookViews/{N}workbookView")
        idx = int(view.get("activeTab", "0")) if view is not None else 0
        names = self.sheet_names()
        return self.sheet(names[min(idx, len(names) - 1)])

    def save(self, path: str | Path) -> None:
        self._flush()
        self.pkg.set_calc_keep_values()
        save_package(self.pkg, path)

    def to_bytes(self) -> bytes:
        self._flush()
        self.pkg.set_calc_keep_values()
        return package_bytes(self.pkg)

    # ---------------------------------------------------------------- sheets
    def add_sheet(self, name: str, rows: Sequence[Sequence[Any]],
                  links: dict[str, tuple[str, str]] | None = None) -> XlsxSheet:
        if name in self.sheet_names():
            self.delete_sheet(name)
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in self.pkg.parts and f"xl/worksheets/sheet{n}.xml" not in self.pkg._removed:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        root = etree.fromstring(_sheet_xml(rows), _PARSER)
        self.pkg.add_part(part, root, CT_SHEET)
        rid = self.pkg.add_rel("xl/workbook.xml", REL_SHEET, f"worksheets/sheet{n}.xml")
        wb = self.pkg.tree("xl/workbook.xml")
        sheets = wb.find(f"{N}sheets")
        sid = max(int(s.get("sheetId")) for s in sheets) + 1
        el = etree.SubElement(sheets, f"{N}sheet", name=name, sheetId=str(sid))
        el.set(f"{{{R_NS}}}id", rid)
        self.pkg.touch("xl/workbook.xml")
        self.pkg.touch(self.pkg.rels_name("xl/workbook.xml"))
        sh = XlsxSheet(self, name, part)
        self._sheets[name] = sh
        if links:
            hl = etree.SubElement(root, f"{N}hyperlinks")
            for cell, (sheet, target) in links.items():
                quoted = "'" + sheet.replace("'", "''") + "'"
                etree.SubElement(hl, f"{N}hyperlink", ref=cell, location=f"{quoted}!{target}", display=f"{sheet}!{target}")
        return sh

    def delete_sheet(self, name: str) -> None:
        part = self.pkg.sheet_part(name)
        wb = self.pkg.tree("xl/workbook.xml")
        sheets = wb.find(f"{N}sheets")
        rels = self.pkg.rels("xl/workbook.xml")
        for s in sheets:
            if s.get("name") == name:
                rid = s.get(f"{{{R_NS}}}id")
                sheets.remove(s)
                for r in rels:
                    if r.get("Id") == rid:
                        rels.remove(r)
        # defined names and views pointing at the sheet index are left alone: the sheet was ours (last)
        own = self.pkg.rels(part)
        if own is not None:
            for r in own:
                if r.get("TargetMode") != "External":
                    self.pkg.remove_part(self.pkg.resolve(part, r.get("Target")))
            self.pkg.remove_part(self.pkg.rels_name(part))
        self.pkg.remove_part(part)
        self.pkg.parts.pop(part, None)
        self.pkg.touch("xl/workbook.xml")
        self.pkg.touch(self.pkg.rels_name("xl/workbook.xml"))
        self._sheets.pop(name, None)

    # ---------------------------------------------------------------- notes
    def _comment_parts(self, sh: XlsxSheet) -> tuple[str | None, str | None]:
        rels = self.pkg.rels(sh.part)
        comments = vml = None
        if rels is not None:
            for r in rels:
                if r.get("Type") == REL_COMMENTS:
                    comments = self.pkg.resolve(sh.part, r.get("Target"))
                elif r.get("Type") == REL_VML:
                    vml = self.pkg.resolve(sh.part, r.get("Target"))
        return comments, vml

    def _notes(self, sh: XlsxSheet) -> dict[str, str]:
        if sh.name in self._note_cache:
            return self._note_cache[sh.name]
        comments, _ = self._comment_parts(sh)
        out: dict[str, str] = {}
        if comments and comments in self.pkg.parts:
            for c in self.pkg.tree(comments).iter(f"{N}comment"):
                out[c.get("ref")] = "".join(t.text or "" for t in c.iter(f"{N}t"))
        self._note_cache[sh.name] = out
        return out

    def _set_note(self, sh: XlsxSheet, ref: str, text: str | None) -> None:
        """Add, replace or remove one note, editing the comments and VML parts in place (other notes kept)."""
        notes = self._notes(sh)
        if text is None and ref not in notes:
            return
        comments, vml = self._ensure_comment_parts(sh)
        croot = self.pkg.tree(comments)
        clist = croot.find(f"{N}commentList")
        existing = next((c for c in clist if c.get("ref") == ref), None)
        row, col = _col_row(ref)
        vml_state = self._vml_state(vml)
        if text is None:
            clist.remove(existing)
            if (row, col) in vml_state["added"]:
                del vml_state["added"][(row, col)]
            else:
                vml_state["base"] = _VML_SHAPE(row - 1, col - 1).sub("", vml_state["base"], count=1)
            notes.pop(ref, None)
        else:
            if existing is None:
                authors = croot.find(f"{N}authors")
                names = [a.text for a in authors]
                if "perfeval-xl" not in names:
                    etree.SubElement(authors, f"{N}author").text = "perfeval-xl"
                    names.append("perfeval-xl")
                existing = etree.SubElement(clist, f"{N}comment", ref=ref, authorId=str(names.index("perfeval-xl")))
                vml_state["added"][(row, col)] = _vml_shape(vml_state["next"], row, col)
                vml_state["next"] += 1
            for child in list(existing):
                existing.remove(child)
            r = etree.SubElement(etree.SubElement(existing, f"{N}text"), f"{N}r")
            t = etree.SubElement(r, f"{N}t")
            t.text = text
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            notes[ref] = text
        self.pkg.touch(comments)

    def _ensure_comment_parts(self, sh: XlsxSheet) -> tuple[str, str]:
        comments, vml = self._comment_parts(sh)
        root = self.pkg.tree(sh.part)
        if comments is None:
            n = 1
            while f"xl/comments{n}.xml" in self.pkg.parts:
                n += 1
            comments = f"xl/comments{n}.xml"
            croot = etree.Element(f"{N}comments", nsmap={None: NS})
            etree.SubElement(etree.SubElement(croot, f"{N}authors"), f"{N}author").text = "perfeval-xl"
            etree.SubElement(croot, f"{N}commentList")
            self.pkg.add_part(comments, croot, CT_COMMENTS)
            self.pkg.add_rel(sh.part, REL_COMMENTS, posixpath.relpath(comments, posixpath.dirname(sh.part)))
        if vml is None:
            n = 1
            while f"xl/drawings/commentsDrawing{n}.vml" in self.pkg.parts:
                n += 1
            vml = f"xl/drawings/commentsDrawing{n}.vml"
            self.pkg.add_part(vml, (VML_HEAD + "</xml>").encode("utf-8"), CT_VML)
            rid = self.pkg.add_rel(sh.part, REL_VML, posixpath.relpath(vml, posixpath.dirname(sh.part)))
            if root.find(f"{N}legacyDrawing") is None:
                ld = etree.Element(f"{N}legacyDrawing")
                ld.set(f"{{{R_NS}}}id", rid)
                # legacyDrawing comes after drawing and before legacyDrawingHF … extLst (schema order)
                insert_before(root, ld, ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                                         "webPublishItems", "tableParts", "extLst"))
                self.pkg.touch(sh.part)
        return comments, vml


def _VML_SHAPE(row0: int, col0: int) -> "re.Pattern[str]":
    return re.compile(r"<v:shape\b(?:(?!</v:shape>).)*?<x:Row>" + str(row0) + r"</x:Row>\s*<x:Column>" + str(col0)
                      + r"</x:Column>(?:(?!</v:shape>).)*?</v:shape>", re.S)


def _next_shape_id(vml: str) -> int:
    ids = [int(m) for m in re.findall(r'id="_x0000_s(\d+)"', vml)]
    return max(ids, default=1024) + 1


def _vml_shape(shape_id: int, row: int, col: int) -> str:
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:240pt;height:80pt;z-index:{shape_id - 1024};visibility:hidden" fillcolor="#ffffe1" '
            f'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            f'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
            f'</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f'<x:Anchor>{col}, 15, {max(row - 2, 0)}, 2, {col + 3}, 15, {row + 3}, 16</x:Anchor><x:AutoFill>False</x:AutoFill>'
            f'<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape>')


def iter_formula_cells(pkg: XlsxPackage, part: str) -> Iterable[tuple[str, etree._Element]]:
    for ref, c in pkg.cell_index(part).items():
        if c.find(f"{N}f") is not None:
            yield ref, c
