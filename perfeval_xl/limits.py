"""Bounds on what one input may cost, and the one hardened way every XML part is parsed.

A finance bureau's folder holds whatever units send: damaged downloads, files from other tools, now and
then something hostile. Every limit here is checked *before* the work it protects — from the zip directory,
then while a part is inflated (never after inflating everything) — and breaking one is a
:class:`LimitError` with a PE-W0xx code and a Chinese message naming the limit and the part.

=========  ===================================================================================
PE-W009    over a size limit (file, part, whole workbook, entries, compression ratio, cells)
PE-W010    cells past Excel's own grid (1,048,576 rows × 16,384 columns): left out, said in a note
PE-W011    XML that is not well-formed, or that declares a DTD / entities (never expanded)
PE-W012    the per-file time budget ran out
PE-W013    not a regular file (a device, a FIFO, a folder)
=========  ===================================================================================

The defaults fit a 2-core, 4 GB machine and are far above any real 自评表 (a few hundred KiB);
``perfeval-xl recalc --max-part-mb / --max-cells / --timeout`` override them.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, replace

from lxml import etree

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 256 * MiB          # the file on disk
    part_bytes: int = 128 * MiB          # one part, inflated
    total_bytes: int = 384 * MiB         # all parts, inflated
    ratio: int = 250                     # inflated / compressed, for parts over 1 MiB
    entries: int = 20_000                # zip entries
    cells: int = 1_000_000               # cells over all worksheets
    shared_strings: int = 2_000_000      # entries of the shared-strings table
    engine_chars: int = 32_000_000       # characters the formula engine would hold: every cell's shared string, each
                                         # copied (one 1 MB string shown in 2,000 cells would cost it 4 GB)
    seconds: float = 60.0                # per workbook, in the batch worker

    def but(self, **kw) -> "Limits":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})


DEFAULT = Limits()


class LimitError(ValueError):
    """An input over one of the limits; ``code`` is PE-W009…W013, ``str()`` is the Chinese message."""

    def __init__(self, code: str, message: str, part: str | None = None):
        self.code = code
        self.part = part
        super().__init__(message + (f"（部件 {part}）" if part else ""))


def _mb(n: int) -> str:
    return f"{n / MiB:.0f} MB" if n >= MiB else f"{n} 字节"


def check_directory(zf: zipfile.ZipFile, limits: Limits = DEFAULT) -> list[zipfile.ZipInfo]:
    """The zip directory's entries, after checking counts and declared sizes (every entry counts, also the
    earlier ones of a name that occurs twice)."""
    infos = zf.infolist()
    if len(infos) > limits.entries:
        raise LimitError("PE-W009", f"压缩包条目过多：{len(infos)} 个，上限 {limits.entries}")
    total = 0
    for i in infos:   # an entry name twice is allowed here: the package reads the last one, as zipfile does
        if i.file_size > limits.part_bytes:
            raise LimitError("PE-W009", f"部件解压后 {_mb(i.file_size)}，超过单个部件上限 {_mb(limits.part_bytes)}",
                             i.filename)
        if i.file_size > MiB and i.file_size > limits.ratio * max(i.compress_size, 1):
            raise LimitError("PE-W009", f"部件压缩比 {i.file_size // max(i.compress_size, 1)}:1，超过上限 {limits.ratio}:1"
                                        "（疑似压缩炸弹）", i.filename)
        total += i.file_size
    if total > limits.total_bytes:
        raise LimitError("PE-W009", f"工作簿解压后共 {_mb(total)}，超过上限 {_mb(limits.total_bytes)}")
    return infos


def read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits = DEFAULT) -> bytes:
    """One part inflated with its size capped while streaming (a directory can lie about sizes)."""
    try:
        with zf.open(info) as fh:
            data = fh.read(limits.part_bytes + 1)
    except zipfile.BadZipFile as exc:
        msg = str(exc)
        if "CRC" in msg:
            raise LimitError("PE-W001", "部件校验和（CRC-32）不符，文件在传输或保存时已损坏", info.filename) from None
        raise LimitError("PE-W001", "部件无法解压，文件已损坏", info.filename) from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise LimitError("PE-W001", f"部件使用了不支持的压缩方式或加密（{type(exc).__name__}）", info.filename) from None
    except (OSError, EOFError, ValueError) as exc:  # zlib.error is an Exception subclass raised as-is
        raise LimitError("PE-W001", "部件无法解压，文件已损坏", info.filename) from exc
    except Exception as exc:  # zlib.error
        raise LimitError("PE-W001", "部件的压缩数据已损坏，无法解压", info.filename) from exc
    if len(data) > limits.part_bytes:
        raise LimitError("PE-W009", f"部件解压后超过单个部件上限 {_mb(limits.part_bytes)}", info.filename)
    return data


# ---------------------------------------------------------------- XML

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_blank_text=False)
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)


def has_doctype(data: bytes) -> bool:
    """A DTD or entity declaration before the root element (SpreadsheetML never has one)."""
    head = data[:4096]
    return _DOCTYPE.search(head) is not None or (b"<!" in head and _DOCTYPE.search(data[:65536]) is not None)


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Every XML part goes through here: no DTD, no entities, no network, no huge text nodes, and a
    coded Chinese error instead of lxml's exception."""
    if has_doctype(data):
        raise LimitError("PE-W011", "XML 中含有 DTD/实体声明（Excel 不会写入，已拒绝，未展开）", part)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise LimitError("PE-W011", f"XML 格式不正确（第 {exc.lineno} 行：{_lxml_reason(exc)}）", part) from None
    if root is None:
        raise LimitError("PE-W011", "XML 为空", part)
    return root


def _lxml_reason(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg or exc).lower()
    if "huge" in msg or "too long" in msg or "depth" in msg or "nest" in msg:
        return "文本或嵌套超出解析器上限"
    if "premature end" in msg or "not properly terminated" in msg or "extra content" in msg:
        return "文件在中途被截断或多出内容"
    if "mismatch" in msg or "end tag" in msg:
        return "开始与结束标记不匹配"
    if "char" in msg or "encoding" in msg or "invalid" in msg:
        return "含有 XML 不允许的字符或编码"
    return "标记无法解析"
