"""Scoring rules (评分规则): what a 评分标准 says, as objects that score an indicator.

Every rule has ``score(weight, target, actual, mark=None, profile=NATIONAL) -> Score``. The result is
clamped to [0, weight] and rounded to 2 decimals with Excel's ROUND. A rule that needs a judgement it
was not given (items, qualitative tiers, a pass/fail on words) returns ``value=None`` with ``error`` saying
what is missing — never a silent default.

Every rule also has ``excel(w, t, a)``: the same arithmetic as a plain Excel formula over numeric
expressions ``w`` (weight), ``t`` (target) and ``a`` (actual, aligned to the target's unit), which is
what ``perfeval-xl freeze`` writes in place of a ``PE_SCORE`` call.

Rule vocabulary (RULES.md):

==================  =====================================================================
``Positive``         ≥ target: full marks when met, else actual/target × weight
``Reverse``          ≤ target: full when met, else by convention ratio | linear | deduct
``Equal``            = target: proportional as positive; target 0 → full only if actual ≤ 0
``DeductBelow``      低于目标每 per% 扣 points 分，扣完为止 (fractional percents count)
``DeductOver``       每超 per% 扣 points 分，扣完为止
``PassFail``         完成目标满分；未完成0分
``RateTimesWeight``  按到位率×3分得分 / 得分(20分*执行率), capped at the weight
``Bands``            95(含)以上10分，90(含)-95 8分 … 75以下0分
``Items``            1、…(1分) 2、…(1分): the evaluator marks each item
``Qualitative``      达成 80–100% · 部分达成 60–80% · 未达成 0–60% (edges from the profile)
``BudgetExecution``  预算执行率 × weight, capped
==================  =====================================================================
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, Sequence

from .excelmath import excel_round
from .profile import CONVENTION_LABELS, NATIONAL, Profile
from .quantity import PERCENT, Quantity, QuantityError, _parse_text, align, as_fraction, normalize_text, parse_quantity

__all__ = [
    "Score",
    "Rule",
    "Positive",
    "Reverse",
    "Equal",
    "DeductBelow",
    "DeductOver",
    "PassFail",
    "RateTimesWeight",
    "Bands",
    "Items",
    "Qualitative",
    "BudgetExecution",
    "RULES_BY_NAME",
    "rule_by_name",
    "default_rule",
    "judge_met",
]


@dataclass(slots=True)
class Score:
    value: float | None                 # rounded, clamped score; None when it cannot be computed
    weight: float
    rule: str                           # the rule's name ("deduct_below")
    completion: float | None = None     # completion fraction used (0.9649)
    met: bool | None = None             # target met?
    over_completed: bool = False        # actual ≥ over_completion × target
    why: Any = ""                       # how the score was reached: text, or a callable making it (lazy)
    error: str | None = None            # why value is None (Chinese)
    range: tuple[float, float] | None = None   # admissible score range (qualitative tiers)

    @property
    def explanation(self) -> str:
        """Chinese: how the score was reached (formatted on demand; batches rarely read it)."""
        return self.why() if callable(self.why) else str(self.why)

    @property
    def ok(self) -> bool:
        return self.value is not None


def _finish(raw: float, weight: float) -> float:
    return excel_round(0.0 if raw < 0 else weight if raw > weight else raw, 2)


def _num(x: Any) -> float:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    q = parse_quantity(x).require("分值")
    return float(q.display_value)  # type: ignore[arg-type]


def _pct(x: float) -> str:
    return f"{excel_round(x * 100, 2):.2f}%"


def _fmt(x: float) -> str:
    s = f"{excel_round(x, 2):.2f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


_YES = ("已完成", "完成", "达成", "达到", "实现", "符合", "合格", "有效", "及时", "满意", "是", "已", "通过", "公开招标", "按时", "到位")
_NO = ("未完成", "未达成", "未达到", "未实现", "不符合", "不合格", "无效", "不及时", "不满意", "否", "未", "没有", "滞后", "延期", "未支出", "未开展")


def judge_met(target: Any, actual: Any, mark: Any = None) -> tuple[bool | None, str]:
    """Was the target met? From an explicit mark (True/False, "完成"/"未完成"), from numbers, or from words.

    Returns (met, how) where met is None when nothing decides it.
    """
    if isinstance(mark, bool):
        return mark, "评价人判定"
    if isinstance(mark, str) and mark.strip():
        w = _word_met(mark)
        if w is not None:
            return w, f"评价人判定‘{mark}’"
    t, a = parse_quantity(target), parse_quantity(actual)
    if t.is_number and a.is_number:
        try:
            tv, av, _ = align(t, a)
        except QuantityError as exc:
            return None, str(exc)
        return _compare(t.comparator, av, tv), "按数值比较"
    if a.status == "unquantified" or (a.status == "invalid" and isinstance(actual, str)):
        w = _word_met(str(actual))
        if w is not None:
            return w, f"实际值表述‘{actual}’"
    return None, "无法判定是否完成，需评价人标注（完成/未完成）"


def _word_met(text: str) -> bool | None:
    s = normalize_text(text)
    if any(n in s for n in _NO):
        return False
    if any(y in s for y in _YES):
        return True
    return None


def _compare(comparator: str | None, a: float, t: float) -> bool:
    if comparator in (None, ">="):
        return a >= t or math.isclose(a, t, rel_tol=1e-12)
    if comparator == ">":
        return a > t
    if comparator == "<=":
        return a <= t or math.isclose(a, t, rel_tol=1e-12)
    if comparator == "<":
        return a < t
    return math.isclose(a, t, rel_tol=1e-9, abs_tol=1e-12)


#: what _aligned returns as the target when both are plain numbers: the rules read only its comparator (none)
_PLAIN_TARGET = Quantity("", "number")


def _aligned(target: Any, actual: Any) -> tuple[Quantity, float, float]:
    tt, ta = type(target), type(actual)
    if (tt is float or tt is int) and (ta is float or ta is int):   # a filled table's commonest row
        tv, av = float(target), float(actual)
        if tv - tv == 0 and av - av == 0:     # finite (else parse_quantity says why not)
            return _PLAIN_TARGET, tv, av
    t = _parse_text(target) if type(target) is str else parse_quantity(target)
    a = _parse_text(actual) if type(actual) is str else parse_quantity(actual)
    if t.unit == a.unit and t.status == "number" and a.status == "number":  # the common case, no conversion
        return t, t.value, a.value  # type: ignore[return-value]
    tv, av, _ = align(t, a)
    return t, tv, av


class Rule:
    """Base class. Subclasses set ``name`` and ``label`` and implement ``_score``."""

    name: ClassVar[str] = "rule"
    label: ClassVar[str] = "规则"

    def score(self, weight: Any, target: Any = None, actual: Any = None, mark: Any = None,
              profile: Profile = NATIONAL) -> Score:
        try:
            w = float(weight) if type(weight) in (int, float) else _num(weight)
        except QuantityError as exc:
            return Score(None, 0.0, self.name, error=str(exc))
        if w < 0:
            return Score(None, w, self.name, error=f"分值为负数（{_fmt(w)}）")
        try:
            return self._score(w, target, actual, mark, profile)
        except QuantityError as exc:
            return Score(None, w, self.name, error=str(exc))

    def _score(self, w: float, target: Any, actual: Any, mark: Any, profile: Profile) -> Score:
        raise NotImplementedError

    def excel(self, w: str, t: str, a: str) -> str:
        """The rule as a native Excel formula over numeric expressions (no leading "=")."""
        raise NotImplementedError(f"规则‘{self.label}’没有对应的普通公式")

    def describe(self) -> str:
        return self.label


def _over(completion: float, profile: Profile) -> bool:
    return completion >= profile.over_completion - 1e-12


@dataclass(frozen=True)
class Positive(Rule):
    """≥ target: full marks when met, else actual/target × weight."""

    name: ClassVar[str] = "positive"
    label: ClassVar[str] = "正向指标：完成满分，未完成按比例得分"

    def _score(self, w, target, actual, mark, profile):
        t, tv, av = _aligned(target, actual)
        if tv == 0:
            met = av >= 0
            return Score(_finish(w if met else 0, w), w, self.name, None, met, why=lambda: "目标值为0")
        c = av / tv
        met = _compare(t.comparator, av, tv)
        raw = w if met else c * w
        return Score(_finish(raw, w), w, self.name, c, met, _over(c, profile),
                     lambda: f"完成率{_pct(c)}" + ("，完成目标得满分" if met else f"，按比例得{_fmt(raw)}分"))

    def excel(self, w, t, a):
        return f"ROUND(MAX(0,MIN({w},IF({a}>={t},{w},{a}/{t}*{w}))),2)"


@dataclass(frozen=True)
class Reverse(Rule):
    """≤ target (costs, time): full when actual ≤ target; otherwise by ``convention``:
    ``ratio`` target/actual × weight; ``linear`` weight × (2 − actual/target), 0 at 2× target;
    ``deduct`` weight − points × over%/per."""

    convention: str | None = None     # None: from the profile
    points: float | None = None
    per: float | None = None
    name: ClassVar[str] = "reverse"
    label: ClassVar[str] = "反向指标：不超过目标满分，超出按约定扣分"

    def _params(self, profile: Profile) -> tuple[str, float, float]:
        return (self.convention or profile.reverse_convention,
                self.points if self.points is not None else profile.reverse_deduct_points,
                self.per if self.per is not None else profile.reverse_deduct_per)

    def _score(self, w, target, actual, mark, profile):
        t, tv, av = _aligned(target, actual)
        conv, points, per = self._params(profile)
        met = _compare(t.comparator if t.comparator in ("<=", "<") else "<=", av, tv)
        if met:
            c = 1.0 if av == 0 else tv / av
            return Score(_finish(w, w), w, self.name, c, True, why=lambda: "未超出目标值，得满分")
        if tv <= 0:
            return Score(_finish(0, w), w, self.name, 0.0, False, why=lambda: "目标上限为0而实际值超出")
        over = (av - tv) / tv
        if conv == "ratio":
            raw = tv / av * w
        elif conv == "linear":
            raw = w * (1 - over)
        else:
            raw = w - points * (over * 100) / per
        return Score(_finish(raw, w), w, self.name, tv / av, False,
                     why=lambda: f"超出目标{_pct(over)}，按{CONVENTION_LABELS.get(conv, conv)}口径得{_fmt(max(raw, 0))}分")

    def excel(self, w, t, a):
        conv = self.convention or NATIONAL.reverse_convention
        if conv == "ratio":
            miss = f"{t}/{a}*{w}"
        elif conv == "linear":
            miss = f"{w}*(2-{a}/{t})"
        else:
            points = self.points if self.points is not None else NATIONAL.reverse_deduct_points
            per = self.per if self.per is not None else NATIONAL.reverse_deduct_per
            miss = f"{w}-{points}*(({a}-{t})/{t}*100)/{per}"
        return f"ROUND(MAX(0,MIN({w},IF({a}<={t},{w},{miss}))),2)"


@dataclass(frozen=True)
class Equal(Rule):
    """= target: proportional as positive (capped); target 0 → full only if actual ≤ 0."""

    name: ClassVar[str] = "equal"
    label: ClassVar[str] = "等于目标：达到满分，否则按比例得分"

    def _score(self, w, target, actual, mark, profile):
        _t, tv, av = _aligned(target, actual)
        if tv == 0:
            met = av <= 0
            return Score(_finish(w if met else 0, w), w, self.name, None, met, why=lambda: "目标值为0")
        c = av / tv
        met = math.isclose(av, tv, rel_tol=1e-9)
        raw = w if met else min(c, 1.0) * w
        return Score(_finish(raw, w), w, self.name, c, met, why=lambda: f"完成率{_pct(c)}")

    def excel(self, w, t, a):
        return f"ROUND(MAX(0,MIN({w},IF({t}=0,IF({a}<=0,{w},0),MIN(1,{a}/{t})*{w}))),2)"


@dataclass(frozen=True)
class DeductBelow(Rule):
    """完成目标满分；低于目标每 ``per``% 扣 ``points`` 分，扣完为止 (fractional percents count:
    96.49% → 15 − 3.51 = 11.49)."""

    points: float = 1.0
    per: float = 1.0
    name: ClassVar[str] = "deduct_below"
    label: ClassVar[str] = "低于目标按百分点扣分，扣完为止"

    def _score(self, w, target, actual, mark, profile):
        t, tv, av = _aligned(target, actual)
        if tv == 0:
            return Score(_finish(w, w), w, self.name, None, True, why=lambda: "目标值为0")
        c = av / tv
        met = _compare(t.comparator, av, tv)
        if met:
            return Score(_finish(w, w), w, self.name, c, True, _over(c, profile), lambda: f"完成率{_pct(c)}，完成目标得满分")
        shortfall = (1 - c) * 100
        deduction = self.points * shortfall / self.per
        return Score(_finish(w - deduction, w), w, self.name, c, False,
                     why=lambda: f"完成率{_pct(c)}，低于目标{_fmt(shortfall)}个百分点，扣{_fmt(deduction)}分")

    def excel(self, w, t, a):
        return f"ROUND(MAX(0,MIN({w},IF({a}>={t},{w},{w}-{_fmt(self.points)}*(100-{a}/{t}*100)/{_fmt(self.per)}))),2)"

    def describe(self):
        return f"低于目标每{_fmt(self.per)}%扣{_fmt(self.points)}分，扣完为止"


@dataclass(frozen=True)
class DeductOver(Rule):
    """完成目标满分；每超 ``per``% 扣 ``points`` 分，扣完为止 (for ≤ targets: costs)."""

    points: float = 1.0
    per: float = 1.0
    name: ClassVar[str] = "deduct_over"
    label: ClassVar[str] = "超出目标按百分点扣分，扣完为止"

    def _score(self, w, target, actual, mark, profile):
        _t, tv, av = _aligned(target, actual)
        if av <= tv:
            return Score(_finish(w, w), w, self.name, (tv / av) if av else 1.0, True, why=lambda: "未超出目标，得满分")
        if tv <= 0:
            return Score(_finish(0, w), w, self.name, 0.0, False, why=lambda: "目标上限为0而实际值超出")
        over = (av - tv) / tv * 100
        deduction = self.points * over / self.per
        return Score(_finish(w - deduction, w), w, self.name, tv / av, False,
                     why=lambda: f"超出目标{_fmt(over)}%，扣{_fmt(deduction)}分")

    def excel(self, w, t, a):
        return f"ROUND(MAX(0,MIN({w},IF({a}<={t},{w},{w}-{_fmt(self.points)}*(({a}-{t})/{t}*100)/{_fmt(self.per)}))),2)"

    def describe(self):
        return f"每超{_fmt(self.per)}%扣{_fmt(self.points)}分，扣完为止"


@dataclass(frozen=True)
class PassFail(Rule):
    """完成目标满分；未完成0分."""

    name: ClassVar[str] = "pass_fail"
    label: ClassVar[str] = "完成目标满分，未完成0分"

    def _score(self, w, target, actual, mark, profile):
        met, how = judge_met(target, actual, mark)
        if met is None:
            return Score(None, w, self.name, error=how)
        return Score(_finish(w if met else 0, w), w, self.name, None, met,
                     why=lambda: ("完成目标得满分" if met else "未完成目标得0分") + f"（{how}）")

    def excel(self, w, t, a):
        return f"IF({a}>={t},{w},0)"


@dataclass(frozen=True)
class RateTimesWeight(Rule):
    """资金到位率100%得3分，未100%完成按到位率×3分 / 得分(20分*执行率): min(rate, 1) × weight.

    The actual is the rate itself (70.97%, 0.7097) — or an amount, then the rate is actual/target.
    """

    rate_name: str = "完成率"
    name: ClassVar[str] = "rate_times_weight"
    label: ClassVar[str] = "按比率×分值得分"

    def _score(self, w, target, actual, mark, profile):
        a = parse_quantity(actual).require("实际值")
        t = parse_quantity(target)
        if a.unit == PERCENT or (a.is_bare and not (t.is_number and t.unit not in (None, PERCENT))):
            r = a.value if a.unit == PERCENT else as_fraction(a.value)  # type: ignore[arg-type]
        else:
            _t, tv, av = _aligned(target, actual)
            if tv == 0:
                return Score(None, w, self.name, error="目标值为0，比率无定义")
            r = av / tv
        raw = min(r, 1.0) * w
        return Score(_finish(raw, w), w, self.name, r, r >= 1 - 1e-12,
                     why=lambda: f"{self.rate_name}{_pct(r)}×{_fmt(w)}分={_fmt(raw)}分")

    def excel(self, w, t, a):
        return f"ROUND(MAX(0,MIN({w},{a}/{t}*{w})),2)"

    def describe(self):
        return f"按{self.rate_name}×分值得分"


@dataclass(frozen=True)
class Bands(Rule):
    """A lookup table from the text: ((lower bound in percent points, inclusive?, points), …), highest first.

    "95(含)以上计10分，90(含)-95计8分 … 75以下计0分": 94.69% → 8.
    """

    bands: tuple[tuple[float, bool, float], ...] = ()
    floor_points: float = 0.0        # points below the lowest band
    name: ClassVar[str] = "bands"
    label: ClassVar[str] = "分档计分"

    def _score(self, w, target, actual, mark, profile):
        a = parse_quantity(actual).require("实际值")
        v = a.value * 100 if a.unit == PERCENT else (as_fraction(a.value) * 100 if a.is_bare else a.value)  # type: ignore[operator]
        v = excel_round(v, 10)
        for lower, inclusive, pts in self.bands:
            if v > lower or (inclusive and v >= lower):
                return Score(_finish(pts, w), w, self.name, v / 100, None,
                             why=lambda: f"实际值{_fmt(v)}落在{_fmt(lower)}{'(含)' if inclusive else ''}以上档，计{_fmt(pts)}分")
        return Score(_finish(self.floor_points, w), w, self.name, v / 100, None,
                     why=lambda: f"实际值{_fmt(v)}低于最低档，计{_fmt(self.floor_points)}分")

    def excel(self, w, t, a):
        expr = _fmt(self.floor_points)
        for lower, inclusive, pts in reversed(self.bands):
            op = ">=" if inclusive else ">"
            expr = f"IF({a}*100{op}{_fmt(lower)},{_fmt(pts)},{expr})"
        return f"MIN({w},{expr})"

    def describe(self):
        parts = [f"{_fmt(lo)}{'(含)' if inc else ''}以上{_fmt(p)}分" for lo, inc, p in self.bands]
        return "；".join(parts) + f"；以下{_fmt(self.floor_points)}分"


@dataclass(frozen=True)
class Items(Rule):
    """Itemised: "1、…(1分) 2、…(1分)". ``mark`` is a list of booleans / points per item, or the points
    earned in total. Without a mark the score cannot be computed."""

    items: tuple[tuple[str, float], ...] = ()
    name: ClassVar[str] = "items"
    label: ClassVar[str] = "分项计分"

    @property
    def total(self) -> float:
        return math.fsum(p for _, p in self.items)

    def _score(self, w, target, actual, mark, profile):
        if mark is None or mark == "":
            return Score(None, w, self.name, error=f"分项计分（{len(self.items)}项，共{_fmt(self.total)}分）需评价人逐项判定",
                         range=(0.0, min(w, self.total)))
        if isinstance(mark, (list, tuple)):
            if len(mark) != len(self.items):
                return Score(None, w, self.name, error=f"分项判定数（{len(mark)}）与评分标准项数（{len(self.items)}）不一致")
            got = 0.0
            for (label, pts), m in zip(self.items, mark):
                if isinstance(m, bool) or m is None:
                    got += pts if m else 0.0
                else:
                    got += min(float(m), pts)
            return Score(_finish(got, w), w, self.name, None, got >= self.total,
                         why=lambda: f"分项得分合计{_fmt(got)}分")
        got = _num(mark)
        return Score(_finish(got, w), w, self.name, None, got >= self.total, why=lambda: f"分项得分{_fmt(got)}分")

    def describe(self):
        return "分项计分：" + "；".join(f"{lbl}（{_fmt(p)}分）" for lbl, p in self.items)


_TIERS = {"达成": "full", "完全达成": "full", "已达成": "full", "部分达成": "partial", "基本达成": "partial",
          "未达成": "none", "未完成": "none", "完成": "full", "部分完成": "partial", "基本完成": "partial"}


@dataclass(frozen=True)
class Qualitative(Rule):
    """定性三档: 达成 → [upper, 1]·w, 部分达成 → [lower, upper)·w, 未达成 → [0, lower)·w.

    ``actual`` (or ``mark``) may be a degree (50%, 0.5 → 0.5 × w) or a tier word (the tier's top is scored
    and ``range`` gives the admissible range).
    """

    name: ClassVar[str] = "qualitative"
    label: ClassVar[str] = "定性指标：达成/部分达成/未达成三档"

    def tier_range(self, tier: str, profile: Profile) -> tuple[float, float]:
        up, lo = profile.tier_upper, profile.tier_lower
        return {"full": (up, 1.0), "partial": (lo, up), "none": (0.0, lo)}[tier]

    def _score(self, w, target, actual, mark, profile):
        src = mark if mark not in (None, "") else actual
        if src in (None, ""):
            return Score(None, w, self.name, error="定性指标需评价人判定档次（达成/部分达成/未达成）或给出达成程度")
        q = parse_quantity(src)
        if q.is_number and q.unit in (None, PERCENT):
            d = q.value if q.unit == PERCENT else as_fraction(q.value)  # type: ignore[arg-type]
            tier = "full" if d >= profile.tier_upper else "partial" if d >= profile.tier_lower else "none"
            lo, hi = self.tier_range(tier, profile)
            return Score(_finish(d * w, w), w, self.name, d, tier == "full", range=(lo * w, hi * w),
                         why=lambda: f"达成程度{_pct(d)}，得{_fmt(min(d, 1) * w)}分")
        word = normalize_text(str(src))
        for key in sorted(_TIERS, key=len, reverse=True):
            if key in word:
                tier = _TIERS[key]
                lo, hi = self.tier_range(tier, profile)
                return Score(_finish(hi * w, w), w, self.name, None, tier == "full", range=(lo * w, hi * w),
                             why=lambda: f"判定为‘{key}’，得分区间{_fmt(lo * w)}–{_fmt(hi * w)}分")
        return Score(None, w, self.name, error=f"无法从‘{src}’判定定性档次")

    def excel(self, w, t, a):
        return f"ROUND(MAX(0,MIN({w},{a}*{w})),2)"


@dataclass(frozen=True)
class BudgetExecution(Rule):
    """预算执行率得分 = 执行率 × 分值, capped at the weight (national). ``actual`` is the rate."""

    name: ClassVar[str] = "budget_execution"
    label: ClassVar[str] = "预算执行率×分值"

    def _score(self, w, target, actual, mark, profile):
        a = parse_quantity(actual).require("预算执行率")
        r = a.value if a.unit == PERCENT else as_fraction(a.value)  # type: ignore[arg-type]
        raw = min(max(r, 0.0), 1.0) * w
        return Score(_finish(raw, w), w, self.name, r, r >= 1 - 1e-12,
                     why=lambda: f"预算执行率{_pct(r)}×{_fmt(w)}分={_fmt(raw)}分")

    def excel(self, w, t, a):
        return f"ROUND(MAX(0,MIN({w},{a}*{w})),2)"


RULES_BY_NAME: dict[str, type[Rule]] = {
    cls.name: cls
    for cls in (Positive, Reverse, Equal, DeductBelow, DeductOver, PassFail, RateTimesWeight, Bands, Items,
                Qualitative, BudgetExecution)
}
_CN_NAMES = {
    "正向": "positive", "反向": "reverse", "等于": "equal", "扣分": "deduct_below", "超出扣分": "deduct_over",
    "完成满分": "pass_fail", "是否完成": "pass_fail", "比率": "rate_times_weight", "定性": "qualitative",
    "执行率": "budget_execution",
    # the short names the shared benchmark workbooks (and English templates) write: 按比例 and 比率×分值
    "ratio": "positive", "proportional": "positive", "按比例": "positive", "pct": "rate_times_weight",
    "rate": "rate_times_weight",
}


@lru_cache(maxsize=1024)
def rule_by_name(name: str) -> Rule:
    """A rule from its name ("positive", "reverse", "正向", "定性" …) with default parameters."""
    if len(name) > 24:
        raise KeyError(name)
    key = normalize_text(name).lower()
    key = _CN_NAMES.get(key, key)
    cls = RULES_BY_NAME.get(key)
    if cls is None or cls in (Bands, Items):
        raise KeyError(name)
    return cls()


def default_rule(target: Any, direction: str | None = None) -> Rule:
    """The rule implied by the target's comparator (or the 指标性质 column) when no 评分标准 is printed."""
    d = normalize_text(direction) if isinstance(direction, str) and direction else ""   # a number there says nothing
    if d in ("反向", "≤", "<=", "<", "逆向"):
        return _DEFAULTS["reverse"]
    if d in ("定性",):
        return _DEFAULTS["qualitative"]
    if d in ("=", "等于"):
        return _DEFAULTS["equal"]
    t = parse_quantity(target)
    if t.is_number:
        if t.comparator in ("<=", "<"):
            return _DEFAULTS["reverse"]
        if t.comparator == "=":
            return _DEFAULTS["equal"]
        return _DEFAULTS["positive"]
    if d in ("正向", "≥", ">=", ">"):
        return _DEFAULTS["positive"]
    return _DEFAULTS["pass_fail"]


#: the rules default_rule gives, made once (they are frozen, and equal to any new instance of their kind)
_DEFAULTS: dict[str, Rule] = {"positive": Positive(), "reverse": Reverse(), "equal": Equal(),
                              "qualitative": Qualitative(), "pass_fail": PassFail()}
