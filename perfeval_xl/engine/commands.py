"""``perfeval-xl score``: score one indicator from the shell (the same call as =PE_SCORE)."""
from __future__ import annotations

import argparse
import json
import sys

from ..console import usage_error
from ..engine.profile import ProfileError, load_profile
from .api import score


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="计算单个指标得分（与 =PE_SCORE 相同）",
                       description="例：perfeval-xl score 15 '≥38000人' '36667人' --criterion '低于目标每1%扣1分，扣完为止'")
    p.add_argument("weight", metavar="分值", help="分值，如 15")
    p.add_argument("target", metavar="目标值", help="目标值，如 ≥38000人")
    p.add_argument("actual", metavar="实际值", help="实际完成值，如 36667人")
    p.add_argument("--criterion", "-c", metavar="评分标准", help="评分标准文字或规则名")
    p.add_argument("--profile", metavar="配置", help="national（默认）、sichuan 或 .toml 文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        return usage_error("PE-P001", str(exc))
    s = score(args.weight, args.target, args.actual, args.criterion, profile=profile)
    if args.json:
        print(json.dumps({"score": s.value, "weight": s.weight, "rule": s.rule, "completion": s.completion,
                          "explanation": s.explanation, "error": s.error}, ensure_ascii=False))
    elif s.value is None:
        print(f"无法计分：{s.error}", file=sys.stderr)
    else:
        print(f"{s.value:g}\t{s.explanation}")
    return 0 if s.value is not None else 2
