"""``perfeval-xl addin build`` and ``perfeval-xl addin install``."""
from __future__ import annotations

import argparse

from ..console import usage_error


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("addin", help="构建或安装 Excel 加载项")
    sp = p.add_subparsers(dest="addin_command", metavar="操作")
    b = sp.add_parser("build", help="由 addin/ 下的源文件生成 perfeval_xl/addin/perfeval_xl.xlam")
    b.add_argument("--out", metavar="文件", help="输出文件（默认 perfeval_xl/addin/perfeval_xl.xlam）")
    b.set_defaults(func=_build)
    i = sp.add_parser("install", help="在 Windows 上安装到 Excel 启动文件夹并配置 Python 解释器（先检查 xlwings 及其动态库）")
    i.set_defaults(func=lambda args: _run("install"))
    u = sp.add_parser("uninstall", help="从 Excel 启动文件夹删除加载项")
    u.set_defaults(func=lambda args: _run("uninstall"))
    d = sp.add_parser("doctor", help="检查 Excel 将找到的加载项、Python 解释器、模块和配置")
    d.set_defaults(func=lambda args: _run("doctor"))
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _build(args: argparse.Namespace) -> int:
    from .build import OUTPUT, AddinBuildError, build

    try:
        print(build(args.out or OUTPUT))
    except AddinBuildError as exc:
        return usage_error("PE-X001", str(exc))
    return 0


def _run(action: str) -> int:
    from . import install

    status, message = getattr(install, action)()
    print(message)
    return status
