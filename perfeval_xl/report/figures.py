"""Figures as Chinese evaluation reports print them: 276.96万元, 69.30%, 86.5分 (in prose), 86.50 (in tables).

Every number a report states goes through these functions, after Excel's ROUND (half away from zero), so the
text and the tables agree with the cells, the summary and each other.
"""
from __future__ import annotations

from typing import Any

from ..engine.excelmath import excel_round
from ..engine.rates import Rate


def amount(x: float | None) -> str:
    """An amount in 万元 with two decimals: 276.96万元."""
    return "—" if x is None else f"{excel_round(x, 2):.2f}万元"


def amount_cell(x: float | None) -> str:
    return "" if x is None else f"{excel_round(x, 2):.2f}"


def percent(fraction: float | None) -> str:
    """A rate in percent with two decimals: 69.30%."""
    return "—" if fraction is None else f"{excel_round(fraction * 100, 2):.2f}%"


def rate_text(r: Rate | None) -> str:
    return "—" if r is None or r.value is None else percent(r.value)


def points(x: float | None) -> str:
    """A score in prose: two decimals at most, no trailing zeros (86.5分, 79.99分, 90分)."""
    if x is None:
        return "—"
    text = f"{excel_round(x, 2):.2f}".rstrip("0").rstrip(".")
    return f"{text}分"


def points_cell(x: float | None) -> str:
    """A score in a table: two decimals (86.50)."""
    return "" if x is None else f"{excel_round(x, 2):.2f}"


def value_text(v: Any) -> str:
    """A target or actual as the form printed it: text as written, a number with two decimals at most (the layout
    reader has already turned a percent-formatted number into "96.49%")."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return f"{excel_round(v, 2):g}"
    return str(v).strip()


def ordinal(i: int) -> str:
    """（一）（二）… for the i-th item (1-based)."""
    digits = "零一二三四五六七八九"
    if i <= 10:
        text = "十" if i == 10 else digits[i]
    elif i < 20:
        text = "十" + digits[i - 10]
    else:
        text = digits[i // 10] + "十" + (digits[i % 10] if i % 10 else "")
    return f"（{text}）"


def counted(i: int) -> str:
    """一是 / 二是 … for enumerating within a paragraph."""
    return ordinal(i)[1:-1] + "是"
