"""The batch commands: ``recalc``, ``validate`` and ``read`` (one pipeline, one console contract) and ``freeze``.

recalc writes recalculated, annotated copies and summary.xlsx/summary.json into a folder; validate runs the
very same pipeline without writing anything and lists the findings; read lists what was recognised. The same
input therefore gets the same status, code and message in all three. Exit: 0 clean, 1 error findings,
2 unreadable input or bad usage (see :mod:`perfeval_xl.console`).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..console import (BAD_MARK, NONE_MARK, OK_MARK, InputError, Progress, check_inputs, error_line, check_out_file,
                       check_out_folder, say, usage_error)
from ..engine.profile import ProfileError, load_profile
from ..limits import DEFAULT as DEFAULT_LIMITS
from ..model import FORM_KINDS
from ..workbook.errors import readable_path
from .batch import collect, exit_status, run_batch, taken
from .summary import LEVEL, dumps, file_status, sheet_status, totals_line, write_summaries

INPUTS_HELP = "文件、文件夹（含子文件夹）或通配符，可给多个"


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("recalc", help="无需 Excel，批量重算并复核工作簿",
                       description="重算每个工作簿的公式（含 PE_*），识别并复核自评表/评分表，"
                                   "在输出文件夹写出标注后的副本和 summary.xlsx / summary.json。输入文件不会被修改。")
    _batch_options(p)
    p.add_argument("--out", "-o", metavar="文件夹", help="输出文件夹（副本与汇总）；与 --in-place 同用时只放汇总")
    p.add_argument("--no-annotate", action="store_true", help="副本中不加批注和颜色标记")
    p.add_argument("--in-place", action="store_true", help="直接改写输入文件（每个文件先另存 .bak 备份）")
    p.set_defaults(func=_recalc)

    p = sub.add_parser("validate", help="复核工作簿并列出问题（不写任何文件）",
                       description="与 recalc 相同的识别与复核，只在屏幕上列出问题，不写任何文件。")
    _batch_options(p)
    p.set_defaults(func=_validate)

    p = sub.add_parser("read", help="列出识别到的表单与指标（不写任何文件）",
                       description="列出每个工作簿中识别到的表单、指标、填报与复核得分。")
    _batch_options(p)
    p.set_defaults(func=_read)

    p = sub.add_parser("report", help="为每张表单起草绩效自评报告（Word），并写出复核意见汇总",
                       description="与 validate 相同的识别与复核；为每张识别到的表单在输出文件夹写出《……绩效自评报告（初稿）》"
                                   ".docx，并写出本批的《复核意见汇总》.docx。输入文件不会被修改。")
    _batch_options(p)
    p.add_argument("--out", "-o", required=True, metavar="文件夹", help="报告输出文件夹")
    p.set_defaults(func=_report)

    p = sub.add_parser("freeze", help="把 PE_* 公式换成普通 Excel 公式（不装插件也能重算）",
                       description="写出一个副本，其中 PE_* 公式换成等价的普通 Excel 公式，仍引用原来的输入单元格；"
                                   "无法用普通公式表达的单元格冻结为当前值并逐一列出。")
    p.add_argument("file", metavar="文件", help="含 PE_* 公式的 .xlsx/.xlsm")
    p.add_argument("--out", "-o", required=True, metavar="文件", help="输出文件（.xlsx/.xlsm，不能是输入文件）")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.add_argument("--profile", metavar="配置", help="national（默认）、sichuan 或 .toml 文件")
    p.add_argument("--debug", action="store_true", help="出错时显示内部详情")
    p.set_defaults(func=_freeze)


def _batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="输入", help=INPUTS_HELP)
    p.add_argument("--profile", metavar="配置", help="national（默认）、sichuan 或 .toml 文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（与 summary.json 相同）")
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="并行进程数（默认：全部 CPU 核）")
    p.add_argument("--timeout", type=float, default=None, metavar="秒",
                   help=f"每个文件的处理时限（默认 {DEFAULT_LIMITS.seconds:g} 秒；超时的文件跳过并报告）")
    p.add_argument("--max-part-mb", type=int, default=None, metavar="MB",
                   help=f"单个部件解压后的上限（默认 {DEFAULT_LIMITS.part_bytes >> 20} MB）")
    p.add_argument("--max-cells", type=int, default=None, metavar="N",
                   help=f"一个工作簿的单元格上限（默认 {DEFAULT_LIMITS.cells}）")
    p.add_argument("--quiet", "-q", action="store_true", help="不显示进度")
    p.add_argument("--debug", action="store_true", help="出错时显示内部详情（在当前进程中逐个处理）")


def _run(args: argparse.Namespace, out: str | None, **kw: Any) -> dict[str, Any] | int:
    """Check the inputs, run the batch with progress; the summary, or an exit status for bad usage."""
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        return usage_error("PE-P001", str(exc))
    try:
        check_inputs(args.inputs, taken)
    except InputError as exc:
        return usage_error(exc.code, exc.text)
    limits = DEFAULT_LIMITS.but(seconds=args.timeout, cells=args.max_cells,
                                part_bytes=args.max_part_mb << 20 if args.max_part_mb else None)
    if args.debug:
        os.environ["PERFEVAL_DEBUG"] = "1"
    total = len(collect(args.inputs, out))
    progress = Progress(total, enabled=not (args.quiet or args.json))
    try:
        return run_batch(args.inputs, out, jobs=args.jobs, profile=profile, limits=limits, isolate=not args.debug,
                         progress=progress, **kw)
    finally:
        progress.close()


def _recalc(args: argparse.Namespace) -> int:
    if not args.out:
        return usage_error("PE-R002", "请用 --out 指定输出文件夹（与 --in-place 同用时，汇总写在那里）")
    try:
        check_out_folder(args.out, args.inputs)
    except InputError as exc:
        return usage_error(exc.code, exc.text)
    summary = _run(args, args.out, annotate=not args.no_annotate, in_place=args.in_place)
    if isinstance(summary, int):
        return summary
    out = Path(args.out)
    write_summaries(summary, out, args.jobs or os.cpu_count() or 1)
    if args.json:
        print(dumps(summary))
        return exit_status(summary)
    print_entries(summary, findings=False)
    say(totals_line(summary))
    xlsx, json_, folder = (readable_path(str(p)) for p in (out / "summary.xlsx", out / "summary.json", out))
    written = sum(1 for w in summary["workbooks"] if w.get("output"))
    if args.in_place:
        copies = "输入文件已就地更新（原文件另存为 .bak）" if written else "没有可就地更新的文件"
    else:
        label = "标注后的副本" if not args.no_annotate else "重算后的副本"
        copies = f"{label} {written} 份在 {folder}" if written else "未生成副本（没有能原样回写的工作簿）"
    say(f"汇总：{xlsx}（概况、汇总、问题清单、等级分布），{json_}；{copies}")
    return exit_status(summary)


def _validate(args: argparse.Namespace) -> int:
    summary = _run(args, None, annotate=False)
    if isinstance(summary, int):
        return summary
    if args.json:
        print(dumps(summary))
        return exit_status(summary)
    print_entries(summary, findings=True)
    say(totals_line(summary, None))
    return exit_status(summary)


def _read(args: argparse.Namespace) -> int:
    summary = _run(args, None, annotate=False)
    if isinstance(summary, int):
        return summary
    if args.json:
        print(dumps(summary))
        return exit_status(summary)
    print_entries(summary, findings=False, indicators=True)
    say(totals_line(summary, None))
    return exit_status(summary)


REVIEW_NAME = "复核意见汇总.docx"


def _report(args: argparse.Namespace) -> int:
    try:
        check_out_folder(args.out, args.inputs)
    except InputError as exc:
        return usage_error(exc.code, exc.text)
    summary = _run(args, None, annotate=False, report_dir=args.out)
    if isinstance(summary, int):
        return summary
    from ..report.review import write_review

    review = write_review(summary, Path(args.out) / REVIEW_NAME)
    if args.json:
        print(dumps(summary))
        return exit_status(summary)
    print_entries(summary, findings=False)
    say(totals_line(summary, None))
    drafted = sum(1 for w in summary["workbooks"] for s in w["sheets"] if s.get("report"))
    say(f"报告：{drafted} 份报告初稿在 {readable_path(args.out)}；复核意见汇总：{readable_path(str(review))}")
    return exit_status(summary)


def _dash(v: Any) -> str:
    return "—" if v is None or v == "" else f"{v:g}" if isinstance(v, float) else str(v)


def print_entries(summary: dict[str, Any], *, findings: bool, indicators: bool = False) -> None:
    """One line per form (or per file that gave none), the same in recalc, validate and read."""
    for w in summary["workbooks"]:
        status = file_status(w)
        if status == "无法读取":
            say(f"{BAD_MARK} {w['path']}：{w['error']['message']}")
            continue
        if status == "未识别":
            say(f"{NONE_MARK} {w['path']}：未识别到自评表或评分表")
        for s in w["sheets"]:
            errs = sum(f["severity"] == "error" for f in s["findings"])
            warns = sum(f["severity"] == "warning" for f in s["findings"])
            mark = BAD_MARK if errs else OK_MARK
            stated = " ".join(filter(None, (_dash(s["total_stated"]), s["grade_stated"])))
            ours = " ".join(filter(None, (_dash(s["total"]), s["grade"])))
            say(f"{mark} {w['path']} ［{s['sheet']}］ {s['project'] or '（未填项目名称）'} · {FORM_KINDS.get(s['form'], s['form'])}"
                f" · 填报 {stated} · 复核 {ours} · {sheet_status(s)}（错误 {errs}，警告 {warns}）")
            if indicators:
                for i in s["indicators"]:
                    say(f"    {i['cell'] or '':6s} {i['name']}：分值 {_dash(i['weight'])}，目标 {_dash(i['target'])}，"
                        f"实际 {_dash(i['actual'])}，填报 {_dash(i['score_stated'])}，复核 {_dash(i['score'])}")
            if findings:
                for f in s["findings"]:
                    where = f"{f['sheet']}!{f['cell']}" if f["cell"] else f["sheet"]
                    say(f"    [{f['code']}] {LEVEL[f['severity']]} {where}：{f['message']}"
                        + (f"〔{f['evidence']}〕" if f.get("evidence") else ""))
        for note in w.get("notes") or ():
            say(f"    注：{note}")
    for path, why in (summary.get("others_why") or {}).items():      # Word files read that hold no form
        say(f"{NONE_MARK} {path}：{why}")


def _freeze(args: argparse.Namespace) -> int:
    from .freeze import freeze_file

    if args.debug:
        os.environ["PERFEVAL_DEBUG"] = "1"
    try:
        profile = load_profile(args.profile)
        check_inputs([args.file], taken)
        if Path(args.file).is_dir():
            raise InputError("PE-R006", f"freeze 处理单个文件，而 {args.file} 是文件夹")
        check_out_file(args.out, args.file, args.force)
    except ProfileError as exc:
        return usage_error("PE-P001", str(exc))
    except InputError as exc:
        return usage_error(exc.code, exc.text)
    try:
        result = freeze_file(args.file, args.out, profile)
    except Exception as exc:  # noqa: BLE001 - one coded line rather than a traceback
        if args.debug:
            raise
        from .batch import _failure_entry

        return error_line(_failure_entry(args.file, exc)["error"]["message"])
    say(f"{args.out}：{result.message()}")
    return 0
