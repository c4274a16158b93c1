"""Headless recalculation speed and memory against named baselines, in one run.

Generates N realistic scoring workbooks (3 indicator sheets × 40 rows, ~600 formulas: PE_SCORE,
PE_COMPLETION and plain IF/ROUND/SUM formulas, merged headers) and prints, for each N:

* ``perfeval-xl recalc``   — evaluate + write cached values + recognise + score + check + annotate + write,
  one process (``--jobs 1``), median ms per workbook and peak RSS;
* ``openpyxl load+save``   — the round trip alone (which also loses parts and cached values);
* ``LibreOffice convert``  — ``soffice --headless --convert-to xlsx`` of the same folder (one process for the batch).

Targets: ≤ 60 ms per workbook on one core, ≥ 4× faster than both baselines, memory flat from N=100 to N=1000.

    python benchmarks/recalc.py --n 100 1000 [--skip-libreoffice]
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

CRITERIA = ["完成目标满分；低于目标每1%扣1分，扣完为止", "每超1%扣1分，扣完为止", "完成目标满分；未完成0分",
            "95(含)以上计10分，90(含)-95计8分，85(含)-90计6分，75以下计0分", ""]
TARGETS = ["≥{t}人", "≤{t}万元", "≥{t}户", "", "≥{t}个"]
ACTUALS = ["{a}人", "{a}万元", "{a}户", "{p}%", "{a}个"]


def _style(ws) -> None:
    """What real forms carry: borders, header fill and fonts, wrapped text, number formats, widths,
    a data-validation list and a conditional format."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for row in ws.iter_rows(min_row=1, max_row=43, max_col=12):
        for c in row:
            c.border = box
            c.alignment = Alignment(wrap_text=True, vertical="center")
            c.font = Font(name="宋体", size=10, bold=c.row == 1)
            if c.row == 1:
                c.fill = head_fill
            elif c.column in (9, 11):
                c.number_format = "0.00%" if c.column == 9 else "0.00"
    for col, w in zip("ABCDEFGHIJKL", (10, 12, 24, 6, 40, 14, 14, 9, 9, 8, 9, 8)):
        ws.column_dimensions[col].width = w
    dv = DataValidation(type="list", formula1='"正向,反向,定性"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("E2:E41")
    ws.conditional_formatting.add("H2:H41", CellIsRule(operator="lessThan", formula=["D2"], fill=PatternFill("solid", fgColor="FFEB9C")))
    ws.print_title_rows = "1:1"


def make_workbook(path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    wb = Workbook()
    for s, level in enumerate(("产出", "效益", "满意度")):
        ws = wb.active if s == 0 else wb.create_sheet()
        ws.title = f"{level}指标"
        ws.append(["一级指标", "二级指标", "三级指标", "分值", "评分标准", "目标值", "实际值", "评价得分", "完成率", "判定", "得分率", "扣分"])
        ws.merge_cells("A1:B1")
        for i in range(40):
            r = 2 + i
            k = i % len(CRITERIA)
            t = rnd.randint(20, 5000)
            a = round(t * rnd.uniform(0.6, 1.3))
            ws.append([level, f"组{i // 8}", f"指标{i + 1}", rnd.choice([2, 3, 5]), CRITERIA[k] or None,
                       TARGETS[k].format(t=t) or None, ACTUALS[k].format(a=a, p=round(rnd.uniform(70, 100), 2)),
                       f"=PE_SCORE(D{r},F{r},G{r},E{r})", f'=IFERROR(PE_COMPLETION(F{r},G{r}),"")',
                       f'=IF(H{r}=D{r},"满分","扣分")', f"=ROUND(H{r}/D{r}*100,2)", f"=D{r}-H{r}"])
        ws.cell(43, 1, "合计")
        ws.cell(43, 4, "=SUM(D2:D41)")
        ws.cell(43, 8, "=ROUND(SUM(H2:H41),2)")
        _style(ws)
    wb.save(path)


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def time_each(files, fn) -> list[float]:
    out = []
    for f in files:
        t0 = time.perf_counter()
        fn(f)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def run_child(mode: str, folder: Path, out: Path) -> tuple[float, float]:
    """Run one measured mode in a fresh process so peak memory is its own; returns (median ms, peak MB)."""
    code = f"""
import sys, statistics, time, resource
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from pathlib import Path
files = sorted(Path({str(folder)!r}).glob('*.xlsx'))
out = Path({str(out)!r}); out.mkdir(parents=True, exist_ok=True)
times = []
if {mode!r} == 'perfeval':
    from perfeval_xl.recalc.batch import Job, process
    from perfeval_xl.engine.profile import NATIONAL
    for f in files:
        t0 = time.perf_counter(); process(Job(str(f), f.name, str(out / f.name), NATIONAL, True, False))
        times.append((time.perf_counter() - t0) * 1000)
else:
    import openpyxl
    for f in files:
        t0 = time.perf_counter(); wb = openpyxl.load_workbook(f); wb.save(out / f.name)
        times.append((time.perf_counter() - t0) * 1000)
print(statistics.median(times), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    med, peak = res.stdout.split()
    return float(med), float(peak)


def libreoffice(folder: Path, out: Path) -> tuple[float, float] | None:
    """(mean ms per workbook, peak MB of its largest process) for one LibreOffice process converting the folder.

    It runs under a small Python parent so that the peak resident size is LibreOffice's own
    (RUSAGE_CHILDREN of that parent), not that of the processes measured before it."""
    soffice = shutil.which("soffice")
    if not soffice:
        return None
    files = sorted(folder.glob("*.xlsx"))
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to",
           "xlsx", "--outdir", str(out), *map(str, files)]
    code = f"""
import resource, subprocess, time
t0 = time.perf_counter()
subprocess.run({cmd!r}, capture_output=True, check=True)
print((time.perf_counter() - t0) * 1000, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total_ms, peak = map(float, res.stdout.split())
    return total_ms / len(files), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[100])
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--lo-sample", type=int, default=100, help="workbooks converted by LibreOffice (it is slow)")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for n in args.n:
        root = Path(tempfile.mkdtemp(prefix=f"pe-bench-{n}-"))
        src = root / "in"
        src.mkdir()
        for i in range(n):
            make_workbook(src / f"自评表_{i:04d}.xlsx", i)
        ours, our_mem = run_child("perfeval", src, root / "ours")
        opx, opx_mem = run_child("openpyxl", src, root / "openpyxl")
        print(f"N = {n} workbooks (3 sheets × 40 rows, ~600 formulas each)")
        print(f"  perfeval-xl recalc     median {ours:8.1f} ms/workbook   peak {our_mem:7.1f} MB")
        print(f"  openpyxl load+save     median {opx:8.1f} ms/workbook   peak {opx_mem:7.1f} MB   ({opx / ours:.1f}× slower)")
        if not args.skip_libreoffice:
            sample = root / "lo-in"
            sample.mkdir()
            for f in sorted(src.glob("*.xlsx"))[: args.lo_sample]:
                shutil.copy(f, sample / f.name)
            lo = libreoffice(sample, root / "lo")
            if lo is None:
                print("  LibreOffice convert    (soffice not installed)")
            else:
                lo_ms, lo_mem = lo
                print(f"  LibreOffice convert    mean   {lo_ms:8.1f} ms/workbook   peak {lo_mem:7.1f} MB   "
                      f"({lo_ms / ours:.1f}× slower; batch of {min(n, args.lo_sample)} in one process)")
        verdict = "met" if ours <= 60 else "NOT met"
        print(f"  target ≤ 60 ms/workbook: {verdict}")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
