"""``perfeval-xl template NAME`` and ``perfeval-xl read FILE``."""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from .errors import WorkbookError
from .reader import read_workbook
from .templates import ALIASES, TEMPLATES, write_template


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="生成空白模板 (write a blank form)")
    p.add_argument("name", choices=[*TEMPLATES, *ALIASES, "all"], help="自评表 / 评分表 / 部门整体 / all")
    p.add_argument("--out", default="workbooks/templates", help="输出目录")
    p.set_defaults(func=_template)
    p = sub.add_parser("read", help="识别工作簿中的表单 (show the recognised forms)")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_read)


def _template(args: argparse.Namespace) -> int:
    names = list(TEMPLATES) if args.name == "all" else [args.name]
    for n in names:
        print(write_template(n, args.out))
    return 0


def _read(args: argparse.Namespace) -> int:
    status = 0
    out = []
    for path in args.files:
        try:
            forms = read_workbook(path)
        except WorkbookError as exc:
            print(str(exc)) if not args.json else out.append({"path": path, "error": exc.as_dict()})
            status = 2
            continue
        for f in forms:
            if args.json:
                d = asdict(f)
                d["groups"] = {f"{k[0]}/{k[1]}": v for k, v in f.groups.items()}
                out.append(d)
            else:
                print(f"{path} ［{f.sheet}］ {f.kind} {f.project or ''}：{len(f.indicators)} 个指标，"
                      f"总分 {f.total_stated}，等级 {f.grade_stated}")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1, default=str))
    return status
