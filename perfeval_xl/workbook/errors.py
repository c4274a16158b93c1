"""Errors about an input file, each with a stable code and a Chinese message naming file, sheet and cell.

=========  ==========================================================================
PE-W001    not a workbook (not a zip/OLE file, or a zip without workbook parts)
PE-W002    legacy .xls that could not be read (with how to convert it)
PE-W003    password-protected / encrypted workbook
PE-W004    empty workbook (no cell holds a value)
PE-W005    no recognisable form on any sheet
PE-W006    a column the layout expects is missing
PE-W007    a number that cannot be parsed
PE-W008    the file does not exist or cannot be opened
PE-W009    over a size limit (file, part, workbook, entries, compression ratio, cells), or out of memory
PE-W010    cells past Excel's grid (left out; said in a note, the rest of the sheet is read)
PE-W011    XML that is not well-formed or declares a DTD / entities
PE-W012    the per-file time budget ran out
PE-W013    not a regular file (device, FIFO, folder)
PE-W014    a format not processed: a binary .xlsb (cannot be written back as it was), WPS's .et / .ett, .ods
PE-R001    an input that does not exist
PE-R002    bad usage (a missing or wrong option)
PE-R003    an output could not be written (freeze's, or a batch's copy or report: disk full, read-only, name too long)
PE-R004    an output path that is an input file or folder
PE-R005    an input that names no workbook (empty folder, glob without matches)
PE-R006    an output path of the wrong kind (a file where a folder is needed, or one that exists)
PE-P001    a profile that cannot be read
PE-X001    the add-in could not be built
PE-X002    the add-in file is in use (Excel holds it open) and cannot be replaced or removed
PE-X003    the add-in was not installed: what its runtime needs is missing (listed)
PE-R009    an unexpected internal error while processing one file
=========  ==========================================================================
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

CODES = {
    "PE-W001": "不是有效的 Excel 工作簿",
    "PE-W002": "旧版 .xls 文件无法读取",
    "PE-W003": "工作簿受密码保护",
    "PE-W004": "工作簿为空",
    "PE-W005": "未识别到绩效自评表/评分表",
    "PE-W006": "缺少必需的列",
    "PE-W007": "数值无法识别",
    "PE-W008": "文件不存在或无法打开",
    "PE-W009": "超出处理上限",
    "PE-W010": "单元格超出 Excel 表格范围",
    "PE-W011": "XML 格式错误",
    "PE-W012": "处理超时",
    "PE-W013": "不是普通文件",
    "PE-W014": "不支持的文件格式",
    "PE-R001": "输入不存在",
    "PE-R002": "用法错误",
    "PE-R003": "无法写出结果",
    "PE-R004": "输出会覆盖输入",
    "PE-R005": "没有找到工作簿",
    "PE-R006": "输出位置不可用",
    "PE-P001": "配置无法读取",
    "PE-X001": "加载项无法生成",
    "PE-X002": "加载项文件被占用",
    "PE-X003": "加载项安装条件不满足",
    "PE-R009": "内部错误",
}


_OS_REASONS = {
    errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限", errno.ENOENT: "文件不存在",
    errno.EISDIR: "这是文件夹", errno.ELOOP: "符号链接循环", errno.ENAMETOOLONG: "路径过长",
    errno.EIO: "读写错误（磁盘或网络故障）", errno.ENOSPC: "磁盘空间不足", errno.EROFS: "文件系统只读",
    errno.EBUSY: "文件被占用", errno.ETXTBSY: "文件被占用",
}


def os_reason(exc: OSError) -> str:
    """An operating-system error in the user's words (the system's own text is English)."""
    return _OS_REASONS.get(exc.errno or -1, f"系统错误（errno {exc.errno}）" if exc.errno else "系统错误")


def write_refused(exc: OSError, fallback: str = "") -> str:
    """Why a file could not be written, and which (``exc.filename``, else ``fallback``), in words; and, when an owner
    file is beside it (~$NAME from Excel or WPS, .~lock.NAME# from LibreOffice), that it is open there: on Windows
    the commonest refusal is an earlier run's copy or summary still open in Excel."""
    named = exc.filename if isinstance(exc.filename, (str, bytes)) and exc.filename else fallback
    where = os.fsdecode(named) if named else ""
    open_in = ""
    if where:
        dest = Path(where)
        owners = (f"~${dest.name}", f"~${dest.name[2:]}", f".~lock.{dest.name}#")
        try:
            if any((dest.parent / o).exists() for o in owners):
                open_in = "（该文件正在 Excel、WPS 或 LibreOffice 中打开，请关闭后重新运行）"
        except OSError:     # the name itself too long to look up beside
            pass
    return os_reason(exc) + (f"，未写出 {readable_path(where)}{open_in}" if where else "")


def readable_path(path: str) -> str:
    """A file's path as a person reads it. A name the file system holds in bytes that are not UTF-8 comes to Python
    with each such byte as a lone surrogate, which no report, JSON or workbook can hold; such names nearly always
    come from a zip archive made on Chinese Windows, which stores them in GBK. Each folder and file name is read
    as GBK when it is GBK (and not UTF-8), else its undecoded bytes are shown as \\xNN. Only for a path alone: in a
    longer text use :func:`escaped`."""
    if not has_raw_bytes(path):
        return path
    return "/".join(_readable_name(part) for part in path.split("/"))


def _readable_name(name: str) -> str:
    if not has_raw_bytes(name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("gbk")
    except UnicodeDecodeError:
        return escaped(name)


def escaped(text: str) -> str:
    """Text with each byte a file name held undecoded (a lone surrogate) shown as \\xNN; other text unchanged."""
    if not has_raw_bytes(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def has_raw_bytes(text: str) -> bool:
    """Does the text hold a byte of a file name that was not UTF-8 (Python's surrogate escape of it)?"""
    return not text.isascii() and any("\udc80" <= ch <= "\udcff" for ch in text)


class WorkbookError(Exception):
    """A problem with an input workbook; ``str()`` names the code, file, sheet and cell."""

    def __init__(self, code: str, message: str, path: str | None = None, sheet: str | None = None,
                 cell: str | None = None):
        self.code = code
        self.message = message
        self.path = path
        self.sheet = sheet
        self.cell = cell
        super().__init__(self.__str__())

    @property
    def location(self) -> str:
        parts = []
        if self.path:
            parts.append(f"文件 {self.path}")
        if self.sheet:
            parts.append(f"工作表 {self.sheet}")
        if self.cell:
            parts.append(f"单元格 {self.cell}")
        return "，".join(parts)

    def __str__(self) -> str:
        loc = self.location
        return f"[{self.code}] {CODES.get(self.code, '')}：{self.message}" + (f"（{loc}）" if loc else "")

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": str(self), "path": self.path, "sheet": self.sheet, "cell": self.cell}
