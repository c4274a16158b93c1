"""评分标准 text → rule: read the printed criterion the way an evaluator does.

``parse_criterion("完成目标满分；低于目标每1%扣1分，扣完为止")`` gives ``DeductBelow(points=1, per=1)``.
Text it cannot read raises :class:`UnrecognisedCriterion` naming the text — never a silent default.
The patterns are tried most specific first: bands, items, per-percent deductions, rate × weight,
pass/fail, proportional, qualitative tiers.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .quantity import normalize_text
from .rules import (
    Bands,
    DeductBelow,
    DeductOver,
    Items,
    PassFail,
    Positive,
    Qualitative,
    RateTimesWeight,
    Rule,
)

__all__ = ["UnrecognisedCriterion", "parse_criterion", "try_parse_criterion"]

_N = r"(\d+(?:\.\d+)?)"
_TIMES = r"[*×xX]"


class UnrecognisedCriterion(ValueError):
    """The 评分标准 text matches none of the known rules."""

    def __init__(self, text: str):
        self.text = text
        super().__init__(f"无法识别的评分标准：‘{text}’（可识别：按比例、每低/超1%扣分、完成满分未完成0分、分档、分项、比率×分值、定性三档）")


_BAND_TOP = re.compile(_N + r"%?(\(含\))?(?:分|%)?(?:及|或)?以上(?:的)?(?:计|得|为)?" + _N + r"分")
_BAND_MID = re.compile(_N + r"%?(\(含\))?(?:分)?[-—–~～至到]" + _N + r"%?(?:\(不含\))?(?:分)?(?:之间)?(?:的)?(?:计|得|为)?" + _N + r"分")
_BAND_LOW = re.compile(_N + r"%?(?:分)?(?:以下|以内)(?:的)?(?:计|得|为)?" + _N + r"分")
_ITEM = re.compile(r"(?:^|[;；。\s])?(\d{1,2})[、.．)）]([^()（）]*?)[(（]" + _N + r"分[)）]")
_DEDUCT_OVER = re.compile(r"每(?:超|超过|超出|高于|增加|多)(?:目标)?(?:值)?" + _N + r"(?:%|个百分点)(?:的)?(?:扣|减)" + _N + r"分")
_DEDUCT_BELOW = [
    re.compile(r"每(?:低于|低|降低|减少|下降|少|差)(?:目标)?(?:值)?" + _N + r"(?:%|个百分点)(?:的)?(?:扣|减)" + _N + r"分"),
    re.compile(r"(?:低于|未达到|未完成|少于|不足)(?:目标)?(?:值)?(?:的)?[,，]?每" + _N + r"(?:%|个百分点)(?:的)?(?:扣|减)" + _N + r"分"),
]
_RATE_TIMES = [
    re.compile(r"按([\u4e00-\u9fff]{0,8}?率)" + _TIMES + _N + r"分"),
    re.compile(_N + r"分" + _TIMES + r"([\u4e00-\u9fff]{0,8}?率)"),
    re.compile(r"([\u4e00-\u9fff]{0,8}?率)" + _TIMES + r"(?:分值|权重|该项分值|指标分值)"),
    re.compile(r"(?:分值|权重)" + _TIMES + r"([\u4e00-\u9fff]{0,8}?率)"),
]
_PASS_FAIL = [
    re.compile(r"(?:完成|达到|实现|符合)(?:目标)?(?:值)?(?:的)?(?:得|计|为)?满分[;；,，。]?(?:否则|未完成|未达到|未实现|不符合)(?:目标)?(?:的)?(?:得|计)?(?:0分|零分|不得分)"),
    re.compile(r"(?:是|有)(?:的)?(?:得|计)?满分[;；,，。]?(?:否|无)(?:的)?(?:得|计)?(?:0分|不得分)"),
]
_PROPORTIONAL = re.compile(r"按(?:实际)?(?:完成)?(?:比例|比率|完成率|完成情况按比例)(?:计|得)?分|未完成(?:的)?按(?:完成)?比例")
_QUALITATIVE = re.compile(r"部分达成|基本达成|未达成|定性|三档")


def _bands(s: str) -> Bands | None:
    bands: list[tuple[float, bool, float]] = []
    floor = None
    for m in _BAND_TOP.finditer(s):
        bands.append((float(m.group(1)), True, float(m.group(3))))  # "以上" includes the bound
    for m in _BAND_MID.finditer(s):
        # "90(含)-95" and plain "90-95": the lower bound is inclusive by convention on every form seen
        bands.append((float(m.group(1)), True, float(m.group(4))))
    for m in _BAND_LOW.finditer(s):
        floor = float(m.group(2))
    if len(bands) + (floor is not None) < 2:
        return None
    bands = sorted(set(bands), key=lambda b: b[0], reverse=True)
    return Bands(bands=tuple(bands), floor_points=floor if floor is not None else 0.0)


def _items(s: str) -> Items | None:
    found = _ITEM.findall(s)
    if len(found) < 2:
        return None
    nums = [int(n) for n, _, _ in found]
    if nums != list(range(1, len(nums) + 1)):
        return None
    return Items(items=tuple((label.strip("；;，, "), float(p)) for _, label, p in found))


@lru_cache(maxsize=4096)
def parse_criterion(text: str) -> Rule:
    """The rule a printed 评分标准 describes; raises :class:`UnrecognisedCriterion`."""
    s = normalize_text(str(text or ""))
    if not s:
        raise UnrecognisedCriterion(str(text or ""))
    rule: Rule | None = _bands(s) or _items(s)
    if rule:
        return rule
    m = _DEDUCT_OVER.search(s)
    if m:
        return DeductOver(points=float(m.group(2)), per=float(m.group(1)))
    for rx in _DEDUCT_BELOW:
        m = rx.search(s)
        if m:
            return DeductBelow(points=float(m.group(2)), per=float(m.group(1)))
    for i, rx in enumerate(_RATE_TIMES):
        m = rx.search(s)
        if m:
            name = m.group(2) if i == 1 else m.group(1)
            return RateTimesWeight(rate_name=name or "完成率")
    if any(rx.search(s) for rx in _PASS_FAIL):
        return PassFail()
    if _PROPORTIONAL.search(s):
        return Positive()
    if _QUALITATIVE.search(s):
        return Qualitative()
    raise UnrecognisedCriterion(str(text))


def try_parse_criterion(text: str | None) -> tuple[Rule | None, str | None]:
    """(rule, None) or (None, Chinese reason) — for callers that report rather than raise."""
    if text is None or not str(text).strip():
        return None, None
    try:
        return parse_criterion(str(text)), None
    except UnrecognisedCriterion as exc:
        return None, str(exc)
