"""Files in the input folders that are not workbooks: not processed, but counted and named, so that a form sent as a
Word document or a scan is not missed without a word."""
import json
import shutil
from pathlib import Path

from openpyxl import load_workbook

from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.recalc.summary import totals_line, write_xlsx

EX = Path(__file__).resolve().parent.parent / "workbooks" / "examples"


def test_other_files_are_counted_and_named(tmp_path):
    inp = tmp_path / "in"
    (inp / "单位B").mkdir(parents=True)
    (inp / ".git").mkdir()
    shutil.copy(EX / "seed001_评分表.xlsx", inp / "单位A.xlsx")
    for name, data in {"单位B/自评表.docx": b"PK", "单位B/扫描件.pdf": b"%PDF", "照片.jpg": b"\xff\xd8",
                       "Thumbs.db": b"", ".DS_Store": b"", "~$单位A.xlsx": b"", ".git/config": b"",
                       "单位C.doc": b"\xd0\xcf"}.items():
        (inp / name).write_bytes(data)
    out = tmp_path / "out"
    summary = run_batch([inp], out, jobs=1, progress=None, isolate=False)
    assert summary["others"] == ["单位B/扫描件.pdf", "单位B/自评表.docx", "单位C.doc", "照片.jpg"]
    assert [w["path"] for w in summary["workbooks"]] == ["单位A.xlsx"]
    # the Word files were looked into (their tables are read when they have any): each one's reason is kept
    assert summary["others_why"] == {"单位B/自评表.docx": "Word 文档无法读取：压缩结构已损坏",
                                     "单位C.doc": "内容不是可读取的 Word 文档"}
    assert totals_line(summary).endswith("另有 4 个其他文件未处理（.pdf 1，.docx 1，.doc 1，.jpg 1），见 summary.json 的 others。")
    json.dumps(summary, ensure_ascii=False)
    overview = {r[0]: (r[1], r[2]) for r in load_workbook(write_xlsx(summary, out / "summary.xlsx"))["概况"].iter_rows(
        min_row=2, values_only=True)}
    assert overview["未处理的其他文件"][0] == 4 and "单位B/自评表.docx" in overview["未处理的其他文件"][1]
    # a second run over the same folder with the output inside it does not count the first run's outputs, nor an
    # earlier run's summary and report drafts left in the folder
    again = run_batch([inp], inp / "结果", jobs=1, progress=None, isolate=False)
    assert again["others"] == summary["others"]
    old = inp / "上次结果"
    old.mkdir()
    for name in ("summary.json", "summary.xlsx", "复核意见汇总.docx", "单位A_报告初稿.docx"):
        (old / name).write_bytes(b"x")
    assert run_batch([inp], tmp_path / "o3", jobs=1, progress=None, isolate=False)["others"] == summary["others"]


def test_no_other_files_no_clause(tmp_path):
    summary = run_batch([EX], tmp_path / "out", jobs=1, progress=None, isolate=False)
    assert summary["others"] == [] and "另有" not in totals_line(summary)


def test_other_files_are_named_in_the_review_summary(tmp_path):
    from docx import Document

    from perfeval_xl.report.review import write_review

    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(EX / "seed001_评分表.xlsx", inp / "单位A.xlsx")
    (inp / "单位B自评表.docx").write_bytes(b"PK")
    summary = run_batch([inp], tmp_path / "out", jobs=1, progress=None, isolate=False)
    text = [p.text for p in Document(write_review(summary, tmp_path / "复核意见汇总.docx")).paragraphs]
    assert ("另有1个文件不是 Excel 工作簿或含自评表的 Word 文档，未处理：单位B自评表.docx（Word 文档无法读取：压缩结构已损坏）。"
            "其中若有自评表（如扫描件），请报送单位提供 Excel 版本。") in text
    assert "所有工作簿均已读取并识别。" in text
