"""The in-place guarantee under kill -9 (issue 11): 200 workbooks processed with `recalc --in-place`, the run killed
at N random moments (each trial on a fresh copy). Afterwards every workbook must equal either its original bytes or
its complete processed output, and every .bak must equal the original.

    python scripts/kill_test.py [--files 200] [--kills 10] [--seed 1]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp())
    seeds = sorted(EX.glob("*.xlsx"))
    src = tmp / "src"
    src.mkdir()
    for i in range(args.files):
        shutil.copy(seeds[i % len(seeds)], src / f"{i:03d}_{seeds[i % len(seeds)].name}")
    ref = tmp / "ref"
    cmd = [sys.executable, "-m", "perfeval_xl.cli", "recalc"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}   # run from the scratch folder: --in-place writes its summary there
    t = time.perf_counter()
    subprocess.run(cmd + [str(src), "--out", str(ref), "--jobs", "2"], cwd=tmp, env=env, capture_output=True)
    full = time.perf_counter() - t
    original = {p.name: p.read_bytes() for p in src.glob("*.xlsx")}
    processed = {p.name: p.read_bytes() for p in ref.glob("*.xlsx")}
    print(f"{args.files} workbooks; an uninterrupted run takes {full:.2f} s")
    bad = 0
    for k in range(args.kills):
        work = tmp / f"trial{k}"
        shutil.copytree(src, work)
        at = rnd.uniform(0.05, full)
        p = subprocess.Popen(cmd + [str(work), "--in-place", "--jobs", "2"], cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(at)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        n_orig = n_done = n_bad = n_bak = n_tmp = 0
        for name, data in original.items():
            now = (work / name).read_bytes()
            if now == data:
                n_orig += 1
            elif now == processed[name]:
                n_done += 1
            else:
                n_bad += 1
            bak = work / (name + ".bak")
            if bak.exists():
                n_bak += 1
                if bak.read_bytes() != data:
                    n_bad += 1
        n_tmp = len(list(work.glob(".~*")))
        bad += n_bad
        print(f"kill {k + 1:2d} at {at:5.2f} s: {n_done:3d} processed, {n_orig:3d} original, {n_bak:3d} .bak, "
              f"{n_bad} wrong, {n_tmp} temporary files left")
        shutil.rmtree(work)
    shutil.rmtree(tmp)
    print("OK: every file is its original or its complete output; every .bak is the original" if not bad
          else f"FAILED: {bad} wrong files")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
