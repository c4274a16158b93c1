"""The PE_* worksheet functions (=PE_SCORE(…) and siblings) as plain Python over the engine, with Excel's argument
and error semantics.

Both ways of calling them use these very functions: the xlwings adapter :mod:`perfeval_xl.udfs` (Excel) decorates
them, and the headless formula engine (``perfeval-xl recalc``) registers them, so a cell in Excel and
``perfeval-xl recalc`` give the same number. Arguments arrive as Excel gives them: scalars, or 2-D
lists from ranges (empty cells as None, numbers possibly as text). A range argument spills: ``PE_SCORE``
over whole columns returns one column, so a 120-row table is one call. Bad arguments return a readable
error string in the cell ("#PE! 无法识别目标值‘≥三万人’"), never a traceback.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from .engine import api
from .engine.criteria import UnrecognisedCriterion
from .engine.profile import NATIONAL, Profile, ProfileError
from .engine.quantity import QuantityError, parse_quantity
from .engine.rates import to_amount

def _udf(arg_docs: dict[str, str]) -> Callable[[Callable], Callable]:
    """Record a worksheet function's argument help on it (``__pe_args__``): the xlwings adapter
    (:mod:`perfeval_xl.udfs`) turns it into @arg(doc=…), the add-in build into the Function Wizard's help."""

    def deco(f: Callable) -> Callable:
        f.__pe_args__ = dict(arg_docs)
        return f

    return deco


__all__ = ["PE_SCORE", "PE_RATE", "PE_COMPLETION", "PE_GRADE", "PE_CHECK", "FUNCTIONS"]

ERROR_PREFIX = "#PE! "

# ---------------------------------------------------------------- Excel errors in, Excel errors out
#: Excel's error values: the text Excel shows, formualizer's kind, the COM scode xlwings passes on Windows
_ERRORS = {
    "#DIV/0!": ("Div", -2146826281), "#N/A": ("Na", -2146826246), "#NAME?": ("Name", -2146826259),
    "#NULL!": ("Null", -2146826288), "#NUM!": ("Num", -2146826252), "#REF!": ("Ref", -2146826265),
    "#VALUE!": ("Value", -2146826273), "#SPILL!": ("Spill", None), "#CALC!": ("Calc", None),
}
_BY_KIND = {kind.lower(): text for text, (kind, _c) in _ERRORS.items()} | {"na": "#N/A"}
_BY_SCODE = {code: text for text, (_k, code) in _ERRORS.items() if code is not None}


def excel_error(x: Any) -> str | None:
    """The Excel error an argument holds ("#DIV/0!"), in whichever form it arrived: formualizer's
    {"type": "Error", "kind": "Div"}, xlwings' text (err_to_str) or COM scode, or the text itself."""
    if isinstance(x, dict) and x.get("type") == "Error":
        return _BY_KIND.get(str(x.get("kind", "")).lower(), "#VALUE!")
    if isinstance(x, str):
        return x if x in _ERRORS else None
    if isinstance(x, int) and not isinstance(x, bool) and x in _BY_SCODE:
        return _BY_SCODE[x]
    return None


def _first_error(*values: Any) -> str | None:
    for v in values:
        e = excel_error(v)
        if e:
            return e
    return None


def _error_value(text: str) -> Any:
    """An Excel error as the calling host shows it as an error (not as text): inside Excel a COM error
    variant, headless formualizer's error value. Excel's own functions propagate errors the same way."""
    kind, scode = _ERRORS.get(text, ("Value", -2146826273))
    if "xlwings" in sys.modules and sys.platform.startswith("win") and scode is not None:  # pragma: no cover
        try:
            import pythoncom
            from win32com.client import VARIANT

            return VARIANT(pythoncom.VT_ERROR, scode)
        except ImportError:
            pass
    return {"type": "Error", "kind": kind}


def _err(msg: str) -> str:
    return ERROR_PREFIX + msg


def _grid(x: Any) -> list[list[Any]]:
    """Any argument as a 2-D list (a scalar is [[x]])."""
    if isinstance(x, (list, tuple)):
        if not x:
            return [[None]]
        if isinstance(x[0], (list, tuple)):
            return [list(r) for r in x]
        return [[v] for v in x]  # a 1-D list from a column
    return [[x]]


def _broadcast(*args: Any) -> tuple[list[tuple[Any, ...]], bool]:
    """Rows of aligned arguments: each argument is a scalar or a column of n rows. Returns (rows, spilled)."""
    grids = [_grid(a) for a in args]
    cols = []
    n = 1
    for g in grids:
        flat = [r[0] if len(r) == 1 else r for r in g] if all(len(r) == 1 for r in g) else [v for r in g for v in r]
        cols.append(flat)
        if len(flat) > 1:
            if n > 1 and len(flat) != n:
                raise ValueError(f"区域大小不一致（{n} 行与 {len(flat)} 行）")
            n = len(flat)
    rows = [tuple(c[i] if len(c) > 1 else c[0] for c in cols) for i in range(n)]
    return rows, n > 1


def _profile(options: Any) -> Profile:
    """Options as "key=value; key=value" text or a 2-column key/value range."""
    if options is None or options == "":
        return NATIONAL
    pairs: dict[str, Any] = {}
    if isinstance(options, (list, tuple)):
        for row in _grid(options):
            if len(row) >= 2 and row[0] not in (None, ""):
                pairs[str(row[0]).strip()] = row[1]
    else:
        for part in str(options).replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                pairs[k.strip()] = v.strip()
    typed: dict[str, Any] = {}
    for k, v in pairs.items():
        default = getattr(NATIONAL, k, None)
        if isinstance(default, float) and not isinstance(v, (int, float)):
            try:
                v = float(v)
            except ValueError:
                raise ProfileError(f"配置项 {k} 须为数字，得到‘{v}’") from None
        typed[k] = float(v) if isinstance(default, float) else v
    return NATIONAL.with_options(**typed)


def _blank(x: Any) -> bool:
    return x is None or (isinstance(x, str) and not x.strip())


def _out(values: list[Any], spilled: bool) -> Any:
    return [[v] for v in values] if spilled else values[0]


def _score_one(weight: Any, target: Any, actual: Any, criterion: Any, profile: Profile) -> Any:
    if type(weight) is float and type(target) is float and type(actual) is float and target - target == 0 \
            and actual - actual == 0 and (criterion is None or type(criterion) is str and criterion not in _ERRORS):
        # three finite numbers (what a filled table hands over): no error, blank or unreadable quantity to look for
        s = api.score(weight, target, actual, None if _blank(criterion) else criterion, profile=profile)
        return s.value if s.value is not None else _err(s.error or "无法计分")
    return _score_checked(weight, target, actual, criterion, profile)


def _score_checked(weight: Any, target: Any, actual: Any, criterion: Any, profile: Profile) -> Any:
    """One row of PE_SCORE, every argument checked: Excel errors, blanks, quantities it cannot read."""
    err = _first_error(weight, target, actual, criterion)
    if err:
        return _error_value(err)
    if _blank(weight) and _blank(target) and _blank(actual):
        return ""
    if _blank(weight):
        return _err("缺少分值")
    t = parse_quantity(target)
    if t.status == "invalid":
        return _err(f"无法识别目标值‘{target}’：{t.reason}")
    a = parse_quantity(actual)
    if a.status == "invalid":
        return _err(f"无法识别实际值‘{actual}’：{a.reason}")
    s = api.score(weight, target, actual, None if _blank(criterion) else criterion, profile=profile)
    if s.value is None:
        return _err(s.error or "无法计分")
    return s.value


@_udf({
    "weight": "分值（权重），如 15；可为整列区域",
    "target": "年度指标值/目标值，如 “≥38000人”、“≤310万元”、0.95",
    "actual": "实际完成值，如 “36667人”、“96.49%”",
    "criterion": "可选：评分标准文字（可直接引用评分标准单元格）或规则名（正向/反向/定性…）",
    "options": "可选：配置，如 “reverse_convention=linear; tier_lower=0.5”，或两列的键值区域",
})
def PE_SCORE(weight, target, actual, criterion=None, options=None):
    """绩效指标得分：按评分标准（或目标值方向）计算得分，截至[0, 分值]，按 Excel ROUND 保留两位小数。
    Score an indicator from its weight, target, actual and printed 评分标准; ranges spill one column."""
    if options is None and not isinstance(weight, (list, tuple)) and not isinstance(target, (list, tuple)) \
            and not isinstance(actual, (list, tuple)) and not isinstance(criterion, (list, tuple)):
        try:  # the common case, one row: no broadcasting
            return _score_one(weight, target, actual, criterion, NATIONAL)
        except (QuantityError, UnrecognisedCriterion, ValueError) as exc:
            return _err(str(exc))
    try:
        profile = _profile(options)
        rows, spilled = _broadcast(weight, target, actual, criterion)
    except (ProfileError, ValueError) as exc:
        return _err(str(exc))
    out = []
    for w, t, a, c in rows:
        try:
            out.append(_score_one(w, t, a, c, profile))
        except (QuantityError, UnrecognisedCriterion, ValueError) as exc:
            out.append(_err(str(exc)))
    return _out(out, spilled)


@_udf({
    "kind": "比率类型：资金到位率、预算执行率、预算调整率、政府采购执行率、结转结余率、完成率、质量达标率、成本节约率…",
    "numerator": "分子（预算调整率为年初预算，成本节约率为计划成本，完成率为目标值）",
    "denominator": "分母（预算调整率为调整后预算，成本节约率为实际成本，完成率为实际值）",
})
def PE_RATE(kind, numerator, denominator):
    """比率（小数，设置为百分比格式显示）：资金到位率、预算执行率、预算调整率（带符号）等。
    A rate as a fraction; undefined rates (zero denominator) return a #PE! message."""
    try:
        rows, spilled = _broadcast(kind, numerator, denominator)
    except ValueError as exc:
        return _err(str(exc))
    out = []
    for k, n, d in rows:
        err = _first_error(k, n, d)
        if err:
            out.append(_error_value(err))
            continue
        if _blank(n) and _blank(d):
            out.append("")
            continue
        try:
            r = api.rate(str(k), n, d)
        except (ValueError, QuantityError) as exc:
            out.append(_err(str(exc)))
            continue
        out.append(r.value if r.value is not None else _err(r.reason or "比率无定义"))
    return _out(out, spilled)


@_udf({
    "target": "目标值，如 “≥38000人”、“≤310万元”",
    "actual": "实际完成值，如 “36667人”",
})
def PE_COMPLETION(target, actual):
    """完成率（小数）：≥ 与 = 目标为 实际/目标，≤ 目标为 目标/实际。Completion rate as a fraction."""
    if not isinstance(target, (list, tuple)) and not isinstance(actual, (list, tuple)):
        err = _first_error(target, actual)
        if err:
            return _error_value(err)
        if _blank(target) and _blank(actual):
            return ""
        r = api.completion(target, actual)
        return r.value if r.value is not None else _err(r.reason or "完成率无定义")
    try:
        rows, spilled = _broadcast(target, actual)
    except ValueError as exc:
        return _err(str(exc))
    out = []
    for t, a in rows:
        err = _first_error(t, a)
        if err:
            out.append(_error_value(err))
            continue
        if _blank(t) and _blank(a):
            out.append("")
            continue
        r = api.completion(t, a)
        out.append(r.value if r.value is not None else _err(r.reason or "完成率无定义"))
    return _out(out, spilled)


@_udf({
    "total": "总分，如 92.62",
})
def PE_GRADE(total):
    """等级：优 ≥90，良 80–90，中 60–80，差 <60（下限含），先四舍五入到两位小数。Grade of a total."""
    rows, spilled = _broadcast(total)
    out = []
    for (t,) in rows:
        err = _first_error(t)
        if err:
            out.append(_error_value(err))
            continue
        if _blank(t):
            out.append("")
            continue
        try:
            v = to_amount(t, "总分")
        except QuantityError as exc:
            out.append(_err(str(exc)))
            continue
        out.append(api.grade(v) if v is not None else "")
    return _out(out, spilled)


@_udf({
    "table": "一行指标或带表头的整张指标表（名称|分值|目标值|实际值|得分|评分标准|偏差原因）",
})
def PE_CHECK(table):
    """校验指标：返回发现的问题（多条以“；”分隔），无问题时返回空文本。Findings for a row or a table, "" when clean."""
    from .checks.table import check_table  # the checks layer turns a range into findings

    err = _first_error(*(v for row in _grid(table) for v in row))
    if err:
        return _error_value(err)
    try:
        findings = check_table(_grid(table))
    except ValueError as exc:
        return _err(str(exc))
    return "；".join(f"[{f.code}] {f.message}" for f in findings)


FUNCTIONS = {f.__name__: f for f in (PE_SCORE, PE_RATE, PE_COMPLETION, PE_GRADE, PE_CHECK)}
