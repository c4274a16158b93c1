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

_SPACE = re.compile(r"\s+")
#: what an entry's ``repeats`` say of each other file: the same bytes, or the same project and unit (and budget)
SAME_BYTES, SAME_FORM = "内容完全相同", "项目和单位相同"


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
    same project of the same unit with the same budget on a recognised form: SAME_FORM. Every entry gets ``repeats``:
    [{"path": other file, "same": SAME_BYTES or SAME_FORM}], empty for most."""
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
    same_form: dict[tuple[str, str, Any], list[str]] = defaultdict(list)
    for entry in entries:
        for sheet in entry.get("sheets") or ():
            project, unit = _key(sheet.get("project")), _key(sheet.get("unit"))
            budget = sheet.get("budget")
            key = (project, unit, round(budget, 2) if isinstance(budget, (int, float)) else None)
            if project and unit and entry["path"] not in same_form[key]:
                same_form[key].append(entry["path"])
    form_of: dict[str, list[str]] = defaultdict(list)
    for (project, _unit, _budget), paths in same_form.items():
        for p in paths:
            others = [q for q in paths if q != p and q not in twin_of[p]]     # a byte-for-byte twin is said above
            form_of[p] += [q for q in others if q not in form_of[p]]
            if others:
                said[p].append(f"与 {'、'.join(others)} 的项目（{project}）和单位相同：可能是重复报送或修改稿，"
                               "请确认以哪一份为准")
    for entry in entries:
        path = entry["path"]
        entry["repeats"] = ([{"path": q, "same": SAME_BYTES} for q in sorted(twin_of[path])]
                            + [{"path": q, "same": SAME_FORM} for q in form_of[path]])
        if path in said:
            entry["notes"] = list(entry.get("notes") or []) + said[path]
