"""Freeze: a copy in which every PE_* call is replaced by the equivalent plain Excel formula.

A recipient without the add-in — or LibreOffice — then recalculates the same numbers, and the frozen
sheet keeps following its inputs. Each call is resolved against the workbook's current values: the 评分标准
and the target text decide the rule (the engine's ``Rule.excel`` gives its arithmetic); every argument
stays a live reference to its cell — a number as it is (scaled when its unit differs, e.g. 96.49 beside a
"≥95%" target becomes ``G5/100``), a text quantity ("≥38000人", "96.49%") through a plain formula that reads
the number out of the text (:func:`text_number`). What plain formulas cannot express (a pass/fail judged
from words, items, a call over a whole range) is frozen as its current value, and the cell is listed in
:class:`FreezeResult` so the user is told which cells no longer follow their inputs.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.api import resolve_rule
from ..engine.criteria import UnrecognisedCriterion
from ..engine.profile import NATIONAL, Profile
from ..engine.quantity import PERCENT, QuantityError, align, as_fraction, parse_quantity
from ..engine.rules import Items, PassFail, Qualitative
from ..workbook.errors import WorkbookError
from ..xlio import XlsxBook, XlsxPackage, save_package
from .evaluate import evaluate, write_cached
from .peforms import normalize_formula

_CALL = re.compile(r"PE_(SCORE|RATE|COMPLETION|GRADE|CHECK)\(")
_REF = re.compile(r"^\$?[A-Z]{1,3}\$?\d+$")
#: the first number of a text as Excel's coercion of its prefixes reads it: digits, decimals, a percent sign;
#: what follows must not let a longer prefix coerce to something else (a date "2022-10", "1,000", "1e3")
_TEXT_NUMBER = re.compile(r"([^0-9]*?)(\d+(?:\.\d+)?)(%?)(.*)", re.S)
_UNSAFE_NEXT = set("0123456789-/:,.eE+ \t")
TEXT_NUMBER_WIDTH = 15


@dataclass
class FreezeResult:
    """What freeze did: cells whose PE_* calls became plain formulas, and those kept as a value."""

    changed: int = 0
    constant: list[str] = field(default_factory=list)     # "Sheet!H12": frozen as its current value

    def message(self, limit: int = 10) -> str:
        live = self.changed - len(self.constant)
        text = f"已把 {self.changed} 个单元格的 PE_* 公式替换为普通 Excel 公式"
        text += f"，其中 {live} 个仍引用原来的输入单元格，修改输入后会自动重算" if live else ""
        if self.constant:
            shown = "、".join(self.constant[:limit]) + ("等" if len(self.constant) > limit else "")
            text += (f"；{len(self.constant)} 个无法用普通公式表达（如按文字判断的定性指标、单独的配置参数），"
                     f"已冻结为当前值，不再随输入变化：{shown}")
        return text + "。"


def text_number(ref: str, raw: Any) -> tuple[str, float] | None:
    """A plain formula reading the first number out of the text in ``ref`` (as "≥38000人" → 38000,
    "96.49%" → 0.9649), and the value it gives for the current text; None when the text is not safe to read
    that way (no number, a sign, a second number right after, a date-like run)."""
    if not isinstance(raw, str):
        return None
    m = _TEXT_NUMBER.fullmatch(raw)
    if m is None:
        return None
    before, digits, pct, rest = m.groups()
    if before.endswith(("-", ".", "−", "－")) or (not pct and rest[:1] in _UNSAFE_NEXT) or re.search(r"\d", rest):
        return None
    value = float(digits) / (100 if pct else 1)
    widths = ",".join(str(i) for i in range(1, TEXT_NUMBER_WIDTH + 1))
    formula = (f'LOOKUP(9.9E+307,--MID({ref},MIN(FIND({{0,1,2,3,4,5,6,7,8,9}},{ref}&"0123456789")),'
               f'{{{widths}}}))')
    return formula, value


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """Arguments of the call whose '(' is at ``start``; returns (args, index after ')')."""
    depth, i, cur, args, in_str = 0, start + 1, [], [], False
    while i < len(text):
        ch = text[i]
        if in_str:
            cur.append(ch)
            if ch == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    cur.append('"')
                    i += 1
                else:
                    in_str = False
        elif ch == '"':
            in_str = True
            cur.append(ch)
        elif ch in "({":
            depth += 1
            cur.append(ch)
        elif ch in ")}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i + 1
            depth -= 1
            cur.append(ch)
        elif ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    raise ValueError(f"公式括号不匹配：{text}")


def _num(x: float) -> str:
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def _literal(v: Any) -> str:
    if v is None:
        return '""'
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return _num(v)
    return '"' + str(v).replace('"', '""') + '"'


class _Resolver:
    def __init__(self, book: XlsxBook, sheet: str, profile: Profile):
        self.book, self.sheet, self.profile = book, sheet, profile

    def value(self, arg: str) -> Any:
        """The current value of an argument (cell reference, string or number literal)."""
        if arg == "":
            return None
        if arg.startswith('"') and arg.endswith('"'):
            return arg[1:-1].replace('""', '"')
        ref = arg
        sheet = self.sheet
        if "!" in arg:
            sheet, ref = arg.rsplit("!", 1)
            sheet = sheet.strip("'").replace("''", "'")
        if _REF.match(ref):
            return self.book.sheet(sheet).value(ref.replace("$", ""))
        try:
            return float(arg)
        except ValueError:
            raise ValueError(f"无法冻结参数 {arg}（只支持单元格引用和常量）") from None

    def is_numeric_ref(self, arg: str) -> bool:
        ref = arg.rsplit("!", 1)[-1]
        return bool(_REF.match(ref)) and isinstance(self.value(arg), (int, float)) and not isinstance(self.value(arg), bool)


_FACTORS = ((1.0, ""), (0.01, "/100"), (1e4, "*10000"), (1e8, "*100000000"), (100.0, "*100"))


def _scaled(arg: str, raw: Any, aligned: float, res: _Resolver) -> str:
    """A live reading of the argument's cell (a number as it is, a text quantity through
    :func:`text_number`), times the unit factor that gives the aligned value; the literal when neither fits."""
    live: tuple[str, float] | None = None
    if res.is_numeric_ref(arg):
        live = (arg, float(raw))
    elif _REF.match(arg.rsplit("!", 1)[-1]):
        live = text_number(arg, raw)
        live = (f"({live[0]})", live[1]) if live else None
    if live is not None:
        if live[1] == 0:
            if aligned == 0:
                return live[0]
        else:
            for f, suffix in _FACTORS:
                if math.isclose(aligned / live[1], f, rel_tol=1e-9):
                    return f"{live[0]}{suffix}"
    return _num(aligned)


def freeze_score(args: list[str], res: _Resolver, current: Any) -> str:
    w_arg, t_arg, a_arg = (args + ["", "", ""])[:3]
    crit = res.value(args[3]) if len(args) > 3 else None
    if len(args) > 4 and args[4] not in ("", '""'):
        return _literal(current)  # per-call options: keep the value, the rule depends on them
    t_raw, a_raw = res.value(t_arg), res.value(a_arg)
    try:
        rule = resolve_rule(crit if crit not in ("",) else None, t_raw)
    except UnrecognisedCriterion:
        return _literal(current)
    if isinstance(rule, (Items, PassFail)) and not (parse_quantity(t_raw).is_number and parse_quantity(a_raw).is_number):
        return _literal(current)
    w_raw = res.value(w_arg)
    w = w_arg if res.is_numeric_ref(w_arg) else _weight(w_arg, w_raw, res)
    t_q, a_q = parse_quantity(t_raw), parse_quantity(a_raw)
    if isinstance(rule, Qualitative) or (not t_q.is_number and a_q.is_number):
        if not a_q.is_number or a_q.unit not in (None, PERCENT):
            return _literal(current)
        av = a_q.value if a_q.unit == PERCENT else as_fraction(a_q.value)
        return rule.excel(w, "1", _scaled(a_arg, a_raw, av, res))
    try:
        tv, av, _ = align(t_q, a_q)
    except QuantityError:
        return _literal(current)
    return rule.excel(w, _scaled(t_arg, t_raw, tv, res), _scaled(a_arg, a_raw, av, res))


def _weight(arg: str, raw: Any, res: _Resolver) -> str:
    value = parse_quantity(raw).display_value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _scaled(arg, raw, float(value), res)
    return _literal(value)


def freeze_grade(args: list[str], res: _Resolver, profile: Profile) -> str:
    x = f"ROUND({args[0]},2)"
    return (f'IF({x}>={_num(profile.grade_excellent)},"优",IF({x}>={_num(profile.grade_good)},"良",'
            f'IF({x}>={_num(profile.grade_pass)},"中","差")))')


def _rate_arg(arg: str, res: _Resolver) -> str | None:
    """A rate's operand read live: a number cell or literal as it is, a text amount through text_number."""
    if res.is_numeric_ref(arg) or _is_number(arg):
        return arg
    if _REF.match(arg.rsplit("!", 1)[-1]):
        live = text_number(arg, res.value(arg))
        return f"({live[0]})" if live else None
    return None


def freeze_rate(args: list[str], res: _Resolver, current: Any) -> str:
    kind = str(res.value(args[0]) or "")
    if len(args) < 3:
        return _literal(current)
    n_raw, d_raw = res.value(args[1]), res.value(args[2])
    try:
        same_unit = parse_quantity(n_raw).unit == parse_quantity(d_raw).unit
    except QuantityError:
        same_unit = False
    n_arg, d_arg = _rate_arg(args[1], res), _rate_arg(args[2], res)
    if n_arg is None or d_arg is None or not same_unit:
        return _literal(current)
    if "调整" in kind or kind == "adjustment":
        return f"({d_arg}-{n_arg})/{n_arg}"
    if "节约" in kind or kind == "cost_saving":
        return f"({n_arg}-{d_arg})/{n_arg}"
    if "完成" in kind or kind == "completion":
        return _literal(current)
    return f"{n_arg}/{d_arg}"


def _is_number(arg: str) -> bool:
    try:
        float(arg)
        return True
    except ValueError:
        return False


def _mentions(text: str, ref: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9$_.]){re.escape(ref)}(?![0-9A-Za-z(])", text) is not None


def freeze_formula(formula: str, res: _Resolver, current: Any, lost: list[str] | None = None) -> tuple[str, int]:
    """The formula with its PE_* calls replaced (innermost calls see their argument text as is). Arguments
    that were cell references and no longer appear in the replacement are appended to ``lost``."""
    text = normalize_formula(formula)
    count = 0
    while True:
        m = _CALL.search(text)
        if not m:
            return text, count
        name = m.group(1)
        args, end = _split_args(text, m.end() - 1)
        if any(":" in a for a in args) or any(_CALL.search(a) for a in args):
            repl = _literal(current)  # ranges / nested calls: freeze the value
        elif name == "SCORE":
            repl = freeze_score(args, res, current)
        elif name == "GRADE":
            repl = freeze_grade(args, res, res.profile)
        elif name == "RATE":
            repl = freeze_rate(args, res, current)
        else:
            repl = _literal(current)
        if lost is not None:   # the inputs (not the 评分标准 or the kind, which chose the formula)
            inputs = {"SCORE": args[:3], "RATE": args[1:3], "GRADE": args[:1]}.get(name, args)
            lost += [a for a in inputs if _REF.match(a.rsplit("!", 1)[-1]) and not _mentions(repl, a)]
        text = text[: m.start()] + repl + text[end:]
        count += 1


def freeze_package(pkg: XlsxPackage, original: bytes, profile: Profile = NATIONAL) -> FreezeResult:
    """Replace every PE_* call in the package; says which cells changed and which were kept as a value."""
    values = evaluate(pkg, original)
    write_cached(pkg, values)
    book = XlsxBook(pkg)
    result = FreezeResult()
    for sheet, part in pkg.sheets():
        res = _Resolver(book, sheet, profile)
        cells = pkg.cells(part)
        for ref in cells.formula_refs():
            text = cells.formula(ref)
            if not text or not _CALL.search(normalize_formula(text)):
                continue
            current = values.get(sheet, {}).get(ref)
            lost: list[str] = []
            new, n = freeze_formula(text, res, current, lost)
            if n:
                cells.set_formula_text(ref, new)
                result.changed += 1
                if lost:
                    result.constant.append(f"{sheet}!{ref}")
    return result


#: why a package recalc only reviews cannot be frozen into a copy either (see XlsxPackage.review_only)
_NOT_WRITABLE = {
    "duplicates": "压缩包中部件 {parts} 出现不止一次，内容无法确定，不能写出冻结副本；请向报送单位核实或重新导出",
    "strict": "Strict Open XML 格式不能原样回写，不能写出冻结副本；请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”后再冻结",
    "beta": "Excel 2007 测试版格式不能原样回写，不能写出冻结副本；请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”后再冻结",
}


def freeze_file(src: str | Path, out: str | Path, profile: Profile = NATIONAL) -> FreezeResult:
    data = Path(src).read_bytes()
    pkg = XlsxPackage(data)
    if pkg.review_only:
        raise WorkbookError("PE-R003", _NOT_WRITABLE[pkg.review_only].format(parts="、".join(pkg.duplicates)),
                            Path(src).name)
    result = freeze_package(pkg, data, profile)
    pkg.set_calc_keep_values()
    save_package(pkg, out)
    return result

