"""Edit an .xlsx/.xlsm package part by part, keeping every part it does not touch byte for byte.

openpyxl's load/save round trip drops images, sparklines and x14 extensions and wipes cached values,
so it cannot write a user's workbook back. :class:`XlsxPackage` reads the zip, parses only the parts
it must change, and writes the package again in the original entry order with the original zip metadata —
atomically (temporary file + ``os.replace``) and deterministically (same input → same bytes). Worksheet
cells are read and edited in the part's bytes (:class:`perfeval_xl.xlio.sheetxml.SheetPart`); lxml trees serve
the parts edited structurally (workbook, relationships, content types, styles, comments).

calcPr: Excel recalculates every formula on open when ``fullCalcOnLoad="1"`` or when the file's
``calcId`` is older than its own engine; without the add-in loaded, PE_* cells would then turn into
#NAME? and the cached values written here would be lost. ``set_calc_keep_values`` therefore removes
``fullCalcOnLoad`` and sets ``calcId`` to the current Excel engine id (191029), so Excel shows the
values computed here until something the user edits triggers a recalculation.
"""
from __future__ import annotations

import io
import os
import posixpath
import re
import tempfile
import weakref
import zipfile
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

from lxml import etree

from ..limits import DEFAULT as DEFAULT_LIMITS, LimitError, Limits, check_directory, has_doctype, parse_xml, read_part
from .sheetxml import SheetPart, SheetScanError
from .zipparts import Entry, added, inflate, rewritten, write_zip

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
N = f"{{{NS}}}"
#: ISO/IEC 29500 Strict: the same parts under other namespaces (Excel's "Strict Open XML Spreadsheet")
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_R_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
#: Excel 2007 beta 2: the transitional element names (shared strings as <sstItem>) under a namespace of its own
BETA_NS = "http://schemas.microsoft.com/office/excel/2006/2"
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


def rels_name(part: str) -> str:
    """The name of a part's relationships part: xl/worksheets/sheet1.xml → xl/worksheets/_rels/sheet1.xml.rels."""
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def resolve_target(source: str, target: str) -> str:
    """The part a relationship of ``source`` names by ``target``: absolute ("/xl/styles.xml") or relative to the
    source part's folder."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


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
            # an entry name that occurs twice is read from its last entry, as zipfile and openpyxl do; each part is
            # inflated straight from the bytes, or by zipfile where that does not check (zipparts)
            self.parts: dict[str, bytes] = {}
            for i in self.infos:
                part = inflate(data, i, limits.part_bytes)
                self.parts[i.filename] = part if part is not None else read_part(zf, i, limits)
        except LimitError as exc:
            raise PackageError(str(exc), exc.code) from None
        self._data = bytes(data)
        #: each part as read: a part still holding this very object is unchanged, and is copied as it was compressed
        self._read = dict(self.parts)
        if "xl/workbook.xml" not in self.parts:
            raise PackageError("压缩包中没有 xl/workbook.xml，不是 Excel 工作簿")
        if "[Content_Types].xml" not in self.parts:
            raise PackageError("压缩包中没有 [Content_Types].xml，文件不完整")
        #: part names with more than one zip entry (ambiguous: another program may read the other one)
        self.duplicates: list[str] = sorted(n for n, k in Counter(i.filename for i in self.infos).items() if k > 1)
        self._trees: dict[str, etree._Element] = {}
        self._dirty: set[str] = set()             # parts edited as trees: serialised when written
        self._cells: dict[str, SheetPart] = {}    # worksheet parts read and edited as bytes
        self._added: list[str] = []
        self._removed: set[str] = set()
        self._shared: list[str] | None = None
        self._sheets: list[tuple[str, str]] | None = None   # sheets() until a part is touched, added or removed
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

    def parsed(self, name: str) -> bool:
        """Is the part held as an XML tree (:meth:`tree` was asked for it, or it was added as one)?"""
        return name in self._trees

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
                sp = self._cells[part] = SheetPart(self.parts[part], _strings_of(self),
                                                   max_cells=self.limits.cells - self._cell_count)
                self._cell_count += len(sp.cells)
            except LimitError as exc:
                raise PackageError(str(exc), exc.code) from None
            except SheetScanError as exc:
                raise PackageError(f"工作表部件 {part}：{exc}") from None
        return sp

    def touch(self, name: str) -> None:
        self._dirty.add(name)
        self._sheets = None

    def add_part(self, name: str, root: etree._Element | bytes, content_type: str | None = None) -> None:
        self._sheets = None
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
        self._sheets = None
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
        return rels_name(part)

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
        return resolve_target(part, target)

    # ------------------------------------------------------------------ workbook
    @property
    def main_ns(self) -> str:
        """The SpreadsheetML namespace of the workbook part (transitional, or Strict)."""
        return etree.QName(self.tree("xl/workbook.xml")).namespace or ""

    @property
    def review_only(self) -> str | None:
        """Why this package is read and reviewed but no copy of it written (None: a copy can be written).
        A copy is written only when every part this package adds or edits has the form Excel 2007+ reads (not so
        for ISO Strict Open XML or the Excel 2007 beta, whose parts have other namespaces), and when what it keeps
        is unambiguous."""
        if self.duplicates:
            return "duplicates"
        if self.main_ns == STRICT_NS:
            return "strict"
        if self.main_ns == BETA_NS:
            return "beta"
        return None

    def sheets(self) -> list[tuple[str, str]]:
        """(sheet name, part name) in workbook order (worksheets only); read once, again after a part is touched,
        added or removed (adding or deleting a sheet touches the workbook part)."""
        if self._sheets is None:
            self._sheets = self._read_sheets()
        return list(self._sheets)

    def _read_sheets(self) -> list[tuple[str, str]]:
        wb = self.tree("xl/workbook.xml")
        ns = self.main_ns
        if ns not in (NS, STRICT_NS, BETA_NS):
            raise PackageError(f"工作簿使用了 Excel 不认识的命名空间（{ns}），无法读取")
        r_ns = STRICT_R_NS if ns == STRICT_NS else R_NS
        sheet_types = (REL_SHEET, STRICT_R_NS + "/worksheet")
        rels_el = self.rels("xl/workbook.xml")
        if rels_el is None:
            raise PackageError("压缩包中没有 xl/_rels/workbook.xml.rels，找不到工作表")
        rels = {r.get("Id"): r for r in rels_el}
        out = []
        for s in wb.iter(f"{{{ns}}}sheet"):
            rel = rels.get(s.get(f"{{{r_ns}}}id"))
            if rel is not None and rel.get("Type") in sheet_types:
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
            # kept only once read whole: a part that fails to read fails again for the next caller, never empty
            rels = self.rels("xl/workbook.xml")
            target = next((r.get("Target") for r in rels if r.get("Type", "").endswith("/sharedStrings")), None)
            name = self.resolve("xl/workbook.xml", target) if target else None
            table: list[str] = []
            if name and name in self.parts:
                table = _read_shared_strings(self.parts[name], name, self.limits, self.main_ns)
            self._shared = table
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


def _strings_of(pkg: XlsxPackage) -> Callable[[], list[str]]:
    """The package's shared strings as its sheet parts ask for them, through a weak reference: a bound method would
    make the package and its parts a cycle, freed only by the garbage collector, so every workbook of a batch (its
    bytes, its cells' matches) outlived its turn and the collector walked them again and again (measured: 2,500
    objects a workbook, and a full collection cost 8.7 ms)."""
    ref = weakref.ref(pkg)

    def strings() -> list[str]:
        p = ref()
        if p is None:
            raise SheetScanError("工作簿已关闭，无法再读取其共享字符串")
        return p.shared_strings()
    return strings


def _read_shared_strings(data: bytes, name: str, limits: Limits, ns: str = NS) -> list[str]:
    """The shared-strings table, streamed (a tree of millions of <si> would cost gigabytes), hardened like
    every other part, and capped at ``limits.shared_strings`` entries."""
    if has_doctype(data):
        raise PackageError(str(LimitError("PE-W011", "XML 中含有 DTD/实体声明（Excel 不会写入，已拒绝，未展开）", name)),
                           "PE-W011")
    out: list[str] = []
    si, t_tag, rph = f"{{{ns}}}{'sstItem' if ns == BETA_NS else 'si'}", f"{{{ns}}}t", f"{{{ns}}}rPh"
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
    """``data`` as the file ``path``, whole or not at all (a temporary file beside it, renamed over it). An OSError
    names ``path``: not the temporary file (what a failed rename names), nor no file (what a failed write names)."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".~", suffix=path.suffix, dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(path)) from exc     # the same subclass for the same errno
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
    """The package as zip bytes: parts in their original order and metadata; every part left unchanged copied as it
    was compressed (:mod:`.zipparts`), the others deflated anew (zipparts.LEVEL: fast; the parts' contents, not
    their compressed form, are what must stay identical)."""
    names = [n for n in [i.filename for i in pkg.infos] + pkg._added if n not in pkg._removed]
    infos = {i.filename: i for i in pkg.infos}
    entries: list[Entry] = []
    for name in names:
        if name in pkg._dirty:
            data = _serialize(pkg._trees[name], pkg.parts.get(name, b""))
        elif name in pkg._cells:
            data = pkg._cells[name].to_bytes()
        else:
            data = pkg.parts[name]
        src = infos.get(name)
        entries.append(added(name, data) if src is None
                       else rewritten(pkg._data, src, data, unchanged=data is pkg._read.get(name)))
    if all(e.info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for e in entries):
        out = write_zip(entries)
        if out is not None:
            return out
    # another compression method, or a package past the plain zip format's sizes: zipfile writes it
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as z:
        for e in entries:
            z.writestr(e.info, e.data if e.raw is None else pkg.parts.get(e.info.filename, b""), compresslevel=1)
    return buf.getvalue()


def save_package(pkg: XlsxPackage, path: str | Path) -> None:
    atomic_write(path, package_bytes(pkg))
