"""The sheet-access interface (:mod:`perfeval_xl.xlio.access`) on files: :class:`XlsxBook` opens a package,
lets ribbon actions and annotations read and edit it through the same interface they use in Excel, adds sheets,
comments and styled tables, and saves through :class:`~perfeval_xl.xlio.package.XlsxPackage`, so every part it
does not touch stays byte for byte.
"""
from __future__ import annotations

import posixpath
import re
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from lxml import etree

from ..tablestyle import HEADER_FILL, TableStyle, row_heights
from .grid import address, parse_address
from .package import (CT_COMMENTS, CT_SHEET, CT_VML, N, NS, R_NS, REL_COMMENTS, REL_SHEET, REL_VML, XlsxPackage,
                      insert_before, package_bytes, save_package)
from .sheetxml import SheetPart, number_text, ooxml_escape, xml_attr, xml_str
from .styles import Styles

if TYPE_CHECKING:
    from .grid import Grid

#: the most characters an Excel cell holds
EXCEL_CELL_CHARS = 32_767


def _sheet_xml(rows: Sequence[Sequence[Any]], links: dict[str, tuple[str, str]] | None = None,
               style: "TableStyle | None" = None, xf: "Callable[[int, int], list[str]] | None" = None) -> bytes:
    """A worksheet holding ``rows`` of constants from A1 (numbers, booleans, inline strings), hyperlinks
    from its cells to (sheet, cell), and — with ``style`` — drawn as a reviewer's table: ``xf(row, width)`` gives
    the row's cells' style attributes (' s="3"', or "" for none); widths, row heights, frozen header, autofilter
    and landscape printing."""
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
        s_attrs = xf(i, len(row)) if xf is not None else None
        for j, v in enumerate(row):
            ref = f"{letters[j]}{i}"
            s_attr = s_attrs[j] if s_attrs is not None else ""
            if v is None or v == "":
                if s_attr:
                    out.append(f'<c r="{ref}"{s_attr}/>')
                continue
            if isinstance(v, bool):
                out.append(f'<c r="{ref}"{s_attr} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                out.append(f'<c r="{ref}"{s_attr}><v>{number_text(float(v))}</v></c>')
            else:
                text = str(v)[:EXCEL_CELL_CHARS]
                out.append(f'<c r="{ref}"{s_attr} t="inlineStr"><is><t xml:space="preserve">{xml_str(text)}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData>")
    if style is not None and rows and width:
        out.append(f'<autoFilter ref="A1:{letters[-1]}{max(len(rows), 2)}"/>')
    if links:
        out.append("<hyperlinks>")
        for cell, (sheet, target) in links.items():
            quoted = "'" + sheet.replace("'", "''") + "'"
            out.append(f'<hyperlink ref="{cell}" location="{xml_attr(f"{quoted}!{target}")}" '
                       f'display="{xml_attr(f"{sheet}!{target}")}"/>')
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
        from .grid import Grid

        cells, formats = self.cells.grid_cells(self.book.styles.number_format)
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
        #: the sheets handed out, held weakly: a sheet holds its book, and a book holding its sheets would make a cycle
        #: (freed only by the garbage collector, with the whole package behind it)
        self._sheets: weakref.WeakValueDictionary[str, XlsxSheet] = weakref.WeakValueDictionary()
        self._note_cache: dict[str, dict[str, str]] = {}
        self._comment_where: dict[str, tuple[str | None, str | None]] = {}
        self._vml: dict[str, dict[str, Any]] = {}   # VML parts being edited: base text, added shapes, next id
        #: comments part -> (its tree, the authorId of perfeval-xl's notes in it)
        self._author_ids: dict[str, tuple[etree._Element, str]] = {}

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

    def hidden_sheets(self) -> set[str]:
        """The names of the sheets Excel does not show (hidden or very hidden)."""
        wb = self.pkg.tree("xl/workbook.xml")
        return {s.get("name") for s in wb.iter(f"{{{self.pkg.main_ns}}}sheet")
                if s.get("state") in ("hidden", "veryHidden")}

    def sheet(self, name: str) -> XlsxSheet:
        sh = self._sheets.get(name)
        if sh is None:
            sh = self._sheets[name] = XlsxSheet(self, name, self.pkg.sheet_part(name))
        return sh

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
        # r:id's namespace declared here when the workbook has it only on its other <sheet>s: left to lxml, its prefix
        # would be "ns0", or "r" once openpyxl (which registers prefixes) had been imported into the process
        in_scope = R_NS in sheets.nsmap.values()
        el = etree.SubElement(sheets, f"{N}sheet", nsmap=None if in_scope else {"r": R_NS}, name=name,
                              sheetId=str(sid))
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
        self._app_titles(name, add=True)
        sh = XlsxSheet(self, name, part)
        self._sheets[name] = sh
        return sh

    def _table_xfs(self, style: TableStyle) -> Callable[[int, int], list[str]]:
        """Cell formats of each row of a styled table, as its cells' style attributes: header, wrapped or not,
        with its fill (a row without fills shares one list)."""
        st = self.styles
        memo: dict[tuple[bool, str | None], str] = {}

        def attr(wrap: bool, fill: str | None) -> str:
            if (wrap, fill) not in memo:
                s = st.table_xf(wrap=wrap, fill=fill)
                memo[(wrap, fill)] = f' s="{s}"' if s else ""
            return memo[(wrap, fill)]

        header = st.table_xf(bold=True, fill=HEADER_FILL, header=True)
        header_attr = f' s="{header}"' if header else ""
        filled: dict[int, dict[int, str]] = {}
        for (r, c), fill in style.fills.items():
            filled.setdefault(r, {})[c] = fill
        plain: dict[int, list[str]] = {}

        def xf(row: int, width: int) -> list[str]:
            if row == 1:
                return [header_attr] * width
            fills = filled.get(row)
            if fills is not None:      # cell by cell, so that formats are added in the order the cells come
                return [attr(c in style.wrap, fills.get(c)) for c in range(1, width + 1)]
            attrs = plain.get(width)
            if attrs is None:
                attrs = plain[width] = [attr(c in style.wrap, None) for c in range(1, width + 1)]
            return attrs
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
        self._app_titles(name, add=False)
        self._sheets.pop(name, None)

    def _app_titles(self, name: str, add: bool) -> None:
        """Keep docProps/app.xml's list of worksheets (HeadingPairs count, TitlesOfParts names) in step with an added
        or deleted sheet. A list laid out otherwise than Excel writes it is left as it is (the part is metadata)."""
        if APP_XML not in self.pkg.parts:
            return
        app = self.pkg.tree(APP_XML)
        pairs = app.find(f"{EP}HeadingPairs/{VT}vector")
        titles = app.find(f"{EP}TitlesOfParts/{VT}vector")
        if pairs is None or titles is None:
            return
        variants = [v[0] for v in pairs.findall(f"{VT}variant") if len(v)]
        offset = 0
        for label, count in zip(variants[::2], variants[1::2]):
            n = int(count.text or 0)
            if label.tag == f"{VT}lpstr" and label.text in WORKSHEET_HEADINGS:
                names = [t.text for t in titles[offset:offset + n]]
                if add and name not in names:
                    title = etree.Element(f"{VT}lpstr")
                    title.text = name
                    titles.insert(offset + n, title)
                    count.text = str(n + 1)
                elif not add and name in names:
                    titles.remove(titles[offset + names.index(name)])
                    count.text = str(n - 1)
                else:
                    return
                titles.set("size", str(len(titles)))
                self.pkg.touch(APP_XML)
                return
            offset += n

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
                # the notes' VML part is the one <legacyDrawing> names; a header/footer picture's VML part
                # (<legacyDrawingHF>) has the same relationship type and must not receive note shapes
                m = _LEGACY_DRAWING_ID.search(sh.cells.data)
                notes_vml = m.group(1).decode() if m else None
                for r in rels:
                    if r.get("Type") == REL_COMMENTS:
                        comments = self.pkg.resolve(sh.part, r.get("Target"))
                    elif r.get("Type") == REL_VML and r.get("Id") == notes_vml:
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
                known = self._author_ids.get(comments)
                if known is not None and known[0] is croot:
                    author = known[1]
                else:
                    authors = croot.find(f"{N}authors")
                    names = [a.text for a in authors]
                    if "perfeval-xl" not in names:
                        etree.SubElement(authors, f"{N}author").text = "perfeval-xl"
                        names.append("perfeval-xl")
                    author = str(names.index("perfeval-xl"))
                    self._author_ids[comments] = (croot, author)
                existing = etree.SubElement(clist, f"{N}comment", ref=ref, authorId=author)
                vml_state["added"][(row, col)] = _vml_shape(vml_state["next"], row, col)
                vml_state["next"] += 1
            for child in list(existing):
                existing.remove(child)
            r = etree.SubElement(etree.SubElement(existing, f"{N}text"), f"{N}r")
            t = etree.SubElement(r, f"{N}t")
            t.text = ooxml_escape(text)
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


APP_XML = "docProps/app.xml"
EP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
#: HeadingPairs labels Excel writes for worksheets (English and Chinese Excel)
WORKSHEET_HEADINGS = ("Worksheets", "工作表")
#: the r:id of a sheet's <legacyDrawing> (the VML part of its notes; <legacyDrawingHF> is the header/footer pictures')
_LEGACY_DRAWING_ID = re.compile(rb"<(?:\w+:)?legacyDrawing\s[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")


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
