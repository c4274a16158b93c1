"""The seed cases rebuilt as the workbooks their authors would have had (``workbooks/examples/``).

* ``seed001_评分表.xlsx``   — the third-party 评分表 of 2022年度樟树市防贫保险 (seed 001 附件1), 92.62 优;
* ``seed002_部门整体.xlsx`` — 汇通产业园事业服务中心 2022 部门整体支出 with its 绩效目标表, 86.5 良;
* ``seed003_项目.xlsx``     — 晋中开发区 2022年安全生产专项经费: budget block and 表3-1 first-level scores, 79.99 中;
* ``seed004_晋中自评表.xlsx`` — the 2021 晋中 自评表 of 出口信用保险保费补助资金 in its own layout, 90.00 优.

Figures are the ones printed in the seeds (../shared/seeds), typed as the authors typed them (numbers, not
formulas: openpyxl cannot store a formula's cached value, and a reader of a file never recalculates).
Run ``python -m perfeval_xl.workbook.examples [DIR]`` to regenerate them (deterministic bytes).
"""
from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .xlsxwrite import save_deterministic

BOLD = Font(bold=True)
HEAD = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="center")

DEDUCT = "完成目标满分；低于目标每1%扣1分，扣完为止。"
PASS = "完成目标满分；未完成0分。"

# (一级, 二级, 三级, 分值, 评分标准, 目标值, 实际值, 评价得分, 备注) — seed 001 附件1
SEED001 = [
    ("决策(15分)", "项目立项(5分)", "立项依据充分性", 2, "定性：立项依据充分得满分", None, "100%", 2, None),
    (None, None, "立项程序规范性", 3, "定性：程序规范得满分", None, "100%", 3, None),
    (None, "绩效目标(5分)", "绩效目标合理性", 2, "定性：达成得80%-100%，部分达成60%-80%，未达成0-60%", None, "50%", 1,
     "年初三级指标保险理赔人数不是质量指标"),
    (None, None, "绩效指标明确性", 3,
     "1、将项目绩效目标细化分解为具体的绩效指标；(1分) 2、通过清晰、可衡量的指标值予以体现；(1分) 3、与项目目标任务数或计划数相对应。(1分)",
     None, None, 3, None),
    (None, "资金投入(5分)", "预算编制科学性", 2,
     "1、预算编制经过科学认证，预算额度测算依据充分；(0.5分) 2、预算内容与项目内容匹配，并按照标准编制；(0.5分) 3、预算确定的项目投资额或资金量与工作任务相匹配。(1分)",
     None, None, 2, None),
    (None, None, "资金分配合理性", 3, "1、预算资金分配依据充分(1.5分)； 2、资金分配额度合理，与项目单位或地方实际是否相适应。(1.5分)",
     None, None, 3, None),
    ("过程(15分)", "资金管理(9分)", "资金到位率", 3,
     "资金到位率=实际到位资金/预算资金*100%，资金到位率100%得3分，未100%完成，按资金到位率*3分得分", "100%", "70.97%", 2.13,
     "实际到位220万元，预算资金310万元，资金到位率70.97%。"),
    (None, None, "预算执行率", 3,
     "预算执行率=(实际支出资金/实际到位资金)*100%，预算执行率100%得3分，未100%完成，按预算执行率*3分得分", "100%", "100%", 3,
     "实际支出220万元，实际到位220万元，预算执行率100%。"),
    (None, None, "资金使用合规性", 3,
     "1、符合国家财经法规和财务管理制度以及有关专项资金管理办法的规定；(1分) 2、资金的拨付有完整的审批程序和手续；(1分) "
     "3、符合项目预算批复或合同规定的用途；(0.5分) 4、不存在截留、挤占、挪用、虚列支出等情况。(0.5分)", None, None, 3, None),
    (None, "组织实施(6分)", "管理制度健全性", 3,
     "1、项目立项有相应实施方案；(1分) 2、项目主管部门及项目单位已制定或具有相应的项目资金管理办法；(1分) 3、项目资金管理办法合理、合规、完整。(1分)",
     None, None, 3, None),
    (None, None, "制度执行有效性", 3, "定性：制度执行有效得满分", None, "100%", 3, None),
    ("产出(50分)", "产出数量(30分)", "参保人员数量", 15, "全年参保人员数量≥38000人。" + DEDUCT, "≥38000人", "36667人",
     11.49, "完成率96.49%"),
    (None, None, "保险理赔人数", 15, "全年保险理赔人数≥90人。" + DEDUCT, "≥90人", "185人", 15, "完成目标"),
    (None, "产出质量(10分)", "选择服务单位合规性", 10, "樟树市防贫保险依法依规操作，采取公开招标方式选择服务单位。" + PASS, None,
     "公开招标", 10, None),
    (None, "产出时效(5分)", "保险理赔及时性", 5, "樟树市防贫保险理赔及时性≥100%。" + PASS, "≥100%", "100%", 5, None),
    (None, "产出成本(5分)", "成本控制率", 5, "樟树市防贫保险费息总额≤310万元，完成目标满分；每超1%扣1分，扣完为止。", "≤310万元",
     "220万元", 5, "实际成本控制率70.97%"),
    ("效益(20分)", "经济效益(5分)", "减轻经济负担", 5, "定性：通过项目的实施，让群众面临意外、疾病时，有更多保障，减轻防贫对象经济负担。",
     None, "100%", 5, None),
    (None, "社会效益(5分)", "提高防返贫对象的保险保障水平", 5, "定性：通过实施精准防贫保险，切实提高防返贫对象的保险保障水平。",
     None, "100%", 5, None),
    (None, "满意度(10分)", "社会公众或受益对象的满意度", 10,
     "社会公众或受益对象的满意度是否高：95(含)以上计10分，90(含)-95计8分；85(含)-90计6分；80(含)-85计4分；75(含)-80计2分，75以下计0分。",
     None, "94.69%", 8, "共发出调查问卷35份，收回35份，平均满意度为94.69%"),
]


def _title(ws, text: str, width: int) -> None:
    ws.cell(1, 1, text).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)


def build_seed001() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    _title(ws, "樟树市防贫保险项目支出绩效评分表", 9)
    ws.cell(2, 1, "项目名称")
    ws.cell(2, 2, "2022年度樟树市防贫保险")
    ws.cell(2, 4, "项目单位")
    ws.cell(2, 5, "樟树市乡村振兴局")
    heads = ["一级指标", "二级指标", "三级指标", "分值", "评分标准", "目标值", "实际值", "评价得分", "备注"]
    for c, h in enumerate(heads, 1):
        cell = ws.cell(4, c, h)
        cell.font, cell.fill = BOLD, HEAD
    r = 5
    starts1, starts2 = [], []
    for l1, l2, name, w, crit, t, a, s, note in SEED001:
        if l1:
            starts1.append(r)
        if l2:
            starts2.append(r)
        for c, v in enumerate([l1, l2, name, w, crit, t, a, s, note], 1):
            if v is not None:
                ws.cell(r, c, v).alignment = WRAP
        r += 1
    last = r - 1
    for col, starts in ((1, starts1), (2, starts2)):  # merged parent labels, as evaluators lay them out
        bounds = starts + [last + 1]
        for a, b in zip(bounds, bounds[1:]):
            if b - 1 > a:
                ws.merge_cells(start_row=a, start_column=col, end_row=b - 1, end_column=col)
    ws.cell(r, 1, "合计")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
    ws.cell(r, 4, 100)
    ws.cell(r, 8, 92.62)
    ws.cell(r + 1, 1, "再评价等级")
    ws.cell(r + 1, 2, "优(√)  良(  )  中(  )  差(  )")
    ws.cell(r + 2, 1, "优【90(含)-100分】 良【80(含)-90分】 中【60(含)-80分】 差(60分以下)")
    for col, width in zip("ABCDEFGHI", (12, 14, 22, 6, 60, 12, 12, 10, 30)):
        ws.column_dimensions[col].width = width
    return wb


SEED002_TARGETS = [
    ("产出", "产出数量", "区内包扶项目个数", "≥20个"), (None, None, "实现小升规企业数量", "≥10家"),
    (None, None, "建设示范区型支部", "≥10个"), (None, None, "组织培训次数", "≥2次"),
    (None, "产出质量", "包扶项目达标率", "100%"), (None, None, "小升规企业达标率", "100%"),
    (None, None, "示范区型支部建设达标率", "100%"), (None, None, "培训内容符合度", "符合"),
    (None, "产出时效", "区内包扶项目完成及时性", "2022年全年"), (None, None, "实现小升规企业完成及时性", "2022年全年"),
    (None, None, "建设示范区型支部及时性", "2022年全年"), (None, None, "培训及时性", "2022年全年"),
    (None, "产出成本", "区内企业管理服务", "≤8万元"), (None, None, "协调考察工作成本", "≤8万元"),
    (None, None, "党建工作成本", "≤4.74万元"),
    ("效益", "经济社会效益", "工业企业产值实现增长", "增长"), (None, None, "产业园持续投资", "持续"),
    (None, None, "提高园区服务力度", "提高"), (None, None, "推动园区内项目建设", "推动"),
    (None, None, "协调解决企业存在问题", "协调"), (None, "可持续影响", "规范行业管理", "规范"),
    (None, None, "人才队伍建设水平", "提高"), (None, None, "强化人员培训", "强化"),
    ("满意度", "服务对象满意度", "入驻企业满意度", "≥85%"), (None, None, "工作人员满意度", "≥85%"),
]


def build_seed002() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "部门整体支出"
    _title(ws, "汇通产业园事业服务中心2022年度部门整体支出绩效评价表", 5)
    ws.cell(2, 1, "部门名称")
    ws.cell(2, 2, "汇通产业园事业服务中心")
    ws.cell(3, 1, "金额单位：万元")
    for c, h in enumerate(["项目", "年初预算", "调整后预算", "决算（执行）数"], 1):
        ws.cell(4, c, h).font = BOLD
    rows = [("财政拨款收入", 36.06, 11.07, 11.07), ("支出合计", None, 11.07, 11.07),
            ("其中：基本支出", None, 4.77, 4.77), ("项目支出", None, 6.3, 6.3),
            ("政府采购预算", None, 6.26, 1.63), ("其中：货物", None, 1.28, None), ("服务", None, 4.98, None)]
    for i, row in enumerate(rows):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(5 + i, c, v)
    ws.cell(13, 1, "绩效目标表").font = BOLD
    for c, h in enumerate(["一级指标", "二级指标", "三级指标", "指标值"], 1):
        ws.cell(14, c, h).font = BOLD
    for i, (l1, l2, name, t) in enumerate(SEED002_TARGETS):
        for c, v in enumerate((l1, l2, name, t), 1):
            if v is not None:
                ws.cell(15 + i, c, v)
    r = 15 + len(SEED002_TARGETS) + 1
    ws.cell(r, 1, "综合得分")
    ws.cell(r, 2, 86.5)
    ws.cell(r, 3, "评价等级")
    ws.cell(r, 4, "良")
    return wb


def build_seed003() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "评价得分"
    _title(ws, "2022年安全生产专项经费项目绩效评价", 6)
    ws.cell(2, 1, "项目名称")
    ws.cell(2, 2, "2022年安全生产专项经费")
    ws.cell(3, 1, "实施单位")
    ws.cell(3, 2, "晋中开发区安全生产委员会办公室")
    ws.cell(5, 1, "项目资金（万元）").font = BOLD
    for c, h in enumerate(["年初预算数", "调整后预算数", "实际到位资金", "实际支出", "预算执行率"], 2):
        ws.cell(5, c, h).font = BOLD
    ws.cell(6, 1, "年度资金总额")
    for c, v in enumerate([490, 276.96, 236.96, 103.86, 0.375], 2):
        ws.cell(6, c, v)
    ws.cell(6, 6).number_format = "0.0%"
    ws.cell(8, 1, "表3-1 项目总体绩效评价评分表").font = BOLD
    for c, h in enumerate(["一级指标", "权重", "得分", "得分率"], 1):
        ws.cell(9, c, h).font = BOLD
    for i, (name, w, s) in enumerate([("决策", 20, 12), ("过程", 20, 13.88), ("产出", 30, 27), ("效益", 30, 27.11)]):
        ws.cell(10 + i, 1, name)
        ws.cell(10 + i, 2, w)
        ws.cell(10 + i, 3, s)
        ws.cell(10 + i, 4, f"=C{10 + i}/B{10 + i}").number_format = "0.00%"
    ws.cell(14, 1, "合计")
    ws.cell(14, 2, 100)
    ws.cell(14, 3, 79.99)
    ws.cell(14, 4, "=C14/B14").number_format = "0.00%"
    ws.cell(15, 1, "评价等级")
    ws.cell(15, 2, "中")
    return wb


SEED004_GOALS = [
    ("产出指标", "数量指标", "对外贸企业进行补助。", "130户",
     "由于疫情影响部分企业业务停滞，外贸企业数出现下降，将有实绩适合参保的企业全部纳入信保实现应保尽保。企业统保87户", "67%"),
    (None, "质量指标", "对中信保保费进行补助。", "对全市130户出口企业保费配套30%进行补助",
     "严格按照省财政厅、商务厅相关要求，对有实绩的企业进行应保尽保", "100%"),
    (None, "时效指标", "中信保保费补贴", "年底前", "由于省厅年终决算数未出，2021年未支出该笔资金。", 0),
    (None, "成本指标", "每个外贸企业市级补助30%保费", "合计160万元", "由于省厅年终决算数未出，2021年未支出该笔资金。", 0),
    ("效益指标", "经济效益指标", "增加外贸出口。", "对扩大出口企业规模，国际市场份额有所提高。",
     "2021年我市对“一带一路”国家实现进出口15.7亿元，同比增长114.8%", "100%"),
    (None, "社会效益指标", "确保政策落实。", "有利于控制企业出口风险，扩大我市出口，对我市外贸企业发展积极作用",
     "有效的促进了企业的出口，降低了企业出口收汇风险，引导企业积极开拓新兴市场", "100%"),
    (None, "可持续影响指标", "推动外向型经济持续、健康发展。", "长久推动", "解决企业后顾之忧，持续开拓国际市场", "100%"),
    ("满意度指标", "服务对象满意度指标", "被保企业满意度", "95%", "95%以上", "100%"),
]
SEED004_SCORES = [
    ("投入：", None, 20, 11), ("项目目标", "项目立项规范性", 3, 3), (None, "绩效目标合理性", 4, 4),
    (None, "绩效指标明确性", 4, 4), ("资金落实", "资金到位率", 3, 0), (None, "到位及时率", 3, 0), (None, "预算执行率", 3, 0),
    ("过程：", None, 20, 19), ("业务管理", "管理制度健全性", 3, 3), (None, "制度执行有效性", 3, 3),
    (None, "项目质量可控性", 4, 3), ("财务管理", "管理制度健全性", 3, 3), (None, "资金使用合规性", 3, 3),
    (None, "财务监控有效性", 4, 4), ("产 出：", None, 30, 30), ("项目产出", "实际完成率", 8, 8), (None, "完成及时率", 7, 7),
    (None, "质量达标率", 8, 8), (None, "成本节约率", 7, 7), ("效 果：", None, 30, 30), ("项目效果", "经济效益", 5, 5),
    (None, "社会效益", 5, 5), (None, "生态效益", 0, 0), (None, "可持续影响", 10, 10), (None, "社会公众或服务对象满意度", 10, 10),
]


def build_seed004() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    _title(ws, "晋中市财政支出项目绩效自评表", 6)
    ws.cell(2, 1, "(2021 年度)")
    ws.cell(3, 1, "填报单位（公章）：")
    ws.cell(4, 1, "项目名称")
    ws.cell(4, 3, "出口信用保险保费补助资金")
    ws.cell(5, 1, "主管部门")
    ws.cell(5, 3, "资环科")
    ws.cell(5, 4, "晋中市商务局")
    ws.cell(6, 1, "项目属性")
    ws.cell(6, 3, "经常性项目")
    ws.cell(6, 4, "项目期 2021-01-01至2021-12-31")
    ws.cell(7, 1, "项目资金情况 (万元)")
    ws.merge_cells("A7:A13")
    ws.cell(7, 2, "预算资金")
    ws.merge_cells("B7:B8")
    ws.cell(7, 3, "市级预算资金")
    ws.cell(7, 4, 160.00)
    ws.cell(8, 3, "其他")
    ws.cell(8, 4, 0.00)
    ws.cell(9, 2, "预算下达资金")
    ws.cell(9, 4, 0.00)
    ws.cell(10, 2, "实际支出资金")
    ws.merge_cells("B10:B13")
    for i, (lab, v) in enumerate([("市级预算资金", 0), ("上年结转资金", 0), ("上级财政资金", 0), ("其他", 0)]):
        ws.cell(10 + i, 3, lab)
        ws.cell(10 + i, 4, v)
    for c in range(4, 5):
        for r in range(7, 14):
            ws.cell(r, c).number_format = "0.00"
    ws.cell(14, 1, "项目资金使用情况")
    ws.cell(14, 2, "由于省厅年终决算数未出，2021年未支出该笔资金。")
    ws.cell(15, 1, "绩效目标实现情况")
    for c, h in enumerate(["绩效指标（二级）", "绩效指标（三级）", "目标值", "实际完成指标值", "完成进度"], 2):
        ws.cell(15, c, h).font = BOLD
    for i, row in enumerate(SEED004_GOALS):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(16 + i, c, v)
    r0 = 16 + len(SEED004_GOALS)
    ws.cell(r0, 1, "其他需说明的问题")
    ws.cell(r0, 2, "无")
    sr = r0 + 1
    ws.cell(sr, 1, "评分表")
    for c, h in enumerate(["二级指标", "三级指标", "指标分值", "评价得分"], 2):
        ws.cell(sr, c, h).font = BOLD
    for i, (l2, name, w, s) in enumerate(SEED004_SCORES):
        r = sr + 1 + i
        if l2:
            ws.cell(r, 2, l2)
        if name:
            ws.cell(r, 3, name)
        ws.cell(r, 4, w)
        ws.cell(r, 5, s).number_format = "0.00"
    r = sr + 1 + len(SEED004_SCORES)
    ws.cell(r, 2, "综合得分:")
    ws.cell(r, 4, 100)
    ws.cell(r, 5, 90.00).number_format = "0.00"
    ws.cell(r + 1, 2, "评价结果等次:")
    ws.cell(r + 1, 4, "优")
    ws.cell(r + 3, 1, "负责人: 李鑫")
    ws.cell(r + 3, 3, "经办人: 陈珊珊")
    ws.cell(r + 3, 5, "填报日期: 2022-06-29")
    return wb


EXAMPLES = {
    "seed001_评分表.xlsx": build_seed001,
    "seed002_部门整体.xlsx": build_seed002,
    "seed003_项目.xlsx": build_seed003,
    "seed004_晋中自评表.xlsx": build_seed004,
}


def write_examples(directory: str | Path) -> list[Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in EXAMPLES.items():
        path = out / name
        save_deterministic(build(), path)
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for p in write_examples(sys.argv[1] if len(sys.argv) > 1 else "workbooks/examples"):
        print(p)
