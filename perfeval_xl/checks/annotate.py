"""Write findings into a workbook — and take them out again, exactly.

``annotate(book, findings)`` puts on every cell concerned a note ("【绩效校验】[PE-S302] …") and a fill
colour by severity (error FFC7CE, warning FFEB9C, info DDEBF7), and adds a 校验结果 sheet: one row per
finding, its 单元格 hyperlinked to the cell, styled as summary.xlsx's 问题清单 (:mod:`perfeval_xl.tablestyle`).
What the cells had before (note and fill) is kept on a very hidden sheet 绩效校验_还原 that users never see,
so ``clear_annotations(book)`` restores them and removes both sheets. (Workbooks annotated by earlier
versions kept that record in two more columns of 校验结果; they are cleared as well.)
Both work only through :mod:`perfeval_xl.xlio.access`, so the ribbon (xlwings) and the headless run
(:class:`perfeval_xl.xlio.XlsxBook`) share this code.
"""
from __future__ import annotations

from typing import Iterable

from ..model import Finding
from ..xlio.access import BookAccess
from ..tablestyle import LEVEL_FILLS, TableStyle
from .catalog import SEVERITY_ORDER

RESULT_SHEET = "校验结果"
RESTORE_SHEET = "绩效校验_还原"
MARK = "【绩效校验】"
LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}
FILLS = {k: LEVEL_FILLS[v] for k, v in LEVEL.items()}
HEADER = ["序号", "规则", "级别", "工作表", "单元格", "问题说明", "依据数据"]
WIDTHS = (5, 9, 6, 14, 8, 70, 45)
RESTORE_HEADER = ["工作表", "单元格", "原批注", "原填充"]
LEGACY_HEADER = ["序号", "规则", "级别", "工作表", "单元格", "说明", "依据数据", "原批注（清除标记时还原）", "原填充（清除标记时还原）"]
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
    restore: list[list[object]] = [RESTORE_HEADER]
    for (sheet, cell), fs in by_cell.items():
        sh = book.sheet(sheet)
        old_note, old_fill = sh.note(cell), sh.fill(cell)
        restore.append([sheet, cell, old_note if old_note is not None else EMPTY, old_fill or EMPTY])
        worst = min(fs, key=lambda f: SEVERITY_ORDER[f.severity]).severity
        sh.set_note(cell, MARK + "\n" + "\n".join(f"[{f.code}] {LEVEL[f.severity]}：{f.message}" for f in fs))
        sh.set_fill(cell, FILLS[worst])
    rows: list[list[object]] = [HEADER]
    links: dict[str, tuple[str, str]] = {}
    fills: dict[tuple[int, int], str] = {}
    for i, f in enumerate(findings, 1):
        key = (f.sheet, (f.cell or "").replace("$", ""))
        rows.append([i, f.code, LEVEL[f.severity], f.sheet, f.cell or "", f.message, f.evidence])
        fills[(i + 1, 3)] = FILLS[f.severity]
        if key in by_cell:
            links[f"E{i + 1}"] = key
    style = TableStyle(widths=WIDTHS, wrap=frozenset({6, 7}), fills=fills, freeze="A2")
    book.add_sheet(_free_name(book, RESULT_SHEET), rows, links, style=style)
    book.add_sheet(_free_name(book, RESTORE_SHEET), restore, hidden=True)
    return len(findings)


def _free_name(book: BookAccess, base: str) -> str:
    """校验结果, or 校验结果(2) … when a sheet of the user's already has the name (never deleted)."""
    names = set(book.sheet_names())
    name, n = base, 1
    while name in names:
        n += 1
        name = f"{base}({n})"
    return name


def _ours(book: BookAccess, base: str, headers: list[list[str]]) -> tuple[str, list[str]] | None:
    """The sheet annotate added under ``base`` (recognised by its header row) and that header, or None."""
    for name in book.sheet_names():
        if name == base or (name.startswith(base + "(") and name.endswith(")")):
            sh = book.sheet(name)
            for header in headers:
                first = [sh.value(f"{chr(65 + i)}1") for i in range(len(header))]
                if [str(v) if v is not None else "" for v in first] == header:
                    return name, header
    return None


def clear_annotations(book: BookAccess) -> bool:
    """Remove exactly what ``annotate`` added: restore notes and fills, delete 校验结果 and the hidden record.
    False when there was nothing of ours. A sheet of the user's that happens to have the name is left alone."""
    result = _ours(book, RESULT_SHEET, [HEADER, LEGACY_HEADER])
    record = _ours(book, RESTORE_SHEET, [RESTORE_HEADER])
    if result is None and record is None:
        return False
    if record is not None:
        entries = [(r + [None] * 4)[:4] for r in book.sheet(record[0]).used_rows()[1:]]
    elif result is not None and result[1] == LEGACY_HEADER:
        entries = [[r[3], r[4], r[7], r[8]] for r in
                   ((list(r) + [None] * 9)[:9] for r in book.sheet(result[0]).used_rows()[1:])]
    else:
        entries = []
    names = set(book.sheet_names())
    for sheet, cell, note, fill in entries:
        if not sheet or not cell or str(sheet) not in names or note in (None, "") or fill in (None, ""):
            continue
        sh = book.sheet(str(sheet))
        sh.set_note(str(cell), None if note == EMPTY else str(note))
        sh.set_fill(str(cell), None if fill == EMPTY else str(fill))
    for found in (result, record):
        if found is not None:
            book.delete_sheet(found[0])
    return True
