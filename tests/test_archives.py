"""Workbooks sent inside a .zip: each read as if it lay in the folder, named 单位.zip/表.xlsx, its copy written under
the output folder; what an archive cannot give is said on the archive's own line (recalc/archives.py)."""
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest

from perfeval_xl.recalc.batch import run_batch

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"
SEED1, SEED3 = EX / "seed001_评分表.xlsx", EX / "seed003_项目.xlsx"


def make_zip(path: Path, members: dict[str, bytes], raw_names: dict[str, bytes] | None = None,
             encrypted: tuple[str, ...] = ()) -> Path:
    """A .zip of ``members``; ``raw_names`` stores a member's name as those bytes without the UTF-8 flag (as Chinese
    Windows writes GBK, or Info-ZIP UTF-8); ``encrypted`` marks members as password-protected (flag bit 0)."""
    raw_names = raw_names or {}
    buf = io.BytesIO()
    placeholders = {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, data) in enumerate(members.items()):
            stored = name
            if name in raw_names:      # an ASCII stand-in of the same length, patched below
                stored = chr(ord("a") + i) * len(raw_names[name])
                placeholders[stored.encode()] = raw_names[name]
            z.writestr(stored, data)
    data = buf.getvalue()
    for stand_in, raw in placeholders.items():
        data = data.replace(stand_in, raw)
    data = bytearray(data)
    for name in encrypted:
        needle = name.encode()
        for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = 0
            while (at := data.find(sig, at)) >= 0:
                name_at = at + (30 if sig == b"PK\x03\x04" else 46)
                if data[name_at:name_at + len(needle)] == needle:
                    data[at + flag_at] |= 0x1
                at += 4
    path.write_bytes(bytes(data))
    return path


def batch(folder: Path, out: Path, **kw) -> dict[str, dict]:
    summary = run_batch([folder], out, jobs=1, progress=None, isolate=False, **kw)
    json.dumps(summary, ensure_ascii=False)
    return {w["path"]: w for w in summary["workbooks"]}


def test_workbooks_in_a_zip_are_read_and_copied_under_its_name(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    make_zip(inp / "单位A报送.zip", {"自评表.xlsx": SEED3.read_bytes(), "附件/评分表.xlsx": SEED1.read_bytes(),
                                   "说明.docx": b"not a workbook", "__MACOSX/._自评表.xlsx": b"\0"})
    shutil.copy(SEED1, inp / "单位B.xlsx")
    by = batch(inp, tmp_path / "out")
    assert list(by) == ["单位A报送.zip/自评表.xlsx", "单位A报送.zip/附件/评分表.xlsx", "单位B.xlsx"]
    a = by["单位A报送.zip/自评表.xlsx"]
    # the same form, the same figures as the workbook itself (seed 003: total 79.99, 中, PE-B202 on E6)
    assert a["sheets"][0]["total"] == 79.99 and a["sheets"][0]["grade"] == "中"
    assert ("PE-B202", "E6") in {(f["code"], f["cell"]) for f in a["sheets"][0]["findings"]}
    assert a["notes"] == []                 # the path says where it came from
    assert (tmp_path / "out" / "单位A报送.zip" / "自评表.xlsx").is_file()
    assert (tmp_path / "out" / "单位A报送.zip" / "附件" / "评分表.xlsx").is_file()
    # what else the archive held is named with the folder's other files; the Mac's resource forks are not
    summary = run_batch([inp], tmp_path / "out2", jobs=1, progress=None, isolate=False)
    assert summary["others"] == ["单位A报送.zip/说明.docx"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_names_stored_without_the_utf8_flag(encoding, tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    make_zip(inp / "报送.zip", {"自评表.xlsx": SEED1.read_bytes()}, raw_names={"自评表.xlsx": "自评表.xlsx".encode(encoding)})
    assert not zipfile.ZipFile(inp / "报送.zip").infolist()[0].flag_bits & 0x800
    by = batch(inp, tmp_path / "out")
    assert list(by) == ["报送.zip/自评表.xlsx"]
    assert (tmp_path / "out" / "报送.zip" / "自评表.xlsx").is_file()


def test_a_member_name_cannot_climb_out_of_the_output_folder(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    make_zip(inp / "x.zip", {"../../evil.xlsx": SEED1.read_bytes(), "/abs/C:/y.xlsx": SEED1.read_bytes()})
    by = batch(inp, tmp_path / "out")
    assert sorted(by) == ["x.zip/abs/y.xlsx", "x.zip/evil.xlsx"]
    assert not (tmp_path / "evil.xlsx").exists() and (tmp_path / "out" / "x.zip" / "evil.xlsx").is_file()
    assert by["x.zip/evil.xlsx"]["notes"][0] == "取自压缩包 x.zip，其中存为 ../../evil.xlsx"


def test_what_an_archive_cannot_give_is_said_on_its_own_line(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    make_zip(inp / "照片.zip", {"a.jpg": b"\xff\xd8"})
    (inp / "坏.zip").write_bytes(b"PK\x03\x04 broken")
    make_zip(inp / "加密.zip", {"自评表.xlsx": SEED1.read_bytes(), "评分表.xlsx": SEED1.read_bytes()},
             encrypted=("评分表.xlsx",))
    make_zip(inp / "套娃.zip", {"内层.zip": b"PK", "自评表.xlsx": SEED1.read_bytes()})
    make_zip(inp / "炸弹.zip", {"自评表.xlsx": b"\0" * (8 << 20)})
    (inp / "单位.rar").write_bytes(b"Rar!\x1a\x07\x00")
    by = batch(inp, tmp_path / "out")
    code = {k: (w["error"] or {}).get("code") for k, w in by.items()}
    assert code == {"照片.zip": "PE-W014", "坏.zip": "PE-W001", "加密.zip/自评表.xlsx": None, "加密.zip": "PE-W003",
                    "套娃.zip/自评表.xlsx": None, "套娃.zip": "PE-W014", "炸弹.zip": "PE-W009", "单位.rar": "PE-W014"}
    assert "评分表.xlsx" in by["加密.zip"]["error"]["message"] and "密码" in by["加密.zip"]["error"]["message"]
    assert "内层.zip" in by["套娃.zip"]["error"]["message"] and "解压后重新运行" in by["单位.rar"]["error"]["message"]
    # an archive's own line follows the workbooks it gave
    paths = list(by)
    assert paths.index("加密.zip") == paths.index("加密.zip/自评表.xlsx") + 1


def test_an_excel_workbook_named_zip_is_a_workbook(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(SEED3, inp / "改名.zip")
    by = batch(inp, tmp_path / "out")
    (w,) = by.values()
    assert w["sheets"][0]["total"] == 79.99 and any("内容是 Excel 工作簿" in n for n in w["notes"])


def test_in_place_leaves_the_archive_alone_and_copies_its_workbooks_to_out(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    z = make_zip(inp / "报送.zip", {"自评表.xlsx": SEED1.read_bytes()})
    before = z.read_bytes()
    by = batch(inp, tmp_path / "out", in_place=True)
    w = by["报送.zip/自评表.xlsx"]
    assert z.read_bytes() == before and not list(inp.glob("*.bak"))
    assert w["output"] and (tmp_path / "out" / "报送.zip" / "自评表.xlsx").is_file()
    assert any("不能就地更新" in n for n in w["notes"])


def test_extracted_members_are_removed_after_the_batch(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    inp = tmp_path / "in"
    inp.mkdir()
    make_zip(inp / "报送.zip", {"自评表.xlsx": SEED1.read_bytes()})
    batch(inp, tmp_path / "out")
    assert list(scratch.iterdir()) == []
