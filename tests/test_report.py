"""Drafted reports (.docx) read back with python-docx: the seed reports' sections, tables and figures,
deterministic text, the suggestions catalogue covering the findings catalogue, LibreOffice converting them."""
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from perfeval_xl import ribbon
from perfeval_xl.checks.catalog import iter_catalog
from perfeval_xl.checks.suggestions import KINDS, KIND_OF, NOT_PROBLEMS
from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.report.draft import SECTIONS, document_bytes, document_text, draft, title_of
from perfeval_xl.report.review import review_document
from perfeval_xl.xlio import XlsxBook

from libreoffice import SOFFICE, convert, needs_libreoffice

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    summary = run_batch([EX], None, jobs=1, progress=None, annotate=False, report_dir=tmp / "rep")
    return tmp / "rep", summary


def sections(path):
    """{heading 1 text: [paragraph texts under it]} of a document, plus its tables."""
    doc = Document(str(path))
    out, current = {}, None
    for p in doc.paragraphs:
        if p.style.name == "Heading 1":
            current = p.text
            out[current] = []
        elif current is not None and p.text:
            out[current].append(p.text)
    return doc, out


def rows(table):
    return [[c.text for c in r.cells] for r in table.rows]


def test_one_report_per_form_with_the_seed_sections(drafted):
    folder, summary = drafted
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["seed001_评分表_报告初稿.docx", "seed002_部门整体_报告初稿.docx", "seed003_项目_报告初稿.docx",
                     "seed004_晋中自评表_报告初稿.docx"]
    for w in summary["workbooks"]:
        assert Path(w["sheets"][0]["report"]).name == Path(w["path"]).stem + "_报告初稿.docx"
    titles = {}
    for p in folder.iterdir():
        doc, sec = sections(p)
        assert list(sec)[:5] == list(SECTIONS) and list(sec)[5] == "附：复核说明"
        assert doc.paragraphs[0].style.name == "Title"
        titles[p.name[:7]] = doc.paragraphs[0].text
    assert titles["seed002"] == "汇通产业园事业服务中心部门整体支出绩效自评报告（初稿）"
    assert titles["seed004"] == "出口信用保险保费补助资金项目支出绩效自评报告（初稿）"
    assert titles["seed001"] == "2022年度樟树市防贫保险项目支出绩效评价报告（初稿）"     # a 评分表: an evaluation


def test_problems_quote_the_figures_the_seed_reports_state(drafted):
    folder, _ = drafted
    _, s2 = sections(folder / "seed002_部门整体_报告初稿.docx")
    problems = "\n".join(s2["四、存在的问题"])
    # the seed: “（一）预算资金调整率较大 … 预算调整率为69.3%”, “（三）政府采购预算执行率较低 … 26.04%”
    assert "（一）预算资金调整率较大" in problems and "预算调整率为69.30%" in problems
    assert "年初预算数为36.06万元，调整后预算数为11.07万元" in problems
    assert "（二）政府采购预算执行率较低" in problems and "政府采购执行率为26.04%" in problems
    assert "实际执行1.63万元" in problems and "政府采购货物预算1.28万元" in problems
    # thirteen unquantified targets: one sentence naming them, not 一是…十三是…
    assert "有13项指标的指标值未量化（培训内容符合度、区内包扶项目完成及时性、" in problems
    advice = s2["五、改进建议"]
    assert advice[0] == "（一）提高预算编制精准度，降低预算调整率" and advice[2].startswith("依据：《中华人民共和国预算法》")

    _, s3 = sections(folder / "seed003_项目_报告初稿.docx")
    problems = "\n".join(s3["四、存在的问题"])
    assert "（一）预算执行率偏低" in problems
    assert "调整后预算数为276.96万元，实际支出103.86万元，预算执行率为37.50%" in problems
    assert "总分79.99分低于80分等级分界0.01分" in problems

    _, s4 = sections(folder / "seed004_晋中自评表_报告初稿.docx")
    problems = "\n".join(s4["四、存在的问题"])
    assert "预算执行率仅0.00%，但产出指标全部自评满分（30/30）" in problems
    assert "指标“实际完成率”未完成目标（完成进度67.00%），却自评满分8分" in problems
    assert "有4项指标扣分但未说明偏差原因及改进措施（资金到位率、到位及时率、预算执行率、项目质量可控性）" in problems
    assert "增加外贸出口、确保政策落实、" in problems                                # names without their full stops
    # one numbered heading per kind, numbered in order, each with one advice heading
    heads = [t for t in s4["四、存在的问题"] if re.match(r"（[一二三四五六七八九十]+）", t)]
    assert [h[:3] for h in heads] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert len([t for t in s4["五、改进建议"] if re.match(r"（[一二三四五六七八九十]+）", t)]) == len(heads)


def test_scores_and_grades_as_the_seeds_give_them(drafted):
    folder, _ = drafted
    expect = {"seed001": "总分为92.62分，自评等级为“优”", "seed002": "自评总分为86.5分，自评等级为“良”",
              "seed003": "自评总分为79.99分，自评等级为“中”", "seed004": "自评总分为90分，自评等级为“优”"}
    for p in folder.iterdir():
        doc, sec = sections(p)
        assert expect[p.name[:7]] in sec["三、评价得分与等级"][0], p.name
    doc, _ = sections(folder / "seed004_晋中自评表_报告初稿.docx")
    levels = next(t for t in doc.tables if rows(t)[0] == ["一级指标", "分值", "自评得分", "复核得分"])
    assert rows(levels)[-2:] == [["合计", "100.00", "90.00", "90.00"], ["等级", "", "优", "优"]]
    assert rows(levels)[1] == ["投入", "20.00", "11.00", "11.00"]
    doc, _ = sections(folder / "seed003_项目_报告初稿.docx")
    levels = next(t for t in doc.tables if rows(t)[0][0] == "一级指标")
    assert [r[3] for r in rows(levels)[1:5]] == ["12.00", "13.88", "27.00", "27.11"]


def test_basics_and_indicator_table(drafted):
    folder, _ = drafted
    doc, sec = sections(folder / "seed003_项目_报告初稿.docx")
    funds = "".join(sec["一、基本情况"])
    assert "年初预算数490.00万元，调整后预算数276.96万元，实际到位资金236.96万元，实际支出103.86万元" in funds
    assert "预算执行率为37.50%（103.86万元÷276.96万元，以调整后预算数为口径）" in funds
    assert "资金到位率为85.56%" in funds and "预算调整率为43.48%" in funds
    money = next(t for t in doc.tables if rows(t)[0] == ["项目", "金额或比率", "单位或计算"])
    assert ["预算执行率", "37.50%", "103.86÷276.96（调整后预算数）"] in rows(money)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions == ["表1 资金情况", "表2 一级指标得分"]     # numbered as they appear: no indicator table here

    doc, sec = sections(folder / "seed001_评分表_报告初稿.docx")
    ind = doc.tables[0]                                            # no funds table: the form has no budget block
    assert ind.rows[0]._tr.trPr is not None                         # header row repeated on every page
    assert rows(ind)[0] == ["一级指标", "二级指标", "三级指标", "目标值", "实际完成值", "分值", "自评得分", "复核得分", "偏差原因"]
    body = {r[2]: r for r in rows(ind)[1:]}
    assert len(body) == 19
    assert body["参保人员数量"][3:8] == ["≥38000人", "36667人", "15.00", "11.49", "11.49"]
    assert body["资金到位率"][6:8] == ["2.13", "2.13"]
    assert "19项，其中14项可按评分标准复算，复算得分与自评得分一致" in sec["二、绩效目标完成情况"][0]


def test_every_rate_in_the_prose_has_two_decimals(drafted):
    folder, _ = drafted
    for p in folder.iterdir():
        _, sec = sections(p)
        prose = "".join(sec["一、基本情况"] + sec["三、评价得分与等级"])
        for m in re.finditer(r"(\d+(?:\.\d+)?)%", prose):
            assert re.fullmatch(r"\d+\.\d\d", m.group(1)), (p.name, m.group(0))
        for m in re.finditer(r"(\d+(?:\.\d+)?)万元", prose):
            assert re.fullmatch(r"\d+\.\d\d", m.group(1)), (p.name, m.group(0))


def test_same_form_same_bytes(tmp_path):
    from perfeval_xl.checks import run_checks
    from perfeval_xl.engine.profile import NATIONAL
    from perfeval_xl.engine.scoring import score_form
    from perfeval_xl.recalc.batch import grids_of
    from perfeval_xl.workbook.layouts import recognise

    form = next(f for f in map(recognise, grids_of(XlsxBook(EX / "seed002_部门整体.xlsx"))) if f is not None)
    docs = []
    for _ in range(2):
        fs = score_form(form, NATIONAL)
        docs.append(draft(form, fs, run_checks(form, NATIONAL, fs), "seed002_部门整体.xlsx"))
    assert document_text(docs[0]) == document_text(docs[1])
    assert hashlib.sha256(document_bytes(docs[0])).digest() == hashlib.sha256(document_bytes(docs[1])).digest()
    assert title_of(form) in document_text(docs[0])


def test_every_finding_code_belongs_to_exactly_one_problem_kind():
    codes = [r.code for r in iter_catalog()]
    listed = [c for k in KINDS for c in k.codes]
    assert len(listed) == len(set(listed))                       # no code in two kinds
    assert set(listed) == set(codes) - set(NOT_PROBLEMS)         # every problem code in one kind, nothing unknown
    for k in KINDS:
        assert set(k.covered) <= set(k.codes)
        assert k.basis.startswith("《") and k.advice.startswith("建议") and k.meaning.endswith("。")
    assert KIND_OF["PE-B203"].heading == "预算资金调整率较大"
    from perfeval_xl.checks.suggestions import MANY

    assert set(MANY) <= set(listed) and all("{n}" in t and "{items}" in t for t in MANY.values())
    assert KIND_OF["PE-B206"].heading == "政府采购预算执行率较低"


def test_review_document_counts_grades_errors_and_problems(drafted):
    _, summary = drafted
    doc = review_document(summary)
    text = document_text(doc)
    assert "本次共复核工作簿4个，识别出自评表、评分表4张。其中有错误的文件2个，有警告的2个" in text
    assert "“优”填报2张、复核2张，“良”填报1张、复核0张，“中”填报1张、复核1张" in text
    grades = next(t for t in doc.tables if rows(t)[0] == ["等级", "填报", "复核"])
    assert rows(grades)[1:] == [["优", "2", "2"], ["良", "1", "0"], ["中", "1", "1"], ["差", "0", "0"]]
    wrong = next(t for t in doc.tables if rows(t)[0][0] == "文件" and "错误数" in rows(t)[0])
    assert [(r[0], r[2]) for r in rows(wrong)[1:]] == [("seed003_项目.xlsx", "1"), ("seed004_晋中自评表.xlsx", "5")]
    assert "。；" not in text
    counts = next(t for t in doc.tables if rows(t)[0][0] == "编号")
    by = {r[0]: r for r in rows(counts)[1:]}
    assert by["PE-B202"][4:] == ["2", "2"] and by["PE-T401"][4:] == ["17", "2"]
    assert "PE-A100" not in by
    assert len(doc.inline_shapes) == 1                             # the grade chart
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert [c.split()[0] for c in captions if c.startswith("表")] == ["表1", "表2", "表3"]


@needs_libreoffice
def test_documents_convert_to_pdf(drafted, tmp_path):
    folder, summary = drafted
    from perfeval_xl.report.review import write_review

    docs = [folder / "seed004_晋中自评表_报告初稿.docx", write_review(summary, tmp_path / "复核意见汇总.docx")]
    profile = tmp_path / "lo"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, docs)],
                   check=True, capture_output=True, timeout=300)
    for d in docs:
        pdf = tmp_path / "pdf" / (d.stem + ".pdf")
        assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
            assert ("四、存在的问题" in text) or ("三、存在错误的表单" in text)


def cli(*args):
    r = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                       env={"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"}, timeout=300)
    r.out, r.err = r.stdout.decode(), r.stderr.decode()
    assert "Traceback" not in r.out + r.err
    return r


def test_report_command(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for name in ("seed001_评分表.xlsx", "seed003_项目.xlsx"):
        shutil.copy(EX / name, inp / name)
    (inp / "损坏.xlsx").write_bytes(b"PK\x03\x04 broken")
    before = {p.name: p.read_bytes() for p in inp.iterdir()}
    r = cli("report", inp, "--out", tmp_path / "rep")
    assert r.returncode == 2                                      # a file could not be read (the batch goes on)
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "seed001_评分表_报告初稿.docx", "seed003_项目_报告初稿.docx", "复核意见汇总.docx"]
    assert "报告：2 份报告初稿" in r.out
    assert {p.name: p.read_bytes() for p in inp.iterdir()} == before
    review = document_text(Document(str(tmp_path / "rep" / "复核意见汇总.docx")))
    assert "损坏.xlsx | 无法读取" in review
    (inp / "损坏.xlsx").unlink()
    r = cli("report", inp, "--out", tmp_path / "rep3")
    assert r.returncode == 1                                      # seed003 has an error-level finding
    r = cli("report", inp, "--out", inp)                          # never into the input folder
    assert r.returncode == 2 and "PE-R004" in r.err
    r = cli("report", tmp_path / "nothing", "--out", tmp_path / "rep2")
    assert r.returncode == 2 and "PE-R001" in r.err


def test_ribbon_button_drafts_the_open_form(tmp_path):
    src = tmp_path / "seed004_晋中自评表.xlsx"
    shutil.copy(EX / src.name, src)
    book = XlsxBook(src)
    msg = ribbon.ACTIONS["生成报告"](book)
    path = tmp_path / "seed004_晋中自评表_自评表_报告初稿.docx"
    assert msg == f"已生成报告初稿：{path}" and path.exists()
    again = ribbon.draft_report(book)                               # never over an existing file
    assert again.endswith("seed004_晋中自评表_自评表_报告初稿(2).docx")
    # the button writes the same document the command does
    cmd = run_batch([src], None, jobs=1, annotate=False, report_dir=tmp_path / "cmd")
    assert document_text(Document(str(path))) == document_text(Document(cmd["workbooks"][0]["sheets"][0]["report"]))
    wb = Workbook()
    wb.active["A1"] = "会议纪要"
    wb.save(tmp_path / "纪要.xlsx")
    assert "没有识别到" in ribbon.draft_report(XlsxBook(tmp_path / "纪要.xlsx"))


@needs_libreoffice
def test_a_control_character_in_an_xls_cell_does_not_stop_the_report(tmp_path):
    """An old .xls can hold a BEL (\\x07) in a cell — here in the project name. python-docx refuses such text, and the
    file used to fail (PE-R009). The report is drafted and shows the character as \\x07, as the console does."""
    import openpyxl
    from docx import Document

    wb = openpyxl.load_workbook(EX / "seed003_项目.xlsx")
    ws = wb.active
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == "2022年安全生产专项经费"]
    cell.value = "2022年安全生产_x0007_专项经费"            # how a cell stores a BEL in .xlsx; LibreOffice decodes it
    wb.save(tmp_path / "bel.xlsx")
    [xls] = convert([tmp_path / "bel.xlsx"], tmp_path / "xls", "xls", recalc=False, profile=tmp_path / "lo")
    summary = run_batch([xls], tmp_path / "out", jobs=1, progress=False, isolate=False, report_dir=tmp_path / "rep")
    w = summary["workbooks"][0]
    assert w["status"] == "ok" and w["sheets"][0]["project"] == "2022年安全生产\x07专项经费"
    [doc] = list((tmp_path / "rep").glob("*.docx"))
    text = "\n".join(p.text for p in Document(doc).paragraphs)
    assert "2022年安全生产\\x07专项经费" in text
