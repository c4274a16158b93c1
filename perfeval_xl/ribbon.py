"""The 绩效评价 ribbon's actions. Each runs on the caller's active sheet through the sheet-access interface:
in Excel, RunPython calls ``validate_sheet()`` with no argument and the xlwings implementation below is
used; in tests and headless use, pass a :class:`perfeval_xl.xlsxpkg.XlsxBook`.

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
from .sheetaccess import BookAccess, SheetAccess
from .tablestyle import HEADER_FILL, LEVEL_FILLS, TableStyle
from .workbook.grid import Grid
from .workbook.layouts import recognise

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


def active_form(book: BookAccess) -> tuple[SheetAccess, Form | None]:
    sheet = book.active_sheet()
    grid = Grid.from_rows(sheet.name, sheet.used_rows(), merged=sheet.merged_ranges())
    return sheet, recognise(grid)


# ---------------------------------------------------------------- actions

def validate_sheet(book: BookAccess | None = None, profile: Profile = NATIONAL) -> str:
    """校验工作表: recognise the active sheet's form, run the catalog, mark the cells, list the findings."""
    book = _book(book)
    sheet, form = active_form(book)
    if form is None:
        return _say(book, f"工作表“{sheet.name}”中没有识别到绩效自评表/评分表（未找到“三级指标/分值/得分”等表头）。")
    findings = run_checks(form, profile)
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
    sheet, form = active_form(book)
    if form is None:
        return _say(book, f"工作表“{sheet.name}”中没有识别到表单，未写入任何得分。")
    fs = score_form(form, profile)
    written = skipped = 0
    for ind, s in fs.scores:
        cell = ind.cells.get("score")
        if not cell or s.value is None or sheet.formula(cell):
            skipped += 1
            continue
        if sheet.value(cell) != s.value:
            sheet.set_value(cell, s.value)
            written += 1
    return _say(book, f"已按评分标准重新计算：更新 {written} 个得分单元格；{skipped} 个需评价人判定或为公式，未改动。"
                      f"复核总分 {fs.total}，等级 {fs.grade}。")


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
    from .workbook.grid import address

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
    sheet, form = active_form(book)
    if form is None:
        return _say(book, f"工作表“{sheet.name}”中没有识别到绩效自评表/评分表，无法生成报告。")
    where = Path(folder) if folder else book_folder(book)
    if where is None:
        return _say(book, "请先保存工作簿，报告将生成在工作簿所在的文件夹。")
    name = getattr(book, "name", None) or "工作簿"
    stem = Path(name).stem
    path = where / f"{stem}_{safe_name(sheet.name)}_报告初稿.docx"
    n = 1
    while path.exists():
        n += 1
        path = where / f"{stem}_{safe_name(sheet.name)}_报告初稿({n}).docx"
    fs = score_form(form, profile)
    write_report(form, fs, run_checks(form, profile, fs), path, name)
    return _say(book, f"已生成报告初稿：{path}")


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


# ---------------------------------------------------------------- xlwings implementation (in Excel)

class XlwingsSheet:
    """SheetAccess on a live Excel sheet (xlwings' open-source API only)."""

    def __init__(self, sheet: Any):
        self._s = sheet
        self.name = sheet.name

    def value(self, cell: str) -> Any:
        return self._s.range(cell).value

    def formula(self, cell: str) -> str | None:
        f = self._s.range(cell).formula
        return f[1:] if isinstance(f, str) and f.startswith("=") else None

    def set_value(self, cell: str, value: Any) -> None:
        self._s.range(cell).value = value

    def set_formula(self, cell: str, formula: str, cached: Any = None) -> None:
        self._s.range(cell).formula = "=" + formula.lstrip("=")

    def note(self, cell: str) -> str | None:
        n = self._s.range(cell).note
        return n.text if n is not None else None

    def set_note(self, cell: str, text: str | None) -> None:
        rng = self._s.range(cell)
        if rng.note is not None:
            rng.note.delete()
        if text is not None:
            rng.add_note(text)  # type: ignore[attr-defined]

    def fill(self, cell: str) -> str | None:
        color = self._s.range(cell).color
        return None if color is None else "{:02X}{:02X}{:02X}".format(*color)

    def set_fill(self, cell: str, rgb: str | None) -> None:
        self._s.range(cell).color = None if rgb is None else tuple(int(rgb[i:i + 2], 16) for i in (0, 2, 4))

    def used_rows(self) -> list[list[Any]]:
        last = self._s.used_range.last_cell
        values = self._s.range((1, 1), (last.row, last.column)).options(ndim=2).value
        return values or []

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        return []  # values of merged cells sit in their top-left cell, which the reader carries forward


XL_SHEET_VISIBLE, XL_SHEET_VERY_HIDDEN, XL_LANDSCAPE = -1, 2, 2


def _style_live(sh: Any, rows: Sequence[Sequence[Any]], width: int, style: TableStyle) -> None:
    """Draw a TableStyle in Excel (Windows COM through xlwings' ``.api``), as XlsxBook writes it in files."""
    rgb = lambda hex_: tuple(int(hex_[i:i + 2], 16) for i in (0, 2, 4))  # noqa: E731
    last = len(rows)
    for j, w in enumerate(style.widths, 1):
        sh.range((1, j)).column_width = w
    header = sh.range((1, 1), (1, width))
    header.color = rgb(HEADER_FILL)
    header.font.bold = True
    for j in style.wrap:
        sh.range((1, j), (last, j)).api.WrapText = True
    for (r, c), colour in style.fills.items():
        sh.range((r, c)).color = rgb(colour)
    table = sh.range((1, 1), (last, width))
    table.api.Borders.LineStyle = 1
    table.api.VerticalAlignment = -4160          # xlTop
    table.api.AutoFilter(1)
    sh.activate()
    window = sh.book.app.api.ActiveWindow
    window.FreezePanes = False
    window.SplitColumn, window.SplitRow = 0, 1
    window.FreezePanes = True
    setup = sh.api.PageSetup
    setup.Orientation = XL_LANDSCAPE if style.landscape else 1
    setup.Zoom = False
    setup.FitToPagesWide, setup.FitToPagesTall = 1, False
    setup.PrintTitleRows = "$1:$1"


class XlwingsBook:
    """BookAccess on the workbook that called RunPython."""

    def __init__(self, book: Any):
        self._b = book

    @classmethod
    def caller(cls) -> "XlwingsBook":
        import xlwings as xw

        return cls(xw.Book.caller())

    @property
    def name(self) -> str:
        return self._b.name

    @property
    def fullname(self) -> str:
        return self._b.fullname

    def sheet_names(self) -> list[str]:
        return [s.name for s in self._b.sheets]

    def sheet(self, name: str) -> XlwingsSheet:
        return XlwingsSheet(self._b.sheets[name])

    def active_sheet(self) -> XlwingsSheet:
        return XlwingsSheet(self._b.sheets.active)

    def add_sheet(self, name: str, rows: Sequence[Sequence[Any]],
                  links: dict[str, tuple[str, str]] | None = None, *,
                  style: TableStyle | None = None, hidden: bool = False) -> XlwingsSheet:
        if name in self.sheet_names():
            self.delete_sheet(name)
        active = self._b.sheets.active
        sh = self._b.sheets.add(name, after=self._b.sheets[-1])
        width = max((len(r) for r in rows), default=0)
        if rows:
            sh.range("A1").value = [list(r) + [None] * (width - len(r)) for r in rows]
        for cell, (sheet, target) in (links or {}).items():
            sh.range(cell).add_hyperlink(f"#'{sheet}'!{target}", sh.range(cell).value)
        if style is not None and rows:
            _style_live(sh, rows, width, style)
        if hidden:
            sh.api.Visible = XL_SHEET_VERY_HIDDEN
        active.activate()
        return XlwingsSheet(sh)

    def delete_sheet(self, name: str) -> None:
        sh = self._b.sheets[name]
        if sh.api.Visible != XL_SHEET_VISIBLE:   # Excel refuses to delete a (very) hidden sheet
            sh.api.Visible = XL_SHEET_VISIBLE
        sh.delete()

    def alert(self, message: str) -> None:
        self._b.app.alert(message, title="绩效评价")

    def confirm(self, message: str) -> bool:
        return self._b.app.alert(message, title="绩效评价", buttons="yes_no", mode="info") == "yes"
