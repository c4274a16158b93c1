"""The domain model shared by every layer: a recognised form and the findings about it.

Pure data, no I/O. The workbook layer fills a :class:`Form` from cells (every value keeps its
cell address in ``cells``); the engine scores it; the checks turn it into :class:`Finding` s.

Names follow the domain:

* ``Form`` — one 自评表 / 评分表 / 部门整体 sheet.
* ``BudgetBlock`` — the 项目资金 / 预算执行情况 block (amounts as printed, usually 万元).
* ``Indicator`` — one 三级指标 row: 分值 (``weight``), 年度指标值 (``target``), 实际完成值 (``actual``),
  自评得分 (``score_stated``), 评分标准 (``criterion``), 偏差原因 (``deviation_note``).
* ``Finding`` — one problem a reviewer should see: ``code``, ``severity``, ``cell``, ``evidence``, ``message``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The form kinds the layout reader recognises, with the name a reviewer reads (summary, reports).
FORM_KINDS = {
    "standard": "项目支出绩效自评表",            # national template
    "sichuan": "项目自评表（执行10分+指标90分）",   # 四川 variant: 预算执行情况(10分) + 绩效指标(90分)
    "budget20": "项目自评表（执行20分+指标80分）",  # 20 + 80 variant: 得分(20分*执行率)
    "scoring": "绩效评价评分表",                  # third-party 评分表 (一级 | 二级 | 三级 | 分值 | 评分标准 | …)
    "jinzhong": "项目绩效自评表（投入/过程/产出/效果）",  # older 晋中-style 自评表 with 评分表 (seed 004)
    "department": "部门整体支出绩效自评表",         # 部门整体支出 sheet
}


@dataclass
class Indicator:
    """One 三级指标 (third-level indicator) with what the form states about it."""

    name: str
    weight: float | None = None            # 分值 / 权重
    level1: str | None = None              # 一级指标 (产出, 效益, 决策 …)
    level2: str | None = None              # 二级指标 (数量指标 …)
    target: Any = None                     # 年度指标值 as printed ("≥38000人", 0.95, "年底前")
    actual: Any = None                     # 实际完成值 as printed
    score_stated: float | None = None      # 得分 as printed
    criterion: str | None = None           # 评分标准 text
    deviation_note: str | None = None      # 偏差原因分析及改进措施 / 未完成原因分析 / 备注
    progress: Any = None                   # 完成进度 (seed 004 layout)
    direction: str | None = None           # 指标性质 ("正向", "反向", "≥", "≤", "=", "定性")
    unit: str | None = None                # 度量单位 when printed in its own column
    mark: Any = None                       # evaluator's judgement for items / qualitative rules
    #: the form marks the indicator as not scored: "/", "—" or 不适用 in its 得分 cell
    not_applicable: bool = False
    row: int | None = None
    cells: dict[str, str] = field(default_factory=dict)  # field name -> "C12"

    def cell(self, name: str) -> str | None:
        return self.cells.get(name)


@dataclass
class BudgetBlock:
    """项目资金 / 预算执行情况 block. Amounts are as printed (usually 万元)."""

    initial: float | None = None           # 年初预算数
    annual: float | None = None            # 全年预算数
    adjusted: float | None = None          # 调整后预算数
    arrived: float | None = None           # 实际到位 / 预算下达资金
    timely: float | None = None            # 及时到位资金
    executed: float | None = None          # 全年执行数 / 实际支出
    carryover: float | None = None         # 上年结转资金
    weight: float | None = None            # 分值 / 权重 of the budget-execution points
    rate_stated: float | None = None       # 执行率 as printed (fraction)
    rate_decimals: int | None = None       # decimals of the printed percent ("86%" → 0, "86.20%" → 2)
    score_stated: float | None = None      # 得分 as printed
    rate_base: str | None = None           # which base the form itself uses ("annual", "adjusted" …)
    score_formula: str | None = None       # printed rule, e.g. "得分(20分*执行率)"
    #: detail rows, e.g. {"当年财政拨款": {...}, "基本支出": {...}}; each inner dict like the fields above
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    procurement_budget: float | None = None    # 政府采购预算
    procurement_executed: float | None = None  # 政府采购实际执行
    #: named parts that must add up to a whole: {"支出": (whole, [parts…])}
    parts: dict[str, tuple[float | None, list[tuple[str, float | None]]]] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    """One recognised sheet."""

    kind: str
    sheet: str
    path: str | None = None
    header: dict[str, Any] = field(default_factory=dict)   # 项目名称, 主管部门, 实施单位 …
    budget: BudgetBlock | None = None
    indicators: list[Indicator] = field(default_factory=list)
    #: stated level totals and weights: {"产出": {"weight": 50, "score": 46.49, "cell": "H20"}}
    levels: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: second-level groups: {("产出", "数量指标"): {"weight": 30, "score": 26.49, "cell": …}}
    groups: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    total_weight: float | None = None
    total_stated: float | None = None
    grade_stated: str | None = None
    targets_text: list[tuple[str, Any, str]] = field(default_factory=list)  # (name, target, cell) for 目标表 only
    cells: dict[str, str] = field(default_factory=dict)     # "total", "grade", "project" …
    #: what the reader could not read: {"code": "PE-W007", "cell": "G12", "message": "…"}
    problems: list[dict[str, Any]] = field(default_factory=list)
    #: blocks of the form that were not found or not read with certainty ("total", "budget"), each with why;
    #: findings that rest on such a block are withheld (certainty before severity)
    unread: dict[str, str] = field(default_factory=dict)

    @property
    def project(self) -> str | None:
        return self.header.get("项目名称") or self.header.get("部门名称") or self.header.get("单位名称")


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """A problem on a form, as a reviewer would write it down."""

    code: str            # stable rule code, e.g. "PE-S101"
    severity: str        # "error" | "warning" | "info"
    sheet: str
    cell: str | None     # the cell a reviewer should look at ("H12")
    evidence: str        # the figures that prove it: "执行率 0.00% (0/160)；产出得分 30/30"
    message: str         # Chinese sentence for the report
    title: str = ""      # the rule's one-line title

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "title": self.title,
            "evidence": self.evidence,
            "message": self.message,
        }
