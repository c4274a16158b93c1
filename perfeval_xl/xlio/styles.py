"""Just enough of a package's styles.xml: read a cell's number format and fill, add fills and table styles,
reusing existing cell formats (xfs) wherever one already says the same."""
from __future__ import annotations

import copy

from lxml import etree

from .package import N, XlsxPackage, insert_before

#: a styles part's bytes -> (it has cell formats, {xf index: number format}): the forms of a batch mostly share one
#: template's styles, read once (bounded: parts up to 256 kB, the table starts afresh past 16 of them)
_READ: dict[bytes, tuple[bool, dict[int, str | None]]] = {}
_READ_BYTES = 1 << 18
_ADDED = object()


class Styles:
    """Just enough of styles.xml to read and set a solid cell fill, reusing existing xfs."""

    BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}

    def __init__(self, pkg: XlsxPackage):
        self.pkg = pkg
        rels = pkg.rels("xl/workbook.xml")
        target = next((r.get("Target") for r in (rels if rels is not None else ())
                       if r.get("Type", "").endswith("/styles")), None)
        part = pkg.resolve("xl/workbook.xml", target) if target else None
        self._cache: dict[tuple[int, str | None], int] = {}
        self._fills: dict[int, str | None] = {}   # xf index -> solid fill (existing xfs never change)
        #: tag -> (its parent list, that list's length when read, {a child serialised: its index})
        self._serialised: dict[str, tuple[etree._Element, int, dict[bytes, int]]] = {}
        # a workbook without a (readable) styles part has no number formats or fills to read or set
        read = None
        if part in pkg.parts:
            data = pkg.parts[part]
            read = _READ.get(data)
            if read is None:
                as_read = not pkg.parsed(part)      # the tree is the bytes' own (not one already edited or added)
                read = self._read(pkg.tree(part))
                if as_read and 0 < len(data) <= _READ_BYTES:
                    if len(_READ) >= 16:
                        _READ.clear()
                    _READ[data] = read
        self.part = part if read is not None and read[0] else None
        #: xf index -> number format of every xf of the part as read (shared by the packages with this part: never
        #: changed; existing xfs never change), and of the xfs added since, read from the tree when asked
        self._read_formats: dict[int, str | None] = read[1] if read is not None else {}
        self._formats: dict[int, str | None] = {}

    def _read(self, root: etree._Element) -> tuple[bool, dict[int, str | None]]:
        """(the part has cell formats, {xf index: number format} of all of them), as read from the part."""
        xfs = root.find(f"{N}cellXfs")
        if xfs is None:
            return False, {}
        codes: dict[int, str | None] = {}
        nf = root.find(f"{N}numFmts")
        for x in (nf.findall(f"{N}numFmt") if nf is not None else ()):
            try:
                codes.setdefault(int(x.get("numFmtId")), x.get("formatCode"))
            except (ValueError, TypeError):
                continue
        formats: dict[int, str | None] = {}
        for s, xf in enumerate(xfs.findall(f"{N}xf")):
            try:
                nid = int(xf.get("numFmtId", "0"))
            except (ValueError, TypeError):
                formats[s] = None     # unusual styles: read as General
                continue
            formats[s] = self.BUILTIN_PERCENT.get(nid) or codes.get(nid)
        return True, formats

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
        fmt = self._read_formats.get(s, _ADDED)
        if fmt is not _ADDED:
            return fmt
        if s in self._formats:
            return self._formats[s]
        if self.part is None or not self.pkg.parsed(self.part):
            return None     # no xf added (that parses the tree): past the part's xfs, read as General
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
        return self._index_or_append(parent, tag, element)

    def _index_or_append(self, parent: etree._Element, tag: str, element: etree._Element) -> int:
        """The index of the first of ``parent``'s <{tag}> children identical to ``element``; ``element`` appended
        (and the list's count set) when there is none. Each child is serialised once per workbook, and ``element``
        as a child of ``parent`` (made on its own, a new element's namespace would be spelled ns0: and never match)."""
        known = self._serialised.get(tag)
        if known is None or known[0] is not parent or known[1] != len(parent):
            index: dict[bytes, int] = {}
            for i, x in enumerate(parent.findall(f"{N}{tag}")):
                index.setdefault(etree.tostring(x, with_tail=False), i)
            known = (parent, len(parent), index)
        index = known[2]
        parent.append(element)
        wanted = etree.tostring(element, with_tail=False)
        found = index.get(wanted)
        if found is not None:
            parent.remove(element)
        else:
            parent.set("count", str(len(parent)))
            self.pkg.touch(self.part)
            found = index[wanted] = len(parent.findall(f"{N}{tag}")) - 1
        self._serialised[tag] = (parent, len(parent), index)
        return found

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
        index = self._cache[key] = self._index_or_append(xfs, "xf", new)
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
        index = self._cache[key] = self._index_or_append(xfs, "xf", new)    # an identical xf reused
        return index
