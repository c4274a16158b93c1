"""``perfeval-xl addin install``: put the add-in where Excel loads it and point it at this Python.

On Windows the .xlam is copied into the user's XLSTART folder (Excel opens everything there at start) and
its config sheet's Interpreter_Win is set to the running interpreter (pythonw.exe beside it when present),
so =PE_SCORE(…) and the 绩效评价 tab call this installation. Elsewhere it explains what it would do.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..xlsxpkg import XlsxBook
from .build import OUTPUT, PROJECT, build


def xlstart_dir() -> Path:
    appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def interpreter() -> str:
    exe = Path(sys.executable)
    pyw = exe.with_name("pythonw.exe")
    return str(pyw if pyw.exists() else exe)


def configured_addin(src: Path, dest: Path, python: str) -> Path:
    """Copy ``src`` to ``dest`` with the config sheet's Interpreter_Win set to ``python``."""
    book = XlsxBook(src)
    sheet = book.sheet(f"{PROJECT}.conf")
    for row in range(1, 20):
        if sheet.value(f"A{row}") == "Interpreter_Win":
            sheet.set_value(f"B{row}", python)
            break
    book.save(dest)
    return dest


def install(platform: str | None = None) -> tuple[int, str]:
    """(exit status, Chinese message)."""
    platform = platform or sys.platform
    src = OUTPUT if OUTPUT.exists() else build()
    dest = xlstart_dir() / f"{PROJECT}.xlam"
    plan = (f"将把 {src} 复制到 {dest}（Excel 启动时自动加载），并把其中“{PROJECT}.conf”表的 Interpreter_Win 设为 "
            f"{interpreter()}，UDF Modules 为 perfeval_xl.udfs。")
    if not platform.startswith("win"):
        return 2, ("无法在此系统安装：Excel 加载项只能安装在 Windows 版 Excel 中（xlwings 的 UDF 通过 Windows COM 调用 Python）。\n"
                   f"在 Windows 上运行本命令时：{plan}\n在此机器上可以使用 perfeval-xl recalc / validate 无需 Excel 处理工作簿。")
    dest.parent.mkdir(parents=True, exist_ok=True)
    configured_addin(src, dest, interpreter())
    return 0, f"已安装：{plan}\n请重新启动 Excel，功能区将出现“绩效评价”选项卡；在单元格输入 =PE_SCORE(…) 即可使用。"
