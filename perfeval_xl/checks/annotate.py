"""Write findings into a workbook — and take them out again, exactly.

``annotate(book, findings)`` puts on every cell concerned a note ("【绩效校验】[PE-S302] …") and a fill
colour by severity (error FFC7CE, warning FFEB9C, info DDEBF7), and adds a 校验结果 sheet: one row per
finding, its 单元格 hyperlinked to the cell. What the cells had before (note and fill) is kept in the
last two columns of 校验结果, so ``clear_annotations(book)`` restores them and removes the sheet.
Both work only through :mod:`perfeval_xl.sheetaccess`, so the ribbon (xlwings) and the headless run
(:class:`perfeval_xl.xlsxpkg.XlsxBook`) share this code.
"""
from __future__ import annotations

from typing import Iterable

from ..model import Finding
from ..sheetaccess import BookAccess
from .catalog import SEVERITY_ORDER

RESULT_SHEET = "校验结果"
MARK = "【绩效校验】"
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}
HEADER = ["序号", "规则", "级别", "工作表", "单元格", "说明", "依据数据", "原批注（清除标记时还原）", "原填充（清除标记时还原）"]
EMPTY = "（无）"


def annotate(book: BookAccess, findings: Iterable[Finding]) -> int:
    """Mark the findings on their cells and list them on the 校验结果 sheet; returns the number listed."""
    clear_annotations(book)
    findings = sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet, f.code))
    names = set(book.sheet_names())
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.cell and f.sheet in names and ":" not in f.cell:
            by_cell.setdefault((f.sheet, f.cell.replace("$", "")), []).append(f)
    originals: dict[tuple[str, str], tuple[str, str]] = {}
    for (sheet, cell), fs in by_cell.items():
        sh = book.sheet(sheet)
        old_note, old_fill = sh.note(cell), sh.fill(cell)
        originals[(sheet, cell)] = (old_note if old_note is not None else EMPTY, old_fill or EMPTY)
        worst = min(fs, key=lambda f: SEVERITY_ORDER[f.severity]).severity
        sh.set_note(cell, MARK + "\n" + "\n".join(f"[{f.code}] {LEVEL[f.severity]}：{f.message}" for f in fs))
        sh.set_fill(cell, FILLS[worst])
    rows: list[list[object]] = [HEADER]
    links: dict[str, tuple[str, str]] = {}
    restored: set[tuple[str, str]] = set()
    for i, f in enumerate(findings, 1):
        key = (f.sheet, (f.cell or "").replace("$", ""))
        note, fill = ("", "")
        if key in originals and key not in restored:
            note, fill = originals[key]
            restored.add(key)
        rows.append([i, f.code, LEVEL[f.severity], f.sheet, f.cell or "", f.message, f.evidence, note, fill])
        if key in by_cell:
            links[f"E{i + 1}"] = key
    book.add_sheet(_free_name(book), rows, links)
    return len(findings)


def _free_name(book: BookAccess) -> str:
    """校验结果, or 校验结果(2) … when a sheet of the user's already has the name (never deleted)."""
    names = set(book.sheet_names())
    name, n = RESULT_SHEET, 1
    while name in names:
        n += 1
        name = f"{RESULT_SHEET}({n})"
    return name


def _ours(book: BookAccess) -> str | None:
    """The result sheet annotate added (recognised by its header row), or None."""
    for name in book.sheet_names():
        if name == RESULT_SHEET or (name.startswith(RESULT_SHEET + "(") and name.endswith(")")):
            sh = book.sheet(name)
            first = [sh.value(f"{chr(65 + i)}1") for i in range(len(HEADER))]
            if [str(v) if v is not None else "" for v in first] == HEADER:
                return name
    return None


def clear_annotations(book: BookAccess) -> bool:
    """Remove exactly what ``annotate`` added: restore notes and fills, delete 校验结果. False when none.
    A sheet of the user's that happens to have the name is left alone."""
    ours = _ours(book)
    if ours is None:
        return False
    rows = book.sheet(ours).used_rows()
    names = set(book.sheet_names())
    for row in rows[1:]:
        row = list(row) + [None] * (len(HEADER) - len(row))
        sheet, cell, note, fill = row[3], row[4], row[7], row[8]
        if not sheet or not cell or sheet not in names or note in (None, "") or fill in (None, ""):
            continue
        sh = book.sheet(str(sheet))
        sh.set_note(str(cell), None if note == EMPTY else str(note))
        sh.set_fill(str(cell), None if fill == EMPTY else str(fill))
    book.delete_sheet(ours)
    return True
