"""Excel's arithmetic where it differs from Python's.

* ``excel_round`` — Excel's ROUND: half away from zero, applied to the value Excel displays with 15
  significant digits (so ROUND(2.675, 2) = 2.68 in Excel, where Python's round gives 2.67).
* ``fsum_round`` — the sum of scores as Excel's SUM followed by ROUND(…, 2): what a total is graded on.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable


_POW10 = [10.0**i for i in range(16)]


def excel_round(x: float, digits: int = 0) -> float:
    """ROUND(x, digits) as Excel computes it (half away from zero on 15 significant digits)."""
    if x is None:
        raise TypeError("excel_round: None")
    if 0 <= digits <= 15 and type(digits) is int:
        # fast path: away from a tie, ordinary rounding of |x|·10^d is exact enough, and n / 10^d is the
        # double nearest the decimal result (IEEE division is correctly rounded). Below 1e9 the 15-digit
        # pre-rounding moves y by < 1e-6, inside the tie margin. NaN and ±inf fall through.
        scale = _POW10[digits]
        y = x * scale if x >= 0 else -x * scale
        if y < 1e9:
            n = int(y)
            frac = y - n
            if frac < 0.499999 or frac > 0.500001:
                if frac > 0.5:
                    n += 1
                return n / scale if x >= 0 or n == 0 else -(n / scale)
    x = float(x)
    if not math.isfinite(x):
        return x
    digits = int(digits)
    d = Decimal(format(x, ".15g"))
    if d.as_tuple().exponent >= -digits:
        # no digit below the one kept (1E+27 to 2 places): quantize would need over 28 digits; at the edge of the
        # double range the 15-digit form rounds past it, and the number stays as it is
        r = float(d)
        return r if math.isfinite(r) else x
    q = Decimal(1).scaleb(-int(digits))
    return float(d.quantize(q, rounding=ROUND_HALF_UP))


def fsum_round(values: Iterable[float | None], digits: int = 2) -> float:
    """Sum (exactly, like math.fsum) and round to ``digits`` like Excel's ROUND."""
    return excel_round(math.fsum(v for v in values if v is not None), digits)


def clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x
