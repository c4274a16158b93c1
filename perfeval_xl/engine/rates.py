"""Rates (率), each returned with the base it was computed on.

Every function returns a :class:`Rate`: ``value`` is a fraction (0.7097 for 70.97%) or ``None`` with a
``reason`` when the rate is undefined (a zero denominator is said, never divided by). ``base`` names the
denominator, because 预算执行率 differs between frameworks (seed 003: 37.5% on 调整后预算, 43.83% on 到位资金).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .excelmath import excel_round
from .profile import EXECUTION_BASES, NATIONAL, Profile
from .quantity import Quantity, QuantityError, align, parse_quantity

__all__ = [
    "Rate",
    "RATE_KINDS",
    "rate",
    "funds_arrival_rate",
    "timely_arrival_rate",
    "execution_rate",
    "adjustment_rate",
    "procurement_execution_rate",
    "carryover_rate",
    "three_public_control_rate",
    "completion_rate",
    "quality_rate",
    "cost_saving_rate",
    "to_amount",
]

BASE_LABELS = {
    "arrived": "实际到位资金",
    "annual": "全年预算数",
    "adjusted": "调整后预算数",
    "adjusted_with_carryover": "调整后预算数（含上年结转）",
}


@dataclass(frozen=True)
class Rate:
    kind: str                    # "execution", "adjustment", …
    value: float | None          # fraction; None when undefined
    numerator: float | None
    denominator: float | None
    base: str                    # what the denominator is, in Chinese ("全年预算数")
    reason: str | None = None    # why value is None

    @property
    def percent(self) -> float | None:
        """The rate in percent, rounded to 2 decimals as forms print it (70.97)."""
        return None if self.value is None else excel_round(self.value * 100, 2)

    def text(self) -> str:
        if self.value is None:
            return f"无法计算（{self.reason}）"
        return f"{self.percent:.2f}%"


def to_amount(x: Any, what: str = "金额") -> float | None:
    """An amount cell ("220万元", 220, "２２０", None) as a number in the unit printed beside the form."""
    if x is None:
        return None
    q = parse_quantity(x)
    if q.status == "empty":
        return None
    q.require(what)
    return q.display_value if q.unit != "%" else q.value


def _ratio(kind: str, num: Any, den: Any, base: str, num_name: str, den_name: str) -> Rate:
    n = to_amount(num, num_name)
    d = to_amount(den, den_name)
    if n is None or d is None:
        missing = num_name if n is None else den_name
        return Rate(kind, None, n, d, base, f"缺少{missing}")
    if d == 0:
        return Rate(kind, None, n, d, base, f"{den_name}为0，比率无定义")
    return Rate(kind, n / d, n, d, base)


def funds_arrival_rate(arrived: Any, budget: Any) -> Rate:
    """资金到位率 = 实际到位资金 / 预算资金."""
    return _ratio("arrival", arrived, budget, "预算资金", "实际到位资金", "预算资金")


def timely_arrival_rate(timely: Any, due: Any) -> Rate:
    """到位及时率 = 及时到位资金 / 应到位资金."""
    return _ratio("timely", timely, due, "应到位资金", "及时到位资金", "应到位资金")


def execution_rate(
    spent: Any,
    *,
    arrived: Any = None,
    annual: Any = None,
    adjusted: Any = None,
    carryover: Any = None,
    base: str | None = None,
    profile: Profile = NATIONAL,
) -> Rate:
    """预算执行率 = 实际支出 / base; base from ``base`` or the profile (see BASE_LABELS)."""
    base = base or profile.execution_base
    if base not in EXECUTION_BASES:
        raise ValueError(f"预算执行率的口径须为 {EXECUTION_BASES} 之一，得到 {base!r}")
    if base == "adjusted_with_carryover":
        adj, carry = to_amount(adjusted, "调整后预算数"), to_amount(carryover, "上年结转") or 0.0
        den = None if adj is None else adj + carry
    else:
        den = {"arrived": arrived, "annual": annual, "adjusted": adjusted}[base]
    return _ratio("execution", spent, den, BASE_LABELS[base], "实际支出", BASE_LABELS[base])


def adjustment_rate(initial: Any, adjusted: Any) -> Rate:
    """预算调整率 = (调整后预算 − 年初预算) / 年初预算, signed; judge it on ``abs(value)``."""
    i = to_amount(initial, "年初预算数")
    a = to_amount(adjusted, "调整后预算数")
    if i is None or a is None:
        return Rate("adjustment", None, None, i, "年初预算数", "缺少年初预算数或调整后预算数")
    if i == 0:
        return Rate("adjustment", None, a, i, "年初预算数", "年初预算为0，调整率无定义")
    return Rate("adjustment", (a - i) / i, a - i, i, "年初预算数")


def procurement_execution_rate(executed: Any, budget: Any) -> Rate:
    """政府采购预算执行率 = 实际政府采购金额 / 政府采购预算."""
    return _ratio("procurement", executed, budget, "政府采购预算", "实际政府采购金额", "政府采购预算")


def carryover_rate(carryover_total: Any, budget: Any) -> Rate:
    """结转结余率 = 结转结余总额 / 支出预算数."""
    return _ratio("carryover", carryover_total, budget, "支出预算数", "结转结余总额", "支出预算数")


def three_public_control_rate(spent: Any, budget: Any) -> Rate:
    """三公经费控制率 = 实际支出 / 预算安排 (≤ 100% expected)."""
    return _ratio("three_public", spent, budget, "预算安排", "三公经费实际支出", "预算安排")


def quality_rate(passed: Any, produced: Any) -> Rate:
    """质量达标率 = 达标产出 / 实际产出."""
    return _ratio("quality", passed, produced, "实际产出", "达标产出", "实际产出")


def cost_saving_rate(planned: Any, actual: Any) -> Rate:
    """成本节约率 = (计划成本 − 实际成本) / 计划成本."""
    p = to_amount(planned, "计划成本")
    a = to_amount(actual, "实际成本")
    if p is None or a is None:
        return Rate("cost_saving", None, None, p, "计划成本", "缺少计划成本或实际成本")
    if p == 0:
        return Rate("cost_saving", None, p - a, p, "计划成本", "计划成本为0，节约率无定义")
    return Rate("cost_saving", (p - a) / p, p - a, p, "计划成本")


def completion_rate(target: Any, actual: Any) -> Rate:
    """实际完成率 for ≥, ≤ and = targets.

    * ≥ / = / no comparator: actual / target;
    * ≤ (costs, time): target / actual — 100% when actual equals the ceiling, above 100% when under it;
      an actual of 0 against a positive ceiling is fully met (value 1, reason says so).
    Units are aligned first (220 beside "≤310万元" is 220 万元); mismatched units raise UnitMismatch.
    """
    t, a = parse_quantity(target), parse_quantity(actual)
    try:
        tv, av, _unit = align(t, a)
    except QuantityError as exc:
        return Rate("completion", None, None, None, "目标值", str(exc))
    comp = t.comparator
    if comp in ("<=", "<"):
        if av == 0:
            return Rate("completion", 1.0 if tv >= 0 else 0.0, tv, av, "实际值", "实际值为0，未超出目标上限")
        return Rate("completion", tv / av, tv, av, "实际值")
    if tv == 0:
        return Rate("completion", None, av, tv, "目标值", "目标值为0，完成率无定义")
    return Rate("completion", av / tv, av, tv, "目标值")



#: PE_RATE kinds: English key and Chinese aliases → function of (numerator, denominator)
RATE_KINDS = {
    "arrival": funds_arrival_rate, "资金到位率": funds_arrival_rate, "到位率": funds_arrival_rate,
    "timely": timely_arrival_rate, "到位及时率": timely_arrival_rate,
    "execution": lambda n, d: execution_rate(n, annual=d, base="annual"),
    "预算执行率": lambda n, d: execution_rate(n, annual=d, base="annual"),
    "执行率": lambda n, d: execution_rate(n, annual=d, base="annual"),
    "adjustment": adjustment_rate, "预算调整率": adjustment_rate, "调整率": adjustment_rate,
    "procurement": procurement_execution_rate, "政府采购执行率": procurement_execution_rate,
    "政府采购预算执行率": procurement_execution_rate,
    "carryover": carryover_rate, "结转结余率": carryover_rate,
    "three_public": three_public_control_rate, "三公经费控制率": three_public_control_rate,
    "completion": completion_rate, "完成率": completion_rate, "实际完成率": completion_rate,
    "quality": quality_rate, "质量达标率": quality_rate,
    "cost_saving": cost_saving_rate, "成本节约率": cost_saving_rate,
}


def rate(kind: str, numerator: Any, denominator: Any) -> Rate:
    """Dispatch by kind name (English or Chinese). For adjustment: (年初, 调整后); cost_saving: (计划, 实际);
    completion: (目标值, 实际值)."""
    key = str(kind).strip()
    fn = RATE_KINDS.get(key) or RATE_KINDS.get(key.lower())
    if fn is None:
        raise ValueError(f"未知的比率类型‘{kind}’（可用：{'、'.join(k for k in RATE_KINDS if not k.isascii())}）")
    return fn(numerator, denominator)
