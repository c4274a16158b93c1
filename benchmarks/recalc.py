"""Headless recalculation speed and memory against named baselines, in one run, on the shared benchmark workbooks.

The workbooks come from the shared generator ``../shared/bench/gen_wb.py`` (``make(path, seed)``: three indicator
sheets × 40 rows plus a summary, ~640 formulas, merged headers, PE_* and plain formulas, comments, validation,
conditional formats). For each N the script prints, each measured in a fresh process (so its peak memory is its own):

* ``perfeval-xl recalc``          — read + evaluate + write cached values + recognise + score + check + annotate +
  write (``recalc.batch.process``, one core), and the same without annotation; and that again on the copies it wrote,
  which hold every formula's value as a form saved by Excel or WPS does (the trust checks then read every formula);
* ``openpyxl load+save``           — the round trip alone (which also loses parts and cached values);
* ``formualizer evaluate``         — the formula engine alone on the file's bytes, PE_* registered, as recalc runs it
  (serial evaluation; part of the floor), and with formualizer's default (parallel) evaluation for comparison;
* ``calamine read``                — python-calamine reading every sheet's values (the floor of reading);
* ``zip read+rewrite``             — every part inflated and deflated again (the floor of writing);
* ``LibreOffice batch convert``    — ``soffice --headless --convert-to xlsx`` of the folder in one process;
* ``--jobs 2`` against ``--jobs 1`` — the batch's wall time through ``run_batch``.

LibreOffice's time on this machine has moved by half from one run to the next (90 to 152 ms a workbook), and ours moves
with the machine too, so one LibreOffice run against one of ours can land on either side of 8×. ``--lo-pairs K`` times
the two back to back K times on the same sample (ours without annotation, then LibreOffice) and judges the 8× target on
the median of the K ratios, each taken from runs a few seconds apart. Each pair also prints formualizer's time alone on
the sample, taken right after, beside which a pair's ratio can be read. On 2026-12-05 the same 100 files and code took
ours 10.7–11.3 ms in one hour and 13.4–16.5 ms in the next (LibreOffice 98–105 then 118–120 ms), while formualizer alone
moved by about 5 %: what the hour slows is mostly the Python part of ours, so that figure is a weak gauge of it.

Targets (issue 16): ≤ 20 ms per workbook without annotation and ≤ 30 ms with it; ≥ 8× faster than LibreOffice and
≥ 4× faster than openpyxl; peak memory flat (±10 %) from N = 100 to N = 1000; ``--jobs 2`` ≥ 1.7× ``--jobs 1``.

    python benchmarks/recalc.py --n 40 1000 [--generator ../shared/bench/gen_wb.py] [--skip-libreoffice] [--lo-pairs 3]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from perfeval_xl.xlio.sheetxml import possessive_repeats_work  # noqa: E402

DEFAULT_GENERATOR = ROOT.parent / "shared" / "bench" / "gen_wb.py"

CHILD = r"""
import sys, statistics, time, resource, io, zipfile
sys.path.insert(0, ROOT)
from pathlib import Path
files = sorted(Path(FOLDER).glob('*.xlsx'))
out = Path(OUT); out.mkdir(parents=True, exist_ok=True)
times = []
def timed(fn):
    for f in files:
        t0 = time.perf_counter(); fn(f); times.append((time.perf_counter() - t0) * 1000)
if MODE in ('perfeval', 'perfeval-plain'):
    from perfeval_xl.recalc.batch import Job, prepare, process
    from perfeval_xl.engine.profile import NATIONAL
    prepare()   # as run_batch readies each batch process
    timed(lambda f: process(Job(str(f), f.name, str(out / f.name), NATIONAL, MODE == 'perfeval', False)))
elif MODE == 'openpyxl':
    import openpyxl
    timed(lambda f: openpyxl.load_workbook(f).save(out / f.name))
elif MODE == 'formualizer':
    # the engine as recalc runs it (evaluated on the calling thread), PE_* registered
    from perfeval_xl.recalc.evaluate import engine_workbook, register_pe
    def run(f):
        wb = engine_workbook(f.read_bytes()); register_pe(wb); wb.evaluate_all()
    timed(run)
elif MODE == 'formualizer-default':
    import formualizer as fz
    from perfeval_xl.recalc.evaluate import register_pe
    def run(f):
        wb = fz.load_workbook_bytes(f.read_bytes()); register_pe(wb); wb.evaluate_all()
    timed(run)
elif MODE == 'calamine':
    from python_calamine import CalamineWorkbook
    def run(f):
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    timed(run)
elif MODE == 'zip':
    def run(f):
        src = zipfile.ZipFile(f); buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
            for i in src.infolist():
                z.writestr(i, src.read(i.filename))
        (out / f.name).write_bytes(buf.getvalue())
    timed(run)
def peak_mb():
    # this process's own peak resident memory: VmHWM starts afresh at exec, whereas ru_maxrss keeps the peak of the
    # process that forked it (this script's parent, which generated the workbooks, holds ~55 MB)
    try:
        with open('/proc/self/status') as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith('VmHWM:')) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(statistics.median(times), peak_mb())
"""


def load_generator(path: Path):
    if not path.exists():
        sys.exit(f"找不到共享的基准工作簿生成器 {path}（用 --generator 指定 gen_wb.py 的位置）")
    spec = importlib.util.spec_from_file_location("gen_wb", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_child(mode: str, folder: Path, out: Path) -> tuple[float, float]:
    """(median ms per workbook, peak MB) of one mode in a fresh process."""
    code = (f"ROOT, FOLDER, OUT, MODE = {str(ROOT)!r}, {str(folder)!r}, {str(out)!r}, {mode!r}\n" + CHILD)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    med, peak = res.stdout.split()
    return float(med), float(peak)


def libreoffice(folder: Path, out: Path) -> tuple[float, float] | None:
    """(mean ms per workbook, peak MB) of one LibreOffice process converting the folder, measured from a small
    parent so that the peak is LibreOffice's own."""
    soffice = shutil.which("soffice")
    if not soffice:
        return None
    files = sorted(folder.glob("*.xlsx"))
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    # a first run creates the profile, so the measured run does not pay for it
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out / "warm"), str(files[0])], capture_output=True)
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


def batch_wall(folder: Path, out: Path, jobs: int) -> float:
    """Seconds for ``perfeval-xl recalc FOLDER --jobs N`` (workers, isolation, summary: the whole command)."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "recalc", str(folder), "--out", str(out), "--jobs",
                    str(jobs), "-q"], cwd=ROOT, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return time.perf_counter() - t0


def batch_scaling(folder: Path, out: Path) -> tuple[float, float]:
    """Seconds for ``run_batch`` at jobs 1 and 2 in one warm process (the batch alone: no start-up, no summary)."""
    code = f"""
import sys, time, shutil
sys.path.insert(0, {str(ROOT)!r})
from perfeval_xl.recalc.batch import run_batch
run_batch([{str(folder)!r}], {str(out / 'warm')!r}, jobs=1, progress=None)
res = []
for jobs in (1, 2):
    shutil.rmtree({str(out / 'b')!r}, ignore_errors=True)
    t0 = time.perf_counter()
    run_batch([{str(folder)!r}], {str(out / 'b')!r}, jobs=jobs, progress=None)
    res.append(time.perf_counter() - t0)
print(*res)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})
    one, two = map(float, r.stdout.split())
    return one, two


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[40])
    ap.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--lo-sample", type=int, default=100, help="workbooks LibreOffice converts (it is slow)")
    ap.add_argument("--skip-jobs", action="store_true", help="do not time --jobs 1 against --jobs 2")
    ap.add_argument("--lo-pairs", type=int, default=0,
                    help="time ours and LibreOffice back to back this many times; judge 8x on the median ratio")
    args = ap.parse_args()
    gen = load_generator(args.generator)
    print(f"cores available: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}")
    # the interpreter is part of what is measured: the Python stages are most of ours, and a build moves them by 10 %
    repeats = "possessive" if possessive_repeats_work() else "greedy (re's possessive repeats broken here)"
    print(f"Python {platform.python_version()} at {os.path.realpath(sys.executable)}; cell pattern's repeats {repeats}")
    peaks: dict[int, float] = {}     # N → peak memory of ours without annotation (the flat-memory target)
    for n in args.n:
        root = Path(tempfile.mkdtemp(prefix=f"pe-bench-{n}-"))
        src = root / "in"
        src.mkdir()
        for i in range(n):
            gen.make(str(src / f"自评表_{i:04d}.xlsx"), i + 1)
        rows = {}
        for mode in ("perfeval", "perfeval-plain", "openpyxl", "formualizer", "formualizer-default", "calamine", "zip"):
            rows[mode] = run_child(mode, src, root / mode)
        # the same workbooks as a form arrives from Excel or WPS: every formula with its value saved (our own copies,
        # without annotation); then the trust checks read every formula, and Excel's TEXT() values are kept
        saved = run_child("perfeval-plain", root / "perfeval-plain", root / "saved")
        rows = {k: v for mode, v0 in rows.items()
                for k, v in ([(mode, v0), ("perfeval-saved", saved)] if mode == "perfeval-plain" else [(mode, v0)])}
        ours, plain = rows["perfeval"][0], rows["perfeval-plain"][0]
        print(f"N = {n} workbooks from {args.generator.name} (3 indicator sheets × 40 rows + summary)")
        names = {"perfeval": "perfeval-xl recalc (annotate)", "perfeval-plain": "perfeval-xl recalc (no annotate)",
                 "perfeval-saved": "  the same, values saved in them",
                 "openpyxl": "openpyxl load+save", "formualizer": "formualizer evaluate (floor)",
                 "formualizer-default": "formualizer, its default (parallel)",
                 "calamine": "calamine read (floor)", "zip": "zip read+rewrite (floor)"}
        for mode, (ms, mb) in rows.items():
            extra = (f"   ({ms / plain:.1f}× ours without annotation)"
                     if mode not in ("perfeval", "perfeval-plain", "perfeval-saved") else "")
            print(f"  {names[mode]:34s} median {ms:7.1f} ms/workbook   peak {mb:7.1f} MB{extra}")
        floor = rows["formualizer"][0] + rows["calamine"][0] + rows["zip"][0]
        print(f"  floor (formualizer + calamine + zip) {floor:7.1f} ms; ours without annotation = {plain / floor:.2f}× floor")
        lo_ms = None
        if not args.skip_libreoffice:
            sample = root / "lo-in"
            sample.mkdir()
            for f in sorted(src.glob("*.xlsx"))[: args.lo_sample]:
                shutil.copy(f, sample / f.name)
            lo = libreoffice(sample, root / "lo")
            if lo is None:
                print("  LibreOffice batch convert          (soffice not installed)")
            else:
                lo_ms, lo_mem = lo
                print(f"  LibreOffice batch convert          mean   {lo_ms:7.1f} ms/workbook   peak {lo_mem:7.1f} MB   "
                      f"({lo_ms / plain:.1f}× ours without annotation; {min(n, args.lo_sample)} files, one process)")
                ratios = []
                for k in range(args.lo_pairs):
                    mine = run_child("perfeval-plain", sample, root / f"pair{k}")[0]
                    theirs = libreoffice(sample, root / f"lo{k}")[0]
                    # the formula engine alone (compiled code, a fixed amount of work) right after the pair, printed
                    # beside its ratio (see the module's docstring for how far it follows the machine's hour)
                    engine = run_child("formualizer", sample, root / f"fz{k}")[0]
                    ratios.append(theirs / mine)
                    print(f"    pair {k + 1}: ours {mine:5.1f} ms, LibreOffice {theirs:6.1f} ms ({theirs / mine:.2f}×); "
                          f"formualizer alone then {engine:4.2f} ms")
                if ratios:
                    lo_ms = statistics.median(ratios) * plain     # the verdict below: the median paired ratio
                    print(f"    median of {len(ratios)} paired ratios: {statistics.median(ratios):.2f}×")
        if not args.skip_jobs:
            one, two = batch_wall(src, root / "j1", 1), batch_wall(src, root / "j2", 2)
            print(f"  perfeval-xl recalc command: --jobs 1 {one:.2f} s, --jobs 2 {two:.2f} s ({one / two:.2f}×)")
            b1, b2 = batch_scaling(src, root / "scaling")
            print(f"  the batch alone (run_batch, warm): jobs 1 {b1:.2f} s, jobs 2 {b2:.2f} s ({b1 / b2:.2f}×)")
        verdicts = [f"≤20 ms plain: {'met' if plain <= 20 else 'NOT met'}",
                    f"≤30 ms annotated: {'met' if ours <= 30 else 'NOT met'}",
                    f"≥4× openpyxl: {'met' if rows['openpyxl'][0] >= 4 * plain else 'NOT met'}"]
        if lo_ms is not None:
            verdicts.append(f"≥8× LibreOffice: {'met' if lo_ms >= 8 * plain else 'NOT met'}")
        if not args.skip_jobs and n >= 1000:
            verdicts.append(f"--jobs 2 ≥1.7× on {n} files: {'met' if one >= 1.7 * two else 'NOT met'}")
        peaks[n] = rows["perfeval-plain"][1]
        if n >= 1000 and 100 in peaks:
            verdicts.append(f"peak memory flat (±10 %) from N = 100: "
                            f"{'met' if abs(peaks[n] / peaks[100] - 1) <= 0.10 else 'NOT met'}")
        print("  targets: " + "; ".join(verdicts))
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
