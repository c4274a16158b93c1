"""Render the outputs a reviewer opens into the pictures the README shows (docs/img/*.png).

    python scripts/render_docs.py [--out docs/img]

Runs ``perfeval-xl recalc`` and ``perfeval-xl report`` on the bundled examples, prints summary.xlsx, one annotated
copy, one drafted report and the 复核意见汇总 to PDF with LibreOffice, finds each sheet's page by its header text (pdftotext) and turns it into a PNG (pdftoppm),
cropped to the printed content. Run it after changing an output; the README's pictures then match the code.
Needs LibreOffice, poppler-utils and a CJK font (``bash scripts/system-deps.sh`` installs them).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbooks" / "examples"
DPI = 110

#: picture name -> (file in the recalc output, a text only that sheet's page holds, whole page or crop)
PICTURES = {
    "summary-overview.png": ("summary.xlsx", "本次处理的工作簿", False),
    "summary-forms.png": ("summary.xlsx", "主要问题或原因", False),
    "summary-findings.png": ("summary.xlsx", "问题说明", False),
    "summary-grades.png": ("summary.xlsx", "等级分布", True),
    "annotated-form.png": ("seed004_晋中自评表.xlsx", "出口信用保险保费补助资金", False),
    "annotated-results.png": ("seed004_晋中自评表.xlsx", "问题说明", False),
    "report-first-page.png": ("reports/seed002_部门整体_报告初稿.docx", "一、基本情况", True),
    "report-problems.png": ("reports/seed002_部门整体_报告初稿.docx", "四、存在的问题", True),
    "review-grades.png": ("reports/复核意见汇总.docx", "三、存在错误的表单", True),
}


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600, **kw)


def to_pdf(files: list[Path], outdir: Path, profile: Path) -> dict[str, Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("需要 LibreOffice：请先运行 bash scripts/system-deps.sh")
    run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)])
    return {f.name: outdir / (f.stem + ".pdf") for f in files}


def pages(pdf: Path) -> list[str]:
    text = run(["pdftotext", "-layout", str(pdf), "-"]).stdout
    return text.split("\f")


def content_box(pdf: Path, page: int) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in points around the words printed on ``page`` (1-based)."""
    html = run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"]).stdout
    boxes = [tuple(map(float, m)) for m in
             re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    width, height = float(size.group(1)), float(size.group(2))
    body = [b for b in boxes if b[1] < height - 60]          # the page footer is not content
    if not body:
        return 0, 0, width, height
    pad = 12
    return (max(min(b[0] for b in body) - pad, 0), max(min(b[1] for b in body) - pad, 0),
            min(max(b[2] for b in body) + pad, width), min(max(b[3] for b in body) + pad, height))


def render(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        result = tmp_path / "out"
        subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "recalc", str(EXAMPLES), "--out", str(result), "-q"],
                       cwd=ROOT, capture_output=True, timeout=600)
        subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "report", str(EXAMPLES), "--out", str(result / "reports"),
                        "-q"], cwd=ROOT, capture_output=True, timeout=600)
        files = sorted({result / f for f, _, _ in PICTURES.values()})
        pdfs = to_pdf(files, tmp_path / "pdf", tmp_path / "profile")
        written = []
        for name, (source, marker, whole) in PICTURES.items():
            pdf = pdfs[Path(source).name]
            texts = pages(pdf)
            page = next((i for i, t in enumerate(texts, 1) if marker in t), None)
            if page is None:
                raise SystemExit(f"{source} 中找不到含“{marker}”的页")
            target = out / name
            cmd = ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI), "-png", "-singlefile"]
            if not whole:
                x0, y0, x1, y1 = (v * DPI / 72 for v in content_box(pdf, page))
                cmd += ["-x", str(int(x0)), "-y", str(int(y0)), "-W", str(int(x1 - x0)), "-H", str(int(y1 - y0))]
            run(cmd + [str(pdf), str(target.with_suffix(""))])
            written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    for p in render(Path(parser.parse_args().out)):
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)


if __name__ == "__main__":
    main()
