"""Draft one form's evaluation report (.docx), as the seed reports are written.

《…绩效自评报告（初稿）》 with the sections the seeds use — 一、基本情况; 二、绩效目标完成情况 (the indicator table);
三、评价得分与等级 (stated and recomputed, first-level subtotals); 四、存在的问题 (one numbered paragraph per problem kind,
quoting its figures); 五、改进建议 (from :mod:`perfeval_xl.checks.suggestions`, each with its basis). Every number
comes from the engine through :mod:`perfeval_xl.report.figures`; the only sentences are the catalogue's and the
findings', filled with the form's figures, so the same form always gives the same text.

The document is written on ``template.docx`` (styles 标题, Heading 1/2, 正文, 表格文字, 表头文字, 说明文字), which users
may restyle in Word.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Cm

from .. import __version__
from ..checks.suggestions import KIND_OF, KINDS, MANY, MANY_FROM, NOT_PROBLEMS, ProblemKind
from ..engine.scoring import FormScore
from ..model import FORM_KINDS, Finding, Form
from ..xlio.sheetxml import visible
from ..xlio.wordtables import WORD_SUFFIXES
from .figures import amount, amount_cell, counted, ordinal, percent, points, points_cell, rate_text, value_text

TEMPLATE = Path(__file__).with_name("template.docx")
SECTIONS = ("一、基本情况", "二、绩效目标完成情况", "三、评价得分与等级", "四、存在的问题", "五、改进建议")
HEADER_ORDER = ("项目名称", "部门名称", "单位名称", "主管部门", "实施单位", "项目单位", "项目属性", "项目期", "项目负责人")


def new_document() -> DocumentType:
    return Document(str(TEMPLATE))


def safe_name(text: str) -> str:
    """A sheet or project name usable in a file name on Windows too."""
    return re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", text).strip(" .") or "表单"


def subject(form: Form) -> str:
    return form.project or "（表中未填名称）"


def title_of(form: Form) -> str:
    if form.kind == "department":
        return f"{subject(form)}部门整体支出绩效自评报告（初稿）"
    if form.kind == "scoring":      # a third-party 评分表: an evaluation, not a self-evaluation
        return f"{subject(form)}项目支出绩效评价报告（初稿）"
    return f"{subject(form)}项目支出绩效自评报告（初稿）"


def table(doc: DocumentType, head: Sequence[str], rows: Iterable[Sequence[str]],
          widths: Sequence[float] | None = None) -> None:
    rows = list(rows)
    t = doc.add_table(rows=1 + len(rows), cols=len(head))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _repeat_header(t.rows[0])
    # Styles are set by id on each cell's paragraph: python-docx's ``paragraph.style = …`` scans every style of
    # the document per call, and ``table.cell(i, j)`` walks the whole table per call; rows are walked once here.
    head_id, cell_id = doc.styles["表头文字"].style_id, doc.styles["表格文字"].style_id
    if widths:   # Word reads the cells' widths, LibreOffice the grid's: set both
        t.autofit = False
        for j, w in enumerate(widths):
            t.columns[j].width = Cm(w)
    for i, (row, values) in enumerate(zip(t.rows, [list(head), *rows])):
        _keep_row_whole(row)
        for j, (cell, text) in enumerate(zip(row.cells, values)):
            cell.text = visible(text)
            cell.paragraphs[0]._p.style = head_id if i == 0 else cell_id
            if widths:
                cell.width = Cm(widths[j])


def _keep_row_whole(row) -> None:
    """A row is never split across two pages (``w:cantSplit``)."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_header(row) -> None:
    """Mark a table's first row as its header row, repeated on each page the table runs over
    (python-docx has no property for ``w:tblHeader``)."""
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def caption(doc: DocumentType, text: str, kind: str = "表") -> None:
    """A numbered caption (表1, 表2 … / 图1 …), numbered in the order captions appear in the document."""
    sid = doc.styles["Caption"].style_id
    n = 1 + sum(1 for p in doc.element.body.iterchildren(qn("w:p")) if p.style == sid
                and "".join(t.text or "" for t in p.iter(qn("w:t"))).startswith(kind))
    paragraph(doc, f"{kind}{n} {text}", "Caption")


def paragraph(doc: DocumentType, text: str = "", style: str | None = None):
    """Add a paragraph in the named style (set by id: python-docx's style setter scans all styles per call)."""
    p = doc.add_paragraph(visible(text))
    if style:
        p._p.style = doc.styles[style].style_id
    return p


def heading(doc: DocumentType, text: str, level: int) -> None:
    paragraph(doc, text, f"Heading {level}")


# ---------------------------------------------------------------- sections

def _basics(doc: DocumentType, form: Form, fs: FormScore) -> None:
    heading(doc, SECTIONS[0], 1)
    heading(doc, "（一）基本信息", 2)
    items = [(k, form.header[k]) for k in HEADER_ORDER if form.header.get(k)]
    items += [(k, v) for k, v in form.header.items() if k not in HEADER_ORDER and v not in (None, "")]
    paragraph(doc, "；".join(f"{k}：{value_text(v)}" for k, v in items) + "。" if items else "表中未填列项目基本信息。")
    heading(doc, "（二）资金情况", 2)
    b = form.budget
    if b is None:
        why = form.unread.get("budget")
        paragraph(doc, f"表中未读取到资金情况（{why}）。" if why else "表中未填列资金情况。")
        return
    facts = [(label, v) for label, v in (("年初预算数", b.initial), ("全年预算数", b.annual), ("调整后预算数", b.adjusted),
                                         ("实际到位资金", b.arrived), ("实际支出", b.executed),
                                         ("政府采购预算", b.procurement_budget), ("政府采购实际执行", b.procurement_executed))
             if v is not None]
    sentences = ["，".join(f"{label}{amount(v)}" for label, v in facts) + "。"] if facts else []
    rates = []
    if fs.execution and fs.execution.value is not None:
        rates.append(f"预算执行率为{percent(fs.execution.value)}（{amount(fs.execution.numerator)}÷"
                     f"{amount(fs.execution.denominator)}，以{fs.execution.base}为口径）")
    if fs.arrival and fs.arrival.value is not None:
        rates.append(f"资金到位率为{percent(fs.arrival.value)}")
    if fs.adjustment and fs.adjustment.value is not None:
        rates.append(f"预算调整率为{percent(abs(fs.adjustment.value))}（{_adjust_words(fs)}）")
    if fs.procurement and fs.procurement.value is not None:
        rates.append(f"政府采购执行率为{percent(fs.procurement.value)}")
    if rates:
        sentences.append("，".join(rates) + "。")
    paragraph(doc, "".join(sentences) or "表中资金情况未填数。")
    rows = [[label, amount_cell(v), "万元"] for label, v in facts]
    for r, label in ((fs.execution, "预算执行率"), (fs.arrival, "资金到位率"), (fs.adjustment, "预算调整率"),
                     (fs.procurement, "政府采购执行率")):
        if r is not None and r.value is not None:
            rows.append([label, rate_text(r), f"{amount_cell(r.numerator)}÷{amount_cell(r.denominator)}（{r.base}）"])
    caption(doc, "资金情况")
    table(doc, ["项目", "金额或比率", "单位或计算"], rows, (5, 4, 7))


def _adjust_words(fs: FormScore) -> str:
    r = fs.adjustment
    if r is None or r.numerator is None or r.denominator is None:
        return ""
    direction = "调减" if r.numerator < 0 else "调增"
    return f"年初{amount(r.denominator)}，{direction}{amount(abs(r.numerator))}，调整后{amount(r.denominator + r.numerator)}"


def _targets(doc: DocumentType, form: Form, fs: FormScore) -> None:
    heading(doc, SECTIONS[1], 1)
    if fs.scores:
        rows = []
        differ = computed = 0
        for ind, s in fs.scores:
            ours = s.value if s is not None else None
            computed += ours is not None
            if ours is not None and ind.score_stated is not None and abs(ours - ind.score_stated) >= 0.005:
                differ += 1
            rows.append([ind.level1 or "", ind.level2 or "", ind.name, value_text(ind.target), value_text(ind.actual),
                         points_cell(ind.weight), points_cell(ind.score_stated), points_cell(ours),
                         value_text(ind.deviation_note)])
        text = f"表中共有三级指标{len(rows)}项，其中{computed}项可按评分标准复算"
        text += (f"，{differ}项的自评得分与复算得分不同。" if differ else "，复算得分与自评得分一致。") if computed else "。"
        if computed < len(rows):
            text += "复核得分为空的指标没有可复算的评分标准（评价人判断打分），复核总分沿用其自评得分。"
        paragraph(doc, text)
        caption(doc, "绩效指标完成情况")
        table(doc, ["一级指标", "二级指标", "三级指标", "目标值", "实际完成值", "分值", "自评得分", "复核得分", "偏差原因"],
              rows, (1.3, 1.3, 2.2, 1.7, 1.7, 1.5, 1.5, 1.5, 2.9))
    elif form.targets_text:
        paragraph(doc, f"表中列有绩效指标{len(form.targets_text)}项（未列实际完成值和得分）。")
        caption(doc, "绩效指标")
        table(doc, ["指标", "指标值"], [[name, value_text(t)] for name, t, _cell in form.targets_text], (10, 5.6))
    else:
        paragraph(doc, "表中未读取到绩效指标。")


def _scores(doc: DocumentType, form: Form, fs: FormScore) -> None:
    heading(doc, SECTIONS[2], 1)
    stated = (f"自评总分为{points(form.total_stated)}，自评等级为“{form.grade_stated}”"
              if form.total_stated is not None and form.grade_stated else
              f"自评总分为{points(form.total_stated)}" if form.total_stated is not None else "表中未填自评总分")
    if fs.total is None:
        ours = "表中指标不足以按评分标准复算总分，以自评结果为准"
    else:
        same = fs.total == form.total_stated and fs.grade == form.grade_stated
        ours = (f"按评分标准复算，总分为{points(fs.total)}，等级为“{fs.grade}”"
                + ("，与自评结果一致" if same else "，与自评结果不一致"))
    paragraph(doc, f"{subject(form)}{stated}。{ours}。")
    names = list(OrderedDict.fromkeys([*form.levels, *fs.levels]))
    if not names:
        return
    rows = []
    for name in names:
        lv = form.levels.get(name, {})
        rows.append([name, points_cell(lv.get("weight")), points_cell(lv.get("score")), points_cell(fs.levels.get(name))])
    rows.append(["合计", points_cell(form.total_weight or sum(form.levels.get(n, {}).get("weight") or 0 for n in names)),
                 points_cell(form.total_stated), points_cell(fs.total)])
    rows.append(["等级", "", form.grade_stated or "", fs.grade or ""])
    caption(doc, "一级指标得分")
    table(doc, ["一级指标", "分值", "自评得分", "复核得分"], rows, (4.5, 3.5, 3.5, 3.5))


def problems_by_kind(findings: Iterable[Finding]) -> "OrderedDict[ProblemKind, list[Finding]]":
    """The findings grouped by problem kind, kinds in the catalogue's order, findings in the checks' order."""
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        if f.code in NOT_PROBLEMS or f.code not in KIND_OF:
            continue
        grouped.setdefault(KIND_OF[f.code].key, []).append(f)
    return OrderedDict((k, grouped[k.key]) for k in KINDS if k.key in grouped)


def _lead(kind: ProblemKind, form: Form, fs: FormScore) -> str:
    """The figures a kind's paragraph opens with, as the seed reports state them."""
    if kind.key == "execution" and fs.execution and fs.execution.value is not None:
        r = fs.execution
        return (f"{subject(form)}{r.base}为{amount(r.denominator)}，实际支出{amount(r.numerator)}，"
                f"预算执行率为{percent(r.value)}（以{r.base}为口径）。")
    if kind.key == "adjustment" and fs.adjustment and fs.adjustment.value is not None:
        r = fs.adjustment
        return (f"{subject(form)}年初预算数为{amount(r.denominator)}，调整后预算数为{amount(r.denominator + r.numerator)}，"
                f"预算调整率为{percent(abs(r.value))}。")
    if kind.key == "arrival" and fs.arrival and fs.arrival.value is not None:
        r = fs.arrival
        return f"{subject(form)}预算资金{amount(r.denominator)}，实际到位{amount(r.numerator)}，资金到位率为{percent(r.value)}。"
    if kind.key == "procurement" and fs.procurement and fs.procurement.value is not None:
        r = fs.procurement
        whole, parts = (form.budget.parts.get("政府采购") if form.budget else None) or (None, [])
        detail = "、".join(f"政府采购{name}预算{amount(v)}" for name, v in parts if v is not None)
        return (f"{subject(form)}政府采购预算总额{amount(r.denominator)}" + (f"，其中：{detail}" if detail else "")
                + f"；实际执行{amount(r.numerator)}，政府采购执行率为{percent(r.value)}。")
    return ""


_INDICATOR_NAME = re.compile(r"指标“([^”]+)”")


def _statements(found: list[Finding]) -> list[str]:
    """The findings as sentences, in order: one per finding, except that a code with MANY_FROM findings or more
    that has a MANY sentence gets that one sentence, naming its indicators."""
    by_code: dict[str, list[Finding]] = {}
    for f in found:
        by_code.setdefault(f.code, []).append(f)
    out, done = [], set()
    for f in found:
        group = by_code[f.code]
        if f.code in MANY and len(group) >= MANY_FROM:
            if f.code in done:
                continue
            names = list(OrderedDict.fromkeys(m.group(1).rstrip("。；;，, ") for g in group
                                              if (m := _INDICATOR_NAME.search(g.message))))
            if len(names) == len(group):
                out.append(MANY[f.code].format(n=len(names), items="、".join(names)))
                done.add(f.code)
                continue
        out.append(f.message.rstrip("。；; "))
    return list(OrderedDict.fromkeys(out))


def _problem_text(kind: ProblemKind, found: list[Finding], form: Form, fs: FormScore) -> str:
    lead = _lead(kind, form, fs)
    rest = [f for f in found if not (lead and f.code in kind.covered)]
    messages = _statements(rest)
    if len(messages) == 1:
        body = messages[0] + "。"
    elif messages:
        body = "；".join(f"{counted(i)}{m}" for i, m in enumerate(messages, 1)) + "。"
    else:
        body = ""
    return lead + body + kind.meaning


def _problems(doc: DocumentType, form: Form, fs: FormScore, findings: list[Finding]) -> list[ProblemKind]:
    heading(doc, SECTIONS[3], 1)
    grouped = problems_by_kind(findings)
    if not grouped:
        paragraph(doc, "经复核，表中数据未发现需要说明的问题。")
    for i, (kind, found) in enumerate(grouped.items(), 1):
        heading(doc, f"{ordinal(i)}{kind.heading}", 2)
        paragraph(doc, _problem_text(kind, found, form, fs))
    return list(grouped)


def _advice(doc: DocumentType, kinds: list[ProblemKind]) -> None:
    heading(doc, SECTIONS[4], 1)
    if not kinds:
        paragraph(doc, "继续按照绩效管理要求做好项目实施和资金管理。")
    for i, kind in enumerate(kinds, 1):
        heading(doc, f"{ordinal(i)}{kind.advice_heading}", 2)
        paragraph(doc, kind.advice)
        paragraph(doc, f"依据：{kind.basis}。", "说明文字")


def _notes(doc: DocumentType, form: Form, findings: list[Finding], source: str) -> None:
    heading(doc, "附：复核说明", 1)
    paragraph(doc, f"本初稿根据{source}中的数据生成（{FORM_KINDS.get(form.kind, form.kind)}），文中数字均取自表中或按评分标准复算，"
                   f"请核对后定稿。各问题的单元格位置和依据数据见复核工作簿的“校验结果”工作表。", "说明文字")
    for code, why in form.unread.items():
        paragraph(doc, f"未能读取的部分：{why}；依赖该部分的判断未作结论，请人工核对。", "说明文字")
    paragraph(doc, f"生成工具：perfeval-xl {__version__}。", "说明文字")


def draft(form: Form, fs: FormScore, findings: list[Finding], source: str | None = None) -> DocumentType:
    """The report for one recognised form, as a python-docx Document."""
    doc = new_document()
    doc.core_properties.title = visible(title_of(form))
    paragraph(doc, title_of(form), "Title")
    # a Word document's form stands in one of its tables ("表格2": its second), not in a worksheet
    what = "（文档中的表格）" if source and source.lower().endswith(WORD_SUFFIXES) else "工作表"
    where = f"《{source}》“{form.sheet}”{what}" if source else f"“{form.sheet}”{what}"
    _basics(doc, form, fs)
    _targets(doc, form, fs)
    _scores(doc, form, fs)
    kinds = _problems(doc, form, fs, findings)
    _advice(doc, kinds)
    _notes(doc, form, findings, where)
    return doc


def document_text(doc: DocumentType) -> str:
    """All text of a document, paragraphs and table cells in order (what tests and determinism compare)."""
    body = doc.element.body
    out = []
    for el in body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append("".join(t.text or "" for t in el.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for tr in el.iter():
                if tr.tag.endswith("}tr"):
                    out.append(" | ".join("".join(t.text or "" for t in tc.iter() if t.tag.endswith("}t"))
                                          for tc in tr if tc.tag.endswith("}tc")))
    return "\n".join(out)


def document_bytes(doc: DocumentType) -> bytes:
    """The document as .docx bytes, the same bytes for the same content."""
    import io

    from ..workbook.xlsxwrite import deterministic_zip

    doc.core_properties.author = doc.core_properties.last_modified_by = "perfeval-xl"
    doc.core_properties.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return deterministic_zip(buf.getvalue())


def write_report(form: Form, fs: FormScore, findings: list[Finding], path: str | Path,
                 source: str | None = None) -> Path:
    """Draft the report and write it atomically."""
    from ..xlio import atomic_write

    atomic_write(path, document_bytes(draft(form, fs, findings, source)))
    return Path(path)
