"""Build workbooks/corpus/*.xlsx and workbooks/corpus/expected.json from the forms transcribed below.

Every form is a public self-evaluation table rebuilt cell by cell as it is printed on its source page
(addresses in workbooks/corpus/SOURCES.md): the same labels, the same figures, the same odd characters
("﹦", "≥100百分比"), the same blank cells. Where a page is cut off, the form stops where the page stops
(``cut`` says where) and nothing is invented. ``expect`` records what a careful reviewer must see on the
form (cell + code) and what must NOT be raised there.

    python scripts/build_corpus.py        # rewrites the corpus (deterministic bytes)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfeval_xl.workbook.xlsxwrite import workbook_bytes  # noqa: E402

OUT = ROOT / "workbooks" / "corpus"
THIN = Side(style="thin")

FORMS: list[dict] = [
    {
        "file": "anhui_chizhou_tangxi_weituo_2022.xlsx",
        "sheet": "自评表",
        "source": "anhui-chizhou-tangxi",
        "cut": "页面在“满意度指标(10分) 满意度指标 公众满…”处截断：满意度行及其后的总分未收录",
        "rows": [
            ["附件：项目支出绩效自评表"],
            ["（2022年度）"],
            ["项目名称", "委托业务项目"],
            ["主管部门", "219-池州市贵池区棠溪镇人民政府", None, None, None, "实施单位", "219001-池州市贵池区棠溪镇人民政府"],
            ["项目资金\n（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            [None, "年度资金总额：", None, 0, 0, 0, 10, 0, 0],
            [None, "其中：本年财政拨款", None, 90, 89.974, 89.974],
            [None, "上年结转资金"],
            [None, "其他资金"],
            ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
            [None, "本项目共申请预算资金90万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
                   "30万元用于基建工程项目设计、规划、测绘。", None, None, None,
             "本项目共完成预算资金89.97万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
             "29.99万元用于基建工程项目设计、规划、测绘。"],
            ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            [None, "产出指标(50分)", "数量指标", "基建工程委托业务项目数量", "≥50个", 50, 8, 8],
            [None, None, "质量指标", "委托业务报告合格率", "≥100百分比", 100, 8, 8],
            [None, None, None, "经费支出合规性", "严格执行相关制度规定", "达成预期指标", 8, 8],
            [None, None, "时效指标", "提交报告及时性", "在项目计划完成时间内完成", "达成预期指标", 8, 8],
            [None, None, "成本指标", "项目总成本", "≤90万元", 90, 8, 8],
            [None, None, None, "单项业务成本", "符合相关规定", "达成预期指标", 10, 10],
            [None, "效益指标(30分)", "社会效益指标", "对维护基建市场公平的影响程度", "效果明显", "达成预期指标", 10, 10],
            [None, None, "生态效益指标", "对控制基建项目成本影响程度", "效果明显", "达成预期指标", 10, 10],
            [None, None, "可持续影响指标", "对推动基建项目“四项制度”健全和落实的持续性影响", "效果明显", "达成预期指标", 10, 10],
            [None, None, "经济效益指标"],
        ],
        "merges": ["A1:I1", "A2:I2", "B3:I3", "B4:E4", "G4:I4", "A5:A9", "B5:C5", "B6:C6", "B7:C7", "B8:C8", "B9:C9",
                   "A10:A11", "B10:E10", "F10:I10", "B11:E11", "F11:I11", "A12:A22", "B13:B18", "C14:C15", "C17:C18",
                   "B19:B22"],
        "expect": {
            "form": "standard", "total_stated": None, "partial": True,
            "raise": [{"code": "PE-A111", "cell": "D6"}],
            "not_raise": ["PE-B201", "PE-B202", "PE-A104", "PE-A109", "PE-A102", "PE-S302", "PE-S303"],
        },
    },
    {
        "file": "yunnan_lijiang_weipian_2020.xlsx",
        "sheet": "自评表",
        "source": "yunnan-lijiang-weipian",
        "cut": "页面在满意度行的得分处截断：满意度得分、总分未收录",
        "rows": [
            ["2020年度项目支出绩效自评表"],
            ["项目名称", "2020年省级自然资源卫片执法补助经费支出绩效自评表"],
            ["主管部门", "丽江市自然资源和规划局", None, None, "实施单位", "丽江市古城区自然资源局"],
            ["项目资金\n（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            [None, "年度资金总额", 7.29, 7.29, 7.29, 10.00, "100%", 10.00],
            [None, "其中：当年财政拨款", 7.29, 7.29, 7.29, None, "100%"],
            [None, "上年结转资金"],
            [None, "其他资金"],
            ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
            [None, "自然资源卫片执法补助经费", None, None, None, "自然资源卫片执法补助经费"],
            ["绩效指标", None, None, "年度指标值", None, None, "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"],
            ["产出指标", "数量指标", "卫片执法补助经费", "﹦", 72890, "元", 72890, 10.00, 9.00],
            [None, "质量指标", "项目验收合格率", "﹦", 100, "%", 100, 20, 19],
            [None, "时效指标", "项目完成及时率", "﹦", 100, "%", 100, 20.00, 19.00],
            ["效益指标", "社会效益指标", "违法行为责停率", "≥", 95, "%", 95, 30.00, 27.00],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥", 95, "%", 95, 10.00],
        ],
        "merges": ["A1:J1", "B2:J2", "B3:D3", "F3:J3", "A4:A8", "A9:A10", "B9:E9", "F9:J9", "B10:E10", "F10:J10",
                   "A11:C11", "D11:F11", "G11:G12", "H11:H12", "I11:I12", "J11:J12", "A13:A15"],
        "expect": {
            "form": "standard", "total_stated": None, "partial": True,
            "raise": [{"code": "PE-S303", "cell": "I13"}, {"code": "PE-S303", "cell": "I14"},
                      {"code": "PE-S303", "cell": "I15"}, {"code": "PE-S303", "cell": "I16"}],
            # met but scored below full without a reason: PE-S303 alone, not S304 and S305 again on the same rows
            "not_raise": ["PE-S302", "PE-T401", "PE-B201", "PE-A104", "PE-A109", "PE-A102", "PE-S304", "PE-S305"],
        },
    },
    {
        "file": "sichuan_qingshen_gongzi_2023.xlsx",
        "sheet": "自评表",
        "source": "sichuan-qingshen-gongzi",
        "cut": None,
        "rows": [
            [None, None, None, None, None, None, None, None, None, "报表编号:510000_0013zp"],
            ["部门预算项目支出绩效自评表(2023年度)"],
            ["项目名称", "51000021R000000019951-工资性支出"],
            ["主管部门", "青神县发展和改革局本级", None, None, None, "实施单位 (盖章)", "青神县发展和改革局"],
            ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", None, None, None, "年度目标完成情况"],
            [None, None, "严格执行相关政策,保障工资及时、足额发放或社保及时、足额缴纳,预算编制科学合理,减少结余资金。",
             None, None, None, "对照年度目标,说明相关任务目标的完成情况(100字以内)"],
            [None, "2.项目实施内容及过程概述"],
            ["预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"],
            [None, "总额", 238.93, 251.89, 251.89, "100.00%", 10, None,
             "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);2.年中发生预算调整的"
             "(追加或调减),应单独说明理由;3.其他资金包括:社会投入资金、银行贷款."],
            [None, "其中:财政资金", 238.93, 251.89, 251.89, "100.00%", "/", "/"],
            [None, "财政专户管理资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"],
            [None, "单位资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"],
            [None, "其他资金", None, None, None, None, "/", "/"],
            ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
             "未完成原因分析"],
            [None, "产出指标", "数量指标", "发放(缴纳)覆盖率", "=", 100, "%", None, 60],
            [None, "效益指标", "社会效益指标", "足额保障率(参保率)", "=", 100, "%", None, 30],
            ["合计", 100],
            ["评价结论", "结合自评情况,说明项目自评总分,说明项目实施取得的成效或成果。(200字以内)"],
            ["存在问题", "结合自评情况,分析存在的问题及原因。(200字以内)"],
            ["改进措施", "针对项目自评中发现的问题,提出下一步改进完善的意见及有关政策性建议。(200字以内)"],
            ["项目负责人:", None, None, None, None, "财务负责人:"],
        ],
        "merges": ["A2:K2", "B3:K3", "B4:E4", "G4:K4", "A5:A7", "B5:B6", "C5:F5", "G5:K5", "C6:F6", "G6:K6", "C7:K7",
                   "A8:A13", "I9:K13", "A14:A16", "B17:K17", "B18:K18", "B19:K19", "B20:K20"],
        "expect": {
            "form": "sichuan", "total_stated": None, "partial": True,   # 合计 100 sits outside 得分/权重: ambiguous
            "raise": [{"code": "PE-A112", "cell": "J15"}],
            "not_raise": ["PE-A104", "PE-A109", "PE-A102", "PE-A101", "PE-B201", "PE-B203", "PE-S302", "PE-S303"],
        },
    },
    {
        "file": "sichuan_daying_anke_2023.xlsx",
        "sheet": "自评表",
        "source": "sichuan-daying-anke",
        "cut": "页面在第一条绩效指标“完成安可产品购买并按要求支付资金 = 100”处截断：其余指标、合计未收录",
        "rows": [
            ["部门预算项目支出绩效自评表(2023年度)"],
            ["项目名称", "51092324T000010263357-2023年全县安可替代补助资金项目"],
            ["主管部门", "大英县司法局部门", None, None, None, "实施单位", "大英县司法局"],
            ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", None, None, None, "年度目标完成情况"],
            [None, None, "根据要求购买安可设备,并完成项目资金支付。", None, None, None, "完成"],
            [None, "2.项目实施内容及过程概述", "2023年购买13台安可电脑,并于12月前完成资金支付。"],
            ["预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"],
            [None, "总额", 0.00, 3.36, 3.36, "100.00%", 10, 10,
             "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);2.年中发生预算调整的"
             "(追加或调减),应单独说明理由;3.其他资金包括:社会投入资金、银行贷款."],
            [None, "其中:财政资金", 0.00, 3.36, 3.36, "100.00%", "/", "/"],
            [None, "财政专户管理资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"],
            [None, "单位资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"],
            [None, "其他资金", None, None, None, None, "/", "/"],
            ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
             "未完成原因分析"],
            [None, "产出指标", "质量指标", "完成安可产品购买并按要求支付资金", "=", 100],
        ],
        "merges": ["A1:K1", "B2:K2", "B3:E3", "G3:K3", "A4:A6", "B4:B5", "C4:F4", "G4:K4", "C5:F5", "G5:K5", "C6:K6",
                   "A7:A12", "I8:K12", "A13:A14"],
        "expect": {
            "form": "sichuan", "total_stated": None, "partial": True,
            "raise": [{"code": "PE-B207", "cell": "C8"}],
            "not_raise": ["PE-B203", "PE-B201", "PE-A104", "PE-A109", "PE-A102", "PE-A101", "PE-A112"],
        },
    },
    {
        "file": "sichuan_daying_chengben_fragment_2023.xlsx",
        "sheet": "自评表",
        "source": "sichuan-daying-anke",
        "cut": "同一页面上前一张自评表的末尾：页面从其“绩效指标(90分)”表头开始，项目名称与预算执行情况不在页面上",
        "rows": [
            ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
             "未完成原因分析"],
            [None, "产出指标", "经济成本指标", "成本控制数", "≤", 30, "万元", "完成", 90, 90],
            ["合计", 100],
            ["评价结论", "根据财政局资金下达的管理办法,将资金支付给项目施工方。"],
            ["存在问题", "无"],
            ["改进措施", "无"],
            ["项目负责人:查小兵", None, None, None, None, "财务负责人:唐勇"],
        ],
        "merges": ["A1:A2", "B3:K3", "B4:K4", "B5:K5", "B6:K6"],
        "expect": {
            "form": "sichuan", "total_stated": None, "partial": True,
            "raise": [{"code": "PE-S309", "cell": "H2"}, {"code": "PE-T405", "cell": "I2"}],
            "not_raise": ["PE-B201", "PE-B202", "PE-A104", "PE-A109", "PE-A102", "PE-S302"],
        },
    },
    {
        "file": "hebei_langfang_shipin_nuantong_2019.xlsx",
        "sheet": "自评表",
        "source": "hebei-langfang-nuantong",
        "cut": "页面在满意度行之后的“指标2”处截断：总分未收录",
        "rows": [
            ["附件1"],
            ["项目支出绩效自评表"],
            ["（2019年度）"],
            ["项目名称", "办公宿舍楼、食堂及餐厅暖通改造经费"],
            ["主管部门", "廊坊市发改委", None, None, "实施单位", "廊坊市食品工程学校"],
            ["项目资金\n（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            [None, "年度资金总额", 43.2, 43.2, 37.24, 10, "86%", 9],
            [None, "其中：当年财政拨款", 43.2, 43.2, 37.24],
            [None, "上年结转资金"],
            [None, "其他资金"],
            ["年度总体目标", "预期目标", None, None, "实际完成情况"],
            [None, 43.2, None, None, 37.24],
            ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            [None, "产出指标", "数量指标", "指标1工程资金金额", 43.2, 37.24, 10, 9,
             "已完工,剩余3%尾款未付,且最高限价低于预算金额。提高预算准确度。"],
            [None, None, None, "指标2"],
            [None, None, None, "……"],
            [None, None, "质量指标", "指标1工程完工率", 100, 100, 10, 10],
            [None, None, None, "指标2工程验收合格率", 100, 100, 10, 10],
            [None, None, None, "……"],
            [None, None, "时效指标", "指标1项目完成及时率", 100, 100, 10, 10],
            [None, None, None, "指标2"],
            [None, None, None, "……"],
            [None, None, "成本指标", "指标1成本控制率", 100, 100, 10, 10],
            [None, None, None, "指标2"],
            [None, None, None, "……"],
            [None, "效益指标", "经济效益指标", "指标1安全率", 100, 100, 10, 10, 0],
            [None, None, None, "指标2"],
            [None, None, None, "……"],
            [None, None, "社会效益指标", "指标1学校发展能力", 100, 100, 10, 10, 0],
            [None, None, None, "指标2"],
            [None, None, None, "……"],
            [None, None, "生态效益指标", "指标1"],
            [None, None, None, "指标2"],
            [None, None, None, "……"],
            [None, "效益指标", "可持续影响指标", "指标1长期使用性", 100, 100, 10, 10],
            [None, None, None, "指标2"],
            [None, None, None, "……"],
            [None, "满意度指标", "服务对象满意度指标", "指标1学生满意度", 100, 100, 10, 10, 0],
            [None, None, None, "指标2"],
        ],
        "merges": ["A2:I2", "A3:I3", "B4:I4", "B5:D5", "F5:I5", "A6:A10", "A11:A12", "B11:D11", "E11:I11", "B12:D12",
                   "E12:I12", "A13:A39", "B14:B25", "C14:C16", "C17:C19", "C20:C22", "C23:C25", "B26:B34", "C26:C28",
                   "C29:C31", "C32:C34", "B35:B37", "C35:C37", "B38:B39", "C38:C39"],
        "expect": {
            "form": "standard", "total_stated": None, "partial": True,
            "raise": [{"code": "PE-B201", "cell": "E7"}, {"code": "PE-S304", "cell": "H7"}],
            "not_raise": ["PE-A106", "PE-A104", "PE-A109", "PE-A102", "PE-T401", "PE-A112", "PE-S302", "PE-S305"],
        },
    },
]


def build(form: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = form["sheet"]
    for r, row in enumerate(form["rows"], 1):
        for c, v in enumerate(row, 1):
            if v is None:
                continue
            cell = ws.cell(r, c, v)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.font = Font(name="宋体", size=10)
    width = max(len(r) for r in form["rows"])
    for r in range(1, len(form["rows"]) + 1):
        for c in range(1, width + 1):
            ws.cell(r, c).border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    for m in form["merges"]:
        ws.merge_cells(m)
    for c, w in zip("ABCDEFGHIJK", (12, 14, 14, 22, 14, 12, 12, 10, 10, 10, 18)):
        ws.column_dimensions[c].width = w
    return workbook_bytes(wb)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    expected = {}
    for form in FORMS:
        (OUT / form["file"]).write_bytes(build(form))
        expected[form["file"]] = {"sheet": form["sheet"], "source": form["source"], "cut": form["cut"], **form["expect"]}
    (OUT / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(FORMS)} forms → {OUT}")


if __name__ == "__main__":
    main()
