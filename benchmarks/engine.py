"""Engine throughput: score N indicators (parse target and actual, pick the rule from its 评分标准, score).

Prints indicators/second for perfeval-xl's engine next to a plain-Python baseline doing only the bare
arithmetic of the same rules on pre-parsed floats (what a hand-written spreadsheet formula does).
Target: ≥ 100,000 indicators/s in one process.

    python benchmarks/engine.py [--n 100000] [--seed 1]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfeval_xl.engine.api import score  # noqa: E402

CRITERIA = [
    ("完成目标满分；低于目标每1%扣1分，扣完为止", "≥", "人"),
    ("完成目标满分；未完成0分", "≥", "%"),
    ("费息总额≤310万元，完成目标满分；每超1%扣1分，扣完为止", "≤", "万元"),
    ("资金到位率100%得3分，未100%完成，按资金到位率*3分得分", "", "%"),
    ("95(含)以上计10分，90(含)-95计8分，85(含)-90计6分，80(含)-85计4分，75(含)-80计2分，75以下计0分", "", "%"),
    (None, "≥", "户"),
    (None, "≤", "万元"),
]


def make_rows(n: int, seed: int) -> list[tuple]:
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        crit, comp, unit = rnd.choice(CRITERIA)
        w = rnd.choice([3, 5, 8, 10, 15])
        t = rnd.randint(50, 50000) if unit != "%" else rnd.choice([90, 95, 100])
        a = round(t * rnd.uniform(0.6, 1.4), 2)
        rows.append((w, f"{comp}{t}{unit}", f"{a}{unit}", crit, float(t), float(a), crit, comp))
    return rows


def engine(rows):
    for w, t, a, c, *_ in rows:
        score(w, t, a, c)


def baseline(rows):
    """Bare arithmetic on pre-parsed floats: no parsing, no rule selection, Python's round()."""
    for w, _t, _a, _c, t, a, crit, comp in rows:
        if crit and "每超" in crit:
            s = w if a <= t else w - (a - t) / t * 100
        elif crit and "以上计" in crit:
            s = 10 if a >= 95 else 8 if a >= 90 else 6 if a >= 85 else 4 if a >= 80 else 2 if a >= 75 else 0
        elif comp == "≤":
            s = w if a <= t else t / a * w
        else:
            s = w if a >= t else a / t * w
        round(min(max(s, 0), w), 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = make_rows(args.n, args.seed)
    results = {}
    for name, fn in (("plain-python baseline", baseline), ("perfeval-xl engine", engine)):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            fn(rows)
            best = min(best, time.perf_counter() - t0)
        results[name] = args.n / best
    print(f"indicators: {args.n}")
    for name, rate in results.items():
        print(f"{name:24s} {rate:12,.0f} indicators/s")
    eng = results["perfeval-xl engine"]
    print(f"engine / baseline: {eng / results['plain-python baseline']:.2f}×; "
          f"target ≥ 100,000/s: {'met' if eng >= 100_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
