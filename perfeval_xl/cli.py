"""The ``perfeval-xl`` command. Each area adds its own sub-commands (``add_commands(subparsers)``):

* ``perfeval_xl.engine.commands``   — score (one indicator from the shell)
* ``perfeval_xl.workbook.commands`` — template, read
* ``perfeval_xl.checks.commands``   — validate, rules
* ``perfeval_xl.recalc.commands``   — recalc, freeze
* ``perfeval_xl.addin.commands``    — addin build / install

Exit status: 0 fine, 1 error-severity findings, 2 unreadable input or bad usage.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

AREAS = (
    "perfeval_xl.engine.commands",
    "perfeval_xl.workbook.commands",
    "perfeval_xl.checks.commands",
    "perfeval_xl.recalc.commands",
    "perfeval_xl.addin.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perfeval-xl",
        description="财政支出绩效评价：在 Excel 中计算与校验自评表/评分表 (compute and check performance-evaluation forms)",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"perfeval-xl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not (exc.name and name.startswith(exc.name)):
                raise
            continue
        module.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\n已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:   # `perfeval-xl rules | head`: the reader left, end quietly
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # noqa: BLE001 - no traceback reaches a user
        if getattr(args, "debug", False) or os.environ.get("PERFEVAL_DEBUG"):
            raise
        print(f"错误 [PE-R009]：内部错误（{type(exc).__name__}），请加 --debug 重新运行查看详情。", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
