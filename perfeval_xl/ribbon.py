"""The 绩效评价 ribbon's actions. Each runs on the caller's active sheet through the sheet-access interface:
in Excel, RunPython calls ``validate_sheet()`` with no argument and the xlwings implementation
(:mod:`perfeval_xl.xlio.xlwingsbook`) is used; in tests and headless use, pass a :class:`perfeval_xl.xlio.XlsxBook`.

The actions only orchestrate: the layout reader recognises the form, the engine scores it, the checks
catalog finds the problems, the annotation module marks them. Each returns the Chinese message it shows.
"""
from __future__ import annotations

from typing import Any, Sequence

from .checks import iter_catalog, run_checks
from .checks.annotate import RESULT_SHEET, annotate, clear_annotations
from .engine.profile import NATIONAL, Profile
from .engine.scoring import score_form
from .model import Form
from .tablestyle import LEVEL_FILLS, TableStyle
from .workbook.layouts import recognise_all
from .xlio.access import BookAccess, SheetAccess
from .xlio.grid import Grid
from .xlio.xlwingsbook import XlwingsBook

RULES_SHEET = "校验规则"
LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}


# ---------------------------------------------------------------- helpers

def _book(book: BookAccess | None) -> BookAccess:
    return book if book is not None else XlwingsBook.caller()


def _say(book: BookAccess, message: str) -> str:
    alert = getattr(book, "alert", None)
    if alert is not None:
        alert(message)
    return message


def active_forms(book: BookAccess) -> tuple[SheetAccess, list[Form]]:
    """The active sheet and every form on it, top to bottom."""
    sheet = book.active_sheet()
    grid = Grid.from_rows(sheet.name, sheet.used_rows(), merged=sheet.merged_ranges())
    return sheet, recognise_all(grid)



# ---------------------------------------------------------------- actions

def validate_sheet(book: BookAccess | None = None, profile: Profile = NATIONAL) -> str:
    """校验工作表: recognise the active sheet's form, run the catalog, mark the cells, list the findings."""
    book = _book(book)
    sheet, forms = active_forms(book)
    if not forms:
        return _say(book, f"工作表“{sheet.name}”中没有识别到绩效自评表/评分表（未找到“三级指标/分值/得分”等表头）。")
    findings = [f for form in forms for f in run_checks(form, profile)]
    annotate(book, findings)
    counts = {k: sum(f.severity == k for f in findings) for k in LEVEL}
    if not findings:
        return _say(book, f"“{sheet.name}”校验完成：未发现问题。")
    return _say(book, f"“{sheet.name}”校验完成：错误 {counts['error']} 项、警告 {counts['warning']} 项、"
                      f"提示 {counts['info']} 项，详见“{RESULT_SHEET}”工作表。")


def clear_marks(book: BookAccess | None = None) -> str:
    """清除标记: restore the cells' notes and fills and remove the 校验结果 sheet."""
    book = _book(book)
    if clear_annotations(book):
        return _say(book, "已清除校验标记，单元格恢复原有批注与底色。")
    return _say(book, "没有需要清除的校验标记。")


def recalculate(book: BookAccess | None = None, profile: Profile = NATIONAL) -> str:
    """重新计算: write the engine's scores into the form's score cells (constants only; formulas are kept).
    Called from the ribbon it first asks the user to confirm."""
    if book is None:
        book = _book(book)
        confirm = getattr(book, "confirm", None)
        if confirm is not None and not confirm("将按评分标准重新计算，并把结果写入得分单元格。是否继续？"):
            return "已取消重新计算。"
    sheet, forms = active_forms(book)
    if not forms:
        return _say(book, f"工作表“{sheet.name}”中没有识别到表单，未写入任何得分。")
    written = skipped = 0
    results = []
    for form in forms:                     # every form on the sheet (several stacked one below another)
        fs = score_form(form, profile)
        results.append((form, fs))
        for ind, s in fs.scores:
            cell = ind.cells.get("score")
            if not cell or s.value is None or sheet.formula(cell):
                skipped += 1
                continue
            if sheet.value(cell) != s.value:
                sheet.set_value(cell, s.value)
                written += 1
    if len(results) == 1:
        totals = f"复核总分 {results[0][1].total}，等级 {results[0][1].grade}。"
    else:
        totals = "复核总分：" + "；".join(f"{form.project or f'第{i}张表'} {fs.total}（{fs.grade}）"
                                      for i, (form, fs) in enumerate(results, 1)) + "。"
    return _say(book, f"已按评分标准重新计算：更新 {written} 个得分单元格；{skipped} 个需评价人判定或为公式，未改动。" + totals)


def insert_template(book: BookAccess | None = None, name: str = "自评表") -> str:
    """插入模板: add the standard form as a new sheet (values and live PE_* formulas)."""
    from .workbook.templates import ALIASES, TEMPLATES

    book = _book(book)
    key = ALIASES.get(name, name)
    ws = TEMPLATES[key]().active
    title = f"{key}模板"
    n = 2
    while title in book.sheet_names():
        title = f"{key}模板{n}"
        n += 1
    rows: list[list[Any]] = []
    formulas: dict[str, str] = {}
    for row in ws.iter_rows():
        out = []
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                formulas[c.coordinate] = c.value[1:]
                out.append(None)
            else:
                out.append(c.value)
        rows.append(out)
    sheet = book.add_sheet(title, rows)
    for ref, f in formulas.items():
        sheet.set_formula(ref, f)
    return _say(book, f"已插入“{title}”工作表。")


def freeze(book: BookAccess | None = None, profile: Profile = NATIONAL) -> str:
    """冻结为普通公式: replace the active sheet's PE_* calls by plain Excel formulas."""
    from .recalc.freeze import _CALL, FreezeResult, _Resolver, freeze_formula
    from .recalc.peforms import normalize_formula
    from .xlio.grid import address

    book = _book(book)
    sheet = book.active_sheet()
    res = _Resolver(book, sheet.name, profile)  # type: ignore[arg-type]
    result = FreezeResult()
    for i, row in enumerate(sheet.used_rows(), 1):
        for j, _v in enumerate(row, 1):
            ref = address(i, j)
            f = sheet.formula(ref)
            if f and _CALL.search(normalize_formula(f)):
                lost: list[str] = []
                new, n = freeze_formula(f, res, sheet.value(ref), lost)
                if n:
                    sheet.set_formula(ref, new, sheet.value(ref))
                    result.changed += 1
                    if lost:
                        result.constant.append(f"{sheet.name}!{ref}")
    return _say(book, result.message())


def show_rules(book: BookAccess | None = None) -> str:
    """规则说明: a 校验规则 sheet listing the catalog."""
    book = _book(book)
    rows: list[Sequence[Any]] = [["规则", "级别", "类别", "标题", "说明", "依据", "示例"]]
    for r in iter_catalog():
        rows.append([r.code, LEVEL[r.severity], r.group, r.title, r.explanation, r.basis, r.example])
    fills = {(i, 2): LEVEL_FILLS[row[1]] for i, row in enumerate(rows[1:], 2)}
    book.add_sheet(RULES_SHEET, rows, style=TableStyle(widths=(9, 6, 11, 30, 70, 30, 40), wrap=frozenset({4, 5, 6, 7}),
                                                       fills=fills))
    return _say(book, f"已在“{RULES_SHEET}”工作表列出 {len(rows) - 1} 条校验规则。")


def draft_report(book: BookAccess | None = None, profile: Profile = NATIONAL, folder: str | None = None) -> str:
    """生成报告: draft the active sheet's form report (.docx) beside the workbook (or into ``folder``), the
    same document ``perfeval-xl report`` writes; never over an existing file."""
    from pathlib import Path

    from .report.draft import safe_name, write_report

    book = _book(book)
    sheet, forms = active_forms(book)
    if not forms:
        return _say(book, f"工作表“{sheet.name}”中没有识别到绩效自评表/评分表，无法生成报告。")
    where = Path(folder) if folder else book_folder(book)
    if where is None:
        return _say(book, "请先保存工作簿，报告将生成在工作簿所在的文件夹。")
    name = getattr(book, "name", None) or "工作簿"
    stem = Path(name).stem
    paths = []
    for k, form in enumerate(forms, 1):    # one report a form: 工作表, 工作表_2 … for forms stacked on one sheet
        label = safe_name(sheet.name) + (f"_{k}" if k > 1 else "")
        path = where / f"{stem}_{label}_报告初稿.docx"
        n = 1
        while path.exists():
            n += 1
            path = where / f"{stem}_{label}_报告初稿({n}).docx"
        fs = score_form(form, profile)
        write_report(form, fs, run_checks(form, profile, fs), path, name)
        paths.append(str(path))
    return _say(book, f"已生成报告初稿：{'；'.join(paths)}")


def book_folder(book: BookAccess):
    """The folder of the workbook's file, or None for a workbook never saved."""
    from pathlib import Path

    full = getattr(book, "fullname", None)
    if not full or not Path(full).is_absolute():
        return None
    return Path(full).parent


ACTIONS = {
    "校验工作表": validate_sheet, "清除标记": clear_marks, "重新计算": recalculate,
    "插入模板": insert_template, "冻结为普通公式": freeze, "规则说明": show_rules, "生成报告": draft_report,
}
