"""What only the whole batch shows: the same form sent twice. A unit that resends its 自评表 (自评表.xlsx and
自评表（修改）.xlsx), or two files with the same bytes under two names, would each be reviewed and counted on its own; the
reviewer has to decide which one stands. ``mark_repeats(entries, sources, most)`` says so in a note on each file of
such a group (a note, not a finding: nothing in either form is wrong)."""
from __future__ import annotations

import os
import re
import stat
from collections import defaultdict
from typing import Any

from ..xlio.wordtables import WORD_SUFFIXES

_SPACE = re.compile(r"\s+")
#: what an entry's ``repeats`` say of each other file: the same bytes, or the same project and unit (and budget)
SAME_BYTES, SAME_FORM = "内容完全相同", "项目和单位相同"
#: the same form as a workbook and as a table in a Word document (a report's 附件)
SAME_ANNEX = "Word 文档中的同一张表"


def _key(text: Any) -> str:
    """A project or unit name as compared: spaces dropped, full-width brackets as half-width."""
    return _SPACE.sub("", str(text or "")).replace("（", "(").replace("）", ")")


def _digest(path: str, most: int) -> str | None:
    """The file's SHA-256, or None: only a regular file of at most ``most`` bytes is read (a FIFO or a device named
    in the batch would block or never end here, in the parent, outside any worker's time budget)."""
    import hashlib      # here, not at import: OpenSSL's library would be mapped into every batch worker (1.7 MB)

    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > most:
            return None
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def mark_repeats(entries: list[dict[str, Any]], sources: dict[str, str], most: int) -> None:
    """Add to each entry of a group of repeats a note naming the others. ``sources``: {entry path: the file read};
    ``most``: the largest file compared byte for byte (the batch's file-size limit). Same bytes: SAME_BYTES; else the
    same project of the same unit with the same budget on a recognised form: SAME_FORM, or SAME_ANNEX when one of the
    two is a Word document. Every entry gets ``repeats``: [{"path": other file, "same": SAME_BYTES, SAME_FORM or
    SAME_ANNEX, and for the last two "differs": the figures filled in differently (:func:`differences`)}], empty for
    most."""
    same_bytes: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        src = sources.get(entry["path"])
        digest = _digest(src, most) if src else None
        if digest:
            same_bytes[digest].append(entry["path"])
    said: dict[str, list[str]] = defaultdict(list)
    twin_of: dict[str, set[str]] = defaultdict(set)
    for paths in same_bytes.values():
        if len(paths) > 1:
            for p in paths:
                twin_of[p] = set(paths) - {p}
                others = "、".join(q for q in paths if q != p)
                said[p].append(f"与 {others} 内容完全相同：同一份表单报送了不止一次，汇总中重复计数，请只保留一份")
    # the same project of the same unit with the same budget: one form twice (another year's form of a recurring
    # project, in the same folder, has its own budget and is not one of them)
    same_form: dict[tuple[str, str, Any], dict[str, dict[str, Any]]] = defaultdict(dict)
    for entry in entries:
        for sheet in entry.get("sheets") or ():
            project, unit = _key(sheet.get("project")), _key(sheet.get("unit"))
            budget = sheet.get("budget")
            key = (project, unit, round(budget, 2) if isinstance(budget, (int, float)) else None)
            if project and unit:
                same_form[key].setdefault(entry["path"], sheet)
    form_of: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)     # path → {other path: its repeat}
    for (project, _unit, _budget), sheets in same_form.items():
        for p, sheet in sheets.items():
            others = [q for q in sheets if q != p and q not in twin_of[p] and q not in form_of[p]]
            alike: dict[tuple[bool, tuple[str, ...]], list[str]] = {}     # the others that differ from p alike
            for q in others:
                word, diffs = _is_word(p) != _is_word(q), differences(sheet, sheets[q])
                form_of[p][q] = {"path": q, "same": SAME_ANNEX if word else SAME_FORM, "differs": diffs}
                alike.setdefault((word, tuple(diffs)), []).append(q)
            for (word, diffs), qs in alike.items():
                said[p].append(_same_form_note("、".join(qs), project, word, list(diffs)))
    for entry in entries:
        path = entry["path"]
        entry["repeats"] = ([{"path": q, "same": SAME_BYTES} for q in sorted(twin_of[path])]
                            + list(form_of[path].values()))
        if path in said:
            entry["notes"] = list(entry.get("notes") or []) + said[path]


def _is_word(path: str) -> bool:
    return path.lower().endswith(WORD_SUFFIXES)


def _same_form_note(others: str, project: str, word: bool, diffs: list[str]) -> str:
    """What is said of a file about ``others``, files holding the same project's form (``word``: a Word document's
    table on one side and a workbook on the other, as a report's 附件 and the 自评表 it copies)."""
    what = "Word 文档中的表格与工作簿是同一张自评表" if word else "可能是重复报送或修改稿"
    if not diffs:
        return (f"与 {others} 的项目（{project}）和单位相同：{what}，填报的数据一致"
                + ("" if word else "，请确认以哪一份为准"))
    shown = "；".join(diffs[:4]) + (f" 等 {len(diffs)} 处" if len(diffs) > 4 else "")
    return (f"与 {others} 的项目（{project}）和单位相同：{what}，但填报的数据不同（本文件 / 对方：{shown}），"
            "请确认以哪一份为准")


def _shown(v: Any) -> str:
    if v is None or v == "":
        return "空"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return abs(a - b) < 5e-7 * max(1.0, abs(a), abs(b))
    if isinstance(a, str) and isinstance(b, str):
        return _key(a) == _key(b)
    return (a in (None, "")) == (b in (None, "")) and (a in (None, "") or a == b)


def _same_figure(a: Any, b: Any) -> bool:
    """The same figure written two ways: 100 and "100%", 0.95 and "95％", "≥95%" and "95%" as an actual."""
    if _same(a, b):
        return True
    from ..engine.quantity import PERCENT, parse_quantity

    try:
        qa, qb = parse_quantity(a), parse_quantity(b)
    except ValueError:
        return False
    if qa.value is None or qb.value is None:
        return False
    if qa.unit == qb.unit:
        return _same(qa.value, qb.value)
    if qa.unit == PERCENT:
        qa, qb = qb, qa
    if qb.unit == PERCENT and qa.is_bare:       # a bare 100 beside "100%": the percent in either of its scales
        return _same(qa.value, qb.value * 100) or _same(qa.value, qb.value)
    return False


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The figures two files fill in differently for the same form, as "what a / b": the stated total and grade,
    and each indicator's weight, actual and score by its name (an indicator only one of them lists: said too)."""
    out: list[str] = []
    for field, name in (("total_stated", "填报总分"), ("grade_stated", "填报等级")):
        if not _same(a.get(field), b.get(field)):
            out.append(f"{name} {_shown(a.get(field))} / {_shown(b.get(field))}")
    ia = {_key(i["name"]): i for i in a.get("indicators") or ()}
    ib = {_key(i["name"]): i for i in b.get("indicators") or ()}
    for key, i in ia.items():
        j = ib.get(key)
        if j is None:
            out.append(f"指标“{i['name']}” 有 / 无")
            continue
        for field, name in (("weight", "分值"), ("actual", "实际完成值"), ("score_stated", "得分")):
            if not (_same_figure if field == "actual" else _same)(i.get(field), j.get(field)):
                out.append(f"“{i['name']}”{name} {_shown(i.get(field))} / {_shown(j.get(field))}")
    out += [f"指标“{j['name']}” 无 / 有" for key, j in ib.items() if key not in ia]
    return out
