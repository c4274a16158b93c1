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
from ..limits import LimitError
from ..xlio.grid import Grid
from ..xlio.textsheets import excel_sheet_name, sniff, text_grids
from ..xlio.wordtables import certain, is_word_package, word_grids, word_xml_grids, word_xml_kind
from .layouts import recognise_all

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: PE-W003's message wherever a workbook needs a password to open (.xlsx or .xls)
NEEDS_PASSWORD = "需要密码才能打开；请报送单位在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新报送"


def _ole_holds(data: bytes, *streams: str) -> bool | None:
    """Does the compound file hold one of these streams? None when it cannot be read (damaged, or olefile, shipped
    with msoffcrypto-tool / oletools, is not installed)."""
    try:
        import io

        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return any(ole.exists(s) for s in streams)
    except Exception:
        return None


def is_encrypted_ole(data: bytes) -> bool:
    """An encrypted .xlsx (its package inside a compound file)?"""
    return bool(_ole_holds(data, "EncryptionInfo", "EncryptedPackage"))


def decrypt_default_password(data: bytes) -> bytes | None:
    """The plain workbook of one encrypted with Excel's default password ("VelvetSweatshop", which Excel and
    LibreOffice open without asking: a .xlsx saved so, or a .xls whose structure is protected): the package's zip
    bytes, or the .xls's compound file; None when it needs a real password or msoffcrypto-tool is not installed."""
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
    return plain if plain.startswith((b"PK", OLE_MAGIC)) else None


#: the BOF record that starts a bare BIFF2–BIFF5 worksheet (Excel 2.x–95 saved without the OLE container)
_BARE_BIFF = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")


def is_bare_biff(data: bytes) -> bool:
    return data[:2] in _BARE_BIFF and 4 <= int.from_bytes(data[2:4], "little") <= 20


def has_workbook_stream(data: bytes) -> bool:
    """Does the compound file hold a workbook (a .xls: its ``Workbook`` or, Excel 5–95, ``Book`` stream)? A Word
    or PowerPoint file does not. One that cannot be read counts as one: the reader then says what is wrong."""
    return _ole_holds(data, "Workbook", "Book") is not False


def legacy_grids(data: bytes, name: str) -> tuple[list[Grid], list[str]]:
    """Every sheet of a legacy .xls (BIFF in a compound file, or bare BIFF2–5) as a Grid, and notes for the reviewer.
    One encrypted with Excel's default password is decrypted (Excel opens it without asking); any other password is
    PE-W003; a file xlrd cannot read is PE-W002."""
    try:
        book, notes = _open_legacy(data)
    except _Encrypted:
        raise WorkbookError("PE-W003", NEEDS_PASSWORD, name) from None
    except WorkbookError as exc:
        raise WorkbookError(exc.code, exc.message, name) from None
    import xlrd

    grids = []
    for sh in book.sheets():
        g = Grid(sheet=sh.name, path=name, hidden=bool(sh.visibility))
        for r in range(sh.nrows):
            for c, (kind, v) in enumerate(zip(sh.row_types(r), sh.row_values(r))):
                if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or v in (None, ""):
                    continue
                if kind == xlrd.XL_CELL_ERROR:       # xlrd gives the error's code (7 for #DIV/0!), not a number
                    v = xlrd.error_text_from_code.get(v, "#VALUE!")
                elif kind == xlrd.XL_CELL_BOOLEAN:
                    v = bool(v)
                elif kind == xlrd.XL_CELL_DATE:      # as openpyxl reads a date of a .xlsx
                    try:
                        v = xlrd.xldate.xldate_as_datetime(v, book.datemode)
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        pass
                g.cells[(r + 1, c + 1)] = v
        g.merged = [(r1 + 1, c1 + 1, r2, c2) for r1, r2, c1, c2 in getattr(sh, "merged_cells", [])]
        grids.append(g)
    return grids, notes


class _Encrypted(Exception):
    pass


def _open_legacy(data: bytes):
    """(xlrd's book, notes): decrypted first when Excel's default password opens it; _Encrypted when another does."""
    try:
        return _open_xls(data), []
    except _Encrypted:
        plain = decrypt_default_password(data)
        if plain is None or not plain.startswith(OLE_MAGIC):
            raise
    return _open_xls(plain), ["原文件以 Excel 的默认密码加密（工作簿设了保护时 Excel 如此保存，打开时不问密码）：已解密读取"]


def _open_xls(data: bytes):
    try:
        import xlrd
    except ImportError:  # pragma: no cover - xlrd is a declared dependency
        raise WorkbookError("PE-W002", "读取 .xls 需要 xlrd（pip install 'perfeval-xl[legacy]'），"
                                       "或在 Excel/LibreOffice 中另存为 .xlsx", "") from None
    import os

    error: Exception | None = None
    # formatting_info gives the merged ranges (a label spanning rows reads as in the .xlsx of the same form); a file
    # whose formatting records xlrd cannot follow is read again without them. ignore_workbook_corruption: a compound
    # file whose directory lists a sector twice, as PHPExcel writes them; Excel opens those
    for formatting in (True, False):
        try:
            with open(os.devnull, "w") as quiet:   # xlrd prints what it finds odd to standard output
                return xlrd.open_workbook(file_contents=data, formatting_info=formatting, logfile=quiet,
                                          ignore_workbook_corruption=True)
        except Exception as exc:  # xlrd's own texts are English: say it in the user's words
            if "encrypted" in str(exc).lower():
                raise _Encrypted from None
            error = exc
    raise WorkbookError("PE-W002", "文件已损坏或不是有效的旧版 .xls；请在 Excel 中另存为 .xlsx，"
                                   "或运行 soffice --headless --convert-to xlsx 文件名.xls", "") from error


def load_grids(path: str | Path) -> list[Grid]:
    """Every sheet of a workbook as a Grid (values are cached values for formula cells)."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise WorkbookError("PE-W008", "文件不存在", name)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise WorkbookError("PE-W008", f"无法读取文件（{os_reason(exc)}）", name) from None
    if not data:
        raise WorkbookError("PE-W001", "文件为空（0 字节）", name)
    if data.startswith(OLE_MAGIC):
        if is_encrypted_ole(data):
            raise WorkbookError("PE-W003", NEEDS_PASSWORD, name)
        if not has_workbook_stream(data) and _ole_holds(data, "WordDocument"):     # a .xls is asked once
            raise WorkbookError("PE-W001", "Word 97-2003 格式，无法读取其中的表格：请另存为 .docx 后重新运行", name)
        return legacy_grids(data, name)[0]
    if not zipfile.is_zipfile(p):
        if p.suffix.lower() == ".xls" and is_bare_biff(data):
            return legacy_grids(data, name)[0]
        if p.suffix.lower() in (".doc", ".xml") and word_xml_kind(data):
            return _word_tables(word_xml_grids, data, name)        # Word saved as one XML file
        kind = sniff(data) if p.suffix.lower() in (".xls", ".doc") else None
        if kind is None:
            raise WorkbookError("PE-W001", "文件不是 .xlsx/.xlsm/.xls 工作簿（请在 Excel 中另存为 .xlsx）", name)
        try:
            grids = text_grids(data, kind, excel_sheet_name(p.stem))
        except LimitError as exc:
            raise WorkbookError(exc.code, str(exc), name) from None
        for g in grids:
            g.path = name
        return grids
    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
    except zipfile.BadZipFile:
        raise WorkbookError("PE-W001", "文件已损坏，无法解压", name) from None
    if "xl/workbook.xml" not in names:
        if not is_word_package(names):
            raise WorkbookError("PE-W001", "压缩包中没有 xl/workbook.xml，不是 Excel 工作簿", name)
        return _word_tables(word_grids, data, name)
    return _load_xlsx(p)


def _word_tables(read, data: bytes, name: str) -> list[Grid]:
    """A Word document's tables, one grid each (those whose cells stand where the document puts them)."""
    try:
        grids = [s.grid for s in certain(read(data))[0]]
    except LimitError as exc:
        raise WorkbookError(exc.code, str(exc), name) from None
    for g in grids:
        g.path = name
    return grids


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


def read_workbook(path: str | Path) -> list[Form]:
    """All forms recognised in a workbook; raises WorkbookError when there is none."""
    grids = load_grids(path)
    if not any(g.cells for g in grids):
        raise WorkbookError("PE-W004", "所有工作表都没有内容", str(path))
    forms = [f for g in grids for f in recognise_all(g)]
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
