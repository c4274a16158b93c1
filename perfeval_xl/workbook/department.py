"""部门整体支出 sheet (seed 002): 年初预算 | 调整后预算 | 决算 by 财政拨款收入 / 支出 (基本支出 + 项目支出) and
政府采购预算 (货物 + 服务) | 执行, plus the 绩效目标表 (三级指标 | 指标值) and the stated total and grade."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import BudgetBlock, Form
from ..xlio.grid import address
from .labels import GRADE_LABEL, INDICATOR_COLUMNS, TOTAL_LABEL, match_field, norm, number
from .sheetscan import checked_grade, header_fields

if TYPE_CHECKING:
    from .sheetscan import LabelledSheet


def recognise_department(sheet: "LabelledSheet") -> Form | None:

    g = sheet.grid
    hdr = None
    for r in range(1, sheet.max_row + 1):
        labels = {c: sheet.labels.get((r, c), "") for c in range(1, sheet.max_col + 1)}
        cols = {}
        for c, s in labels.items():
            if s.startswith("年初预算"):
                cols["initial"] = c
            elif s.startswith("调整后预算") or s.startswith("调整预算") or s.startswith("全年预算"):
                cols["adjusted"] = c        # the year's budget after its adjustments (全年预算数 on some forms)
            elif s.startswith("决算") or "执行" in s or s.startswith("支出决算") or s.startswith("实际支出"):
                cols.setdefault("executed", c)
        if {"initial", "adjusted", "executed"} <= set(cols):
            hdr = (r, cols)
            break
    if hdr is None:
        return None
    hr, cols = hdr
    form = Form(kind="department", sheet=g.sheet, path=g.path)
    form.header, form.cells = header_fields(sheet)
    b = BudgetBlock(rate_base="adjusted")
    label_col = min(cols.values()) - 1
    parts: dict[str, tuple[float | None, list[tuple[str, float | None]]]] = {}
    current = None
    for r in range(hr + 1, sheet.max_row + 1):
        lab = "".join(norm(g.get(r, c)) for c in range(1, label_col + 1)).replace("其中:", "").replace("其中", "")
        vals = {f: number(g.cells.get((r, c))) for f, c in cols.items()}
        if not lab and not any(v is not None for v in vals.values()):
            # a blank row inside the block (a line cleared but not deleted) does not end it when amounts follow
            # within two rows: read to there, the 支出 or 政府采购 parts after it were lost and their sum called
            # short of its total
            if any(number(g.cells.get((rr, c))) is not None for rr in (r + 1, r + 2) for c in cols.values()):
                continue
            break
        cell = {f: address(r, c) for f, c in cols.items()}
        if "收入" in lab and b.initial is None:
            b.initial, b.adjusted, b.executed = vals["initial"], vals["adjusted"], vals["executed"]
            b.cells.update({"initial": cell["initial"], "adjusted": cell["adjusted"], "executed": cell["executed"]})
        elif "采购" in lab:
            b.procurement_budget = vals["adjusted"] if vals["adjusted"] is not None else vals["initial"]
            b.procurement_executed = vals["executed"]
            b.cells["procurement_budget"] = cell["adjusted"]
            b.cells["procurement_executed"] = cell["executed"]
            current = "政府采购"
            parts[current] = (b.procurement_budget, [])
            b.cells["part:政府采购"] = cell["adjusted"]
        elif "支出" in lab and ("合计" in lab or "总" in lab or lab == "支出" or "决算" in lab):
            whole = vals["executed"] if vals["executed"] is not None else vals["adjusted"]
            current = "支出"
            parts[current] = (whole, [])
            b.cells["part:支出"] = cell["executed"]
            if b.executed is None:
                b.executed = whole
        elif current and lab:
            v = vals["executed"] if current == "支出" else vals["adjusted"]
            if current == "支出" and v is None:
                v = vals["adjusted"]
            parts[current][1].append((lab, v))
            b.cells[f"part:{current}:{lab}"] = cell["executed" if current == "支出" else "adjusted"]
    b.parts = parts
    form.budget = b

    # 绩效目标表: 三级指标 | 指标值
    for (r, c), s in sorted(sheet.labels.items()):
        if match_field(s, INDICATOR_COLUMNS) == "name":
            vc = next((cc for cc in range(c + 1, sheet.max_col + 1)
                       if match_field(sheet.labels.get((r, cc), ""), INDICATOR_COLUMNS) == "target"), None)
            if vc is None:
                continue
            for rr in range(r + 1, sheet.max_row + 1):
                name = g.cells.get((rr, c))
                if name in (None, ""):
                    if all(g.cells.get((rr, cc)) in (None, "") for cc in range(1, sheet.max_col + 1)):
                        if _target_row(sheet, rr + 1, c, vc):
                            continue    # a blank line inside the table: the targets go on below it
                        break
                    continue
                form.targets_text.append((str(name).strip(), g.cells.get((rr, vc)), address(rr, vc)))
            break

    for (r, c) in sheet.find(TOTAL_LABEL):
        v, cc = sheet.right_of(r, c, numeric=True)
        if v is not None:
            form.total_stated = number(v)
            form.cells["total"] = address(r, cc)  # type: ignore[arg-type]
            break
    for (r, c) in sheet.find(GRADE_LABEL):
        v, cc = sheet.right_of(r, c)
        if v is not None:
            form.grade_stated = checked_grade(sheet, r, cc)
            form.cells["grade"] = address(r, cc)  # type: ignore[arg-type]
            break
    return form


def _target_row(sheet: "LabelledSheet", r: int, c: int, vc: int) -> bool:
    """Is row r a 绩效目标表 row: a 三级指标 name and its 指标值, and no 总分 / 等级 label (the 综合得分 | 评价等级 row
    under the table holds a text in the 三级指标 column too)?"""
    g = sheet.grid
    if g.cells.get((r, c)) in (None, "") or g.cells.get((r, vc)) in (None, ""):
        return False
    return not any(TOTAL_LABEL.search(s) or GRADE_LABEL.search(s) for _c, s in sheet.row_labels(r))
