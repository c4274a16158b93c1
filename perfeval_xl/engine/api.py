"""The engine's front door: one call per question a cell, the ribbon or a batch asks.

``score(15, "≥38000人", "36667人", "完成目标满分；低于目标每1%扣1分，扣完为止")`` → Score(value=11.49, …)
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from .criteria import UnrecognisedCriterion, parse_criterion
from .grades import grade as _grade
from .profile import NATIONAL, Profile
from .rates import Rate, completion_rate
from .rates import rate as _rate
from .rules import Rule, Score, default_rule, rule_by_name

__all__ = ["resolve_rule", "score", "completion", "grade", "rate"]


def resolve_rule(criterion: Any = None, target: Any = None, direction: str | None = None) -> Rule:
    """A Rule from: a Rule object, a rule name ("positive", "反向", "定性"), 评分标准 text, or — when
    nothing is given — the target's comparator. Unreadable text raises UnrecognisedCriterion."""
    if isinstance(criterion, Rule):
        return criterion
    if criterion is None or (isinstance(criterion, str) and not criterion.strip()):
        return default_rule(target, direction)
    return _rule_for_text(str(criterion))


@lru_cache(maxsize=8192)
def _rule_for_text(text: str) -> Rule:
    try:
        return rule_by_name(text)
    except KeyError:
        return parse_criterion(text)


def score(weight: Any, target: Any, actual: Any, criterion: Any = None, *, profile: Profile = NATIONAL,
          mark: Any = None, direction: str | None = None) -> Score:
    """Score one indicator. Never raises for bad data: the Score carries ``error`` instead."""
    try:
        rule = (_rule_for_text(criterion) if type(criterion) is str and criterion.strip()
                else resolve_rule(criterion, target, direction))
    except UnrecognisedCriterion as exc:
        w = weight if isinstance(weight, (int, float)) else 0.0
        return Score(None, float(w), "unrecognised", error=str(exc))
    return rule.score(weight, target, actual, mark=mark, profile=profile)


def completion(target: Any, actual: Any) -> Rate:
    return completion_rate(target, actual)


def grade(total: float, profile: Profile = NATIONAL) -> str:
    return _grade(total, profile)


def rate(kind: str, numerator: Any, denominator: Any) -> Rate:
    return _rate(kind, numerator, denominator)
