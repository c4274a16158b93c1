"""Forms on sheets the unit hid. A workbook that shows one form and hides another (an old version, a copy) is
reviewed on the form it shows, and the hidden one is named in a note; a workbook whose only form is hidden is
reviewed, and said to be hidden. Before, both were reviewed and the file counted two forms: a reviewer got findings
on a sheet nobody sees, and the hidden copy was called a resend of the file."""
from pathlib import Path

from openpyxl import load_workbook

from perfeval_xl.recalc.batch import run_batch
from perfeval_xl.workbook.reader import load_grids

ROOT = Path(__file__).resolve().parent.parent
LANGFANG = ROOT / "workbooks" / "corpus" / "hebei_langfang_shipin_nuantong_2019.xlsx"


def test_a_hidden_copy_of_the_form_is_named_not_reviewed(tmp_path):
    (tmp_path / "in").mkdir()
    wb = load_workbook(LANGFANG)
    old = wb.copy_worksheet(wb["自评表"])
    old.title, old.sheet_state = "自评表(旧)", "hidden"
    old["H7"] = 10                                     # the old version scored the budget row in full
    wb.save(tmp_path / "in" / "两张.xlsx")
    wb = load_workbook(LANGFANG)
    wb.create_sheet("说明")
    wb.active = 1
    wb["自评表"].sheet_state = "hidden"
    wb.save(tmp_path / "in" / "隐藏.xlsx")
    summary = run_batch([tmp_path / "in"], tmp_path / "out", jobs=1, progress=None, isolate=False)
    two, hidden = sorted(summary["workbooks"], key=lambda w: w["path"] != "两张.xlsx")
    assert [s["sheet"] for s in two["sheets"]] == ["自评表"]
    assert ("工作表‘自评表(旧)’是隐藏的工作表，其中的表单未列入校验（如需校验，请在 Excel 中取消隐藏后重新运行）"
            in two["notes"])
    # the shown form's own findings, as on the corpus form alone
    codes = sorted((f["code"], f["cell"]) for f in two["sheets"][0]["findings"])
    assert ("PE-B201", "E7") in codes and ("PE-S304", "H7") in codes
    assert [s["sheet"] for s in hidden["sheets"]] == ["自评表"]
    assert "工作表‘自评表’是隐藏的工作表，其中的表单已校验" in hidden["notes"]
    # the annotated copy marks nothing on the hidden sheet
    out = load_workbook(tmp_path / "out" / "两张.xlsx")
    assert out["自评表(旧)"]["H7"].comment is None and out["自评表"]["H7"].comment is not None


def test_a_legacy_workbook_says_which_sheet_is_hidden():
    grids = load_grids(ROOT / "tests" / "fixtures" / "public" / "poi" / "TwoSheetsOneHidden.xls")
    assert [(g.sheet, g.hidden) for g in grids] == [("Sheet1", True), ("Sheet2", False)]
