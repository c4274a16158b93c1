"""Forms inside Word documents (a 自评报告's 附件, a province's form distributed in Word): their tables read as Excel shows
them when pasted at A1, the forms among them reviewed like a sheet's, the other Word files listed with the reason."""
import copy
import importlib.util
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from perfeval_xl.limits import DEFAULT, LimitError
from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.recalc.summary import totals_line
from perfeval_xl.xlio.textsheets import SheetBuilder, _place_table
from perfeval_xl.xlio.wordtables import sheet_note, word_grids

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "workbooks" / "corpus"
FIX = Path(__file__).resolve().parent / "fixtures"
POI = FIX / "public" / "poi"
LANGFANG = CORPUS / "hebei_langfang_shipin_nuantong_2019.xlsx"
EX_SEED1 = ROOT / "workbooks" / "examples" / "seed001_评分表.xlsx"


def _forms() -> list[dict]:
    spec = importlib.util.spec_from_file_location("build_corpus", ROOT / "scripts" / "build_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.FORMS


def _range(ref: str) -> tuple[int, int, int, int]:
    from openpyxl.utils.cell import range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    return r1, c1, r2, c2


def _text(v) -> str:
    return "" if v is None else f"{v:.10g}" if isinstance(v, float) else str(v)


def word_of(*forms: dict, title_as_paragraphs: bool = True) -> bytes:
    """Corpus forms as a Word document is typed: each form's leading one-cell rows (the title, "（2022年度）") as
    paragraphs (or, ``title_as_paragraphs=False``, as the table's first rows), the rest as a table with the form's
    merged cells; forms one after another, a page break between them."""
    doc = Document()
    for n, form in enumerate(forms):
        if n:
            doc.add_page_break()
        rows, merges = form["rows"], [_range(m) for m in form["merges"]]
        k = 0
        while title_as_paragraphs and k < len(rows) and all(v in (None, "") for v in rows[k][1:]):
            k += 1
        for row in rows[:k]:
            doc.add_paragraph(_text(row[0]))
        width = max(len(r) for r in rows)
        table = doc.add_table(rows=len(rows) - k, cols=width)
        for i, row in enumerate(rows[k:]):
            for j, v in enumerate(row):
                if v is not None:
                    cell = table.cell(i, j)
                    lines = _text(v).split("\n")
                    cell.paragraphs[0].text = lines[0]
                    for line in lines[1:]:
                        cell.add_paragraph(line)
        for r1, c1, r2, c2 in merges:
            if r1 > k:
                table.cell(r1 - k - 1, c1 - 1).merge(table.cell(r2 - k - 1, c2 - 1))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _findings(summary: dict, path: str) -> list[tuple[str, str]]:
    w = next(w for w in summary["workbooks"] if w["path"] == path)
    return sorted((f["code"], f["cell"]) for s in w["sheets"] for f in s["findings"])


@pytest.mark.parametrize("form", _forms(), ids=lambda f: f["file"])
def test_each_corpus_form_typed_in_word_is_reviewed_as_its_workbook(tmp_path, form):
    """The same form as a Word table (title paragraphs above it): the same findings on the same cells, the same
    figures read, as the corpus workbook."""
    (tmp_path / "w").mkdir()
    (tmp_path / "x").mkdir()
    (tmp_path / "w" / "表.docx").write_bytes(word_of(form))
    shutil.copy(CORPUS / form["file"], tmp_path / "x" / "表.xlsx")
    word = run_batch([tmp_path / "w"], tmp_path / "o1", jobs=1, progress=None, isolate=False)
    book = run_batch([tmp_path / "x"], tmp_path / "o2", jobs=1, progress=None, isolate=False)
    assert _findings(word, "表.docx") == _findings(book, "表.xlsx")
    expected = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))[form["file"]]
    for want in expected["raise"]:
        assert (want["code"], want["cell"]) in _findings(word, "表.docx")
    ws, bs = word["workbooks"][0]["sheets"][0], book["workbooks"][0]["sheets"][0]
    for key in ("form", "project", "unit", "budget", "execution_rate", "total_stated", "total", "grade"):
        assert ws[key] == bs[key], key
    assert [i["score_stated"] for i in ws["indicators"]] == [i["score_stated"] for i in bs["indicators"]]
    # the Word file is not written back; its form is written to a workbook, the same findings marked on it
    assert not (tmp_path / "o1" / "表.docx").exists()
    copy = tmp_path / "o1" / "表（Word表格）.xlsx"
    assert word["workbooks"][0]["output"] == str(copy)
    again = run_batch([copy], tmp_path / "o3", jobs=1, progress=None, isolate=False, annotate=False)
    assert _findings(again, copy.name) == _findings(book, "表.xlsx")


def test_a_form_libreoffice_saved_as_word_reads_as_the_workbook(tmp_path):
    """Another program's Word file: LibreOffice's docx of the 廊坊 form (merges as w:gridSpan / w:vMerge, the title
    rows inside the table): the corpus form's findings, on its cells, and the figures a reviewer sees."""
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice.docx", tmp_path / "廊坊.docx")
    summary = run_batch([tmp_path / "廊坊.docx"], tmp_path / "out", jobs=1, progress=None, isolate=False)
    w = summary["workbooks"][0]
    assert _findings(summary, "廊坊.docx") == [("PE-A100", "D38"), ("PE-B201", "E7"), ("PE-S304", "H14"),
                                              ("PE-S304", "H7")]
    s = w["sheets"][0]
    assert (s["sheet"], s["project"], s["unit"], s["budget"], s["total"]) == (
        "表格1", "办公宿舍楼、食堂及餐厅暖通改造经费", "廊坊市食品工程学校", 43.2, 97.24)
    assert round(s["execution_rate"], 4) == 0.862
    assert w["notes"][:2] == ["Word 文档：已读取其中的表格并校验；含自评表的表格另存为 Excel 工作簿“廊坊（Word表格）.xlsx”，问题标注在其中",
                              "“表格1”是文档中的第 1 个表格：单元格按粘贴到 Excel A1 后的行列标注（表格从第 1 行起）"]


def test_a_word_documents_tables_where_libreoffice_puts_them():
    """A form saved by Word (POI's stress019.docx: five tables, 24 vertically and 19 horizontally merged cells): each
    table's cells and merged ranges where LibreOffice places them (its HTML export, read as Excel reads HTML)."""
    from lxml import html

    sheets = word_grids((POI / "stress019.docx").read_bytes())
    page = html.document_fromstring((POI / "stress019.libreoffice.html").read_bytes().decode("utf-8"))
    tables = list(page.iter("table"))
    assert [s.tables for s in sheets] == [1] * 5 and len(tables) == 5
    assert sum(len(s.grid.merged) for s in sheets) > 20
    for sheet, table in zip(sheets, tables):
        lo = SheetBuilder("lo", DEFAULT)
        _place_table(lo, table)
        shift = sheet.title_rows
        ours = {(r - shift, c): " ".join(str(v).split()) for (r, c), v in sheet.grid.cells.items() if r > shift}
        assert ours == {k: " ".join(str(v).split()) for k, v in lo.grid.cells.items()}, sheet.grid.sheet
        assert sorted((a - shift, b, c - shift, d) for a, b, c, d in sheet.grid.merged) == sorted(lo.grid.merged)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _run(text: str, **props) -> etree._Element:
    r = etree.Element(qn("w:r"))
    if props:
        rpr = etree.SubElement(r, qn("w:rPr"))
        for k in props:
            etree.SubElement(rpr, qn(f"w:{k}"))
    t = etree.SubElement(r, qn("w:t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def test_what_word_shows_is_read_and_what_it_hides_is_not(tmp_path):
    """A cell's deleted revision, a field's code, hidden text are not read; an insertion, a field's result, a
    hyperlink's text are. Two tables with only an empty paragraph between them are one form (a table split by a page
    break); a text paragraph starts the next sheet, with at most three short paragraphs above a table as its title."""
    doc = Document()
    doc.add_paragraph("这是一段很长的报告正文，" * 10)          # too long for a title: left out
    doc.add_paragraph("附件1")
    doc.add_paragraph("项目支出绩效自评表")
    t1 = doc.add_table(rows=2, cols=3)
    t1.cell(0, 0).text = "项目名称"
    t1.cell(0, 1).merge(t1.cell(0, 2)).text = "乡村道路养护"
    t1.cell(1, 0).text = "得分"
    p = t1.cell(1, 1).paragraphs[0]
    p._p.append(_run("9"))
    d = etree.SubElement(p._p, qn("w:del"))
    r = _run("8")
    r.find(qn("w:t")).tag = qn("w:delText")
    d.append(r)
    ins = etree.SubElement(p._p, qn("w:ins"))
    ins.append(_run("5"))
    p._p.append(_run("（隐藏）", vanish=True))
    # a field: { PAGE } shows its result "3" after the separator
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "分"), ("end", None)):
        r = etree.SubElement(p._p, qn("w:r"))
        if kind:
            etree.SubElement(r, qn("w:fldChar")).set(qn("w:fldCharType"), kind)
        else:
            el = etree.SubElement(r, qn("w:instrText") if text.strip() == "PAGE" else qn("w:t"))
            el.text = text
    t1.cell(1, 2).text = "86%"
    doc.add_paragraph("")                                        # an empty line, then the table goes on
    t2 = doc.add_table(rows=2, cols=3)
    t2.cell(0, 0).merge(t2.cell(1, 0)).text = "合计"
    t2.cell(0, 1).text = "43.2"
    t2.cell(1, 2).text = "≥50个"
    t2.cell(0, 2).text = "三级指标得分"   # the sheet now holds an indicator table: text after it starts another sheet
    doc.add_paragraph("第二张表")
    t3 = doc.add_table(rows=1, cols=1)
    t3.cell(0, 0).text = "1,234.5"
    buf = io.BytesIO()
    doc.save(buf)
    sheets = word_grids(buf.getvalue())
    assert [(s.grid.sheet, s.first_table, s.title_rows, s.tables) for s in sheets] == [
        ("表格1", 1, 2, 2), ("表格3", 3, 1, 1)]
    g = sheets[0].grid
    assert g.cells == {(1, 1): "附件1", (2, 1): "项目支出绩效自评表", (3, 1): "项目名称", (3, 2): "乡村道路养护",
                       (4, 1): "得分", (4, 2): "95分", (4, 3): 0.86, (5, 1): "合计", (5, 2): 43.2, (5, 3): "三级指标得分",
                       (6, 3): "≥50个"}
    assert g.number_formats == {(4, 3): "0%"}
    assert sorted(g.merged) == [(3, 2, 3, 3), (5, 1, 6, 1)]
    assert sheets[1].grid.cells == {(1, 1): "第二张表", (2, 1): 1234.5}
    assert sheet_note(sheets[0]) == ("“表格1”是文档中的第 1 个表格（续 1 个表格）：单元格按粘贴到 Excel A1 后的行列标注"
                                     "（第 1–2 行为表格上方的标题，表格从第 3 行起）")


def test_older_merges_and_rows_that_start_late():
    """w:hMerge (Word 95's horizontal merge, still written by some exporters) joins a cell to the one before it;
    w:gridBefore leaves a row's first grid columns empty; a vMerge "continue" with nothing above starts nothing."""
    xml = (f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:tbl>'
           '<w:tr><w:tc><w:tcPr><w:hMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>一级指标</w:t></w:r></w:p></w:tc>'
           '<w:tc><w:tcPr><w:hMerge/></w:tcPr><w:p/></w:tc>'
           '<w:tc><w:p><w:r><w:t>分值</w:t></w:r></w:p></w:tc></w:tr>'
           '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>'
           '<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p><w:r><w:t>产出</w:t></w:r></w:p></w:tc>'
           '<w:tc><w:p><w:r><w:t>50</w:t></w:r></w:p></w:tc></w:tr>'
           '</w:tbl><w:p/></w:body></w:document>')
    sheets = word_grids(_docx(xml))
    assert sheets[0].grid.cells == {(1, 1): "一级指标", (1, 3): "分值", (2, 2): "产出", (2, 3): 50}
    assert sheets[0].grid.merged == [(1, 1, 1, 2)]


def _docx(document_xml: str, main: str = "word/document.xml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/officeDocument" Target="/{main}"/></Relationships>')
        z.writestr(main, document_xml)
    return buf.getvalue()


def test_the_main_part_is_the_one_the_package_names():
    xml = (f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc>'
           '</w:tr></w:tbl></w:body></w:document>')
    assert word_grids(_docx(xml, "word/document2.xml"))[0].grid.cells == {(1, 1): "x"}
    with pytest.raises(LimitError, match="DTD"):
        word_grids(_docx('<!DOCTYPE x [<!ENTITY a "b">]>' + xml))
    with pytest.raises(LimitError, match="压缩结构已损坏"):
        word_grids(b"PK\x03\x04broken")


def test_word_files_without_a_form_are_listed_with_the_reason(tmp_path):
    """A report without tables, one whose tables are no form, a Word 97 binary (POI's), an encrypted document: none
    is a failure of the batch or a file left unrecognised; each is one of the other files, its reason kept."""
    import msoffcrypto

    inp = tmp_path / "in"
    inp.mkdir()
    doc = Document()
    doc.add_paragraph("2023年度部门整体支出绩效自评报告")
    doc.save(inp / "自评报告.docx")
    doc = Document()
    t = doc.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 0).text, t.cell(1, 1).text = "姓名", "电话", "张三", "123"
    doc.save(inp / "联系人.docx")
    shutil.copy(POI / "Bug60942b.doc", inp / "说明.doc")
    shutil.copy(POI / "Bug60942b.doc", inp / "WPS说明.wps")                   # WPS 文字's own binary: a compound file
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice.docx", inp / "单位D.wps")   # WPS saves .docx so too
    plain = io.BytesIO(word_of(_forms()[0]))
    locked = io.BytesIO()
    from msoffcrypto.format.ooxml import OOXMLFile

    OOXMLFile(plain).encrypt("123456", locked)
    (inp / "加密.docx").write_bytes(locked.getvalue())
    shutil.copy(LANGFANG, inp / "单位A.xlsx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    assert [w["path"] for w in summary["workbooks"]] == ["单位A.xlsx", "单位D.wps"]
    assert summary["workbooks"][1]["sheets"][0]["total"] == 97.24
    assert summary["others"] == ["WPS说明.wps", "加密.docx", "联系人.docx", "自评报告.docx", "说明.doc"]
    assert summary["others_why"] == {
        "WPS说明.wps": "WPS 文字格式（.wps），无法读取其中的表格：请在 WPS 中另存为 .docx 后重新运行",
        "加密.docx": "Word 文档设置了打开密码，无法读取",
        "联系人.docx": "Word 文档中的表格都不是自评表或评分表",
        "自评报告.docx": "Word 文档中没有表格",
        "说明.doc": "Word 97-2003 格式，无法读取其中的表格：请另存为 .docx 后重新运行"}
    assert "未识别" not in totals_line(summary)
    assert msoffcrypto  # the encrypted file above is a real one (msoffcrypto-tool's ECMA-376 agile encryption)


def test_a_word_page_exported_by_a_web_system_is_read(tmp_path):
    """Web systems export "Word" as an HTML page named .doc (Word opens it): its tables are read like Excel's HTML."""
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice_html.xls", tmp_path / "自评表.doc")
    summary = run_batch([tmp_path], tmp_path / "out", jobs=1, progress=None, isolate=False)
    w = summary["workbooks"][0]
    assert _findings(summary, "自评表.doc") == [("PE-A100", "D38"), ("PE-B201", "E7"), ("PE-S304", "H14"),
                                                ("PE-S304", "H7")]
    assert w["notes"][0].startswith("文件扩展名为 .doc，内容实为网页（HTML）表格")
    assert w["notes"][0].endswith("；含自评表的表格另存为 Excel 工作簿“自评表（Word表格）.xlsx”，问题标注在其中")
    copy = run_batch([tmp_path / "out" / "自评表（Word表格）.xlsx"], tmp_path / "again", jobs=1, progress=None,
                     isolate=False, annotate=False)
    assert _findings(copy, "自评表（Word表格）.xlsx") == _findings(summary, "自评表.doc")


def test_the_report_annex_and_the_workbook_are_compared(tmp_path):
    """The 自评表 a unit sends as a workbook and again as its report's 附件: the same form, not a resend. Figures that
    agree are said to agree; a score typed differently in the report is named with both figures."""
    langfang = next(f for f in _forms() if f["file"] == LANGFANG.name)
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(LANGFANG, inp / "自评表.xlsx")
    typed = copy.deepcopy(langfang)      # the report types the same actuals as percents: 100 there, "100%" here
    for row in typed["rows"]:
        if len(row) > 5 and row[5] == 100:
            row[5] = "100%"
    (inp / "自评报告.docx").write_bytes(word_of(typed))
    changed = copy.deepcopy(langfang)
    row = next(r for r in changed["rows"] if len(r) > 3 and r[3] == "指标1工程完工率")
    row[7] = 9                                                   # 得分 10 in the workbook, 9 in this report
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    notes = {w["path"]: w["notes"] for w in summary["workbooks"]}
    assert notes["自评表.xlsx"] == ["与 自评报告.docx 的项目（办公宿舍楼、食堂及餐厅暖通改造经费）和单位相同："
                                    "Word 文档中的表格与工作簿是同一张自评表，填报的数据一致"]
    (inp / "自评报告.docx").write_bytes(word_of(changed))
    summary = run_batch([inp], tmp_path / "out2", jobs=1, progress=None, isolate=False)
    notes = {w["path"]: w["notes"] for w in summary["workbooks"]}
    assert notes["自评表.xlsx"] == ["与 自评报告.docx 的项目（办公宿舍楼、食堂及餐厅暖通改造经费）和单位相同："
                                    "Word 文档中的表格与工作簿是同一张自评表，但填报的数据不同（本文件 / 对方：“指标1工程完工率”得分 10 / 9），"
                                    "请确认以哪一份为准"]
    by = {w["path"]: w["repeats"] for w in summary["workbooks"]}
    assert by == {"自评表.xlsx": [{"path": "自评报告.docx", "same": "Word 文档中的同一张表",
                                   "differs": ["“指标1工程完工率”得分 10 / 9"]}],
                  "自评报告.docx": [{"path": "自评表.xlsx", "same": "Word 文档中的同一张表",
                                     "differs": ["“指标1工程完工率”得分 9 / 10"]}]}
    from perfeval_xl.report.review import review_document

    rows = [[c.text for c in row.cells] for t in review_document(summary).tables for row in t.rows]
    assert ["自评表.xlsx", "自评报告.docx", "Word 文档中的同一张表，填报的数据不同：“指标1工程完工率”得分 10 / 9"] in rows


def test_a_word_form_in_a_zip_is_read(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    with zipfile.ZipFile(inp / "单位B.zip", "w") as z:
        z.write(FIX / "foreign" / "hebei_langfang_libreoffice.docx", "单位B/自评报告.docx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    assert [w["path"] for w in summary["workbooks"]] == ["单位B.zip/单位B/自评报告.docx"]
    assert summary["workbooks"][0]["sheets"][0]["total"] == 97.24


def test_several_projects_forms_in_one_document(tmp_path):
    """A department's report with one 自评表 per project, a page apart: each its own sheet, also when the titles are
    inside the tables (only a page break between two tables: the next table's 项目名称 row begins another form)."""
    forms = {f["file"]: f for f in _forms()}
    three = [forms["anhui_chizhou_tangxi_weituo_2022.xlsx"], forms["yunnan_lijiang_weipian_2020.xlsx"],
             forms[LANGFANG.name]]
    for titled in (True, False):
        out = tmp_path / f"o{titled}"
        (tmp_path / f"in{titled}").mkdir()
        (tmp_path / f"in{titled}" / "部门自评报告.docx").write_bytes(word_of(*three, title_as_paragraphs=titled))
        summary = run_batch([tmp_path / f"in{titled}"], out, jobs=1, progress=None, isolate=False)
        sheets = summary["workbooks"][0]["sheets"]
        assert [s["project"] for s in sheets] == ["委托业务项目", "2020年省级自然资源卫片执法补助经费支出绩效自评表",
                                                  "办公宿舍楼、食堂及餐厅暖通改造经费"]
        assert [s["sheet"] for s in sheets] == ["表格1", "表格2", "表格3"]
        # each form's findings on its own sheet, as on the workbook of that form alone
        alone = run_batch([CORPUS / three[2]["file"]], tmp_path / f"a{titled}", jobs=1, progress=None,
                          isolate=False)["workbooks"][0]["sheets"][0]
        assert sorted((f["code"], f["cell"]) for f in sheets[2]["findings"]) == sorted(
            (f["code"], f["cell"]) for f in alone["findings"])


def test_the_commands_say_why_a_word_file_gave_no_form(tmp_path):
    """validate and read write no summary: the reason is on the console, and the last line sends nowhere."""
    from test_cli import cli

    shutil.copy(POI / "Bug60942b.doc", tmp_path / "说明.doc")
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice.docx", tmp_path / "自评报告.docx")
    r = cli("validate", tmp_path)
    assert r.returncode == 0
    lines = r.out.strip().splitlines()
    assert "· 说明.doc：Word 97-2003 格式，无法读取其中的表格：请另存为 .docx 后重新运行" in lines
    assert lines[-1] == "共 1 个文件、1 张表单：有警告 1；错误 0 条，警告 3 条。另有 1 个其他文件未处理（.doc 1）。"
    assert any(line.startswith("√ 自评报告.docx ［表格1］ 办公宿舍楼、食堂及餐厅暖通改造经费") for line in lines)


def test_a_word_form_is_read_by_the_single_file_reader():
    """read_workbook (what the tests and the report drafting use on one file) reads a .docx as the batch does."""
    from perfeval_xl.workbook.reader import load_grids, read_workbook
    from perfeval_xl.workbook.errors import WorkbookError

    forms = read_workbook(FIX / "foreign" / "hebei_langfang_libreoffice.docx")
    assert [(f.sheet, f.project, f.budget.annual) for f in forms] == [("表格1", "办公宿舍楼、食堂及餐厅暖通改造经费", 43.2)]
    with pytest.raises(WorkbookError, match="Word 97-2003 格式"):
        load_grids(POI / "Bug60942b.doc")


def _alt_chunk_docx(page: bytes, name: str = "afchunk.mht") -> bytes:
    """A .docx as html-docx-js and similar exporters write it: the body one w:altChunk, the page a part beside it."""
    buf = io.BytesIO()
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                  f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/>'
                                  '</Relationships>')
        z.writestr("word/document.xml", f'<w:document xmlns:w="{W[1:-1]}" xmlns:r="{rel}"><w:body>'
                                        '<w:altChunk r:id="htmlChunk"/><w:sectPr/></w:body></w:document>')
        z.writestr("word/_rels/document.xml.rels",
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="htmlChunk" Type="{rel}/aFChunk" Target="/word/{name}"/></Relationships>')
        z.writestr(f"word/{name}", page)
    return buf.getvalue()


def test_a_web_page_embedded_in_a_docx_is_read(tmp_path):
    """Web systems export "Word" as a .docx whose body is an embedded page (w:altChunk): the 廊坊 form's page, as MHT,
    gives the corpus form's findings; POI's stress012.docx (an .htm chunk with two tables) is read whole."""
    html = (FIX / "foreign" / "hebei_langfang_libreoffice_html.xls").read_bytes()
    mht = (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"B\"\r\n\r\n--B\r\n"
           b"Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + html + b"\r\n--B--\r\n")
    (tmp_path / "导出.docx").write_bytes(_alt_chunk_docx(mht))
    summary = run_batch([tmp_path / "导出.docx"], tmp_path / "out", jobs=1, progress=None, isolate=False)
    w = summary["workbooks"][0]
    assert _findings(summary, "导出.docx") == [("PE-A100", "D38"), ("PE-B201", "E7"), ("PE-S304", "H14"),
                                              ("PE-S304", "H7")]
    assert w["sheets"][0]["sheet"] == "嵌入网页1"
    assert "“嵌入网页1”是文档中嵌入的网页（Word 的 altChunk，网上系统导出 Word 的一种方式）：单元格按 Excel 打开该网页后的行列标注" in w["notes"]
    sheets = word_grids((POI / "stress012.docx").read_bytes())
    assert [(s.grid.sheet, s.chunk) for s in sheets] == [("嵌入网页1", True)]
    assert sheets[0].grid.cells[(1, 1)] == "Bilaga X" and len(sheets[0].grid.cells) == 71
    # a page without a table adds no sheet, and the document is one without a form
    (tmp_path / "空.docx").write_bytes(_alt_chunk_docx("<html><body><p>说明</p></body></html>".encode(), "afchunk.htm"))
    summary = run_batch([tmp_path / "空.docx"], tmp_path / "out2", jobs=1, progress=None, isolate=False)
    assert summary["others_why"] == {"空.docx": "Word 文档中的表格都不是自评表或评分表"}


def _as_word2003(docx: bytes) -> bytes:
    """A python-docx document as Word 2003 XML (what Word writes for "Word XML 文档" and Java systems fill from
    FreeMarker templates): the 2003 namespace, the body in a wx:sect, merges spelled w:vmerge / w:hmerge."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    body = xml[xml.index("<w:body>") + len("<w:body>"):xml.index("</w:body>")]
    body = body.replace("<w:vMerge", "<w:vmerge").replace("<w:hMerge", "<w:hmerge")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<?mso-application progid="Word.Document"?>'
            '<w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml" '
            'xmlns:wx="http://schemas.microsoft.com/office/word/2003/auxHint"><w:body><wx:sect>'
            + body + "</wx:sect></w:body></w:wordDocument>").encode("utf-8")


def _as_flat(docx: bytes) -> bytes:
    """The same document as Word's flat XML package (Word 2007 XML: pkg:package, one pkg:part per part)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    xml = xml[xml.index("<w:document"):]
    return ('<?xml version="1.0" standalone="yes"?>\n<?mso-application progid="Word.Document"?>'
            '<pkg:package xmlns:pkg="http://schemas.microsoft.com/office/2006/xmlPackage">'
            '<pkg:part pkg:name="/word/document.xml" pkg:contentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"><pkg:xmlData>' + xml + "</pkg:xmlData></pkg:part></pkg:package>"
            ).encode("utf-8")


def test_word_saved_as_one_xml_file_is_read(tmp_path):
    """Word 2003 XML (.doc from a Java system's template) and Word's flat XML package: the same findings as the
    workbook. LibreOffice's Word 2003 XML of the 廊坊 form loses the vertically merged cells (31 rows short of the
    grid, no w:gridBefore): its table is left unreviewed and said so, rather than read shifted into false errors."""
    langfang = next(f for f in _forms() if f["file"] == LANGFANG.name)
    docx = word_of(langfang)
    (tmp_path / "模板导出.doc").write_bytes(_as_word2003(docx))
    (tmp_path / "平面.xml.doc").write_bytes(_as_flat(docx))
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice_word2003.doc", tmp_path / "另存.doc")
    summary = run_batch([tmp_path], tmp_path / "out", jobs=1, progress=None, isolate=False)
    book = run_batch([LANGFANG], tmp_path / "out2", jobs=1, progress=None, isolate=False)
    want = _findings(book, LANGFANG.name)
    assert _findings(summary, "模板导出.doc") == want and _findings(summary, "平面.xml.doc") == want
    notes = {w["path"]: w["notes"][0] for w in summary["workbooks"]}
    assert notes["模板导出.doc"].startswith("Word 2003 XML 文档（Java 系统按模板导出 Word 的常见形式）：已读取其中的表格并校验")
    assert notes["平面.xml.doc"].startswith("Word XML 文档：已读取其中的表格并校验")
    assert summary["others_why"] == {"另存.doc": (
        "“表格1”第 7–39 行中的 31 行的单元格少于表格的列数，又未注明空缺在哪一侧（常见于其他程序另存时丢失了纵向合并的单元格）："
        "各单元格属于哪一列无法确定，此表格未复核；请在 Word 中打开核对后另存为 .docx")}
    assert not [f for w in summary["workbooks"] if w["path"] == "另存.doc" for s in w["sheets"] for f in s["findings"]]
    # named .xml (Windows opens Word 2003 XML in Word by its mso-application line), given on the command line
    shutil.copy(tmp_path / "模板导出.doc", tmp_path / "模板导出.xml")
    as_xml = run_batch([tmp_path / "模板导出.xml"], tmp_path / "out3", jobs=1, progress=None, isolate=False)
    assert _findings(as_xml, "模板导出.xml") == want
    from perfeval_xl.workbook.reader import load_grids, read_workbook

    assert [f.project for f in read_workbook(tmp_path / "模板导出.doc")] == ["办公宿舍楼、食堂及餐厅暖通改造经费"]
    assert load_grids(tmp_path / "另存.doc") == []          # the ragged table is not handed on


def test_the_form_of_a_word_document_is_written_to_a_workbook_with_its_findings(tmp_path):
    """The reviewer gets a Word document's form in Excel: 廊坊.docx → 廊坊（Word表格）.xlsx, the table's cells where the
    findings name them, each finding's cell filled and noted, the 校验结果 sheet listing them; the Word file itself
    is neither copied nor changed, and --in-place writes no workbook beside it."""
    from openpyxl import load_workbook

    src = tmp_path / "in" / "廊坊.docx"
    src.parent.mkdir()
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice.docx", src)
    before = src.read_bytes()
    summary = run_batch([src.parent], tmp_path / "out", jobs=1, progress=None, isolate=False)
    w = summary["workbooks"][0]
    copy = tmp_path / "out" / "廊坊（Word表格）.xlsx"
    assert w["output"] == str(copy) and sorted(p.name for p in (tmp_path / "out").iterdir()) == [copy.name]
    assert w["notes"][0] == "Word 文档：已读取其中的表格并校验；含自评表的表格另存为 Excel 工作簿“廊坊（Word表格）.xlsx”，问题标注在其中"
    wb = load_workbook(copy)
    assert wb.sheetnames == ["表格1", "校验结果", "绩效校验_还原"] and wb["绩效校验_还原"].sheet_state == "veryHidden"
    ws = wb["表格1"]
    assert (ws["B7"].value, ws["E7"].value, ws["G7"].value, ws["H7"].value) == ("年度资金总额", 37.24, 0.86, 9)
    assert ws["G7"].number_format == "0%" and "B6:B10" not in {str(m) for m in ws.merged_cells.ranges}
    assert "A6:A10" in {str(m) for m in ws.merged_cells.ranges}
    assert ws["E7"].fill.fgColor.rgb.endswith("FFEB9C") and "[PE-B201]" in ws["E7"].comment.text
    assert "[PE-S304]" in ws["H7"].comment.text
    listed = [(r[1], r[4]) for r in wb["校验结果"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert sorted(listed) == [("PE-A100", "D38"), ("PE-B201", "E7"), ("PE-S304", "H14"), ("PE-S304", "H7")]
    assert src.read_bytes() == before
    # in place: nothing is written beside the Word document
    summary = run_batch([src.parent], tmp_path / "out2", jobs=1, progress=None, isolate=False, in_place=True)
    assert summary["workbooks"][0]["output"] is None
    assert sorted(p.name for p in src.parent.iterdir()) == ["廊坊.docx"] and src.read_bytes() == before


def test_grade_boxes_drawn_with_symbols_and_check_box_fields():
    """Word forms tick a grade with a symbol font's box (w:sym: Wingdings 2 "R" ☑, "£" □) or a check-box form field
    (drawn ticked when w:checked, or w:default 1): read as the marks they show, so that the ticked grade is read."""
    doc = Document()
    t = doc.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "自评等级"
    p = t.cell(0, 1).paragraphs[0]._p

    def sym(font: str, char: str) -> None:
        r = etree.SubElement(p, qn("w:r"))
        s = etree.SubElement(r, qn("w:sym"))
        s.set(qn("w:font"), font)
        s.set(qn("w:char"), char)

    def box(checked: str | None, default: str) -> None:
        r = etree.SubElement(p, qn("w:r"))
        begin = etree.SubElement(r, qn("w:fldChar"))
        begin.set(qn("w:fldCharType"), "begin")
        cb = etree.SubElement(etree.SubElement(begin, qn("w:ffData")), qn("w:checkBox"))
        etree.SubElement(cb, qn("w:default")).set(qn("w:val"), default)
        if checked is not None:
            el = etree.SubElement(cb, qn("w:checked"))
            if checked:
                el.set(qn("w:val"), checked)
        code = etree.SubElement(etree.SubElement(p, qn("w:r")), qn("w:instrText"))
        code.text = " FORMCHECKBOX "
        etree.SubElement(etree.SubElement(p, qn("w:r")), qn("w:fldChar")).set(qn("w:fldCharType"), "end")

    p.append(_run("优"))
    sym("Wingdings 2", "F0A3")
    p.append(_run(" 良"))
    box("", "0")                       # w:checked without a value: ticked
    p.append(_run(" 中"))
    box(None, "0")                     # no w:checked: its default, not ticked
    p.append(_run(" 差"))
    sym("Wingdings", "F0A8")
    buf = io.BytesIO()
    doc.save(buf)
    grid = word_grids(buf.getvalue())[0].grid
    assert grid.cells[(1, 2)] == "优□ 良☑ 中□ 差□"
    from perfeval_xl.workbook.sheetscan import LabelledSheet, checked_grade

    assert checked_grade(LabelledSheet(grid), 1, 2) == "良"


def test_hostile_word_files_stay_within_the_limits(tmp_path):
    """A Word zip bomb and a table of more cells than the limit: refused by the same limits as a workbook, the file
    listed with the reason, the batch going on."""
    from perfeval_xl.limits import Limits

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<" + b"a" * (40 << 20) + b"/>")
    (tmp_path / "炸弹.docx").write_bytes(bomb.getvalue())
    doc = Document()
    doc.add_table(rows=60, cols=20)
    for row in doc.tables[0].rows:
        for cell in row.cells:
            cell.text = "1"
    doc.save(tmp_path / "大表.docx")
    shutil.copy(LANGFANG, tmp_path / "单位A.xlsx")
    summary = run_batch([tmp_path], tmp_path / "out", jobs=1, progress=None, isolate=False,
                        limits=Limits(cells=1000))
    why = summary["others_why"]
    assert why["炸弹.docx"].startswith("Word 文档无法读取：部件压缩比") and "压缩炸弹" in why["炸弹.docx"]
    assert why["大表.docx"] == "Word 文档无法读取：单元格超过 1,000 个的上限"
    assert [w["path"] for w in summary["workbooks"]] == ["单位A.xlsx"] and summary["workbooks"][0]["status"] == "ok"


def test_a_forms_head_and_its_indicators_in_two_tables_with_a_heading_between(tmp_path):
    """A report's form as two tables: the head (项目名称, budget) in one, then a heading "二、绩效指标完成情况", then the
    indicators: one sheet, the heading a row between them, the form read whole (the workbook's findings, the
    indicator rows one row lower). Had the heading started a sheet, the indicators would have lost their project."""
    langfang = copy.deepcopy(next(f for f in _forms() if f["file"] == LANGFANG.name))
    rows = langfang["rows"]
    split = next(i for i, r in enumerate(rows) if r and r[0] == "绩效指标")          # the indicator table's first row
    head = dict(langfang, rows=rows[:split],
                merges=[m for m in langfang["merges"] if _range(m)[2] <= split])
    body_rows = rows[split:]
    doc = Document()
    for part_rows, merges in ((rows[:split], head["merges"]),
                              (body_rows, [m for m in langfang["merges"] if _range(m)[0] > split])):
        if part_rows is body_rows:
            doc.add_paragraph("二、绩效指标完成情况")
        k = 0
        while part_rows is not body_rows and all(v in (None, "") for v in part_rows[k][1:]):
            doc.add_paragraph(_text(part_rows[k][0]))
            k += 1
        width = max(len(r) for r in rows)
        t = doc.add_table(rows=len(part_rows) - k, cols=width)
        base = 0 if part_rows is not body_rows else split
        for i, row in enumerate(part_rows[k:]):
            for j, v in enumerate(row):
                if v is not None:
                    t.cell(i, j).text = _text(v)
        for r1, c1, r2, c2 in [_range(m) for m in merges]:
            if r1 - base > k:
                t.cell(r1 - base - k - 1, c1 - 1).merge(t.cell(r2 - base - k - 1, c2 - 1))
    doc.save(tmp_path / "报告.docx")
    sheets = word_grids((tmp_path / "报告.docx").read_bytes())
    assert [(s.grid.sheet, s.tables) for s in sheets] == [("表格1", 2)]
    assert sheets[0].grid.cells[(split + 1, 1)] == "二、绩效指标完成情况"
    word = run_batch([tmp_path / "报告.docx"], tmp_path / "o", jobs=1, progress=None, isolate=False)
    book = run_batch([LANGFANG], tmp_path / "o2", jobs=1, progress=None, isolate=False)
    def shifted(cell: str) -> str:
        col = cell.rstrip("0123456789")
        row = int(cell[len(col):])
        return f"{col}{row + 1 if row > split else row}"
    assert _findings(word, "报告.docx") == sorted((c, shifted(x)) for c, x in _findings(book, LANGFANG.name))
    assert word["workbooks"][0]["sheets"][0]["project"] == "办公宿舍楼、食堂及餐厅暖通改造经费"


def test_the_report_draft_of_a_word_form_names_its_table(tmp_path):
    """A report drafted from a Word document's form says where the figures come from: the document's table."""
    src = tmp_path / "in" / "廊坊.docx"
    src.parent.mkdir()
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice.docx", src)
    run_batch([src.parent], None, jobs=1, progress=None, isolate=False, report_dir=tmp_path / "rep")
    text = [p.text for p in Document(tmp_path / "rep" / "廊坊_报告初稿.docx").paragraphs]
    assert any(t.startswith("本初稿根据《廊坊.docx》“表格1”（文档中的表格）中的数据生成（项目支出绩效自评表）") for t in text)


def test_the_word_forms_workbook_never_takes_another_outputs_name(tmp_path):
    """An input already named 廊坊（Word表格）.xlsx beside 廊坊.docx keeps its own copy; the Word form's workbook takes
    the next name."""
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(FIX / "foreign" / "hebei_langfang_libreoffice.docx", inp / "廊坊.docx")
    shutil.copy(EX_SEED1, inp / "廊坊（Word表格）.xlsx")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    outs = {w["path"]: w["output"] for w in summary["workbooks"]}
    assert outs == {"廊坊.docx": str(tmp_path / "out" / "廊坊（Word表格2）.xlsx"),
                    "廊坊（Word表格）.xlsx": str(tmp_path / "out" / "廊坊（Word表格）.xlsx")}
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "out" / "廊坊（Word表格）.xlsx").sheetnames[0] == "评分表"    # the seed's own copy
    assert load_workbook(tmp_path / "out" / "廊坊（Word表格2）.xlsx").sheetnames[0] == "表格1"
