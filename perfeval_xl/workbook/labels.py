"""Label matching: how the layout reader finds "三级指标", "年初预算数", "得分(20分*执行率)" on a sheet.

Labels are compared after NFKC (full-width → half-width), with every space removed and trailing
colons dropped, so "三 级 指 标", "三级指标：" and "三级指标" are the same label.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from ..engine.quantity import parse_quantity


def norm(v: Any) -> str:
    """A label as compared: NFKC, no white space, no trailing ':'/'：'/'*'."""
    if v is None:
        return ""
    return norm_text(str(v))


@lru_cache(maxsize=4096)
def norm_text(v: str) -> str:
    """:func:`norm` of a text (what a sheet's labels are made with: one cached call, no checks)."""
    s = unicodedata.normalize("NFKC", v)
    s = "".join(s.split())
    return s.rstrip(":*").lstrip("*")


#: indicator-table columns: field → label pattern (full match on the normalised label)
INDICATOR_COLUMNS: dict[str, re.Pattern[str]] = {
    "level1": re.compile(r"一级指标|一级目标|一级"),
    "level2": re.compile(r"二级指标|二级目标|绩效指标\(二级\)|二级"),
    "name": re.compile(r"三级指标(名称)?|三级目标|绩效指标\(三级\)|指标名称|具体指标|三级"),
    "weight": re.compile(r"(指标)?分值|权重(\(%\))?|标准分(值)?|满分|分数"),
    "criterion": re.compile(r"评分标准|评分细则|评分依据|评分办法|计分方法"),
    "direction": re.compile(r"指标性质|指标方向|方向"),
    "target": re.compile(r"年度指标值|全年指标值|年度目标值|(预期|绩效|计划)?目标值|指标值|计划值|目标"),
    "unit": re.compile(r"度量单位|计量单位|单位"),
    "actual": re.compile(r"(全年|年度)?实际完成值|实际完成指标值|实际值|(全年)?完成值|实际完成(数)?|完成情况"),
    "score": re.compile(r"(评价|自评|实际)?得分|评分|自评分(数)?"),
    "note": re.compile(r"偏差原因(分析)?及改进措施|未完成原因分析(及改进措施)?|偏差原因(分析)?|原因分析|扣分原因|扣分(说明|理由)|"
                       r"备注|说明"),
    "progress": re.compile(r"完成进度|完成率|完成比例"),
}

#: budget-block columns
BUDGET_COLUMNS: dict[str, re.Pattern[str]] = {
    "initial": re.compile(r"年初预算(数)?|年初预算金额"),
    "annual": re.compile(r"全年预算(数|金额)?|预算数(\(A\))?|预算金额|预算资金"),
    "adjusted": re.compile(r"调整后预算(数)?|调整预算(数)?|全年调整预算(数)?"),
    "arrived": re.compile(r"(实际)?到位(资金|数)?|拨付(资金|数)?|预算下达(资金)?"),
    "executed": re.compile(r"全年执行(数|金额)|预算执行数|执行(数|金额)(\(B\))?|实际支出(数|资金)?|支出决算(数)?|决算(数)?"),
    "weight": re.compile(r"(标准)?分值|权重"),
    "rate": re.compile(r"(预算)?执行率(\(B/A\))?"),
    "score": re.compile(r"(自评|评价)?得分(\(\d+(\.\d+)?分[*×xX]执行率\))?"),
}

#: every label BUDGET_COLUMNS["executed"] matches holds one of these words: a sheet none of whose labels does has no
#: budget block, and is not searched for one
EXECUTED_WORDS = ("执行", "支出", "决算")

TOTAL_LABEL = re.compile(r"(总分|合计|综合得分|总计|总得分|得分合计|自评总分)")
GRADE_LABEL = re.compile(r"(评价等级|等级|评价结果等次|再评价等级|自评等级|绩效等级|评价结果)")


#: the total written after its label in the label's own cell, normalised: "合计:95", "自评总分:95.5分"
TOTAL_IN_CELL = re.compile(r"(?:总分|合计|总计|综合得分|总得分|得分合计|自评总分|自评得分)[:](\d+(?:\.\d+)?)分?")


@lru_cache(maxsize=8192)
def is_total_label(label: str) -> bool:
    """The normalised label names the total row (合计, 总分 …), or is the total itself ("合计:95"); asked of every
    label of every row of a table."""
    return TOTAL_LABEL.fullmatch(label) is not None or TOTAL_IN_CELL.fullmatch(label) is not None


def total_in_cell(label: str) -> float | None:
    """The total a label holds itself: "合计:95" → 95.0; None for a plain label."""
    m = TOTAL_IN_CELL.fullmatch(label)
    return float(m.group(1)) if m else None


@lru_cache(maxsize=8192)
def is_grade_label(label: str) -> bool:
    """The normalised label names the grade (等级, 评价结果 …)."""
    return GRADE_LABEL.fullmatch(label) is not None


#: "产出指标(50分)", and as some forms print it "产出指标(50%)", "产出指标（权重50%）", "产出指标(分值50分)" (a weight
#: in percent is that many of the form's 100 points)
LEVEL_WITH_WEIGHT = re.compile(r"^(?:\d+[、.．])?([\u4e00-\u9fff]{1,12}?)(?:指标|情况)?[(（](?:权重|分值)?[:：]?"
                               r"(\d+(?:\.\d+)?)(?:分|%)[)）]$")
LEVEL_COLON = re.compile(r"^([\u4e00-\u9fff]{2,6})[:：]?$")


def match_field(label: str, columns: dict[str, re.Pattern[str]]) -> str | None:
    """The field whose label pattern the normalised label matches (first in the table's order), or None."""
    key = "indicator" if columns is INDICATOR_COLUMNS else "budget" if columns is BUDGET_COLUMNS else None
    if key is None:
        return _match(label, columns)
    return _match_cached(label, key)


def _match(label: str, columns: dict[str, re.Pattern[str]]) -> str | None:
    for field_name, rx in columns.items():
        if rx.fullmatch(label):
            return field_name
    bare = _HEADER_MARK.sub("", label)
    if bare != label and bare:
        # "全年预算数(A)", "全年执行数(万元)", "得分(分)": the column's own label with its letter or unit
        return _match(bare, columns)
    return None


#: what a header adds after its label: a unit ("(万元)", "(分)", "(%)") or the letter a formula names it by ("(A)",
#: "(B/A)"), as the normalised label has it
_HEADER_MARK = re.compile(r"\((?:万元|元|亿元|%|分|个|[A-Za-z](?:[/*÷][A-Za-z])?)\)$")


@lru_cache(maxsize=8192)
def _match_cached(label: str, key: str) -> str | None:
    return _match(label, INDICATOR_COLUMNS if key == "indicator" else BUDGET_COLUMNS)


def level_and_weight(text: Any) -> tuple[str, float | None]:
    """"决策(15分)" → ("决策", 15.0); "产出指标" → ("产出", None); "投入：" → ("投入", None)."""
    return _level_and_weight(norm(text))


@lru_cache(maxsize=4096)
def _level_and_weight(s: str) -> tuple[str, float | None]:
    m = LEVEL_WITH_WEIGHT.match(s)
    if m:
        name = m.group(1)
        return _strip_level_suffix(name), float(m.group(2))
    return _strip_level_suffix(s), None


def _strip_level_suffix(s: str) -> str:
    s = re.sub(r"^(项目)", "", s) if s.startswith("项目") and len(s) > 3 else s
    for suffix in ("指标", "情况", "方面"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            s = s[: -len(suffix)]
    return s


def number(v: Any) -> float | None:
    """A cell as a number (numbers as text and full-width digits too); None when empty or not a number."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    q = parse_quantity(v)
    if q.status != "number":
        return None
    return q.value if q.unit == "%" else q.display_value


#: what a form writes in a 分值 / 得分 cell of an indicator it does not score: a slash, a dash, 不适用 (some regions'
#: forms say so: an indicator that does not apply is not scored, and the total is prorated over the others)
NOT_APPLICABLE = frozenset({"/", "\\", "//", "-", "--", "—", "——", "―", "~", "无", "不适用", "不涉及", "不考核", "不评分",
                            "N/A", "NA", "n/a", "na"})


def is_not_applicable(v: Any) -> bool:
    """Is a 分值 / 得分 cell marked as not scored ("/", "—", "不适用")?"""
    return isinstance(v, str) and norm_text(v) in NOT_APPLICABLE


def is_number(v: Any) -> bool:
    return number(v) is not None
