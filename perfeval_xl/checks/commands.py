"""``perfeval-xl validate FILE...`` and ``perfeval-xl rules``.

validate exits 0 when no error-severity finding, 1 when there is one, 2 when an input could not be read.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..engine.profile import ProfileError, load_profile
from ..workbook.errors import WorkbookError
from ..workbook.reader import read_workbook
from .catalog import iter_catalog, render_markdown, run_checks

LEVEL = {"error": "错误", "warning": "警告", "info": "提示"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="校验工作簿并列出问题 (validate workbooks)")
    p.add_argument("files", nargs="+", help=".xlsx/.xlsm/.xls 文件")
    p.add_argument("--json", action="store_true", help="JSON 输出")
    p.add_argument("--profile", help="配置：national、sichuan 或 .toml 路径")
    p.set_defaults(func=_validate)
    p = sub.add_parser("rules", help="列出校验规则目录 (list the findings catalog)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="输出 docs/rules.md 的内容")
    p.set_defaults(func=_rules)


def _validate(args: argparse.Namespace) -> int:
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        print(f"[PE-P001] {exc}")
        return 2
    status = 0
    out: list[dict] = []
    for path in args.files:
        try:
            forms = read_workbook(path)
        except WorkbookError as exc:
            status = 2
            if args.json:
                out.append({"path": str(path), "error": exc.as_dict()})
            else:
                print(f"{path}\n  无法读取 {exc}")
            continue
        for form in forms:
            findings = run_checks(form, profile)
            if any(f.severity == "error" for f in findings) and status == 0:
                status = 1
            if args.json:
                out.extend({**f.as_dict(), "path": str(path)} for f in findings)
                continue
            counts = {s: sum(f.severity == s for f in findings) for s in LEVEL}
            print(f"{path} ［{form.sheet}］ {form.project or ''}："
                  + "，".join(f"{LEVEL[s]} {c}" for s, c in counts.items()))
            for f in findings:
                print(f"  {f.code} {LEVEL[f.severity]} {f.sheet}!{f.cell or '-'}  {f.message}  〔{f.evidence}〕")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return status


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
        print(f"{r.code}  {r.severity:7s}  {r.title}")
    return 0


def write_docs(path: str | Path = "docs/rules.md") -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_markdown(), encoding="utf-8")
    return p
