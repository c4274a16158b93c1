"""Run profiles: the national defaults and the local choices a province or evaluator may override.

A profile is a small TOML file; every key is optional and falls back to the national default
(财预〔2020〕10号 and the 单位自评 practice built on it). Two ship with the package:
``national`` and ``sichuan``. ``load_profile("path/to/my.toml")`` reads any other.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

EXECUTION_BASES = ("arrived", "annual", "adjusted", "adjusted_with_carryover")
REVERSE_CONVENTIONS = ("ratio", "linear", "deduct")
#: How a reviewer reads each convention for "lower is better" indicators (explanations are in Chinese).
CONVENTION_LABELS = {"ratio": "目标值/实际值比例", "linear": "线性递减", "deduct": "超出比例扣分"}


class ProfileError(ValueError):
    """A profile file with an unknown key or a value out of range."""


@dataclass(frozen=True)
class Profile:
    name: str = "national"
    #: 预算执行率 denominator: 实际到位资金 / 全年预算数 / 调整后预算数 / 调整后 incl. 上年结转
    execution_base: str = "annual"
    #: reverse (≤ target) scoring when missed: target/actual×weight, linear to 0 at 2×target, or per-% deduction
    reverse_convention: str = "ratio"
    reverse_deduct_points: float = 1.0        # with "deduct": points per ``reverse_deduct_per`` % over
    reverse_deduct_per: float = 1.0
    #: qualitative tiers: 达成 ≥ upper, 部分达成 ≥ lower (60% nationally, 50% in one local variant)
    tier_upper: float = 0.8
    tier_lower: float = 0.6
    #: over-completion: actual ≥ threshold × target gets full marks and a finding
    over_completion: float = 1.2
    #: grade lower bounds (inclusive)
    grade_excellent: float = 90.0
    grade_good: float = 80.0
    grade_pass: float = 60.0
    boundary_margin: float = 0.5
    #: first-level split of 100 points expected on 自评表
    first_level_split: dict[str, float] = field(
        default_factory=lambda: {"预算执行率": 10.0, "产出": 50.0, "效益": 30.0, "满意度": 10.0}
    )
    #: checks' thresholds
    execution_explain_below: float = 0.9      # 执行率 under this needs an explanation
    execution_severe_below: float = 0.6
    adjustment_tiers: tuple[float, ...] = (0.1, 0.2, 0.3)   # |调整率| tiers; beyond the last scores nothing
    procurement_low_below: float = 0.9
    output_benefit_min_share: float = 0.6     # 产出 + 效益 ≥ 60% on evaluation forms
    dominant_share: float = 0.5               # one indicator over this share of the points: 指标体系失衡
    tolerance: float = 0.005                  # stated vs computed figures (points or fraction·100)

    def with_options(self, **options: Any) -> "Profile":
        return _validated(replace(self, **_coerce(options)))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_FIELD_NAMES = {f.name for f in fields(Profile)}


def _coerce(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - _FIELD_NAMES
    if unknown:
        raise ProfileError(f"配置项未知：{', '.join(sorted(unknown))}（可用：{', '.join(sorted(_FIELD_NAMES))}）")
    out = dict(data)
    if "adjustment_tiers" in out:
        out["adjustment_tiers"] = tuple(float(x) for x in out["adjustment_tiers"])
    if "first_level_split" in out:
        out["first_level_split"] = {str(k): float(v) for k, v in out["first_level_split"].items()}
    return out


def _validated(p: Profile) -> Profile:
    if p.execution_base not in EXECUTION_BASES:
        raise ProfileError(f"execution_base 须为 {EXECUTION_BASES} 之一，得到 {p.execution_base!r}")
    if p.reverse_convention not in REVERSE_CONVENTIONS:
        raise ProfileError(f"reverse_convention 须为 {REVERSE_CONVENTIONS} 之一，得到 {p.reverse_convention!r}")
    if not 0 < p.tier_lower < p.tier_upper <= 1:
        raise ProfileError("须满足 0 < tier_lower < tier_upper ≤ 1")
    if not p.grade_pass < p.grade_good < p.grade_excellent:
        raise ProfileError("须满足 grade_pass < grade_good < grade_excellent")
    if p.over_completion < 1:
        raise ProfileError("over_completion 须 ≥ 1")
    return p


NATIONAL = Profile()


def load_profile(source: str | Path | None = None, **overrides: Any) -> Profile:
    """Load a profile by shipped name ("national", "sichuan") or TOML path; keyword overrides win."""
    if source is None or source == "national":
        data: dict[str, Any] = {}
        name = "national"
    else:
        path = Path(source)
        if not path.suffix:
            try:
                text = resources.files("perfeval_xl.profiles").joinpath(f"{source}.toml").read_text("utf-8")
            except FileNotFoundError:
                raise ProfileError(f"找不到配置 {source!r}：内置配置有 national、sichuan，或给出 .toml 文件路径") from None
            name = str(source)
        else:
            try:
                text = path.read_text("utf-8")
            except OSError as exc:
                raise ProfileError(f"无法读取配置文件 {path}：{exc}") from None
            name = path.stem
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"配置文件 {source} 不是有效的 TOML：{exc}") from None
        data = dict(data.get("profile", data))
        name = data.pop("name", name)
    data.update(overrides)
    return _validated(replace(NATIONAL, name=name, **_coerce(data)))
