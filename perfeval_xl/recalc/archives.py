"""Workbooks that arrive inside a .zip: a unit sends its 自评表 zipped, and the folder a reviewer runs holds the archive.

``expand(found, limits, scratch, wanted)`` replaces each .zip among the batch's files by the workbooks it holds, each
extracted below a ``scratch`` folder and named ``单位A.zip/自评表.xlsx`` in the summary and in the output folder; what
cannot be read from it is that archive's problem (an archive that will not open, one with a password, one that holds no
workbook, an archive inside it), which the batch lists as the archive's error line. A .zip that is itself an Excel
package (renamed) stays a workbook. Names stored without the zip's UTF-8 flag are read as UTF-8 (Info-ZIP), else GBK
(Chinese Windows). The zip's directory is checked against the batch's limits
(:func:`..limits.check_directory`: entries, sizes, ratio) before anything is inflated, and each member's inflated size
is capped while it is read.
"""
from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable, NamedTuple

from ..limits import LimitError, Limits, check_directory, read_part

ARCHIVE_SUFFIXES = (".zip",)
#: archives read by programs this package does not ship: listed, with what to do
OTHER_ARCHIVES = {".rar": "RAR 压缩包无法直接读取，请解压后重新运行", ".7z": "7z 压缩包无法直接读取，请解压后重新运行"}


class Taken(NamedTuple):
    """A file the batch processes: where its bytes are, its name in the summary and the output folder, what is said
    of it first, and whether it was extracted from an archive (then it cannot be updated in place)."""
    src: Path
    rel: Path
    notes: tuple[str, ...] = ()
    extracted: bool = False


class Problem(NamedTuple):
    """What an archive could not give: listed after the files taken before it (``at``: their number)."""
    at: int
    rel: str
    code: str
    message: str


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker wrote it: without the UTF-8 flag, zipfile reads the bytes as CP437, while
    Chinese Windows (Explorer's "发送到 压缩文件夹", WinRAR's default) stores GBK."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            return name
        for enc in ("utf-8", "gbk"):     # Info-ZIP writes UTF-8 without the flag; GBK bytes are rarely valid UTF-8
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
    return name


def safe_parts(name: str) -> tuple[str, ...]:
    """The member's path as folders under the archive's own: no root, no drive, no "..", no "." (a name like
    ``../../x.xlsx`` stays inside)."""
    return tuple(p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..") and not p.endswith(":"))


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def is_excel_package(names: list[str]) -> bool:
    return "[Content_Types].xml" in names and any(n.lower().endswith("workbook.xml") for n in names)


def expand(found: list[tuple[Path, Path]], limits: Limits, scratch: Path,
           wanted: Callable[[str], bool]) -> tuple[list[Taken], list[Problem], list[str]]:
    """(files, problems, others). ``files``: every entry of ``found`` as a :class:`Taken`, each .zip replaced by its
    workbooks (``wanted`` says which member names a folder's walk would take); ``problems``: what an archive could not
    give; ``others``: the members that are no workbook, of archives that gave workbooks (``单位A.zip/说明.docx``; an
    archive that gave none names them in its problem). Members are extracted below ``scratch``, one folder an
    archive."""
    out: list[Taken] = []
    errors: list[Problem] = []
    others: list[str] = []
    for src, rel in found:
        if src.suffix.lower() not in ARCHIVE_SUFFIXES or not _regular(src):
            out.append(Taken(src, rel))     # (not a regular file: the worker refuses it, PE-W013, never read here)
            continue
        try:
            members, problem, skipped = _members(src, rel, limits, scratch, wanted)
        except _Refused as exc:
            errors.append(Problem(len(out), rel.as_posix(), exc.code, exc.message))
            continue
        if members is None:      # an Excel package named .zip: a workbook
            out.append(Taken(src, rel, (f"扩展名为 {src.suffix}，内容是 Excel 工作簿（.xlsx）：已按工作簿处理",)))
            continue
        out += members
        if members:
            others += [(rel / Path(*safe_parts(name))).as_posix() for name in skipped]
        if problem:
            errors.append(Problem(len(out), rel.as_posix(), *problem))
    return out, errors, others


class _Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _members(src: Path, rel: Path, limits: Limits, scratch: Path, wanted: Callable[[str], bool]):
    try:
        zf = zipfile.ZipFile(src)
    except (OSError, zipfile.BadZipFile, ValueError):
        raise _Refused("PE-W001", "压缩包已损坏，无法打开") from None
    with zf:
        try:
            infos = check_directory(zf, limits)
        except LimitError as exc:
            raise _Refused(exc.code, f"压缩包：{exc}") from None
        names = [i.filename for i in infos]
        if is_excel_package(names):
            return None, None, []
        members: list[Taken] = []
        skipped: list[str] = []
        locked: list[str] = []
        nested: list[str] = []
        folder: Path | None = None
        for info in infos:
            if info.is_dir():
                continue
            name = member_name(info)
            parts = safe_parts(name)
            if not parts:
                continue
            path = PurePosixPath(*parts)
            if parts[0] == "__MACOSX" or path.name.startswith(("~$", ".~", "._")):
                continue
            if path.suffix.lower() in ARCHIVE_SUFFIXES + tuple(OTHER_ARCHIVES):
                nested.append(name)
                continue
            if not wanted(path.name):
                skipped.append(name)
                continue
            if info.flag_bits & 0x1:
                locked.append(name)
                continue
            if info.file_size > limits.file_bytes:
                raise _Refused("PE-W009", f"压缩包中的 {name} 解压后 {info.file_size >> 20} MB，超过上限 "
                                          f"{limits.file_bytes >> 20} MB")
            try:
                data = read_part(zf, info, limits)
            except LimitError as exc:
                raise _Refused(exc.code, f"压缩包中的 {name}：{exc}") from None
            except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError):
                raise _Refused("PE-W001", f"压缩包中的 {name} 无法解压（压缩包已损坏或压缩方式不受支持）") from None
            folder = folder or Path(tempfile.mkdtemp(dir=scratch))
            target = folder / str(len(members)) / path.name
            target.parent.mkdir(parents=True)
            target.write_bytes(data)
            # the path 单位A.zip/自评表.xlsx says where it came from; a name made safe (../x.xlsx) is said as stored
            said = () if name == "/".join(parts) else (f"取自压缩包 {rel.as_posix()}，其中存为 {name}",)
            members.append(Taken(target, rel / Path(*parts), said, True))
    problem = None
    if locked:
        problem = ("PE-W003", f"压缩包中的 {'、'.join(locked[:3])}{'等' if len(locked) > 3 else ''} 设有解压密码，"
                              "未能读取；请解压后重新运行")
    elif nested:
        problem = ("PE-W014", f"压缩包中还有压缩包 {'、'.join(nested[:3])}{'等' if len(nested) > 3 else ''}，"
                              "未展开；请解压后重新运行")
    elif not members:
        problem = ("PE-W014", "压缩包中没有 Excel 工作簿（.xlsx/.xlsm/.xls）"
                              + (f"，只有 {'、'.join(skipped[:3])}{'等' if len(skipped) > 3 else ''}" if skipped else ""))
    return members, problem, skipped
