"""Worksheet functions in Excel (=PE_SCORE(…) and siblings): the xlwings adapter over
:mod:`perfeval_xl.cellfuncs`.

Inside Excel, xlwings' UDF server has imported xlwings before this module: each function gets xlwings' @func and
one @arg(doc=…, err_to_str=True) per argument (cell errors arrive as "#DIV/0!", not None), which the Function
Wizard and ``xlwings import`` read. Headless nothing is decorated and xlwings is not imported (it loads numpy and
pandas: ~60 MB and ~0.3 s in every worker). The add-in's VBA wrappers call ``perfeval_xl.udfs.PE_*``.
"""
from __future__ import annotations

import sys
from typing import Callable

from . import cellfuncs
from .cellfuncs import ERROR_PREFIX, excel_error  # noqa: F401  (part of this module's interface)

if "xlwings" in sys.modules:
    import xlwings as xw

    def _decorate(f: Callable) -> Callable:
        for name, doc in reversed(list(f.__pe_args__.items())):
            f = xw.arg(name, doc=doc, err_to_str=True)(f)
        return xw.func(f)
else:
    def _decorate(f: Callable) -> Callable:
        return f

PE_SCORE = _decorate(cellfuncs.PE_SCORE)
PE_RATE = _decorate(cellfuncs.PE_RATE)
PE_COMPLETION = _decorate(cellfuncs.PE_COMPLETION)
PE_GRADE = _decorate(cellfuncs.PE_GRADE)
PE_CHECK = _decorate(cellfuncs.PE_CHECK)

UDFS = {f.__name__: f for f in (PE_SCORE, PE_RATE, PE_COMPLETION, PE_GRADE, PE_CHECK)}

__all__ = ["PE_SCORE", "PE_RATE", "PE_COMPLETION", "PE_GRADE", "PE_CHECK", "UDFS"]
