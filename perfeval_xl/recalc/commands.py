"""``perfeval-xl recalc PATH... --out OUT`` and ``perfeval-xl freeze FILE --out OUT``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..engine.profile import ProfileError, load_profile
from ..limits import DEFAULT as DEFAULT_LIMITS
from .batch import exit_status, run_batch
from .summary import dumps, write_json, write_xlsx


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("recalc", help="无 Excel 批量重算并复核工作簿 (recalculate and review workbooks headless)")
    p.add_argument("inputs", nargs="+", help="文件、文件夹（递归）或通配符")
    p.add_argument("--out", "-o", help="输出目录（输入文件不会被修改）")
    p.add_argument("--jobs", "-j", type=int, default=None, help="并行进程数（默认：全部 CPU 核）")
    p.add_argument("--no-annotate", action="store_true", help="不在输出副本中标注问题")
    p.add_argument("--in-place", action="store_true", help="直接改写输入文件（先保存 .bak 备份）")
    p.add_argument("--profile", help="配置：national、sichuan 或 .toml 路径")
    p.add_argument("--json", action="store_true", help="把 summary.json 的内容打印到标准输出")
    p.add_argument("--timeout", type=float, default=None, metavar="秒",
                   help=f"每个文件的处理时限（默认 {DEFAULT_LIMITS.seconds:g} 秒；超时的文件被跳过并报告）")
    p.add_argument("--max-part-mb", type=int, default=None, metavar="MB",
                   help=f"单个部件解压后的上限（默认 {DEFAULT_LIMITS.part_bytes >> 20} MB）")
    p.add_argument("--max-cells", type=int, default=None, metavar="N",
                   help=f"一个工作簿的单元格上限（默认 {DEFAULT_LIMITS.cells}）")
    p.add_argument("--debug", action="store_true", help="出错时显示内部详情（在当前进程中逐个处理）")
    p.set_defaults(func=_recalc)
    p = sub.add_parser("freeze", help="把 PE_* 公式冻结为普通 Excel 公式 (replace PE_* by plain formulas)")
    p.add_argument("file")
    p.add_argument("--out", "-o", required=True, help="输出文件或目录")
    p.set_defaults(func=_freeze)


def _recalc(args: argparse.Namespace) -> int:
    if not args.out and not args.in_place:
        print("错误 [PE-R002]：请用 --out 指定输出目录（或明确要求 --in-place）", file=sys.stderr)
        return 2
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        print(f"错误 [PE-P001]：{exc}", file=sys.stderr)
        return 2
    limits = DEFAULT_LIMITS.but(seconds=args.timeout, cells=args.max_cells,
                                part_bytes=args.max_part_mb << 20 if args.max_part_mb else None)
    if args.debug:
        os.environ["PERFEVAL_DEBUG"] = "1"
    summary = run_batch(args.inputs, args.out, jobs=args.jobs, profile=profile, annotate=not args.no_annotate,
                        in_place=args.in_place, limits=limits, isolate=not args.debug)
    out = Path(args.out) if args.out else Path(".")
    write_json(summary, out / "summary.json")
    write_xlsx(summary, out / "summary.xlsx")
    if args.json:
        print(dumps(summary))
    else:
        _print_summary(summary, out)
    return exit_status(summary)


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (escape sequences in a file name) shown as \\xNN."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def _print_summary(summary: dict, out: Path) -> None:
    for w in summary["workbooks"]:
        if w["status"] == "error":
            print(printable(f"✗ {w['path']}：{w['error']['message']}"))
            continue
        for s in w["sheets"]:
            errs = sum(f["severity"] == "error" for f in s["findings"])
            warns = sum(f["severity"] == "warning" for f in s["findings"])
            dash = lambda v: "—" if v is None else v  # noqa: E731
            print(printable(f"✓ {w['path']} ［{s['sheet']}］ {s['project'] or ''} 填报 {dash(s['total_stated'])} {s['grade_stated'] or ''}"
                  f" · 复核 {dash(s['total'])} {s['grade'] or ''} · 错误 {errs} 警告 {warns}"))
        if not w["sheets"]:
            print(printable(f"· {w['path']}：未识别到表单，仅重算公式"))
    print(f"汇总：{out / 'summary.xlsx'}，{out / 'summary.json'}")


def _freeze(args: argparse.Namespace) -> int:
    from .freeze import freeze_file

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        out = out / Path(args.file).name
    try:
        n = freeze_file(args.file, out)
    except Exception as exc:  # a clear message rather than a traceback
        print(f"错误 [PE-R003]：无法冻结 {args.file}：{exc}", file=sys.stderr)
        return 2
    print(f"{out}：{n} 个 PE_* 公式已替换为普通公式")
    return 0
