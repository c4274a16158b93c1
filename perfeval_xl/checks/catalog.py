"""The findings catalog: every rule with a stable code, a severity, a Chinese title, its basis and a check.

Codes are grouped like a linter's:

* ``PE-A1xx`` arithmetic — parts that must add up, scores within weights, stated rates and grades;
* ``PE-B2xx`` budget — 执行率, 调整率, 到位率, 政府采购执行率, spending above funds;
* ``PE-S3xx`` self-scoring — scores that contradict the data or the printed 评分标准;
* ``PE-T4xx`` targets — unquantified targets, text where numbers belong, first-level split;
* ``PE-G5xx`` boundary — totals next to a grade boundary.

A rule's ``check(ctx)`` yields :class:`~perfeval_xl.model.Finding` s; thresholds come from ``ctx.profile``.
``docs/rules.md`` is generated from this catalog (``render_markdown``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from ..engine.profile import NATIONAL, Profile
from ..engine.scoring import FormScore, score_form
from ..model import Finding, Form

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
GROUPS = {"A": "算术一致性", "B": "预算执行", "S": "自评打分", "T": "绩效目标", "G": "等级临界"}


@dataclass
class Context:
    form: Form
    score: FormScore
    profile: Profile
    #: what several rules work out of the same indicator, once a form (keyed by the rule's helper and the indicator)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sheet(self) -> str:
        return self.form.sheet


@dataclass(frozen=True)
class CheckRule:
    code: str
    name: str                  # identifier, e.g. "score-above-weight"
    severity: str
    title: str                 # one-line Chinese title
    explanation: str           # what and why, with the basis
    basis: str                 # national or local basis
    example: str               # a case that triggers it
    thresholds: tuple[str, ...] = ()   # profile keys the rule reads
    check: Callable[[Context], Iterable[Finding]] = field(default=lambda ctx: (), compare=False, repr=False)

    @property
    def group(self) -> str:
        return GROUPS[self.code[3]]

    def finding(self, ctx: Context, cell: str | None, evidence: str, message: str, severity: str | None = None) -> Finding:
        return Finding(code=self.code, severity=severity or self.severity, sheet=ctx.sheet, cell=cell,
                       evidence=shortened(evidence), message=shortened(message), title=self.title)


#: a finding quotes the form's own text (a target, a criterion); past this many characters the middle of what it says
#: is left out, so that a 40,000-character cell does not make a 40,000-character message (nor overflow Excel's
#: 32,767-character cell in 校验结果 and summary.xlsx)
MESSAGE_CHARS = 1000


def shortened(text: str) -> str:
    if len(text) <= MESSAGE_CHARS:
        return text
    head, tail = MESSAGE_CHARS * 3 // 4, MESSAGE_CHARS // 5
    return f"{text[:head]}……（中间 {len(text) - head - tail} 字略）……{text[-tail:]}"


CATALOG: dict[str, CheckRule] = {}


def rule(code: str, name: str, severity: str, title: str, explanation: str, basis: str, example: str,
         thresholds: tuple[str, ...] = ()) -> Callable[[Callable[[CheckRule, Context], Iterable[Finding]]], CheckRule]:
    """Register a check; the decorated function receives (rule, ctx)."""

    def deco(fn: Callable[[CheckRule, Context], Iterable[Finding]]) -> CheckRule:
        holder: dict[str, CheckRule] = {}
        r = CheckRule(code, name, severity, title, explanation, basis, example, thresholds,
                      check=lambda ctx: fn(holder["r"], ctx))
        holder["r"] = r
        if code in CATALOG:
            raise ValueError(f"duplicate rule code {code}")
        CATALOG[code] = r
        return r

    return deco


def run_checks(form: Form, profile: Profile = NATIONAL, score: FormScore | None = None,
               select: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the catalog on one form, most severe first, then by cell."""
    from . import rules as _rules  # noqa: F401  (registers the catalog)

    ctx = Context(form, score or score_form(form, profile), profile)
    wanted = set(select) if select else None
    found: list[Finding] = []
    for code, r in sorted(CATALOG.items()):
        if wanted and code not in wanted:
            continue
        found.extend(r.check(ctx))
    return sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, _cell_key(f.cell)))


@lru_cache(maxsize=4096)
def _cell_key(cell: str | None) -> tuple[int, str]:
    """A finding's cell as it sorts (kept per cell: the same cells recur down a form and across a batch)."""
    if not cell:
        return (0, "")
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (int(digits) if digits else 0, cell)


def iter_catalog() -> Iterator[CheckRule]:
    from . import rules as _rules  # noqa: F401

    yield from (CATALOG[c] for c in sorted(CATALOG))


def render_markdown() -> str:
    """docs/rules.md, generated from the catalog."""
    level = {"error": "错误", "warning": "警告", "info": "提示"}
    lines = ["# 校验规则目录", "",
             "每条问题都有一个编号：PE- 后的字母是类别（A 算术一致性，B 预算执行，G 等级临界，S 自评打分，T 绩效目标），"
             "级别“错误”表示数据矛盾或计算错误，须更正；“警告”表示须核实或说明；“提示”供参考。"
             "阈值可在配置文件（profile）中调整。", "",
             "Generated from `perfeval_xl/checks/rules.py` by `perfeval-xl rules --markdown`; do not edit by hand.", "",
             "| 编号 | 级别 | 问题 | 阈值（配置项） |", "|---|---|---|---|"]
    rules = list(iter_catalog())
    for r in rules:
        lines.append(f"| [{r.code}](#{r.code.lower()}) | {level[r.severity]} | {r.title} | {', '.join(r.thresholds) or '—'} |")
    current = None
    for r in rules:
        if r.group != current:
            current = r.group
            lines += ["", f"## {current}"]
        lines += ["", f'<a id="{r.code.lower()}"></a>', "", f"### {r.code} {r.title}（{level[r.severity]}）", "",
                  r.explanation, "", f"- 依据：{r.basis}", f"- 示例：{r.example}", f"- 内部名称：`{r.name}`"]
        if r.thresholds:
            defaults = "，".join(f"`{t}` = {getattr(NATIONAL, t)!r}" for t in r.thresholds)
            lines.append(f"- 阈值（配置项，全国默认值）：{defaults}")
    return "\n".join(lines) + "\n"
