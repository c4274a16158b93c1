"""The I/O layer: workbook files and live Excel seen through one small interface, below everything that reads
forms.

* :mod:`.package`  — the package editor (:class:`XlsxPackage`): parts read under limits, parsed only when edited,
  written back byte for byte otherwise, atomically;
* :mod:`.sheetxml` — one worksheet part's cells read and edited in its bytes;
* :mod:`.grid`     — a sheet's cells as the layout readers see them (:class:`Grid`) and A1 addresses;
* :mod:`.access`   — the sheet-access interface ribbon actions and annotations work through;
* :mod:`.filebook` — that interface on files (:class:`XlsxBook`), with :mod:`.styles` for styles.xml;
* :mod:`.xlwingsbook` — that interface on a live Excel workbook through xlwings.
"""
from .filebook import XlsxBook, XlsxSheet
from .package import CT_NS, N, PKG_REL, PackageError, XlsxPackage, atomic_write, package_bytes, save_package

__all__ = ["XlsxBook", "XlsxSheet", "XlsxPackage", "PackageError", "atomic_write", "package_bytes", "save_package",
           "N", "CT_NS", "PKG_REL"]
