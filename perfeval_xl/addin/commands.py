"""``perfeval-xl addin build`` and ``perfeval-xl addin install``."""
from __future__ import annotations

import argparse

from ..console import usage_error


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("addin", help="构建或安装 Excel 加载项")
    sp = p.add_subparsers(dest="addin_command", metavar="操作")
    b = sp.add_parser("build", help="由 addin/ 下的源文件生成 addin/perfeval_xl.xlam")
    b.add_argument("--out", metavar="文件", help="输出文件（默认 addin/perfeval_xl.xlam）")
    b.set_defaults(func=_build)
    i = sp.add_parser("install", help="在 Windows 上安装到 Excel 启动文件夹并配置 Python 解释器")
    i.set_defaults(func=_install)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _build(args: argparse.Namespace) -> int:
    from .build import OUTPUT, AddinBuildError, build

    try:
        print(build(args.out or OUTPUT))
    except AddinBuildError as exc:
        return usage_error("PE-X001", str(exc))
    return 0


def _install(args: argparse.Namespace) -> int:
    from .install import install

    status, message = install()
    print(message)
    return status
