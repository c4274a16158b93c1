"""``perfeval-xl addin install | uninstall | doctor``: put the add-in where Excel loads it, take it away, and say
what Excel will find.

Install copies the shipped ``perfeval_xl.xlam`` (package data) into the user's XLSTART folder, which Excel opens at
start, with its config sheet's ``Interpreter_Win`` set to this Python (pythonw.exe beside it when present), so
``=PE_SCORE(…)`` and the 绩效评价 tab call this installation. Before copying it checks what the add-in's xlwings
runtime will need when Excel runs it: Windows, this Python with xlwings of exactly the version the runtime was
built from, and that version's DLL (``xlwings64-<version>.dll`` for 64-bit Excel, ``xlwings32-…`` for 32-bit) in the
interpreter's folder or the one above it (a virtualenv), where the runtime's LoadLibrary looks.

Everything the commands read from the machine goes through :class:`Machine` (folders, the interpreter, the
installed xlwings, the Office bitness from the registry), so the tests run every path with a fake Windows.
"""
from __future__ import annotations

import io
import os
import re
import struct
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .build import OUTPUT, PROJECT

ADDIN_NAME = f"{PROJECT}.xlam"
UDF_MODULES = "perfeval_xl.udfs"


@dataclass
class Machine:
    """What install/uninstall/doctor read from the machine."""
    platform: str
    appdata: Path | None                  # %APPDATA%
    python: Path                          # the interpreter running perfeval-xl
    python_bits: int
    xlwings_version: Callable[[], str | None]
    office_bits: Callable[[], int | None]  # from the registry; None when unknown
    module_found: Callable[[str], bool]

    @classmethod
    def current(cls) -> "Machine":
        def xlwings_version() -> str | None:
            from importlib import metadata

            try:
                return metadata.version("xlwings")
            except metadata.PackageNotFoundError:
                return None

        def module_found(name: str) -> bool:
            from importlib import util

            try:
                return util.find_spec(name) is not None
            except (ImportError, ValueError):
                return False

        appdata = os.environ.get("APPDATA")
        return cls(sys.platform, Path(appdata) if appdata else (Path.home() / "AppData" / "Roaming"),
                   Path(sys.executable), struct.calcsize("P") * 8, xlwings_version, office_bits_from_registry,
                   module_found)

    def xlstart(self) -> Path:
        return (self.appdata or Path.home() / "AppData" / "Roaming") / "Microsoft" / "Excel" / "XLSTART"

    def interpreter(self) -> Path:
        pyw = self.python.with_name("pythonw.exe")
        return pyw if pyw.exists() else self.python


def office_bits_from_registry() -> int | None:
    """Office's bitness as Click-to-Run or MSI Office records it (``Platform`` x64/x86, ``Bitness`` x64/x86)."""
    try:
        import winreg  # type: ignore[import-not-found]
    except ImportError:
        return None
    places = [(r"SOFTWARE\Microsoft\Office\ClickToRun\Configuration", "Platform")]
    places += [(rf"SOFTWARE\Microsoft\Office\{v}\Outlook", "Bitness") for v in ("16.0", "15.0", "14.0")]
    for key, value in places:
        for view in (0, getattr(winreg, "KEY_WOW64_64KEY", 0)):
            try:
                with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key, 0, winreg.KEY_READ | view) as k:
                    v = str(winreg.QueryValueEx(k, value)[0]).lower()
            except OSError:
                continue
            if v in ("x64", "x86"):
                return 64 if v == "x64" else 32
    return None


def runtime_version(xlam: bytes) -> str | None:
    """XLWINGS_VERSION as the add-in's xlwings module declares it (the version its Declare lines name)."""
    from .conformance import decompress, read_compound, read_dir

    with zipfile.ZipFile(io.BytesIO(xlam)) as z:
        cp = read_compound(z.read("xl/vbaProject.bin"))
    _, modules, _ = read_dir(decompress(cp.streams["VBA/dir"]))
    for m in modules:
        if m.name == "xlwings":
            src = decompress(cp.streams[f"VBA/{m.stream}"][m.offset or 0:]).decode("cp1252", "replace")
            found = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', src)
            return found.group(1) if found else None
    return None


def config_of(xlam: bytes) -> dict[str, str]:
    """The add-in's perfeval_xl.conf sheet as key → value."""
    from ..xlio import XlsxBook, XlsxPackage

    sheet = XlsxBook(XlsxPackage(xlam)).sheet(f"{PROJECT}.conf")
    out = {}
    for row in range(1, 40):
        key = sheet.value(f"A{row}")
        if key:
            out[str(key)] = "" if sheet.value(f"B{row}") is None else str(sheet.value(f"B{row}"))
    return out


def configured_addin(src: Path, dest: Path, python: str) -> Path:
    """Copy ``src`` to ``dest`` with the config sheet's Interpreter_Win set to ``python``."""
    from ..xlio import XlsxBook

    book = XlsxBook(src)
    sheet = book.sheet(f"{PROJECT}.conf")
    for row in range(1, 20):
        if sheet.value(f"A{row}") == "Interpreter_Win":
            sheet.set_value(f"B{row}", python)
            break
    book.save(dest)
    return dest


@dataclass
class Check:
    ok: bool
    label: str
    detail: str
    fix: str = ""


def dll_name(version: str, bits: int) -> str:
    return f"xlwings{bits}-{version}.dll"


def requirements(machine: Machine, src: Path = OUTPUT) -> list[Check]:
    """What the add-in's runtime needs from this machine, each checked."""
    checks = [Check(machine.platform.startswith("win"), "Windows 版 Excel",
                    "Windows" if machine.platform.startswith("win") else f"当前系统为 {machine.platform}",
                    "Excel 加载项只能安装在 Windows 版 Excel 中；在此机器上请用 perfeval-xl recalc / validate / report")]
    checks.append(Check(src.exists(), "加载项文件", str(src),
                        "安装包中缺少加载项文件，请重新安装 perfeval-xl（开发者可运行 perfeval-xl addin build）"))
    runtime = runtime_version(src.read_bytes()) if src.exists() else None
    have = machine.xlwings_version()
    checks.append(Check(have is not None and have == runtime, "xlwings",
                        f"已安装 {have}，加载项需要 {runtime}" if have else f"未安装，加载项需要 {runtime}",
                        f'请运行："{machine.python}" -m pip install "xlwings=={runtime}"'))
    office = machine.office_bits()
    bits = office or machine.python_bits
    if runtime and checks[0].ok:             # the DLL is a Windows file: looked for on Windows only
        name = dll_name(runtime, bits)
        folders = [machine.interpreter().parent, machine.interpreter().parent.parent]
        found = next((f / name for f in folders if (f / name).exists()), None)
        where = "、".join(str(f) for f in folders)
        checks.append(Check(found is not None, "xlwings 动态库",
                            f"{found}" if found else f"在 {where} 中找不到 {name}"
                            + ("" if office else f"（未读到 Office 位数，按 Python 的 {bits} 位检查）"),
                            f'xlwings 的安装不完整：请运行 "{machine.python}" -m pip install --force-reinstall '
                            f'"xlwings=={runtime}"（{bits} 位 Excel 用此动态库；Python 的位数不必与 Excel 相同）'))
    checks.append(Check(machine.module_found(UDF_MODULES), "perfeval_xl 模块", f"{UDF_MODULES}（{machine.python}）",
                        f'请在该 Python 中安装 perfeval-xl："{machine.python}" -m pip install perfeval-xl'))
    return checks


def _locked(path: Path) -> str:
    return (f"[PE-X002] 无法写入 {path}：文件正被占用（Excel 正打开着此加载项）。请关闭所有 Excel 窗口后重新运行本命令。")


def install(machine: Machine | None = None, src: Path = OUTPUT) -> tuple[int, str]:
    """(exit status, Chinese message)."""
    machine = machine or Machine.current()
    checks = requirements(machine, src)
    dest = machine.xlstart() / ADDIN_NAME
    plan = (f"将把 {src} 复制到 {dest}（Excel 启动时自动加载），并把其中“{PROJECT}.conf”表的 Interpreter_Win 设为 "
            f"{machine.interpreter()}，UDF Modules 为 {UDF_MODULES}。")
    missing = [c for c in checks if not c.ok]
    if not checks[0].ok:
        missing = checks[:1]
    if missing:
        lines = ["[PE-X003] 未安装：以下条件不满足。"] + [f"× {c.label}：{c.detail}。{c.fix}" for c in missing]
        if not checks[0].ok:
            lines.append(f"在 Windows 上运行本命令时：{plan}")
        return 2, "\n".join(lines)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        configured_addin(src, dest, str(machine.interpreter()))
    except PermissionError:
        return 2, _locked(dest)
    return 0, (f"已安装：{plan}\n请重新启动 Excel，功能区将出现“绩效评价”选项卡；在单元格输入 =PE_SCORE(…) 即可使用，"
               f"插入函数对话框的“绩效评价”类别中有各函数及其参数的说明。")


def uninstall(machine: Machine | None = None) -> tuple[int, str]:
    machine = machine or Machine.current()
    dest = machine.xlstart() / ADDIN_NAME
    if not dest.exists():
        return 0, f"未发现已安装的加载项（{dest} 不存在），无需卸载。"
    try:
        dest.unlink()
    except PermissionError:
        return 2, _locked(dest)
    return 0, f"已卸载：删除了 {dest}。重新启动 Excel 后“绩效评价”选项卡不再出现。"


def doctor(machine: Machine | None = None, src: Path = OUTPUT) -> tuple[int, str]:
    """What Excel will find: the installed copy, the interpreter and module it names, and each requirement."""
    machine = machine or Machine.current()
    lines = []
    checks = requirements(machine, src)
    dest = machine.xlstart() / ADDIN_NAME
    if dest.exists():
        conf = config_of(dest.read_bytes())
        interpreter = conf.get("Interpreter_Win", "")
        checks.insert(1, Check(True, "已安装的加载项", str(dest)))
        checks.insert(2, Check(bool(interpreter) and Path(interpreter).exists(), "加载项使用的 Python",
                               interpreter or "（未设置）", "请重新运行 perfeval-xl addin install"))
        checks.insert(3, Check(conf.get("UDF Modules") == UDF_MODULES, "UDF 模块", conf.get("UDF Modules", ""),
                               "请重新运行 perfeval-xl addin install"))
        shipped = src.read_bytes() if src.exists() else b""
        same = bool(shipped) and runtime_version(dest.read_bytes()) == runtime_version(shipped)
        checks.insert(4, Check(same, "加载项版本", "与本次安装的 perfeval-xl 一致" if same else "与本次安装的 perfeval-xl 不一致",
                               "请重新运行 perfeval-xl addin install"))
    else:
        checks.insert(1, Check(False, "已安装的加载项", f"{dest} 不存在", "请运行 perfeval-xl addin install"))
    for c in checks:
        lines.append(f"{'√' if c.ok else '×'} {c.label}：{c.detail}" + ("" if c.ok else f"。{c.fix}"))
    bad = sum(not c.ok for c in checks)
    lines.append("全部正常：Excel 启动后即可使用。" if not bad else f"{bad} 项需要处理。")
    return (0 if not bad else 2), "\n".join(lines)
