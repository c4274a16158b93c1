"""Instructions a workbook, counted by valgrind's callgrind: the same count for the same code and input (within 0.1 %;
every count runs with PYTHONHASHSEED=0, since without one the same code's count moved by up to 2 %) on a machine whose
wall times drift by 10–15 % or more from one run to the next (what issue 16's cuts of a few per cent needed).

For each tree (this one, and ``--base REV`` checked out in a temporary git worktree) it counts the instructions of a
process running ``recalc.batch.process`` over 2 and over 2 + N of the shared generator's workbooks, and prints
(I(2 + N) − I(2)) / N: the start-up, the imports and the first file's warm-up fall out of the difference.

    python benchmarks/instructions.py [--n 10] [--base dc56dcf] [--annotate] [--generator ../shared/bench/gen_wb.py]

valgrind comes from Debian's packages (``apt-get install valgrind``); a count takes about half a minute.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from recalc import DEFAULT_GENERATOR, load_generator  # noqa: E402  (the benchmark beside this one)

DRIVER = r"""
import sys
sys.path.insert(0, TREE)
from pathlib import Path
from perfeval_xl.recalc import batch
from perfeval_xl.engine.profile import NATIONAL
files = sorted(Path(FOLDER).glob('*.xlsx'))[:N]
if hasattr(batch, 'prepare'):
    batch.prepare()
for f in files:
    batch.process(batch.Job(str(f), f.name, str(Path(OUT) / f.name), NATIONAL, ANNOTATE, False))
"""


def count(tree: Path, folder: Path, out: Path, n: int, annotate: bool) -> int:
    """Instructions callgrind counts for one process over the first ``n`` workbooks."""
    code = (f"TREE, FOLDER, OUT, N, ANNOTATE = {str(tree)!r}, {str(folder)!r}, {str(out)!r}, {n}, {annotate}\n"
            + DRIVER)
    # string hashing is seeded per process, and set and dict orders (so the work) follow it: one seed for every count
    res = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c",
                          code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    m = re.search(r"Collected : (\d+)", res.stderr)
    if res.returncode != 0 or m is None:
        sys.exit(f"valgrind 运行失败：{res.stderr[-500:]}")
    return int(m.group(1))


def per_workbook(tree: Path, folder: Path, out: Path, n: int, annotate: bool) -> float:
    return (count(tree, folder, out, 2 + n, annotate) - count(tree, folder, out, 2, annotate)) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--base", help="a git revision to count beside this tree")
    ap.add_argument("--annotate", action="store_true")
    ap.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("找不到 valgrind（apt-get install valgrind）")
    gen = load_generator(args.generator)
    work = Path(tempfile.mkdtemp(prefix="pe-instr-"))
    try:
        folder = work / "in"
        folder.mkdir()
        for i in range(2 + args.n):
            gen.make(str(folder / f"自评表_{i:04d}.xlsx"), i + 1)
        trees = [("this tree", ROOT)]
        if args.base:
            base = work / "base"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
                           check=True, capture_output=True)
            trees.insert(0, (args.base, base))
        try:
            for name, tree in trees:
                (work / "out").mkdir(exist_ok=True)
                m = per_workbook(tree, folder, work / "out", args.n, args.annotate)
                print(f"{name:12s} {m / 1e6:7.1f} M instructions a workbook")
        finally:
            if args.base:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "base")],
                               capture_output=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
