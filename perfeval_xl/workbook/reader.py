"""Files → grids → forms. Reading is read-only: the input's bytes never change.

``load_grids(path)`` opens .xlsx/.xlsm with openpyxl (cached values of formula cells, merged ranges,
number formats) and legacy .xls with xlrd; every other case becomes a :class:`WorkbookError` with a code.
``read_workbook(path)`` recognises the forms on every sheet.
"""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

from ..model import Form
from .errors import WorkbookError, os_reason
from ..xlio.grid import Grid
from .layouts import recognise

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _is_encrypted_ole(path: Path) -> bool:
    try:
        import olefile  # shipped with oletools / msoffcrypto-tool

        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")
    except Exception:
        return False


def decrypt_default_password(data: bytes) -> bytes | None:
    """The plain package of a workbook encrypted with Excel's default read password ("VelvetSweatshop",
    which Excel and LibreOffice open without asking); None when it needs a real password or
    msoffcrypto-tool is not installed."""
    try:
        import io

        import msoffcrypto
    except ImportError:
        return None
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password="VelvetSweatshop")
        out = io.BytesIO()
        office.decrypt(out)
    except Exception:  # wrong password, unsupported scheme, damaged file
        return None
    plain = out.getvalue()
    return plain if plain.startswith(b"PK") else None


def load_grids(path: str | Path) -> list[Grid]:
    """Every sheet of a workbook as a Grid (values are cached values for formula cells)."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise WorkbookError("PE-W008", "文件不存在", name)
    try:
        head = p.read_bytes()[:8]
    except OSError as exc:
        raise WorkbookError("PE-W008", f"无法读取文件（{os_reason(exc)}）", name) from None
    if not head:
        raise WorkbookError("PE-W001", "文件为空（0 字节）", name)
    if head.startswith(OLE_MAGIC):
        if _is_encrypted_ole(p):
            raise WorkbookError("PE-W003", "工作簿已加密，请在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密）后另存", name)
        return _load_xls(p)
    if not zipfile.is_zipfile(p):
        raise WorkbookError("PE-W001", "文件不是 .xlsx/.xlsm/.xls 工作簿（请在 Excel 中另存为 .xlsx）", name)
    try:
        with zipfile.ZipFile(p) as z:
            if "xl/workbook.xml" not in z.namelist():
                raise WorkbookError("PE-W001", "压缩包中没有 xl/workbook.xml，不是 Excel 工作簿", name)
    except zipfile.BadZipFile:
        raise WorkbookError("PE-W001", "文件已损坏，无法解压", name) from None
    return _load_xlsx(p)


def _load_xlsx(p: Path) -> list[Grid]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(p, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many types on broken files
        raise WorkbookError("PE-W001", f"无法读取工作簿：{exc}", str(p)) from None
    grids = []
    for ws in wb.worksheets:
        g = Grid(sheet=ws.title, path=str(p))
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                g.cells[(cell.row, cell.column)] = v
                fmt = cell.number_format
                if fmt and fmt != "General":
                    g.number_formats[(cell.row, cell.column)] = fmt
        g.merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        grids.append(g)
    wb.close()
    return grids


def _load_xls(p: Path) -> list[Grid]:
    try:
        import xlrd
    except ImportError:  # pragma: no cover - xlrd is a declared extra
        raise WorkbookError("PE-W002", "读取 .xls 需要 xlrd（pip install 'perfeval-xl[legacy]'），"
                                       "或在 Excel/LibreOffice 中另存为 .xlsx", str(p)) from None
    try:
        book = xlrd.open_workbook(str(p), formatting_info=False)
    except Exception:  # xlrd's own texts are English: say it in the user's words
        raise WorkbookError("PE-W002", "文件已损坏或不是有效的旧版 .xls；请在 Excel 中另存为 .xlsx，"
                                       "或运行 soffice --headless --convert-to xlsx 文件名.xls", str(p)) from None
    grids = []
    for sh in book.sheets():
        g = Grid(sheet=sh.name, path=str(p))
        for r in range(sh.nrows):
            for c in range(sh.ncols):
                v = sh.cell_value(r, c)
                if v not in (None, ""):
                    g.cells[(r + 1, c + 1)] = v
        g.merged = [(r1 + 1, c1 + 1, r2, c2) for r1, r2, c1, c2 in getattr(sh, "merged_cells", [])]
        grids.append(g)
    return grids


def read_workbook(path: str | Path) -> list[Form]:
    """All forms recognised in a workbook; raises WorkbookError when there is none."""
    grids = load_grids(path)
    if not any(g.cells for g in grids):
        raise WorkbookError("PE-W004", "所有工作表都没有内容", str(path))
    forms = [f for f in (recognise(g) for g in grids) if f is not None]
    if not forms:
        from .layouts import missing_columns
        from .sheetscan import LabelledSheet

        for g in grids:
            miss = missing_columns(LabelledSheet(g))
            if miss:
                r, labels = miss
                raise WorkbookError("PE-W006", f"第{r}行是指标表表头，但缺少“{'”“'.join(labels)}”列",
                                    str(path), g.sheet, f"{r}:{r}")
        names = "、".join(g.sheet for g in grids)
        raise WorkbookError("PE-W005", f"在工作表（{names}）中没有找到“三级指标/分值/得分”或“预算执行”等表头", str(path))
    return forms
