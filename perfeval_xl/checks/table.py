"""PE_CHECK's input: a row or a whole indicator table from a worksheet range → findings.

With a header row (labels such as 三级指标 | 分值 | 年度指标值 | 实际完成值 | 得分 | 评分标准 | 偏差原因), columns
are found by their labels; without one, a row is read in the order
名称 | 分值 | 目标值 | 实际值 | 得分 | 评分标准 | 偏差原因.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..engine.profile import NATIONAL, Profile
from ..model import Finding, Form, Indicator
from ..xlio.grid import address
from ..workbook.labels import INDICATOR_COLUMNS, is_not_applicable, match_field, norm, number
from .catalog import run_checks

DEFAULT_ORDER = ("name", "weight", "target", "actual", "score", "criterion", "note")
#: rules that make sense on indicator rows alone (no budget block, no totals)
ROW_RULES = ("PE-A103", "PE-S302", "PE-S303", "PE-S304", "PE-S305", "PE-S306", "PE-S307", "PE-S308",
             "PE-T401", "PE-T402", "PE-A110")


def table_form(rows: Sequence[Sequence[Any]], sheet: str = "", origin: tuple[int, int] = (1, 1)) -> Form:
    rows = [list(r) for r in rows if r is not None]
    cols: dict[str, int] = {}
    if rows:
        for j, v in enumerate(rows[0]):
            f = match_field(norm(v), INDICATOR_COLUMNS) if isinstance(v, str) else None
            if f and f not in cols:
                cols[f] = j
    start = 1 if ("weight" in cols and ("score" in cols or "actual" in cols)) else 0
    if not start:
        cols = {f: j for j, f in enumerate(DEFAULT_ORDER)}
    form = Form(kind="scoring", sheet=sheet)
    r0, c0 = origin
    for i, row in enumerate(rows[start:], start):
        def get(f: str) -> Any:
            j = cols.get(f)
            v = row[j] if j is not None and j < len(row) else None
            return None if isinstance(v, str) and not v.strip() else v

        name, weight = get("name"), get("weight")
        if name in (None, "") and weight in (None, ""):
            continue
        ind = Indicator(name=str(name or f"第{i + 1}行"), weight=number(weight), target=get("target"),
                        actual=get("actual"), score_stated=number(get("score")), criterion=get("criterion"),
                        deviation_note=get("note"), direction=get("direction"), row=r0 + i,
                        not_applicable=is_not_applicable(get("score")))
        for f, j in cols.items():
            ind.cells["deviation_note" if f == "note" else f] = address(r0 + i, c0 + j)
        for f, what in (("weight", "分值"), ("score", "得分")):
            v = get(f)
            if v not in (None, "") and number(v) is None and not is_not_applicable(v):
                form.problems.append({"code": "PE-W007", "cell": ind.cells.get(f),
                                      "message": f"{what}‘{v}’不是数字（单元格 {ind.cells.get(f)}）"})
        form.indicators.append(ind)
    return form


def check_table(rows: Sequence[Sequence[Any]], profile: Profile = NATIONAL, sheet: str = "") -> list[Finding]:
    """Findings for the indicator rows of a range (what =PE_CHECK(range) shows)."""
    return run_checks(table_form(rows, sheet), profile, select=ROW_RULES)
