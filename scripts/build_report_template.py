"""Build perfeval_xl/report/template.docx, the Word template the drafted reports are written with.

    python scripts/build_report_template.py

The template is a real .docx kept in the repository: users may restyle it in Word (fonts, margins, spacing)
and the reports follow. It defines the styles the report code uses, after the usual form of government
reports (GB/T 9704): 标题 in 方正小标宋简体 (黑体 where missing), 一级标题 黑体, 二级标题 楷体, 正文 仿宋 三号 with
a two-character first-line indent and 28-point lines, tables in 仿宋 五号; A4 with 3.7/3.5/2.8/2.6 cm margins.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "perfeval_xl" / "report" / "template.docx"


def font(style, name: str, size: float, bold: bool = False) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def lines(style, points: float = 28, indent: bool = False, before: float = 0, after: float = 0) -> None:
    pf = style.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(points)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.first_line_indent = Pt(32) if indent else Pt(0)   # explicit 0: styles based on 正文 must not inherit it


def build(path: Path = OUT) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    styles = doc.styles
    normal = styles["Normal"]
    font(normal, "仿宋", 16)
    lines(normal, indent=True)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    title = styles["Title"]
    font(title, "方正小标宋简体", 22)
    lines(title, 36, before=0, after=18)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.font.color.rgb = RGBColor(0, 0, 0)
    ppr = title.element.get_or_add_pPr()     # python-docx's built-in Title has a blue bottom border: plain
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    for name, face in (("Heading 1", "黑体"), ("Heading 2", "楷体")):
        h = styles[name]
        font(h, face, 16)
        lines(h, 28, indent=True, before=6)
        h.font.color.rgb = RGBColor(0, 0, 0)
        h.font.italic = False
    sub = styles.add_style("报告副标题", WD_STYLE_TYPE.PARAGRAPH)
    sub.base_style = normal
    font(sub, "楷体", 16)
    lines(sub, 28)
    sub.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell = styles.add_style("表格文字", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    font(cell, "仿宋", 10.5)
    lines(cell, 15)
    cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    head = styles.add_style("表头文字", WD_STYLE_TYPE.PARAGRAPH)
    head.base_style = cell
    font(head, "黑体", 10.5)
    head.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = styles["Caption"]
    font(caption, "黑体", 12)
    lines(caption, 22, before=6, after=3)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.font.italic = False
    caption.paragraph_format.keep_with_next = True          # a table's caption stays on the table's page
    picture = styles.add_style("图片", WD_STYLE_TYPE.PARAGRAPH)
    picture.base_style = normal
    picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE   # an exact line height would clip it
    picture.paragraph_format.first_line_indent = Pt(0)
    picture.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.space_before = Pt(9)
    picture.paragraph_format.keep_with_next = True          # the figure's caption follows it
    note = styles.add_style("说明文字", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    font(note, "楷体", 12)
    lines(note, 20)
    doc.core_properties.author = "perfeval-xl"
    doc.core_properties.title = "绩效自评报告（初稿）"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
