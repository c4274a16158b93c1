"""Workbooks with PE_* formulas, as evaluators using the add-in would have them."""
from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from perfeval_xl.workbook.examples import SEED001

SEED001_SCORES = [row[7] for row in SEED001]
COMPUTABLE = {"资金到位率", "预算执行率", "参保人员数量", "保险理赔人数", "选择服务单位合规性", "保险理赔及时性", "成本控制率",
              "社会公众或受益对象的满意度", "绩效目标合理性"}


def seed001_pe_workbook(path: Path, form: str = "PE_SCORE") -> Path:
    """Seed 001's 评分表 where every computable score is =PE_SCORE(分值, 目标值, 实际值, 评分标准); the evaluator's
    judgements (items, qualitative rows without a degree) stay typed. Total = ROUND(SUM), grade = PE_GRADE."""
    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    ws.append(["项目名称", "2022年度樟树市防贫保险"])
    ws.append([])
    ws.append(["一级指标", "二级指标", "三级指标", "分值", "评分标准", "目标值", "实际值", "评价得分", "备注"])
    l1 = None
    for i, (a, b, name, w, crit, t, act, s, note) in enumerate(SEED001):
        r = 4 + i
        l1 = a or l1
        ws.append([a, b, name, w, crit, t, act, None, note])
        if name in COMPUTABLE:
            ws.cell(r, 8, f"={form}(D{r},F{r},G{r},E{r})")
        else:
            ws.cell(r, 8, s)
    last = 3 + len(SEED001)
    ws.cell(last + 1, 1, "合计")
    ws.cell(last + 1, 4, f"=SUM(D4:D{last})")
    ws.cell(last + 1, 8, f"=ROUND(SUM(H4:H{last}),2)")
    ws.cell(last + 2, 1, "评价等级")
    ws.cell(last + 2, 2, f"=PE_GRADE(H{last + 1})")
    wb.save(path)
    return path


def patch_formulas(path: Path, old: str, new: str) -> None:
    """Rewrite formula text inside the sheet XML (how other programs / Excel's saved forms look)."""
    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<f>)" + re.escape(old.encode()), rb"\g<1>" + new.encode().replace(b"\\", b"\\\\"), data)
            dst.writestr(info, data)
    src.close()
    path.write_bytes(buf.getvalue())


RULES = [
    ("完成目标满分；低于目标每1%扣1分，扣完为止", "≥{t}人", "{a}人"),
    ("每超1%扣1分，扣完为止", "≤{t}万元", "{a}万元"),
    ("完成目标满分；未完成0分", "≥{t}户", "{a}户"),
    ("95(含)以上计10分，90(含)-95计8分，85(含)-90计6分，75以下计0分", "", "{p}%"),
    ("资金到位率100%得3分，未100%完成，按资金到位率*3分得分", "100%", "{p}%"),
    ("", "≥{t}个", "{a}个"),
    ("", "≤{t}天", "{a}天"),
    ("正向", "{t}", "{a}"),
]


def scoring_workbook(path: Path, n: int = 120, seed: int = 7, sheets: int = 1) -> Path:
    """A generated 评分表 with ``n`` PE_SCORE rows per sheet over varied rules, plain SUM/ROUND totals, PE_GRADE."""
    rnd = random.Random(seed)
    wb = Workbook()
    for s in range(sheets):
        ws = wb.active if s == 0 else wb.create_sheet()
        ws.title = f"评分{s + 1}"
        ws.append(["一级指标", "二级指标", "三级指标", "分值", "评分标准", "目标值", "实际值", "评价得分"])
        ws.merge_cells("A1:B1")
        for i in range(n):
            r = 2 + i
            crit, t_fmt, a_fmt = RULES[i % len(RULES)]
            t = rnd.randint(20, 5000)
            a = round(t * rnd.uniform(0.5, 1.5), rnd.choice([0, 1, 2]))
            p = round(rnd.uniform(70, 100), 2)
            w = rnd.choice([2, 3, 5, 8, 10])
            target = t_fmt.format(t=t)
            actual = a_fmt.format(a=a, p=p)
            if crit == "正向":     # numbers in numeric cells stay live references when frozen
                target, actual = float(t), float(a)
            ws.append(["产出" if i < n // 2 else "效益", f"组{i // 10}", f"指标{i + 1}", w, crit or None, target or None,
                       actual, f"=PE_SCORE(D{r},F{r},G{r},E{r})"])
        ws.cell(n + 2, 1, "合计")
        ws.cell(n + 2, 4, f"=SUM(D2:D{n + 1})")
        ws.cell(n + 2, 8, f"=ROUND(SUM(H2:H{n + 1}),2)")
        ws.cell(n + 3, 1, "得分率")
        ws.cell(n + 3, 8, f"=ROUND(H{n + 2}/D{n + 2}*100,2)")
        ws.cell(n + 4, 1, "等级")
        ws.cell(n + 4, 8, f"=PE_GRADE(H{n + 3})")
    wb.save(path)
    return path
