"""PE_* as Excel calls them: scalars, 2-D lists from ranges, empty cells as None, numbers as text."""
import pytest
from hypothesis import given, settings, strategies as st

from perfeval_xl.engine.api import score
from perfeval_xl.udfs import PE_CHECK, PE_COMPLETION, PE_GRADE, PE_RATE, PE_SCORE

from seed_forms import SEED001_ROWS


def test_pe_score_scalars_reproduce_seed001():
    for l1, l2, name, w, crit, t, a, stated in SEED001_ROWS:
        got = PE_SCORE(w, t, a, crit)
        if isinstance(got, str):
            assert got.startswith("#PE! ") and ("逐项判定" in got or "定性" in got)
        else:
            assert got == stated, name


def test_spilled_column_equals_row_by_row():
    rows = [r for r in SEED001_ROWS if r[5] or r[6]]
    col = lambda i: [[r[i]] for r in rows]  # noqa: E731
    spilled = PE_SCORE(col(3), col(5), col(6), col(4))
    assert spilled == [[PE_SCORE(r[3], r[5], r[6], r[4])] for r in rows]
    assert [v[0] for v in spilled if not isinstance(v[0], str)] == [r[7] for r in rows if not isinstance(PE_SCORE(r[3], r[5], r[6], r[4]), str)]


def test_ranges_with_empty_cells_and_text_numbers():
    got = PE_SCORE([[15], ["15"], [None], ["１５"]], [["≥38000人"], ["≥38000人"], [None], ["≥38000人"]],
                   [["36667人"], ["36667"], [None], ["36667人"]], "低于目标每1%扣1分，扣完为止")
    assert got == [[11.49], [11.49], [""], [11.49]]
    assert PE_SCORE([15, 15], ["≥90人", "≥90人"], ["185人", "45人"]) == [[15.0], [7.5]]   # 1-D ranges too


def test_bad_arguments_are_readable_errors_never_tracebacks():
    assert PE_SCORE(15, "≥三万人", "36667人") == "#PE! 无法识别目标值‘≥三万人’：数字须用阿拉伯数字书写"
    assert PE_SCORE(None, "≥90人", "10人").startswith("#PE! 缺少分值")
    assert "单位不一致" in PE_SCORE(10, "≥90人", "10万元")
    assert "无法识别的评分标准" in PE_SCORE(10, "≥90人", "95人", "酌情打分")
    assert "区域大小不一致" in PE_SCORE([[1], [2]], [["≥1人"], ["≥1人"], ["≥1人"]], "1人")
    assert "配置项未知" in PE_SCORE(10, "≥90人", "95人", None, "colour=red")


def test_options_change_the_rule():
    assert PE_SCORE(10, "≤100万元", "125万元") == 8
    assert PE_SCORE(10, "≤100万元", "125万元", None, "reverse_convention=linear") == 7.5
    assert PE_SCORE(10, "≤100万元", "125万元", None, [["reverse_convention", "linear"]]) == 7.5


def test_pe_rate_completion_grade():
    assert round(PE_RATE("预算调整率", 36.06, 11.07) * 100, 2) == -69.30
    assert round(PE_RATE("政府采购执行率", "1.63", "6.26") * 100, 2) == 26.04
    assert round(PE_RATE("资金到位率", "220万元", "310万元") * 100, 2) == 70.97
    assert PE_RATE("预算执行率", 10, 0).startswith("#PE! ")
    assert round(PE_COMPLETION("130户", "87户") * 100, 2) == 66.92
    assert PE_COMPLETION([["≥38000人"], ["≤310万元"]], [["36667人"], ["220万元"]]) == [[pytest.approx(0.96492, abs=1e-5)], [pytest.approx(1.40909, abs=1e-5)]]
    assert PE_GRADE(92.62) == "优" and PE_GRADE("79.99") == "中" and PE_GRADE(89.995) == "优"
    assert PE_GRADE([[90], [None], [59.99]]) == [["优"], [""], ["差"]]


def test_adapter_gives_the_engine_number():
    assert PE_SCORE(15, "≥38000人", "36667人", "低于目标每1%扣1分，扣完为止") == score(15, "≥38000人", "36667人", "低于目标每1%扣1分，扣完为止").value


def test_pe_check_on_a_row_and_a_table():
    bad = PE_CHECK([["保险理赔人数", 15, "≥90人", "≥90人", 15]])
    assert "[PE-S306]" in bad
    assert PE_CHECK([["三级指标", "分值", "目标值", "实际值", "得分"], ["理赔人数", 15, "≥90人", "100人", 15]]) == ""


def test_inside_excel_the_functions_carry_xlwings_decorators():
    """Excel's xlwings UDF server imports xlwings before the UDF module: the module then uses xlwings'
    own @func/@arg (on Windows they record the metadata the server reads; elsewhere they are no-ops)."""
    import subprocess
    import sys

    code = ("import xlwings\n"
            "calls = []\n"
            "def arg(name, **kw):\n"
            "    calls.append(('arg', name, kw.get('err_to_str'), bool(kw.get('doc'))))\n"
            "    return lambda f: f\n"
            "def func(f):\n"
            "    calls.append(('func', f.__name__))\n"
            "    return f\n"
            "xlwings.arg, xlwings.func = arg, func\n"
            "import perfeval_xl.udfs as u, perfeval_xl.cellfuncs as c\n"
            "print(len([x for x in calls if x[0] == 'func']), all(x[2] and x[3] for x in calls if x[0] == 'arg'),\n"
            "      sum(1 for x in calls if x[0] == 'arg') == sum(len(f.__pe_args__) for f in c.FUNCTIONS.values()),\n"
            "      u.PE_SCORE is c.PE_SCORE)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["5", "True", "True", "True"]


def test_excel_errors_in_arguments_propagate_as_errors_not_text():
    """Issue 10: =PE_SCORE(B1,10,5) with B1 = #DIV/0! gave "#PE! 无法识别分值‘{'type': 'Error', …}’"; Excel's own
    functions propagate the error, so a total summing the cell shows the problem."""
    import formualizer as fz

    from perfeval_xl.recalc.evaluate import register_pe

    wb = fz.Workbook()
    wb.add_sheet("S")
    wb.set_formula("S", 1, 2, "=1/0")
    wb.set_value("S", 1, 3, "≥38000人")
    wb.set_formula("S", 1, 1, "=PE_SCORE(B1,10,5)")
    wb.set_formula("S", 2, 1, '=PE_RATE("预算执行率",B1,100)')
    wb.set_formula("S", 3, 1, "=PE_COMPLETION(C1,NA())")
    wb.set_formula("S", 4, 1, "=PE_GRADE(B1)")
    wb.set_formula("S", 5, 1, "=SUM(A1,10)")
    wb.set_formula("S", 6, 1, "=ISERROR(A1)")
    wb.set_formula("S", 7, 1, '=PE_SCORE(15,C1,"36667人","完成目标满分；低于目标每1%扣1分，扣完为止")')
    register_pe(wb)
    wb.evaluate_all()
    got = [wb.get_value("S", r, 1) for r in range(1, 8)]
    assert got[0] == {"type": "Error", "kind": "Div"} and got[1] == {"type": "Error", "kind": "Div"}
    assert got[2]["type"] == "Error" and got[2]["kind"].lower() == "na"
    assert got[3] == {"type": "Error", "kind": "Div"} and got[4] == {"type": "Error", "kind": "Div"}
    assert got[5] is True and got[6] == 11.49          # a clean row next to them is unaffected


def test_excel_errors_arrive_in_every_form_the_hosts_use():
    from perfeval_xl.udfs import PE_SCORE, excel_error

    assert excel_error("#N/A") == "#N/A" and excel_error(-2146826281) == "#DIV/0!"
    assert excel_error({"type": "Error", "kind": "Ref"}) == "#REF!" and excel_error("#PE! x") is None
    assert excel_error(2007) is None and excel_error(0.5) is None
    assert PE_SCORE("#VALUE!", "≥90人", "185人") == {"type": "Error", "kind": "Value"}
    assert PE_SCORE([[15], ["#N/A"]], "≥90人", "185人") == [[15], [{"type": "Error", "kind": "Na"}]]


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-5, max_value=100), st.floats(allow_nan=True, allow_infinity=True, width=32),
       st.floats(allow_nan=True, allow_infinity=True, width=32),
       st.sampled_from([None, "", " ", "ratio", "pct", "反向", "定性", "#N/A", "完成目标满分；低于目标每1%扣1分，扣完为止",
                        "95%（含）以上计10分，90%-95%计8分，90%以下计0分", "无法识别的文字"]))
def test_the_all_numbers_shortcut_scores_as_the_checked_path(weight, target, actual, criterion):
    """Issue 16: three numbers skip the argument checks (nothing to find in them); every result is the one the
    checked path gives."""
    from perfeval_xl.cellfuncs import _score_checked, _score_one
    from perfeval_xl.engine.profile import NATIONAL

    assert _score_one(weight, target, actual, criterion, NATIONAL) == \
        _score_checked(weight, target, actual, criterion, NATIONAL)
