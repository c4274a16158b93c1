"""Several forms one below another on one sheet (a department's projects exported into a single sheet): each read on
its own, at its own cells, with the findings it has alone; read whole, the second form's rows were the first one's
indicators, and a real sheet gave 14 false errors and a crash."""
import importlib.util
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import range_boundaries

from perfeval_xl import ribbon
from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.xlio import XlsxBook

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "workbooks" / "corpus"
EX = ROOT / "workbooks" / "examples"


def _forms() -> dict[str, dict]:
    spec = importlib.util.spec_from_file_location("build_corpus", ROOT / "scripts" / "build_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return {f["file"]: f for f in mod.FORMS}


STACK = ["yunnan_lijiang_weipian_2020.xlsx", "hebei_langfang_shipin_nuantong_2019.xlsx",
         "anhui_chizhou_tangxi_weituo_2022.xlsx"]


def stacked(path: Path, files: list[str], gap: int) -> list[int]:
    """The corpus forms one below another on one sheet, ``gap`` empty rows between them; the row offset of each."""
    forms = _forms()
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    offsets, off = [], 0
    for name in files:
        f = forms[name]
        offsets.append(off)
        for r, row in enumerate(f["rows"], 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(off + r, c, v)
        for m in f["merges"]:
            c1, r1, c2, r2 = range_boundaries(m)
            ws.merge_cells(start_row=r1 + off, start_column=c1, end_row=r2 + off, end_column=c2)
        off += len(f["rows"]) + gap
    wb.save(path)
    return offsets


def _shift(cell: str, rows: int) -> str:
    col = cell.rstrip("0123456789")
    return f"{col}{int(cell[len(col):]) + rows}"


@pytest.mark.parametrize("gap", [2, 0])
def test_each_stacked_form_is_read_as_it_is_alone(tmp_path, gap):
    offsets = stacked(tmp_path / "部门.xlsx", STACK, gap)
    summary = run_batch([tmp_path / "部门.xlsx"], tmp_path / "out", jobs=1, progress=None, isolate=False)
    sheets = summary["workbooks"][0]["sheets"]
    alone = {w["path"]: w["sheets"][0] for w in run_batch([CORPUS / n for n in STACK], tmp_path / "alone", jobs=1,
                                                          progress=None, isolate=False)["workbooks"]}
    assert [s["project"] for s in sheets] == [alone[n]["project"] for n in STACK]
    for s, name, off in zip(sheets, STACK, offsets):
        a = alone[name]
        assert sorted((f["code"], f["cell"]) for f in s["findings"]) == sorted(
            (f["code"], _shift(f["cell"], off)) for f in a["findings"]), name
        for key in ("budget", "execution_rate", "total", "grade", "unit"):
            assert s[key] == a[key], (name, key)
        assert [i["score_stated"] for i in s["indicators"]] == [i["score_stated"] for i in a["indicators"]]
    assert len(sheets) == 3


def test_one_form_with_项目名称_twice_is_read_whole(tmp_path):
    """A second 项目名称 below a form (a signature block, a note) without a form of its own: the sheet is read whole,
    as before."""
    src = tmp_path / "a.xlsx"
    shutil.copy(EX / "seed001_评分表.xlsx", src)
    wb = load_workbook(src)
    ws = wb.active
    ws.cell(ws.max_row + 3, 1, "项目名称")
    ws.cell(ws.max_row, 2, "（同上）")
    wb.save(src)
    got = run_batch([src], tmp_path / "o", jobs=1, progress=None, isolate=False)["workbooks"][0]["sheets"]
    want = run_batch([EX / "seed001_评分表.xlsx"], tmp_path / "o2", jobs=1, progress=None,
                     isolate=False)["workbooks"][0]["sheets"]
    assert len(got) == 1 and got[0]["findings"] == want[0]["findings"] and got[0]["total"] == want[0]["total"]


def test_each_stacked_form_gets_its_report_and_the_ribbon_marks_them_all(tmp_path):
    stacked(tmp_path / "部门.xlsx", STACK[:2], 2)
    run_batch([tmp_path / "部门.xlsx"], None, jobs=1, progress=None, isolate=False, report_dir=tmp_path / "rep")
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["部门_自评表_2_报告初稿.docx", "部门_自评表_报告初稿.docx"]
    book = XlsxBook(tmp_path / "部门.xlsx")
    msg = ribbon.validate_sheet(book)
    assert "警告 7 项" in msg
    sh = book.sheet("自评表")
    assert "[PE-S303]" in sh.note("I13") and "[PE-B201]" in sh.note("E26")       # the first form's, the second's


def test_numbers_in_the_direction_and_unit_columns_are_not_taken_for_them(tmp_path):
    """指标性质 / 度量单位 cells holding numbers (a misplaced figure, or another form's rows under these columns): no
    direction or unit is read from them, and nothing fails (this crashed the file with a TypeError before)."""
    forms = _forms()
    f = forms["yunnan_lijiang_weipian_2020.xlsx"]
    wb = Workbook()
    ws = wb.active
    for r, row in enumerate(f["rows"], 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r, c, v)
    for m in f["merges"]:
        ws.merge_cells(m)
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "项目验收合格率")
    ws.cell(row, 4, 100)          # a number where 指标性质 (﹦, ≥) stands
    ws.cell(row, 6, 20)           # a number where 度量单位 (%) stands
    wb.save(tmp_path / "y.xlsx")
    w = run_batch([tmp_path / "y.xlsx"], tmp_path / "o", jobs=1, progress=None, isolate=False)["workbooks"][0]
    assert w["status"] == "ok" and w["sheets"][0]["project"] == "2020年省级自然资源卫片执法补助经费支出绩效自评表"
    ind = next(i for i in w["sheets"][0]["indicators"] if i["name"] == "项目验收合格率")
    assert ind["target"] == 100 and ind["score_stated"] == 19


def test_the_ribbons_recalculation_and_report_cover_every_form_of_the_sheet(tmp_path):
    """重新计算 writes the engine's scores into every stacked form's score cells, and 生成报告 drafts one report a form."""
    stacked(tmp_path / "部门.xlsx", STACK[:2], 2)
    book = XlsxBook(tmp_path / "部门.xlsx")
    msg = ribbon.recalculate(book)
    assert "复核总分：2020年省级自然资源卫片执法补助经费支出绩效自评表 " in msg and "；办公宿舍楼、食堂及餐厅暖通改造经费 " in msg
    sh = book.sheet("自评表")
    assert sh.value("I13") == 10 and sh.value("H33") == 8.62      # each form's first indicator, now the engine's score
    msg = ribbon.draft_report(book, folder=str(tmp_path / "rep"))
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["部门_自评表_2_报告初稿.docx", "部门_自评表_报告初稿.docx"]
