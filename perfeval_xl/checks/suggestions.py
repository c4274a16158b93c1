"""The problems and suggestions catalogue: how findings become the 存在的问题 and 改进建议 of a report.

Each :class:`ProblemKind` groups finding codes the way evaluation reports group problems (the seed reports:
“（一）预算资金调整率较大”, “（三）政府采购预算执行率较低”) and carries the fixed sentences a report uses:
the problem's heading, the sentence that says what it means, the suggestion's heading and text, and the basis
the suggestion rests on. Reports fill these sentences with the form's figures and never write other prose,
so the same form always gives the same text. Every finding code of :mod:`perfeval_xl.checks.catalog` belongs
to exactly one kind, except PE-A100 and PE-S310 (notes about reading and scoring, not problems of the form); a
test holds this.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemKind:
    key: str
    codes: tuple[str, ...]
    heading: str          # 存在的问题 heading
    meaning: str          # the sentence after the figures: what the problem means
    advice_heading: str   # 改进建议 heading
    advice: str           # the suggestion
    basis: str            # what it rests on
    #: codes whose figures the report states in its own opening sentence for the kind (the budget rates),
    #: so their finding messages are not repeated after it
    covered: tuple[str, ...] = ()


BASIS_LAW = "《中华人民共和国预算法》"
BASIS_EVAL = "《项目支出绩效评价管理办法》（财预〔2020〕10号）"
BASIS_REFORM = "《中共中央 国务院关于全面实施预算绩效管理的意见》（中发〔2018〕34号）"

KINDS: tuple[ProblemKind, ...] = (
    ProblemKind(
        "execution", ("PE-B201", "PE-B202", "PE-B205"),
        "预算执行率偏低",
        "资金未按计划使用，预算执行进度滞后，资金使用效益未能充分发挥。",
        "加快预算执行进度，提高资金使用效率",
        "建议按照项目实施计划细化资金使用计划，建立预算执行进度跟踪机制，对执行进度滞后的项目及时分析原因、"
        "督促整改；对确实无法执行的资金按规定及时调整或收回，避免资金闲置。",
        f"{BASIS_LAW}；{BASIS_EVAL}",
        covered=("PE-B201", "PE-B202"),
    ),
    ProblemKind(
        "adjustment", ("PE-B203", "PE-B207"),
        "预算资金调整率较大",
        "年初编制预算时未能对本年度的工作活动进行合理预测，预算调整幅度较大，预算刚性约束较弱。",
        "提高预算编制精准度，降低预算调整率",
        "建议从思想上高度重视预算编制工作，细化预算编制程序，增强预算编制的科学性、精准性；加强预算与决算的衔接，"
        "通过对基础信息和各类支出的整理分析，提高下一年度预算编制的科学性和准确性。",
        f"{BASIS_LAW}；{BASIS_REFORM}",
        covered=("PE-B203",),
    ),
    ProblemKind(
        "arrival", ("PE-B204",),
        "资金未全额到位",
        "资金到位不足影响项目按计划实施。",
        "加强资金拨付管理，确保资金及时足额到位",
        "建议主管部门与财政部门加强沟通，按项目进度及时申请拨付资金；对未到位资金说明原因并明确到位时间。",
        BASIS_EVAL,
        covered=("PE-B204",),
    ),
    ProblemKind(
        "procurement", ("PE-B206",),
        "政府采购预算执行率较低",
        "政府采购预算编制与实际需求不符，政府采购预算执行率较低。",
        "提高年度政府采购预算编制科学性",
        "建议提高对政府采购预算编制工作重要性的认识，熟悉政府采购目录，依据《中华人民共和国政府采购法》等规定细化"
        "本单位政府采购管理办法及实施细则，从预算源头加强政府采购的管控与执行。",
        "《中华人民共和国政府采购法》",
        covered=("PE-B206",),
    ),
    ProblemKind(
        "scoring", ("PE-S301", "PE-S302", "PE-S303", "PE-S304", "PE-S305", "PE-S306", "PE-S309", "PE-A112",
                    "PE-A113"),
        "自评打分与实际完成情况不符",
        "自评结果未能真实反映绩效目标完成情况，自评的准确性和可信度不足。",
        "严格按照评分标准如实开展自评",
        "建议对照评分标准和佐证资料逐项打分，实际完成值填写可核实的数据，未完成目标的指标按标准扣分并说明偏差原因"
        "和改进措施；主管部门对自评结果进行审核把关。",
        f"{BASIS_EVAL}第三章“评价指标、评价方法和评价标准”",
    ),
    ProblemKind(
        "arithmetic", ("PE-A101", "PE-A102", "PE-A103", "PE-A104", "PE-A105", "PE-A106", "PE-A107", "PE-A108",
                       "PE-A109", "PE-A110", "PE-A111"),
        "自评表数据计算有误",
        "表内分值、得分或金额不能相互印证，影响自评结论的准确性。",
        "加强自评表填报审核",
        "建议填报完成后复核各级分值与得分合计、总分与等级、金额分项与合计，确保表内数据相互一致后再报送。",
        BASIS_EVAL,
    ),
    ProblemKind(
        "targets", ("PE-T401", "PE-T402", "PE-T403", "PE-T404", "PE-T405", "PE-S307", "PE-S308"),
        "绩效目标设置不够科学，量化程度不足",
        "绩效目标不够具体、可衡量，难以据此评价目标完成程度。",
        "细化量化绩效目标，完善绩效指标体系",
        "建议按照“指向明确、细化量化、合理可行”的要求设置绩效目标，优先使用定量指标并明确指标值和计量单位，"
        "定性指标明确分级分档的评价标准；合理设置各级指标分值。",
        f"{BASIS_REFORM}；{BASIS_EVAL}",
    ),
    ProblemKind(
        "boundary", ("PE-G501",),
        "总分处于等级临界",
        "总分与等级分界仅差极小分值，个别指标的评分误差即可改变评价等级。",
        "对临界得分逐项复核",
        "建议对总分处于等级分界附近的评价结果逐项复核评分依据和佐证资料，确保评价等级准确。",
        BASIS_EVAL,
    ),
)

#: one sentence for several findings of one code (at least MANY_FROM of them), instead of 一是…十三是…: the
#: indicators named in their messages (指标“…”) listed once; {n} is their count, {items} the names joined by 、
MANY = {
    "PE-T401": "有{n}项指标的指标值未量化（{items}），无法衡量完成程度",
    "PE-S305": "有{n}项指标扣分但未说明偏差原因及改进措施（{items}）",
    "PE-S303": "有{n}项指标已完成目标却未得满分，且未说明原因（{items}）",
}
MANY_FROM = 3

#: finding codes that are notes about reading the form, not problems of the form
NOT_PROBLEMS = ("PE-A100", "PE-S310")

KIND_OF: dict[str, ProblemKind] = {code: kind for kind in KINDS for code in kind.codes}
