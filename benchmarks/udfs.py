"""Cost of the worksheet-function adapter over the engine, in one run.

* scalar: PE_SCORE(w, t, a, criterion) per call vs ``engine.api.score`` per call;
* spilled: PE_SCORE over 10,000-row columns (2-D lists, as xlwings passes ranges) per row vs the engine
  called row by row.
Target: the adapter adds no more than 2× over the engine.

    python benchmarks/udfs.py [--rows 10000]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfeval_xl.engine.api import score  # noqa: E402
from perfeval_xl.udfs import PE_SCORE  # noqa: E402

CRITERIA = ["完成目标满分；低于目标每1%扣1分，扣完为止", "每超1%扣1分，扣完为止", "完成目标满分；未完成0分", None]
UNITS = ["人", "万元", "户", "个"]
COMPS = ["≥", "≤", "≥", "≥"]


def rows(n: int, seed: int = 3):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        k = i % 4
        t = rnd.randint(50, 50000)
        out.append((rnd.choice([3, 5, 10, 15]), f"{COMPS[k]}{t}{UNITS[k]}", f"{round(t * rnd.uniform(0.6, 1.4))}{UNITS[k]}",
                    CRITERIA[k]))
    return out


def best(fn, repeat=5):
    b = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t0)
    return b


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    n = ap.parse_args().rows
    data = rows(n)
    engine = best(lambda: [score(w, t, a, c) for w, t, a, c in data])
    scalar = best(lambda: [PE_SCORE(w, t, a, c) for w, t, a, c in data])
    cols = [[[r[i]] for r in data] for i in range(4)]
    spilled = best(lambda: PE_SCORE(*cols))
    assert PE_SCORE(*cols) == [[PE_SCORE(*r)] for r in data]
    print(f"rows: {n}")
    print(f"engine.api.score       {engine / n * 1e6:8.2f} µs/row")
    print(f"PE_SCORE scalar call   {scalar / n * 1e6:8.2f} µs/call   ({scalar / engine:.2f}× engine)")
    print(f"PE_SCORE spilled call  {spilled / n * 1e6:8.2f} µs/row    ({spilled / engine:.2f}× engine, one call for {n} rows)")
    worst = max(scalar, spilled) / engine
    print(f"target adapter ≤ 2× engine: {'met' if worst <= 2 else 'NOT met'} (worst {worst:.2f}×)")


if __name__ == "__main__":
    main()
