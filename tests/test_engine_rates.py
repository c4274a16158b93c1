"""Rates on hand-worked figures: each returns its value and the base it used."""
import pytest

from perfeval_xl.engine import rates
from perfeval_xl.engine.profile import load_profile


def test_every_rate_names_its_base():
    assert rates.funds_arrival_rate(220, 310).base == "预算资金"
    assert rates.timely_arrival_rate(90, 100).percent == 90.0
    assert rates.carryover_rate(12, 240).percent == 5.0
    assert rates.three_public_control_rate(9.5, 10).percent == 95.0
    assert rates.quality_rate(98, 100).percent == 98.0
    assert rates.cost_saving_rate(100, 92).percent == 8.0


def test_execution_base_from_profile_or_argument():
    kw = dict(arrived=236.96, annual=490, adjusted=276.96, carryover=10)
    assert rates.execution_rate(103.86, **kw).base == "全年预算数"                  # national default
    assert rates.execution_rate(103.86, **kw, profile=load_profile("sichuan")).percent == 37.5
    assert rates.execution_rate(103.86, **kw, base="adjusted_with_carryover").percent == 36.19  # 103.86 / 286.96
    with pytest.raises(ValueError, match="口径"):
        rates.execution_rate(1, annual=2, base="monthly")


def test_undefined_rates_say_why_and_do_not_divide():
    adj = rates.adjustment_rate(0, 50)
    assert adj.value is None and "年初预算为0" in adj.reason and adj.text().startswith("无法计算")
    assert rates.execution_rate(0, annual=0).value is None
    assert rates.execution_rate(None, annual=10).reason == "缺少实际支出"


def test_adjustment_rate_is_signed():
    assert rates.adjustment_rate(100, 120).percent == 20.0
    assert rates.adjustment_rate(100, 80).percent == -20.0


def test_amounts_as_text():
    assert rates.funds_arrival_rate("220万元", "310万元").percent == 70.97
    assert rates.funds_arrival_rate("２２０", "３１０").percent == 70.97


@pytest.mark.parametrize("target,actual,expected", [
    ("≥38000人", "36667人", 96.49), ("≤310万元", "220万元", 140.91), ("=100%", "90%", 90.0),
    ("≤30天", "0天", 100.0), ("130户", "87户", 66.92), ("≥95%", 96.49, 101.57),
])
def test_completion_for_each_comparator(target, actual, expected):
    assert rates.completion_rate(target, actual).percent == expected


def test_completion_with_mismatched_units_is_an_error():
    r = rates.completion_rate("≥38000人", "220万元")
    assert r.value is None and "单位不一致" in r.reason


def test_rate_dispatch_by_chinese_name():
    assert rates.rate("政府采购执行率", 1.63, 6.26).percent == 26.04
    with pytest.raises(ValueError, match="未知的比率类型"):
        rates.rate("幸福率", 1, 2)
