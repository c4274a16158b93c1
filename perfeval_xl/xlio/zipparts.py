"""The zip container of a package at the level of its entries: parts inflated straight from the file's bytes, and a
package written with every part it did not change copied as it was compressed.

zipfile reads a part through a file object per entry and compresses every part it writes again. A 自评表 has some
twenty parts, of which a recalculation changes the worksheets and workbook.xml; the rest (styles, theme, comments,
drawings, relationships…) are copied here byte for byte, compressed bytes included, with their CRC and sizes.
zipfile still reads the directory, and any entry this module does not handle the common way (another compression
method, encryption, a data descriptor that disagrees, a size or CRC that does not check) is left to zipfile, so
that its errors and limits apply exactly as before.

Deflate and CRC-32 come from zlib-ng (the zlib_ng package: the same formats, a faster implementation). At its level 2
it writes a benchmark workbook's three indicator sheets in 124 µs where zlib's level 1 took 441 µs, and smaller
(20.7 KB against 21.4 KB); its level 1 would be faster still (95 µs) but 23 % larger.
"""
from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass

from zlib_ng import zlib_ng

_LOCAL = struct.Struct("<4s2B4HL2L2H")          # as zipfile.structFileHeader
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")      # as zipfile.structCentralDir
_END = struct.Struct("<4s4H2LH")                # as zipfile.structEndArchive
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_UTF8_NAME = 0x800
_VERSION = 20                                   # deflate: what zipfile writes
#: below these a package needs no ZIP64 records (the limits keep every real workbook far below them)
_MAX_SIZE, _MAX_ENTRIES = 0x7FFF_FFFF, 0xFFFF


def raw_entry(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """The compressed bytes of an entry, located through its local header as zipfile does; None when the header
    is not as the directory says (zipfile then reads the entry and reports what is wrong)."""
    off = info.header_offset
    head = data[off:off + _LOCAL.size]
    if len(head) < _LOCAL.size or head[:4] != _LOCAL_SIG:
        return None
    name_len, extra_len = _LOCAL.unpack(head)[-2:]
    start = off + _LOCAL.size + name_len
    encoding = "utf-8" if info.flag_bits & _UTF8_NAME else "cp437"
    try:
        same = data[off + _LOCAL.size:start] == info.orig_filename.encode(encoding)
    except UnicodeEncodeError:
        same = False
    start += extra_len
    end = start + info.compress_size
    if not same or end > len(data):
        return None
    return memoryview(data)[start:end]


def inflate(data: bytes, info: zipfile.ZipInfo, max_bytes: int) -> bytes | None:
    """The part's bytes, inflated from the file's bytes and checked (size, end of stream, CRC-32); None where this is
    not the common case or does not check, for zipfile to read (and to report) instead."""
    if info.flag_bits & 1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
            or info.file_size > max_bytes:
        return None
    raw = raw_entry(data, info)
    if raw is None:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        out = bytes(raw)
    else:
        d = zlib_ng.decompressobj(-15)
        try:
            out = d.decompress(raw, info.file_size + 1)
        except zlib_ng.error:
            return None
        if not d.eof:
            return None
    if len(out) != info.file_size or zlib_ng.crc32(out) != info.CRC:
        return None
    return out


@dataclass
class Entry:
    """One entry to write: its metadata, and either the part's bytes (compressed here) or, for a part copied as it
    was, the source's compressed bytes with the CRC and size they stand for."""
    info: zipfile.ZipInfo             # name, date, permissions, creating system, compression method
    data: bytes | None = None         # the part's bytes, to compress
    raw: memoryview | None = None     # or: compressed bytes as they are in the source
    crc: int = 0
    size: int = 0


def rewritten(source: bytes, info: zipfile.ZipInfo, content: bytes, unchanged: bool) -> Entry:
    """An entry of the zip ``source`` written again with its metadata (name, date, method, permissions, system): its
    compressed bytes as they are when ``unchanged`` and they check, else ``content`` compressed anew."""
    zi = zipfile.ZipInfo(info.filename, info.date_time)
    zi.compress_type, zi.external_attr, zi.create_system = info.compress_type, info.external_attr, info.create_system
    if unchanged and info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 1:
        raw = raw_entry(source, info)
        if raw is not None:
            return Entry(zi, raw=raw, crc=info.CRC, size=info.file_size)
    return Entry(zi, data=content)


def added(name: str, content: bytes) -> Entry:
    """A new entry: deflated, dated 1980-01-01, readable and writable by its owner."""
    zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    zi.compress_type, zi.external_attr, zi.create_system = zipfile.ZIP_DEFLATED, 0o600 << 16, 0
    return Entry(zi, data=content)


#: the deflate level parts written anew get (see the module's docstring)
LEVEL = 2


def write_zip(entries: list[Entry], level: int = LEVEL) -> bytes | None:
    """The package as zip bytes, entries in the order given, deterministic (same entries, same bytes); None when it
    would need ZIP64 records (the caller writes it with zipfile then)."""
    if len(entries) >= _MAX_ENTRIES:
        return None
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for e in entries:
        info = e.info
        method = info.compress_type
        if e.raw is not None:
            body, crc, size = e.raw, e.crc, e.size
        else:
            data = e.data or b""
            crc, size = zlib_ng.crc32(data), len(data)
            if method == zipfile.ZIP_DEFLATED:
                c = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
                body = c.compress(data) + c.flush()
            else:
                method, body = zipfile.ZIP_STORED, data
        if size > _MAX_SIZE or len(body) > _MAX_SIZE or offset > _MAX_SIZE:
            return None
        try:
            name, flags = info.filename.encode("ascii"), 0
        except UnicodeEncodeError:
            name, flags = info.filename.encode("utf-8"), _UTF8_NAME
        y, mo, d, h, mi, s = info.date_time
        date, time = (y - 1980) << 9 | mo << 5 | d, h << 11 | mi << 5 | s // 2
        out.append(_LOCAL.pack(_LOCAL_SIG, _VERSION, 0, flags, method, time, date, crc, len(body), size, len(name), 0))
        out.append(name)
        out.append(body)
        central.append(_CENTRAL.pack(_CENTRAL_SIG, _VERSION, info.create_system, _VERSION, 0, flags, method, time, date,
                                     crc, len(body), size, len(name), 0, 0, 0, 0, info.external_attr, offset) + name)
        offset += _LOCAL.size + len(name) + len(body)
    directory = b"".join(central)
    if offset + len(directory) > _MAX_SIZE:
        return None
    out.append(directory)
    out.append(_END.pack(_END_SIG, 0, 0, len(entries), len(entries), len(directory), offset, 0))
    return b"".join(out)
