"""Rewriting the references the engine does not read (3-D, structured) and reading what a formula depends on:
hand-worked cases, including the near misses that must be left alone."""
from perfeval_xl.recalc.references import Table, expand_3d, expand_tables
from perfeval_xl.recalc.trust import IMPLICIT, areas, enclosing_function, formula_reason

SHEETS = ["汇总", "Sheet1", "Sheet 2", "Sheet3"]


def test_3d_references_inside_aggregates_become_lists():
    assert expand_3d("SUM(Sheet1:Sheet3!A1)", SHEETS) == "SUM(Sheet1!A1,'Sheet 2'!A1,Sheet3!A1)"
    assert expand_3d("AVERAGE('Sheet1:Sheet 2'!$B$2:C3)+1", SHEETS) == "AVERAGE(Sheet1!$B$2:C3,'Sheet 2'!$B$2:C3)+1"
    assert expand_3d("max(Sheet3:Sheet1!A1)", SHEETS) == "max(Sheet1!A1,'Sheet 2'!A1,Sheet3!A1)"   # either order


def test_3d_near_misses_are_left_alone():
    for f in ("SUM(Sheet1!A1:B2)",                 # an ordinary range on one sheet
              "VLOOKUP(1,Sheet1:Sheet3!A1:B2,2)",  # not an aggregate: Excel refuses 3-D here anyway
              'SUM("Sheet1:Sheet3!A1")',           # inside a string
              "SUM(Sheet1:Nowhere!A1)"):           # a sheet that does not exist
        assert expand_3d(f, SHEETS) == f


TBL = Table("Sales", "Data", 3, 2, 13, 4, ["Region", "Amount", "Note's"], header_rows=1, totals_rows=1)


def test_structured_references_become_ranges():
    # data rows 4..12 (header row 3, totals row 13), columns B..D
    assert expand_tables("SUM(Sales[Amount])", {"SALES": TBL}, "Data", 20, 1) == "SUM($C$4:$C$12)"
    assert expand_tables("Sales[[#This Row],[Amount]]*2", {"SALES": TBL}, "Data", 7, 5) == "$C7*2"
    assert expand_tables("Sales[@Amount]+Sales[@[Note''s]]", {"SALES": TBL}, "Data", 8, 5) == "$C8+$D8"
    assert expand_tables("COUNTA(Sales[#All])", {"SALES": TBL}, "Data", 20, 1) == "COUNTA($B$3:$D$13)"
    assert expand_tables("INDEX(Sales[#Totals],1,2)", {"SALES": TBL}, "Other", 1, 1) == "INDEX(Data!$B$13:$D$13,1,2)"
    assert expand_tables("SUM(Sales[[Region]:[Amount]])", {"SALES": TBL}, "Data", 20, 1) == "SUM($B$4:$C$12)"
    # inside the table, the name may be left out
    assert expand_tables("[@Amount]/100", {"SALES": TBL}, "Data", 5, 4) == "$C5/100"


def test_structured_near_misses_are_left_alone():
    tables = {"SALES": TBL}
    for f, row in (("Sales[Amount]*2", 5),                  # several cells outside a range function: Excel intersects
                   ("Sales[@Amount]", 30),                   # this row is not a data row of the table
                   ("SUM(Sales[Nope])", 5),                  # no such column
                   ("SUM(Other[Amount])", 5),                # no such table
                   ("[1]Sheet1!A1+1", 5),                    # an external reference
                   ('"Sales[Amount]"&"x"', 5)):              # text
        assert expand_tables(f, tables, "Data", row, 5) == f, f


def test_areas_and_enclosing_functions():
    found, multi = areas("SUM(A1:B3)+'其他 表'!$C$2+Sheet1!D:D+5:6-LOG10(2)", "本表")
    assert list(found) == [("本表", 1, 1, 3, 2), ("其他 表", 2, 3, 2, 3), ("Sheet1", 1, 4, 1_048_576, 4),
                           ("本表", 5, 1, 6, 16_384)]
    assert len(multi) == 3
    code = "IF(A1>0,SUM(B1:B9),CONCATENATE(C1:C3))"
    assert enclosing_function(code, code.index("B1")) == "SUM"
    assert enclosing_function(code, code.index("C1")) == "CONCATENATE"
    assert enclosing_function(code, code.index("A1")) == "IF"


def test_formula_reasons():
    assert formula_reason("SUM(B1:B9)*2", "S", False) is None
    assert formula_reason('A1&"：B1:B9"', "S", False) is None                  # a range-looking string
    assert formula_reason("CONCATENATE(G10:J10)", "S", False) == IMPLICIT
    assert formula_reason("CONCATENATE(G10:J10)", "S", True) is None          # an array formula: element-wise
    assert formula_reason("A:A&B:B", "S", False) == IMPLICIT
    assert formula_reason('TEXT(A1,"0.0")', "S", False).startswith("TEXT()")
    assert formula_reason("SUBTOTAL(109,B2:B9)", "S", False).startswith("SUBTOTAL")


def test_propagation_reaches_what_the_plain_search_reaches():
    """Issue 16: propagate() tests a formula's areas against the kept cells by lookup (a single cell) or by the
    smaller side (a range); on random sheets it keeps exactly the cells the plain search over every pair keeps."""
    import random

    from perfeval_xl.recalc.trust import propagate

    def plain(formulas, kept, positions):
        kept = dict(kept)
        changed = True
        while changed:
            changed = False
            for key, (_t, found, dynamic) in formulas.items():
                if key in kept:
                    continue
                hit = dynamic or any(r1 <= positions[k][0] <= r2 and c1 <= positions[k][1] <= c2
                                     for s, r1, c1, r2, c2 in found for k in kept
                                     if k in positions and k[0].upper() == s.upper())
                if hit:
                    kept[key] = "x"
                    changed = True
        return set(kept)

    rnd = random.Random(7)
    for _ in range(200):
        positions = {(rnd.choice("Ss"), f"C{i}"): (rnd.randint(1, 12), rnd.randint(1, 6)) for i in range(30)}
        keys = list(positions)
        formulas = {}
        for key in keys:
            found = []
            for _a in range(rnd.randint(0, 3)):
                r1, c1 = rnd.randint(1, 12), rnd.randint(1, 6)
                r2, c2 = (r1, c1) if rnd.random() < 0.6 else (rnd.randint(r1, 12), rnd.randint(c1, 6))
                found.append(("S", r1, c1, r2, c2))     # as _references gives them: sheet names upper-cased
            formulas[key] = ("", tuple(found), rnd.random() < 0.03)
        seeds = {k: "x" for k in rnd.sample(keys, 3)}
        kept = dict(seeds)
        propagate(formulas, kept, positions)
        assert set(kept) == plain(formulas, seeds, positions)


def test_what_a_formula_reads_is_kept_per_text_and_judged_against_each_workbooks_names():
    """trust._references reads a formula text once (areas with upper-case sheet names, INDIRECT/OFFSET/table
    references, the names it mentions); whether a mention is a defined name is asked of each workbook's names."""
    from perfeval_xl.recalc.trust import _references

    assert _references("A1*Rate", "s", "", {"RATE"}) == ((("S", 1, 1, 1, 1),), True)
    assert _references("A1*Rate", "s", "", set()) == ((("S", 1, 1, 1, 1),), False)
    assert _references("A1*Rate", "s", "", {"OTHER"}) == ((("S", 1, 1, 1, 1),), False)
    assert _references('"Rate"&A1', "s", "", {"RATE"}) == ((("S", 1, 1, 1, 1),), False)     # in a string: no name
    assert _references("SUM('My Sheet'!A1:B2)", "S", "", set()) == ((("MY SHEET", 1, 1, 2, 2),), False)
    assert _references('INDIRECT("A"&B1)', "S", "", set())[1] and _references("SUM(Tbl[Col])", "S", "", set())[1]
    found, dynamic = _references("B2+C3", "S", "B2:B5", set())     # a shared formula over B2:B5: widened
    assert list(found) == [("S", 2, 2, 5, 2), ("S", 3, 3, 6, 3)] and not dynamic
