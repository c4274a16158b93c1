"""The reviewer's 复核意见汇总 (.docx) for a whole batch: what came in, grades stated vs recomputed (with a chart),
the forms with errors, the most frequent problems with their counts, the files that could not be read.

Built from the batch summary (the same data as summary.xlsx/summary.json), on the same template as the
per-form reports. The chart is drawn with matplotlib (Agg backend) into a PNG, with a CJK font when the
machine has one (Windows: Microsoft YaHei/SimHei; Linux: WenQuanYi or Noto CJK).
"""
from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from docx.shared import Cm

from ..checks.catalog import iter_catalog
from ..checks.suggestions import KIND_OF, NOT_PROBLEMS
from ..recalc.summary import LEVEL, file_status, others_named, sheet_status, totals
from .draft import caption, document_bytes, heading, new_document, paragraph, table
from .figures import points_cell

GRADES = ("优", "良", "中", "差")
CJK_FONTS = ("Microsoft YaHei", "SimHei", "SimSun", "PingFang SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Noto Sans CJK SC", "Source Han Sans SC")


def grade_chart(stated: list[int], ours: list[int]) -> bytes:
    """A PNG bar chart of the forms per grade, stated beside recomputed, integer count axis."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot as plt
    from matplotlib.ticker import MaxNLocator

    have = {f.name for f in font_manager.fontManager.ttflist}
    family = [f for f in CJK_FONTS if f in have] + ["DejaVu Sans"]
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": family, "svg.hashsalt": "perfeval",
                         "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(6.0, 3.2), dpi=150)
        x = range(len(GRADES))
        ax.bar([i - 0.18 for i in x], stated, width=0.36, label="填报", color="#4F81BD")
        ax.bar([i + 0.18 for i in x], ours, width=0.36, label="复核", color="#C0504D")
        ax.set_xticks(list(x), GRADES)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("表单数")
        ax.set_title("等级分布（填报 与 复核）")
        ax.legend(frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


def review_document(summary: dict[str, Any], title: str = "绩效自评表复核意见汇总"):
    doc = new_document()
    doc.core_properties.title = title
    paragraph(doc, title, "Title")
    t = totals(summary)
    wbs = summary["workbooks"]
    sheets = [(w, s) for w in wbs for s in w["sheets"]]

    heading(doc, "一、复核范围", 1)
    st = t["status"]
    paragraph(doc, f"本次共复核工作簿{t['files']}个，识别出自评表、评分表{t['forms']}张。其中有错误的文件{st['有错误']}个，"
                   f"有警告的{st['有警告']}个，通过的{st['通过']}个；未识别到表单的{st['未识别']}个，无法读取的{st['无法读取']}个。"
                   f"共发现“错误”级问题{t['findings']['错误']}条、“警告”级问题{t['findings']['警告']}条。")

    heading(doc, "二、评价等级", 1)
    stated = [sum(s["grade_stated"] == g for _, s in sheets) for g in GRADES]
    ours = [sum(s["grade"] == g for _, s in sheets) for g in GRADES]
    paragraph(doc, "各等级的表单数：" + "，".join(f"“{g}”填报{a}张、复核{b}张" for g, a, b in zip(GRADES, stated, ours))
              + f"；填报等级与复核等级不一致的{t['grade_differs']}张。")
    caption(doc, "等级分布")
    table(doc, ["等级", "填报", "复核"], [[g, str(a), str(b)] for g, a, b in zip(GRADES, stated, ours)], (4, 4, 4))
    paragraph(doc, style="图片").add_run().add_picture(io.BytesIO(grade_chart(stated, ours)), width=Cm(14))
    caption(doc, "等级分布（填报与复核）", "图")
    differ = [(w, s) for w, s in sheets if s["grade_stated"] and s["grade"] and s["grade_stated"] != s["grade"]]
    if differ:
        caption(doc, "填报等级与复核等级不一致的表单")
        table(doc, ["文件", "项目", "填报总分", "填报等级", "复核总分", "复核等级"],
              [[w["path"], s["project"] or "", points_cell(s["total_stated"]), s["grade_stated"], points_cell(s["total"]),
                s["grade"]] for w, s in differ], (4.5, 4.5, 1.8, 1.6, 1.8, 1.6))

    heading(doc, "三、存在错误的表单", 1)
    wrong = [(w, s) for w, s in sheets if sheet_status(s) == "有错误"]
    if not wrong:
        paragraph(doc, "未发现存在“错误”级问题的表单。")
    else:
        paragraph(doc, f"以下{len(wrong)}张表单存在“错误”级问题（数据矛盾或计算错误），建议退回更正：")
        caption(doc, "存在错误的表单")
        rows = []
        for w, s in wrong:
            errors = [f for f in s["findings"] if f["severity"] == "error"]
            rows.append([w["path"], s["project"] or "", str(len(errors)),
                         "；".join(f"[{f['code']}] {f['message'].rstrip('。；')}" for f in errors[:3]) + "。"])
        table(doc, ["文件", "项目", "错误数", "主要错误"], rows, (3.3, 3.3, 1.8, 7.2))

    heading(doc, "四、常见问题", 1)
    rules = {r.code: r for r in iter_catalog()}
    forms_with = Counter(code for _, s in sheets for code in {f["code"] for f in s["findings"]})
    frequent = [(code, n) for code, n in t["codes"] if code not in NOT_PROBLEMS]
    if not frequent:
        paragraph(doc, "未发现问题。")
    else:
        top = frequent[:3]
        paragraph(doc, "出现最多的问题是：" + "；".join(f"{rules[c].title if c in rules else c}（{n}条，涉及{forms_with[c]}张表单）" for c, n in top)
                  + "。各问题的改进建议见各表单的自评报告初稿。")
        caption(doc, "问题出现次数")
        table(doc, ["编号", "问题", "级别", "类别", "条数", "涉及表单"],
              [[c, rules[c].title if c in rules else "", LEVEL[rules[c].severity] if c in rules else "",
                KIND_OF[c].heading if c in KIND_OF else "", str(n), str(forms_with[c])]
               for c, n in frequent], (2.0, 5.6, 1.2, 4.4, 1.2, 1.6))

    heading(doc, "五、无法读取或未识别的文件", 1)
    odd = [w for w in wbs if file_status(w) in ("无法读取", "未识别")]
    rest = summary.get("others") or []
    if rest:
        paragraph(doc, f"另有{len(rest)}个文件不是 Excel 工作簿或含自评表的 Word 文档，未处理：{others_named(summary, 10)}"
                       "。其中若有自评表（如扫描件），请报送单位提供 Excel 版本。")
    if not odd:
        paragraph(doc, "所有工作簿均已读取并识别。" if rest else "所有文件均已读取并识别。")
    else:
        caption(doc, "无法读取或未识别的文件")
        table(doc, ["文件", "状态", "原因"],
              [[w["path"], file_status(w), w["error"]["message"] if w["error"] else "未识别到自评表或评分表"] for w in odd],
              (4.5, 2, 9.1))

    repeated = [w for w in wbs if w.get("repeats")]
    if repeated:
        heading(doc, "六、可能重复报送的文件", 1)
        paragraph(doc, f"{len(repeated)}个文件与其他文件内容完全相同，或项目和单位相同（重发、修改稿，或 Word 报告中的附表），"
                       "以上统计中各算一次，请确认以哪一份为准。")
        caption(doc, "可能重复报送的文件")
        table(doc, ["文件", "与之相同的文件", "相同之处"],
              [[w["path"], r["path"], _repeat_said(r)] for w in repeated for r in w["repeats"]], (4.5, 4.5, 6.6))
    return doc


def _repeat_said(repeat: dict[str, Any]) -> str:
    """How a file is the same as another: the same bytes; or the same project and unit, and whether the figures agree
    (the first differences named, this file's figure before the other's)."""
    if "differs" not in repeat:
        return repeat["same"]
    diffs = repeat["differs"]
    if not diffs:
        return f"{repeat['same']}，填报的数据一致"
    return (f"{repeat['same']}，填报的数据不同：{'；'.join(diffs[:3])}" + (f" 等 {len(diffs)} 处" if len(diffs) > 3 else ""))


def write_review(summary: dict[str, Any], path: str | Path) -> Path:
    from ..xlio import atomic_write

    atomic_write(path, document_bytes(review_document(summary)))
    return Path(path)
