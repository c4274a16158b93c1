"""Hostile, damaged and odd workbooks, each built from a valid example by editing its zip parts.

``CASES`` maps a case name to a builder ``(valid_bytes) -> bytes``; issue 11's classes (malformed XML,
entity bombs, corrupt zip entries, missing parts, far cells, non-finite numbers …) and issue 10's
"accept what Excel accepts" files (cells without ``r``, reversed ranges, macro sheets).
"""
from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from typing import Callable

LOL = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
       + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
       + b"]>")


def parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i, z.read(i.filename)) for i in z.infolist()]


def rebuild(items, *, extra: list[tuple[str, bytes]] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info.filename if isinstance(info, zipfile.ZipInfo) else info, data)
        for name, data in extra:
            z.writestr(name, data)
    return out.getvalue()


def edit(data: bytes, name: str, fn: Callable[[bytes], bytes | None]) -> bytes:
    """Apply ``fn`` to part ``name`` (None removes the part)."""
    items = []
    for info, body in parts(data):
        if info.filename == name:
            body = fn(body)
            if body is None:
                continue
        items.append((info, body))
    return rebuild(items)


def first_sheet(data: bytes) -> str:
    return next(i.filename for i, _ in parts(data) if i.filename.startswith("xl/worksheets/sheet"))


def _sheet_edit(fn):
    return lambda data: edit(data, first_sheet(data), fn)


def _append_cell(ref: bytes, value: bytes = b"1"):
    row = re.match(rb"[A-Z]+([0-9]+)", ref).group(1)

    def fn(b: bytes) -> bytes:
        return b.replace(b"</sheetData>", b'<row r="' + row + b'"><c r="' + ref + b'"><v>' + value + b"</v></c></row></sheetData>")
    return fn


def _bad_crc(data: bytes) -> bytes:
    """Flip one byte of the first sheet's stored CRC-32 in its local header."""
    buf = bytearray(data)
    name = first_sheet(data).encode()
    i = buf.find(b"PK\x03\x04" + bytes(22) [:0])
    while i >= 0:
        n, m = struct.unpack("<HH", buf[i + 26:i + 30])
        if bytes(buf[i + 30:i + 30 + n]) == name:
            buf[i + 14] ^= 0xFF
            # the central directory too, so the zip directory is consistent and only the data is wrong
            j = buf.find(b"PK\x01\x02")
            while j >= 0:
                nn = struct.unpack("<H", buf[j + 28:j + 30])[0]
                if bytes(buf[j + 46:j + 46 + nn]) == name:
                    buf[j + 16] ^= 0xFF
                j = buf.find(b"PK\x01\x02", j + 4)
            return bytes(buf)
        i = buf.find(b"PK\x03\x04", i + 4)
    raise AssertionError("sheet not found")


def _corrupt_deflate(data: bytes) -> bytes:
    buf = bytearray(data)
    name = first_sheet(data).encode()
    i = buf.find(b"PK\x03\x04")
    while i >= 0:
        n, m = struct.unpack("<HH", buf[i + 26:i + 30])
        if bytes(buf[i + 30:i + 30 + n]) == name:
            start = i + 30 + n + m
            for k in range(start + 2, start + 40):
                buf[k] ^= 0x5A
            return bytes(buf)
        i = buf.find(b"PK\x03\x04", i + 4)
    raise AssertionError


def _ratio_bomb(data: bytes) -> bytes:
    """A sheet part that inflates to 300 MiB of spaces (a few hundred KiB compressed)."""
    name = first_sheet(data)
    body = dict((i.filename, b) for i, b in parts(data))[name]
    head, _, tail = body.partition(b"<sheetData>")
    big = head + b"<sheetData>" + b" " * (300 << 20) + tail
    return edit(data, name, lambda _b: big)


def _dup_entry(data: bytes) -> bytes:
    items = parts(data)
    name = first_sheet(data)
    body = dict((i.filename, b) for i, b in items)[name]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rebuild(items, extra=[(name, body.replace(b"<sheetData>", b"<sheetData><row r=\"999\"><c r=\"A999\"><v>5</v></c></row>", 1))])


SST_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_shared(data: bytes, sst: bytes, ref: bytes = b"H40") -> bytes:
    """The workbook with ``sst`` as its sharedStrings part and a cell ``ref`` showing shared string 0."""
    items = [(i, b) for i, b in parts(data) if i.filename != "xl/sharedStrings.xml"]
    sheet = first_sheet(data)
    row = re.match(rb"[A-Z]+([0-9]+)", ref).group(1)
    out = []
    for info, body in items:
        if info.filename == "xl/_rels/workbook.xml.rels":
            body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        elif info.filename == "[Content_Types].xml":
            body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        elif info.filename == sheet:
            body = body.replace(b"</sheetData>", b'<row r="' + row + b'"><c r="' + ref + b'" t="s"><v>0</v></c></row></sheetData>')
        out.append((info, body))
    return rebuild(out, extra=[("xl/sharedStrings.xml", sst)])


def _huge_shared_string(data: bytes) -> bytes:
    """2,000 cells in rows 601-1,600 all showing one 1 MiB shared string (POI's poc-shared-strings.xlsx has 12,000):
    reading it costs 1 MiB; a reader that copies the text per cell, or joins every label, costs gigabytes."""
    sheet = first_sheet(data)
    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c><c r="B%d" t="s"><v>0</v></c></row>' % (r, r, r)
                    for r in range(601, 1601))
    text = b"".join(hashlib.sha256(b"%d" % i).hexdigest().encode() for i in range(1 << 15))   # 1 MiB, compresses ~2:1
    big = with_shared(data, _sst(b"<si><t>" + text + b"</t></si>"))
    return edit(big, sheet, lambda b: b.replace(b"</sheetData>", rows + b"</sheetData>"))


def _sst(body: bytes, prolog: bytes = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>') -> bytes:
    return prolog + b'<sst xmlns="' + SST_NS + b'">' + body + b"</sst>"


def _zip64(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in parts(data):
            with z.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(body)
    return out.getvalue()


CASES: dict[str, Callable[[bytes], bytes]] = {
    # malformed XML
    "workbook_not_wellformed": lambda d: edit(d, "xl/workbook.xml", lambda b: b[: len(b) // 2]),
    "rels_not_wellformed": lambda d: edit(d, "xl/_rels/workbook.xml.rels", lambda b: b.replace(b"</Relationships>", b"")),
    "sheet_not_wellformed": _sheet_edit(lambda b: b.replace(b"</sheetData>", b"<row><c r=\"A1\"><v>1</v></sheetData>")),
    "doctype_content_types": lambda d: edit(d, "[Content_Types].xml",
                                            lambda b: b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + re.sub(rb"^<\?xml[^>]*\?>", b"", b)),
    "entity_bomb_shared": lambda d: with_shared(d, _sst(b"<si><t>&lol9;</t></si>", LOL)),
    "entity_bomb_workbook": lambda d: edit(d, "xl/workbook.xml", lambda b: LOL + re.sub(rb"^<\?xml[^>]*\?>", b"", b)),
    "deep_nesting": _sheet_edit(lambda b: b.replace(b"</sheetData>", b"</sheetData>" + b"<x>" * 100_000 + b"</x>" * 100_000)),
    "deep_nesting_workbook": lambda d: edit(d, "xl/workbook.xml", lambda b: b.replace(
        b"</workbook>", b"<extLst>" + b"<x>" * 50_000 + b"</x>" * 50_000 + b"</extLst></workbook>")),
    "unusual_styles": lambda d: edit(d, "xl/styles.xml", lambda b: re.sub(rb"<fills\b.*?</fills>", b"", b, flags=re.S)
                                     .replace(b'numFmtId="', b'numFmtId="x')),
    # zip damage
    "bad_crc": _bad_crc,
    "corrupt_deflate": _corrupt_deflate,
    "duplicate_entry": _dup_entry,
    "not_a_zip": lambda d: b"PK\x03\x04" + b"\x00" * 200,
    "empty_file": lambda d: b"",
    # missing or wrong parts
    "no_content_types": lambda d: edit(d, "[Content_Types].xml", lambda b: None),
    "no_styles": lambda d: edit(d, "xl/styles.xml", lambda b: None),
    "rel_to_missing_part": lambda d: edit(d, "xl/_rels/workbook.xml.rels",
                                          lambda b: b.replace(b"worksheets/sheet1.xml", b"worksheets/nothere.xml")),
    "rel_outside_package": lambda d: edit(d, "xl/_rels/workbook.xml.rels",
                                          lambda b: b.replace(b"worksheets/sheet1.xml", b"../../../../etc/passwd")),
    "shared_index_out_of_range": lambda d: _sheet_edit(lambda b: b.replace(b't="s"><v>0<', b't="s"><v>999999<'))(
        with_shared(d, _sst(b"<si><t>x</t></si>"))),
    # odd values
    # control characters as Excel stores them (_x0007_ escapes; a raw one is not allowed in XML), ANSI escapes
    "control_chars": lambda d: with_shared(d, _sst("<si><t xml:space=\"preserve\">_x0007__x001B_[31m红\t\u200b</t></si>"
                                                   .encode("utf-8"))),
    "raw_control_char": lambda d: with_shared(d, _sst(b"<si><t>\x07</t></si>")),
    "nonfinite_numbers": _sheet_edit(lambda b: b.replace(b"</sheetData>", b'<row r="600"><c r="A600"><v>NaN</v></c>'
                                                          b'<c r="B600"><v>INF</v></c><c r="C600"><v>1E+308</v></c>'
                                                          b'<c r="D600"><v>-INF</v></c></row></sheetData>')),
    # far cells, huge
    "far_cell": _sheet_edit(_append_cell(b"XFD1048576")),
    "row_past_limit": _sheet_edit(_append_cell(b"A2000000")),
    "ratio_bomb": _ratio_bomb,
    "many_shared_strings": lambda d: with_shared(d, _sst(b"<si><t>x</t></si>" * 3_000_000)),
    "huge_shared_string": _huge_shared_string,
    # members written with ZIP64 extra fields (some tools always do): read as any other package
    "zip64_members": lambda d: _zip64(d),
    # accepted by Excel
    "cell_without_r": _sheet_edit(lambda b: re.sub(rb'<c r="[A-Z]+[0-9]+"', b"<c", b, count=3)),
}
