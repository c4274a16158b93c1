"""Build standard 自评表 workbooks the way users fill them, with the variants real forms show."""
from __future__ import annotations

from openpyxl import Workbook

FW = str.maketrans("0123456789.%", "０１２３４５６７８９．％")

# (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因)
ROWS = [
    ("产出指标", "数量指标", "新建供水点数量", "≥20个", "18个", 20, 18, "2处因征地延后"),
    (None, "质量指标", "水质达标率", "≥95%", "97%", 15, 15, None),
    (None, "时效指标", "完工及时率", "＝100%", "100%", 5, 5, None),  # full-width: "=…" would be a formula
    (None, "成本指标", "单位工程成本", "≤10万元", "12万元", 10, 8.33, "材料涨价"),
    ("效益指标", "社会效益指标", "受益人口", "≥5000人", "5200人", 30, 30, None),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10, None),
]
BUDGET = {"年初预算数": 200, "全年预算数": 220, "全年执行数": 198, "分值": 10, "执行率": 0.9, "得分": 9}
TOTAL = 95.33   # 9 + 18 + 15 + 5 + 8.33 + 30 + 10

BASE_COLS = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


def standard_sheet(ws, *, order=None, merged_header=False, as_text=False, full_width=False, blank_row=False,
                   col_offset=0, project="某县农村饮水安全工程"):
    cols = order or BASE_COLS
    c0 = 1 + col_offset
    ws.cell(1, c0, "项目支出绩效自评表")
    ws.cell(2, c0, "项目名称")
    ws.cell(2, c0 + 1, project)
    ws.cell(3, c0, "主管部门")
    ws.cell(3, c0 + 1, "县水利局")
    ws.cell(3, c0 + 3, "实施单位")
    ws.cell(3, c0 + 4, "县水务公司")
    ws.cell(4, c0, "项目资金（万元）")
    for i, (k, v) in enumerate(BUDGET.items()):
        ws.cell(4, c0 + 1 + i, k if not full_width else f" {k} ")
        ws.cell(5, c0 + 1 + i, _val(v, as_text, full_width) if k != "执行率" else ("90%" if as_text else v))
    ws.cell(5, c0, "年度资金总额")
    hr = 7
    if merged_header:
        # 绩效指标 header in two rows, parents merged across, like the printed national form
        ws.cell(hr - 1, c0, "绩效指标")
        ws.merge_cells(start_row=hr - 1, start_column=c0, end_row=hr - 1, end_column=c0 + 2)
    for i, h in enumerate(cols):
        ws.cell(hr, c0 + i, h)
    if merged_header:
        ws.merge_cells(start_row=hr, start_column=c0 + len(cols) - 1, end_row=hr + 0, end_column=c0 + len(cols))
    r = hr + 1
    for row in ROWS:
        if blank_row and r == hr + 3:
            r += 1
        rec = dict(zip(BASE_COLS, row))
        for i, h in enumerate(cols):
            v = rec[h]
            if v is None:
                continue
            if h in ("分值", "得分"):
                v = _val(v, as_text, full_width)
            elif full_width and isinstance(v, str):
                v = v.translate(FW)
            ws.cell(r, c0 + i, v)
        r += 1
    if merged_header is False and blank_row is False:
        pass
    l1_col = c0 + cols.index("一级指标")
    ws.cell(r, l1_col, "总分")
    ws.cell(r, c0 + cols.index("分值"), 100)
    ws.cell(r, c0 + cols.index("得分"), _val(TOTAL, as_text, full_width))
    ws.cell(r + 1, l1_col, "评价等级")
    ws.cell(r + 1, l1_col + 1, "优")
    return ws


def _val(v, as_text, full_width):
    if not (as_text or full_width):
        return v
    s = f"{v:g}"
    return s.translate(FW) if full_width else s


def standard_workbook(path, **variant):
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    standard_sheet(ws, **variant)
    wb.save(path)
    return path
