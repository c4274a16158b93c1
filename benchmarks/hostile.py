"""Wall time and peak memory of `perfeval-xl recalc` on each hostile input (issue 11), one core, one file per run,
beside the baseline of a valid form in the same run. Not a unit test: prints a table.

    python benchmarks/hostile.py [--only CASE ...]

Every case must end within 60 s and 1 GB peak resident memory (the worker's and the parent's, measured with
getrusage on the children of the run)."""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile import CASES  # noqa: E402


def _big_sheet(rows: int):
    """A real-looking data sheet of ``rows`` × 3 numbers added beside the form (within every limit)."""
    from hostile import edit, first_sheet

    def build(data: bytes) -> bytes:
        body = b"".join(b'<row r="%d"><c r="M%d"><v>%d</v></c><c r="N%d"><v>%d.5</v></c><c r="O%d"><v>%d</v></c></row>'
                        % (r, r, r * 7, r, r, r, r % 97) for r in range(1001, 1001 + rows))
        return edit(data, first_sheet(data), lambda b: b.replace(b"</sheetData>", body + b"</sheetData>"))
    return build


def run_one(data: bytes, name: str, tmp: Path) -> tuple[float, float, int, str]:
    d = tmp / name
    d.mkdir()
    (d / f"{name}.xlsx").write_bytes(data)
    cmd = [sys.executable, "-c",
           "import resource, subprocess, sys;"
           "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
           "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
           "print(r.returncode, u.ru_maxrss, (r.stdout.strip().splitlines() or [''])[0][:90], sep='\\t')",
           sys.executable, "-m", "perfeval_xl.cli", "recalc", str(d), "--out", str(tmp / (name + "_out")), "--jobs", "1"]
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300).stdout.strip()
    wall = time.perf_counter() - t
    rc, rss, line = out.split("\t", 2)
    return wall, int(rss) / 1024, int(rc), line


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    base = (ROOT / "workbooks" / "examples" / "seed003_项目.xlsx").read_bytes()
    cases = {"baseline (valid seed 003)": lambda d: d, **CASES,
             "big_sheet_200k_rows": _big_sheet(200_000), "big_sheet_330k_rows (~1M cells)": _big_sheet(330_000)}
    if args.only:
        cases = {k: v for k, v in cases.items() if k in args.only or k.startswith("baseline")}
    tmp = Path(tempfile.mkdtemp())
    try:
        print(f"{'case':28s} {'wall s':>7s} {'peak MB':>8s} {'exit':>4s}  first line")
        worst_t = worst_m = 0.0
        for i, (name, build) in enumerate(cases.items()):
            wall, mb, rc, line = run_one(build(base), f"c{i}", tmp)
            worst_t, worst_m = max(worst_t, wall), max(worst_m, mb)
            print(f"{name:28s} {wall:7.2f} {mb:8.1f} {rc:4d}  {line}")
        print(f"worst: {worst_t:.2f} s, {worst_m:.1f} MB (limits 60 s, 1024 MB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
