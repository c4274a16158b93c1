"""The rules of the findings catalog. Every number comes from the engine; every finding names its cell."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

from ..engine.excelmath import excel_round, fsum_round
from ..engine.grades import boundary_distance, grade
from ..engine.quantity import parse_quantity
from ..engine.rates import completion_rate
from ..engine.scoring import prorated_total
from ..model import Finding, Indicator
from .catalog import CheckRule, Context, rule

OUTPUT_LEVELS = ("产出",)
BENEFIT_LEVELS = ("效益", "效果", "满意度")


@lru_cache(maxsize=4096)
def n(x: float | None) -> str:
    """2-decimal display without trailing zeros: 11.49, 15, 0.5. (Kept per number: a form's weights and scores recur
    in its findings and across a batch; equal numbers show alike, 1, 1.0 and True all "1".)"""
    if x is None:
        return "—"
    return f"{excel_round(x, 2):.2f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=4096)
def pct(x: float | None) -> str:
    return "—" if x is None else f"{excel_round(x * 100, 2):.2f}%"


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + 1e-9


def _progress(ind: Indicator) -> float | None:
    """Completion of an indicator: its 完成进度 when printed, else actual/target when both are numbers."""
    if ind.progress not in (None, ""):
        q = parse_quantity(ind.progress)
        if q.is_number:
            return q.value if q.unit == "%" else (q.value if q.value <= 2 else q.value / 100)  # type: ignore[operator]
    if ind.target not in (None, "") and ind.actual not in (None, ""):
        r = completion_rate(ind.target, ind.actual)
        return r.value
    return None


def _missed_in(ctx: Context, ind: Indicator) -> tuple[bool, str] | None:
    """:func:`_missed`, worked out once a form (PE-S302, S303, S304 and S305 all ask it)."""
    key = (_missed, id(ind))
    memo = ctx.memo
    if key not in memo:
        memo[key] = _missed(ind)
    return memo[key]


def _missed(ind: Indicator) -> tuple[bool, str] | None:
    """(missed?, evidence) when the data says whether the target was met."""
    if ind.progress not in (None, ""):
        p = _progress(ind)
        if p is not None:
            return p < 1 - 1e-9, f"完成进度{pct(p)}"
    t, a = parse_quantity(ind.target), parse_quantity(ind.actual)
    if t.is_number and a.is_number:
        r = completion_rate(t, a)      # the quantities as parsed here, not parsed again
        if r.value is None:
            return None
        from ..engine.rules import judge_met

        met, _how = judge_met(t, a)
        if met is None:
            return None
        return (not met), f"目标{ind.target}，实际{ind.actual}（完成率{pct(r.value)}）"
    return None


def _bcell(ctx: Context, *keys: str) -> str | None:
    """The first of the budget block's cells named by ``keys`` that the form has, else any budget cell."""
    b = ctx.form.budget
    if b is None:
        return None
    for k in keys:
        if b.cells.get(k):
            return b.cells[k]
    return next(iter(b.cells.values()), None)


def _has_note(ind: Indicator) -> bool:
    return bool(ind.deviation_note and str(ind.deviation_note).strip())


# ------------------------------------------------------------------ arithmetic


@rule("PE-A100", "partly-read", "info", "表单只读取了一部分",
      "表单中有的部分没有找到或无法确定其含义（如总分行、预算执行情况表）：依赖这些部分的校验（分值合计、总分、"
      "等级临界、预算执行率等）已略过，不作判断，请人工核对。", "确定性优先：数据未可靠读取时不下结论",
      "页面在满意度指标处截断，未找到总分行")
def _partly_read(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if f.unread:
        what = "；".join(f.unread.values())
        cell = f.cells.get("unread") or (f.indicators[-1].cells.get("name") if f.indicators else None)
        yield r.finding(ctx, cell, what, f"表单只读取了一部分：{what}。相关的合计、总分与等级校验已略过。")


@rule("PE-A101", "children-weight-mismatch", "error", "下级指标分值之和不等于上级分值",
      "三级指标分值之和应等于所属二级指标分值，二级之和应等于一级指标分值。不等说明权重表填写错误。",
      "财预〔2020〕10号 指标体系：各级指标权重逐级分解", "产出(50分) 下三级指标分值合计 45")
def _children_weight(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    for (l1, l2), grp in f.groups.items():
        w = grp.get("weight")
        kids = [i.weight for i in f.indicators if i.level1 == l1 and i.level2 == l2 and i.weight is not None]
        if w is not None and kids and not close(fsum_round(kids), w, 0.005):
            yield r.finding(ctx, grp.get("cell"), f"{l2} 分值 {n(w)}；三级指标合计 {n(fsum_round(kids))}",
                            f"“{l1}/{l2}”标注分值{n(w)}分，但其下三级指标分值合计{n(fsum_round(kids))}分。")
    for l1, lv in f.levels.items():
        w = lv.get("weight")
        kids = [i.weight for i in f.indicators if i.level1 == l1 and i.weight is not None]
        if w is not None and kids and not close(fsum_round(kids), w, 0.005):
            yield r.finding(ctx, lv.get("cell"), f"{l1} 分值 {n(w)}；下级指标合计 {n(fsum_round(kids))}",
                            f"一级指标“{l1}”标注分值{n(w)}分，但其下指标分值合计{n(fsum_round(kids))}分。")


@rule("PE-A102", "weights-not-100", "error", "指标分值合计不等于100",
      "全部指标（含预算执行率）的分值合计应为100分；不等于100时总分与等级失去可比性。",
      "财预〔2020〕10号：评价总分一般设置为100分", "分值合计 95")
def _weights_100(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if "total" in f.unread:   # the table may go on past what was read: its weights' total is not known
        return
    weights = [i.weight for i in f.indicators if i.weight is not None]
    if f.budget is not None and f.budget.weight:
        weights.append(f.budget.weight)
    if weights and len(weights) == len(f.indicators) + (1 if f.budget is not None and f.budget.weight else 0):
        total = fsum_round(weights)
    elif f.levels and all(lv.get("weight") is not None for lv in f.levels.values()):
        total = fsum_round(lv["weight"] for lv in f.levels.values())
    else:
        return
    if total < 100 and _budget_points_unknown(f, "weight"):
        return      # the points short of 100 may be the budget block's, which was not read
    if not close(total, 100, 0.005):
        yield r.finding(ctx, f.cells.get("total"), f"分值合计 {n(total)}",
                        f"各项指标分值合计为{n(total)}分，不等于100分。")


@rule("PE-A103", "score-out-of-range", "error", "得分超过分值或为负数",
      "任何指标得分都应在0与该指标分值之间。", "财预〔2020〕10号：得分不超过指标分值", "分值5、得分6")
def _score_range(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind in ctx.form.indicators:
        s, w = ind.score_stated, ind.weight
        if s is None:
            continue
        if s < 0 or (w is not None and s > w + 1e-9):
            yield r.finding(ctx, ind.cells.get("score"), f"得分 {n(s)} / 分值 {n(w)}",
                            f"指标“{ind.name}”得分{n(s)}分，超出[0, {n(w)}]的范围。")
    b = ctx.form.budget
    if b is not None and b.score_stated is not None and b.weight is not None and not 0 <= b.score_stated <= b.weight + 1e-9:
        yield r.finding(ctx, b.cells.get("score_stated"), f"得分 {n(b.score_stated)} / 分值 {n(b.weight)}",
                        f"预算执行率得分{n(b.score_stated)}分，超出[0, {n(b.weight)}]的范围。")


def _budget_points_unknown(f: Any, what: str) -> bool:
    """The form has a budget block among its scored parts that was not read (not found, or its amounts not filled),
    and its ``what`` ("weight" / "score_stated") is not known: a total short of the indicators' may be its points."""
    return "budget" in f.unread and (f.budget is None or getattr(f.budget, what) is None)


def _stated_parts(ctx: Context) -> list[float]:
    f = ctx.form
    parts = [i.score_stated for i in f.indicators if i.score_stated is not None]
    if f.budget is not None and f.budget.score_stated is not None:
        parts.append(f.budget.score_stated)
    return parts


@rule("PE-A104", "total-not-sum", "error", "总分不等于各项得分之和",
      "表中填报的总分应等于各指标得分之和（四舍五入到两位小数）。", "算术一致性", "各项得分合计92.62，总分填92.26")
def _total_sum(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if f.total_stated is None or "total" in f.unread:
        return
    parts = _stated_parts(ctx)
    na = [i for i in f.indicators if i.not_applicable]
    if parts and na and len(parts) + len(na) >= len(f.indicators):
        # an indicator marked 不适用: the total is the others' sum, or that sum brought to the full weight (折算)
        total = fsum_round(parts)
        prorated = prorated_total(f, total, f.budget is not None and f.budget.score_stated is not None)
        if close(total, f.total_stated, ctx.profile.tolerance) or (
                prorated is not None and close(prorated, f.total_stated, ctx.profile.tolerance)):
            return
        also = f"，按适用指标折算为 {n(prorated)}" if prorated is not None else ""
        yield r.finding(ctx, f.cells.get("total"), f"填报总分 {n(f.total_stated)}；适用指标得分合计 {n(total)}{also}",
                        f"填报总分{n(f.total_stated)}分，与适用指标得分之和{n(total)}分不符"
                        + (f"，也不等于按适用指标折算的{n(prorated)}分。" if prorated is not None else "。"))
        return
    if parts and len(parts) >= len(f.indicators):
        total = fsum_round(parts)
        basis = "各指标得分"
    elif f.levels and all(lv.get("score") is not None for lv in f.levels.values()):
        total = fsum_round(lv["score"] for lv in f.levels.values())
        basis = "各一级指标得分"
    else:
        return
    if f.total_stated > total and _budget_points_unknown(f, "score_stated"):
        return      # the stated total above the indicators' may hold the budget block's points, which were not read
    if not close(total, f.total_stated, ctx.profile.tolerance):
        yield r.finding(ctx, f.cells.get("total"), f"填报总分 {n(f.total_stated)}；{basis}合计 {n(total)}",
                        f"填报总分{n(f.total_stated)}分，与{basis}之和{n(total)}分不符。")


@rule("PE-A105", "level-score-not-sum", "error", "一级指标得分不等于下级得分之和",
      "一级指标（投入/过程/产出/效果等）的小计得分应等于其下各指标得分之和。", "算术一致性", "产出小计30，下级合计28")
def _level_sum(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    for l1, lv in f.levels.items():
        s = lv.get("score")
        kids = [i.score_stated for i in f.indicators if i.level1 == l1 and i.score_stated is not None]
        if s is not None and kids and not close(fsum_round(kids), s, ctx.profile.tolerance):
            yield r.finding(ctx, lv.get("score_cell") or lv.get("cell"), f"{l1}小计 {n(s)}；下级合计 {n(fsum_round(kids))}",
                            f"一级指标“{l1}”小计{n(s)}分，与其下指标得分之和{n(fsum_round(kids))}分不符。")


@rule("PE-A106", "stated-rate-mismatch", "error", "填报的比率与其数据不符",
      "表中填写的执行率等比率应等于按其金额计算的结果（保留两位小数，口径见说明）。", "算术一致性",
      "执行率填90%，全年执行数/全年预算数=85%", ("tolerance",))
def _stated_rate(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    b, ex = ctx.form.budget, ctx.score.execution
    if b is None or b.rate_stated is None or ex is None or ex.value is None:
        return
    # a percent printed with fewer decimals ("86%") is compared at the precision it shows (86.20% prints as 86%)
    tol = max(0.01, 0.5 * 10 ** -b.rate_decimals) if b.rate_decimals is not None else 0.01
    if abs(excel_round(b.rate_stated * 100, 2) - ex.percent) > tol + 1e-9:
        yield r.finding(ctx, b.cells.get("rate_stated"),
                        f"填报执行率 {pct(b.rate_stated)}；{n(ex.numerator)}/{n(ex.denominator)} = {ex.text()}（{ex.base}口径）",
                        f"填报的预算执行率{pct(b.rate_stated)}与按金额计算的{ex.text()}（实际支出/{ex.base}）不符。")


@rule("PE-A107", "grade-mismatch", "error", "填报等级与总分对应的等级不符",
      "优 ≥90，良 80–90，中 60–80，差 <60（下限含）；填报等级应与填报总分一致。", "财预〔2020〕10号 第二十四条",
      "总分88.5填“优”")
def _grade(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if f.grade_stated and f.total_stated is not None:
        g = grade(f.total_stated, ctx.profile)
        if g != f.grade_stated:
            yield r.finding(ctx, f.cells.get("grade"), f"总分 {n(f.total_stated)} → {g}；填报 {f.grade_stated}",
                            f"总分{n(f.total_stated)}分对应等级“{g}”，表中填报为“{f.grade_stated}”。")


@rule("PE-A108", "parts-not-sum", "error", "分项之和不等于合计",
      "必须相加一致的金额：基本支出 + 项目支出 = 支出合计，货物 + 服务（+工程）= 政府采购预算；项目资金表中"
      "年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金（各列分别相加，空白的其中行按0计）。",
      "部门决算报表勾稽关系；项目支出绩效自评表填报说明",
      "支出11.07 ≠ 基本4.77 + 项目6.2")
def _parts(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    b = ctx.form.budget
    if b is None:
        return
    for whole_name, (whole, parts) in b.parts.items():
        vals = [v for _, v in parts if v is not None]
        if whole is None or not vals:
            continue
        s = fsum_round(vals)
        if not close(s, whole, 0.005):
            detail = " + ".join(f"{k}{n(v)}" for k, v in parts if v is not None)
            yield r.finding(ctx, b.cells.get(f"part:{whole_name}"), f"{whole_name} {n(whole)}；{detail} = {n(s)}",
                            f"{whole_name}{n(whole)}万元，而分项合计（{detail}）为{n(s)}万元，勾稽不平。")


@rule("PE-A109", "total-missing", "error", "总分为空或为0而明细已填",
      "明细得分已经填写时，总分行不应为空或为0。", "填报完整性", "总分单元格空白")
def _total_missing(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if "total" in f.unread:
        return
    parts = _stated_parts(ctx)
    if parts and any(p > 0 for p in parts) and not f.total_stated and "total" in f.cells:
        yield r.finding(ctx, f.cells.get("total"), f"明细得分合计 {n(fsum_round(parts))}；总分 {n(f.total_stated)}",
                        "明细得分已填写，但总分为空或为0。")


@rule("PE-A110", "unreadable-number", "error", "数值单元格无法识别",
      "分值、得分等数值单元格中填写了不是数字的文字，无法计算。", "填报规范", "分值填“十五”")
def _unreadable(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for p in ctx.form.problems:
        yield r.finding(ctx, p.get("cell"), p.get("message", ""), p.get("message", ""))


# ------------------------------------------------------------------ budget


def _execution_evidence(ctx: Context) -> str:
    ex = ctx.score.execution
    return f"执行率 {ex.text()} ({n(ex.numerator)}/{n(ex.denominator)}，{ex.base}口径)" if ex else ""


@rule("PE-B201", "execution-low", "warning", "预算执行率低于90%，需说明原因",
      "预算执行率低于说明阈值（默认90%）时，应在偏差原因中说明并提出改进措施。", "单位自评实践：执行率<90%须说明",
      "全年预算220、执行180（81.82%）", ("execution_explain_below", "execution_severe_below"))
def _execution_low(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    ex = ctx.score.execution
    p = ctx.profile
    if ex is None or ex.value is None or not p.execution_severe_below <= ex.value < p.execution_explain_below:
        return
    b = ctx.form.budget
    yield r.finding(ctx, _bcell(ctx, "executed"), _execution_evidence(ctx),
                    f"预算执行率{ex.text()}，低于{pct(p.execution_explain_below)}，应说明原因及改进措施。")


@rule("PE-B202", "execution-severe", "error", "预算执行率严重偏低",
      "预算执行率低于严重阈值（默认60%），资金闲置明显。", "单位自评实践", "调整后预算276.96、支出103.86（37.5%）",
      ("execution_severe_below",))
def _execution_severe(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    ex = ctx.score.execution
    if ex is None or ex.value is None or ex.value >= ctx.profile.execution_severe_below:
        return
    b = ctx.form.budget
    yield r.finding(ctx, _bcell(ctx, "executed"), _execution_evidence(ctx),
                    f"预算执行率仅{ex.text()}（{ex.base}口径），低于{pct(ctx.profile.execution_severe_below)}，预算执行严重滞后。")


@rule("PE-B203", "adjustment-large", "warning", "预算调整率过大",
      "预算调整率 =（调整后预算 − 年初预算）/ 年初预算，按绝对值分档：超过最高档（默认30%）不得分并应说明；"
      "超过第一档（默认10%）提示。", "地方预算调整率评分档次（0–10%、10–20%、20–30%、>30%）",
      "年初36.06、调整后11.07（调整率−69.30%）", ("adjustment_tiers",))
def _adjustment(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    adj = ctx.score.adjustment
    if adj is None or adj.value is None:
        return
    tiers = ctx.profile.adjustment_tiers
    a = abs(adj.value)
    if a <= tiers[0] + 1e-12:
        return
    b = ctx.form.budget
    sev = "warning" if a > tiers[-1] else "info"
    after = "调整后" if b.adjusted is not None else "全年预算"
    yield r.finding(ctx, _bcell(ctx, "adjusted", "annual"),
                    f"调整率 {adj.text()}（年初{n(adj.denominator)} → {after}{n(adj.denominator + adj.numerator)}）",
                    f"预算调整率{pct(adj.value)}（绝对值{pct(a)}），超过{pct(tiers[-1] if a > tiers[-1] else tiers[0])}，"
                    "预算编制的准确性不足。", severity=sev)


@rule("PE-B204", "arrival-incomplete", "warning", "资金到位率低于100%",
      "资金到位率 = 实际到位资金 / 预算资金；未全额到位影响项目实施，应核实原因。", "财预〔2020〕10号 共性指标：资金到位率",
      "预算310、到位220（70.97%）")
def _arrival(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    arr = ctx.score.arrival
    if arr is not None and arr.value is not None and arr.value < 1 - 1e-9:
        b = ctx.form.budget
        yield r.finding(ctx, _bcell(ctx, "arrived"),
                        f"到位率 {arr.text()} ({n(arr.numerator)}/{n(arr.denominator)})",
                        f"资金到位率{arr.text()}，未全额到位。")
        return
    for ind in ctx.form.indicators:
        if "到位率" in ind.name and "及时" not in ind.name:
            q = parse_quantity(ind.actual)
            if q.is_number and q.unit in ("%", None):
                v = q.value if q.unit == "%" else (q.value if q.value <= 2 else q.value / 100)  # type: ignore[operator]
                if v < 1 - 1e-9:
                    yield r.finding(ctx, ind.cells.get("actual"), f"资金到位率 {pct(v)}",
                                    f"资金到位率{pct(v)}，未全额到位。")


@rule("PE-B205", "spending-above-funds", "error", "支出超过可用资金",
      "实际支出不应超过预算（或到位资金）；超支需有调整依据。", "《预算法》：无预算不得支出", "预算100、支出120")
def _overspend(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    b = ctx.form.budget
    if b is None or b.executed is None:
        return
    avail = [v for v in (b.adjusted, b.annual) if v is not None]
    if not avail:
        return
    cap = max(avail) + (b.carryover or 0)
    if b.executed > cap + 0.005:
        yield r.finding(ctx, b.cells.get("executed"), f"支出 {n(b.executed)} > 可用 {n(cap)}",
                        f"实际支出{n(b.executed)}万元，超过可用资金{n(cap)}万元。")


@rule("PE-B206", "procurement-low", "warning", "政府采购预算执行率偏低",
      "政府采购预算执行率 = 实际政府采购金额 / 政府采购预算；偏低说明采购预算编制不准确。", "政府采购预算管理",
      "采购预算6.26、执行1.63（26.04%）", ("procurement_low_below",))
def _procurement(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    pr = ctx.score.procurement
    if pr is None or pr.value is None or pr.value >= ctx.profile.procurement_low_below:
        return
    b = ctx.form.budget
    yield r.finding(ctx, _bcell(ctx, "procurement_executed"),
                    f"政府采购执行率 {pr.text()} ({n(pr.numerator)}/{n(pr.denominator)})",
                    f"政府采购预算{n(pr.denominator)}万元，实际执行{n(pr.numerator)}万元，执行率{pr.text()}，偏低。")


@rule("PE-B207", "initial-zero", "warning", "年初预算为0而后追加",
      "年初预算为0、年中追加的资金，调整率无法计算，应说明追加原因。", "预算编制完整性", "年初0、调整后50")
def _initial_zero(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    b = ctx.form.budget
    if b is not None and b.initial == 0 and (b.adjusted or b.annual or 0) > 0:
        yield r.finding(ctx, b.cells.get("initial"), f"年初 0；调整后 {n(b.adjusted or b.annual)}",
                        "年初预算为0，年中追加后预算调整率无定义，应说明追加原因。")


# ------------------------------------------------------------------ self-scoring


@rule("PE-S301", "output-full-low-execution", "error", "预算执行率低却产出指标满分",
      "资金未支出或执行率严重偏低，而产出指标全部得满分，自评结果与数据矛盾。", "单位自评实践：产出与资金使用相匹配",
      "执行率0%（0/160），产出30/30", ("execution_severe_below",))
def _output_full(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    ex = ctx.score.execution
    if ex is None or ex.value is None or ex.value >= ctx.profile.execution_severe_below:
        return
    f = ctx.form
    outs = [i for i in f.indicators if (i.level1 or "") in OUTPUT_LEVELS and i.weight]
    if not outs or not all(i.score_stated is not None and close(i.score_stated, i.weight, 0.001) for i in outs):
        return
    w = fsum_round(i.weight for i in outs)
    lv = f.levels.get("产出", {})
    yield r.finding(ctx, lv.get("score_cell") or outs[0].cells.get("score"),
                    f"执行率 {ex.text()} ({n(ex.numerator)}/{n(ex.denominator)})；产出得分 {n(w)}/{n(w)}",
                    f"预算执行率仅{ex.text()}，但产出指标全部自评满分（{n(w)}/{n(w)}），自评结果与资金使用情况矛盾。")


@rule("PE-S302", "missed-target-full-marks", "error", "未完成目标却得满分",
      "实际完成值未达到目标值（或完成进度不足100%），该指标不应得满分。", "财预〔2020〕10号：未完成目标按比例或扣分",
      "完成进度67%，得分8/8")
def _missed_full(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind in ctx.form.indicators:
        if ind.score_stated is None or not ind.weight or not close(ind.score_stated, ind.weight, 0.001):
            continue
        m = _missed_in(ctx, ind)
        if m and m[0]:
            yield r.finding(ctx, ind.cells.get("score"), f"{m[1]}；得分 {n(ind.score_stated)}/{n(ind.weight)}",
                            f"指标“{ind.name}”未完成目标（{m[1]}），却自评满分{n(ind.weight)}分。")


@rule("PE-S303", "met-target-below-full", "warning", "已完成目标却未得满分且未说明",
      "实际完成值达到目标，得分却低于满分，又未填写偏差原因。", "自评一致性", "目标≥90人、实际185人，得分12/15")
def _met_below(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind in ctx.form.indicators:
        met = _met_below_full(ctx, ind)
        if met:
            yield r.finding(ctx, ind.cells.get("score"), f"{met}；得分 {n(ind.score_stated)}/{n(ind.weight)}",
                            f"指标“{ind.name}”已完成目标（{met}），得分{n(ind.score_stated)}分低于满分且未说明原因。")


def _deducted_without_reason(ind: Any) -> bool:
    """Scored below its weight, and no 偏差原因 given."""
    return not (ind.score_stated is None or not ind.weight or ind.score_stated >= ind.weight - 1e-9 or _has_note(ind))


def _met_below_full(ctx: Context, ind: Any) -> str | None:
    """How the indicator met its target (the figures), when it did and was still scored below full marks without a
    reason (PE-S303); None otherwise. Such an indicator gets that one warning: PE-S305 (no reason) and PE-S304 (the
    rule gives full marks) would say the same thing of the same cell again."""
    if not _deducted_without_reason(ind):
        return None
    m = _missed_in(ctx, ind)
    return m[1] if m and not m[0] else None


@rule("PE-S304", "score-contradicts-rule", "warning", "自评得分与评分标准计算结果不符",
      "按表中评分标准（无评分标准时按国家通用规则：正向按比例、反向按约定口径）计算的得分与填报得分不同。"
      "已完成目标、按规则应得满分却填低分且未说明原因的，只报 PE-S303。",
      "表中评分标准；财预〔2020〕10号", "参保96.49%、每低1%扣1分应得11.49，填15", ("tolerance",))
def _contradicts(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind, s in ctx.score.scores:
        if s.value is None or ind.score_stated is None:
            continue
        if close(s.value, ind.weight or 0, ctx.profile.tolerance) and _met_below_full(ctx, ind):
            continue    # full marks by the rule, met but scored lower: PE-S303 says it
        if not close(s.value, ind.score_stated, ctx.profile.tolerance):
            yield r.finding(ctx, ind.cells.get("score"), f"填报 {n(ind.score_stated)}；按规则 {n(s.value)}（{s.explanation}）",
                            f"指标“{ind.name}”填报得分{n(ind.score_stated)}分，按评分标准应为{n(s.value)}分（{s.explanation}）。")
    b, bs = ctx.form.budget, ctx.score.budget
    if b is not None and bs is not None and bs.value is not None and b.score_stated is not None \
            and not close(bs.value, b.score_stated, ctx.profile.tolerance):
        yield r.finding(ctx, b.cells.get("score_stated"), f"填报 {n(b.score_stated)}；按规则 {n(bs.value)}（{bs.explanation}）",
                        f"预算执行率得分填报{n(b.score_stated)}分，按执行率×分值应为{n(bs.value)}分。")


@rule("PE-S305", "below-weight-no-reason", "warning", "扣分但未说明偏差原因",
      "指标得分低于分值时，应在“偏差原因分析及改进措施”中说明（已完成目标却低于满分的，只报 PE-S303）。",
      "项目支出绩效自评表填报说明", "得分3/4，偏差原因空白")
def _no_reason(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    has_note_column = any("deviation_note" in i.cells for i in ctx.form.indicators)
    for ind in ctx.form.indicators:
        if not _deducted_without_reason(ind) or _met_below_full(ctx, ind):
            continue    # explained, full marks, or PE-S303's case (met the target, scored below full, no reason)
        cell = ind.cells.get("deviation_note") if has_note_column else ind.cells.get("score")
        yield r.finding(ctx, cell, f"得分 {n(ind.score_stated)}/{n(ind.weight)}；偏差原因空白",
                        f"指标“{ind.name}”扣{n(ind.weight - ind.score_stated)}分，但未说明偏差原因及改进措施。")


_COMPARATOR_START = re.compile(r"^\s*(≥|≧|>=|≤|≦|<=|不低于|不少于|不超过|不高于)")


@rule("PE-S306", "actual-repeats-target", "warning", "实际完成值照抄目标值",
      "实际完成值应填写实际达到的数值；照抄目标值（如“≥266米”）无法判断是否完成。", "自评填报规范",
      "目标≥266米，实际≥266米")
def _repeats(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind in ctx.form.indicators:
        a = ind.actual
        if not isinstance(a, str) or not a.strip():
            continue
        target_has_comparator = parse_quantity(ind.target).comparator in (">=", "<=", ">", "<")
        same = target_has_comparator and "".join(str(ind.target).split()) == "".join(a.split())
        if same or _COMPARATOR_START.match(a):
            yield r.finding(ctx, ind.cells.get("actual"), f"目标 {ind.target}；实际 {a}",
                            f"指标“{ind.name}”的实际完成值“{a}”是目标表述而非实际数值。")


@rule("PE-S307", "over-completion", "info", "超额完成幅度大，目标可能偏低",
      "实际值达到目标值的一定倍数（默认120%）以上，得满分，但应复核目标设定是否偏低。", "绩效目标设置应具挑战性",
      "目标≥90人，实际185人（205.56%）", ("over_completion",))
def _over(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind, s in ctx.score.scores:
        if s.over_completed:
            yield r.finding(ctx, ind.cells.get("actual"), f"目标 {ind.target}；实际 {ind.actual}（完成率{pct(s.completion)}）",
                            f"指标“{ind.name}”完成率{pct(s.completion)}，达到目标值的{pct(ctx.profile.over_completion)}以上，"
                            "目标值可能设定偏低。")


@rule("PE-S308", "unrecognised-criterion", "warning", "评分标准无法识别",
      "评分标准文字不属于可识别的规则（按比例、每低/超1%扣分、完成满分未完成0分、分档、分项、比率×分值、定性三档），无法复核得分。",
      "评分标准应明确、可操作", "“参照往年情况酌情打分”")
def _unrecognised(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind, reason in ctx.score.errors:
        yield r.finding(ctx, ind.cells.get("criterion") or ind.cells.get("score"), reason,
                        f"指标“{ind.name}”的{reason}")


# ------------------------------------------------------------------ targets


@rule("PE-T401", "unquantified-target", "warning", "绩效目标未量化",
      "指标值没有数字（如“增长”“提高”“符合”“年底前”），无法衡量完成程度，只能定性评价。",
      "财预〔2020〕10号：绩效目标应细化、量化、可衡量", "指标值“增长”")
def _unquantified(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for name, target, cell, q in _targets_with_status(ctx, "unquantified"):
        yield r.finding(ctx, cell, f"指标值“{target}”", f"指标“{name}”的指标值“{target}”未量化，无法衡量完成程度。")


def _targets_with_status(ctx: Context, status: str) -> Iterator[tuple[str, Any, str | None, Any]]:
    """(name, target, cell, parsed) for every printed target — indicator rows and 目标表 rows — whose
    parse status is ``status``, each cell once."""
    items = [(i.name, i.target, i.cells.get("target")) for i in ctx.form.indicators if i.target not in (None, "")]
    items += list(ctx.form.targets_text)
    seen = set()
    for name, target, cell in items:
        q = parse_quantity(target)
        if q.status == status and cell not in seen:
            seen.add(cell)
            yield name, target, cell, q


@rule("PE-T402", "text-for-number", "warning", "指标值含多个数字或无法识别",
      "指标值应为一个可比较的数（如“≥130户”）；含多个数字或写法不规范时无法计算完成率。", "绩效目标填报规范",
      "“对全市130户出口企业保费配套30%进行补助”")
def _text_number(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for name, target, cell, q in _targets_with_status(ctx, "invalid"):
        yield r.finding(ctx, cell, f"指标值“{target}”：{q.reason}", f"指标“{name}”的指标值无法识别：{q.reason}。")


@rule("PE-T403", "first-level-split", "info", "一级指标分值结构与规定不同",
      "单位自评表一级指标分值默认：预算执行率10、产出50、效益30、满意度10（可按配置修改）。", "单位自评实践",
      "产出40、效益40", ("first_level_split",))
def _split(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if f.kind not in ("standard", "sichuan", "budget20") or f.unread:
        return   # a split read from part of a table (or without its budget block) is not the form's split
    got: dict[str, float] = {}
    for i in f.indicators:
        if i.weight is not None and i.level1:
            got[i.level1] = got.get(i.level1, 0.0) + i.weight
    if f.budget is not None and f.budget.weight:
        got["预算执行率"] = f.budget.weight
    want = ctx.profile.first_level_split
    if not got or set(got) - set(want):
        return
    diff = {k: (got.get(k, 0.0), w) for k, w in want.items() if not close(got.get(k, 0.0), w, 0.005)}
    if diff:
        text = "；".join(f"{k} {n(g)}（应为{n(w)}）" for k, (g, w) in diff.items())
        yield r.finding(ctx, f.cells.get("total"), text, f"一级指标分值结构与配置（{ctx.profile.name}）不一致：{text}。")


@rule("PE-T404", "output-benefit-share", "warning", "产出与效益分值合计低于60%",
      "财政和部门评价中，产出、效益指标权重合计一般不低于60%。", "财预〔2020〕10号 第二十三条",
      "产出20、效益30（合计50%）", ("output_benefit_min_share",))
def _share(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if "total" in f.unread:
        return
    if f.kind != "scoring" or not f.levels:
        return
    w = [lv.get("weight") for lv in f.levels.values()]
    if any(x is None for x in w):
        return
    total = fsum_round(w)
    ob = fsum_round(lv["weight"] for k, lv in f.levels.items() if k in OUTPUT_LEVELS + BENEFIT_LEVELS)
    if total and ob / total < ctx.profile.output_benefit_min_share - 1e-9:
        yield r.finding(ctx, f.cells.get("total"), f"产出+效益 {n(ob)}/{n(total)}",
                        f"产出与效益指标分值合计{n(ob)}分，占{pct(ob / total)}，低于{pct(ctx.profile.output_benefit_min_share)}。")


# ------------------------------------------------------------------ boundary


@rule("PE-A111", "budget-total-row-empty", "error", "资金总额行为空或为0而其中明细已填",
      "项目资金表的“年度资金总额/总额”行应等于其下“其中”各行之和；总额行为空或为0而明细行已填金额，"
      "按总额行计算的执行率和得分都不可信。", "项目支出绩效自评表填报说明：资金总额 = 财政拨款 + 上年结转 + 其他资金",
      "年度资金总额 0 / 0 / 0，其中：本年财政拨款 90 / 89.974 / 89.974")
def _budget_total_row(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    b = ctx.form.budget
    if b is None or not b.rows:
        return
    for f_name, label in (("initial", "年初预算数"), ("annual", "全年预算数"), ("adjusted", "调整后预算数"),
                          ("executed", "全年执行数")):
        cell = b.cells.get(f_name) or b.cells.get(f"blank:{f_name}")     # filled with 0, or left empty
        if cell is None:
            continue
        whole = getattr(b, f_name)
        details = [(k, row.get(f_name)) for k, row in b.rows.items() if row.get(f_name)]
        if (whole in (None, 0)) and details:
            s = fsum_round(v for _, v in details)
            detail = "，".join(f"{k} {n(v)}" for k, v in details)
            yield r.finding(ctx, cell, f"资金总额行{label} {n(whole) if whole is not None else '空白'}；{detail}",
                            f"资金总额行的{label}{'为' + n(whole) if whole is not None else '空白'}，而其中明细合计{n(s)}万元"
                            f"（{detail}），总额行未填或填错。")
            return


@rule("PE-A112", "scores-not-filled", "warning", "自评得分未填写",
      "指标已列出分值，但得分一栏全部空白：自评尚未完成，无法计算总分和等级。", "填报完整性",
      "发放覆盖率 权重60、足额保障率 权重30，得分均空白")
def _scores_missing(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    weighted = [i for i in f.indicators if i.weight]
    if weighted and all(i.score_stated is None for i in f.indicators) and (
            f.budget is None or f.budget.score_stated is None):
        first = weighted[0]
        yield r.finding(ctx, first.cells.get("score"), f"{len(weighted)} 项指标有分值、无得分",
                        f"{len(weighted)}项指标已列出分值，但自评得分全部未填写。")


@rule("PE-A113", "table-not-filled", "warning", "绩效指标未填写",
      "自评表的绩效指标表中没有任何指标行（只有表头、一级/二级指标名称或“指标1”“……”等模板占位）：表单尚未填写，"
      "或交来的是空白模板，无法复核得分。", "填报完整性", "表头之下直接是“总分 0”")
def _table_blank(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    cell = ctx.form.cells.get("blank_table")
    if cell and not ctx.form.indicators:
        yield r.finding(ctx, cell, "绩效指标表中没有指标行",
                        "绩效指标表中没有填写任何指标（表头之下没有指标名称、指标值、分值或得分），自评表尚未填写。")


@rule("PE-S309", "actual-not-a-number", "warning", "实际完成值未填数字",
      "指标值已量化（如“≤30万元”）时，实际完成值应填写可比较的数字；只填“完成”“达成”等文字无法判断是否达标，"
      "也无法复核得分。", "财预〔2020〕10号：绩效指标应细化量化", "指标值 ≤30万元，完成值“完成”")
def _actual_text(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    for ind in ctx.form.indicators:
        if ind.actual in (None, "") or not isinstance(ind.actual, str) or ind.not_applicable:
            continue
        t, a = parse_quantity(ind.target), parse_quantity(ind.actual)
        if t.is_number and a.status == "unquantified":
            yield r.finding(ctx, ind.cells.get("actual"), f"指标值{ind.target}；完成值“{ind.actual}”",
                            f"指标“{ind.name}”的指标值为{ind.target}，实际完成值却只填了“{ind.actual}”，没有可比较的数字。")


@rule("PE-S310", "not-applicable", "info", "指标标为不适用，未计分",
      "得分栏填“/”“—”或“不适用”的指标不计分：总分为其余指标得分之和，或按一些地区自评表的填表说明，以适用指标"
      "得分汇总后按百分制折算。复核总分采用与填报总分一致的算法；请核实该指标确实不适用。",
      "自评表填表说明（部分地区）：不适用的指标不考核，用适用指标得分汇总后按百分制折算", "满意度 分值10、得分“/”")
def _not_applicable(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    how = "按适用指标折算为百分制" if ctx.score.prorated else "为其余指标得分之和"
    for ind in ctx.score.not_applicable:
        yield r.finding(ctx, ind.cells.get("score"), f"{ind.name} 分值 {n(ind.weight)}；得分标为不适用",
                        f"指标“{ind.name}”标为不适用，未计分；复核总分{how}。")


@rule("PE-T405", "one-indicator-dominates", "warning", "单项指标分值占比过高",
      "一项指标占去绩效指标大部分分值（默认超过一半）时，其余目标几乎不影响得分，指标体系失衡。",
      "财预〔2020〕10号：指标权重应体现重要程度，合理分配", "成本控制数一项权重90分", ("dominant_share",))
def _dominant(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    total = 100.0 if f.total_weight is None else f.total_weight
    if not total:
        return
    share = ctx.profile.dominant_share
    for ind in f.indicators:
        if ind.weight and ind.weight > share * total + 1e-9:
            yield r.finding(ctx, ind.cells.get("weight"), f"{ind.name} 分值 {n(ind.weight)}；总分值 {n(total)}",
                            f"指标“{ind.name}”一项占{n(ind.weight)}分（总分{n(total)}分的{pct(ind.weight / total)}），"
                            "其余指标对得分几乎没有影响。")


@rule("PE-G501", "grade-boundary", "warning", "总分处于等级临界",
      "总分与等级分界（90/80/60）相差不超过临界幅度（默认0.5分），微小的评分差异即改变等级，应重点复核。",
      "财预〔2020〕10号 等级划分", "79.99（距良0.01分）；90.00（恰在优的下限）", ("boundary_margin",))
def _boundary(r: CheckRule, ctx: Context) -> Iterator[Finding]:
    f = ctx.form
    if f.total_stated is None and "total" in f.unread:
        return    # a total recomputed from part of a table says nothing about the form's grade
    total = f.total_stated if f.total_stated is not None else ctx.score.total
    if total is None:
        return
    bound, dist = boundary_distance(total, ctx.profile)
    if abs(dist) <= ctx.profile.boundary_margin + 1e-9:
        g = grade(total, ctx.profile)
        side = "恰在" if dist == 0 else ("高出" if dist > 0 else "低于")
        yield r.finding(ctx, f.cells.get("total"), f"总分 {n(total)}；分界 {n(bound)}（{side}{n(abs(dist)) if dist else ''}）",
                        f"总分{n(total)}分{side}{n(bound)}分等级分界{'' if dist == 0 else n(abs(dist)) + '分'}，"
                        f"评为“{g}”，等级对评分误差敏感，应复核。")
