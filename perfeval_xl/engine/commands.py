"""``perfeval-xl score``: score one indicator from the shell (the same call as =PE_SCORE)."""
from __future__ import annotations

import argparse
import json

from ..engine.profile import ProfileError, load_profile
from .api import score


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="计算单个指标得分 (score one indicator)",
                       description="例：perfeval-xl score 15 '≥38000人' '36667人' --criterion '低于目标每1%扣1分，扣完为止'")
    p.add_argument("weight", help="分值")
    p.add_argument("target", help="目标值，如 ≥38000人")
    p.add_argument("actual", help="实际完成值，如 36667人")
    p.add_argument("--criterion", "-c", help="评分标准文字或规则名")
    p.add_argument("--profile", help="配置：national、sichuan 或 .toml 路径")
    p.add_argument("--json", action="store_true", help="JSON 输出")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        print(f"错误 [PE-P001]：{exc}")
        return 2
    s = score(args.weight, args.target, args.actual, args.criterion, profile=profile)
    if args.json:
        print(json.dumps({"score": s.value, "weight": s.weight, "rule": s.rule, "completion": s.completion,
                          "explanation": s.explanation, "error": s.error}, ensure_ascii=False))
    elif s.value is None:
        print(f"无法计分：{s.error}")
    else:
        print(f"{s.value:g}\t{s.explanation}")
    return 0 if s.value is not None else 2
