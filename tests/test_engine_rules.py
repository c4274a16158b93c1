"""Each scoring rule on hand-worked examples, the profile's choices, and Excel's rounding."""
import pytest

from perfeval_xl.engine.excelmath import excel_round, fsum_round
from perfeval_xl.engine.grades import grade, normalize_grade
from perfeval_xl.engine.profile import NATIONAL, ProfileError, load_profile
from perfeval_xl.engine.rules import (BudgetExecution, DeductBelow, Equal, PassFail, Positive, Qualitative, Reverse,
                                      default_rule)


@pytest.mark.parametrize("x,d,expected", [(2.675, 2, 2.68), (-2.675, 2, -2.68), (0.5, 0, 1), (1.5, 0, 2), (2.5, 0, 3),
                                          (-0.5, 0, -1), (1.005, 2, 1.01), (2.129032, 2, 2.13), (1234.5, -1, 1230),
                                          (1235, -1, 1240), (0.285, 2, 0.29)])
def test_excel_round_half_away_from_zero(x, d, expected):
    assert excel_round(x, d) == expected


FORTY = [1.61, 1.18, 2.86, 2.87, 1.8, 1.34, 2.75, 2.54, 1.06, 2.61, 2.8, 1.96, 2.63, 1.14, 1.74, 1.88, 2.97, 2.68, 1.04,
         2.77, 2.58, 2.12, 1.81, 2.49, 1.02, 2.95, 2.36, 1.8, 2.86, 2.0, 2.77, 2.94, 2.87, 1.13, 2.49, 2.74, 2.14, 2.75,
         2.76, 3.19]


def test_forty_two_decimal_scores_that_add_to_90_grade_excellent():
    from perfeval_xl.engine.grades import total_of
    from perfeval_xl.engine.scoring import score_form
    from perfeval_xl.model import Form, Indicator

    assert len(FORTY) == 40 and sum(int(round(x * 100)) for x in FORTY) == 9000   # exactly 90.00 in cents
    naive = 0.0
    for x in FORTY:
        naive += x
    assert naive == 89.99999999999999                                             # what a float loop gives
    assert total_of(FORTY) == 90.0 and grade(total_of(FORTY)) == "优"
    form = Form(kind="scoring", sheet="S", indicators=[Indicator(name=f"i{i}", weight=5, score_stated=x, criterion="定性",
                                                                 level1="产出") for i, x in enumerate(FORTY)])
    fs = score_form(form)
    assert fs.total == 90.0 and fs.grade == "优"


def test_forty_scores_adding_to_ninety_grade_excellent():
    scores = [2.25] * 40           # 40 × 2.25 = 90.00
    naive = 0.0
    for s in [0.1] * 900:
        naive += s                 # 89.99999999999… in binary floating point
    assert naive < 90
    assert fsum_round([0.1] * 900) == 90.0 and grade(fsum_round([0.1] * 900)) == "优"
    assert grade(sum(scores)) == "优"
    assert grade(naive) == "优"    # grade() rounds before comparing


def test_positive_proportional():
    assert Positive().score(10, "≥100人", "80人").value == 8
    assert Positive().score(10, "≥100人", "120人").value == 10


def test_reverse_three_conventions():
    # target ≤100万元, actual 125万元 (25% over)
    r = Reverse()
    assert r.score(10, "≤100万元", "125万元").value == 8                      # ratio 100/125 × 10
    assert r.score(10, "≤100万元", "125万元", profile=NATIONAL.with_options(reverse_convention="linear")).value == 7.5
    deduct = NATIONAL.with_options(reverse_convention="deduct", reverse_deduct_points=0.2)
    assert r.score(10, "≤100万元", "125万元", profile=deduct).value == 5        # 10 − 0.2 × 25
    assert r.score(10, "≤100万元", "90万元").value == 10
    assert r.score(10, "≤100万元", "250万元", profile=NATIONAL.with_options(reverse_convention="linear")).value == 0


def test_equal_target():
    assert Equal().score(5, "=100%", "100%").value == 5
    assert Equal().score(5, "=100%", "90%").value == 4.5
    assert Equal().score(5, "=0", 0).value == 5
    assert Equal().score(5, "=0", 3).value == 0


def test_deduct_below_step_and_floor():
    assert DeductBelow(points=1, per=1).score(15, "≥38000人", "36667人").value == 11.49
    assert DeductBelow(points=2, per=5).score(10, "≥100%", "90%").value == 6      # 10% short = 2 steps × 2
    assert DeductBelow(points=1, per=1).score(5, "≥100人", "10人").value == 0     # 扣完为止


def test_pass_fail_on_words_and_marks():
    assert PassFail().score(5, "年底前", "已完成").value == 5
    assert PassFail().score(5, "年底前", "未完成").value == 0
    assert PassFail().score(5, "年底前", "有进展").value is None
    assert PassFail().score(5, "年底前", "有进展", mark=True).value == 5


def test_qualitative_edges_configurable():
    q = Qualitative()
    assert q.score(10, None, "部分达成").range == (6, 8)
    local = NATIONAL.with_options(tier_lower=0.5)
    assert q.score(10, None, "部分达成", profile=local).range == (5, 8)
    assert q.score(10, None, "55%").value == 5.5
    assert q.score(10).value is None


def test_over_completion_flag_follows_profile():
    s = Positive().score(10, "≥100人", "125人")
    assert s.value == 10 and s.over_completed
    assert not Positive().score(10, "≥100人", "125人", profile=load_profile("sichuan")).over_completed


def test_budget_execution_points():
    assert BudgetExecution().score(10, None, 0.375).value == 3.75
    assert BudgetExecution().score(20, None, "103.5%").value == 20


def test_default_rule_by_direction():
    assert isinstance(default_rule("≤310万元"), Reverse)
    assert isinstance(default_rule("≥90人"), Positive)
    assert isinstance(default_rule("=100%"), Equal)
    assert isinstance(default_rule("增长"), PassFail)
    assert isinstance(default_rule(100, "反向"), Reverse)


def test_scores_with_bad_input_say_why():
    s = Positive().score(10, "≥38000人", "220万元")
    assert s.value is None and "单位不一致" in s.error
    s = Positive().score(10, "≥三万人", "100人")
    assert s.value is None and "≥三万人" in s.error


def test_profiles_shipped_and_overridden(tmp_path):
    assert load_profile().execution_base == "annual"
    sc = load_profile("sichuan")
    assert (sc.execution_base, sc.over_completion, sc.tier_lower) == ("adjusted", 1.3, 0.5)
    p = tmp_path / "county.toml"
    p.write_text('[profile]\nexecution_base = "arrived"\nboundary_margin = 1.0\n', encoding="utf-8")
    county = load_profile(p)
    assert (county.name, county.execution_base, county.boundary_margin) == ("county", "arrived", 1.0)
    assert load_profile(p, over_completion=1.5).over_completion == 1.5
    p.write_text('execution_base = "nowhere"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="execution_base"):
        load_profile(p)
    p.write_text('colour = "red"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="配置项未知"):
        load_profile(p)


@pytest.mark.parametrize("text,g", [("优", "优"), ("良好", "良"), ("优(√)", "优"), ("中等", "中"), ("", None), (None, None),
                                    ("不合格", "差"), ("合格", "中")])
def test_normalize_grade(text, g):
    assert normalize_grade(text) == g


@pytest.mark.parametrize("text,g", [
    ("优☑ 良□ 中□ 差□", "优"), ("☑优 □良 □中 □差", "优"), ("□优 ☑良 □中 □差", "良"), ("优□ 良√ 中□ 差□", "良"),
    ("■优 □良 □中 □差", "优"), ("优 ☐ 良 ☒ 中 ☐ 差 ☐", "良"), ("√优 良 中 差", "优"),
    ("□优秀 ☑良好 □中等 □较差", "良"), ("□优秀 □良好 □合格 ☑不合格", "差"), ("（☑）良", "良"),
    ("优□ 良□ 中□ 差□", None), ("优☑ 良☑ 中□ 差□", None), ("良", None)])
def test_the_ticked_box_is_the_grade(text, g):
    """A grade row of boxes: the ticked one, wherever the boxes stand; none or two ticked is no grade read (before,
    "□优秀 ☑良好" was read as 优 from its first word)."""
    from perfeval_xl.engine.grades import ticked_grade
    from perfeval_xl.workbook.sheetscan import LabelledSheet, checked_grade
    from perfeval_xl.xlio.grid import Grid

    assert ticked_grade(text) == g
    assert checked_grade(LabelledSheet(Grid.from_rows("s", [["自评等级", text]])), 1, 2) == (g if text != "良" else "良")
