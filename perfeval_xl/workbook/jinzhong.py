"""The older 晋中-style 项目绩效自评表 (seed 004): 项目资金情况, 绩效目标实现情况 with 完成进度, and a 评分表
with 投入 / 过程 / 产出 / 效果 level lines, 综合得分 and 评价结果等次.

The score table's 产出 rows carry no target of their own; they are linked to the goal rows they score
(实际完成率 ↔ 数量指标, 完成及时率 ↔ 时效指标, 质量达标率 ↔ 质量指标, 成本节约率 ↔ 成本指标), so that the checks
can compare "完成进度 67%" with "8/8".
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..model import BudgetBlock, Form, Indicator
from ..xlio.grid import address
from .labels import INDICATOR_COLUMNS, level_and_weight, match_field, norm, number
from .sheetscan import checked_grade, header_fields

if TYPE_CHECKING:
    from .sheetscan import LabelledSheet

#: score-table indicator → goal-table 二级指标 it scores
LINKS = {"实际完成率": "数量指标", "完成及时率": "时效指标", "质量达标率": "质量指标", "成本节约率": "成本指标"}
LEVELS = ("投入", "过程", "产出", "效果", "效益", "决策", "满意度")


def _rightmost_number(sheet: "LabelledSheet", r: int) -> tuple[float | None, int | None]:
    """The right-most plain number in a row (amounts sit right of their labels); an amount typed with the block's
    unit, "160万元", is one too."""
    found: tuple[float | None, int | None] = (None, None)
    for c in range(1, sheet.max_col + 1):
        v = sheet.grid.cells.get((r, c))
        if isinstance(v, (int, float)) and not isinstance(v, bool) or (
                isinstance(v, str) and re.fullmatch(r"[\d.,]+(?:万元)?", norm(v))):
            found = (number(v), c)
    return found


def recognise_jinzhong(sheet: "LabelledSheet") -> Form | None:

    g = sheet.grid
    form = Form(kind="jinzhong", sheet=g.sheet, path=g.path)
    form.header, form.cells = header_fields(sheet)

    # ---- 项目资金情况
    def first(label: str) -> tuple[int, int] | None:
        hits = sheet.find(label)
        return hits[0] if hits else None

    b = BudgetBlock(rate_base="annual")
    pre, xd, ex = first("预算资金"), first("预算下达资金"), first("实际支出资金")
    if pre and xd and ex:
        label_col = pre[1]
        end = ex[0]
        while end + 1 <= sheet.max_row and not any(sheet.labels.get((end + 1, c)) for c in range(1, label_col + 1)) \
                and _rightmost_number(sheet, end + 1)[0] is not None:
            end += 1
        budget_rows = range(pre[0], xd[0])
        vals = [(_rightmost_number(sheet, r), r) for r in budget_rows]
        b.annual = sum(v for (v, _c), _r in vals if v is not None)
        b.cells["annual"] = address(pre[0], _rightmost_number(sheet, pre[0])[1] or pre[1] + 1)
        b.arrived, c_arr = _rightmost_number(sheet, xd[0])
        if c_arr:
            b.cells["arrived"] = address(xd[0], c_arr)
        ex_vals = [_rightmost_number(sheet, r) for r in range(ex[0], end + 1)]
        b.executed = sum(v for v, _c in ex_vals if v is not None)
        if ex_vals and ex_vals[0][1]:
            b.cells["executed"] = address(ex[0], ex_vals[0][1])
        form.budget = b

    # ---- 绩效目标实现情况
    goals: dict[str, Indicator] = {}
    hdr = next(((r, c) for (r, c), s in sorted(sheet.labels.items()) if s == "完成进度"), None)
    if hdr:
        hr = hdr[0]
        cols = {}
        for c in range(1, sheet.max_col + 1):
            s = sheet.labels.get((hr, c), "")
            f = match_field(s, INDICATOR_COLUMNS)     # the other spellings of each column (指标名称, 年度指标值 …)
            if "二级" in s:
                cols["level2"] = c
            elif "三级" in s or f == "name":
                cols["name"] = c
            elif s == "目标值" or f == "target":
                cols["target"] = c
            elif s.startswith("实际完成") or f == "actual":
                cols["actual"] = c
            elif s == "完成进度":
                cols["progress"] = c
        level1 = None
        # the 一级 labels stand under the section label (绩效目标实现情况), the row's leftmost: column A, or further
        # right when the form was pasted with blank columns before it
        label_col = min((c for c, _s in sheet.row_labels(hr)), default=1)
        for r in range(hr + 1, sheet.max_row + 1):
            lab = sheet.labels.get((r, label_col), "")
            if lab and lab.endswith("指标") and len(lab) <= 6:
                level1 = lab[:-2]
            elif lab and r > hr + 1 and not lab.endswith("指标"):
                break
            l2 = norm(g.get(r, cols.get("level2", 0)))
            name = g.cells.get((r, cols.get("name", 0)))
            if not l2 and not name:
                continue
            ind = Indicator(name=str(name or l2), level1=level1, level2=l2, row=r,
                            target=g.cells.get((r, cols.get("target", 0))),
                            actual=g.cells.get((r, cols.get("actual", 0))),
                            progress=g.cells.get((r, cols.get("progress", 0))))
            for f, c in cols.items():
                ind.cells[f] = address(r, c)
            goals[l2] = ind
            form.targets_text.append((str(name or l2), ind.target, ind.cells.get("target", "")))

    # ---- 评分表
    st = next(((r, c) for (r, c), s in sorted(sheet.labels.items()) if s == "评分表"), None)
    if st is None:
        return None
    sr = st[0]
    cols = {}
    for c in range(1, sheet.max_col + 1):
        s = sheet.labels.get((sr, c), "")
        f = match_field(s, INDICATOR_COLUMNS)
        if s.startswith("二级"):
            cols["level2"] = c
        elif s.startswith("三级") or f == "name":
            cols["name"] = c
        elif "分值" in s or f == "weight":
            cols["weight"] = c
        elif "得分" in s or f == "score":
            cols["score"] = c
    if not {"weight", "score"} <= set(cols):
        return None
    level1 = level2 = None
    for r in range(sr + 1, sheet.max_row + 1):
        texts = [(c, sheet.labels.get((r, c), "")) for c in range(1, sheet.max_col + 1)]
        label = next((s for c, s in texts if s and c < cols["weight"]), "")
        w = number(g.cells.get((r, cols["weight"])))
        s = number(g.cells.get((r, cols["score"])))
        plain = label.replace(" ", "")
        if plain.startswith("综合得分"):
            form.total_weight, form.total_stated = w, s
            form.cells["total"] = address(r, cols["score"])
            continue
        if plain.startswith("评价结果") or plain.startswith("评价等级"):
            gc = next((c for c in range(cols["weight"], sheet.max_col + 1) if g.cells.get((r, c)) not in (None, "")), None)
            form.grade_stated = checked_grade(sheet, r, gc)
            if gc:
                form.cells["grade"] = address(r, gc)
            break
        if plain in LEVELS:
            level1 = plain
            form.levels[level1] = {"weight": w, "score": s, "cell": address(r, cols["score"]),
                                   "score_cell": address(r, cols["score"])}
            continue
        name = norm(g.cells.get((r, cols.get("name", 0)))) if "name" in cols else ""
        l2 = norm(g.get(r, cols.get("level2", 0))) if "level2" in cols else ""
        if l2 and l2 != name:
            level2 = l2
        if w is None and s is None:
            continue
        if not name:
            if not l2:
                continue
            name = l2  # a row with the name in the 二级 column
        ind = Indicator(name=name, level1=level1, level2=level2, weight=w, score_stated=s, row=r,
                        cells={"name": address(r, cols.get("name", cols.get("level2", 1))),
                               "weight": address(r, cols["weight"]), "score": address(r, cols["score"])})
        goal = goals.get(LINKS.get(name, ""))
        if goal is not None:
            # the score row keeps its own (stated) score; the goal row's progress is the evidence the checks use
            ind.progress = goal.progress
            ind.deviation_note = f"{goal.name}：目标{goal.target}，实际{goal.actual}"
            if "progress" in goal.cells:
                ind.cells["progress"] = goal.cells["progress"]
        ind.criterion = None
        form.indicators.append(ind)
    _ = level_and_weight  # shared vocabulary with the other layouts
    return form if form.indicators else None
