"""The add-in build: reproducible bytes, modules readable by olevba, a consistent ribbon, LibreOffice opens it."""
import importlib
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from perfeval_xl import udfs
from perfeval_xl.addin.build import OUTPUT, SOURCES, build, module_sources, xlwings_dir
from perfeval_xl.addin.install import configured_addin

from libreoffice import convert, needs_libreoffice

CUI = "{http://schemas.microsoft.com/office/2009/07/customui}"


@pytest.fixture(scope="module")
def xlam(tmp_path_factory):
    d = tmp_path_factory.mktemp("addin")
    return build(d / "a.xlam"), build(d / "b.xlam")


def test_build_twice_gives_identical_bytes(xlam):
    a, b = xlam
    assert a.read_bytes() == b.read_bytes()


def test_committed_xlam_is_the_built_one(xlam):
    assert OUTPUT.read_bytes() == xlam[0].read_bytes(), "run `perfeval-xl addin build` and commit perfeval_xl/addin/perfeval_xl.xlam"


def test_olevba_reads_every_module_back(xlam):
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(xlam[0]))
    got = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    sources = module_sources()
    for name, src in sources.items():
        assert name in got, f"module {name} missing"
        body = lambda s: [ln.strip() for ln in s.replace("\r\n", "\n").split("\n")  # noqa: E731
                          if ln.strip() and not ln.startswith("Attribute VB_")]
        assert body(got[name]) == body(src), name
    runtime = (xlwings_dir() / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    assert "Public Function RunPython" in got["xlwings"] and got["xlwings"].count("\n") >= runtime.count("\n") - 5
    assert 'PROJECT_NAME As String = "perfeval_xl"' in got["xlwings"]


def test_every_udf_has_a_vba_wrapper():
    src = module_sources()["xlwings_udfs"]
    for name in udfs.UDFS:
        assert re.search(rf"^Function {name}\(", src, re.M), name
        assert f'XLPy.CallUDF("perfeval_xl.udfs", "{name}"' in src


def test_ribbon_is_consistent(xlam):
    z = zipfile.ZipFile(xlam[0])
    ui = etree.fromstring(z.read("customUI/customUI14.xml"))
    assert b"ui/extensibility" in z.read("_rels/.rels")
    ids = [e.get("id") for e in ui.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    tab = ui.find(f".//{CUI}tab")
    assert tab.get("label") == "绩效评价"
    labels = {b.get("label") for b in ui.iter(f"{CUI}button")}
    assert {"校验工作表", "清除标记", "重新计算", "插入模板", "冻结为普通公式", "规则说明"} <= labels
    callbacks = (SOURCES / "perfeval_ribbon.bas").read_text(encoding="utf-8")
    subs = set(re.findall(r"^Sub (\w+)\(control As IRibbonControl\)", callbacks, re.M))
    for b in ui.iter(f"{CUI}button"):
        assert b.get("onAction") in subs, b.get("onAction")
    commands = re.findall(r'RunPython "([^"]+)"', callbacks)
    assert len(commands) == len(subs)
    for cmd in commands:
        m = re.fullmatch(r"import ([\w.]+); ([\w.]+)\.(\w+)\(\)", cmd)
        assert m and m.group(1) == m.group(2), cmd
        assert callable(getattr(importlib.import_module(m.group(1)), m.group(3))), cmd


def test_config_sheet(xlam):
    from perfeval_xl.xlio import XlsxBook

    book = XlsxBook(xlam[0])
    assert "perfeval_xl.conf" in book.sheet_names()
    conf = book.sheet("perfeval_xl.conf")
    rows = {conf.value(f"A{i}"): conf.value(f"B{i}") for i in range(1, 6)}
    assert rows["UDF Modules"] == "perfeval_xl.udfs" and "Interpreter_Win" in rows
    ct = zipfile.ZipFile(xlam[0]).read("[Content_Types].xml")
    assert b"application/vnd.ms-excel.addin.macroEnabled.main+xml" in ct


def test_configured_addin_points_at_the_interpreter(tmp_path, xlam):
    dest = configured_addin(xlam[0], tmp_path / "perfeval_xl.xlam", r"C:\Python311\pythonw.exe")
    from perfeval_xl.xlio import XlsxBook

    conf = XlsxBook(dest).sheet("perfeval_xl.conf")
    assert {conf.value(f"A{i}"): conf.value(f"B{i}") for i in range(1, 5)}["Interpreter_Win"] == r"C:\Python311\pythonw.exe"


@needs_libreoffice
def test_libreoffice_opens_the_addin(xlam, tmp_path):
    # LibreOffice has no filter bound to the .xlam extension; the file is its macro-enabled OOXML workbook format
    [out] = convert([xlam[0]], tmp_path / "lo", "csv", recalc=False, profile=tmp_path / "p",
                    infilter="Calc MS Excel 2007 VBA XML")
    assert "UDF Modules" in out.read_text(encoding="utf-8", errors="replace")


def _vba_value(expr: str) -> str:
    """Evaluate the string expressions perfeval_help uses: "literal" & U("7EE9 6548") & …"""
    out = ""
    for lit, codes in re.findall(r'"([^"]*)"(?<!U\(")|U\("([0-9A-F ]+)"\)', expr):
        out += lit if lit else "".join(chr(int(c, 16)) for c in codes.split())
    return out


def test_function_wizard_help_comes_from_the_docstrings():
    from perfeval_xl.addin.build import CATEGORY, help_module

    src = help_module()
    assert src.isascii() and "\r\n" in src and not re.search(r"(?<!\r)\n", src)
    assert max(len(line) for line in src.split("\r\n")) < 1023
    subs = dict(re.findall(r"Private Sub Register(PE_\w+)\(ByVal category As String\)\r\n(.*?)End Sub", src, re.S))
    assert set(subs) == set(udfs.UDFS)
    for name, body in subs.items():
        values: dict[str, str] = {}
        args: list[str] = []
        for line in body.split("\r\n"):                  # run the assignments in order
            m = re.fullmatch(r"    (\w+) = (\1 & )?(.*)", line)
            if m:
                values[m.group(1)] = (values.get(m.group(1), "") if m.group(2) else "") + _vba_value(m.group(3))
            elif re.fullmatch(r"    args\(\d+\) = s", line):
                args.append(values["s"])
        fn = udfs.UDFS[name]
        assert values["description"] == fn.__doc__.strip().splitlines()[0].strip()
        assert args == list(fn.__pe_args__.values())
        assert f"\"'!{name}\", Description:=description, Category:=category" in body
    category = re.search(r"^    category = (.*)$", src, re.M).group(1)
    assert _vba_value(category) == CATEGORY == "绩效评价"


def test_workbook_open_registers_the_help(xlam):
    from oletools.olevba import VBA_Parser

    got = {Path(name).stem: code for _, _, name, code in VBA_Parser(str(xlam[0])).extract_macros()}
    assert re.search(r"Private Sub Workbook_Open\(\)\r\n(?:.*\r\n)*?    PE_RegisterHelp\r\nEnd Sub", got["ThisWorkbook"])
    assert "Public Sub PE_RegisterHelp()" in got["perfeval_help"]
