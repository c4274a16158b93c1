"""Quantities as real forms print them: "≥38000人", "95%以上", "220万元", 0.9649, "年底前".

``parse_quantity`` turns a cell value into a :class:`Quantity` — (comparator, number, unit) — or says
plainly why it could not:

* ``status == "number"``        one number, maybe with a comparator and a unit;
* ``status == "unquantified"``  words with no number ("增长", "符合", "年底前", "2022年全年");
* ``status == "invalid"``       looks quantitative but cannot be read ("≥三万人", two numbers in one cell);
* ``status == "empty"``         nothing there.

Canonical units make target and actual comparable: money is held in 元 (元/千元/万元/亿元 all convert),
a percent is held as a fraction ("96.49%" → 0.9649, unit "%"), 万人 becomes 人 × 10 000.
A bare number (no unit) takes its meaning from the quantity it is compared with (see :func:`align`).
Mismatched units raise :class:`UnitMismatch`: an error, never a guess.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = [
    "Quantity",
    "QuantityError",
    "UnitMismatch",
    "parse_quantity",
    "format_quantity",
    "align",
    "normalize_text",
    "as_fraction",
]


class QuantityError(ValueError):
    """A value that had to be a number and is not."""


class UnitMismatch(QuantityError):
    """Target and actual are in units that cannot be compared (人 vs 万元)."""


#: multipliers into 元
MONEY = {"元": 1.0, "千元": 1e3, "万元": 1e4, "百万元": 1e6, "千万元": 1e7, "亿元": 1e8}
PERCENT = "%"
EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")

_GE = "≥"
_LE = "≤"
COMPARATOR_SYMBOL = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}

# prefix comparators, longest first; applied after NFKC (so ＞＝ is already >=)
_PREFIX = [
    ("大于或等于", ">="), ("大于等于", ">="), ("不低于", ">="), ("不少于", ">="), ("不小于", ">="),
    ("至少", ">="), ("≥", ">="), ("≧", ">="), ("⩾", ">="), (">=", ">="), ("=>", ">="),
    ("小于或等于", "<="), ("小于等于", "<="), ("不超过", "<="), ("不高于", "<="), ("不大于", "<="),
    ("不多于", "<="), ("控制在", "<="), ("≤", "<="), ("≦", "<="), ("⩽", "<="), ("<=", "<="), ("=<", "<="),
    ("==", "="), ("=", "="), ("等于", "="),
    ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"), (">", ">"),
    ("小于", "<"), ("低于", "<"), ("少于", "<"), ("<", "<"),
]
_SUFFIX = [
    ("及以上", ">="), ("或以上", ">="), ("以上", ">="),
    ("及以下", "<="), ("或以下", "<="), ("以下", "<="), ("以内", "<="), ("之内", "<="),
]
_COMPARATOR_CHARS = re.compile(r"[≥≧⩾≤≦⩽<>=]|不低于|不少于|不超过|不高于|以上|以下|以内")
_NUMBER_STRICT = re.compile(r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)")
_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*年|\d{1,2}\s*月\s*(?:底|末|份|前|中旬|上旬|下旬|\d{1,2}\s*日)|(?<!\d)(?:19|20)\d{2}[-/]\d{1,2}")
_CN_NUMERAL = re.compile(r"[零一二两三四五六七八九十百千万亿]")
#: units seen on forms, matched longest first; an unknown unit is its first character ("20个项目" → 个)
KNOWN_UNITS = sorted(
    """人次 人日 人 户次 户 个工作日 工作日 个月 个 家 次 亩 平方米 平方公里 公里 千米 米 m² m km kg ㎡ ㎞ ㎏ 天 日 周 月 年 小时 分钟
    项 份 场 篇 台 套 所 吨 株 公顷 件 张 册 本 辆 处 座 条 间 名 批 期 棵 头 只 盏 块 根 口 眼 宗 例 起 轮 课时 学时
    万人次 万人 万户 万亩 万吨 万个 万株 元/人 元/亩 元/吨 元/户""".split(),
    key=len,
    reverse=True,
)


_PREFIX_OPS = dict(_PREFIX)
_SUFFIX_OPS = dict(_SUFFIX)
_PREFIX_RX = re.compile("(" + "|".join(re.escape(w) for w, _ in sorted(_PREFIX, key=lambda p: -len(p[0]))) + ")$")
_SUFFIX_RX = re.compile("(" + "|".join(re.escape(w) for w, _ in sorted(_SUFFIX, key=lambda p: -len(p[0]))) + ")")
# money first, then % and the known units, longest first; else an unknown unit is one CJK character or a Latin word
_UNIT_RX = re.compile(
    "("
    + "|".join(re.escape(u) for u in sorted([*MONEY, "%", "‰", *KNOWN_UNITS], key=len, reverse=True))
    + "|(?!" + "|".join(re.escape(w) for w, _ in _SUFFIX) + r")(?:[A-Za-z]+|[\u4e00-\u9fff])"
    + ")"
)

_FAST = re.compile(r"(>=|<=|==|[≥≧≤≦=<>])?(\d+(?:\.\d+)?)(\D*)")
_DATE_UNITS = ("年", "月", "日")


@lru_cache(maxsize=4096)
def _tail(tail: str) -> tuple[str | None, str | None, Decimal, str | None] | None:
    """What follows the number in the fast path: (unit, suffix comparator, factor, canonical unit), or None
    to take the full path."""
    if not tail:
        return None, None, _ONE, None
    um = _UNIT_RX.match(tail)
    unit, rest = (um.group(1), tail[um.end():]) if um else (None, tail)
    if unit in _DATE_UNITS:
        return None
    op = None
    if rest:
        sm = _SUFFIX_RX.fullmatch(rest)
        if not sm:
            return None
        op = _SUFFIX_OPS[sm.group(1)]
    return unit, op, _factor(unit), _canonical_unit(unit)


def normalize_text(s: str) -> str:
    """NFKC (full-width digits/letters, ％, ＝), drop all white space incl. U+3000 and NBSP."""
    if not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s)   # U+3000 and NBSP become plain spaces here
    if " " in s or not s.isprintable():
        s = "".join(s.split())
    return s


@dataclass(slots=True)
class Quantity:
    """A parsed quantity. ``value`` is canonical (元 for money, a fraction for %)."""

    text: str
    status: str                       # number | unquantified | invalid | empty
    comparator: str | None = None     # ">=", "<=", "=", ">", "<" or None
    value: float | None = None
    unit: str | None = None           # canonical unit: "%", "元", "人", "人次", … or None (bare)
    display_unit: str | None = None   # as printed: "万元", "%", "万人"
    reason: str | None = None         # why it is not a number (Chinese)
    prefix: str = ""                  # label text before the number ("合计", "企业统保")

    @property
    def is_number(self) -> bool:
        return self.status == "number"

    @property
    def is_bare(self) -> bool:
        return self.is_number and self.unit is None

    @property
    def display_value(self) -> float | None:
        """The number in the unit it was printed in (220 for "220万元", 96.49 for "96.49%")."""
        if self.value is None:
            return None
        return _scale(self.value, 1 / _factor(self.display_unit)) if self.display_unit else self.value

    def require(self, what: str = "数值") -> "Quantity":
        if not self.is_number:
            raise QuantityError(f"无法识别{what}‘{self.text}’：{self.reason or '不是数值'}")
        return self

    def with_unit(self, unit: str | None, display_unit: str | None, value: float) -> "Quantity":
        return replace(self, unit=unit, display_unit=display_unit, value=value)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return format_quantity(self)


_ONE = Decimal(1)


@lru_cache(maxsize=512)
def _factor(display_unit: str | None) -> Decimal:
    if display_unit is None:
        return _ONE
    if display_unit == "元":
        return _ONE
    if display_unit in MONEY:
        return Decimal(str(MONEY[display_unit]))
    if display_unit == PERCENT:
        return Decimal("0.01")
    if display_unit == "‰":
        return Decimal("0.001")
    if len(display_unit) > 1 and display_unit[0] in "万亿":
        return Decimal("1e4") if display_unit[0] == "万" else Decimal("1e8")
    return _ONE


def _scale(x: float | str, factor: Decimal) -> float:
    """x × factor without binary noise (95 × 0.01 = 0.95, not 0.9500000000000001)."""
    if factor == _ONE:
        return float(x)
    d = Decimal(x) if isinstance(x, str) else Decimal(repr(float(x)))
    return float(d * factor)


def _canonical_unit(display_unit: str | None) -> str | None:
    if display_unit is None:
        return None
    if display_unit in MONEY:
        return "元"
    if display_unit in (PERCENT, "‰"):
        return PERCENT
    if len(display_unit) > 1 and display_unit[0] in "万亿":
        return display_unit[1:]
    return display_unit


def _empty(text: str) -> Quantity:
    return Quantity(text=text, status="empty", reason="空白")


def parse_quantity(value: Any, unit_hint: str | None = None) -> Quantity:
    """Parse a cell value into a :class:`Quantity`; never raises.

    ``unit_hint`` is a unit known from elsewhere (a 度量单位 column, a percent number format):
    it applies to bare numbers only.
    """
    cls = type(value)
    if cls is str:
        q = _parse_text(value)
        return q if unit_hint is None or q.unit is not None else _apply_hint(q, unit_hint)
    if (cls is float or cls is int) and unit_hint is None:   # the commonest case, a plain number
        f = float(value)
        if f - f == 0:   # finite
            return Quantity(repr(value), "number", None, f)
    if isinstance(value, Quantity):
        return value
    if value is None:
        return _empty("")
    if isinstance(value, bool):
        return Quantity(text=str(value), status="invalid", reason="逻辑值不是数量")
    if isinstance(value, (int, float)):
        f = float(value)
        if not math.isfinite(f):
            return Quantity(text=str(value), status="invalid", reason="不是有限数值")
        q = Quantity(text=repr(value), status="number", value=f)
        return _apply_hint(q, unit_hint)
    return _apply_hint(_parse_text(str(value)), unit_hint)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Quantity:
    s = normalize_text(text)
    if not s:
        return _empty(text)
    fm = _FAST.fullmatch(s)  # the common case: [≥] number [unit] [以上/以下]
    if fm:
        comp, num, tail = fm.groups()
        parsed_tail = _tail(tail)
        if parsed_tail is not None:
            unit, suffix_op, factor, canonical = parsed_tail
            return Quantity(text, "number", _PREFIX_OPS[comp] if comp else suffix_op,
                            float(num) if factor is _ONE else _scale(num, factor), canonical, unit)
    if s.upper() in EXCEL_ERRORS:
        return Quantity(text=text, status="invalid", reason=f"单元格为错误值 {s}")

    numbers = _NUMBER_STRICT.findall(s)
    if not numbers:
        if _COMPARATOR_CHARS.search(s) and _CN_NUMERAL.search(s):
            return Quantity(text=text, status="invalid", reason="数字须用阿拉伯数字书写")
        if _COMPARATOR_CHARS.search(s):
            return Quantity(text=text, status="invalid", reason="有比较符但没有数字")
        return Quantity(text=text, status="unquantified", reason="没有数值（定性表述）")
    if _DATE.search(s):
        return Quantity(text=text, status="unquantified", reason="时间表述，不是可比较的数量")
    if len(numbers) > 1:
        return Quantity(text=text, status="invalid",
                        reason=f"含多个数字（{'、'.join(numbers[:4])}），无法确定哪一个是指标值")

    m = _NUMBER_STRICT.search(s)
    assert m is not None
    before, num, after = s[: m.start()], m.group(0), s[m.end():]
    comparator = None
    pm = _PREFIX_RX.search(before)  # the comparator directly before the number
    if pm:
        comparator = _PREFIX_OPS[pm.group(1)]
        before = before[: pm.start()]
    prefix = before
    display_unit = None
    rest = after
    um = _UNIT_RX.match(rest)
    if um:
        display_unit, rest = um.group(1), rest[um.end():]
    sm = _SUFFIX_RX.match(rest)
    if sm and comparator is None:
        comparator = _SUFFIX_OPS[sm.group(1)]
    q = Quantity(
        text=text,
        status="number",
        comparator=comparator,
        value=_scale(num.replace(",", ""), _factor(display_unit)),
        unit=_canonical_unit(display_unit),
        display_unit=display_unit,
        prefix=prefix,
    )
    return q


def _apply_hint(q: Quantity, unit_hint: str | None) -> Quantity:
    if not unit_hint or not q.is_bare or not isinstance(unit_hint, str):     # a number in a 度量单位 cell is no unit
        return q
    hint = normalize_text(unit_hint)
    if hint in ("%", "百分比", "百分率"):
        # a bare number under a % header may be 96.49 or 0.9649
        return q.with_unit(PERCENT, PERCENT, as_fraction(q.value))
    return q.with_unit(_canonical_unit(hint), hint, _scale(q.value, _factor(hint)))


def as_fraction(v: float, reference: float | None = None) -> float:
    """A bare number meant as a percent: 0.9649 or 96.49 → 0.9649.

    With a ``reference`` fraction (the target), the reading closest to it wins (96.49 vs 0.95 → 0.9649;
    2.5 vs 0.95 → 2.5). Without one, |v| ≤ 2 is read as a fraction (Excel's percent format stores
    fractions), anything larger as percentage points.
    """
    if reference is not None and reference > 0 and v > 0:
        a, b = v, _scale(v, Decimal("0.01"))
        return a if abs(math.log(a / reference)) <= abs(math.log(b / reference)) else b
    return v if abs(v) <= 2 else _scale(v, Decimal("0.01"))


def align(target: Quantity, actual: Quantity) -> tuple[float, float, str | None]:
    """Bring target and actual into one unit; return (target_value, actual_value, unit).

    A bare number takes the other side's unit (and its printed multiplier: 220 beside "≤310万元" is
    220 万元). Raises :class:`QuantityError` when either side is not a number and :class:`UnitMismatch`
    when the units differ.
    """
    target.require("目标值")
    actual.require("实际值")
    tu, au = target.unit, actual.unit
    if tu == au:
        return target.value, actual.value, tu  # type: ignore[return-value]
    if tu is None:
        return _adopt(target, actual), actual.value, au  # type: ignore[return-value]
    if au is None:
        return target.value, _adopt(actual, target), tu  # type: ignore[return-value]
    raise UnitMismatch(
        f"单位不一致：目标值‘{target.text}’的单位是{target.display_unit}，"
        f"实际值‘{actual.text}’的单位是{actual.display_unit}"
    )


def _adopt(bare: Quantity, other: Quantity) -> float:
    v = bare.value
    assert v is not None and other.value is not None
    if other.unit == PERCENT:
        return as_fraction(v, other.value if other.value > 0 else None)
    return _scale(v, _factor(other.display_unit))


def _fmt_number(x: float) -> str:
    s = format(x, ".15g")
    if "e" in s or "E" in s:
        s = format(x, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def format_quantity(q: Quantity) -> str:
    """Print a quantity the way forms do: "≥38000人", "96.49%", "≤310万元"."""
    if not q.is_number:
        return q.text
    comp = COMPARATOR_SYMBOL.get(q.comparator or "", "")
    return f"{comp}{_fmt_number(q.display_value)}{q.display_unit or ''}"  # type: ignore[arg-type]
