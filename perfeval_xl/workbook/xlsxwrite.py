"""Writing NEW workbooks (templates, examples, summaries) with openpyxl — atomically and reproducibly.

openpyxl stamps the current time into docProps/core.xml and the zip entries; ``save_deterministic``
fixes both so that generating the same workbook twice gives identical bytes, and writes through a
temporary file in the target folder + ``os.replace`` so a crash never leaves half a file.
"""
from __future__ import annotations

import datetime as _dt
import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the batch writes its summary through this module: openpyxl (and numpy) are not imported for it
    from openpyxl import Workbook

FIXED_TIME = _dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def workbook_bytes(wb: "Workbook") -> bytes:
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "perfeval-xl"
    wb.properties.lastModifiedBy = "perfeval-xl"
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue())


def deterministic_zip(data: bytes) -> bytes:
    """An Office package re-packed with fixed entry times and core-property dates (openpyxl and python-docx
    stamp the current time), so the same content always gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core(data)
            zi = zipfile.ZipInfo(info.filename, ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def _fix_core(data: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", data)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    from ..xlio import atomic_write

    atomic_write(path, data)


def save_deterministic(wb: "Workbook", path: str | Path) -> Path:
    atomic_write_bytes(path, workbook_bytes(wb))
    return Path(path)
