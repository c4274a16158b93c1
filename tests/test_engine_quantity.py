"""Quantities as they appear on real forms (seeds 001–004 and RULES.md): a table test."""
import math

import pytest

from perfeval_xl.engine.quantity import UnitMismatch, QuantityError, align, as_fraction, format_quantity, parse_quantity

N = "number"
U = "unquantified"
I = "invalid"

# (text, status, comparator, display value, canonical unit)
TABLE = [
    ("≥38000人", N, ">=", 38000, "人"),
    ("≧735人次", N, ">=", 735, "人次"),
    ("≤310万元", N, "<=", 310, "元"),
    ("=100%", N, "=", 100, "%"),
    ("＝100", N, "=", 100, None),
    ("95%以上", N, ">=", 95, "%"),
    ("不低于90%", N, ">=", 90, "%"),
    ("36667人", N, None, 36667, "人"),
    ("96.49%", N, None, 96.49, "%"),
    (0.9649, N, None, 0.9649, None),
    (96.49, N, None, 96.49, None),
    ("220万元", N, None, 220, "元"),
    ("2.2亿元", N, None, 2.2, "元"),
    ("１２０", N, None, 120, None),
    ("年底前", U, None, None, None),
    ("2022年全年", U, None, None, None),
    ("增长", U, None, None, None),
    ("符合", U, None, None, None),
    ("有效", U, None, None, None),
    ("≥20个", N, ">=", 20, "个"),
    ("≥10家", N, ">=", 10, "家"),
    ("≥2次", N, ">=", 2, "次"),
    ("100%", N, None, 100, "%"),
    ("≤8万元", N, "<=", 8, "元"),
    ("≤4.74万元", N, "<=", 4.74, "元"),
    ("≥85%", N, ">=", 85, "%"),
    ("持续", U, None, None, None),
    ("提高", U, None, None, None),
    ("130户", N, None, 130, "户"),
    ("合计160万元", N, None, 160, "元"),
    ("95%", N, None, 95, "%"),
    ("≥90人", N, ">=", 90, "人"),
    ("185人", N, None, 185, "人"),
    ("≥100%", N, ">=", 100, "%"),
    ("70.97%", N, None, 70.97, "%"),
    ("≥266米", N, ">=", 266, "米"),
    ("不少于 3 场", N, ">=", 3, "场"),
    ("不超过30天", N, "<=", 30, "天"),
    ("5个工作日以内", N, "<=", 5, "个工作日"),
    ("38,000人", N, None, 38000, "人"),
    ("≥ 85 ％", N, ">=", 85, "%"),
    ("3.67万人", N, None, 3.67, "人"),
    ("12月底前", U, None, None, None),
    ("显著提升", U, None, None, None),
    ("完成", U, None, None, None),
    ("≥三万人", I, None, None, None),
    ("对全市130户出口企业保费配套30%进行补助", I, None, None, None),
    ("#DIV/0!", I, None, None, None),
    ("", "empty", None, None, None),
    (None, "empty", None, None, None),
    (">=95", N, ">=", 95, None),
    ("＞＝90％", N, ">=", 90, "%"),
    ("大于等于98%", N, ">=", 98, "%"),
    ("由于疫情影响…企业统保87户", N, None, 87, "户"),
]


@pytest.mark.parametrize("text,status,comparator,value,unit", TABLE, ids=[str(r[0]) for r in TABLE])
def test_table(text, status, comparator, value, unit):
    q = parse_quantity(text)
    assert q.status == status, q.reason
    assert q.comparator == comparator
    if value is None:
        assert q.value is None
        assert q.reason  # every non-number says why
    else:
        assert q.display_value == pytest.approx(value, rel=1e-12)
        assert q.unit == unit


def test_table_is_large_enough():
    assert len(TABLE) >= 40


def test_canonical_units_compare():
    assert parse_quantity("2.2亿元").value == parse_quantity("22000万元").value == 220_000_000
    assert parse_quantity("96.49%").value == pytest.approx(0.9649)
    assert parse_quantity("3.67万人").value == pytest.approx(36700)


def test_percent_bare_numbers_follow_the_target():
    t = parse_quantity("≥95%")
    assert align(t, parse_quantity(96.49))[1] == pytest.approx(0.9649)
    assert align(t, parse_quantity(0.9649))[1] == pytest.approx(0.9649)
    assert align(t, parse_quantity("96.49%"))[1] == pytest.approx(0.9649)
    assert as_fraction(2.5, 0.95) == 2.5  # 250% of a 95% target, not 2.5%


def test_bare_amount_takes_the_target_multiplier():
    tv, av, unit = align(parse_quantity("≤310万元"), parse_quantity(220))
    assert (tv, av, unit) == (3_100_000, 2_200_000, "元")


def test_mismatched_units_are_an_error():
    with pytest.raises(UnitMismatch, match="单位不一致"):
        align(parse_quantity("≥38000人"), parse_quantity("220万元"))


def test_unquantified_cannot_be_aligned():
    with pytest.raises(QuantityError, match="年底前"):
        align(parse_quantity("年底前"), parse_quantity("100%"))


def test_unit_hint_from_a_unit_column():
    q = parse_quantity(38000, unit_hint="人")
    assert (q.value, q.unit) == (38000, "人")
    assert parse_quantity(96.49, unit_hint="%").value == pytest.approx(0.9649)
    assert parse_quantity(220, unit_hint="万元").value == 2_200_000


@pytest.mark.parametrize("text", ["≥38000人", "≤310万元", "96.49%", "=100%", "2.2亿元", "≥735人次"])
def test_format_round_trip(text):
    q = parse_quantity(text)
    assert format_quantity(q) == text.replace("≧", "≥")
    assert math.isclose(parse_quantity(format_quantity(q)).value, q.value, rel_tol=1e-12)
