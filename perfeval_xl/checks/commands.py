"""``perfeval-xl rules``: the findings catalog (``validate`` runs with the batch, in perfeval_xl.recalc)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..console import say
from .catalog import iter_catalog, render_markdown

LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="列出校验规则目录", description="列出全部校验规则：编号、级别、标题。")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（含说明、依据、示例、阈值）")
    p.add_argument("--markdown", action="store_true", help="输出 docs/rules.md 的内容")
    p.set_defaults(func=_rules)


def _rules(args: argparse.Namespace) -> int:
    if args.markdown:
        print(render_markdown(), end="")
        return 0
    rules = list(iter_catalog())
    if args.json:
        print(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity, "group": r.group, "title": r.title,
                           "explanation": r.explanation, "basis": r.basis, "example": r.example,
                           "thresholds": list(r.thresholds)} for r in rules], ensure_ascii=False, indent=1))
        return 0
    for r in rules:
        say(f"{r.code}  {LEVEL[r.severity]}  {r.title}")
    return 0


def write_docs(path: str | Path = "docs/rules.md") -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_markdown(), encoding="utf-8")
    return p
