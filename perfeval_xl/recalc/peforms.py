"""PE_* calls however a spreadsheet program stored them, brought to one spelling for evaluation.

Excel saves a call to a function of a loaded .xlam as ``[1]!PE_SCORE(…)`` (plus an externalLink part),
or with the add-in's path ``'C:\\…\\perfeval_xl.xlam'!PE_SCORE(…)``; XLL functions as ``_xll.PE_SCORE``;
Office.js custom functions as ``_xldudf_PE_SCORE``; other programs may write lower case. All become
``PE_SCORE(…)``. Text inside string literals is left alone.
"""
from __future__ import annotations

import re

from ..cellfuncs import FUNCTIONS

NAMES = tuple(name[3:] for name in FUNCTIONS)  # SCORE, RATE, COMPLETION, GRADE, CHECK
_PREFIX = r"(?:\[\d+\]!|'[^']*'!|[A-Za-z0-9_.\\:/]+\.xlam!|_xll\.|_xldudf_|(?<![A-Za-z0-9_.]))"
PE_CALL = re.compile(_PREFIX + r"(?i:pe_(" + "|".join(NAMES) + r"))\s*\(")
_STRING = re.compile(r'"(?:[^"]|"")*"')


def normalize_formula(formula: str) -> str:
    """The formula with every PE_* call spelled ``PE_NAME(``; strings untouched."""
    return outside_strings(formula, _fix)


def outside_strings(formula: str, fix) -> str:
    """The formula with ``fix`` applied to each stretch of it outside string literals."""
    out, last = [], 0
    for m in _STRING.finditer(formula):
        out.append(fix(formula[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(fix(formula[last:]))
    return "".join(out)


def _fix(code: str) -> str:
    return PE_CALL.sub(lambda m: f"PE_{m.group(1).upper()}(", code)


def has_pe(formula: str) -> bool:
    return PE_CALL.search(formula) is not None
