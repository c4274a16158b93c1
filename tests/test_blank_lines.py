"""A blank line left inside a form (a row cleared but not deleted, as forms filled by hand have them) changes no
finding but the addresses below it.

Found by inserting a blank row at every row of the corpus and example forms: inside the 部门整体 budget block the
parts after the blank line were lost (支出合计 11.07 against 基本支出 4.77 alone: a false PE-A108 error), inside its
绩效目标表 the targets after it were not read, and in the 棠溪镇 budget block the 其中 rows after it were lost with
the PE-A111 they show.
"""
from pathlib import Path

import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.workbook.reader import load_grids
from perfeval_xl.xlio.grid import Grid, address, parse_address

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENT = ROOT / "workbooks" / "examples" / "seed002_部门整体.xlsx"
TANGXI = ROOT / "workbooks" / "corpus" / "anhui_chizhou_tangxi_weituo_2022.xlsx"


def with_blank_row(g: Grid, at: int) -> Grid:
    """The sheet with an empty row inserted above row ``at``, as Excel inserts one (merges across it grow)."""
    def down(r):
        return r + 1 if r >= at else r
    return Grid(sheet=g.sheet, cells={(down(r), c): v for (r, c), v in g.cells.items()},
                merged=[(down(r1), c1, down(r2), c2) for r1, c1, r2, c2 in g.merged],
                number_formats={(down(r), c): v for (r, c), v in g.number_formats.items()},
                formulas={(down(r), c): v for (r, c), v in g.formulas.items()}, path=g.path)


def findings(g: Grid) -> list[tuple[str, str | None]]:
    return sorted(((f.code, f.cell) for form in recognise_all(g) for f in run_checks(form)), key=str)


def moved(found, at):
    def cell(a):
        r, c = parse_address(a)
        return address(r + 1 if r >= at else r, c)
    return sorted(((code, cell(a) if a else a) for code, a in found), key=str)


@pytest.mark.parametrize("at", range(2, 42))
def test_department_form_reads_the_same_with_a_blank_row_anywhere(at):
    [g] = load_grids(DEPARTMENT)
    before = findings(g)
    assert ("PE-B203", "C5") in before and ("PE-B206", "D9") in before
    assert len([c for c, _a in before if c == "PE-T401"]) == 13
    assert findings(with_blank_row(g, at)) == moved(before, at)


def test_department_parts_after_a_blank_row_are_still_parts():
    [g] = load_grids(DEPARTMENT)
    [form] = recognise_all(with_blank_row(g, 8))          # between 其中：基本支出 and 项目支出
    assert form.budget.parts["支出"] == (11.07, [("基本支出", 4.77), ("项目支出", 6.3)])
    assert form.budget.parts["政府采购"] == (6.26, [("货物", 1.28), ("服务", 4.98)])
    assert "PE-A108" not in [f.code for f in run_checks(form)]


def test_department_targets_stop_at_the_total_row_after_a_blank_line():
    [g] = load_grids(DEPARTMENT)
    [form] = recognise_all(with_blank_row(g, 20))
    names = [name for name, _v, _cell in form.targets_text]
    assert len(names) == 25 and names[-1] == "工作人员满意度" and "评价等级" not in names


@pytest.mark.parametrize("at", range(2, 24))
def test_tangxi_form_reads_the_same_with_a_blank_row_anywhere(at):
    [g] = load_grids(TANGXI)
    before = findings(g)
    assert ("PE-A111", "D6") in before
    assert findings(with_blank_row(g, at)) == moved(before, at)


def test_a_budget_block_goes_on_past_an_empty_carryover_row():
    """其中 rows: 上年结转资金 left empty, 其他资金 filled below it: the 其他资金 row is still the block's."""
    [g] = load_grids(TANGXI)
    g.cells[(9, 4)], g.cells[(9, 5)], g.cells[(9, 6)] = 5, 5, 4.5       # 其他资金, under the empty 上年结转资金 row
    [form] = recognise_all(g)
    assert form.budget.rows["其他资金"] == {"initial": 5, "annual": 5, "executed": 4.5, "row": 9}
    assert form.budget.rows["当年财政拨款"]["row"] == 7
