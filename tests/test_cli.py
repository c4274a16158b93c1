"""The command-line contract, case by case as a new user met it: exit code, one coded Chinese line,
no traceback, inputs unchanged."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from libreoffice import convert, needs_libreoffice

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"
SEED1 = EX / "seed001_评分表.xlsx"


def cli(*args, cwd=None, encoding="utf-8", env=None):
    e = {**os.environ, "PYTHONIOENCODING": encoding, **(env or {})}
    e["PYTHONPATH"] = str(ROOT)
    r = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", *map(str, args)], cwd=cwd or ROOT,
                       capture_output=True, env=e, timeout=300)
    r.out, r.err = r.stdout.decode(encoding), r.stderr.decode(encoding)
    assert "Traceback" not in r.out + r.err, r.err
    return r


def tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def one_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(EX, folder)
    return folder


# ---------------------------------------------------------------- outputs that would overwrite or surprise

def test_recalc_out_an_existing_file(inputs, tmp_path):
    before = tree(inputs)
    r = cli("recalc", inputs, "--out", inputs / "seed001_评分表.xlsx")
    assert r.returncode == 2 and "[PE-R006]" in one_line(r.err) and tree(inputs) == before


def test_recalc_out_the_input_folder(inputs):
    before = tree(inputs)
    r = cli("recalc", inputs, "--out", inputs)
    assert r.returncode == 2 and "[PE-R004]" in one_line(r.err) and tree(inputs) == before


def test_template_out_a_file_writes_that_file_and_never_over_one(tmp_path):
    r = cli("template", "自评表", "--out", tmp_path / "my.xlsx")
    assert r.returncode == 0 and (tmp_path / "my.xlsx").is_file()
    before = (tmp_path / "my.xlsx").read_bytes()
    (tmp_path / "my.xlsx").write_bytes(b"my own work")
    r = cli("template", "自评表", "--out", tmp_path / "my.xlsx")
    assert r.returncode == 2 and "[PE-R006]" in one_line(r.err) and "--force" in r.err
    assert (tmp_path / "my.xlsx").read_bytes() == b"my own work"
    assert cli("template", "自评表", "--out", tmp_path / "my.xlsx", "--force").returncode == 0
    assert (tmp_path / "my.xlsx").read_bytes() == before
    r = cli("template", "all", "--out", tmp_path / "t")
    assert r.returncode == 0 and sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "自评表模板.xlsx", "评分表模板.xlsx", "部门整体模板.xlsx"]


def test_freeze_refuses_its_input_as_output(tmp_path):
    src = tmp_path / "a.xlsx"
    shutil.copy(SEED1, src)
    before = src.read_bytes()
    r = cli("freeze", src, "--out", src)
    assert r.returncode == 2 and "[PE-R004]" in one_line(r.err) and src.read_bytes() == before
    (tmp_path / "b.xlsx").write_bytes(b"keep me")
    r = cli("freeze", src, "--out", tmp_path / "b.xlsx")
    assert r.returncode == 2 and (tmp_path / "b.xlsx").read_bytes() == b"keep me"
    r = cli("freeze", src, "--out", tmp_path / "c.xlsx")
    assert r.returncode == 0 and "替换为普通 Excel 公式" in r.out and src.read_bytes() == before


def test_in_place_writes_its_summary_where_told_not_in_the_current_folder(inputs, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    r = cli("recalc", inputs, "--in-place", cwd=cwd)
    assert r.returncode == 2 and "[PE-R002]" in one_line(r.err) and not any(cwd.iterdir())
    r = cli("recalc", inputs / "seed001_评分表.xlsx", "--in-place", "--out", tmp_path / "sum", cwd=cwd)
    assert r.returncode == 0 and not any(cwd.iterdir())
    assert (tmp_path / "sum" / "summary.xlsx").exists() and (inputs / "seed001_评分表.xlsx.bak").exists()


# ---------------------------------------------------------------- inputs that name nothing

def test_empty_folder_missing_folder_and_glob_without_matches(tmp_path):
    (tmp_path / "empty").mkdir()
    r = cli("recalc", tmp_path / "empty", "--out", tmp_path / "o")
    assert r.returncode == 2 and "[PE-R005]" in one_line(r.err) and not (tmp_path / "o").exists()
    r = cli("recalc", tmp_path / "missing", "--out", tmp_path / "o")
    assert r.returncode == 2 and "[PE-R001]" in one_line(r.err) and not (tmp_path / "o").exists()
    r = cli("validate", str(tmp_path / "*.xlsx"))
    assert r.returncode == 2 and "[PE-R005]" in one_line(r.err)


# ---------------------------------------------------------------- one pipeline, one message

def test_every_batch_command_takes_folders_and_globs(inputs):
    for cmd in ("validate", "read"):
        by_folder = cli(cmd, inputs)
        by_glob = cli(cmd, str(inputs / "seed00*.xlsx"))
        assert by_folder.returncode == by_glob.returncode == 1
        assert by_folder.out == by_glob.out and by_folder.out.count("［") == 4


def test_same_input_same_code_and_message_everywhere(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "坏.xlsx").write_bytes(b"PK\x03\x04 this is no workbook")
    wb = Workbook()
    wb.active["A1"] = "会议纪要"
    wb.save(folder / "纪要.xlsx")
    lines = {}
    for cmd in ("validate", "read", "recalc"):
        extra = ["--out", tmp_path / f"o_{cmd}"] if cmd == "recalc" else []
        r = cli(cmd, folder, *extra)
        assert r.returncode == 2
        lines[cmd] = [line for line in r.out.splitlines() if "坏.xlsx" in line or "纪要.xlsx" in line]
    assert lines["validate"] == lines["read"] == lines["recalc"]
    bad, none = sorted(lines["recalc"], key=lambda s: "纪要" in s)
    assert bad.startswith("× 坏.xlsx：[PE-W001]") and "not a zip" not in bad.lower()
    assert none == "· 纪要.xlsx：未识别到自评表或评分表"


@needs_libreoffice
def test_legacy_xls_is_reviewed_alike_by_validate_and_recalc(tmp_path):
    [xls] = convert([EX / "seed003_项目.xlsx"], tmp_path / "xls", fmt="xls", recalc=False, profile=tmp_path / "p")
    v = cli("validate", xls)
    r = cli("recalc", xls, "--out", tmp_path / "o")
    assert v.returncode == r.returncode == 1
    assert "[PE-B202]" in v.out and "旧版 .xls" in v.out and "旧版 .xls" in r.out
    assert not (tmp_path / "o" / xls.name).exists()          # no copy of a format that cannot be written back
    assert r.out.splitlines()[-1].endswith("；未生成副本（没有能原样回写的工作簿）")
    entry = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["workbooks"][0]
    assert entry["sheets"][0]["total"] == 79.99 and entry["output"] is None


def test_an_unrecognised_workbook_is_not_an_unreadable_one(tmp_path):
    wb = Workbook()
    wb.active["A1"] = 1
    wb.active["A2"] = "=A1*2"
    wb.save(tmp_path / "plain.xlsx")
    for cmd, extra in (("validate", []), ("recalc", ["--out", tmp_path / "o"])):
        r = cli(cmd, tmp_path / "plain.xlsx", *extra)
        assert r.returncode == 0 and "· plain.xlsx：未识别到自评表或评分表" in r.out
        assert "未识别 1" in r.out


# ---------------------------------------------------------------- the console itself

def test_gbk_console(inputs, tmp_path):
    r = cli("recalc", inputs, "--out", tmp_path / "o", encoding="gbk")
    assert r.returncode == 1 and "√ seed001_评分表.xlsx" in r.out and "× seed004_晋中自评表.xlsx" in r.out
    r = cli("rules", encoding="gbk")
    assert r.returncode == 0 and "PE-S302" in r.out


def test_broken_pipe_ends_quietly():
    r = subprocess.run(f'"{sys.executable}" -m perfeval_xl.cli rules | head -1; exit ${{PIPESTATUS[0]}}', shell=True,
                       executable="/bin/bash", cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "" and r.stdout.startswith("PE-")


def test_argparse_speaks_chinese():
    r = cli("recalc")
    assert r.returncode == 2 and r.err.startswith("用法：") and "错误 [PE-R002]：缺少必需的参数" in r.err
    assert "usage:" not in r.err and "error:" not in r.err
    r = cli("recalc", "x", "--bogus")
    assert r.returncode == 2 and "无法识别的参数：--bogus" in r.err
    h = cli("--help")
    assert h.returncode == 0 and "显示本帮助并退出" in h.out and "show " not in h.out and "options" not in h.out


def test_no_english_in_what_users_read(inputs, tmp_path):
    rules = cli("rules").out
    assert not any(w in rules for w in ("error", "warning", "info"))
    out = cli("validate", inputs).out
    for word in ("scoring", "department", "jinzhong", "standard", "ratio", "linear", "None"):
        assert word not in out, word


def test_batch_ends_with_totals_and_reports_progress_off_a_terminal(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(21):
        shutil.copy(SEED1, folder / f"单位{i:02d}.xlsx")
    r = cli("recalc", folder, "--out", tmp_path / "o", "-j", "2")
    assert r.returncode == 0
    assert r.err.splitlines() == ["已处理 20/21", "已处理 21/21"]
    last = r.out.splitlines()[-2:]
    assert last[0] == "共 21 个文件、21 张表单：有警告 21；错误 0 条，警告 21 条。" and last[1].startswith("汇总：")
    assert last[1].endswith(f"；标注后的副本 21 份在 {tmp_path / 'o'}")
    assert cli("recalc", folder, "--out", tmp_path / "o2", "-q").err == ""


def test_an_unexpected_error_is_one_line_with_a_hint(monkeypatch, capsys):
    from perfeval_xl import cli as cli_module
    from perfeval_xl.recalc import commands

    def boom(args):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(commands, "_validate", boom)
    assert cli_module.main(["validate", str(SEED1)]) == 2
    err = capsys.readouterr().err
    assert one_line(err).startswith("错误 [PE-R009]") and "--debug" in err and "internal detail" not in err


def test_a_summary_the_disk_refuses_is_said_in_words(monkeypatch, capsys, tmp_path):
    """summary.json / summary.xlsx that cannot be written (disk full) end the command with PE-R003, the reason and the
    path, exit 2 — not an internal error."""
    import errno

    from perfeval_xl import cli as cli_module
    from perfeval_xl.recalc import commands

    def full(summary, folder, jobs=1):
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(folder) / "summary.json"))

    monkeypatch.setattr(commands, "write_summaries", full)
    assert cli_module.main(["recalc", str(SEED1), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err
    assert one_line(err) == f"错误 [PE-R003]（无法写出结果）：磁盘空间不足，未写出 {tmp_path / 'o' / 'summary.json'}"


def test_a_summary_open_in_excel_is_said_so(monkeypatch, capsys, tmp_path):
    """Excel keeps summary.xlsx locked while a reviewer has it open, and its owner file ~$summary.xlsx beside it:
    the refusal says to close it, as it does for a workbook's copy."""
    import errno

    from perfeval_xl import cli as cli_module
    from perfeval_xl.recalc import commands

    out = tmp_path / "o"
    out.mkdir()
    (out / "~$summary.xlsx").write_bytes(b"\0" * 165)

    def locked(summary, folder, jobs=1):
        raise PermissionError(errno.EACCES, "Permission denied", str(Path(folder) / "summary.xlsx"))

    monkeypatch.setattr(commands, "write_summaries", locked)
    assert cli_module.main(["recalc", str(SEED1), "--out", str(out), "-q"]) == 2
    assert one_line(capsys.readouterr().err) == (f"错误 [PE-R003]（无法写出结果）：没有访问权限，未写出 {out / 'summary.xlsx'}"
                                                 "（该文件正在 Excel、WPS 或 LibreOffice 中打开，请关闭后重新运行）")


def test_a_failed_write_names_the_file_meant_and_leaves_nothing(tmp_path):
    """atomic_write's errors name the destination, not its temporary file (a failed rename) nor nothing (a failed
    write): here a name of 300 bytes, which the rename refuses. No temporary file is left behind."""
    import errno

    from perfeval_xl.xlio import atomic_write

    dest = tmp_path / ("长" * 100 + ".xlsx")
    with pytest.raises(OSError) as info:
        atomic_write(dest, b"data")
    assert info.value.errno == errno.ENAMETOOLONG and info.value.filename == str(dest)
    assert list(tmp_path.iterdir()) == []
