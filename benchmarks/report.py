"""Report drafting speed against named baselines, in one run, on one core.

Copies the bundled example workbooks (four real seed forms of four layouts) into a folder of N files and prints:

* ``report``            — ``perfeval-xl report``'s pipeline: read + recognise + score + check + draft one .docx per
  form + the batch 复核意见汇总 (``run_batch(..., report_dir=…)`` with ``jobs=1``, then ``write_review``);
* ``validate``          — the same pipeline without drafting (the review alone: what drafting adds is the difference);
* ``python-docx floor`` — open the report template and save it N times (the least a .docx per form can cost).

Target: 300 forms draft in under a minute on one core.

    python benchmarks/report.py [--n 300]
"""
from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfeval_xl.recalc.batch import run_batch  # noqa: E402
from perfeval_xl.report.draft import new_document  # noqa: E402
from perfeval_xl.report.review import write_review  # noqa: E402

EXAMPLES = sorted((ROOT / "workbooks" / "examples").glob("*.xlsx"))


def folder_of(n: int, where: Path) -> Path:
    inp = where / "in"
    inp.mkdir()
    for i in range(n):
        src = EXAMPLES[i % len(EXAMPLES)]
        shutil.copy(src, inp / f"{i:04d}_{src.name}")
    return inp


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        inp = folder_of(n, tmp_path)
        out = tmp_path / "rep"
        summary = {}

        def report() -> None:
            summary["s"] = run_batch([inp], None, jobs=1, annotate=False, report_dir=out)
            write_review(summary["s"], out / "复核意见汇总.docx")

        def validate() -> None:
            run_batch([inp], None, jobs=1, annotate=False)

        def floor() -> None:
            for _ in range(n):
                new_document().save(io.BytesIO())

        results = [("report", timed(report)), ("validate", timed(validate)), ("python-docx floor", timed(floor))]
        forms = sum(len(w["sheets"]) for w in summary["s"]["workbooks"])
        docs = len(list(out.rglob("*_报告初稿.docx")))
    print(f"{n} files, {forms} forms, {docs} reports drafted (one core)")
    print(f"{'':20s}{'total s':>10s}{'ms/form':>10s}")
    for name, secs in results:
        print(f"{name:20s}{secs:10.2f}{secs * 1000 / max(forms, 1):10.1f}")
    added = results[0][1] - results[1][1]
    print(f"drafting adds {added:.2f} s ({added * 1000 / max(forms, 1):.1f} ms/form); "
          f"target: {n} forms < 60 s → {'met' if results[0][1] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
