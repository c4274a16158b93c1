"""The ``perfeval-xl`` command. Each area adds its own sub-commands (``add_commands(subparsers)``):

* ``perfeval_xl.engine.commands``   — score (one indicator from the shell)
* ``perfeval_xl.workbook.commands`` — template
* ``perfeval_xl.checks.commands``   — rules
* ``perfeval_xl.recalc.commands``   — recalc, validate, read (one batch pipeline), freeze
* ``perfeval_xl.addin.commands``    — addin build / install

Exit status: 0 fine, 1 error-severity findings, 2 unreadable input or bad usage — always; the shared
console contract (Chinese argparse, GBK-safe output, inputs, progress) is :mod:`perfeval_xl.console`.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .console import Parser, chinese_argparse, printable, safe_streams
from .workbook.errors import CODES, write_refused

AREAS = (
    "perfeval_xl.engine.commands",
    "perfeval_xl.workbook.commands",
    "perfeval_xl.checks.commands",
    "perfeval_xl.recalc.commands",
    "perfeval_xl.addin.commands",
)


def build_parser() -> argparse.ArgumentParser:
    chinese_argparse()
    parser = Parser(
        prog="perfeval-xl",
        description="财政支出绩效评价：计算与复核自评表、评分表（得分、等级、各项比率与数据矛盾）。",
        epilog="退出码：0 无错误；1 发现“错误”级问题；2 有文件无法读取或用法错误。规则说明见 perfeval-xl rules。",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"perfeval-xl {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=Parser)
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
    safe_streams()
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\n已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:   # `perfeval-xl rules | head`: the reader left, end quietly
        _quiet_stdout()
        return 0
    except OSError as exc:    # the disk refused what the command writes (a summary, an output folder)
        if getattr(args, "debug", False) or os.environ.get("PERFEVAL_DEBUG"):
            raise
        print(printable(f"错误 [PE-R003]（{CODES['PE-R003']}）：{write_refused(exc)}"), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - no traceback reaches a user
        if getattr(args, "debug", False) or os.environ.get("PERFEVAL_DEBUG"):
            raise
        try:
            print(f"错误 [PE-R009]（内部错误）：{type(exc).__name__}；请加 --debug 重新运行查看详情，并把结果告诉我们。",
                  file=sys.stderr)
        except (OSError, ValueError):
            pass
        return 2


def _quiet_stdout() -> None:
    """Point stdout at devnull so that the interpreter's final flush does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
