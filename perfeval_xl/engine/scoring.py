"""Score a whole form: indicators → 二级 → 一级 → 总分 → 等级, plus the budget block's rates and points.

``score_indicator`` picks the rule (printed 评分标准 first, else the 指标性质 / target comparator) and
scores one row. ``score_form`` scores every row and aggregates. Where the engine cannot judge a row
(items and qualitative tiers with no mark, pass/fail on words it cannot read), the total uses the
evaluator's stated score for that row and lists the row in ``FormScore.judged``; a row whose criterion
cannot be read at all is listed in ``FormScore.errors`` with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Form, Indicator
from .criteria import try_parse_criterion
from .excelmath import excel_round, fsum_round
from .grades import grade
from .profile import NATIONAL, Profile
from .quantity import parse_quantity
from .rates import (
    Rate,
    adjustment_rate,
    execution_rate,
    funds_arrival_rate,
    procurement_execution_rate,
)
from .rules import BudgetExecution, Qualitative, Rule, Score, default_rule

__all__ = ["FormScore", "rule_for", "score_indicator", "score_form", "budget_rates"]

UNCLASSIFIED = "未分类"


def rule_for(indicator: Indicator) -> tuple[Rule | None, str | None]:
    """(rule, None) — or (None, reason) when the printed 评分标准 cannot be read."""
    rule, reason = try_parse_criterion(indicator.criterion)
    if rule is not None:
        return rule, None
    if reason is not None:
        return None, reason
    return default_rule(indicator.target, indicator.direction), None


def score_indicator(indicator: Indicator, profile: Profile = NATIONAL) -> Score:
    """Score one 三级指标 row with the rule its 评分标准 (or direction) implies."""
    weight = indicator.weight if indicator.weight is not None else 0.0
    rule, reason = rule_for(indicator)
    if rule is None:
        return Score(None, float(weight), "unrecognised", error=reason)
    target = indicator.target
    if indicator.unit and parse_quantity(target).is_bare:
        target = parse_quantity(target, unit_hint=indicator.unit)
    actual = indicator.actual
    if indicator.unit and parse_quantity(actual).is_bare:
        actual = parse_quantity(actual, unit_hint=indicator.unit)
    if isinstance(rule, Qualitative) and indicator.actual is None and indicator.progress is not None:
        actual = indicator.progress
    return rule.score(weight, target, actual, mark=indicator.mark, profile=profile)


@dataclass
class FormScore:
    form: Form
    scores: list[tuple[Indicator, Score]] = field(default_factory=list)
    levels: dict[str, float] = field(default_factory=dict)            # 一级 totals (recomputed)
    groups: dict[tuple[str, str], float] = field(default_factory=dict)  # (一级, 二级) totals
    budget: Score | None = None          # 预算执行率 points on 自评表
    execution: Rate | None = None
    adjustment: Rate | None = None
    arrival: Rate | None = None
    procurement: Rate | None = None
    total: float | None = None
    grade: str | None = None
    judged: list[Indicator] = field(default_factory=list)   # rows scored by the evaluator's stated score
    errors: list[tuple[Indicator, str]] = field(default_factory=list)
    #: the indicators the form marks as not scored ("/", 不适用), left out of every total
    not_applicable: list[Indicator] = field(default_factory=list)
    #: the total is the applicable indicators' scores brought to the full weight (折算, as some regions' forms say to
    #: score), because the form's own total is so; else it is their plain sum
    prorated: bool = False

    def score_of(self, indicator: Indicator) -> Score | None:
        for ind, s in self.scores:
            if ind is indicator:
                return s
        return None


def prorated_total(form: Form, plain: float, with_budget: bool) -> float | None:
    """The applicable indicators' scores (``plain``) brought to the form's full weight, as some regions' forms say to
    score when an indicator does not apply: plain / applicable weight × full weight, to two decimals
    (``with_budget``: the budget block's points are in ``plain``). None when a weight is missing."""
    applicable = [i.weight for i in form.indicators if not i.not_applicable]
    every = [i.weight for i in form.indicators]
    if any(w is None for w in every):
        return None
    budget_w = form.budget.weight if with_budget and form.budget is not None and form.budget.weight else 0.0
    part = fsum_round([*applicable, budget_w])
    full = form.total_weight or fsum_round([*every, budget_w])
    if not part or not full:
        return None
    return excel_round(plain / part * full, 2)


def budget_rates(form: Form, profile: Profile = NATIONAL) -> dict[str, Rate | None]:
    """execution / adjustment / arrival / procurement rates of the form's budget block."""
    b = form.budget
    if b is None:
        return {"execution": None, "adjustment": None, "arrival": None, "procurement": None}
    base = b.rate_base or profile.execution_base
    # fall back to the base the form can support
    available = {"annual": b.annual, "adjusted": b.adjusted, "arrived": b.arrived,
                 "adjusted_with_carryover": b.adjusted}
    if available.get(base) is None:
        for alt in ("annual", "adjusted", "arrived"):
            if available[alt] is not None:
                base = alt
                break
    execution = None
    if b.executed is not None:
        execution = execution_rate(b.executed, arrived=b.arrived, annual=b.annual, adjusted=b.adjusted,
                                   carryover=b.carryover, base=base, profile=profile)
    # the budget after the year's adjustments: 调整后预算数, or on the standard form its 全年预算数 (年初 + 追加/调减)
    after = b.adjusted if b.adjusted is not None else b.annual
    adjustment = adjustment_rate(b.initial, after) if b.initial is not None and after is not None else None
    budget_for_arrival = b.annual if b.annual is not None else (b.adjusted if b.adjusted is not None else b.initial)
    arrival = funds_arrival_rate(b.arrived, budget_for_arrival) if b.arrived is not None and budget_for_arrival is not None else None
    procurement = (procurement_execution_rate(b.procurement_executed, b.procurement_budget)
                   if b.procurement_budget is not None and b.procurement_executed is not None else None)
    return {"execution": execution, "adjustment": adjustment, "arrival": arrival, "procurement": procurement}


def score_form(form: Form, profile: Profile = NATIONAL) -> FormScore:
    """Score every indicator, the budget block, and aggregate to levels, total and grade."""
    fs = FormScore(form=form)
    rates = budget_rates(form, profile)
    fs.execution, fs.adjustment = rates["execution"], rates["adjustment"]
    fs.arrival, fs.procurement = rates["arrival"], rates["procurement"]

    effective: list[tuple[str, str | None, float | None]] = []
    for ind in form.indicators:
        s = score_indicator(ind, profile)
        fs.scores.append((ind, s))
        if ind.not_applicable:
            fs.not_applicable.append(ind)
            continue
        value = s.value
        if value is None:
            if s.rule == "unrecognised":
                fs.errors.append((ind, s.error or ""))
            if ind.score_stated is not None:
                fs.judged.append(ind)
                value = float(ind.score_stated)
        effective.append((ind.level1 or UNCLASSIFIED, ind.level2, value))

    b = form.budget
    if b is not None and b.weight and fs.execution is not None and fs.execution.value is not None:
        fs.budget = BudgetExecution().score(b.weight, None, fs.execution.value, profile=profile)
        effective.append(("预算执行率", None, fs.budget.value))

    levels: dict[str, list[float | None]] = {}
    groups: dict[tuple[str, str], list[float | None]] = {}
    for l1, l2, v in effective:
        levels.setdefault(l1, []).append(v)
        if l2:
            groups.setdefault((l1, l2), []).append(v)
    fs.levels = {k: fsum_round(v) for k, v in levels.items()}
    fs.groups = {k: fsum_round(v) for k, v in groups.items()}

    if effective:
        fs.total = fsum_round(v for _, _, v in effective)
        if fs.not_applicable:
            prorated = prorated_total(form, fs.total, fs.budget is not None)
            if (prorated is not None and form.total_stated is not None
                    and abs(prorated - form.total_stated) <= profile.tolerance):
                fs.total, fs.prorated = prorated, True
    elif form.levels:
        stated = [lv.get("score") for lv in form.levels.values()]
        if any(v is not None for v in stated):
            fs.levels = {k: float(lv["score"]) for k, lv in form.levels.items() if lv.get("score") is not None}
            fs.total = fsum_round(stated)
    if fs.total is not None:
        fs.grade = grade(fs.total, profile)
    return fs
