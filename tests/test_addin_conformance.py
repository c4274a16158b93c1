"""The add-in's VBA project against MS-CFB/MS-OVBA, checked by a parser independent of its writer: the built
add-in and xlwings' shipped add-ins pass, hand-broken copies fail on exactly what was broken."""
import io
import struct
import zipfile

import pytest

from perfeval_xl.addin.build import build
from perfeval_xl.addin.conformance import (BLACK, RED, VBA_PROJECT_ON_WRITE, check_xlam, decompress, read_compound,
                                           read_dir)
from perfeval_xl.addin.build import xlwings_dir

pyopenvba = pytest.importorskip("pyopenvba")
from pyopenvba.cfb import CFB  # noqa: E402
from pyopenvba.vba import compress  # noqa: E402

SHIPPED = ("addin/xlwings.xlam", "quickstart_addin.xlam", "quickstart_addin_ribbon.xlam")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("conf") / "a.xlam").read_bytes()


def vba_bin(xlam: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(xlam)).read("xl/vbaProject.bin")


def replace_parts(xlam: bytes, **parts: bytes) -> bytes:
    """The package with some parts replaced (keyword names use __ for / and _dot_ for .)."""
    repl = {k.replace("__", "/").replace("_dot_", "."): v for k, v in parts.items()}
    src = zipfile.ZipFile(io.BytesIO(xlam))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            z.writestr(name, repl.get(name, src.read(name)))
    return out.getvalue()


def with_vba(xlam: bytes, data: bytes) -> bytes:
    return replace_parts(xlam, xl__vbaProject_dot_bin=data)


def test_built_addin_conforms(built):
    assert check_xlam(built) == []
    cp = read_compound(vba_bin(built))
    assert cp.streams["VBA/_VBA_PROJECT"] == VBA_PROJECT_ON_WRITE == bytes.fromhex("CC61FFFF000100")
    assert all(e.color == BLACK for e in cp.entries if e.kind)
    info, modules, problems = read_dir(decompress(cp.streams["VBA/dir"]))
    assert problems == [] and info["name"] == "perfeval_xl" and info["syskind"] in (1, 3)
    assert {m.name for m in modules} >= {"ThisWorkbook", "Sheet1", "xlwings", "xlwings_udfs", "perfeval_ribbon"}


@pytest.mark.parametrize("name", SHIPPED)
def test_xlwings_shipped_addins_pass(name):
    data = (xlwings_dir() / name).read_bytes()
    assert check_xlam(data, strict=False) == [], name
    # measured: xlwings' own add-in is in Excel's form throughout; its quickstart add-ins carry an LF-only
    # xlwings module, the one thing strict mode (Excel's form, not an MS-OVBA rule) adds
    strict = check_xlam(data)
    assert all("must end in CRLF" in p for p in strict), strict
    if name == "addin/xlwings.xlam":
        assert strict == []


def test_our_decompressor_agrees_with_olevba_and_pyopenvba():
    from oletools.olevba import decompress_stream

    cp = read_compound(vba_bin((xlwings_dir() / "addin/xlwings.xlam").read_bytes()))
    info, modules, _ = read_dir(decompress(cp.streams["VBA/dir"]))
    assert decompress(cp.streams["VBA/dir"]) == bytes(decompress_stream(bytearray(cp.streams["VBA/dir"])))
    for m in modules:
        body = cp.streams[f"VBA/{m.stream}"][m.offset:]
        assert decompress(body) == bytes(decompress_stream(bytearray(body))), m.name
        assert decompress(compress(decompress(body))) == decompress(body)


def test_red_red_pair_fails(built):
    data = bytearray(vba_bin(built))
    cp = read_compound(bytes(data))
    parent = next(e for e in cp.entries if e.kind and e.left != 0xFFFFFFFF and e.sid != 0)
    for sid in (parent.sid, parent.left):
        data[cp.entries[sid].offset + 67] = RED
    problems = check_xlam(with_vba(built, bytes(data)))
    assert any("two consecutive red nodes" in p for p in problems), problems


def test_lf_source_fails(built):
    cfb = CFB.from_bytes(vba_bin(built))
    cp = read_compound(vba_bin(built))
    _, modules, _ = read_dir(decompress(cp.streams["VBA/dir"]))
    m = next(m for m in modules if m.name == "perfeval_ribbon")
    body = cp.streams[f"VBA/{m.stream}"]
    lf = decompress(body[m.offset:]).replace(b"\r\n", b"\n")
    cfb.write_stream_in_storage("VBA", m.stream, body[:m.offset] + compress(lf))
    problems = check_xlam(with_vba(built, cfb.to_bytes()))
    assert problems == ["MS-OVBA 2.3.4.3: module perfeval_ribbon: source lines must end in CRLF"]


def test_office_version_and_cache_fail(built):
    cfb = CFB.from_bytes(vba_bin(built))
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", bytes.fromhex("CC61B500000100") + bytes(64))
    problems = check_xlam(with_vba(built, cfb.to_bytes()))
    assert any("Version is b500" in p for p in problems)
    assert any("64-byte performance cache" in p for p in problems)


def test_missing_document_module_fails(built):
    sheet = zipfile.ZipFile(io.BytesIO(built)).read("xl/worksheets/sheet1.xml")
    assert b'codeName="Sheet1"' in sheet
    broken = replace_parts(built, xl__worksheets__sheet1_dot_xml=sheet.replace(b'codeName="Sheet1"',
                                                                             b'codeName="Sheet9"'))
    assert check_xlam(broken) == ["workbook: code name Sheet9 has no document module",
                                  "workbook: document module Sheet1 belongs to no sheet or workbook"]


def test_fat_cycle_and_trailing_dir_bytes_fail(built):
    data = bytearray(vba_bin(built))
    shift = struct.unpack_from("<H", data, 30)[0]
    size = 1 << shift
    first_fat = struct.unpack_from("<I", data, 76)[0]
    fat_off = (first_fat + 1) * size
    first_dir = struct.unpack_from("<I", data, 48)[0]
    struct.pack_into("<I", data, fat_off + 4 * first_dir, first_dir)        # the directory chain loops on itself
    assert any("a cycle" in p for p in check_xlam(with_vba(built, bytes(data))))
    # the departure pyopenvba makes and the build removes: four bytes after the dir terminator
    cfb = CFB.from_bytes(vba_bin(built))
    records = decompress(cfb.get_stream_in_storage("VBA", "dir"))
    cfb.write_stream_in_storage("VBA", "dir", compress(records + bytes(4)))
    assert check_xlam(with_vba(built, cfb.to_bytes())) == ["MS-OVBA 2.3.4.2: 4 bytes after the dir terminator"]


def test_metadata_names_this_project(built):
    z = zipfile.ZipFile(io.BytesIO(built))
    core, app = z.read("docProps/core.xml").decode(), z.read("docProps/app.xml").decode()
    assert "<dc:creator>perfeval-xl</dc:creator>" in core and "William" not in core
    assert "<vt:lpstr>perfeval_xl.conf</vt:lpstr>" in app and "Sheet1" not in app
    cp = read_compound(vba_bin(built))
    assert 'Name="perfeval_xl"' in cp.streams["PROJECT"].decode("cp1252")
