"""Run recalc over folders of real Excel files and check that no workbook is made worse (issue 10).

    python scripts/sweep.py FOLDER... [--jobs N] [--json report.json]

Meant for the comparison files of XlsxWriter's test suite (``xlsxwriter/test/comparison/xlsx_files``, files saved
by Excel, BSD-2-Clause) and Apache POI's ``test-data/spreadsheet`` (Apache-2.0, including edge and fuzzed files):
fetch them, then point this script at the folders. It runs ``perfeval-xl recalc`` exactly as a user would (one batch,
worker processes, annotated copies) and then, for every input, checks:

* **crashes** — an entry with PE-R009 (an unexpected internal error) or a batch that dies;
* **refused** — a file recalc could not read although openpyxl opens it;
* **parts lost** — a zip part of the input missing from the output copy;
* **values made worse** — a formula cell whose cached value in the input is a non-error value and whose value in the
  output is an Excel error (read back with openpyxl ``data_only=True``, independently of the writer);
* **inputs modified** — an input whose bytes changed;

and reports the cells left 未重算 (Excel's value kept) by reason. Exit status 0 only when every count above is 0.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA"}


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def openpyxl_opens(p: Path) -> bool:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            openpyxl.load_workbook(p, read_only=True).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "openpyxl does not open it"
        return False


def formula_values(p: Path) -> dict[tuple[str, str], object]:
    """{(sheet, cell): cached value} of every formula cell, read with openpyxl (formulas and cached values are two
    loads). Only the cells a sheet holds are visited (``_cells``): iter_rows would pad each row to the widest one,
    which for the fuzzed files with a cell at XFD1048576 is 16,384 cells a row."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        formulas = openpyxl.load_workbook(p, data_only=False)
        values = openpyxl.load_workbook(p, data_only=True)
    out = {}
    for ws in formulas.worksheets:
        cells = getattr(ws, "_cells", {})
        cached = getattr(values[ws.title], "_cells", {})
        for rc, c in cells.items():
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")):
                v = cached.get(rc)
                out[(ws.title, c.coordinate)] = v.value if v is not None else None
    return out


def _differs(old, new) -> bool:
    """Excel's saved value and ours differ (both present and not errors; numbers, booleans among them, beyond 1e-9
    relative; anything else by its text)."""
    if old is None or new is None or (isinstance(old, str) and old in ERRORS) or (isinstance(new, str) and new in ERRORS):
        return False
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return abs(old - new) > 1e-9 * max(1.0, abs(old))
    return str(old) != str(new)


class Timeout(Exception):
    pass


def within(seconds: int, fn, *a):
    """fn(*a), or Timeout after ``seconds`` (the comparison of one pathological file must not stall the sweep)."""
    import signal

    def alarm(*_):
        raise Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return fn(*a)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--json", type=Path, help="write the per-file report here")
    args = ap.parse_args()

    from perfeval_xl.recalc.batch import collect, run_batch

    files = [f for f, _rel in collect(args.folders, None)]
    before = {str(f): digest(f) for f in files}
    out = Path(tempfile.mkdtemp(prefix="pe-sweep-"))
    t0 = time.perf_counter()
    try:
        summary = run_batch(args.folders, out, jobs=args.jobs, progress=None)
    except Exception as exc:  # noqa: BLE001 - the one thing that must never happen
        print(f"BATCH DIED: {type(exc).__name__}: {exc}")
        return 1
    wall = time.perf_counter() - t0

    by_rel = {w["path"]: w for w in summary["workbooks"]}
    rels = {str(f): rel.as_posix() for f, rel in collect(args.folders, None)}
    report = {"files": len(files), "seconds": round(wall, 1), "crashes": [], "refused": [], "refused_openpyxl_fails": 0,
              "parts_lost": [], "values_worse": [], "inputs_modified": [], "error_codes": Counter(),
              "not_recalculated": Counter(), "not_recalculated_files": 0, "recalculated_files": 0,
              "not_compared": [], "compared_files": 0, "compared_cells": 0, "values_differ": [],
              "values_differ_cells": 0}
    for i, f in enumerate(files, 1):
        if i % 200 == 0:
            print(f"  … {i}/{len(files)} compared", file=sys.stderr)
        rel = rels[str(f)]
        w = by_rel.get(rel)
        if digest(f) != before[str(f)]:
            report["inputs_modified"].append(rel)
        if w is None:
            report["crashes"].append(f"{rel}: missing from the summary")
            continue
        if w["status"] == "error":
            code = w["error"]["code"]
            report["error_codes"][code] += 1
            if code == "PE-R009":
                report["crashes"].append(f"{rel}: {w['error']['message']}")
            elif openpyxl_opens(f):
                report["refused"].append(f"{rel}: {w['error']['message']}")
            else:
                report["refused_openpyxl_fails"] += 1
            continue
        nr = w.get("not_recalculated")
        if nr:
            report["not_recalculated_files"] += 1
            for why, n in nr["reasons"].items():
                report["not_recalculated"][why] += n
        copy = Path(w["output"]) if w.get("output") else None
        if copy is None or not copy.exists():
            continue                                   # .xls: reviewed, no copy written
        report["recalculated_files"] += 1
        if not zipfile.is_zipfile(f):                 # an encrypted package, written out decrypted
            report["not_compared"].append(f"{rel}: encrypted input (copy written decrypted)")
            continue
        with zipfile.ZipFile(f) as zin, zipfile.ZipFile(copy) as zout:
            lost = set(zin.namelist()) - set(zout.namelist())
        if lost:
            report["parts_lost"].append(f"{rel}: {sorted(lost)[:5]}")
        try:
            old, new = within(60, formula_values, f), within(60, formula_values, copy)
        except Timeout:
            report["not_compared"].append(f"{rel}: openpyxl took over 60 s")
            continue
        except Exception as exc:  # noqa: BLE001 - openpyxl cannot read this one; nothing to compare with
            report["not_compared"].append(f"{rel}: openpyxl: {type(exc).__name__}")
            continue
        report["compared_files"] += 1
        report["compared_cells"] += len(old)
        worse = [(k, v, new.get(k)) for k, v in old.items()
                 if v is not None and not (isinstance(v, str) and v in ERRORS)
                 and isinstance(new.get(k), str) and new.get(k) in ERRORS]
        differ = [(k, v, new.get(k)) for k, v in old.items() if _differs(v, new.get(k))]
        if differ:
            report["values_differ"].append(f"{rel}: {len(differ)} cells, e.g. {differ[0][0][0]}!{differ[0][0][1]} "
                                           f"{differ[0][1]!r} -> {differ[0][2]!r}")
            report["values_differ_cells"] += len(differ)
        if worse:
            report["values_worse"].append(f"{rel}: {len(worse)} cells, e.g. {worse[0][0][0]}!{worse[0][0][1]} "
                                          f"{worse[0][1]!r} -> {worse[0][2]}")

    counts = {k: len(v) if isinstance(v, list) else v for k, v in report.items()}
    print(f"{report['files']} files in {report['seconds']} s; recalculated copies: {report['recalculated_files']}")
    for key in ("crashes", "refused", "parts_lost", "values_worse", "inputs_modified"):
        print(f"  {key:18s} {counts[key]}")
        for line in report[key][:10]:
            print(f"      {line}")
    print(f"  refused, openpyxl cannot open them either: {report['refused_openpyxl_fails']}")
    print(f"  values compared in {report['compared_files']} files ({report['compared_cells']} formula cells); "
          f"not compared: {len(report['not_compared'])}")
    for line in report["not_compared"][:10]:
        print(f"      {line}")
    print(f"  values differing from Excel's saved ones (not errors; volatile functions, stale caches or engine "
          f"differences): {report['values_differ_cells']} cells in {len(report['values_differ'])} files")
    for line in report["values_differ"][:15]:
        print(f"      {line}")
    print(f"  error codes: {dict(report['error_codes'])}")
    print(f"  未重算 cells (Excel's value kept): {sum(report['not_recalculated'].values())} in "
          f"{report['not_recalculated_files']} files")
    for why, n in report["not_recalculated"].most_common():
        print(f"      {n:6d}  {why}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=dict), encoding="utf-8")
    bad = sum(counts[k] for k in ("crashes", "refused", "parts_lost", "values_worse", "inputs_modified"))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
