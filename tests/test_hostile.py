"""Hostile, damaged and odd inputs (issues 10 and 11): the batch finishes, names each bad file with its code and
a one-line Chinese message, writes the valid forms' outputs and summary.json, never prints a traceback, exits 2."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfeval_xl.limits import Limits
from perfeval_xl.recalc.batch import collect, run_batch
from perfeval_xl.recalc.pool import run_isolated
from perfeval_xl.recalc.summary import dumps
from perfeval_xl.xlio import XlsxBook

from hostile import CASES

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "workbooks" / "examples"
VALID = ("seed001_评分表.xlsx", "seed003_项目.xlsx")

#: what each case must give: "ok" (read as Excel reads it, a copy written), "ok PE-Wxxx" (the same, with a note of
#: that code saying what was left out), "review PE-Wxxx" (read and reviewed, no copy written, a note of that code
#: saying why), or the error code of a file that cannot be read
EXPECTED = {
    "workbook_not_wellformed": "PE-W011", "rels_not_wellformed": "PE-W011", "sheet_not_wellformed": "PE-W001",
    "doctype_content_types": "PE-W011", "entity_bomb_shared": "PE-W011", "entity_bomb_workbook": "PE-W011",
    "deep_nesting": "ok", "deep_nesting_workbook": "PE-W011", "unusual_styles": "ok",
    "bad_crc": "PE-W001", "corrupt_deflate": "PE-W001", "duplicate_entry": "review PE-W001", "not_a_zip": "PE-W001",
    "empty_file": "PE-W001", "no_content_types": "PE-W001", "no_styles": "ok", "rel_to_missing_part": "PE-W001",
    "rel_outside_package": "PE-W001", "shared_index_out_of_range": "PE-W001", "control_chars": "ok",
    "raw_control_char": "PE-W011", "nonfinite_numbers": "ok", "far_cell": "ok", "row_past_limit": "ok PE-W010",
    "ratio_bomb": "PE-W009", "many_shared_strings": "PE-W009", "huge_shared_string": "ok", "cell_without_r": "ok",
    "zip64_members": "ok",
}


def sha(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def complete(path):
    """A whole package whose every part inflates, and whose sheets read again."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    book = XlsxBook(path)
    for name in book.sheet_names():
        book.sheet(name).grid()


def test_every_case_has_an_expectation():
    assert set(EXPECTED) == set(CASES)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """One CLI run over every hostile case beside two valid forms (as a finance bureau's folder would be)."""
    base = tmp_path_factory.mktemp("hostile")
    inp = base / "in"
    inp.mkdir()
    src = (EX / "seed003_项目.xlsx").read_bytes()
    for name, build in CASES.items():
        (inp / f"{name}.xlsx").write_bytes(build(src))
    for v in VALID:
        shutil.copy(EX / v, inp / v)
    before = {p.name: sha(p) for p in inp.iterdir()}
    out = base / "out"
    r = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "recalc", str(inp), "--out", str(out), "--jobs", "2"],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    return inp, out, r, before


def test_hostile_batch_finishes_with_exit_2_and_no_traceback(hostile_run):
    inp, out, r, before = hostile_run
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stdout + r.stderr
    assert {p.name: sha(p) for p in inp.iterdir()} == before          # no input modified


def test_valid_forms_beside_hostile_ones_are_processed(hostile_run):
    inp, out, r, _ = hostile_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by = {w["path"]: w for w in summary["workbooks"]}
    assert len(by) == len(CASES) + len(VALID)
    assert by["seed001_评分表.xlsx"]["sheets"][0]["total"] == 92.62
    assert by["seed003_项目.xlsx"]["sheets"][0]["total"] == 79.99
    for v in VALID:
        assert (out / v).exists()
        load_workbook(out / v)   # a complete workbook


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_case_gets_its_code_and_a_one_line_chinese_message(hostile_run, case):
    inp, out, r, _ = hostile_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    w = next(w for w in summary["workbooks"] if w["path"] == f"{case}.xlsx")
    want, _, note = EXPECTED[case].partition(" ")
    if want in ("ok", "review"):
        assert w["status"] == "ok", w["error"]
        assert w["sheets"] and w["sheets"][0]["total_stated"] == 79.99    # the form itself is still read
        if note:
            said = [n for n in w["notes"] if n.startswith(f"[{note}]")]
            assert len(said) == 1 and "\n" not in said[0], w["notes"]
            assert f"    注：{said[0]}" in r.stdout
        else:
            assert not any(n.startswith("[PE-") for n in w["notes"]), w["notes"]
        if want == "ok":
            complete(out / f"{case}.xlsx")
        else:
            assert w["output"] is None and not (out / f"{case}.xlsx").exists()
        return
    assert w["status"] == "error"
    err = w["error"]
    assert err["code"] == want, err
    msg = err["message"]
    assert msg.startswith(f"[{want}]") and f"{case}.xlsx" in msg and "\n" not in msg
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg)
    for english in ("Traceback", "Error:", "KeyError", "lxml", "zipfile", "File is not"):
        assert english not in msg
    assert not (out / f"{case}.xlsx").exists()
    # the console line names the file with the same message
    assert f"{case}.xlsx：{msg}" in r.stdout


def test_summary_json_is_strict_json(hostile_run):
    _, out, _, _ = hostile_run
    text = (out / "summary.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


def test_non_finite_numbers_become_null_in_json():
    assert json.loads(dumps({"workbooks": [{"x": float("nan"), "y": [float("inf"), 1.5]}]})) == \
        {"workbooks": [{"x": None, "y": [None, 1.5]}]}


def test_far_cell_costs_what_one_cell_costs(tmp_path):
    """A value at XFD1048576 used to make the recognition scan a million rows × 16,384 columns (> 120 s)."""
    f = tmp_path / "far.xlsx"
    f.write_bytes(CASES["far_cell"]((EX / "seed003_项目.xlsx").read_bytes()))
    t = time.perf_counter()
    s = run_batch([f], tmp_path / "out", jobs=1, progress=False, isolate=False)
    assert time.perf_counter() - t < 20      # generous: about 0.05 s here; the point is not minutes
    assert s["workbooks"][0]["sheets"][0]["total"] == 79.99


# ---------------------------------------------------------------- the worker pool

def _sleepy(x):
    if x == "hang":
        time.sleep(60)
    if x == "die":
        os._exit(3)
    if x == "raise":
        raise RuntimeError("boom")
    return {"ok": x}


def test_pool_stops_a_task_over_its_budget_and_survives_a_dead_worker():
    tasks = ["a", "hang", "b", "die", "c", "raise", "d"]
    t = time.perf_counter()
    got = dict(run_isolated(_sleepy, tasks, workers=2, seconds=2,
                            on_failure=lambda task, kind, detail: {"failed": task, "kind": kind}))
    assert time.perf_counter() - t < 30
    assert got[0] == {"ok": "a"} and got[2] == {"ok": "b"} and got[4] == {"ok": "c"} and got[6] == {"ok": "d"}
    assert got[1] == {"failed": "hang", "kind": "timeout"}
    assert got[3] == {"failed": "die", "kind": "crash"}
    assert got[5] == ("RuntimeError", "boom")


def test_batch_reports_a_workbook_over_the_time_budget_and_goes_on(tmp_path, monkeypatch):
    inp = tmp_path / "in"
    inp.mkdir()
    for v in VALID:
        shutil.copy(EX / v, inp / v)
    (inp / "slow.xlsx").write_bytes((EX / "seed003_项目.xlsx").read_bytes())
    import perfeval_xl.recalc.batch as batch

    real = batch._process

    def slow(job):
        if job.rel == "slow.xlsx":
            time.sleep(30)
        return real(job)
    monkeypatch.setattr(batch, "_process", slow)   # inherited by the forked workers
    s = run_batch([inp], tmp_path / "out", jobs=1, progress=False, limits=Limits(seconds=2))
    by = {w["path"]: w for w in s["workbooks"]}
    assert by["slow.xlsx"]["error"]["code"] == "PE-W012" and "2 秒" in by["slow.xlsx"]["error"]["message"]
    assert all(by[v]["status"] == "ok" for v in VALID)


# ---------------------------------------------------------------- outputs never over inputs

def test_output_over_an_input_is_refused(tmp_path):
    f = tmp_path / "a.xlsx"
    shutil.copy(EX / "seed003_项目.xlsx", f)
    before = sha(f)
    s = run_batch([f], tmp_path, jobs=1, progress=False, isolate=False)
    assert s["workbooks"][0]["error"]["code"] == "PE-R004"
    assert s["workbooks"][0]["error"]["message"] == (f"[PE-R004] 输出文件 {f} 就是输入文件，已拒绝写入；"
                                                     "请用 --out 指定另一个文件夹（文件 a.xlsx）")
    assert sha(f) == before and not list(tmp_path.glob("*.bak"))


def test_same_names_from_different_folders_give_two_outputs(tmp_path):
    for d in ("甲单位", "乙单位"):
        (tmp_path / d).mkdir()
        shutil.copy(EX / "seed003_项目.xlsx", tmp_path / d / "自评表.xlsx")
    files = collect([tmp_path / "甲单位" / "自评表.xlsx", tmp_path / "乙单位" / "自评表.xlsx"])
    assert sorted(rel.as_posix() for _, rel in files) == ["乙单位/自评表.xlsx", "自评表.xlsx"]
    s = run_batch([str(tmp_path / "*" / "自评表.xlsx")], tmp_path / "out", jobs=1, progress=False, isolate=False)
    assert sorted(w["path"] for w in s["workbooks"]) == ["乙单位/自评表.xlsx", "甲单位/自评表.xlsx"]
    assert (tmp_path / "out" / "甲单位" / "自评表.xlsx").exists() and (tmp_path / "out" / "乙单位" / "自评表.xlsx").exists()


def test_a_users_own_sheet_named_like_the_results_is_kept(tmp_path):
    """Annotation used to delete a user's sheet called 校验结果 and put its own in its place."""
    from openpyxl import load_workbook as lw

    wb = lw(EX / "seed003_项目.xlsx")
    ws = wb.create_sheet("校验结果")
    ws["A1"] = "我的复核记录"
    ws["B2"] = 42
    wb.save(tmp_path / "in.xlsx")
    run_batch([tmp_path / "in.xlsx"], tmp_path / "out", jobs=1, progress=False, isolate=False)
    out = lw(tmp_path / "out" / "in.xlsx")
    assert out["校验结果"]["A1"].value == "我的复核记录" and out["校验结果"]["B2"].value == 42
    assert "校验结果(2)" in out.sheetnames and out["校验结果(2)"]["A1"].value == "序号"
    # a second run replaces its own sheet, still leaves the user's alone
    run_batch([tmp_path / "out" / "in.xlsx"], tmp_path / "out2", jobs=1, progress=False, isolate=False)
    again = lw(tmp_path / "out2" / "in.xlsx")
    assert again.sheetnames.count("校验结果(2)") == 1 and again["校验结果"]["B2"].value == 42


def test_in_place_refreshes_the_backup_every_run(tmp_path):
    f = tmp_path / "a.xlsx"
    shutil.copy(EX / "seed003_项目.xlsx", f)
    (tmp_path / "a.xlsx.bak").write_bytes(b"stale, truncated")
    original = f.read_bytes()
    run_batch([f], None, jobs=1, progress=False, in_place=True, isolate=False)
    assert (tmp_path / "a.xlsx.bak").read_bytes() == original
    first = f.read_bytes()
    assert first != original
    run_batch([f], None, jobs=1, progress=False, in_place=True, isolate=False)
    assert (tmp_path / "a.xlsx.bak").read_bytes() == first     # the .bak of this run is this run's input


def test_pe_rate_over_a_tiny_denominator_writes_an_error_not_inf(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"] = '=PE_RATE("预算执行率",5,1E-320)'
    ws["A2"] = "=1E+308*10"
    wb.save(tmp_path / "in.xlsx")
    run_batch([tmp_path / "in.xlsx"], tmp_path / "out", jobs=1, progress=False, isolate=False)
    book = XlsxBook(tmp_path / "out" / "in.xlsx")
    sheet = book.sheet(book.sheet_names()[0])
    for ref in ("A1", "A2"):
        v = sheet.value(ref)
        assert isinstance(v, str) and v.startswith("#"), v
    assert b"inf" not in book.pkg.parts[book.pkg.sheets()[0][1]]


def test_not_a_regular_file_is_refused(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "pipe.xlsx")
    os.mkfifo(tmp_path / "pipe.zip")     # neither opened by the parent (archives, the same-form check): they would block
    s = run_batch([tmp_path / "pipe.xlsx", tmp_path / "pipe.zip"], tmp_path / "out", jobs=1, progress=False)
    assert [w["error"]["code"] for w in s["workbooks"]] == ["PE-W013", "PE-W013"]


def test_odd_file_names_and_binary_workbooks(tmp_path):
    """Leading dash, a newline and an escape sequence in the name, a very long name, and a real .xlsb, WPS's .et and an
    .ods (which used to be skipped without a word): each gets its entry, the last three saying how to save them as
    .xlsx; the console shows control characters escaped."""
    inp = tmp_path / "in"
    inp.mkdir()
    good = (EX / "seed003_项目.xlsx").read_bytes()
    names = ["-rf.xlsx", "a\nb.xlsx", "\x1b[31mred.xlsx", "长" * 60 + ".xlsx"]
    for n in names:
        (inp / n).write_bytes(good)
    (inp / "binary.xlsb").write_bytes(b"PK\x03\x04" + bytes(60))
    (inp / "单位.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))   # WPS's own format (OLE)
    (inp / "单位.ods").write_bytes(b"PK\x03\x04" + bytes(60))
    r = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "recalc", str(inp), "--out", str(tmp_path / "out"),
                        "--jobs", "1"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stdout + r.stderr
    assert "\x1b" not in r.stdout and "\\x1b[31mred.xlsx" in r.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    by = {w["path"]: w for w in summary["workbooks"]}
    assert all(by[n]["status"] == "ok" and by[n]["sheets"][0]["total"] == 79.99 for n in names)
    assert by["binary.xlsb"]["error"]["code"] == by["单位.et"]["error"]["code"] == by["单位.ods"]["error"]["code"] \
        == "PE-W014"
    assert "请在 WPS 中另存为“Excel 工作簿（*.xlsx）”" in by["单位.et"]["error"]["message"]
    assert "OpenDocument 表格（.ods）" in by["单位.ods"]["error"]["message"]
    assert all((tmp_path / "out" / n).exists() for n in names)


def test_labels_of_a_sheet_of_huge_strings_cost_what_one_string_costs():
    """POI's poc-shared-strings.xlsx shows one 1 MiB shared string in 12,000 cells: recognition once joined every
    label into one text (12 GB). Labels are read up to LabelledSheet.LABEL_CHARS and looked through one by one."""
    import tracemalloc

    from perfeval_xl.workbook.layouts import recognise
    from perfeval_xl.workbook.sheetscan import LabelledSheet
    from perfeval_xl.xlio.grid import Grid

    big = "项目" * (1 << 19)                       # 1 Mi characters, one object shown in every cell
    grid = Grid("Sheet1", {(r, c): big for r in range(1, 1001) for c in (1, 2)})
    tracemalloc.start()
    sheet = LabelledSheet(grid)
    assert recognise(grid) is None
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 << 20, peak                   # 2,000 × 1 Mi characters would be 4 GB
    assert max(len(s) for s in sheet.labels.values()) <= LabelledSheet.LABEL_CHARS
    assert not sheet.mentions("评分表") and sheet.mentions("项目项目")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the process's peak memory from /proc")
def test_the_engine_is_not_given_a_workbook_whose_cells_repeat_a_huge_string(tmp_path):
    """One 1 MB shared string shown in 2,000 formula-bearing workbook's cells: the formula engine copies each cell's
    text (4 GB peak, 8 s, measured). The workbook is refused to the engine (limits.engine_chars): Excel's values are
    kept and say why, the form is still reviewed, and the process stays small (its own peak, engine included)."""
    f = tmp_path / "huge.xlsx"
    f.write_bytes(CASES["huge_shared_string"]((EX / "seed003_项目.xlsx").read_bytes()))
    # the child's own high-water mark (VmHWM starts afresh at exec; ru_maxrss would carry over pytest's)
    code = (f"import json, re; from pathlib import Path; from perfeval_xl.recalc.batch import run_batch; "
            f"s = run_batch([Path({str(f)!r})], Path({str(tmp_path / 'out')!r}), jobs=1, progress=False, isolate=False); "
            f"hwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
            f"print(json.dumps([s['workbooks'][0], hwm]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    w, peak_kb = json.loads(r.stdout.strip().splitlines()[-1])
    assert peak_kb < 400 * 1024, peak_kb
    assert w["sheets"][0]["total"] == 79.99
    [why] = w["not_recalculated"]["reasons"]
    assert "超过公式引擎的上限 32 百万字" in why


def test_a_40000_character_target_is_quoted_short_and_no_cell_overflows(tmp_path):
    """A target typed as 40,002 characters (the 云南 corpus form, E13): PE-T401 quotes it shortened, so its message
    and evidence stay readable and every cell written — 校验结果, the notes, summary.xlsx — is within Excel's
    32,767 characters (the sheet Excel would have to repair otherwise)."""
    from perfeval_xl.checks.catalog import MESSAGE_CHARS
    from perfeval_xl.recalc.summary import write_xlsx

    wb = load_workbook(ROOT / "workbooks" / "corpus" / "yunnan_lijiang_weipian_2020.xlsx")
    wb.active["E13"] = "增长" + "很多" * 20000
    f = tmp_path / "long.xlsx"
    wb.save(f)
    summary = run_batch([f], tmp_path / "out", jobs=1, progress=False, isolate=False)
    write_xlsx(summary, tmp_path / "out" / "summary.xlsx")
    [t401] = [x for x in summary["workbooks"][0]["sheets"][0]["findings"] if x["code"] == "PE-T401"]
    assert len(t401["message"]) <= MESSAGE_CHARS and len(t401["evidence"]) <= MESSAGE_CHARS
    assert t401["message"].startswith("指标“卫片执法补助经费”的指标值“增长很多") and t401["message"].endswith("未量化，无法衡量完成程度。")
    assert "字略" in t401["message"]
    for book in (tmp_path / "out" / "long.xlsx", tmp_path / "out" / "summary.xlsx"):
        for ws in load_workbook(book).worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert len(str(c.value or "")) <= 32_767, (book.name, ws.title, c.coordinate)
                    if c.comment is not None:
                        assert len(c.comment.text) <= 32_767
