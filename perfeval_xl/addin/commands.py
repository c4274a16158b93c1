"""``perfeval-xl addin build`` and ``perfeval-xl addin install``."""
from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("addin", help="构建或安装 Excel 加载项 (build or install the Excel add-in)")
    sp = p.add_subparsers(dest="addin_command", metavar="ACTION")
    b = sp.add_parser("build", help="由 addin/ 下的源文件生成 addin/perfeval_xl.xlam")
    b.add_argument("--out", help="输出文件（默认 addin/perfeval_xl.xlam）")
    b.set_defaults(func=_build)
    i = sp.add_parser("install", help="在 Windows 上安装到 Excel 启动文件夹并配置 Python 解释器")
    i.set_defaults(func=_install)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _build(args: argparse.Namespace) -> int:
    from .build import OUTPUT, AddinBuildError, build

    try:
        print(build(args.out or OUTPUT))
    except AddinBuildError as exc:
        print(f"错误 [PE-X001]：{exc}")
        return 2
    return 0


def _install(args: argparse.Namespace) -> int:
    from .install import install

    status, message = install()
    print(message)
    return status
