"""Recalculate and review a folder of workbooks: the finance bureau's 300 自评表 in one command.

For each input: evaluate every formula (PE_* through the engine), write the values as cached values,
recognise the forms, score them, run the findings catalog, mark the findings in the copy (unless
``annotate=False``) and write the copy atomically under OUT, mirroring the input's relative path.
One broken workbook is recorded with its error and never stops the batch; inputs are never modified
unless ``in_place`` (then a ``.bak`` copy is kept first).
"""
from __future__ import annotations

import glob
import io
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from ..checks import run_checks
from ..checks.annotate import annotate
from ..engine.profile import NATIONAL, Profile
from ..engine.scoring import score_form
from ..limits import DEFAULT as DEFAULT_LIMITS, LimitError, Limits
from ..xlio.sheetxml import SheetScanError
from ..workbook.errors import CODES, WorkbookError, escaped, has_raw_bytes, os_reason, readable_path, write_refused
from ..xlio.grid import Grid
from ..workbook.layouts import blank_beside_filled, recognise_all
from ..workbook.reader import (NEEDS_PASSWORD, OLE_MAGIC, decrypt_default_password, is_encrypted_ole, has_workbook_stream,
                               is_bare_biff, legacy_grids)
from ..xlio.textsheets import KIND_NAMES, excel_sheet_name, sniff, text_grids
from ..xlio.wordtables import WORD_SUFFIXES, certain, sheet_note, word_grids, word_xml_grids, word_xml_kind
from ..xlio import PackageError, XlsxBook, XlsxPackage, atomic_write
from .evaluate import evaluate, formula_cells, write_cached
from .archives import ARCHIVE_SUFFIXES, OTHER_ARCHIVES, expand, is_excel_package
from .crosscheck import mark_repeats
from .pool import run_isolated

SUFFIXES = (".xlsx", ".xlsm")
LEGACY = (".xls",)
#: Word documents: their tables are read, a form among them reviewed like a sheet's and written to a new workbook; one
#: that holds none is listed with the other files, with the reason
WORD = WORD_SUFFIXES
#: formats listed so that the summary says why they were not processed, and what to do
NOT_PROCESSED = {
    ".xlsb": "二进制工作簿（.xlsb）无法原样回写，请在 Excel 中另存为 .xlsx",
    ".et": "WPS 表格文件（.et）无法读取，请在 WPS 中另存为“Excel 工作簿（*.xlsx）”",
    ".ett": "WPS 表格模板（.ett）无法读取，请在 WPS 中另存为“Excel 工作簿（*.xlsx）”",
    ".ods": "OpenDocument 表格（.ods）无法读取，请另存为“Excel 工作簿（*.xlsx）”",
    **OTHER_ARCHIVES,
}
OTHER = tuple(NOT_PROCESSED)


def _glob_root(pattern: str) -> Path:
    """The folder a glob starts from (its longest part without wildcards)."""
    parts = Path(pattern).parts
    keep = []
    for part in parts:
        if any(ch in part for ch in "*?["):
            break
        keep.append(part)
    return Path(*keep) if keep else Path(".")


def collect(inputs: Iterable[str | Path], out: str | Path | None = None) -> list[tuple[Path, Path]]:
    """(file, path relative to its root) for every workbook under the inputs (folders, files or globs).

    The relative path names the output, so it keeps the input's sub-folders; when two inputs would give
    the same output name (``a/表.xlsx`` and ``b/表.xlsx`` given as files), the root folder's name is kept too."""
    found: list[tuple[Path, Path]] = []
    out_dir = Path(out).resolve() if out else None
    for item in inputs:
        p = Path(item)
        if any(ch in str(item) for ch in "*?[") and not p.exists():
            root = _glob_root(str(item))
            matches = sorted(Path(m) for m in glob.glob(str(item), recursive=True))
            found += [(m, _relative(m, root)) for m in matches if m.is_file() and not _inside(m, out_dir)]
            continue
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if taken(f) and not _inside(f, out_dir):
                    found.append((f, f.relative_to(p)))
        else:
            found.append((p, Path(p.name)))
    # a name in bytes that are not UTF-8 (a zip from Chinese Windows holds GBK) is named, and its copy written, as read
    found = [(f, Path(readable_path(rel.as_posix())) if has_raw_bytes(str(rel)) else rel) for f, rel in found]
    seen: dict[str, int] = {}
    for i, (f, rel) in enumerate(found):
        key = rel.as_posix().casefold()
        if key in seen:
            parent = f.resolve().parent.name or "_"
            rel = Path(parent) / rel
            found[i] = (f, rel)
            key = rel.as_posix().casefold()
            while key in seen:
                rel = rel.with_name(f"{rel.stem}_{i}{rel.suffix}")
                found[i] = (f, rel)
                key = rel.as_posix().casefold()
        seen[key] = i
    return found


def taken(f: Path) -> bool:
    """A file a folder's walk takes: a workbook's suffix (the formats not processed too, so that each is listed), not
    the owner file Excel or WPS keeps beside an open workbook (~$NAME, .~NAME), not an earlier run's summary.xlsx
    (beside its summary.json, met when a run's output folder is checked again: no form, and no unrecognised one)."""
    return (taken_name(f.name) or f.suffix.lower() in ARCHIVE_SUFFIXES) and f.is_file() and not _earlier_output(f)


def taken_name(name: str) -> bool:
    """A file name a walk takes, in a folder or in a .zip: a workbook's suffix (or a format listed as not
    processed), not an owner file (~$NAME, .~NAME)."""
    return (Path(name).suffix.lower() in SUFFIXES + LEGACY + OTHER + WORD and not name.startswith(("~$", ".~"))
            and name.lower() not in _HOUSEKEEPING)


#: files a folder holds beside the forms that nobody needs to hear about: the system's, and an earlier run's outputs
_HOUSEKEEPING = {"thumbs.db", "desktop.ini", "summary.json", "复核意见汇总.docx"}


def _earlier_output(f: Path) -> bool:
    """An earlier run's summary.xlsx (beside its summary.json) or a report draft (NAME_报告初稿.docx)."""
    return (f.name == "summary.xlsx" and f.with_name("summary.json").is_file()) or f.name.endswith("_报告初稿.docx")


def others(inputs: Iterable[str | Path], out: str | Path | None = None) -> list[str]:
    """The files in the input folders that the walk does not take (a 自评报告 in Word, a scan in PDF, a picture): not
    processed, but counted, so that a form sent in another format is not missed without a word. Hidden files, owner
    files and folders' housekeeping files are left out."""
    out_dir = Path(out).resolve() if out else None
    found: list[str] = []
    for item in inputs:
        p = Path(item)
        if not p.is_dir():
            continue
        for f in sorted(p.rglob("*")):
            name = f.name
            if (name.startswith((".", "~$")) or name.lower() in _HOUSEKEEPING or _earlier_output(f)
                    or _inside(f, out_dir) or any(part.startswith(".") for part in f.relative_to(p).parts[:-1])):
                continue
            if f.is_file() and not taken(f):
                found.append(readable_path(f.relative_to(p).as_posix()))
    return found


def _relative(f: Path, root: Path) -> Path:
    try:
        return f.relative_to(root)
    except ValueError:
        return Path(f.name)


def _inside(f: Path, folder: Path | None) -> bool:
    return folder is not None and folder in f.resolve().parents


def grids_of(book: XlsxBook) -> list[Grid]:
    grids = [book.sheet(name).grid() for name in book.sheet_names()]
    hidden = book.hidden_sheets()
    for g in grids:
        g.hidden = g.sheet in hidden
    return grids


@dataclass
class Job:
    src: str
    rel: str
    out: str | None
    profile: Profile
    annotate: bool
    in_place: bool
    limits: Limits = DEFAULT_LIMITS
    report_dir: str | None = None      # draft each form's report (.docx) into this folder
    notes: tuple[str, ...] = ()        # said of the file before it is read (taken from a .zip)
    copy_out: str | None = None        # a Word document's: where its forms' workbook goes (else beside ``out``)


def report_path(report_dir: str, rel: str, sheet: str, several: bool) -> Path:
    """Where a form's report goes: the workbook's relative path, its sheet when it holds several forms."""
    from ..report.draft import safe_name

    stem = Path(rel).with_suffix("")
    name = f"{stem.name}_{safe_name(sheet)}" if several else stem.name
    return Path(report_dir) / stem.parent / f"{name}_报告初稿.docx"


def _review(job: Job, grids: list[Grid], entry: dict[str, Any]) -> list[tuple[Any, Any, list[Any]]]:
    """Every form of the file's sheets scored and checked, each added to ``entry["sheets"]``. Not reviewed, each
    named in a note: forms on hidden sheets when a shown sheet holds a form (an old version or a copy the unit hid),
    and a blank form beside a filled one (the template sheet a unit keeps next to the sheet it filled, whose PE-A113
    would have called the file unfilled)."""
    forms, hidden = [], set()
    for grid in grids:
        grid.path = job.rel
        for form in recognise_all(grid):
            form.path = job.rel
            forms.append(form)
            if grid.hidden:
                hidden.add(id(form))
    if len(hidden) < len(forms):
        # forms on sheets the unit hid (an old version, a copy) beside forms it shows: the shown ones are the form
        for name in dict.fromkeys(f.sheet for f in forms if id(f) in hidden):
            entry["notes"].append(f"工作表‘{name}’是隐藏的工作表，其中的表单未列入校验（如需校验，请在 Excel 中取消隐藏后"
                                  "重新运行）")
        forms = [f for f in forms if id(f) not in hidden]
    else:
        for name in dict.fromkeys(f.sheet for f in forms):
            entry["notes"].append(f"工作表‘{name}’是隐藏的工作表，其中的表单已校验")
    aside = set(map(id, blank_beside_filled(forms)))
    reviewed = []
    for form in forms:
        if id(form) in aside:
            entry["notes"].append(f"工作表‘{form.sheet}’中的表单未填写（空白模板），另有已填写的表单，未列入校验")
            continue
        fs = score_form(form, job.profile)
        findings = run_checks(form, job.profile, fs)
        reviewed.append((form, fs, findings))
        entry["sheets"].append(_sheet_entry(form, fs, findings))
    return reviewed


def _draft_reports(job: Job, reviewed: list[tuple[Any, Any, list[Any]]], entry: dict[str, Any]) -> None:
    if not job.report_dir:
        return
    from ..report.draft import write_report

    seen: dict[str, int] = {}
    for (form, fs, findings), sheet in zip(reviewed, entry["sheets"]):
        seen[form.sheet] = seen.get(form.sheet, 0) + 1       # the second form of one sheet: 自评表_2
        label = form.sheet if seen[form.sheet] == 1 else f"{form.sheet}_{seen[form.sheet]}"
        path = report_path(job.report_dir, job.rel, label, len(reviewed) > 1)
        sheet["report"] = readable_path(str(write_report(form, fs, findings, path, Path(job.rel).name)))


def _error_entry(path: str, code: str, message: str) -> dict[str, Any]:
    return {"path": path, "status": "error", "error": {"code": code, "message": message}, "sheets": [], "notes": [],
            "not_recalculated": None, "output": None}


def _failure_entry(rel: str, exc: BaseException) -> dict[str, Any]:
    """Any exception met while processing one file, as that file's error entry (coded, Chinese, one line)."""
    where = f"（文件 {rel}）"
    if isinstance(exc, WorkbookError):
        return _error_entry(rel, exc.code, str(exc))
    if isinstance(exc, (PackageError, LimitError)):
        code = getattr(exc, "code", "PE-W001")
        return _error_entry(rel, code, f"[{code}] {CODES.get(code, '')}：{exc}{where}")
    if isinstance(exc, SheetScanError):
        return _error_entry(rel, "PE-W001", f"[PE-W001] {CODES['PE-W001']}：{exc}{where}")
    if isinstance(exc, MemoryError):
        return _error_entry(rel, "PE-W009", f"[PE-W009] {CODES['PE-W009']}：处理时内存不足{where}")
    if isinstance(exc, RecursionError):
        return _error_entry(rel, "PE-W011", f"[PE-W011] {CODES['PE-W011']}：结构嵌套过深{where}")
    return _error_entry(rel, "PE-R009", f"[PE-R009] 处理时发生内部错误（{type(exc).__name__}），已跳过此文件；"
                                        f"可加 --debug 重新运行查看详情{where}")


def process(job: Job) -> dict[str, Any]:
    """One workbook → its summary entry (plain data); never raises, whatever the input."""
    try:
        return _process(job)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - one file must never stop the batch
        if os.environ.get("PERFEVAL_DEBUG"):
            raise
        return _failure_entry(job.rel, exc)


def _read_input(job: Job) -> tuple[bytes, list[str]]:
    """The input's bytes (decrypted when Excel's default password opens it) and notes about it."""
    rel = job.rel
    src = Path(job.src)
    try:
        st = src.stat()
    except OSError as exc:
        raise WorkbookError("PE-W008", f"无法打开文件（{os_reason(exc)}）", rel) from None
    if not stat.S_ISREG(st.st_mode):
        raise WorkbookError("PE-W013", "不是普通文件（设备、管道或文件夹），已拒绝", rel)
    if st.st_size > job.limits.file_bytes:
        raise WorkbookError("PE-W009", f"文件 {st.st_size >> 20} MB，超过上限 {job.limits.file_bytes >> 20} MB", rel)
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise WorkbookError("PE-W008", f"无法读取文件（{os_reason(exc)}）", rel) from None
    if not data:
        raise WorkbookError("PE-W001", "文件为空（0 字节）", rel)
    notes: list[str] = list(job.notes)
    suffix = src.suffix.lower()
    if suffix in NOT_PROCESSED:
        # a WPS file (.et) or another named as one that holds an Excel workbook after all (WPS can save either
        # under that name) is read for what it holds; anything else is listed with how to save it as .xlsx
        inside = _excel_inside(data)
        if inside is None:
            raise WorkbookError("PE-W014", NOT_PROCESSED[suffix], rel)
        if inside == "xlsx":
            notes.append(f"扩展名为 {suffix}，内容是 Excel 工作簿（.xlsx）：已按 .xlsx 处理")
    if data.startswith(OLE_MAGIC) and suffix not in WORD:
        if is_encrypted_ole(data):
            plain = decrypt_default_password(data)
            if plain is None:
                raise WorkbookError("PE-W003", NEEDS_PASSWORD, rel)
            notes.append("原文件使用 Excel 默认密码加密，已解密处理，输出副本未加密")
            return plain, notes
    return data, notes


REVIEW_ONLY_NOTES = {
    "strict": "Strict Open XML 格式：已按 Excel 保存的值读取并校验，但不能原样回写，未生成输出副本"
              "（如需标注副本，请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”）",
    "beta": "Excel 2007 测试版格式：已按保存的值读取并校验，但不能原样回写，未生成输出副本"
            "（如需标注副本，请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”）",
    "duplicates": "[PE-W001] 压缩包中部件 {parts} 出现不止一次：已按最后一个读取并校验（与多数程序相同），"
                  "但其他程序可能读取另一个，内容无法确定，未生成输出副本；请向报送单位核实或重新导出",
}


def _process(job: Job) -> dict[str, Any]:
    rel = job.rel
    data, notes = _read_input(job)
    if Path(job.src).suffix.lower() in WORD or (Path(job.src).suffix.lower() == ".xml" and word_xml_kind(data)):
        return _review_word(job, data, notes)        # (Word 2003 XML named .xml: Windows opens it in Word)
    if data.startswith(OLE_MAGIC):
        return _review_legacy(job, data, notes)
    if not data.startswith(b"PK"):
        entry = _review_text(job, data, notes)
        if entry is not None:
            return entry
    elif Path(job.src).suffix.lower() == ".xls":
        notes = notes + ["文件扩展名为 .xls，内容实为 .xlsx 工作簿（Excel 打开时会提示格式与扩展名不一致）：已按 .xlsx 处理"]
    pkg = XlsxPackage(data, job.limits)
    book = XlsxBook(pkg)
    sheets = pkg.sheets()
    if not sheets:
        raise WorkbookError("PE-W004", "工作簿中没有工作表", rel)
    notes = list(notes)
    for sheet, part in sheets:
        try:
            sp = pkg.cells(part)
        except PackageError as exc:
            if exc.code != "PE-W001":
                raise
            raise WorkbookError("PE-W001", f"工作表的单元格无法读取：{exc}", rel, sheet) from None
        if sp.outside:
            notes.append(f"[PE-W010] 工作表‘{sheet}’有 {len(sp.outside)} 个单元格超出 Excel 的表格范围"
                         f"（{'、'.join(sp.outside[:3])}{'等' if len(sp.outside) > 3 else ''}），已忽略，其余单元格照常处理")
    output = job.src if job.in_place else job.out
    entry: dict[str, Any] = {"path": rel, "status": "ok", "error": None, "sheets": [], "notes": notes,
                             "not_recalculated": None, "output": readable_path(output) if output else None}
    review_only = pkg.review_only
    if review_only:
        # read and reviewed on the saved values; a copy would be in a form Excel does not read, or ambiguous
        notes.append(REVIEW_ONLY_NOTES[review_only].format(parts="、".join(pkg.duplicates)))
        entry["output"] = None
    targets = {} if review_only else formula_cells(pkg)
    skipped: list[tuple[str, str, str]] = []
    rewritten: dict[tuple[str, str], str] = {}
    try:
        values = evaluate(pkg, data, targets, skipped, rewritten)
    except Exception as exc:  # the formula engine refused the file: keep Excel's cached values
        values = {}
        why = f"公式引擎无法加载此文件：{_short(exc)}"
        skipped = [(sheet, ref, why) for sheet, refs in targets.items() for ref in refs]
    kept = write_cached(pkg, values, skipped, rewritten)
    if kept:
        reasons: dict[str, int] = {}
        for _sheet, _ref, why in kept:
            reasons[why] = reasons.get(why, 0) + 1
        entry["not_recalculated"] = {"count": len(kept), "reasons": reasons,
                                     "cells": [f"{s}!{r}" for s, r, _ in kept[:20]]}
    reviewed = _review(job, grids_of(book), entry)
    all_findings = [f for _form, _fs, findings in reviewed for f in findings]
    try:
        _draft_reports(job, reviewed, entry)
    except OSError as exc:
        raise _not_written(job, exc, job.report_dir or "") from None
    if review_only:
        return entry
    if job.annotate and all_findings:
        annotate(book, all_findings)
    out_bytes = book.to_bytes()
    try:
        if job.in_place:
            src = Path(job.src)
            backup_then_replace(src, data if not notes else src.read_bytes(), out_bytes)
        elif job.out:
            atomic_write(job.out, out_bytes)
    except OSError as exc:
        raise _not_written(job, exc, job.src if job.in_place else job.out or "") from None
    return entry


def _not_written(job: Job, exc: OSError, where: str) -> WorkbookError:
    """A copy or report the disk refused (full, read-only, a name too long, open in Excel): that file's error, in
    words (:func:`write_refused`; ``where`` names it when the error names no file)."""
    return WorkbookError("PE-R003", write_refused(exc, where), job.rel)


def _excel_inside(data: bytes) -> str | None:
    """"xlsx" (an Excel package), "xls" (a compound file holding a workbook stream) or None."""
    if data.startswith(OLE_MAGIC):
        return "xls" if has_workbook_stream(data) else None
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "xlsx" if is_excel_package(z.namelist()) else None
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
    return None


#: what is said of a file read and reviewed without a copy (a legacy format)
_NO_COPY = "已读取并校验，但不能原样回写，未生成输出副本（如需标注副本，请在 Excel 中另存为 .xlsx）"
LEGACY_NOTE = "旧版 .xls：" + _NO_COPY


def _review_legacy(job: Job, data: bytes, notes: list[str]) -> dict[str, Any]:
    """A legacy .xls (a compound file): its forms are read (xlrd) and checked like any other, but no copy is written —
    its binary format cannot be written back as it was. Named .xlsx (renamed by hand), it is read all the same."""
    suffix = Path(job.src).suffix.lower()
    if not has_workbook_stream(data):
        raise WorkbookError("PE-W001", "文件是 Office 二进制文档，但其中没有工作表（可能是 Word 或 PowerPoint 文件改了扩展名）",
                            job.rel)
    try:
        grids, more = legacy_grids(data, job.rel)
    except WorkbookError as exc:
        if exc.code == "PE-W002" and suffix in NOT_PROCESSED:      # a WPS binary xlrd cannot follow
            raise WorkbookError("PE-W014", NOT_PROCESSED[suffix], job.rel) from None
        raise
    if suffix != ".xls":
        more.append(f"扩展名为 {suffix or '（无）'}，内容却是旧版 .xls（Excel 97-2003）工作簿：已按 .xls 读取并校验；"
                    f"Excel 不按此扩展名打开它，请把扩展名改为 .xls 后打开，另存为 .xlsx")
    return _review_grids(job, grids, notes + more + [LEGACY_NOTE])


def _review_text(job: Job, data: bytes, notes: list[str]) -> dict[str, Any] | None:
    """A file that is no zip package: a bare BIFF worksheet (Excel 2.x–95) or an HTML, Excel 2003 XML or delimited
    text table named .xls, as finance systems export them and Excel opens them; read and checked on what it holds,
    no copy written. None: none of these (the package reader then says what the file is not)."""
    suffix = Path(job.src).suffix.lower()
    if suffix == ".xls" and is_bare_biff(data):
        grids, more = legacy_grids(data, job.rel)
        return _review_grids(job, grids, notes + more + ["Excel 2.x–5.0 时代的单表格式（BIFF）：" + _NO_COPY])
    kind = sniff(data)
    if kind is None:
        return None
    if suffix not in EXCEL_OPENS[kind]:
        raise WorkbookError("PE-W001", f"文件内容是{KIND_NAMES[kind]}，不是 {suffix} 工作簿，Excel 不按此扩展名打开它；"
                                       "请向报送单位索取 .xlsx 文件", job.rel)
    try:
        grids = text_grids(data, kind, excel_sheet_name(Path(job.src).stem), job.limits)
    except LimitError as exc:
        raise WorkbookError(exc.code, str(exc), job.rel) from None
    what = (f"文件扩展名为 .xls，内容实为{KIND_NAMES[kind]}（财务系统导出的常见形式，Excel 打开时会提示格式与扩展名不一致）"
            if suffix == ".xls" else f"{KIND_NAMES[kind]}")
    return _review_grids(job, grids, notes + [
        f"{what}：已按 Excel 打开它的方式读取并校验，但不能原样回写，未生成输出副本（如需标注副本，请在 Excel 中打开后另存为 .xlsx）"])


#: the names Excel opens each text format under (a folder's walk takes only .xls among them; a file named on the
#: command line is taken whatever its name)
EXCEL_OPENS = {"html": (".xls", ".htm", ".html", ".mht", ".mhtml"), "mht": (".xls", ".mht", ".mhtml"),
               "xml2003": (".xls", ".xml"), "delimited": (".xls", ".csv", ".txt")}


#: what a Word file that holds no form is listed with among the other files (an entry's ``other``)
WORD_WHY = {
    "binary": "Word 97-2003 格式，无法读取其中的表格：请另存为 .docx 后重新运行",
    "wps": "WPS 文字格式（.wps），无法读取其中的表格：请在 WPS 中另存为 .docx 后重新运行",
    "encrypted": "Word 文档设置了打开密码，无法读取",
    "unknown": "内容不是可读取的 Word 文档",
    "no_table": "Word 文档中没有表格",
    "no_form": "Word 文档中的表格都不是自评表或评分表",
}


def _review_word(job: Job, data: bytes, notes: list[str]) -> dict[str, Any]:
    """A Word document: the forms among its tables (.docx, Word saved as one XML file, a .doc that is a web page as
    web systems export them) reviewed like a sheet's, and written to a new workbook with the findings marked (the
    Word file itself is never written). One that holds no form, or cannot be read, is no failure of the batch: its
    entry's ``other`` says why, and the batch lists it with the other files."""
    def other(why: str) -> dict[str, Any]:
        entry = _review_grids(job, [], notes)
        entry["other"] = why
        return entry

    xml = None if data.startswith((b"PK", OLE_MAGIC)) else word_xml_kind(data)
    kind = None if data.startswith((b"PK", OLE_MAGIC)) or xml else sniff(data)
    if data.startswith(b"PK") or xml:
        try:
            sheets = word_grids(data, job.limits) if not xml else word_xml_grids(data, job.limits)
        except LimitError as exc:
            return other(f"Word 文档无法读取：{exc}")
        if not sheets:
            return other(WORD_WHY["no_table"])
        sheets, unsure = certain(sheets)
        if not sheets:
            return other("；".join(unsure))
        what = {"word2003": "Word 2003 XML 文档（Java 系统按模板导出 Word 的常见形式）", "flat": "Word XML 文档"}.get(
            xml or "", "Word 文档")
        entry = _review_grids(job, [s.grid for s in sheets], notes + [f"{what}：已读取其中的表格并校验" + _copy_said(job)],
                              [s.title_rows for s in sheets])
        said = {s["sheet"] for s in entry["sheets"]}
        entry["notes"] += [sheet_note(s) for s in sheets if s.grid.sheet in said] + unsure
    elif data.startswith(OLE_MAGIC):
        return other(WORD_WHY["encrypted"] if is_encrypted_ole(data)
                     else WORD_WHY["wps"] if Path(job.src).suffix.lower() == ".wps" else WORD_WHY["binary"])
    elif kind in ("html", "mht"):
        try:
            grids = text_grids(data, kind, excel_sheet_name(Path(job.src).stem), job.limits)
        except LimitError as exc:
            return other(f"Word 文档无法读取：{exc}")
        entry = _review_grids(job, grids, notes + [
            f"文件扩展名为 {Path(job.src).suffix.lower()}，内容实为{KIND_NAMES[kind]}（网上系统导出 Word 的常见形式）："
            "已按 Word 打开它的方式读取其中的表格并校验" + _copy_said(job)], [0] * len(grids))
    else:
        return other(WORD_WHY["unknown"])
    if not entry["sheets"]:
        entry["other"] = WORD_WHY["no_form"]
    return entry


def _review_grids(job: Job, grids: list[Grid], notes: list[str], title_rows: list[int] | None = None) -> dict[str, Any]:
    """The forms of a file read into grids and reviewed on them, without a copy of the file. With ``title_rows`` (one
    per grid: a Word document's tables), the grids holding a form are written to a new workbook instead, its findings
    marked as on a workbook's copy: the reviewer gets the form in Excel."""
    entry: dict[str, Any] = {"path": job.rel, "status": "ok", "error": None, "sheets": [], "notes": notes,
                             "not_recalculated": None, "output": None}
    reviewed = _review(job, grids, entry)
    _draft_reports(job, reviewed, entry)
    if title_rows is not None and reviewed and job.out and not job.in_place:
        _write_tables_copy(job, grids, title_rows, reviewed, entry)
    return entry


def _copy_said(job: Job) -> str:
    """What a Word file's note says of the workbook its forms are written to (nothing when none is written)."""
    if not job.out or job.in_place:
        return ""
    return f"；含自评表的表格另存为 Excel 工作簿“{_copy_path(job).name}”，问题标注在其中"


def tables_copy_path(out: str, n: int = 1) -> Path:
    """Where the Excel copy of a Word document's forms goes: 单位A自评报告.docx → 单位A自评报告（Word表格）.xlsx (the
    n-th name: （Word表格2）… when an input's own copy has that name)."""
    p = Path(out)
    return p.with_name(f"{p.stem}（Word表格{n if n > 1 else ''}）.xlsx")


def _copy_path(job: Job) -> Path:
    return Path(job.copy_out) if job.copy_out else tables_copy_path(job.out or "")


def _write_tables_copy(job: Job, grids: list[Grid], title_rows: list[int], reviewed: list[tuple[Any, Any, list[Any]]],
                       entry: dict[str, Any]) -> None:
    from ..workbook.xlsxwrite import grids_workbook_bytes

    kept = {form.sheet for form, _fs, _f in reviewed}
    sheets = [(g, t) for g, t in zip(grids, title_rows) if g.sheet in kept]
    book = XlsxBook(XlsxPackage(grids_workbook_bytes(sheets), job.limits))
    findings = [f for _form, _fs, fs in reviewed for f in fs]
    if job.annotate and findings:
        annotate(book, findings)
    path = _copy_path(job)
    try:
        atomic_write(path, book.to_bytes())
    except OSError as exc:
        raise _not_written(job, exc, str(path)) from None
    entry["output"] = readable_path(str(path))


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


def backup_then_replace(src: Path, original: bytes, out_bytes: bytes) -> None:
    """In place: first a fresh ``.bak`` holding the original bytes (written atomically, so a kill leaves
    the previous .bak or the new one, never half of one), then the output over the input (atomically).
    At every moment the input is either its original bytes or the complete output."""
    atomic_write(src.with_name(src.name + ".bak"), original)
    atomic_write(src, out_bytes)


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
              progress: Callable[[str], None] | None = None, limits: Limits = DEFAULT_LIMITS, isolate: bool = True,
              report_dir: str | Path | None = None) -> dict[str, Any]:
    """Process every workbook under ``inputs``; the summary lists every one of them, readable or not.
    ``progress`` is called with each file's name as it is done (the console draws it; the batch prints nothing).

    With ``isolate`` (the default) each workbook runs in a worker process under the per-file time budget
    ``limits.seconds``: a workbook that hangs or kills its worker is reported and the batch goes on."""
    # the workbooks of a .zip are extracted below a scratch folder that lives as long as the batch
    with tempfile.TemporaryDirectory(prefix="perfeval-zip-", ignore_cleanup_errors=True) as scratch:
        return _run_batch(inputs, out, jobs, profile, annotate, in_place, progress, limits, isolate, report_dir,
                          Path(scratch))


#: said of a workbook taken from a .zip when the batch runs --in-place
IN_PLACE_ZIPPED = "压缩包中的文件不能就地更新：副本写在输出文件夹中"


def _run_batch(inputs, out, jobs, profile, annotate, in_place, progress, limits, isolate, report_dir,
               scratch: Path) -> dict[str, Any]:
    out_dir = Path(out) if out else None
    files, zip_errors, zipped_others = expand(collect(inputs, out), limits, scratch, taken_name)
    work: list[Job] = []
    for t in files:
        here = in_place and not t.extracted
        work.append(Job(str(t.src), t.rel.as_posix(), str(out_dir / t.rel) if out_dir and not here else None, profile,
                        annotate, here, limits, str(report_dir) if report_dir else None,
                        t.notes + ((IN_PLACE_ZIPPED,) if in_place and t.extracted else ())))
    _name_word_copies(work)
    inputs_resolved = {_resolved(j.src) for j in work}
    results: list[dict[str, Any]] = [
        _error_entry(p.rel, p.code, f"[{p.code}] {CODES.get(p.code, '')}：{p.message}（文件 {p.rel}）") for p in zip_errors]
    todo: list[Job] = []
    for j in work:
        if not os.path.lexists(j.src):
            results.append(_error_entry(j.rel, "PE-W008", f"[PE-W008] {CODES['PE-W008']}：文件不存在"
                                                          f"（文件 {readable_path(j.src)}）"))
        elif j.out and _resolved(j.out) in inputs_resolved:
            results.append(_error_entry(j.rel, "PE-R004", f"[PE-R004] 输出文件 {readable_path(j.out)} 就是输入文件，"
                                                          f"已拒绝写入；请用 --out 指定另一个文件夹（文件 {j.rel}）"))
        else:
            todo.append(j)
    jobs = jobs or os.cpu_count() or 1
    done = progress if callable(progress) else (lambda name: None)
    prepare(report_dir is not None)
    if isolate:
        it = run_isolated(process, todo, workers=jobs, seconds=limits.seconds, on_failure=_worker_failure)
        for i, r in it:
            if isinstance(r, tuple):   # the worker raised despite process(): map it
                r = _error_entry(todo[i].rel, "PE-R009", f"[PE-R009] 处理时发生内部错误（{r[0]}）（文件 {todo[i].rel}）")
            results.append(r)
            done(r["path"])
    else:
        for j in todo:
            results.append(process(j))
            done(j.rel)
    order = {j.rel: 2 * i + 1 for i, j in enumerate(work)}
    order.update({p.rel: 2 * p.at for p in zip_errors})   # an archive's own line after the workbooks it gave
    results.sort(key=lambda r: order.get(r["path"], 0))
    # a Word document holding no form is one of the other files (with the reason), not a file left unrecognised
    word_others = {r["path"]: r["other"] for r in results if r.get("other")}
    results = [r for r in results if not r.get("other")]
    mark_repeats(results, {j.rel: j.src for j in work}, limits.file_bytes)
    if any(has_raw_bytes(p) for p in (str(out or ""), str(report_dir or ""), *(j.src for j in work))):
        results = [_without_raw_bytes(r) for r in results]   # a folder so named: no summary can hold its bytes
    return {"workbooks": results, "others": sorted(others(inputs, out) + zipped_others + list(word_others)),
            "others_why": word_others}


def _name_word_copies(work: list[Job]) -> None:
    """Each Word document's forms' workbook a name no other output has (单位A（Word表格）.xlsx, unless an input of
    that name is copied there too: then （Word表格2）…)."""
    taken = {j.out.casefold() for j in work if j.out and Path(j.src).suffix.lower() not in WORD}
    for j in work:
        if j.out and Path(j.src).suffix.lower() in WORD:
            n = 1
            while str(tables_copy_path(j.out, n)).casefold() in taken:
                n += 1
            j.copy_out = str(tables_copy_path(j.out, n))
            taken.add(j.copy_out.casefold())


def _without_raw_bytes(value: Any) -> Any:
    """An entry with every text holding a file name's undecoded bytes shown as \\xNN (:func:`escaped`)."""
    if isinstance(value, str):
        return escaped(value)
    if isinstance(value, dict):
        return {k: _without_raw_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_raw_bytes(v) for v in value]
    return value


def prepare(reports: bool = False) -> None:
    """Ready this process for a batch: import what the pipeline imports on first use, then freeze what is alive.

    * Imported before the workers are forked, the modules are not imported again by each worker (measured: a cold
      worker cost ~10 ms a file over 100 files, and --jobs 2 scaled 1.3× not 1.9×).
    * ``gc.freeze()``, once a process, moves the objects alive then (the modules, lxml's and XlsxWriter's among them)
      out of the collector's reach: they live as long as the process, yet every full collection walked them again
      (measured on the shared benchmark workbooks: 17.1–17.5 → 16.3–16.5 ms a file, as fast as with the collector
      off). What a file creates is collected as before; a forked worker also keeps the frozen pages shared with its
      parent.
    * The collector's first threshold is raised from 700 to 10,000 allocations: a workbook leaves no cycles behind (it
      is freed by reference counting as its turn ends), so the collector finds nothing to free and only walks the
      workbook being read (callgrind: 148.6 → 147.0 M instructions a benchmark workbook; peak memory unchanged, 49 MB
      over 200). A cycle some input makes is still collected, after at most 10,000 allocations."""
    import gc

    from ..checks import rules  # noqa: F401  (the findings catalog registers itself on import)
    from ..workbook import department, jinzhong  # noqa: F401

    if reports:
        from ..report import draft, review  # noqa: F401
    global _frozen
    if not _frozen:
        gc.freeze()
        gc.set_threshold(10_000, *gc.get_threshold()[1:])
        _frozen = True


_frozen = False


def _resolved(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def _worker_failure(job: Job, kind: str, detail: str) -> dict[str, Any]:
    if kind == "timeout":
        return _error_entry(job.rel, "PE-W012", f"[PE-W012] {CODES['PE-W012']}：处理超过 {detail} 秒，已停止并跳过"
                                                f"（文件 {job.rel}）")
    return _error_entry(job.rel, "PE-W009", f"[PE-W009] {CODES['PE-W009']}：处理此文件的进程意外退出（{detail or '原因不明'}，"
                                            f"多为内存不足），已跳过（文件 {job.rel}）")


def exit_status(summary: dict[str, Any]) -> int:
    wbs = summary["workbooks"]
    if any(w["status"] == "error" for w in wbs):
        return 2
    if any(f["severity"] == "error" for w in wbs for s in w["sheets"] for f in s["findings"]):
        return 1
    return 0

