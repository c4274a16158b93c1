"""Edit an .xlsx/.xlsm package part by part, keeping every part it does not touch byte for byte.

openpyxl's load/save round trip drops images, sparklines and x14 extensions and wipes cached values,
so it cannot write a user's workbook back. :class:`XlsxPackage` reads the zip, parses only the parts
it must change, and writes the package again in the original entry order with the original zip metadata —
atomically (temporary file + ``os.replace``) and deterministically (same input → same bytes). Worksheet
cells are read and edited in the part's bytes (:class:`perfeval_xl.sheetxml.SheetPart`); lxml trees serve
the parts edited structurally (workbook, relationships, content types, styles, comments).

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
from typing import TYPE_CHECKING, Any, Callable, Sequence

from lxml import etree

from .limits import DEFAULT as DEFAULT_LIMITS, LimitError, Limits, check_directory, has_doctype, parse_xml, read_part
from .sheetxml import SheetPart, SheetScanError, number_text, xml_text
from .tablestyle import HEADER_FILL, TableStyle, row_heights
from .workbook.grid import address, parse_address

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
N = f"{{{NS}}}"
EXCEL_CALC_ID = "191029"
REL_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
REL_SHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


class PackageError(ValueError):
    """Not an Office Open XML spreadsheet package (``code`` PE-W001 unless a limit says otherwise)."""

    def __init__(self, message: str, code: str = "PE-W001"):
        self.code = code
        super().__init__(message)


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

    def __init__(self, source: str | Path | bytes, limits: Limits = DEFAULT_LIMITS):
        data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
        self.limits = limits
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise PackageError("文件不是 .xlsx/.xlsm 压缩包，或压缩包目录已损坏") from None
        try:
            self.infos = check_directory(zf, limits)
            self.parts: dict[str, bytes] = {i.filename: read_part(zf, i, limits) for i in self.infos}
        except LimitError as exc:
            raise PackageError(str(exc), exc.code) from None
        if "xl/workbook.xml" not in self.parts:
            raise PackageError("压缩包中没有 xl/workbook.xml，不是 Excel 工作簿")
        if "[Content_Types].xml" not in self.parts:
            raise PackageError("压缩包中没有 [Content_Types].xml，文件不完整")
        self._trees: dict[str, etree._Element] = {}
        self._dirty: set[str] = set()             # parts edited as trees: serialised when written
        self._cells: dict[str, SheetPart] = {}    # worksheet parts read and edited as bytes
        self._added: list[str] = []
        self._removed: set[str] = set()
        self._shared: list[str] | None = None
        self._cell_count = 0

    # ------------------------------------------------------------------ parts
    def tree(self, name: str) -> etree._Element:
        """The part as an XML tree, for structural edits (a worksheet's cell edits are spliced in first)."""
        if name not in self._trees:
            sp = self._cells.pop(name, None)
            if sp is not None:
                self.parts[name] = sp.to_bytes()
            try:
                self._trees[name] = parse_xml(self.parts[name], name)
            except LimitError as exc:
                raise PackageError(str(exc), exc.code) from None
        return self._trees[name]

    def cells(self, part: str) -> SheetPart:
        """The cells of a worksheet part, read from its bytes (a part edited as a tree is serialised first)."""
        sp = self._cells.get(part)
        if sp is None:
            tree = self._trees.pop(part, None)
            if tree is not None:
                if part in self._dirty:
                    self.parts[part] = _serialize(tree, self.parts[part])
                    self._dirty.discard(part)
            try:
                sp = self._cells[part] = SheetPart(self.parts[part], self.shared_strings,
                                                   max_cells=self.limits.cells - self._cell_count)
                self._cell_count += len(sp.cells)
            except LimitError as exc:
                raise PackageError(str(exc), exc.code) from None
            except SheetScanError as exc:
                raise PackageError(f"工作表部件 {part}：{exc}") from None
        return sp

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
        self._cells.pop(name, None)
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
        rels_el = self.rels("xl/workbook.xml")
        if rels_el is None:
            raise PackageError("压缩包中没有 xl/_rels/workbook.xml.rels，找不到工作表")
        rels = {r.get("Id"): r for r in rels_el}
        out = []
        for s in wb.iter(f"{N}sheet"):
            rel = rels.get(s.get(f"{{{R_NS}}}id"))
            if rel is not None and rel.get("Type") == REL_SHEET:
                part = self.resolve("xl/workbook.xml", rel.get("Target") or "")
                if part.startswith("../") or part not in self.parts:
                    raise PackageError(f"工作表‘{s.get('name')}’指向的部件 {rel.get('Target')} 不在压缩包中，文件不完整")
                out.append((s.get("name"), part))
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
                self._shared = _read_shared_strings(self.parts[name], name, self.limits)
        return self._shared

    def set_calc_keep_values(self) -> None:
        """Make Excel keep the cached values on open (see module docstring). When workbook.xml is not otherwise
        edited, the calcPr attributes are spliced into its original bytes; nothing else of the part changes."""
        name = "xl/workbook.xml"
        if name not in self._trees:
            data = self.parts[name]
            new = _splice_calc_pr(data)
            if new is not None:
                if new != data:
                    self.parts[name] = new
                return
        wb = self.tree(name)
        calc = wb.find(f"{N}calcPr")
        if calc is None:
            calc = etree.Element(f"{N}calcPr")
            # calcPr goes after definedNames and before oleSize … extLst (schema order)
            insert_before(wb, calc, _AFTER_CALC_PR)
        before = dict(calc.attrib)
        calc.attrib.pop("fullCalcOnLoad", None)
        calc.attrib.pop("forceFullCalc", None)
        calc.set("calcId", EXCEL_CALC_ID)
        if dict(calc.attrib) != before:
            self.touch(name)


_AFTER_CALC_PR = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                  "fileRecoveryPr", "webPublishObjects", "extLst")
_CALC_PR = re.compile(rb"<(\w+:)?calcPr\b([^>]*?)(/?)>")
_FULL_CALC = re.compile(rb'\s(?:fullCalcOnLoad|forceFullCalc)="[^"]*"')
_CALC_ID = re.compile(rb'(\scalcId=")[^"]*(")')


def _splice_calc_pr(data: bytes) -> bytes | None:
    """workbook.xml with calcPr's fullCalcOnLoad/forceFullCalc removed and calcId set, edited in its bytes; None
    when the part is not laid out as expected (the caller falls back to the tree)."""
    m = _CALC_PR.search(data)
    if m is not None:
        attrs = _FULL_CALC.sub(b"", m.group(2))
        if _CALC_ID.search(attrs):
            attrs = _CALC_ID.sub(rb"\g<1>" + EXCEL_CALC_ID.encode() + rb"\g<2>", attrs)
        else:
            attrs += b' calcId="' + EXCEL_CALC_ID.encode() + b'"'
        return data[:m.start(2)] + attrs + data[m.end(2):]
    root = re.search(rb"<(\w+:)?workbook\b", data)
    if root is None:
        return None
    p = root.group(1) or b""
    later = re.compile(rb"<" + re.escape(p) + rb"(?:" + b"|".join(t.encode() for t in _AFTER_CALC_PR) + rb")[\s/>]")
    at = later.search(data, root.end())
    end = data.rfind(b"</" + p + b"workbook>")
    pos = at.start() if at else end
    if pos < 0:
        return None
    return data[:pos] + b"<" + p + b'calcPr calcId="' + EXCEL_CALC_ID.encode() + b'"/>' + data[pos:]


def _read_shared_strings(data: bytes, name: str, limits: Limits) -> list[str]:
    """The shared-strings table, streamed (a tree of millions of <si> would cost gigabytes), hardened like
    every other part, and capped at ``limits.shared_strings`` entries."""
    if has_doctype(data):
        raise PackageError(str(LimitError("PE-W011", "XML 中含有 DTD/实体声明（Excel 不会写入，已拒绝，未展开）", name)),
                           "PE-W011")
    out: list[str] = []
    si, t_tag, rph = f"{N}si", f"{N}t", f"{N}rPh"
    try:
        for _ev, el in etree.iterparse(io.BytesIO(data), events=("end",), tag=si, resolve_entities=False,
                                       no_network=True, load_dtd=False, huge_tree=False):
            out.append("".join(t.text or "" for t in el.iter(t_tag) if t.getparent().tag != rph))
            el.clear(keep_tail=False)
            if len(out) > limits.shared_strings:
                raise PackageError(f"共享字符串超过 {limits.shared_strings} 条（部件 {name}）", "PE-W009")
    except etree.XMLSyntaxError as exc:
        raise PackageError(f"XML 格式不正确（第 {exc.lineno} 行）（部件 {name}）", "PE-W011") from None
    return out


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
            elif name in pkg._cells:
                data = pkg._cells[name].to_bytes()
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

def _attr(text: str) -> str:
    return xml_text(text).decode("utf-8").replace('"', "&quot;")


def _sheet_xml(rows: Sequence[Sequence[Any]], links: dict[str, tuple[str, str]] | None = None,
               style: "TableStyle | None" = None, xf: "Callable[[int, int], int] | None" = None) -> bytes:
    """A worksheet holding ``rows`` of constants from A1 (numbers, booleans, inline strings), hyperlinks
    from its cells to (sheet, cell), and — with ``style`` — drawn as a reviewer's table: ``xf(row, col)`` gives
    each cell's style index; widths, row heights, frozen header, autofilter and landscape printing."""
    width = max((len(r) for r in rows), default=0)
    letters = [address(1, j)[:-1] for j in range(1, width + 1)]
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}" xmlns:r="{R_NS}">']
    heights: dict[int, float] = {}
    if style is not None:
        heights = row_heights(rows, style)
        out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        if style.freeze and style.freeze != "A1":
            r0, c0 = parse_address(style.freeze)
            split = (f' xSplit="{c0 - 1}"' if c0 > 1 else "") + (f' ySplit="{r0 - 1}"' if r0 > 1 else "")
            pane = "bottomRight" if c0 > 1 and r0 > 1 else "bottomLeft" if r0 > 1 else "topRight"
            out.append(f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{style.freeze}" '
                       f'activePane="{pane}" state="frozen"/><selection pane="{pane}" activeCell="{style.freeze}" '
                       f'sqref="{style.freeze}"/></sheetView></sheetViews>')
        if style.widths:
            out.append("<cols>" + "".join(f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"/>'
                                          for j, w in enumerate(style.widths, 1)) + "</cols>")
    out.append("<sheetData>")
    for i, row in enumerate(rows, 1):
        ht = f' ht="{heights[i]:g}" customHeight="1"' if i in heights else ""
        out.append(f'<row r="{i}"{ht}>')
        for j, v in enumerate(row):
            ref = f"{letters[j]}{i}"
            s_attr = ""
            if xf is not None:
                s_index = xf(i, j + 1)
                s_attr = f' s="{s_index}"' if s_index else ""
            if v is None or v == "":
                if s_attr:
                    out.append(f'<c r="{ref}"{s_attr}/>')
                continue
            if isinstance(v, bool):
                out.append(f'<c r="{ref}"{s_attr} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                out.append(f'<c r="{ref}"{s_attr}><v>{number_text(float(v))}</v></c>')
            else:
                out.append(f'<c r="{ref}"{s_attr} t="inlineStr"><is><t xml:space="preserve">{xml_text(str(v)).decode()}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData>")
    if style is not None and rows and width:
        out.append(f'<autoFilter ref="A1:{letters[-1]}{max(len(rows), 2)}"/>')
    if links:
        out.append("<hyperlinks>")
        for cell, (sheet, target) in links.items():
            quoted = "'" + sheet.replace("'", "''") + "'"
            out.append(f'<hyperlink ref="{cell}" location="{_attr(f"{quoted}!{target}")}" '
                       f'display="{_attr(f"{sheet}!{target}")}"/>')
        out.append("</hyperlinks>")
    if style is not None:
        orientation = "landscape" if style.landscape else "portrait"
        out.append('<printOptions horizontalCentered="1"/>'
                   '<pageMargins left="0.4" right="0.4" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                   f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>'
                   '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>')
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


def _ref(cell: str) -> str:
    return cell.replace("$", "").upper()


class XlsxSheet:
    """SheetAccess on one worksheet part of a package (cells read and edited through :class:`SheetPart`)."""

    def __init__(self, book: "XlsxBook", name: str, part: str):
        self.book = book
        self.name = name
        self.part = part
        self.pkg = book.pkg

    @property
    def cells(self) -> SheetPart:
        return self.pkg.cells(self.part)

    # values
    def value(self, cell: str) -> Any:
        return self.cells.value(_ref(cell))

    def formula(self, cell: str) -> str | None:
        return self.cells.formula(_ref(cell))

    def set_value(self, cell: str, value: Any) -> None:
        ref = _ref(cell)
        if value is None and ref not in self.cells:
            return
        self.cells.set_constant(ref, value)

    def set_formula(self, cell: str, formula: str, cached: Any = None) -> None:
        self.cells.set_formula(_ref(cell), formula, cached)

    # notes
    def note(self, cell: str) -> str | None:
        return self.book._notes(self).get(_ref(cell))

    def set_note(self, cell: str, text: str | None) -> None:
        self.book._set_note(self, _ref(cell), text)

    # fills
    def fill(self, cell: str) -> str | None:
        ref = _ref(cell)
        cells = self.cells
        return self.book.styles.fill_of(cells.style(ref)) if ref in cells else None

    def set_fill(self, cell: str, rgb: str | None) -> None:
        ref = _ref(cell)
        cells = self.cells
        if rgb is None and ref not in cells:
            return
        s = cells.style(ref)
        new = self.book.styles.with_fill(s, rgb)
        if new != s or ref not in cells:
            cells.set_style(ref, new)

    # layout
    def grid(self) -> "Grid":
        """The sheet as the layout reader's Grid, in one pass over its cells."""
        from .workbook.grid import Grid

        cells: dict[tuple[int, int], Any] = {}
        formats: dict[tuple[int, int], str] = {}
        number_format = self.book.styles.number_format
        for row, col, s, v in self.cells.values():
            if isinstance(v, str) and not v.strip():
                continue
            cells[(row, col)] = v
            if s:
                fmt = number_format(s)
                if fmt and fmt != "General":
                    formats[(row, col)] = fmt
        return Grid(sheet=self.name, cells=cells, merged=self.merged_ranges(), number_formats=formats)

    def used_rows(self) -> list[list[Any]]:
        cells = self.cells
        where = [(cells.position(ref), ref) for ref in cells.cells]
        if not where:
            return []
        max_r = max(r for (r, _), _ in where)
        max_c = max(c for (_, c), _ in where)
        rows: list[list[Any]] = [[None] * max_c for _ in range(max_r)]
        for (r, col), ref in where:
            rows[r - 1][col - 1] = cells.value(ref)
        return rows

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        out = []
        for ref in self.cells.merged_ranges():
            a, _, b = ref.partition(":")
            r1, c1 = parse_address(a)
            r2, c2 = parse_address(b or a)
            out.append((r1, c1, r2, c2))
        return out


class Styles:
    """Just enough of styles.xml to read and set a solid cell fill, reusing existing xfs."""

    BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}

    def __init__(self, pkg: XlsxPackage):
        self.pkg = pkg
        rels = pkg.rels("xl/workbook.xml")
        target = next((r.get("Target") for r in (rels if rels is not None else ())
                       if r.get("Type", "").endswith("/styles")), None)
        part = pkg.resolve("xl/workbook.xml", target) if target else None
        # a workbook without a (readable) styles part has no number formats or fills to read or set
        self.part = part if part in pkg.parts and pkg.tree(part).find(f"{N}cellXfs") is not None else None
        self._cache: dict[tuple[int, str | None], int] = {}
        self._formats: dict[int, str | None] = {}
        self._fills: dict[int, str | None] = {}   # xf index -> solid fill (existing xfs never change)

    @property
    def root(self) -> etree._Element:
        return self.pkg.tree(self.part)

    def _xfs(self) -> etree._Element:
        return self.root.find(f"{N}cellXfs")

    def fill_of(self, s: int) -> str | None:
        if s not in self._fills:
            try:
                self._fills[s] = self._fill_of(s)
            except (ValueError, TypeError, AttributeError):  # unusual styles: read as no fill
                self._fills[s] = None
        return self._fills[s]

    def _fill_of(self, s: int) -> str | None:
        if self.part is None:
            return None
        xfs = self._xfs().findall(f"{N}xf")
        if s >= len(xfs):
            return None
        fid = int(xfs[s].get("fillId", "0"))
        fills_el = self.root.find(f"{N}fills")
        fills = fills_el.findall(f"{N}fill") if fills_el is not None else []
        pf = fills[fid].find(f"{N}patternFill") if fid < len(fills) else None
        if pf is None or pf.get("patternType") != "solid":
            return None
        fg = pf.find(f"{N}fgColor")
        rgb = fg.get("rgb") if fg is not None else None
        return rgb[-6:].upper() if rgb else None

    def number_format(self, s: int) -> str | None:
        if s in self._formats:
            return self._formats[s]
        try:
            fmt = self._number_format(s)
        except (ValueError, TypeError, AttributeError):  # unusual styles: read as General
            fmt = None
        self._formats[s] = fmt
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

    def _fill_id(self, rgb: str) -> int:
        """The index of a solid fill of colour ``rgb`` in <fills>, added when there is none."""
        fills = self.root.find(f"{N}fills")
        argb = "FF" + rgb.upper()[-6:]
        for i, f in enumerate(fills.findall(f"{N}fill")):
            pf = f.find(f"{N}patternFill")
            fg = pf.find(f"{N}fgColor") if pf is not None else None
            if pf is not None and pf.get("patternType") == "solid" and fg is not None and fg.get("rgb") == argb:
                return i
        f = etree.SubElement(fills, f"{N}fill")
        pf = etree.SubElement(f, f"{N}patternFill", patternType="solid")
        etree.SubElement(pf, f"{N}fgColor", rgb=argb)
        etree.SubElement(pf, f"{N}bgColor", indexed="64")
        fills.set("count", str(len(fills)))
        self.pkg.touch(self.part)
        return len(fills) - 1

    def _appended(self, tag: str, element: etree._Element) -> int:
        """The index of ``element`` in the <{tag}s> list, appended unless an identical one is there."""
        parent = self.root.find(f"{N}{tag}s")
        if parent is None:
            parent = etree.Element(f"{N}{tag}s", count="0")
            insert_before(self.root, parent, ("cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
                                              "colors", "extLst"))
        wanted = etree.tostring(element)
        for i, x in enumerate(parent.findall(f"{N}{tag}")):
            if etree.tostring(x) == wanted:
                return i
        parent.append(element)
        parent.set("count", str(len(parent)))
        self.pkg.touch(self.part)
        return len(parent) - 1

    def table_xf(self, *, bold: bool = False, fill: str | None = None, wrap: bool = False, header: bool = False) -> int:
        """A cell format for a reviewer's table, built on the workbook's default format (xf 0) so the table
        uses the workbook's own font: thin grey grid, top-aligned (centred for a header), bold, fill, wrap."""
        if self.part is None:
            return 0
        key = (-1, f"{bold}{fill}{wrap}{header}")
        if key in self._cache:
            return self._cache[key]
        xfs = self._xfs()
        xf_list = xfs.findall(f"{N}xf")
        if not xf_list or self.root.find(f"{N}fills") is None or self.root.find(f"{N}fonts") is None:
            return 0   # unusual styles: the table is left plain
        new = copy.deepcopy(xf_list[0])
        if bold:
            fonts = self.root.find(f"{N}fonts").findall(f"{N}font")
            base_font = fonts[int(new.get("fontId", "0"))] if int(new.get("fontId", "0")) < len(fonts) else fonts[0]
            font = copy.deepcopy(base_font)
            for b in font.findall(f"{N}b"):
                font.remove(b)
            font.insert(0, etree.Element(f"{N}b"))
            new.set("fontId", str(self._appended("font", font)))
            new.set("applyFont", "1")
        if fill:
            new.set("fillId", str(self._fill_id(fill)))
            new.set("applyFill", "1")
        border = etree.Element(f"{N}border")
        for side in ("left", "right", "top", "bottom"):
            etree.SubElement(etree.SubElement(border, f"{N}{side}", style="thin"), f"{N}color", rgb="FFBFBFBF")
        etree.SubElement(border, f"{N}diagonal")
        new.set("borderId", str(self._appended("border", border)))
        new.set("applyBorder", "1")
        for old in new.findall(f"{N}alignment"):
            new.remove(old)
        align = etree.Element(f"{N}alignment", vertical="center" if header else "top")
        if header:
            align.set("horizontal", "center")
        if wrap or header:
            align.set("wrapText", "1")
        new.insert(0, align)
        new.set("applyAlignment", "1")
        index = next((i for i, x in enumerate(xf_list) if etree.tostring(x) == etree.tostring(new)), None)
        if index is None:
            xfs.append(new)
            xfs.set("count", str(len(xfs)))
            self.pkg.touch(self.part)
            index = len(xfs) - 1
        self._cache[key] = index
        return index

    def with_fill(self, s: int, rgb: str | None) -> int:
        """The index of an xf equal to xf ``s`` but with the given solid fill (None: no fill)."""
        if self.part is None:
            return s   # no styles part: the note still marks the cell, the fill is left out
        key = (s, rgb)
        if key in self._cache:
            return self._cache[key]
        xfs = self._xfs()
        xf_list = xfs.findall(f"{N}xf")
        fills = self.root.find(f"{N}fills")
        if not xf_list or fills is None:
            return s   # unusual styles without cell formats or fills: no fill is set
        base = xf_list[s] if s < len(xf_list) else xf_list[0]
        fid = 0 if rgb is None else self._fill_id(rgb)
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
        named = isinstance(source, (str, Path))
        self.name = Path(source).name if named else None            # as Excel's Workbook.Name / FullName
        self.fullname = str(Path(source).resolve()) if named else None
        self.styles = Styles(self.pkg)
        self._sheets: dict[str, XlsxSheet] = {}
        self._note_cache: dict[str, dict[str, str]] = {}
        self._comment_where: dict[str, tuple[str | None, str | None]] = {}
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
                  links: dict[str, tuple[str, str]] | None = None, *,
                  style: TableStyle | None = None, hidden: bool = False) -> XlsxSheet:
        if name in self.sheet_names():
            self.delete_sheet(name)
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in self.pkg.parts and f"xl/worksheets/sheet{n}.xml" not in self.pkg._removed:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        xf = self._table_xfs(style) if style is not None else None
        self.pkg.add_part(part, _sheet_xml(rows, links, style, xf), CT_SHEET)
        rid = self.pkg.add_rel("xl/workbook.xml", REL_SHEET, f"worksheets/sheet{n}.xml")
        wb = self.pkg.tree("xl/workbook.xml")
        sheets = wb.find(f"{N}sheets")
        sid = max(int(s.get("sheetId")) for s in sheets) + 1
        el = etree.SubElement(sheets, f"{N}sheet", name=name, sheetId=str(sid))
        if hidden:
            el.set("state", "veryHidden")
        el.set(f"{{{R_NS}}}id", rid)
        if style is not None and rows:
            index = len(sheets) - 1
            quoted = "'" + name.replace("'", "''") + "'"
            last = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", address(max(len(rows), 2), max(len(r) for r in rows)))
            self._define(wb, "_xlnm._FilterDatabase", index, f"{quoted}!$A$1:{last}", hidden=True)
            self._define(wb, "_xlnm.Print_Titles", index, f"{quoted}!$1:$1")
        self.pkg.touch("xl/workbook.xml")
        self.pkg.touch(self.pkg.rels_name("xl/workbook.xml"))
        sh = XlsxSheet(self, name, part)
        self._sheets[name] = sh
        return sh

    def _table_xfs(self, style: TableStyle) -> Callable[[int, int], int]:
        """Cell format of each cell of a styled table: header, wrapped or not, with its fill."""
        st = self.styles
        header = st.table_xf(bold=True, fill=HEADER_FILL, header=True)
        memo: dict[tuple[bool, str | None], int] = {}

        def xf(row: int, col: int) -> int:
            if row == 1:
                return header
            key = (col in style.wrap, style.fills.get((row, col)))
            if key not in memo:
                memo[key] = st.table_xf(wrap=key[0], fill=key[1])
            return memo[key]
        return xf

    @staticmethod
    def _define(wb: etree._Element, name: str, sheet_index: int, text: str, hidden: bool = False) -> None:
        names = wb.find(f"{N}definedNames")
        if names is None:
            names = etree.Element(f"{N}definedNames")
            insert_before(wb, names, ("calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
                                      "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects",
                                      "extLst"))
        for d in names.findall(f"{N}definedName"):
            if d.get("name") == name and d.get("localSheetId") == str(sheet_index):
                names.remove(d)
        d = etree.SubElement(names, f"{N}definedName", name=name, localSheetId=str(sheet_index))
        if hidden:
            d.set("hidden", "1")
        d.text = text

    def delete_sheet(self, name: str) -> None:
        part = self.pkg.sheet_part(name)
        wb = self.pkg.tree("xl/workbook.xml")
        sheets = wb.find(f"{N}sheets")
        rels = self.pkg.rels("xl/workbook.xml")
        index = next(i for i, s in enumerate(sheets) if s.get("name") == name)
        for s in sheets:
            if s.get("name") == name:
                rid = s.get(f"{{{R_NS}}}id")
                sheets.remove(s)
                for r in rels:
                    if r.get("Id") == rid:
                        rels.remove(r)
        self._renumber(wb, index)
        own = self.pkg.rels(part)
        if own is not None:
            for r in own:
                if r.get("TargetMode") != "External":
                    self.pkg.remove_part(self.pkg.resolve(part, r.get("Target")))
            self.pkg.remove_part(self.pkg.rels_name(part))
        self.pkg.remove_part(part)
        self.pkg.parts.pop(part, None)
        self._comment_where.pop(part, None)
        self.pkg.touch("xl/workbook.xml")
        self.pkg.touch(self.pkg.rels_name("xl/workbook.xml"))
        self._sheets.pop(name, None)

    @staticmethod
    def _renumber(wb: etree._Element, index: int) -> None:
        """After the sheet at ``index`` is gone: its sheet-local names go, later sheets' local names and the
        window's active and first tabs move down by one, so they still point at the same sheets."""
        names = wb.find(f"{N}definedNames")
        if names is not None:
            for d in list(names):
                local = d.get("localSheetId")
                if local is None or not local.isdigit():
                    continue
                if int(local) == index:
                    names.remove(d)
                elif int(local) > index:
                    d.set("localSheetId", str(int(local) - 1))
            if not len(names):
                wb.remove(names)
        count = len(wb.find(f"{N}sheets"))
        for view in wb.findall(f"{N}bookViews/{N}workbookView"):
            for attr in ("activeTab", "firstSheet"):
                v = view.get(attr)
                if v is not None and v.isdigit() and int(v) >= index and int(v) > 0:
                    view.set(attr, str(min(int(v) - (int(v) > index), max(count - 1, 0))))

    # ---------------------------------------------------------------- notes
    def _comment_parts(self, sh: XlsxSheet) -> tuple[str | None, str | None]:
        """(comments part, VML drawing part) of a sheet, either None when it has none yet."""
        where = self._comment_where.get(sh.part)
        if where is None:
            rels = self.pkg.rels(sh.part)
            comments = vml = None
            if rels is not None:
                for r in rels:
                    if r.get("Type") == REL_COMMENTS:
                        comments = self.pkg.resolve(sh.part, r.get("Target"))
                    elif r.get("Type") == REL_VML:
                        vml = self.pkg.resolve(sh.part, r.get("Target"))
            where = self._comment_where[sh.part] = (comments, vml)
        return where

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
        existing = next((c for c in clist if c.get("ref") == ref), None) if ref in notes else None
        row, col = parse_address(ref)
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
        if comments is not None and vml is not None:
            return comments, vml
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
            cells = sh.cells
            if not cells.has_element("legacyDrawing"):
                m = re.search(rb'xmlns:(\w+)="' + R_NS.encode() + b'"', cells.data[:4096])
                r_id = (m.group(1) + b':id="' if m else b'xmlns:r="' + R_NS.encode() + b'" r:id="') + rid.encode()
                cells.insert_top_level("legacyDrawing", b"<" + cells.prefix + b"legacyDrawing " + r_id + b'"/>')
        self._comment_where[sh.part] = (comments, vml)
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

