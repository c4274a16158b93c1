"""OUT/summary.json and OUT/summary.xlsx, the two things a reviewer opens after a batch.

summary.xlsx has four sheets, each with a frozen, filtered header and printed landscape one page wide:
概况 (the batch in figures), 汇总 (one row per form; unreadable and unrecognised files too, with their reason),
问题清单 (one row per finding, linked to its cell in the output copy) and 等级分布 (stated vs recomputed grades).
Statuses, form types and levels are in Chinese; :func:`sheet_status` / :func:`file_status` are the one place
a status is decided, so the console, summary.xlsx and reports agree."""
from __future__ import annotations

from copy import copy

import json
import math
from pathlib import Path
from typing import Any, Callable

import os
from collections import Counter

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ..checks.catalog import iter_catalog
from ..engine.rates import BASE_LABELS
from ..model import FORM_KINDS
from ..tablestyle import HEADER_FILL, LEVEL_FILLS, TableStyle, row_heights
from ..workbook.xlsxwrite import atomic_write_bytes, save_deterministic

LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}

#: One status per form (or per file when no form was read), in the order a reviewer deals with them.
STATUSES = ("有错误", "有警告", "通过", "未识别", "无法读取")
STATUS_FILLS = {"通过": "C6EFCE", "有警告": "FFEB9C", "有错误": "FFC7CE", "未识别": "D9D9D9", "无法读取": "F8CBAD"}
GRADE_FILLS = {"优": "C6EFCE", "良": "E2EFDA", "中": "FFF2CC", "差": "FFC7CE"}
HEAD_FILL = PatternFill("solid", fgColor=HEADER_FILL)
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _map_leaves(v: Any, fn: Callable[[Any], Any]) -> Any:
    """The summary (dicts and lists) with ``fn`` applied to every leaf value."""
    if isinstance(v, dict):
        return {k: _map_leaves(x, fn) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_map_leaves(x, fn) for x in v]
    return fn(v)


def finite(v: Any) -> Any:
    """The summary with every non-finite number (NaN, ±inf) as None: JSON has no such numbers."""
    return _map_leaves(v, lambda x: None if isinstance(x, float) and not math.isfinite(x) else x)


def dumps(summary: dict[str, Any]) -> str:
    """Strictly valid JSON (``allow_nan=False``: non-finite numbers become null first)."""
    return json.dumps(finite(summary), ensure_ascii=False, indent=1, sort_keys=False, allow_nan=False)


def write_json(summary: dict[str, Any], path: str | Path) -> Path:
    atomic_write_bytes(path, (dumps(summary) + "\n").encode("utf-8"))
    return Path(path)


def _cell_text(v: Any) -> Any:
    """A value a worksheet cell can hold: control characters (from a file name, say) shown as \\xNN."""
    if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", v)
    return v



def sheet_status(sheet: dict[str, Any]) -> str:
    """通过 / 有警告 / 有错误 for one recognised form."""
    levels = {f["severity"] for f in sheet["findings"]}
    return "有错误" if "error" in levels else "有警告" if "warning" in levels else "通过"


def file_status(entry: dict[str, Any]) -> str:
    """The status of a whole file: 无法读取, 未识别 (read, but no form recognised), or its worst form's."""
    if entry["status"] == "error":
        return "无法读取"
    if not entry["sheets"]:
        return "未识别"
    return min((sheet_status(s) for s in entry["sheets"]), key=STATUSES.index)


def totals(summary: dict[str, Any]) -> dict[str, Any]:
    """The batch in figures: files by status, forms, findings by level, grade disagreements, frequent codes."""
    wbs = summary["workbooks"]
    sheets = [s for w in wbs for s in w["sheets"]]
    findings = [f for s in sheets for f in s["findings"]]
    by_status = Counter(file_status(w) for w in wbs)
    return {
        "files": len(wbs),
        "forms": len(sheets),
        "status": {k: by_status.get(k, 0) for k in STATUSES},
        "forms_status": {k: sum(sheet_status(s) == k for s in sheets) for k in STATUSES[:3]},
        "findings": {LEVEL[k]: sum(f["severity"] == k for f in findings) for k in LEVEL},
        "grade_differs": sum(1 for s in sheets if s["grade_stated"] and s["grade"] and s["grade_stated"] != s["grade"]),
        "codes": Counter(f["code"] for f in findings).most_common(),
    }


def totals_line(summary: dict[str, Any]) -> str:
    """The one line every batch command ends with."""
    t = totals(summary)
    parts = "，".join(f"{k} {v}" for k, v in t["status"].items() if v)
    return f"共 {t['files']} 个文件、{t['forms']} 张表单：{parts or '无'}；错误 {t['findings']['错误']} 条，警告 {t['findings']['警告']} 条。"


def _link_target(output: str | None, folder: Path) -> str | None:
    """The output copy as a hyperlink target relative to the summary's folder (so the folder can be moved)."""
    if not output:
        return None
    try:
        rel = os.path.relpath(os.path.abspath(output), os.path.abspath(folder))
    except ValueError:    # another drive on Windows
        rel = os.path.abspath(output)
    # as Excel writes them: the path as it is, only the characters a link cannot hold escaped
    return Path(rel).as_posix().replace("%", "%25").replace("#", "%23").replace(" ", "%20")


def _table(ws: Worksheet, head: list[str], rows: list[list[Any]], widths: list[float], *,
           wrap: set[int] = frozenset(), freeze: str = "A2", formats: dict[int, str] | None = None) -> None:
    """A reviewer's table: bold coloured header, thin grid, widths, wrapped text where asked, frozen header,
    autofilter, the header repeated on every printed page, landscape A4 one page wide."""
    ws.append(head)
    for row in rows:
        ws.append(row)
    for c in ws[1]:
        c.font, c.fill, c.border = Font(bold=True), HEAD_FILL, GRID
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = formats or {}
    last_row = ws.max_row
    for j in range(1, len(head) + 1):
        # one cell styled, its style array copied down the column: assigning style objects cell by cell makes
        # openpyxl hash them every time (3.8 s for a 10,000-row 问题清单; the copy takes a few ms)
        first = ws.cell(2, j)
        first.border = GRID
        first.alignment = Alignment(vertical="top", wrap_text=j in wrap)
        if j in formats:
            first.number_format = formats[j]
        template = first._style
        for r in range(3, last_row + 1):
            ws.cell(r, j)._style = copy(template)
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = w
    style = TableStyle(widths=tuple(widths), wrap=frozenset(wrap))
    for r, height in row_heights([head, *rows], style).items():
        ws.row_dimensions[r].height = height
    ws.freeze_panes = freeze
    last = get_column_letter(len(head))
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 2)}"
    ws.print_title_rows = "1:1"
    _print_setup(ws)


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _colour_by_text(ws: Worksheet, col: int, fills: dict[str, str], last_row: int) -> None:
    """Conditional fill of column ``col`` by its text (kept when the reviewer sorts or filters)."""
    letter = get_column_letter(col)
    rng = f"{letter}2:{letter}{max(last_row, 2)}"
    for text, rgb in fills.items():
        ws.conditional_formatting.add(rng, FormulaRule(formula=[f'${letter}2="{text}"'],
                                                        fill=PatternFill("solid", fgColor=rgb, bgColor=rgb)))


def write_xlsx(summary: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    summary = _map_leaves(summary, _cell_text)
    folder = path.parent
    wb = Workbook()
    _overview(wb.active, summary)
    _forms(wb.create_sheet("汇总"), summary, folder)
    _findings(wb.create_sheet("问题清单"), summary, folder)
    _grades(wb.create_sheet("等级分布"), summary)
    return save_deterministic(wb, path)


def _overview(ws: Worksheet, summary: dict[str, Any]) -> None:
    ws.title = "概况"
    t = totals(summary)
    titles = {r.code: r.title for r in iter_catalog()}
    rows: list[list[Any]] = [["文件数", t["files"], "本次处理的工作簿（含无法读取的）"],
                             ["识别的表单数", t["forms"], "一个工作簿可含多张自评表/评分表"]]
    for k, v in t["status"].items():
        rows.append([f"文件：{k}", v, _STATUS_MEANING[k]])
    rows += [[f"问题：{k}", v, ""] for k, v in t["findings"].items()]
    rows.append(["填报等级与复核等级不一致", t["grade_differs"], "按表内数据重新计算后等级不同的表单"])
    for code, n in t["codes"][:8]:
        rows.append([f"常见问题 {code}", n, titles.get(code, "")])
    _table(ws, ["项目", "数量", "说明"], rows, [28, 10, 70], wrap={3})
    _colour_by_text(ws, 1, {f"文件：{k}": v for k, v in STATUS_FILLS.items()}, ws.max_row)
    ws.auto_filter.ref = None


_STATUS_MEANING = {
    "有错误": "至少一条“错误”级问题：数据矛盾、计算错误，须退回或更正",
    "有警告": "没有错误，但有须核实或说明的情况",
    "通过": "表单已识别，未发现问题",
    "未识别": "能打开，但没有认出自评表/评分表，只重算了公式",
    "无法读取": "文件损坏、加密、格式不支持或超出限制，原因见汇总表",
}


def _forms(ws: Worksheet, summary: dict[str, Any], folder: Path) -> None:
    head = ["序号", "状态", "文件", "工作表", "项目名称", "单位", "表单类型", "预算数（万元）", "预算执行率", "执行率口径",
            "预算调整率", "填报总分", "复核总分", "填报等级", "复核等级", "错误", "警告", "提示", "主要问题或原因"]
    rows: list[list[Any]] = []
    links: list[str | None] = []
    for w in summary["workbooks"]:
        target = _link_target(w.get("output"), folder)
        # what the file's notes say (decrypted, no copy written and why, cells left out) goes beside every row of it
        said = "".join(f"；注：{n}" for n in w.get("notes") or ())
        if w["status"] == "error" or not w["sheets"]:
            why = w["error"]["message"] if w["status"] == "error" else "未识别到自评表或评分表（公式已重算）"
            rows.append([len(rows) + 1, file_status(w), w["path"], *[None] * 15, why + said])
            links.append(target if w["status"] != "error" else None)
            continue
        for s in w["sheets"]:
            counts = {k: sum(f["severity"] == k for f in s["findings"]) for k in LEVEL}
            top = "；".join(f"[{f['code']}] {f['message']}" for f in s["findings"][:3])
            rows.append([len(rows) + 1, sheet_status(s), w["path"], s["sheet"], s["project"], s["unit"],
                         FORM_KINDS.get(s["form"], s["form"]), s["budget"], s["execution_rate"],
                         BASE_LABELS.get(s["execution_base"], s["execution_base"]), s["adjustment_rate"],
                         s["total_stated"], s["total"], s["grade_stated"], s["grade"],
                         counts["error"], counts["warning"], counts["info"], (top + said).lstrip("；")])
            links.append(target)
    _table(ws, head, rows, [5, 7, 22, 10, 24, 16, 14, 10, 8, 10, 8, 7, 7, 6, 6, 5, 5, 5, 42],
           wrap={3, 5, 6, 7, 10, 19}, freeze="D2",
           formats={8: "#,##0.00", 9: "0.00%", 11: "0.00%", 12: "0.00", 13: "0.00"})
    for i, target in enumerate(links, 2):
        if target:
            c = ws.cell(i, 3)
            c.hyperlink = Hyperlink(ref=c.coordinate, target=target, tooltip="打开标注后的副本")
            c.font = Font(color="0563C1", underline="single")
    last = ws.max_row
    _colour_by_text(ws, 2, STATUS_FILLS, last)
    _colour_by_text(ws, 15, GRADE_FILLS, last)
    ws.conditional_formatting.add(f"N2:N{max(last, 2)}", FormulaRule(
        formula=['AND($N2<>"",$O2<>"",$N2<>$O2)'], font=Font(bold=True, color="C00000")))


def _findings(ws: Worksheet, summary: dict[str, Any], folder: Path) -> None:
    head = ["序号", "文件", "工作表", "单元格", "规则", "级别", "问题说明", "依据数据"]
    rows: list[list[Any]] = []
    links: list[tuple[str | None, str | None]] = []
    for w in summary["workbooks"]:
        target = _link_target(w.get("output"), folder)
        for s in w["sheets"]:
            for f in s["findings"]:
                rows.append([len(rows) + 1, w["path"], f["sheet"], f["cell"] or "", f["code"], LEVEL[f["severity"]],
                             f["message"], f.get("evidence", "")])
                single = f["cell"] and ":" not in f["cell"]
                links.append((target, f"'{f['sheet']}'!{f['cell'].replace('$', '')}" if single else None))
    _table(ws, head, rows, [5, 24, 12, 8, 9, 6, 70, 45], wrap={2, 7, 8}, freeze="C2")
    for i, (target, location) in enumerate(links, 2):
        if target and location:
            c = ws.cell(i, 4)
            c.hyperlink = Hyperlink(ref=c.coordinate, target=target, location=location, tooltip="打开副本中的这个单元格")
            c.font = Font(color="0563C1", underline="single")
    _colour_by_text(ws, 6, LEVEL_FILLS, ws.max_row)


def _grades(ws: Worksheet, summary: dict[str, Any]) -> None:
    sheets = [s for w in summary["workbooks"] for s in w["sheets"]]
    rows = [[g, sum(s["grade_stated"] == g for s in sheets), sum(s["grade"] == g for s in sheets)]
            for g in ("优", "良", "中", "差")]
    rows.append(["未给出", sum(not s["grade_stated"] for s in sheets), sum(not s["grade"] for s in sheets)])
    _table(ws, ["等级", "填报", "复核"], rows, [10, 8, 8], freeze="A2")
    ws.auto_filter.ref = None
    chart = BarChart()
    chart.title = "等级分布（填报 与 复核）"
    chart.y_axis.title = "表单数"
    chart.x_axis.title = "等级"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_col=3, max_row=5), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=5))
    chart.y_axis.majorUnit = 1 if max((max(r[1], r[2]) for r in rows), default=0) <= 10 else None
    chart.y_axis.number_format = "0"
    chart.y_axis.scaling.min = 0
    chart.x_axis.delete = chart.y_axis.delete = False   # openpyxl hides axes unless told
    chart.width, chart.height = 16, 8
    ws.add_chart(chart, "E2")
