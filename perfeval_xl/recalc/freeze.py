"""Freeze: a copy in which every PE_* call is replaced by the equivalent plain Excel formula.

A recipient without the add-in — or LibreOffice — then recalculates the same numbers. Each call is
resolved against the workbook's current values: the 评分标准 and the target text decide the rule (the
engine's ``Rule.excel`` gives its arithmetic), numeric argument cells stay live references (scaled
when their unit differs, e.g. 96.49 beside a "≥95%" target becomes ``G5/100``), and text quantities
("≥38000人") become their numbers. What plain formulas cannot express (a pass/fail judged from words,
items, a call over a whole range) is frozen as its current value.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from ..engine.api import resolve_rule
from ..engine.criteria import UnrecognisedCriterion
from ..engine.profile import NATIONAL, Profile
from ..engine.quantity import PERCENT, QuantityError, align, as_fraction, parse_quantity
from ..engine.rules import Items, PassFail, Qualitative
from ..xlsxpkg import XlsxBook, XlsxPackage, save_package
from .evaluate import evaluate, write_cached
from .peforms import normalize_formula

_CALL = re.compile(r"PE_(SCORE|RATE|COMPLETION|GRADE|CHECK)\(")
_REF = re.compile(r"^\$?[A-Z]{1,3}\$?\d+$")


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


def _scaled(arg: str, raw: Any, aligned: float, res: _Resolver) -> str:
    """A live reference when the cell holds a number (times the unit factor), else the aligned literal."""
    if res.is_numeric_ref(arg) and raw not in (0, 0.0):
        factor = aligned / float(raw)
        for f, suffix in ((1.0, ""), (0.01, "/100"), (1e4, "*10000"), (1e8, "*100000000"), (100.0, "*100")):
            if math.isclose(factor, f, rel_tol=1e-9):
                return f"{arg}{suffix}"
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
    w = w_arg if res.is_numeric_ref(w_arg) else _literal(parse_quantity(res.value(w_arg)).display_value)
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


def freeze_grade(args: list[str], res: _Resolver, profile: Profile) -> str:
    x = f"ROUND({args[0]},2)"
    return (f'IF({x}>={_num(profile.grade_excellent)},"优",IF({x}>={_num(profile.grade_good)},"良",'
            f'IF({x}>={_num(profile.grade_pass)},"中","差")))')


def freeze_rate(args: list[str], res: _Resolver, current: Any) -> str:
    kind = str(res.value(args[0]) or "")
    n_arg, d_arg = args[1], args[2]
    if not (res.is_numeric_ref(n_arg) or _is_number(n_arg)) or not (res.is_numeric_ref(d_arg) or _is_number(d_arg)):
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


def freeze_formula(formula: str, res: _Resolver, current: Any) -> tuple[str, int]:
    """The formula with its PE_* calls replaced (innermost calls see their argument text as is)."""
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
        text = text[: m.start()] + repl + text[end:]
        count += 1


def freeze_package(pkg: XlsxPackage, original: bytes, profile: Profile = NATIONAL) -> int:
    """Replace every PE_* call in the package; returns how many cells changed."""
    values = evaluate(pkg, original)
    write_cached(pkg, values)
    book = XlsxBook(pkg)
    changed = 0
    for sheet, part in pkg.sheets():
        res = _Resolver(book, sheet, profile)
        cells = pkg.cells(part)
        for ref in cells.formula_refs():
            text = cells.formula(ref)
            if not text or not _CALL.search(normalize_formula(text)):
                continue
            current = values.get(sheet, {}).get(ref)
            new, n = freeze_formula(text, res, current)
            if n:
                cells.set_formula_text(ref, new)
                changed += 1
    return changed


def freeze_file(src: str | Path, out: str | Path, profile: Profile = NATIONAL) -> int:
    data = Path(src).read_bytes()
    pkg = XlsxPackage(data)
    n = freeze_package(pkg, data, profile)
    pkg.set_calc_keep_values()
    save_package(pkg, out)
    return n

