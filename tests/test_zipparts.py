"""The zip container (issue 16): parts inflated straight from the bytes, unchanged parts copied as they were
compressed, and everything else still read and reported by zipfile."""
from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.xlio import PackageError, XlsxPackage, package_bytes
from perfeval_xl.xlio.zipparts import Entry, inflate, raw_entry, write_zip

PUBLIC = Path(__file__).resolve().parent / "fixtures" / "public"
EXCEL_SAVED = PUBLIC / "xlsxwriter" / "comment01.xlsx"       # saved by Excel


def _compressed(path_or_bytes, name: str) -> bytes:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    return bytes(raw_entry(data, zf.getinfo(name)))


def test_unchanged_parts_keep_their_compressed_bytes_and_changed_ones_their_content(tmp_path):
    """A recalculated, annotated copy of a file Excel saved: every part the batch did not change is the input's
    compressed entry byte for byte (CRC and sizes too); the copy passes zipfile's CRC test and opens in openpyxl."""
    shutil.copy(EXCEL_SAVED, tmp_path / "in.xlsx")
    run_batch([tmp_path / "in.xlsx"], tmp_path / "out", jobs=1, progress=None, isolate=False)
    src, out = zipfile.ZipFile(tmp_path / "in.xlsx"), zipfile.ZipFile(tmp_path / "out" / "in.xlsx")
    assert out.testzip() is None
    unchanged = [i.filename for i in src.infolist() if src.read(i.filename) == out.read(i.filename)]
    assert "xl/styles.xml" in unchanged and "xl/theme/theme1.xml" in unchanged
    for name in unchanged:
        a, b = src.getinfo(name), out.getinfo(name)
        assert (a.CRC, a.compress_size, a.file_size, a.compress_type, a.date_time, a.external_attr) == \
            (b.CRC, b.compress_size, b.file_size, b.compress_type, b.date_time, b.external_attr), name
        assert _compressed(tmp_path / "in.xlsx", name) == _compressed(tmp_path / "out" / "in.xlsx", name), name
    assert [i.filename for i in out.infolist()][: len(src.infolist())] == [i.filename for i in src.infolist()]
    load_workbook(tmp_path / "out" / "in.xlsx")


def test_written_zip_reads_back_in_zipfile(tmp_path):
    """write_zip: stored and deflated entries, a non-ASCII name, dates and permissions read back by zipfile as
    written; the same entries give the same bytes."""
    def info(name, method, when=(2024, 5, 6, 7, 8, 10)):
        zi = zipfile.ZipInfo(name, when)
        zi.compress_type, zi.external_attr = method, 0o644 << 16
        return zi

    body = "绩效".encode() * 500
    entries = [Entry(info("[Content_Types].xml", zipfile.ZIP_DEFLATED), data=b"<Types/>"),
               Entry(info("xl/自评表.xml", zipfile.ZIP_DEFLATED), data=body),
               Entry(info("xl/media/a.bin", zipfile.ZIP_STORED), data=bytes(range(256)))]
    data = write_zip(entries)
    assert data == write_zip(entries)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.testzip() is None
    assert [(i.filename, i.compress_type, i.date_time, i.external_attr) for i in zf.infolist()] == \
        [("[Content_Types].xml", 8, (2024, 5, 6, 7, 8, 10), 0o644 << 16),
         ("xl/自评表.xml", 8, (2024, 5, 6, 7, 8, 10), 0o644 << 16),
         ("xl/media/a.bin", 0, (2024, 5, 6, 7, 8, 10), 0o644 << 16)]
    assert zf.read("xl/自评表.xml") == body and zf.read("xl/media/a.bin") == bytes(range(256))
    # an entry copied raw from that zip is the same entry again
    raw = raw_entry(data, zf.getinfo("xl/自评表.xml"))
    again = write_zip([Entry(zf.getinfo("xl/自评表.xml"), raw=raw, crc=zlib.crc32(body), size=len(body))])
    assert zipfile.ZipFile(io.BytesIO(again)).read("xl/自评表.xml") == body


def _with_part(data: bytes, name: str, edit) -> bytes:
    """The package with one entry's compressed bytes changed in place (same length), as a damaged download has."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo(name)
    head = struct.unpack("<4s2B4HL2L2H", data[info.header_offset:info.header_offset + 30])
    start = info.header_offset + 30 + head[-2] + head[-1]
    body = bytearray(data[start:start + info.compress_size])
    edit(body)
    return data[:start] + bytes(body) + data[start + info.compress_size:]


def test_a_part_that_does_not_check_is_left_to_zipfile_and_reported_as_before():
    """inflate() gives up (None) on a bad CRC or a truncated stream; zipfile then reads the part and the package
    reports it with the same coded message as before (PE-W001, the part named)."""
    data = EXCEL_SAVED.read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    styles = zf.getinfo("xl/styles.xml")
    assert inflate(data, styles, 1 << 20) == zf.read("xl/styles.xml")

    def flip(body):
        body[len(body) // 2] ^= 0x55
    bad = _with_part(data, "xl/styles.xml", flip)
    assert inflate(bad, styles, 1 << 20) is None
    with pytest.raises(PackageError, match="xl/styles.xml") as exc:
        XlsxPackage(bad)
    assert exc.value.code == "PE-W001"
    # a size over the limit is not inflated here at all
    assert inflate(data, styles, styles.file_size - 1) is None


def test_a_package_copied_unchanged_is_the_input_part_for_part():
    """Nothing edited: every entry is copied raw, so the copy's entries are the input's, byte for byte."""
    data = EXCEL_SAVED.read_bytes()
    out = package_bytes(XlsxPackage(data))
    a, b = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(out))
    assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
    for i in a.infolist():
        assert _compressed(data, i.filename) == _compressed(out, i.filename)


def test_sheets_written_anew_are_no_larger_than_zlib_level_1_and_inflate_with_zlib():
    """The worksheets of the bundled examples, deflated by write_zip (zlib-ng, level 2): the standard library's zlib
    inflates each to its bytes, and together they are no larger than zlib's level 1 (what write_zip used before)."""
    examples = Path(__file__).resolve().parent.parent / "workbooks" / "examples"
    ours = theirs = 0
    for path in sorted(examples.glob("*.xlsx")):
        src = zipfile.ZipFile(path)
        names = [n for n in src.namelist() if n.startswith("xl/worksheets/sheet")]
        assert names, path
        for name in names:
            part = src.read(name)
            zi = zipfile.ZipInfo(name)
            zi.compress_type = zipfile.ZIP_DEFLATED
            data = write_zip([Entry(zi, data=part)])
            info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
            body = bytes(raw_entry(data, info))
            assert zlib.decompress(body, -15) == part and info.CRC == zlib.crc32(part)
            c = zlib.compressobj(1, zlib.DEFLATED, -15)
            ours, theirs = ours + len(body), theirs + len(c.compress(part) + c.flush())
    assert ours <= theirs


def test_a_package_and_its_book_are_freed_without_the_garbage_collector(tmp_path):
    """No reference cycle between a package, its sheet parts and the book's sheets: a batch's workbook is freed as
    soon as its turn ends (before, each waited for the collector, which walked the last files' cells again and again:
    peak memory 62 → 49 MB over 200 benchmark workbooks). The sheet part still reads shared strings while the package
    lives, and says so plainly once it is gone."""
    import gc
    import weakref

    from perfeval_xl.recalc.batch import grids_of
    from perfeval_xl.xlio import XlsxBook
    from perfeval_xl.xlio.sheetxml import SheetScanError

    import xlsxwriter

    path = tmp_path / "t.xlsx"
    with xlsxwriter.Workbook(path) as wb:       # XlsxWriter writes text as shared strings
        ws = wb.add_worksheet()
        ws.write("A1", "项目名称")
        ws.write("B1", "乡村道路")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        pkg = XlsxPackage(path.read_bytes())
        book = XlsxBook(pkg)
        [grid] = grids_of(book)                       # every sheet part parsed, a sheet handed out and dropped
        assert grid.cells[(1, 2)] == "乡村道路"          # a shared string, read through the part
        sheet = book.sheet(book.sheet_names()[0])
        assert book.sheet(sheet.name) is sheet          # the same sheet while it is held
        part = pkg.cells(sheet.part)
        alive = weakref.ref(pkg), weakref.ref(book)
        del pkg, book, sheet, grid
        assert [r() for r in alive] == [None, None]     # freed by reference counting alone
        part._cached.clear()
        with pytest.raises(SheetScanError, match="已关闭"):
            part.value("B1")
    finally:
        if was_enabled:
            gc.enable()
