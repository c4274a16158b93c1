"""OUT/summary.json and OUT/summary.xlsx: one row per form, the findings, a chart of grades."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

from ..workbook.xlsxwrite import atomic_write_bytes, save_deterministic

LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}
HEAD = PatternFill("solid", fgColor="DDEBF7")


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


def write_xlsx(summary: dict[str, Any], path: str | Path) -> Path:
    summary = _map_leaves(summary, _cell_text)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    head = ["文件", "工作表", "表单类型", "项目名称", "单位", "预算数（万元）", "预算执行率", "执行率口径", "预算调整率",
            "填报总分", "复核总分", "填报等级", "复核等级", "错误", "警告", "提示", "主要问题", "状态"]
    ws.append(head)
    for c in ws[1]:
        c.font, c.fill = Font(bold=True), HEAD
    findings_rows = []
    for w in summary["workbooks"]:
        if w["status"] == "error":
            ws.append([w["path"], None, None, None, None, None, None, None, None, None, None, None, None,
                       None, None, None, w["error"]["message"], "无法读取"])
            continue
        for s in w["sheets"]:
            counts = {k: sum(f["severity"] == k for f in s["findings"]) for k in LEVEL}
            top = "；".join(f"[{f['code']}] {f['message']}" for f in s["findings"][:3])
            ws.append([w["path"], s["sheet"], s["form"], s["project"], s["unit"], s["budget"], s["execution_rate"],
                       s["execution_base"], s["adjustment_rate"], s["total_stated"], s["total"], s["grade_stated"],
                       s["grade"], counts["error"], counts["warning"], counts["info"], top, "正常"])
            for f in s["findings"]:
                findings_rows.append([w["path"], f["sheet"], f["cell"], f["code"], LEVEL[f["severity"]], f["message"],
                                      f.get("evidence", "")])
    for row in ws.iter_rows(min_row=2):
        row[6].number_format = row[8].number_format = "0.00%"
    for col, width in zip("ABCDEFGHIJKLMNOPQR", (28, 12, 10, 30, 20, 10, 10, 12, 10, 9, 9, 8, 8, 6, 6, 6, 60, 8)):
        ws.column_dimensions[col].width = width
    fsheet = wb.create_sheet("问题清单")
    fsheet.append(["文件", "工作表", "单元格", "规则", "级别", "说明", "依据数据"])
    for c in fsheet[1]:
        c.font, c.fill = Font(bold=True), HEAD
    for r in findings_rows:
        fsheet.append(r)
    gs = wb.create_sheet("等级分布")
    gs.append(["等级", "填报", "复核"])
    sheets = [s for w in summary["workbooks"] for s in w["sheets"]]
    for g in ("优", "良", "中", "差"):
        gs.append([g, sum(s["grade_stated"] == g for s in sheets), sum(s["grade"] == g for s in sheets)])
    chart = BarChart()
    chart.title = "等级分布（填报 vs 复核）"
    chart.y_axis.title = "表单数"
    chart.add_data(Reference(gs, min_col=2, min_row=1, max_col=3, max_row=5), titles_from_data=True)
    chart.set_categories(Reference(gs, min_col=1, min_row=2, max_row=5))
    gs.add_chart(chart, "E2")
    return save_deterministic(wb, path)
