"""OUT/summary.json and OUT/summary.xlsx, the two things a reviewer opens after a batch.

summary.xlsx has four sheets, each with a frozen, filtered header and printed landscape one page wide:
概况 (the batch in figures), 汇总 (one row per form; unreadable and unrecognised files too, with their reason),
问题清单 (one row per finding, linked to its cell in the output copy) and 等级分布 (stated vs recomputed grades).
Statuses, form types and levels are in Chinese; :func:`sheet_status` / :func:`file_status` are the one place
a status is decided, so the console, summary.xlsx and reports agree."""
from __future__ import annotations

import html
import io
import json
import math
import multiprocessing as mp
import os
import posixpath
import re
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ..checks.catalog import iter_catalog
from ..engine.rates import BASE_LABELS
from ..model import FORM_KINDS
from ..tablestyle import HEADER_FILL, LEVEL_FILLS, TableStyle, row_heights
from ..workbook.xlsxwrite import FIXED_TIME, atomic_write_bytes
from ..xlio.filebook import EXCEL_CELL_CHARS
from ..xlio.grid import parse_address
from ..xlio.package import rels_name
from ..xlio.sheetxml import number_text, visible, xml_attr
from ..xlio.zipparts import added, rewritten, write_zip
from .pool import FORKS

LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}

#: One status per form (or per file when no form was read), in the order a reviewer deals with them.
STATUSES = ("有错误", "有警告", "通过", "未识别", "无法读取")
STATUS_FILLS = {"通过": "C6EFCE", "有警告": "FFEB9C", "有错误": "FFC7CE", "未识别": "D9D9D9", "无法读取": "F8CBAD"}
GRADE_FILLS = {"优": "C6EFCE", "良": "E2EFDA", "中": "FFF2CC", "差": "FFC7CE"}
GRID_COLOUR = "#BFBFBF"
MAX_URL = 2079                 # the longest link Excel keeps
LINK_COLOUR = "#0563C1"


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
    """Strictly valid JSON (``allow_nan=False``: non-finite numbers become null, walked for only when there is one),
    one workbook to a line: grep finds a file's line, and the encoder is json's C one (an indented document is
    written by its Python encoder: 2.0 s against 0.3 s for 1,000 files' 91,000 findings)."""
    try:
        return _one_per_line(summary)
    except ValueError:
        return _one_per_line(finite(summary))


def _one_per_line(summary: dict[str, Any]) -> str:
    def enc(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, allow_nan=False)

    fields = []
    for key, value in summary.items():
        if isinstance(value, list) and value:
            fields.append(f"{enc(key)}: [\n" + ",\n".join(map(enc, value)) + "\n]")
        else:
            fields.append(f"{enc(key)}: {enc(value)}")
    return "{\n" + ",\n".join(fields) + "\n}" if fields else "{}"


def write_json(summary: dict[str, Any], path: str | Path) -> Path:
    atomic_write_bytes(path, (dumps(summary) + "\n").encode("utf-8"))
    return Path(path)


def write_summaries(summary: dict[str, Any], folder: str | Path, jobs: int = 1) -> None:
    """summary.json and summary.xlsx in ``folder``. When the batch ran on two or more processes, the two are written
    side by side, summary.json by a forked process (it shares the summary without copying it): the batch's serial
    tail, which caps what --jobs gains (1,000 files: 0.55 s of 2.8 s). Elsewhere, and if that process fails, one
    after the other in this process."""
    folder = Path(folder)
    child = None
    if jobs > 1 and FORKS:
        child = mp.get_context("fork").Process(target=_json_quietly, args=(summary, folder / "summary.json"),
                                                daemon=True)
        child.start()
    else:
        write_json(summary, folder / "summary.json")
    write_xlsx(summary, folder / "summary.xlsx")
    if child is not None:
        child.join()
        if child.exitcode != 0:
            write_json(summary, folder / "summary.json")


def _json_quietly(summary: dict[str, Any], path: Path) -> None:
    """write_json in the forked process: a failure is its exit status (1), never a traceback on the console."""
    try:
        write_json(summary, path)
    except BaseException:  # noqa: BLE001 - the parent writes the file itself then
        sys.exit(1)


def _cell_text(v: Any) -> Any:
    """A value a worksheet cell can hold: control characters (from a file name, say) shown as \\xNN."""
    return visible(v) if isinstance(v, str) else v



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


def others_named(summary: dict[str, Any], most: int) -> str:
    """The first ``most`` other files, each Word file with why it holds no form ("a.pdf、b.docx（Word 文档中没有表格）等")."""
    rest, why = summary.get("others") or [], summary.get("others_why") or {}
    named = [f"{p}（{why[p]}）" if p in why else p for p in rest[:most]]
    return "、".join(named) + ("等" if len(rest) > most else "")


def totals_line(summary: dict[str, Any], listed: str | None = "summary.json 的 others") -> str:
    """The one line every batch command ends with; ``listed``: where the other files are named (None: on the lines
    above, for the commands that write no summary)."""
    t = totals(summary)
    parts = "，".join(f"{k} {v}" for k, v in t["status"].items() if v)
    line = f"共 {t['files']} 个文件、{t['forms']} 张表单：{parts or '无'}；错误 {t['findings']['错误']} 条，警告 {t['findings']['警告']} 条。"
    rest = summary.get("others") or []
    if rest:
        kinds = Counter(Path(p).suffix.lower() or "（无扩展名）" for p in rest)
        line += (f"另有 {len(rest)} 个其他文件未处理（{'，'.join(f'{k} {n}' for k, n in kinds.most_common())}）"
                 + (f"，见 {listed}。" if listed else "。"))
    return line


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


class _Sheet:
    """One worksheet of summary.xlsx being written with XlsxWriter, and the formats it shares with the others."""

    def __init__(self, book: "_Book", name: str):
        self.book = book
        self.ws = book.wb.add_worksheet(name)
        self.rows = 0

    def table(self, head: list[str], rows: list[list[Any]], widths: list[float], *, wrap: set[int] = frozenset(),
              freeze: str = "A2", formats: dict[int, str] | None = None, links: dict[tuple[int, int], tuple[str, str | None]]
              | None = None, autofilter: bool = True, splice: bool = False) -> None:
        """A reviewer's table: bold coloured header, thin grid, widths, wrapped text where asked, frozen header,
        autofilter, the header repeated on every printed page, landscape A4 one page wide. ``links`` maps a 1-based
        (row, column) of a data cell to (file, location) for a hyperlink to the output copy.

        ``splice``: XlsxWriter writes the header and every setting, and the data rows are written into the sheet's
        part after it closes (:func:`_splice_rows`), in the same cells, formats and links: XlsxWriter spends some
        9 µs on a cell, and 1,000 files' 91,000 findings are 730,000 of them."""
        ws, fmt = self.ws, self.book.format
        formats, links = formats or {}, links or {}
        head_fmt = fmt(bold=True, bg_color="#" + HEADER_FILL, border=1, border_color=GRID_COLOUR, align="center",
                       valign="vcenter", text_wrap=True)
        ws.write_row(0, 0, head, head_fmt)
        body = [fmt(border=1, border_color=GRID_COLOUR, valign="top", text_wrap=j in wrap,
                    num_format=formats.get(j, "General")) for j in range(1, len(head) + 1)]
        link_fmt = {j: fmt(border=1, border_color=GRID_COLOUR, valign="top", text_wrap=j in wrap,
                           font_color=LINK_COLOUR, underline=1) for (_r, j) in links}
        write, text, number, blank = ws.write, ws.write_string, ws.write_number, ws.write_blank
        xf_of = getattr(body[0], "_get_xf_index", None)     # XlsxWriter 3.3's: a format's index in styles.xml
        if splice and rows and xf_of is not None:
            self.book.spliced.append(_Spliced(self.ws.name, rows, links, [f._get_xf_index() for f in body],
                                              {j: f._get_xf_index() for j, f in link_fmt.items()}))
            rows_written: list[list[Any]] = []
        else:
            rows_written = rows
        for i, row in enumerate(rows_written, 1):
            for j, v in enumerate(row, 1):
                cls = v.__class__
                if cls is str:
                    v = _cell_text(v)
                elif cls is float and not math.isfinite(v):
                    v = "#NUM!"                      # no cell holds NaN or infinity
                link = links.get((i + 1, j))
                url = None
                if link is not None:
                    target, location = link
                    url = "external:" + target + (f"#{location}" if location else "")
                    if len(url) > MAX_URL:               # Excel holds no longer link: the text alone
                        url, v = None, v if v not in (None, "") else target
                if url is not None:
                    ws.write_url(i, j - 1, url, link_fmt[j], string=str(v) if v not in (None, "") else target,
                                 tip="打开副本中的这个单元格" if location else "打开标注后的副本")
                elif v is None or v == "":
                    blank(i, j - 1, None, body[j - 1])
                elif v.__class__ is str:      # straight to the writer for its type (write() dispatches on it)
                    text(i, j - 1, v, body[j - 1])
                elif cls is int or cls is float:
                    number(i, j - 1, v, body[j - 1])
                else:
                    write(i, j - 1, v, body[j - 1])
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        style = TableStyle(widths=tuple(widths), wrap=frozenset(wrap))
        heights = row_heights([head, *rows], style)
        if rows_written is not rows:
            self.book.spliced[-1].heights.update(heights)
            heights = {r: h for r, h in heights.items() if r == 1}
        for r, height in heights.items():
            ws.set_row(r - 1, height)
        r0, c0 = parse_address(freeze)
        ws.freeze_panes(r0 - 1, c0 - 1)
        if autofilter:
            ws.autofilter(0, 0, max(len(rows), 1), len(head) - 1)
        ws.repeat_rows(0)
        ws.set_landscape()
        ws.set_paper(9)                      # A4
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4)
        ws.set_footer("&C第 &P 页，共 &N 页")
        self.rows = len(rows) + 1

    def colour_by_text(self, col: int, fills: dict[str, str]) -> None:
        """Conditional fill of column ``col`` by its text (kept when the reviewer sorts or filters)."""
        letter = xl_col_to_name(col - 1)
        rng = f"{letter}2:{letter}{max(self.rows, 2)}"
        for text, rgb in fills.items():
            self.ws.conditional_format(rng, {"type": "formula", "criteria": f'=${letter}2="{text}"',
                                             "format": self.book.format(bg_color="#" + rgb, conditional=True)})


class _Book:
    def __init__(self, buf: io.BytesIO):
        # a message, evidence or file name is text as written: never a formula, a number or a link by its look
        self.wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False,
                                            "max_url_length": MAX_URL})
        self.wb.set_properties({"author": "perfeval-xl", "created": FIXED_TIME})
        self._formats: dict[tuple, Any] = {}
        self.spliced: list[_Spliced] = []

    def format(self, conditional: bool = False, **props: Any) -> Any:
        key = (conditional, tuple(sorted(props.items())))
        f = self._formats.get(key)
        if f is None:
            f = self._formats[key] = self.wb.add_format(props)
        return f

    def sheet(self, name: str) -> _Sheet:
        return _Sheet(self, name)


def write_xlsx(summary: dict[str, Any], path: str | Path, *, splice: bool = True) -> Path:
    """summary.xlsx, written with XlsxWriter (a new workbook: openpyxl took 20 s for 1,000 files' 91,500 findings),
    atomically and with the same bytes for the same summary. The 问题清单 rows are spliced in after XlsxWriter closes
    the workbook, and so are 汇总's (``splice``; 1,000 files' 91,000 findings: 5.8 -> 1.5 s): the batch's serial tail."""
    path = Path(path)
    folder = path.parent
    buf = io.BytesIO()
    book = _Book(buf)
    _overview(book.sheet("概况"), summary)
    _forms(book.sheet("汇总"), summary, folder, splice)
    _findings(book.sheet("问题清单"), summary, folder, splice)
    _grades(book, book.sheet("等级分布"), summary)
    book.wb.close()
    data = buf.getvalue()
    if book.spliced:
        try:
            data = _splice_rows(data, book.spliced)
        except (ValueError, KeyError):     # a sheet part not as XlsxWriter 3.3 writes it: let XlsxWriter write the rows
            return write_xlsx(summary, path, splice=False)
    # XlsxWriter dates its zip entries 1980-01-01 and the document FIXED_TIME: the same summary, the same bytes
    atomic_write_bytes(path, data)
    return path


def _overview(ws: _Sheet, summary: dict[str, Any]) -> None:
    t = totals(summary)
    titles = {r.code: r.title for r in iter_catalog()}
    rows: list[list[Any]] = [["文件数", t["files"], "本次处理的工作簿和含自评表的 Word 文档（含无法读取的工作簿）"],
                             ["识别的表单数", t["forms"], "一个工作簿可含多张自评表/评分表"]]
    for k, v in t["status"].items():
        rows.append([f"文件：{k}", v, _STATUS_MEANING[k]])
    rows += [[f"问题：{k}", v, ""] for k, v in t["findings"].items()]
    rows.append(["填报等级与复核等级不一致", t["grade_differs"], "按表内数据重新计算后等级不同的表单"])
    rest = summary.get("others") or []
    if rest:
        rows.append(["未处理的其他文件", len(rest), "不是 Excel 工作簿（如 PDF、图片），或是其中没有自评表的 Word 文档，未处理；"
                                                f"若其中有自评表，请另存为 .xlsx 后重新运行：{others_named(summary, 5)}"])
    repeated = sum(1 for w in summary["workbooks"] if w.get("repeats"))
    if repeated:
        rows.append(["可能重复报送的文件", repeated, "与其他文件内容完全相同，或项目、单位和预算数相同（重发、修改稿，或 Word "
                                                  "报告中的附表）：各算一次，请确认以哪一份为准（见汇总表的“注”）"])
    for code, n in t["codes"][:8]:
        rows.append([f"常见问题 {code}", n, titles.get(code, "")])
    ws.table(["项目", "数量", "说明"], rows, [28, 10, 70], wrap={3}, autofilter=False)
    ws.colour_by_text(1, {f"文件：{k}": v for k, v in STATUS_FILLS.items()})


_STATUS_MEANING = {
    "有错误": "至少一条“错误”级问题：数据矛盾、计算错误，须退回或更正",
    "有警告": "没有错误，但有须核实或说明的情况",
    "通过": "表单已识别，未发现问题",
    "未识别": "能打开，但没有认出自评表/评分表：只重算了公式（只复核的格式连公式也不重算）",
    "无法读取": "文件损坏、加密、格式不支持或超出限制，原因见汇总表",
}


def _forms(ws: _Sheet, summary: dict[str, Any], folder: Path, splice: bool = True) -> None:
    head = ["序号", "状态", "文件", "工作表", "项目名称", "单位", "表单类型", "预算数（万元）", "预算执行率", "执行率口径",
            "预算调整率", "填报总分", "复核总分", "填报等级", "复核等级", "错误", "警告", "提示", "主要问题或原因"]
    rows: list[list[Any]] = []
    links: dict[tuple[int, int], tuple[str, str | None]] = {}
    for w in summary["workbooks"]:
        target = _link_target(w.get("output"), folder)
        # what the file's notes say (decrypted, no copy written and why, cells left out) goes beside every row of it
        said = "".join(f"；注：{n}" for n in w.get("notes") or ())
        if w["status"] == "error" or not w["sheets"]:
            why = (w["error"]["message"] if w["status"] == "error" else
                   "未识别到自评表或评分表" + ("（公式已重算）" if w.get("output") else ""))
            rows.append([len(rows) + 1, file_status(w), w["path"], *[None] * 15, why + said])
            if target and w["status"] != "error":
                links[(len(rows) + 1, 3)] = (target, None)
            continue
        for s in w["sheets"]:
            counts = {k: sum(f["severity"] == k for f in s["findings"]) for k in LEVEL}
            top = "；".join(f"[{f['code']}] {f['message']}" for f in s["findings"][:3])
            rows.append([len(rows) + 1, sheet_status(s), w["path"], s["sheet"], s["project"], s["unit"],
                         FORM_KINDS.get(s["form"], s["form"]), s["budget"], s["execution_rate"],
                         BASE_LABELS.get(s["execution_base"], s["execution_base"]), s["adjustment_rate"],
                         s["total_stated"], s["total"], s["grade_stated"], s["grade"],
                         counts["error"], counts["warning"], counts["info"], (top + said).lstrip("；")])
            if target:
                links[(len(rows) + 1, 3)] = (target, None)
    ws.table(head, rows, [5, 7, 22, 10, 24, 16, 14, 10, 8, 10, 8, 7, 7, 6, 6, 5, 5, 5, 42],
             wrap={3, 5, 6, 7, 10, 19}, freeze="D2",
             formats={8: "#,##0.00", 9: "0.00%", 11: "0.00%", 12: "0.00", 13: "0.00"}, links=links, splice=splice)
    ws.colour_by_text(2, STATUS_FILLS)
    ws.colour_by_text(15, GRADE_FILLS)
    ws.ws.conditional_format(f"N2:N{max(ws.rows, 2)}", {
        "type": "formula", "criteria": '=AND($N2<>"",$O2<>"",$N2<>$O2)',
        "format": ws.book.format(bold=True, font_color="#C00000", conditional=True)})


#: Excel keeps at most this many hyperlinks on a worksheet; past it the 问题清单 rows name their cells as text
MAX_LINKS = 65_530


def _findings(ws: _Sheet, summary: dict[str, Any], folder: Path, splice: bool = True) -> None:
    head = ["序号", "文件", "工作表", "单元格", "规则", "级别", "问题说明", "依据数据"]
    rows: list[list[Any]] = []
    links: dict[tuple[int, int], tuple[str, str | None]] = {}
    for w in summary["workbooks"]:
        target = _link_target(w.get("output"), folder)
        for s in w["sheets"]:
            for f in s["findings"]:
                rows.append([len(rows) + 1, w["path"], f["sheet"], f["cell"] or "", f["code"], LEVEL[f["severity"]],
                             f["message"], f.get("evidence", "")])
                single = f["cell"] and ":" not in f["cell"]
                if target and single and len(links) < MAX_LINKS:
                    quoted = "'" + f["sheet"].replace("'", "''") + "'"      # as Excel quotes a sheet's name
                    links[(len(rows) + 1, 4)] = (target, f"{quoted}!{f['cell'].replace('$', '')}")
    ws.table(head, rows, [5, 24, 12, 8, 9, 6, 70, 45], wrap={2, 7, 8}, freeze="C2", links=links, splice=splice)
    ws.colour_by_text(6, LEVEL_FILLS)


def _grades(book: _Book, ws: _Sheet, summary: dict[str, Any]) -> None:
    sheets = [s for w in summary["workbooks"] for s in w["sheets"]]
    rows = [[g, sum(s["grade_stated"] == g for s in sheets), sum(s["grade"] == g for s in sheets)]
            for g in ("优", "良", "中", "差")]
    rows.append(["未给出", sum(not s["grade_stated"] for s in sheets), sum(not s["grade"] for s in sheets)])
    ws.table(["等级", "填报", "复核"], rows, [10, 8, 8], freeze="A2", autofilter=False)
    chart = book.wb.add_chart({"type": "column"})
    for col, name in ((1, "填报"), (2, "复核")):
        chart.add_series({"name": ["等级分布", 0, col], "categories": ["等级分布", 1, 0, 4, 0],
                          "values": ["等级分布", 1, col, 4, col]})
    chart.set_title({"name": "等级分布（填报 与 复核）"})
    y_axis: dict[str, Any] = {"name": "表单数", "num_format": "0", "min": 0}
    if max((max(r[1], r[2]) for r in rows), default=0) <= 10:
        y_axis["major_unit"] = 1
    chart.set_y_axis(y_axis)
    chart.set_x_axis({"name": "等级"})
    chart.set_size({"width": 605, "height": 302})     # 16 cm × 8 cm
    ws.ws.insert_chart("E2", chart)


# ---------------------------------------------------------------- data rows written into XlsxWriter's sheet part

@dataclass
class _Spliced:
    """A table whose data rows go into the sheet's part after XlsxWriter closes the workbook."""
    sheet: str
    rows: list[list[Any]]
    links: dict[tuple[int, int], tuple[str, str | None]]
    body_xf: list[int]                     # style index of each column's body cells
    link_xf: dict[int, int]                # style index of a linked cell, by column
    heights: dict[int, float] = field(default_factory=dict)   # 1-based row -> points


_LINK_TIP = {True: "打开副本中的这个单元格", False: "打开标注后的副本"}
REL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_SHEET_SECTIONS_AFTER_LINKS = re.compile(rb"<(?:printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|"
                                         rb"customProperties|cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|"
                                         rb"legacyDrawingHF|picture|oleObjects|controls|webPublishItems|tableParts|"
                                         rb"extLst)[\s/>]")


def link_target(target: str) -> str:
    """A relationship's Target for a link to ``target`` (a path relative to summary.xlsx), as XlsxWriter writes the
    one of ``write_url("external:" + target)``: backslashes, and the characters a link cannot hold escaped unless
    it is escaped already (tests/test_outputs.py holds it to XlsxWriter's own)."""
    path = target.replace("/", "\\")
    if path.startswith("\\\\") or (len(path) > 1 and path[0].isalpha() and path[1] == ":"):
        path = "file:///" + path
    if not re.search("%[0-9a-fA-F]{2}", path):
        for ch, code in (("%", "%25"), ('"', "%22"), (" ", "%20"), ("<", "%3c"), (">", "%3e"), ("[", "%5b"),
                         ("]", "%5d"), ("^", "%5e"), ("`", "%60"), ("{", "%7b"), ("}", "%7d")):
            path = path.replace(ch, code)
    return path.replace("#", "%23")


def _rows_xml(t: _Spliced) -> tuple[bytes, bytes, bytes, int]:
    """(the data rows, the <hyperlinks> element, the relationships, the last row) of a spliced table, each cell as
    table() would have had XlsxWriter write it."""
    width = max(map(len, t.rows))
    letters = [xl_col_to_name(j) for j in range(width)]
    cells: list[str] = []                            # every row's pieces, joined once at the end
    hyper: list[str] = []
    rels: list[str] = []
    targets: dict[str, str] = {}
    escaped: dict[str, str] = {}     # a file's path, sheet, rule and level recur on every row of its findings

    def esc(text: str) -> str:
        e = escaped.get(text)
        if e is None:
            e = visible(text)[:EXCEL_CELL_CHARS].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if len(escaped) < 65536:
                escaped[text] = e
        return e

    linked = {j - 1 for (_r, j) in t.links}        # the columns that hold links (问题清单: 单元格)
    # each column's opening of a cell up to its row number, and its style
    opening = [(f'<c r="{letters[j]}', f'" s="{t.body_xf[j]}"') for j in range(width)]
    heights = t.heights
    spans = f' spans="1:{width}"'
    for i, row in enumerate(t.rows, 2):
        ht = heights.get(i)
        cells.append(f'<row r="{i}"{spans} ht="{ht:g}" customHeight="1">' if ht else f'<row r="{i}"{spans}>')
        for j, v in enumerate(row):
            if j not in linked:
                # no link in this column: the common cell, written at once
                start, style = opening[j]
                cls = v.__class__
                if cls is str:
                    if v:
                        e = escaped.get(v) or esc(v)
                        cells.append(f'{start}{i}{style} t="inlineStr"><is><t xml:space="preserve">{e}</t></is></c>')
                    else:
                        cells.append(f"{start}{i}{style}/>")
                    continue
                if v is None:
                    cells.append(f"{start}{i}{style}/>")
                    continue
                if cls is int and -1_000_000_000 < v < 1_000_000_000:     # a row number: as number_text writes it
                    cells.append(f"{start}{i}{style}><v>{v}</v></c>")
                    continue
            ref = f"{letters[j]}{i}"
            if v.__class__ is float and not math.isfinite(v):
                v = "#NUM!"
            s_attr = t.body_xf[j]
            link = t.links.get((i, j + 1)) if j in linked else None
            if link is not None:
                target, location = link
                if len("external:" + target + (f"#{location}" if location else "")) > MAX_URL:
                    link, v = None, v if v not in (None, "") else target
                else:
                    v = str(v) if v not in (None, "") else target
                    s_attr = t.link_xf[j + 1]
                    rid = f"rId{len(rels) + 1}"
                    rel_target = targets.get(target) or targets.setdefault(target, xml_attr(link_target(target)))
                    rels.append(f'<Relationship Id="{rid}" Type="{REL_HYPERLINK}" Target="{rel_target}" '
                                'TargetMode="External"/>')
                    hyper.append(f'<hyperlink ref="{ref}" r:id="{rid}"' + (f' location="{xml_attr(location)}"'
                                 if location else "") + f' tooltip="{_LINK_TIP[bool(location)]}"/>')
            if v is None or v == "":
                cells.append(f'<c r="{ref}" s="{s_attr}"/>')
            elif v.__class__ is str:
                cells.append(f'<c r="{ref}" s="{s_attr}" t="inlineStr"><is><t xml:space="preserve">{esc(v)}</t></is></c>')
            elif v.__class__ is bool:
                cells.append(f'<c r="{ref}" s="{s_attr}" t="b"><v>{int(v)}</v></c>')
            else:
                cells.append(f'<c r="{ref}" s="{s_attr}"><v>{number_text(float(v))}</v></c>')
        cells.append("</row>")
    links_xml = ("<hyperlinks>" + "".join(hyper) + "</hyperlinks>").encode("utf-8") if hyper else b""
    rels_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                'http://schemas.openxmlformats.org/package/2006/relationships">' + "".join(rels)
                + "</Relationships>").encode("utf-8") if rels else b""
    return "".join(cells).encode("utf-8"), links_xml, rels_xml, len(t.rows) + 1


def _splice_rows(data: bytes, tables: list[_Spliced]) -> bytes:
    """The workbook XlsxWriter wrote, with each spliced table's data rows, hyperlinks and their relationships put
    into its sheet's part; every other part is copied as XlsxWriter compressed it."""
    src = zipfile.ZipFile(io.BytesIO(data))
    infos = src.infolist()
    parts = {i.filename: src.read(i.filename) for i in infos}
    by_name = _sheet_parts(parts)
    changed: dict[str, bytes] = {}
    for t in tables:
        part = by_name[t.sheet]
        rows, links, rels, last = _rows_xml(t)
        sheet = parts[part]
        end = sheet.index(b"</sheetData>")
        sheet = sheet[:end] + rows + sheet[end:]
        sheet = re.sub(rb'<dimension ref="([A-Z]+)1:([A-Z]+)\d+"/>',
                       lambda m: b'<dimension ref="' + m[1] + b"1:" + m[2] + str(last).encode() + b'"/>', sheet,
                       count=1)
        if links:
            at = _SHEET_SECTIONS_AFTER_LINKS.search(sheet, end + len(rows))     # past the rows just put in
            pos = at.start() if at else sheet.rindex(b"</worksheet>")
            sheet = sheet[:pos] + links + sheet[pos:]
            rels_part = rels_name(part)
            if rels_part in parts:
                raise ValueError(f"{part} 已有关系部件，不能再接入超链接")    # XlsxWriter writes none for a table
            changed[rels_part] = rels
        changed[part] = sheet
    entries = [rewritten(data, i, changed.get(i.filename, parts[i.filename]), unchanged=i.filename not in changed)
               for i in infos]
    entries += [added(name, body) for name, body in changed.items() if name not in parts]
    out = write_zip(entries)
    if out is None:
        raise ValueError("汇总工作簿超出 zip 格式的大小")
    return out


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """{sheet name: its part} from workbook.xml and its relationships, as XlsxWriter writes them."""
    rels = {m[1].decode(): m[2].decode() for m in re.finditer(rb'<Relationship Id="([^"]+)" Type="[^"]+/worksheet" '
                                                             rb'Target="([^"]+)"', parts["xl/_rels/workbook.xml.rels"])}
    out = {}
    for m in re.finditer(rb'<sheet name="([^"]*)" sheetId="\d+"(?: state="\w+")? r:id="([^"]+)"/>',
                         parts["xl/workbook.xml"]):
        name = html.unescape(m[1].decode("utf-8"))
        out[name] = posixpath.normpath(posixpath.join("xl", rels[m[2].decode()]))
    return out
