"""An indicator the form marks as not scored: “/”, “—” or 不适用 in its 得分 cell (the 四川 forms write “/” in the
cells they do not score). Before, each such cell was a PE-A110 error (“得分‘/’不是数字”) and its actual “/” a
PE-S309 warning; and where the form brings the other scores to 100 (折算, as some regions' 填表说明 say: 用适用指标
得分汇总后按百分制折算), the reviewed total was their plain sum, a grade lower than the form's.

Hand-worked: 培训人次 50 → 45, 受益人数 40 → 36, 满意度 10 → “/”: the applicable scores sum to 81 of 90 points;
brought to 100 that is 81 / 90 × 100 = 90.00.
"""
import pytest

from perfeval_xl.cellfuncs import PE_CHECK
from perfeval_xl.checks import run_checks
from perfeval_xl.engine.scoring import score_form
from perfeval_xl.workbook.layouts import recognise_all
from perfeval_xl.xlio.grid import Grid


def form_with(mark="/", total=90, actual="/"):
    rows = [["项目名称", "某项目"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
            ["产出指标", "数量指标", "培训人次", "≥100人次", "90人次", 50, 45, "部分学员未到"],
            ["效益指标", "社会效益指标", "受益人数", "≥50人", "45人", 40, 36, "部分未覆盖"],
            ["满意度指标", "服务对象满意度", "满意度", "≥90%", actual, 10, mark, "未开展满意度调查，不适用"],
            ["合计", None, None, None, None, 100, total]]
    [form] = recognise_all(Grid.from_rows("自评表", rows))
    return form


@pytest.mark.parametrize("mark", ["/", "／", "—", "——", "-", "不适用", "无", "\\"])
def test_a_not_scored_mark_is_no_unreadable_number(mark):
    form = form_with(mark)
    sat = form.indicators[2]
    assert sat.not_applicable and sat.score_stated is None and sat.weight == 10
    found = {f.code: f for f in run_checks(form)}
    assert "PE-A110" not in found and "PE-S309" not in found
    assert found["PE-S310"].cell == "G5" and found["PE-S310"].severity == "info"


def test_the_reviewed_total_follows_the_forms_own_way_of_adding():
    fs = score_form(form_with(total=90))            # 81 brought to 100: 90.00
    assert (fs.total, fs.grade, fs.prorated) == (90.0, "优", True)
    assert "按适用指标折算为百分制" in {f.code: f for f in run_checks(fs.form)}["PE-S310"].message
    fs = score_form(form_with(total=81))            # the plain sum
    assert (fs.total, fs.grade, fs.prorated) == (81.0, "良", False)
    for total in (90, 81):
        assert "PE-A104" not in [f.code for f in run_checks(form_with(total=total))]


def test_a_total_that_is_neither_sum_is_an_error():
    [a104] = [f for f in run_checks(form_with(total=85)) if f.code == "PE-A104"]
    assert a104.severity == "error" and a104.cell == "G6"
    assert a104.message == "填报总分85分，与适用指标得分之和81分不符，也不等于按适用指标折算的90分。"


def test_an_actual_given_beside_a_not_scored_mark_is_not_scored_either():
    fs = score_form(form_with(actual="95%", total=81))
    assert fs.total == 81.0 and [i.name for i in fs.not_applicable] == ["满意度"]


def test_pe_check_reads_the_mark_as_the_workbook_does():
    assert PE_CHECK([["满意度", 10, "≥90%", "/", "/", None, "不适用"]]) == ""
    assert PE_CHECK([["满意度", 10, "≥90%", "95%", "十", None, None]]).startswith("[PE-A110]")


def test_the_prorated_total_is_recognised_within_the_profiles_tolerance():
    """A profile that allows 0.05 between stated and reviewed figures accepts a stated 90.04 as the prorated 90.00 in
    the checks (no PE-A104) and in the reviewed total alike (the total follows the form's way of adding)."""
    from dataclasses import replace

    from perfeval_xl.engine.profile import NATIONAL

    loose = replace(NATIONAL, tolerance=0.05)
    form = form_with(total=90.04)
    fs = score_form(form, loose)
    assert fs.prorated and fs.total == pytest.approx(90.0)
    assert "PE-A104" not in {f.code for f in run_checks(form, loose)}
    assert not score_form(form).prorated and "PE-A104" in {f.code for f in run_checks(form)}
