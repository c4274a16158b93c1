"""LibreOffice as the independent oracle: open a workbook headless, force a full recalculation, save.

LibreOffice recalculates on load only when its profile says so; a private profile (UserInstallation)
with OOXMLRecalcMode = 0 ("always") forces it, and keeps the tests away from any user profile.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc) is not installed")

XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


def convert(files: list[Path], outdir: Path, fmt: str = "xlsx", *, recalc: bool = True, profile: Path,
            infilter: str | None = None) -> list[Path]:
    """Open each file in LibreOffice (forcing recalculation when asked) and save it as ``fmt`` into outdir.
    ``infilter`` names the import filter where the extension does not (LibreOffice has none for .xlam)."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(XCU.format(mode=0 if recalc else 1), encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    extra = [f"--infilter={infilter}"] if infilter else []
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore", *extra,
                    "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)],
                   check=True, capture_output=True, timeout=600)
    out = [outdir / (Path(f).stem + "." + fmt.split(":")[0]) for f in files]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return out
