"""Grades (等级) and totals: 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60, lower bounds inclusive.

A total is rounded to 2 decimals (Excel's ROUND) *before* it is graded: 40 scores that add up to 90.00
grade 优 even when a float sum gives 89.99999999999999.
"""
from __future__ import annotations

import re
from typing import Iterable

from .excelmath import excel_round, fsum_round
from .profile import NATIONAL, Profile

__all__ = ["GRADES", "grade", "boundaries", "boundary_distance", "total_of", "normalize_grade", "ticked_grade",
           "has_boxes"]

GRADES = ("优", "良", "中", "差")


def boundaries(profile: Profile = NATIONAL) -> tuple[float, float, float]:
    return (profile.grade_excellent, profile.grade_good, profile.grade_pass)


def grade(total: float, profile: Profile = NATIONAL) -> str:
    """优/良/中/差 of a total (rounded to 2 decimals first)."""
    t = excel_round(float(total), 2)
    if t >= profile.grade_excellent:
        return "优"
    if t >= profile.grade_good:
        return "良"
    if t >= profile.grade_pass:
        return "中"
    return "差"


def boundary_distance(total: float, profile: Profile = NATIONAL) -> tuple[float, float]:
    """(nearest grade boundary, total − boundary), on the rounded total: 79.99 → (80, -0.01)."""
    t = excel_round(float(total), 2)
    bound = min(boundaries(profile), key=lambda b: abs(t - b))
    return bound, excel_round(t - bound, 2)


def total_of(scores: Iterable[float | None]) -> float:
    """The sum of scores as a form prints it: exact sum, rounded to 2 decimals."""
    return fsum_round(scores, 2)


_GRADE_WORDS = {"优秀": "优", "良好": "良", "中等": "中", "不合格": "差", "合格": "中", "较差": "差"}   # 不合格 before 合格

#: the marks a form ticks a grade with, and those it leaves a grade's box empty with
TICKED, UNTICKED = "√✓✔☑☒■▣◉●", "□☐○◯"
_BRACKETS = re.compile(r"[()（）\[\]【】:：]")


def ticked_grade(text: object) -> str | None:
    """The grade a row of boxes ticks: "优☑ 良□ 中□ 差□", "☑优 □良 □中 □差", "□优秀 √良好 □中等 □较差" → 优, 优, 良;
    None when no box is ticked, more than one is, or the text holds no box. Whether a mark belongs to the grade before
    or after it is told by the row's first character: a mark first, marks go before their grades."""
    s = _BRACKETS.sub("", "".join(str(text or "").split()))
    for word, g in _GRADE_WORDS.items():
        s = s.replace(word, g)
    if not any(ch in TICKED for ch in s) or not any(ch in GRADES for ch in s):
        return None
    before = s[0] in TICKED + UNTICKED
    if before:
        ticked = [ch for i, ch in enumerate(s) if ch in GRADES and i > 0 and s[i - 1] in TICKED]
    else:
        ticked = [ch for i, ch in enumerate(s) if ch in GRADES and i + 1 < len(s) and s[i + 1] in TICKED]
    return ticked[0] if len(ticked) == 1 else None


def has_boxes(text: object) -> bool:
    """Does the text mark grades with boxes or ticks (then only a tick says which grade)?"""
    t = str(text or "")
    return any(ch in TICKED + UNTICKED for ch in t)


def normalize_grade(text: object) -> str | None:
    """A printed grade ("优", "优秀", "良(√)", "评价结果等次: 良") → one of GRADES, or None."""
    if text is None:
        return None
    s = "".join(str(text).split())
    for word, g in _GRADE_WORDS.items():
        if word in s:
            return g
    found = [g for g in GRADES if g in s]
    return found[0] if len(found) == 1 else None
