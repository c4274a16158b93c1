"""SheetPart: cells read from a worksheet's bytes and edited by splicing, every other byte kept."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from perfeval_xl.xlio.sheetxml import SheetPart, SheetScanError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
N = f"{{{NS}}}"


def sheet(body: str, tail: str = "", prefix: str = "", extra_ns: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {xmlns}{extra_ns}>'
            f"<{p}sheetData>{body}</{p}sheetData>{tail}</{p}worksheet>").encode()


SHARED = ["分值", "≥38000人"]


def test_reads_every_kind_of_cell():
    data = sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>15</v></c><c r="C1"><v>0.9649</v></c>'
                 '<c r="D1" t="b"><v>1</v></c><c r="E1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
                 '<c r="F1" t="inlineStr"><is><r><t>完成</t></r><r><t xml:space="preserve"> 目标</t></r>'
                 '<rPh sb="0" eb="1"><t>かな</t></rPh></is></c><c r="G1" s="3"/><c r="H1" t="str"><f>"a&amp;b"</f>'
                 '<v>a&amp;b</v></c><c r="I1"><v>1E-3</v></c><c r="J1" t="s"><v>1</v></c></row>')
    sp = SheetPart(data, lambda: SHARED)
    assert [sp.value(r) for r in ("A1", "B1", "C1", "D1", "E1", "F1", "G1", "H1", "I1", "J1")] == \
        ["分值", 15, 0.9649, True, "#DIV/0!", "完成 目标", None, "a&b", 0.001, "≥38000人"]
    assert sp.formula("E1") == "1/0" and sp.formula("H1") == '"a&b"' and sp.formula("B1") is None
    assert sp.style("G1") == 3 and sp.style("A1") == 0 and sp.style("Z9") == 0
    assert sp.position("J1") == (1, 10)
    assert sorted(sp.formula_refs()) == ["E1", "H1"]
    assert [(r, c) for r, c, _s, _v in sp.values()] == [(1, i) for i in (1, 2, 3, 4, 5, 6, 8, 9, 10)]


def test_pretty_printed_and_prefixed_sheets_read_the_same():
    plain = sheet('<row r="2"><c r="B2" s="1"><f>SUM(A1:A3)</f><v>6</v></c><c r="C2" t="s"><v>0</v></c></row>')
    pretty = sheet('\n  <row r="2">\n    <c r="B2" s="1">\n      <f>SUM(A1:A3)</f>\n      <v>6</v>\n    </c>\n'
                   '    <c r="C2" t="s">\n      <v>0</v>\n    </c>\n  </row>\n')
    prefixed = sheet('<x:row r="2"><x:c r="B2" s="1"><x:f>SUM(A1:A3)</x:f><x:v>6</x:v></x:c><x:c r="C2" t="s">'
                     '<x:v>0</x:v></x:c></x:row>', prefix="x")
    for data in (plain, pretty, prefixed):
        sp = SheetPart(data, lambda: SHARED)
        assert (sp.value("B2"), sp.formula("B2"), sp.style("B2"), sp.value("C2")) == (6, "SUM(A1:A3)", 1, "分值")
        sp.set_cached("B2", 7.5)
        out = sp.to_bytes()
        again = SheetPart(out, lambda: SHARED)
        assert (again.value("B2"), again.formula("B2"), again.style("B2")) == (7.5, "SUM(A1:A3)", 1)
        etree.fromstring(out)   # still well-formed


def test_cells_without_r_are_placed_as_excel_places_them():
    """ECMA-376 makes <row r> and <c r> optional: a row follows the previous row, a cell the previous cell of
    its row. Excel opens such files, so they are read, not refused (issue 10)."""
    sp = SheetPart(sheet('<row r="1"><c r="A1"><v>1</v></c><c t="s"><v>0</v></c></row>'
                         '<row><c><v>3</v></c><c r="D2"><v>4</v></c><c><v>5</v></c></row>'
                         '<row r="7"><c s="1"><v>6</v></c></row>'), lambda: SHARED)
    assert [(r, c, v) for r, c, _s, v in sp.values()] == [(1, 1, 1), (1, 2, SHARED[0]), (2, 1, 3), (2, 4, 4),
                                                          (2, 5, 5), (7, 1, 6)]
    assert sp.style("A7") == 1 and sp.value("E2") == 5


def test_cells_it_cannot_place_are_refused_not_guessed():
    with pytest.raises(SheetScanError, match="1 个单元格无法识别"):
        SheetPart(sheet('<row r="1"><c r="A1"><v>1</v></row>'))   # a <c> never closed
    with pytest.raises(SheetScanError):
        SheetPart(b"<chartsheet/>")


def test_set_cached_changes_only_that_cell():
    data = sheet('<row r="1"><c r="A1" s="2"><v>3</v></c><c r="B1" s="5" t="str"><f t="shared" ref="B1:B2" si="0">'
                 'PE_SCORE(A1)</f><v>old</v></c></row><row r="2"><c r="B2" s="5"><f t="shared" si="0"/></c></row>')
    sp = SheetPart(data)
    assert sp.formula("B2") is None and "B2" in sp.formula_refs()
    assert sp.set_cached("B1", 11.49) and sp.set_cached("B2", "#VALUE!")
    assert not sp.set_cached("B1", 11.49)          # unchanged value: no edit
    out = sp.to_bytes()
    assert out == data.replace(b'<c r="B1" s="5" t="str">', b'<c r="B1" s="5">').replace(b"<v>old</v>", b"<v>11.49</v>") \
        .replace(b'<c r="B2" s="5"><f t="shared" si="0"/></c>',
                 b'<c r="B2" s="5" t="e"><f t="shared" si="0"/><v>#VALUE!</v></c>')
    assert not SheetPart(data).edited and SheetPart(data).to_bytes() is data


def test_constants_formulas_styles_and_new_cells():
    data = sheet('<row r="2" spans="1:3"><c r="A2"/><c r="C2" s="4"><v>1</v></c></row><row r="5"/>')
    sp = SheetPart(data)
    sp.set_constant("A2", "含 <尖括号> & 空格 ")
    sp.set_style("C2", 9)
    sp.set_style("B2", 7)               # a new cell, between A2 and C2
    sp.set_formula("D7", "=ROUND(C2*2,2)", 2)   # a new row after the last one
    sp.set_constant("B5", True)          # inside an empty <row/>
    sp.set_constant("A1", 0.5)           # a new row before the first one
    out = sp.to_bytes()
    root = etree.fromstring(out)
    rows = [(r.get("r"), [c.get("r") for c in r]) for r in root.iter(f"{N}row")]
    assert rows == [("1", ["A1"]), ("2", ["A2", "B2", "C2"]), ("5", ["B5"]), ("7", ["D7"])]
    again = SheetPart(out)
    assert again.value("A2") == "含 <尖括号> & 空格 " and again.style("C2") == 9 and again.value("C2") == 1
    assert again.style("B2") == 7 and again.value("B5") is True and again.value("A1") == 0.5
    assert (again.formula("D7"), again.value("D7")) == ("ROUND(C2*2,2)", 2)
    sp2 = SheetPart(sheet(""))
    sp2.set_constant("C3", 1)
    assert SheetPart(sp2.to_bytes()).value("C3") == 1
    empty = SheetPart(sheet("").replace(b"<sheetData></sheetData>", b"<sheetData/>"))
    empty.set_constant("A1", "x")
    assert SheetPart(empty.to_bytes()).value("A1") == "x"


def test_legacy_drawing_goes_to_its_place_in_the_schema_order():
    # a conditional format's own <extLst> comes first; the sheet's <extLst> is last; legacyDrawing goes between
    tail = ('<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1"><formula>A1&gt;1</formula>'
            '<extLst><ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}"/></extLst></cfRule></conditionalFormatting>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<drawing r:id="rId1"/><tableParts count="0"/><extLst><ext uri="{X}"/></extLst>')
    data = sheet('<row r="1"><c r="A1"><v>2</v></c></row>', tail, extra_ns=f' xmlns:r="{R_NS}"')
    sp = SheetPart(data)
    assert not sp.has_element("legacyDrawing")
    sp.set_style("A1", 3)
    sp.insert_top_level("legacyDrawing", b'<legacyDrawing r:id="rId2"/>')
    assert sp.has_element("legacyDrawing")
    root = etree.fromstring(sp.to_bytes())
    assert [etree.QName(e).localname for e in root] == ["sheetData", "conditionalFormatting", "pageMargins", "drawing",
                                                        "legacyDrawing", "tableParts", "extLst"]
    bare = SheetPart(sheet('<row r="1"><c r="A1"><v>2</v></c></row>'))
    bare.insert_top_level("legacyDrawing", b"<legacyDrawing/>")
    assert bare.to_bytes().endswith(b"</sheetData><legacyDrawing/></worksheet>")


def test_array_formula_ranges():
    data = sheet('<row r="1"><c r="A1"><f t="array" ref="A1:A3">PE_SCORE(B1:B3,C1:C3,D1:D3,E1:E3)</f><v>1</v></c>'
                 '<c r="F1"><f t="array" ref="F1">1</f><v>1</v></c></row>')
    assert SheetPart(data).array_ranges() == [("A1", "A1:A3")]


def test_formula_text_replaced_in_place():
    data = sheet('<row r="1"><c r="A1" s="2"><f t="shared" ref="A1:A2" si="0">PE_GRADE(B1)</f><v>优</v></c></row>')
    sp = SheetPart(data)
    sp.set_formula_text("A1", 'IF(B1>=90,"优","良")')
    assert sp.to_bytes() == data.replace(b"PE_GRADE(B1)", 'IF(B1&gt;=90,"优","良")'.encode())


def test_attributes_on_several_lines_keep_one_type():
    data = sheet('<row r="1"><c r="A1"\n\tt="str"\n\ts="2"><f>"x"</f><v>x</v></c></row>')
    sp = SheetPart(data)
    assert sp.value("A1") == "x" and sp.style("A1") == 2
    sp.set_cached("A1", 3)
    sp.set_constant("A1", "y")
    root = etree.fromstring(sp.to_bytes())
    c = root.find(f"{N}sheetData/{N}row/{N}c")
    assert c.get("t") == "inlineStr" and c.get("s") == "2" and SheetPart(sp.to_bytes()).value("A1") == "y"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.floats(allow_nan=False), st.integers(min_value=-10**18, max_value=10**18), st.booleans(),
                 st.text(max_size=20), st.sampled_from([0.0, -0.0, 1e15, 1e15 - 1, -1e15, 1e14, 5e-324, float("inf"),
                                                       "#DIV/0!", "", None, "a&amp;b<c>"])))
def test_a_cached_value_reads_back_as_it_reads_once_saved(value):
    """Issue 16: a cached value set in a sheet is read back (for the layout reader's grid) without decoding the bytes
    just written; what it reads must be exactly what reading the saved part gives (type included: 2 and not 2.0)."""
    sp = SheetPart(sheet('<row r="1"><c r="A1" s="1"><f>X()</f></c><c r="B1"><f>Y()</f><v>7</v></c></row>'))
    sp.set_cached("A1", value)
    sp.set_cached_values([("B1", value)])
    again = SheetPart(sp.to_bytes())
    for ref in ("A1", "B1"):
        now, saved = sp.value(ref), again.value(ref)
        assert type(now) is type(saved) and (now == saved or now != now and saved != saved), (ref, value, now, saved)
    assert [v for *_rc, v in sp.values()] == [v for *_rc, v in again.values()]


def test_cached_values_written_into_the_cells_own_bytes():
    """Issue 16: a batch of cached values changes only each cell's <v> (and its t attribute where the type changes):
    the formula, other attributes and whitespace stay byte for byte. A cell edited again afterwards (a fill added
    by the annotation) keeps the value; an empty <v/> and a self-closed cell get a new element as before."""
    data = sheet('<row r="1"><c r="A1" s="2">\n  <f>SUM(B1:B2)</f>\n  <v>1</v>\n</c><c r="B1" t="n"><f>X()</f><v></v></c>'
                 '<c r="C1" t="str"><f>Y()</f><v/></c><c r="D1" s="1"/><c r="E1"><f>Z()</f></c></row>')
    sp = SheetPart(data)
    sp.set_cached_values([("A1", 3), ("B1", "达标"), ("C1", True), ("D1", 0.5), ("E1", "#DIV/0!")])
    out = sp.to_bytes()
    assert b'<c r="A1" s="2">\n  <f>SUM(B1:B2)</f>\n  <v>3</v>\n</c>' in out
    assert b'<c r="B1" t="str"><f>X()</f><v>\xe8\xbe\xbe\xe6\xa0\x87</v></c>' in out
    assert b'<c r="E1" t="e"><f>Z()</f><v>#DIV/0!</v></c>' in out
    again = SheetPart(out)
    assert [again.value(r) for r in ("A1", "B1", "C1", "D1", "E1")] == [3, "达标", True, 0.5, "#DIV/0!"]
    assert [sp.value(r) for r in ("A1", "B1", "C1", "D1", "E1")] == [3, "达标", True, 0.5, "#DIV/0!"]
    sp.set_style("A1", 7)
    sp.set_style("B1", 5)
    final = SheetPart(sp.to_bytes())
    assert (final.value("A1"), final.style("A1"), final.formula("A1")) == (3, 7, "SUM(B1:B2)")
    assert (final.value("B1"), final.style("B1"), final.formula("B1")) == ("达标", 5, "X()")
    etree.fromstring(sp.to_bytes())


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["<is><t>完成</t></is>", "<is><r><t>a</t></r><r><t>b</t></r></is>", "text", "<",
                                 "</", "</c", "</v>", "<c r=\"Z9\">", "<extLst><ext/></extLst>", "/>", ">", " "]),
                max_size=8),
       st.sampled_from(["", "x"]))
def test_a_cells_rest_ends_at_its_first_closing_tag(pieces, prefix):
    """The cell pattern's last part (what follows <f> and <v>: an <is>, an <extLst>) is (.*?)</c> written as an
    unrolled loop, which the regular-expression engine runs faster: on any text, both end at the first </c>."""
    import re

    from perfeval_xl.xlio.sheetxml import _REF, _REST, _patterns

    p = f"{prefix}:" if prefix else ""
    rest = "".join(pieces).replace("<c r", f"<{p}c r").replace("</c", f"</{p}c")
    data = sheet(f'<row r="1"><{p}c r="A1" t="inlineStr">{rest}</{p}c><{p}c r="B1"><{p}v>1</{p}v></{p}c></row>',
                 prefix=prefix)
    lazy = re.compile(rb"(.*?)</" + re.escape(p.encode()) + rb"c>", re.DOTALL)
    for pattern in _patterns(p.encode())[:2]:
        m = pattern.search(data)
        assert m is not None and m[_REF] == b"A1"
        assert m[_REST] == lazy.match(data, m.start(_REST))[1]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(['<c r="A1"', '<c r="B2" s="3"', ' t="s"', ' t="inlineStr"', ' x14ac:dyDescent="0.25"',
                                 ' cm="1"', ' s="4"', "  ", "\n", ">", "/>", "<f>SUM(A1)</f>", "<f/>", "<v>1</v>",
                                 "<v/>", "<is><t>完成</t></is>", "</c>", "<", "</", "=", '"', "text", "<extLst/>"]),
                max_size=14),
       st.sampled_from(["", "x"]))
def test_possessive_repeats_match_as_the_greedy_ones(pieces, prefix):
    """The cell patterns' possessive repeats (Python 3.11.5+) find the same cells, spans and groups as the same
    patterns with greedy repeats, on any markup (checked also on every sheet part of the fixtures, the bundled and
    benchmark workbooks, and XlsxWriter's and Apache POI's test files: 2,188 parts, 1.87 M matches)."""
    from perfeval_xl.xlio.sheetxml import _POSSESSIVE, compile_patterns, possessive_repeats_work

    if not possessive_repeats_work():
        assert _POSSESSIVE == b""       # this Python's possessive repeats are missing or broken: greedy ones are used
        pytest.skip("possessive repeats need Python 3.11.5 or later")
    p = f"{prefix}:" if prefix else ""
    body = "".join(pieces).replace("<c r", f"<{p}c r").replace("</c>", f"</{p}c>").replace("<f", f"<{p}f") \
        .replace("</f>", f"</{p}f>").replace("<v", f"<{p}v").replace("</v>", f"</{p}v>")
    data = sheet(f'<row r="1">{body}<{p}c r="C3"><{p}v>2</{p}v></{p}c></row>', prefix=prefix)
    possessive, greedy_ones = compile_patterns(p.encode(), b"+"), compile_patterns(p.encode(), b"")
    for pattern, greedy in zip(possessive[:2], greedy_ones[:2]):
        assert b"*+" in pattern.pattern and b"*+" not in greedy.pattern
        got = [(m.span(), m.groups()) for m in pattern.finditer(data)]
        assert got == [(m.span(), m.groups()) for m in greedy.finditer(data)]
        assert got     # C3 at least


def test_a_cached_value_replaces_an_empty_type_attribute_instead_of_adding_a_second():
    """A formula cell written with t="" (which neither cell pattern reads as a type) that gets a text gets one t
    attribute, not two: a repeated attribute would make the whole sheet unreadable to Excel."""
    sp = SheetPart(sheet('<row r="1"><c r="A1" t=""><f>X()</f><v></v></c><c r="B1" s="2" t=""><f>Y()</f><v></v></c>'
                         '</row>'))
    sp.set_cached_values([("A1", "达标"), ("B1", 2.5)])
    out = sp.to_bytes()
    etree.fromstring(out)          # well-formed: no attribute twice
    assert b'<c r="A1" t="str"><f>X()</f><v>' in out
    assert [SheetPart(out).value(r) for r in ("A1", "B1")] == ["达标", 2.5]


@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=40) | st.sampled_from(
    ["完成率≥95%", "a&b<c>d", "\x07响铃", "\ufffe", "行1\n行2\t", "_x0007_", ""]))
@settings(max_examples=300, deadline=None)
def test_text_written_as_xml_is_escaped_as_before_and_parses_back(text):
    """xml_str (the 校验结果 sheet's cells) gives what escaping every text gave: markup as entities, a character XML
    cannot hold as Excel's _xHHHH_; unchanged text comes back as the same string. Written into a cell, it parses."""
    from perfeval_xl.xlio.sheetxml import ooxml_escape, xml_str, xml_text

    want = ooxml_escape(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert xml_str(text) == want and xml_text(text) == want.encode("utf-8", "surrogatepass")
    etree.fromstring(f"<t>{xml_str(text)}</t>".encode("utf-8", "surrogatepass"))


def _python_with_broken_possessive_repeats() -> str | None:
    """A Python 3.11 older than 3.11.5 on this machine (Debian 12's python3 is 3.11.2), whose ``re`` fails some
    possessive repeats (CPython gh-100061, gh-106052); None when there is none."""
    import shutil
    import subprocess

    for exe in dict.fromkeys(["/usr/bin/python3.11", "/usr/bin/python3", shutil.which("python3.11") or ""]):
        if not exe or not Path(exe).exists():
            continue
        res = subprocess.run([exe, "-c", "import sys; print(*sys.version_info[:3])"], capture_output=True, text=True)
        if res.returncode == 0 and (3, 11, 0) <= tuple(map(int, res.stdout.split())) < (3, 11, 5):
            return exe
    return None


def test_workbooks_read_alike_on_a_python_whose_possessive_repeats_are_broken(tmp_path):
    """On Python 3.11.0–3.11.4 the cell pattern with possessive repeats matched no cell holding a value, so every
    workbook was refused as unreadable (PE-W001) on Debian 12's own python3. There the patterns are built greedy:
    each bundled example gives the same summary entry and the same output bytes as on this interpreter."""
    import json
    import subprocess
    import sysconfig

    from perfeval_xl.engine.profile import NATIONAL
    from perfeval_xl.recalc.batch import Job, prepare, process

    import sys

    if sys.version_info[:2] != (3, 11):
        pytest.skip("the older 3.11 borrows this interpreter's packages, which must be built for 3.11")
    exe = _python_with_broken_possessive_repeats()
    if exe is None:
        pytest.skip("no Python 3.11 older than 3.11.5 on this machine")
    root = Path(__file__).resolve().parent.parent
    examples = sorted((root / "workbooks" / "examples").glob("*.xlsx"))
    assert len(examples) >= 4
    code = f"""
import json, sys
from perfeval_xl.xlio.sheetxml import _POSSESSIVE
from perfeval_xl.recalc.batch import Job, prepare, process
from perfeval_xl.engine.profile import NATIONAL
prepare()
out = {{}}
for src in {[str(f) for f in examples]!r}:
    name = src.rsplit('/', 1)[-1]
    e = process(Job(src, name, {str(tmp_path / 'old')!r} + '/' + name, NATIONAL, True, False))
    e['output'] = None
    out[name] = e
print(json.dumps({{'possessive': _POSSESSIVE.decode(), 'entries': out}}, ensure_ascii=False, default=str))
"""
    # this interpreter's packages (cp311 wheels load in any 3.11) and the repository, on the old Python's path
    env = {"PYTHONPATH": f"{root}:{sysconfig.get_paths()['purelib']}:{sysconfig.get_paths()['platlib']}",
           "PATH": "/usr/bin:/bin"}
    (tmp_path / "old").mkdir()
    res = subprocess.run([exe, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    old = json.loads(res.stdout)
    assert old["possessive"] == ""
    prepare()
    (tmp_path / "new").mkdir()
    for f in examples:
        entry = process(Job(str(f), f.name, str(tmp_path / "new" / f.name), NATIONAL, True, False))
        entry["output"] = None
        assert entry["status"] == "ok" and entry["sheets"]
        assert json.loads(json.dumps(entry, ensure_ascii=False, default=str)) == old["entries"][f.name]
        assert (tmp_path / "old" / f.name).read_bytes() == (tmp_path / "new" / f.name).read_bytes()
