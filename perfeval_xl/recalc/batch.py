"""Recalculate and review a folder of workbooks: the finance bureau's 300 自评表 in one command.

For each input: evaluate every formula (PE_* through the engine), write the values as cached values,
recognise the forms, score them, run the findings catalog, mark the findings in the copy (unless
``annotate=False``) and write the copy atomically under OUT, mirroring the input's relative path.
One broken workbook is recorded with its error and never stops the batch; inputs are never modified
unless ``in_place`` (then a ``.bak`` copy is kept first).
"""
from __future__ import annotations

import glob
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..checks import run_checks
from ..checks.annotate import annotate
from ..engine.profile import NATIONAL, Profile
from ..engine.scoring import score_form
from ..workbook.errors import WorkbookError
from ..workbook.grid import Grid
from ..workbook.layouts import recognise
from ..workbook.reader import OLE_MAGIC, _is_encrypted_ole
from ..xlsxpkg import PackageError, XlsxBook, XlsxPackage, atomic_write
from .evaluate import evaluate, formula_cells, write_cached

SUFFIXES = (".xlsx", ".xlsm")
LEGACY = (".xls",)


def collect(inputs: Iterable[str | Path], out: str | Path | None = None) -> list[tuple[Path, Path]]:
    """(file, path relative to its root) for every workbook under the inputs (folders, files or globs)."""
    found: list[tuple[Path, Path]] = []
    out_dir = Path(out).resolve() if out else None
    for item in inputs:
        p = Path(item)
        if any(ch in str(item) for ch in "*?[") and not p.exists():
            matches = sorted(Path(m) for m in glob.glob(str(item), recursive=True))
            found += [(m, Path(m.name)) for m in matches if m.is_file()]
            continue
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES + LEGACY and not f.name.startswith(("~$", ".~")):
                    if out_dir and out_dir in f.resolve().parents:
                        continue
                    found.append((f, f.relative_to(p)))
        else:
            found.append((p, Path(p.name)))
    return found


def grids_of(book: XlsxBook) -> list[Grid]:
    return [book.sheet(name).grid() for name in book.sheet_names()]


@dataclass
class Job:
    src: str
    rel: str
    out: str | None
    profile: Profile
    annotate: bool
    in_place: bool


def _error_entry(path: str, code: str, message: str) -> dict[str, Any]:
    return {"path": path, "status": "error", "error": {"code": code, "message": message}, "sheets": []}


def process(job: Job) -> dict[str, Any]:
    """One workbook → its summary entry; never raises for bad input."""
    rel = job.rel
    src = Path(job.src)
    try:
        data = src.read_bytes()
    except OSError as exc:
        return _error_entry(rel, "PE-W008", f"[PE-W008] 无法读取文件：{exc}（文件 {rel}）")
    if data.startswith(OLE_MAGIC):
        if _is_encrypted_ole(src):
            return _error_entry(rel, "PE-W003", f"[PE-W003] 工作簿受密码保护，请取消密码后再处理（文件 {rel}）")
        return _error_entry(rel, "PE-W002", f"[PE-W002] 旧版 .xls 无法原样回写，请在 Excel 中另存为 .xlsx（文件 {rel}）")
    try:
        pkg = XlsxPackage(data)
        book = XlsxBook(pkg)
        book.sheet_names()
    except (PackageError, KeyError, ValueError) as exc:
        return _error_entry(rel, "PE-W001", f"[PE-W001] 不是有效的 Excel 工作簿：{exc}（文件 {rel}）")
    for sheet, part in pkg.sheets():
        try:
            pkg.cells(part)
        except PackageError as exc:
            err = WorkbookError("PE-W001", f"工作表的单元格无法读取：{exc}", rel, sheet)
            return _error_entry(rel, err.code, str(err))
    try:
        targets = formula_cells(pkg)
        values = evaluate(pkg, data, targets)
        write_cached(pkg, values)
    except Exception as exc:  # the formula engine refused the file: keep the batch going
        return _error_entry(rel, "PE-R001", f"[PE-R001] 公式计算失败：{exc}（文件 {rel}）")
    entry: dict[str, Any] = {"path": rel, "status": "ok", "error": None, "sheets": []}
    all_findings = []
    for grid in grids_of(book):
        grid.path = rel
        form = recognise(grid)
        if form is None:
            continue
        form.path = rel
        fs = score_form(form, job.profile)
        findings = run_checks(form, job.profile, fs)
        all_findings += findings
        entry["sheets"].append(_sheet_entry(form, fs, findings))
    if job.annotate and all_findings:
        annotate(book, all_findings)
    out_bytes = book.to_bytes()
    if job.in_place:
        backup = src.with_name(src.name + ".bak")
        if not backup.exists():
            shutil.copy2(src, backup)
        atomic_write(src, out_bytes)
    elif job.out:
        atomic_write(job.out, out_bytes)
    return entry


def _sheet_entry(form, fs, findings) -> dict[str, Any]:
    b = form.budget
    return {
        "sheet": form.sheet,
        "form": form.kind,
        "project": form.project,
        "unit": form.header.get("实施单位") or form.header.get("主管部门") or form.header.get("部门名称")
        or form.header.get("项目单位"),
        "budget": (b.annual if b and b.annual is not None else (b.adjusted if b else None)),
        "execution_rate": fs.execution.value if fs.execution else None,
        "execution_base": fs.execution.base if fs.execution else None,
        "adjustment_rate": fs.adjustment.value if fs.adjustment else None,
        "total_stated": form.total_stated,
        "total": fs.total,
        "grade_stated": form.grade_stated,
        "grade": fs.grade,
        "indicators": [
            {"cell": ind.cells.get("score") or ind.cells.get("name"), "name": ind.name, "weight": ind.weight,
             "target": _plain(ind.target), "actual": _plain(ind.actual), "score_stated": ind.score_stated,
             "score": s.value}
            for ind, s in fs.scores
        ],
        "findings": [{"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell, "message": f.message,
                      "evidence": f.evidence} for f in findings],
    }


def _plain(v: Any) -> Any:
    return v if v is None or isinstance(v, (int, float, str, bool)) else str(v)


def run_batch(inputs: Iterable[str | Path], out: str | Path | None, *, jobs: int | None = None,
              profile: Profile = NATIONAL, annotate: bool = True, in_place: bool = False,
              progress: bool | None = None) -> dict[str, Any]:
    files = collect(inputs, out)
    out_dir = Path(out) if out else None
    work = [Job(str(f), rel.as_posix(), str(out_dir / rel) if out_dir and not in_place else None, profile, annotate,
                in_place) for f, rel in files]
    missing = [j for j in work if not Path(j.src).exists()]
    jobs = jobs or os.cpu_count() or 1
    show = sys.stderr.isatty() if progress is None else progress
    results: list[dict[str, Any]] = []
    todo = [j for j in work if j not in missing]
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as ex:
            for i, r in enumerate(ex.map(process, todo, chunksize=max(1, len(todo) // (jobs * 4) or 1)), 1):
                results.append(r)
                _progress(show, i, len(todo), r["path"])
    else:
        for i, j in enumerate(todo, 1):
            results.append(process(j))
            _progress(show, i, len(todo), j.rel)
    if show and todo:
        print(file=sys.stderr)
    results += [_error_entry(j.rel, "PE-W008", f"[PE-W008] 文件不存在：{j.src}") for j in missing]
    order = {j.rel: i for i, j in enumerate(work)}
    results.sort(key=lambda r: order.get(r["path"], 0))
    return {"workbooks": results}


def _progress(show: bool, i: int, n: int, name: str) -> None:
    if show:
        width = 30
        done = int(width * i / n)
        print(f"\r[{'#' * done}{'.' * (width - done)}] {i}/{n} {name[:40]:40s}", end="", file=sys.stderr, flush=True)


def exit_status(summary: dict[str, Any]) -> int:
    wbs = summary["workbooks"]
    if any(w["status"] == "error" for w in wbs):
        return 2
    if any(f["severity"] == "error" for w in wbs for s in w["sheets"] for f in s["findings"]):
        return 1
    return 0

