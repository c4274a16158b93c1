"""Recognise a form on a sheet by its labels, not by fixed addresses.

``recognise(grid)`` returns the engine's :class:`~perfeval_xl.model.Form` or None. The layouts:

* ``standard`` 项目支出绩效自评表 — 项目资金 block (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分) and
  the 绩效指标 table (一级 | 二级 | 三级 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因…), 总分;
* ``sichuan`` — 预算执行情况(10分) (年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分) and 绩效指标(90分)
  (指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 未完成原因分析), 合计;
* ``budget20`` — 预算执行情况(20分): 预算数(A) | 执行数(B) | 执行率(B/A) | 得分(20分*执行率);
* ``scoring`` — third-party 评分表 (一级 | 二级 | 三级 | 分值 | 评分标准 | 目标值 | 实际值 | 评价得分 | 备注), parent labels
  such as "决策(15分)", a 合计 row and the grade; also a first-level-only summary table (一级指标 | 权重 | 得分);
* ``jinzhong`` — the 2021 晋中 自评表 (项目资金情况, 绩效目标实现情况 with 完成进度, 评分表 投入/过程/产出/效果);
* ``department`` — 部门整体支出 (年初预算 | 调整后预算 | 决算 by 收入/基本支出/项目支出, 政府采购预算 | 执行).

Merged cells, blank spacer rows and columns, full-width characters and stray spaces are tolerated.
Every value keeps its cell address.
"""
from __future__ import annotations

import re
from typing import Any

from ..engine.grades import normalize_grade
from ..engine.quantity import EXCEL_ERRORS, parse_quantity
from ..model import BudgetBlock, Form, Indicator
from ..xlio.grid import Grid, address
from .labels import (
    BUDGET_COLUMNS,
    EXECUTED_WORDS,
    GRADE_LABEL,
    INDICATOR_COLUMNS,
    TOTAL_LABEL,
    is_grade_label,
    is_not_applicable,
    is_total_label,
    level_and_weight,
    total_in_cell,
    match_field,
    norm,
    number,
)
from .department import recognise_department
from .jinzhong import recognise_jinzhong
from .sheetscan import LabelledSheet, checked_grade, header_fields

# ---------------------------------------------------------------- indicator tables

def _columns(sheet: LabelledSheet, row: int, columns: dict[str, re.Pattern[str]]) -> dict[str, int]:
    """Map fields to columns from a header row (and the sub-header row below it, for split headers)."""
    found: dict[str, int] = {}
    for sub in (row, row + 1):
        for c in range(1, sheet.max_col + 1):
            s = sheet.labels.get((sub, c))
            if not s:
                continue
            f = match_field(s, columns)
            if sub == row + 1 and f == "target" and s == "指标值":
                found[f] = c    # 年度指标值 spanning 指标性质 | 指标值 | 度量单位: the value column is the target
                continue
            if f and f not in found:
                if sub == row + 1 and f in ("level1", "level2", "name") and _own_names(sheet, row, columns):
                    continue
                found[f] = c
    return found


def _own_names(sheet: "LabelledSheet", row: int, columns: dict[str, re.Pattern[str]]) -> bool:
    """Does the row itself hold a name or level column? (Else a two-row header: 绩效指标 | 年度指标值 | 分值 | 得分
    above 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位, as 云南's form has it.)"""
    return any(match_field(sheet.labels.get((row, c), ""), columns) in ("level1", "level2", "name")
               for c in range(1, sheet.max_col + 1))


def missing_columns(sheet: "LabelledSheet") -> tuple[int, list[str]] | None:
    """A row that looks like an indicator-table header but lacks 分值 or 得分: (row, missing labels)."""
    for r in range(1, sheet.max_row + 1):
        cols = _columns(sheet, r, INDICATOR_COLUMNS)
        if "name" in cols and ({"target", "actual", "weight", "score"} & set(cols)):
            missing = [lab for f, lab in (("weight", "分值/权重"), ("score", "得分")) if f not in cols]
            if missing:
                return r, missing
    return None


def _find_indicator_header(sheet: LabelledSheet) -> tuple[int, dict[str, int]] | None:
    best = None
    for r in sheet.labelled_rows():     # a row without a label holds no header (a 10,000-row data sheet: skipped)
        # the sub-header row only adds columns; the header row itself must hold a name/level column, or 得分
        own = {f for _c, s in sheet.row_labels(r) if (f := match_field(s, INDICATOR_COLUMNS))}
        if not own & _HEADER_OWN:
            continue
        cols = _columns(sheet, r, INDICATOR_COLUMNS)
        if not ({"name", "level1"} & own) and not ("score" in own and {"name", "level1"} & set(cols)):
            continue
        if "score" not in cols:
            continue
        if "weight" not in cols:
            continue
        score = len(cols)
        if best is None or score > best[2]:
            best = (r, cols, score)
        if score >= 5:
            break
    if best is None:
        return None
    return best[0], best[1]


#: the fields one of which an indicator table's header row holds itself
_HEADER_OWN = frozenset({"name", "level1", "score"})
_PLACEHOLDER = re.compile(r"指标\d*|[.…。·]+")


def _is_header_like(s: str) -> bool:
    return bool(match_field(s, INDICATOR_COLUMNS)) or s in ("指标", "年度指标值")


def _parse_indicators(sheet: LabelledSheet, form: Form, header_row: int, cols: dict[str, int]) -> None:
    g = sheet.grid
    first = header_row + 1

    def header_continues(r: int) -> bool:
        """Row r is still the header: its columns are header cells merged down from above (a two-row header,
        "分值" over rows 3–4), or empty, or more header labels."""
        merged_down = False
        for c in cols.values():
            m = g.merge_of(r, c)
            if m and m[0] <= header_row < m[2] + 1 and m[0] < r:
                merged_down = True
                continue
            label = sheet.labels.get((r, c), "")
            if (label and not _is_header_like(label)) or (not label and g.cells.get((r, c)) not in (None, "")):
                return False
        return merged_down

    while first <= header_row + 2 and header_continues(first):
        first += 1
    # skip a sub-header row (指标性质 | 指标值 | 度量单位)
    if any(_is_header_like(sheet.labels.get((first, c), "")) for c in cols.values()):
        first += 1
    level1 = level2 = None
    blank_run = 0
    name_col = cols.get("name")
    after_total = False
    score_col, weight_col = cols.get("score"), cols.get("weight")
    # the fields read from each indicator's row: (field, column, attribute, its column's letters, read through the
    # table's merges, a number shown with a % format is read as that percent's text)
    fields = [(f, cols[f], "deviation_note" if f == "note" else f, address(1, cols[f])[:-1], f == "criterion",
               f in ("target", "actual", "progress"))
              for f in ("target", "actual", "criterion", "direction", "unit", "note", "progress") if f in cols]
    weight_letters = address(1, weight_col)[:-1] if weight_col else None
    score_letters = address(1, score_col)[:-1] if score_col else None
    name_letters = address(1, name_col)[:-1] if name_col else None
    cells, formats = g.cells, g.number_formats
    split = "direction" in cols or "unit" in cols     # else _compose_split has nothing to compose
    merged_at, large_merges = g.merge_index() if g.merged else ({}, [])
    total_rows, grade_rows = sheet.rows_labelled(is_total_label), sheet.rows_labelled(is_grade_label)
    seen: dict[str, tuple[str, float | None, bool]] = {}   # a level label merged down the rows, read once
    table_row = g.table_reader(cols)
    for r in range(first, sheet.max_row + 2):
        row_vals = table_row(r)
        if not any(v not in (None, "") for v in row_vals.values()) and not sheet.row_labels(r):
            blank_run += 1
            if blank_run > 3:
                break
            continue
        blank_run = 0
        # total row
        total_hit = next((c for c in total_rows[r] if c != score_col), None) if r in total_rows else None
        if total_hit is not None:
            _read_total_row(sheet, form, r, total_hit, cols)
            form.cells["total_row"] = str(r)
            if "grade" not in form.cells:
                _grade_in_row(sheet, form, r)
            after_total = True
            continue
        if r in grade_rows:
            _grade_in_row(sheet, form, r)
            continue
        if after_total:
            continue
        l1_raw = row_vals.get("level1")
        l2_raw = row_vals.get("level2")
        if l1_raw not in (None, ""):
            name1, w1, is_level1 = _level(l1_raw, seen)
            if is_level1:
                level1 = name1
                lv = form.levels.get(level1)
                if lv is None:
                    lv = form.levels[level1] = {"cell": address(r, cols["level1"])}
                if w1 is not None:
                    lv["weight"] = w1
        if l2_raw not in (None, ""):
            name2, w2, is_level2 = _level(l2_raw, seen)
            if is_level2:
                level2 = name2
                if level1 is not None:
                    grp = form.groups.get((level1, level2))
                    if grp is None:
                        grp = form.groups[(level1, level2)] = {"cell": address(r, cols["level2"])}
                    if w2 is not None:
                        grp["weight"] = w2
        name_raw = row_vals.get("name") if name_col else None
        if name_col and g.merged:
            m = merged_at.get((r, name_col)) or (g.merge_of(r, name_col) if large_merges else None)
            if m and m[0] != r:
                name_raw = None  # a name merged down over several rows belongs to its first row
        weight = _points(_number_or_problem(form, row_vals.get("weight"), r, weight_col, "分值"), row_vals.get("weight"),
                         formats.get((r, weight_col)))
        score = _number_or_problem(form, row_vals.get("score"), r, score_col, "得分")
        if name_raw in (None, "") or not name_col:
            # a level line: "产出(50分)" with its stated weight/score
            if level1 and l1_raw not in (None, "") and (weight is not None or score is not None):
                lv = form.levels[level1]
                if weight is not None:
                    lv.setdefault("weight", weight)
                if score is not None:
                    lv["score"] = score
                    lv["score_cell"] = address(r, score_col)
            continue
        name = str(name_raw).strip() if isinstance(name_raw, str) else str(name_raw)
        normed = norm(name)
        if _is_header_like(normed):
            continue
        if _PLACEHOLDER.fullmatch(normed) and all(v in (None, "") for f, v in row_vals.items()
                                                  if f not in ("name", "level1", "level2")):
            continue   # the template's own "指标2" / "……" rows, left empty by the unit
        ind_cells: dict[str, str] = {}
        if weight_letters:
            ind_cells["weight"] = f"{weight_letters}{r}"
        if score_letters:
            ind_cells["score"] = f"{score_letters}{r}"
        read: dict[str, Any] = {}
        for f, c, attr, letters, merged_through, percent_text in fields:
            v = row_vals[f] if merged_through else cells.get((r, c))
            cls = v.__class__
            if cls is str:
                if not v.strip():
                    v = None
            elif percent_text and isinstance(v, (int, float)) and "%" in formats.get((r, c), ""):
                v = f"{v * 100:.10g}%"
            elif f in _TEXT_FIELDS and v is not None:
                v = None        # a number in the 指标性质 / 度量单位 column: not a direction or a unit
            read[attr] = v
            ind_cells[attr] = f"{letters}{r}"
        ind_cells["name"] = f"{name_letters}{r}"
        ind = Indicator(name=name, weight=weight, level1=level1, level2=level2, score_stated=score, row=r,
                        cells=ind_cells, not_applicable=is_not_applicable(row_vals.get("score")), **read)
        if split:
            _compose_split(ind)
        form.indicators.append(ind)


def _table_is_blank(sheet: LabelledSheet, header_row: int, cols: dict[str, int], end: int) -> bool:
    """Are the indicator table's rows, from under its header to ``end`` (its 总分 row, or past the sheet), empty but
    for what a template prints: level labels (产出指标 / 数量指标), header labels and placeholders ("指标1", "……")?
    Then the form was sent unfilled; any other value means rows the reader did not take, and nothing is claimed."""
    cells = sheet.grid.cells
    for r in range(header_row + 1, end):
        for f, c in cols.items():
            v = cells.get((r, c))
            if v is None or v == "" or f in ("level1", "level2"):
                continue
            if not isinstance(v, str):
                return False
            s = norm(v)
            if s and not (_is_header_like(s) or f == "name" and _PLACEHOLDER.fullmatch(s)):
                return False
    return True


def _read_total_row(sheet: LabelledSheet, form: Form, r: int, total_hit: int, cols: dict[str, int]) -> None:
    """The stated total (and the weights' total) of the 合计 row r, whose label stands in column ``total_hit``; what
    cannot be told for certain is recorded in ``form.unread`` instead."""
    g = sheet.grid
    cells, formats = g.cells, g.number_formats
    score_col, weight_col = cols.get("score"), cols.get("weight")
    inline = total_in_cell(sheet.labels.get((r, total_hit), ""))
    if inline is not None and (score_col is None or cells.get((r, score_col)) in (None, "")):
        # "合计：95" in one cell, nothing under 得分: the label's own figure is the total
        form.total_stated = inline
        form.cells["total"] = address(r, total_hit)
        return
    sc = score_col
    v = cells.get((r, sc)) if sc else None
    if isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS:
        # the total is an Excel error (a SUM whose rows were moved gives #REF!): no total was stated
        where = address(r, sc)
        form.problems.append({"code": "PE-W007", "cell": where,
                              "message": f"总分为错误值 {v.strip()}，无法读取（工作表 {form.sheet}，单元格 {where}）"})
        form.unread["total"] = f"总分单元格 {where} 为错误值 {v.strip()}"
        form.cells["unread"] = where
        return
    spread = _spread(cells, r, total_hit + 1, sheet.max_col + 1)
    if spread is not None:
        # one figure in every cell of the row: a merged 合计 cell split and filled (WPS's 拆分并填充内容),
        # one number as it was before the split, not a 分值 total and a 得分 total
        c1, c2 = spread
        over_score = score_col is not None and c1 <= score_col <= c2
        if over_score and not (weight_col is not None and c1 <= weight_col <= c2):
            v, sc = cells[(r, c1)], score_col
        else:
            form.unread["total"] = (f"合计行只有一个数值 {cells[(r, c1)]}（{address(r, c1)}–{address(r, c2)} 各格"
                                    "相同），无法确定是分值合计还是总分")
            form.cells["unread"] = address(r, c1)
            v = sc = None
    elif v is None or number(v) is None:
        # the last number in the row is the score when there are two (分值, 得分)
        nums = [(c, cells[(r, c)]) for c in range(total_hit + 1, sheet.max_col + 1)
                if number(cells.get((r, c))) is not None]
        v, cc = (nums[-1][1], nums[-1][0]) if nums else (None, None)
        if len(nums) >= 2:
            form.total_weight = _points(number(nums[0][1]), nums[0][1], formats.get((r, nums[0][0])))
        elif len(nums) == 1 and not _is_total_score_cell(g, r, cc, cols):
            if cc == weight_col:
                form.total_weight = _points(number(v), v, formats.get((r, cc)))
            form.unread["total"] = (f"合计行只有一个数值 {v}（{address(r, cc)}），不在得分列，"
                                    "无法确定是分值合计还是总分")
            form.cells["unread"] = address(r, cc)
            v = None
        sc = cc if v is not None else None
    elif weight_col:
        form.total_weight = _points(number(cells.get((r, weight_col))), cells.get((r, weight_col)),
                                    formats.get((r, weight_col)))
    form.total_stated = number(v)
    if sc:
        form.cells["total"] = address(r, sc)


#: the indicator fields that only text can fill
_TEXT_FIELDS = frozenset({"direction", "unit"})


def _level(raw: Any, seen: dict[str, tuple[str, float | None, bool]]) -> tuple[str, float | None, bool]:
    """(name, weight, is a level) of a 一级/二级 cell: "产出(50分)" → ("产出", 50.0, True); a header label is no level."""
    got = seen.get(raw) if isinstance(raw, str) else None
    if got is None:
        name, w = level_and_weight(raw)
        got = (name, w, bool(name) and not _is_header_like(name))
        if isinstance(raw, str):
            seen[raw] = got
    return got


_OPERATORS = {"≥": "≥", "≧": "≥", ">=": "≥", "＞＝": "≥", "≤": "≤", "≦": "≤", "<=": "≤", "＜＝": "≤",
              "=": "=", "＝": "=", "﹦": "=", ">": ">", "<": "<"}


def _compose_split(ind: Indicator) -> None:
    """A target split over 指标性质 | 指标值 | 度量单位 ("﹦" | 72890 | "元") read as the form means it: "=72890元";
    a bare actual beside a 度量单位 gets the unit too (95 | "%" → "95%"). The columns stay in direction/unit."""
    op = _OPERATORS.get(norm(ind.direction)) if isinstance(ind.direction, str) else None
    unit = norm(ind.unit) if isinstance(ind.unit, str) and ind.unit.strip() else ""
    t = ind.target
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        ind.target = f"{op or ''}{t:.10g}{unit}" if (op or unit) else t
    elif isinstance(t, str) and t.strip() and op and parse_quantity(t).is_bare:
        ind.target = f"{op}{t.strip()}{unit}"
    a = ind.actual
    if unit and isinstance(a, (int, float)) and not isinstance(a, bool):
        ind.actual = f"{a:.10g}{unit}"


def _percent_decimals(v: Any, fmt: str | None) -> int | None:
    """How many decimals a printed percent shows: "86%" → 0, "86.20%" → 2; a number formatted "0%" → 0."""
    if isinstance(v, str):
        m = re.search(r"\d+(?:\.(\d+))?\s*[%％]", v)
        return len(m.group(1) or "") if m else None
    if fmt and "%" in fmt:
        m = re.search(r"0(?:\.(0+))?%", fmt)
        return len(m.group(1) or "") if m else None
    return None


def _spread(cells: dict[tuple[int, int], Any], r: int, start: int, end: int) -> tuple[int, int] | None:
    """(first, last) column of one number written in every cell of row r from ``start`` on: at least three cells
    side by side, nothing else in the row past them."""
    got = [(c, cells[(r, c)]) for c in range(start, end) if cells.get((r, c)) not in (None, "")]
    if len(got) < 3 or got[-1][0] - got[0][0] != len(got) - 1:
        return None
    first = number(got[0][1])
    if first is None or any(number(v) != first for _c, v in got[1:]):
        return None
    return got[0][0], got[-1][0]


def _is_total_score_cell(g: Grid, r: int, c: int | None, cols: dict[str, int]) -> bool:
    """Is a 合计 row's lone number the total score? Yes under the 得分 column (or merged over it but not over
    分值), or when the table has no 分值 column; a number elsewhere may be the weights' total as well."""
    sc, wc = cols.get("score"), cols.get("weight")
    if c is None:
        return False
    if c == sc or wc is None:
        return True
    m = g.merge_of(r, c)
    return bool(m and sc and m[1] <= sc <= m[3] and not (m[1] <= wc <= m[3]))


def _points(n: float | None, v: Any, fmt: str | None) -> float | None:
    """A weight printed as a percent ("权重 50%", or 0.5 shown as 50%) is that share of the form's 100 points: 50.
    Read as the number 0.5, weights of 50% and 50% made a false 分值合计 1 ≠ 100 and every score above its weight."""
    if n is None:
        return None
    if (isinstance(v, str) and ("%" in v or "％" in v)) or (not isinstance(v, str) and fmt and "%" in fmt):
        return round(n * 100, 9)
    return n


def _number_or_problem(form: Form, v: Any, r: int, c: int | None, what: str) -> float | None:
    """A number from a cell; text that is not a number is recorded as a PE-W007 problem (not guessed)."""
    if c is None or v is None:
        return None
    if v.__class__ is float or v.__class__ is int:
        return float(v)
    if isinstance(v, str) and not v.strip() or is_not_applicable(v):
        return None             # empty, or marked as not scored ("/", "—", 不适用): no number, and no problem either
    n = number(v)
    if n is None:
        form.problems.append({"code": "PE-W007", "cell": address(r, c),
                              "message": f"{what}‘{v}’不是数字（工作表 {form.sheet}，单元格 {address(r, c)}）"})
    return n


def _grade_in_row(sheet: LabelledSheet, form: Form, r: int) -> None:
    for c in range(1, sheet.max_col + 1):
        s = sheet.labels.get((r, c), "")
        if GRADE_LABEL.fullmatch(s):
            v, cc = sheet.right_of(r, c)
            g = checked_grade(sheet, r, cc) if v is not None else None
            if g:
                form.grade_stated = g
                form.cells["grade"] = address(r, cc)  # type: ignore[arg-type]
            return


# ---------------------------------------------------------------- budget block

def _find_budget(sheet: LabelledSheet, form: Form, table_row: int | None = None) -> None:
    """The form's budget block (项目资金 / 预算执行情况). ``table_row`` is the indicator table's header row: a block
    above it ends there, so an empty budget block is never filled from the indicator rows or the 总分 row below."""
    # the block's header row has an 执行数 label: only the rows holding one are looked at (a sheet without a budget
    # block, most of them, is not walked row by row)
    if not sheet.mentions_any(EXECUTED_WORDS):
        return
    executed = {s for s in sheet.distinct if match_field(s, BUDGET_COLUMNS) == "executed"}
    if not executed:
        return
    candidates = sorted({r for (r, c), s in sheet.labels.items()
                         if s in executed and c <= sheet.max_col and r <= sheet.max_row})
    for r in candidates:
        cols: dict[str, int] = {}
        for c, s in sheet.row_labels(r):
            f = match_field(s, BUDGET_COLUMNS)
            if f and f not in cols:
                cols[f] = c
                if f == "score":
                    m = re.search(r"(\d+(?:\.\d+)?)分[*×xX]执行率", s)
                    if m:
                        form.cells["budget_formula"] = address(r, c)
        if "executed" in cols and ({"annual", "initial", "adjusted"} & set(cols)):
            _parse_budget_rows(sheet, form, r, cols, table_row if table_row and table_row > r else None)
            return


_BUDGET_ROW = {
    "年度资金总额": "total", "资金总额": "total", "合计": "total", "总计": "total", "项目资金": "total",
    "当年财政拨款": "当年财政拨款", "财政拨款": "当年财政拨款", "上年结转资金": "上年结转资金",
    "上年结转": "上年结转资金", "其他资金": "其他资金",
}


#: the 其中 rows a 年度资金总额 row is the sum of
_SOURCES = frozenset({"当年财政拨款", "上年结转资金", "其他资金"})


def _budget_row_key(label: str) -> str | None:
    """The budget row a label names ("其中：当年财政拨款" → "当年财政拨款"), or None."""
    label = label.replace("其中:", "").replace("其中", "")
    return next((k for word, k in _BUDGET_ROW.items() if word in label), None)


def _parse_budget_rows(sheet: LabelledSheet, form: Form, header_row: int, cols: dict[str, int],
                       stop: int | None = None) -> None:
    g = sheet.grid
    b = BudgetBlock()
    title = sheet.row_text(header_row - 1) + sheet.row_text(header_row)
    m = re.search(r"预算执行(?:情况|率)?[(（](\d+(?:\.\d+)?)分[)）]", title)
    if m:
        b.weight = float(m.group(1))
    fm = re.search(r"得分[(（](\d+(?:\.\d+)?)分[*×xX]执行率[)）]", title)
    if fm:
        b.weight = float(fm.group(1))
        b.score_formula = f"得分({fm.group(1)}分*执行率)"
    first_data = None
    named_total = False
    listed: list[str | None] = []       # the budget-row key of each labelled row under the total row
    last = min(header_row + 8, sheet.max_row, stop - 1 if stop else sheet.max_row)
    for r in range(header_row + 1, last + 1):
        nums = {f: number(g.cells.get((r, c))) for f, c in cols.items()}
        label = ""
        for c in range(1, min(cols.values())):
            s = sheet.labels.get((r, c)) or norm(g.get(r, c))
            if s:
                label = s
        row_key = _budget_row_key(label)
        if not any(v is not None for v in nums.values()):
            # the block goes on past a 其中 row left empty (上年结转资金 with no amount) and a blank line; any other
            # row ends it
            if first_data is not None and label:
                if not row_key:
                    break
                listed.append(row_key)
            continue
        key = row_key
        if first_data is None:
            first_data = r
            named_total = row_key == "total"    # the 年度资金总额 row itself, not the first row read as it
            key = "total"
        elif label:
            listed.append(key)
        if key == "total":
            for f, v in nums.items():
                if v is None:
                    if row_key == "total" and f in ("initial", "annual", "adjusted", "executed"):
                        b.cells[f"blank:{f}"] = address(r, cols[f])     # left empty: where PE-A111 points
                    continue
                if f in ("initial", "annual", "adjusted", "arrived", "executed", "weight"):
                    setattr(b, f, v)
                elif f == "rate":
                    b.rate_stated = v if v <= 2 else v / 100
                    b.rate_decimals = _percent_decimals(g.cells.get((r, cols[f])), g.number_formats.get((r, cols[f])))
                elif f == "score":
                    b.score_stated = v
                b.cells[{"rate": "rate_stated", "score": "score_stated"}.get(f, f)] = address(r, cols[f])
        elif key:
            b.rows[key] = {f: v for f, v in nums.items() if v is not None}
            b.rows[key]["row"] = r
    if b.rows.get("上年结转资金", {}).get("annual") is not None:
        b.carryover = b.rows["上年结转资金"]["annual"]
    if named_total and len(set(listed)) == len(listed) and set(listed) == _SOURCES:
        # 年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金, each 其中 row the template prints listed and none other
        # (a row left empty is 0): the amounts must add up, checked as the block's parts (PE-A108)
        for f, what in (("initial", "年初预算数"), ("annual", "全年预算数"), ("adjusted", "调整后预算数"),
                        ("arrived", "到位资金"), ("executed", "全年执行数")):
            whole = getattr(b, f)
            if whole and f in cols:         # a total of 0 or none above filled rows is PE-A111's
                name = f"年度资金总额（{what}）"
                b.parts[name] = (whole, [(k, b.rows.get(k, {}).get(f)) for k in listed])
                b.cells[f"part:{name}"] = b.cells[f]
    if first_data is None:
        form.unread["budget"] = f"预算执行情况表（第{header_row}行）未填写金额"
        form.cells.setdefault("unread", address(header_row, min(cols.values())))
    form.budget = b


# ---------------------------------------------------------------- layouts

def _kind_of(sheet: LabelledSheet, cols: dict[str, int]) -> str:
    says = sheet.mentions
    if says(_BUDGET20):
        return "budget20"
    if "direction" in cols and not says("评分标准") and (says("权重") or says("预算执行情况")):
        return "sichuan"
    if "criterion" in cols or says("评分表") and not says("年度指标值"):
        return "scoring"
    return "standard"


_BUDGET20 = re.compile(r"预算执行情况\(20分\)|得分\(20分\*执行率\)")


def _recognise_table(sheet: LabelledSheet) -> Form | None:
    found = _find_indicator_header(sheet)
    if found is None:
        return None
    header_row, cols = found
    form = Form(kind=_kind_of(sheet, cols), sheet=sheet.grid.sheet, path=sheet.grid.path)
    form.header, form.cells = header_fields(sheet)
    _find_budget(sheet, form, header_row)
    if form.budget is not None:
        form.budget.rate_base = {"sichuan": "adjusted", "budget20": "annual"}.get(form.kind, "annual")
    _parse_indicators(sheet, form, header_row, cols)
    if not form.indicators:
        end = int(form.cells.get("total_row", 0)) or sheet.max_row + 1
        if _table_is_blank(sheet, header_row, cols, end):
            form.cells["blank_table"] = address(header_row, cols.get("name") or min(cols.values()))
    if "total" not in form.cells and "total" not in form.unread:
        form.unread["total"] = "未找到总分（合计）行，表格可能不完整"
        if form.indicators:
            form.cells.setdefault("unread", form.indicators[-1].cells.get("name", ""))
    if form.budget is None and form.kind in ("standard", "sichuan", "budget20"):
        form.unread["budget"] = "未找到预算执行情况（项目资金）表"
    if form.grade_stated is None:
        for (r, c) in sheet.find(GRADE_LABEL):
            _grade_in_row(sheet, form, r)
            if form.grade_stated:
                break
    if form.grade_stated is None and any(_GRADE_IN_CELL.fullmatch(s) for s in sheet.distinct):
        # the label and the grade in one cell: "自评等级：良", "评价等级：优秀"
        for (r, c) in sheet.find(_GRADE_IN_CELL):
            g = normalize_grade(_GRADE_IN_CELL.fullmatch(sheet.labels[(r, c)]).group(1))
            if g:
                form.grade_stated, form.cells["grade"] = g, address(r, c)
                break
    return form


#: a grade written after its label in the label's own cell (normalised: the colon is ":")
_GRADE_IN_CELL = re.compile(r"(?:自评|评价|绩效|综合)?(?:等级|等次|评价结果)[:]?(优秀|优|良好|良|中等|中|合格|及格|较差|差|不合格)")


def _recognise_level_summary(sheet: LabelledSheet) -> Form | None:
    """一级指标 | 权重/分值 | 得分 [| 得分率] with a 合计 row (seed 003's 表3-1)."""
    for (r, c) in sheet.find(r"一级指标"):
        cols = {}
        for cc in range(c + 1, sheet.max_col + 1):
            s = sheet.labels.get((r, cc), "")
            f = match_field(s, INDICATOR_COLUMNS)
            if f in ("weight", "score") and f not in cols:
                cols[f] = cc
        if {"weight", "score"} <= set(cols):
            form = Form(kind="scoring", sheet=sheet.grid.sheet, path=sheet.grid.path)
            form.header, form.cells = header_fields(sheet)
            _find_budget(sheet, form)
            if form.budget is not None:
                form.budget.rate_base = "adjusted"
            for rr in range(r + 1, sheet.max_row + 1):
                name = sheet.labels.get((rr, c))
                if not name:
                    continue
                w = number(sheet.grid.cells.get((rr, cols["weight"])))
                s = number(sheet.grid.cells.get((rr, cols["score"])))
                if TOTAL_LABEL.fullmatch(name):
                    form.total_weight, form.total_stated = w, s
                    form.cells["total"] = address(rr, cols["score"])
                    break
                if w is None and s is None:
                    break
                form.levels[level_and_weight(name)[0]] = {"weight": w, "score": s, "cell": address(rr, c),
                                                          "score_cell": address(rr, cols["score"])}
            for (gr, _gc) in sheet.find(GRADE_LABEL):
                _grade_in_row(sheet, form, gr)
            return form if form.levels else None
    return None


#: a label that opens a form: its 项目名称 row, or else its title (up to 40 characters before the form's name)
_OPENERS = frozenset({"项目名称", "项目名称:", "项目名称："})
_TITLE_ENDS = ("自评表", "评分表", "评价表")


#: how many rows above a form's 项目名称 its title, year and 附件 lines may take
_TITLE_ROWS = 3


def _is_opener(label: str) -> bool:
    """A form's 项目名称 label, alone or with the name in its cell ("项目名称:某项目")."""
    return label in _OPENERS or label.startswith("项目名称:")


def _is_title(label: str) -> bool:
    return len(label) <= 43 and label.endswith(_TITLE_ENDS)


def recognise_all(grid: Grid) -> list[Form]:
    """Every form on this sheet, top to bottom. A sheet may hold several forms one below another (a department's
    projects exported into one sheet): it is cut above each form's 项目名称 row (or, without one, its title) and each
    part read on its own, cells keeping their addresses; read whole, the second form's rows were taken for the first
    one's indicators. The sheet is read whole when fewer than two of its parts hold a form."""
    if not grid.cells:
        return []
    sheet = LabelledSheet(grid)
    starts = _form_starts(sheet)
    if starts:
        bounds = [1, *starts, sheet.grid.max_row + 1]
        forms = [f for lo, hi in zip(bounds, bounds[1:]) if (f := recognise(_rows_of(grid, lo, hi - 1))) is not None]
        if len(forms) > 1:
            return forms
    form = _recognise_sheet(sheet)
    return [form] if form is not None else []


def blank_beside_filled(forms: list[Form]) -> list[Form]:
    """The unfilled forms (an indicator table holding nothing, PE-A113) among forms of which one is filled: the blank
    template a workbook keeps beside the sheet that was filled. None when no form is filled."""
    if not any(f.indicators for f in forms):
        return []
    return [f for f in forms if not f.indicators and "blank_table" in f.cells]


def _form_starts(sheet: LabelledSheet) -> list[int]:
    """The rows where a second, third … form begins: each 项目名称 row after the first (or each title row, when the
    sheet has fewer than two 项目名称 rows), taken up over the title lines right above it."""
    rows = sorted(sheet.rows_labelled(_is_opener)) if sheet.mentions("项目名称") else []
    if len(rows) < 2:
        rows = sorted(sheet.rows_labelled(_is_title)) if sheet.mentions_any(_TITLE_ENDS) else []
    starts: list[int] = []
    for p in rows[1:]:
        start = p
        for r in range(p - 1, max(p - 1 - _TITLE_ROWS, 0), -1):
            filled = sum((r, c) in sheet.grid.cells for c in range(1, sheet.max_col + 1))
            labels = sheet.row_labels(r)
            if filled != 1 or len(labels) != 1 or _closes_form(labels[0][1]):
                break           # a blank row, a row holding more than a line of text, or the form above's last line
            start = r
        if not starts or start > starts[-1]:
            starts.append(start)
    return starts


def _closes_form(label: str) -> bool:
    """A line that ends a form, not one that titles the next: its total or grade ("合计：97.5", "自评等级：优")."""
    return is_total_label(label) or is_grade_label(label) or _GRADE_IN_CELL.fullmatch(label) is not None


def _rows_of(grid: Grid, lo: int, hi: int) -> Grid:
    """The part of a sheet from row ``lo`` to row ``hi``: its cells at their own addresses, the merged ranges inside."""
    inside = lambda rc: lo <= rc[0] <= hi     # noqa: E731
    return Grid(sheet=grid.sheet, path=grid.path,
                cells={rc: v for rc, v in grid.cells.items() if inside(rc)},
                merged=[m for m in grid.merged if lo <= m[0] and m[2] <= hi],
                number_formats={rc: v for rc, v in grid.number_formats.items() if inside(rc)},
                formulas={rc: v for rc, v in grid.formulas.items() if inside(rc)})


def recognise(grid: Grid) -> Form | None:
    """The form on this sheet (read whole), or None when the sheet holds no recognisable form."""
    if not grid.cells:
        return None
    return _recognise_sheet(LabelledSheet(grid))


def _recognise_sheet(sheet: LabelledSheet) -> Form | None:
    says = sheet.mentions
    if says("绩效目标实现情况") and says("评分表"):
        return recognise_jinzhong(sheet)
    if says("基本支出") and says("年初预算") and says("调整后预算"):
        form = recognise_department(sheet)
        if form is not None:
            return form
    form = _recognise_table(sheet) or _recognise_level_summary(sheet)
    if form is None and says("基本支出") and says("年初预算") and (says("全年预算") or says("调整预算")):
        # a 部门整体 form whose budget columns are 年初预算数 | 全年预算数 | 全年执行数 (or 调整预算 | 实际支出): tried
        # only when no scored table is on the sheet, since a project form has those columns too
        form = recognise_department(sheet)
    return form
