"""What every ``perfeval-xl`` subcommand shares at the console: one contract, said once.

* Streams that never crash on the console's encoding (a Chinese Windows console is GBK): characters it
  cannot show are replaced, and the marks used here (√ × ·) exist in GBK.
* argparse speaking Chinese (its usage, error and help texts), exiting 2 on bad usage.
* Usage errors as one coded Chinese line on stderr, exit 2 (:func:`usage_error`).
* Inputs: files, folders and globs alike, with a missing input or an empty folder refused before any work
  (:func:`gather`).
* Progress on a terminal through tqdm; on a pipe or a log file, one line every ``PROGRESS_EVERY`` files.

Exit status everywhere: 0 clean, 1 error-severity findings, 2 unreadable input or bad usage.
"""
from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from .workbook.errors import CODES

OK_MARK, BAD_MARK, NONE_MARK = "√", "×", "·"      # all three are in GBK
PROGRESS_EVERY = 20

_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误 [PE-R002]：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "最多一个值",
    "invalid %(type)s value: %(value)r": "无效的数值 %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "须给出参数 %s 之一",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
}


def _zh(message: str) -> str:
    return _ARGPARSE_ZH.get(message, message)


def _zh_n(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


def chinese_argparse() -> None:
    """argparse looks its texts up through the module's ``_``/``ngettext`` at call time: answer in Chinese."""
    argparse._ = _zh            # type: ignore[attr-defined]
    argparse.ngettext = _zh_n   # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    """argparse with Chinese texts; subcommand parsers are of the same class."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def safe_streams() -> None:
    """Make stdout/stderr replace what the console's encoding cannot show instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):   # a closed or detached stream
                pass


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (escape sequences in a file name) shown as \\xNN."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def say(text: str = "", file: TextIO | None = None) -> None:
    print(printable(text), file=file or sys.stdout)


def usage_error(code: str, text: str) -> int:
    """One coded Chinese line on stderr; the exit status for bad usage or unreadable input."""
    title = CODES.get(code, "")
    print(printable(f"错误 [{code}]{('（' + title + '）') if title else ''}：{text}"), file=sys.stderr)
    return 2


def error_line(message: str) -> int:
    """A file's coded error message (already "[PE-W001] …") as the one line a command ends with."""
    print(printable(f"错误 {message}"), file=sys.stderr)
    return 2


class InputError(Exception):
    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code, self.text = code, text


def _is_glob(item: str) -> bool:
    return any(ch in item for ch in "*?[")


def check_inputs(inputs: Iterable[str | Path], taken: Callable[[Path], bool]) -> None:
    """Refuse, before any work, an input that names nothing: a missing file or folder, a glob that matches
    no file, a folder without a file its walk ``taken`` (recalc.batch.taken). (What a found file holds is the batch's
    business.)"""
    for item in inputs:
        text = str(item)
        p = Path(text)
        if _is_glob(text) and not p.exists():
            if not any(Path(m).is_file() for m in glob.glob(text, recursive=True)):
                raise InputError("PE-R005", f"通配符 {text} 没有匹配到任何文件")
        elif not p.exists() and not p.is_symlink():
            raise InputError("PE-R001", f"找不到 {text}（请检查路径）")
        elif p.is_dir() and not any(taken(f) for f in p.rglob("*")):
            raise InputError("PE-R005", f"文件夹 {text} 中没有 Excel 工作簿（.xlsx/.xlsm/.xls）")


def check_out_folder(out: str | Path, inputs: Iterable[str | Path]) -> None:
    """A batch's --out is a folder: not an existing file, not one of the input folders (outputs would
    replace or shadow the inputs)."""
    o = Path(out)
    if o.exists() and not o.is_dir():
        raise InputError("PE-R006", f"--out 应是文件夹，而 {out} 是已存在的文件")
    resolved = o.resolve()
    for item in inputs:
        p = Path(str(item))
        if p.is_dir() and p.resolve() == resolved:
            raise InputError("PE-R004", f"输出文件夹 {out} 就是输入文件夹；请用 --out 指定另一个文件夹")


def check_out_file(out: str | Path, src: str | Path | None, force: bool) -> None:
    """A single-file command's --out is a file: not a folder, never its input, not an existing file
    unless --force."""
    o = Path(out)
    if o.is_dir():
        raise InputError("PE-R006", f"--out 应是文件名（如 结果.xlsx），而 {out} 是文件夹")
    if src is not None and o.exists() and o.resolve() == Path(src).resolve():
        raise InputError("PE-R004", f"输出文件 {out} 就是输入文件，已拒绝覆盖；请另取一个文件名")
    if o.exists() and not force:
        raise InputError("PE-R006", f"{out} 已存在；如要覆盖请加 --force")
    if o.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError("PE-R006", f"--out 应是 .xlsx 或 .xlsm 文件，而不是 {out}")


class Progress:
    """Files done out of the batch: a tqdm bar on a terminal, a line every ``every`` files elsewhere."""

    def __init__(self, total: int, stream: TextIO | None = None, every: int = PROGRESS_EVERY,
                 enabled: bool = True):
        self.total, self.every, self.done = total, every, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 1
        self.bar = None
        if self.enabled and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="个", desc="处理", leave=False, dynamic_ncols=True,
                            bar_format="{desc} {n_fmt}/{total_fmt} |{bar}| {elapsed}<{remaining}")

    def step(self, name: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
        elif self.done % self.every == 0 or self.done == self.total:
            print(printable(f"已处理 {self.done}/{self.total}"), file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __call__(self, name: str) -> None:
        self.step(name)

