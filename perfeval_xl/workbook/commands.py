"""``perfeval-xl template NAME [--out FILE|FOLDER]``: a blank form to fill."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..console import InputError, check_out_file, say, usage_error
from .templates import ALIASES, TEMPLATES, template_name, write_template


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="生成空白模板（自评表 / 评分表 / 部门整体）",
                       description="生成空白的绩效自评表、评分表或部门整体自评表，已填好 PE_* 公式。")
    p.add_argument("name", choices=[*TEMPLATES, *ALIASES, "all"], metavar="模板",
                   help="自评表、评分表、部门整体，或 all（全部）")
    p.add_argument("--out", "-o", metavar="文件或文件夹", help="输出文件（如 自评表.xlsx）；模板为 all 时是输出文件夹。默认：当前文件夹")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(func=_template)


def _template(args: argparse.Namespace) -> int:
    names = list(TEMPLATES) if args.name == "all" else [template_name(args.name)]
    if args.name == "all" or not args.out:
        folder = Path(args.out or ".")
        if folder.exists() and not folder.is_dir():
            return usage_error("PE-R006", f"模板为 all 时 --out 应是文件夹，而 {folder} 是已存在的文件")
        targets = [folder / f"{n}模板.xlsx" for n in names]
    else:
        targets = [Path(args.out)]
    for n, target in zip(names, targets):
        try:
            check_out_file(target, None, args.force)
        except InputError as exc:
            return usage_error(exc.code, exc.text)
    for n, target in zip(names, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        say(f"已生成 {write_template(n, path=target)}")
    return 0
