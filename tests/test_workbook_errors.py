"""Bad input: each case gets its code and a Chinese message naming the file (and sheet/cell), and the
input file is unchanged."""
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from perfeval_xl.workbook.errors import WorkbookError
from perfeval_xl.workbook.reader import read_workbook

from wb_builders import standard_workbook


def sha(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def expect_error(path, code, *fragments):
    before = sha(path) if Path(path).exists() else None
    with pytest.raises(WorkbookError) as exc:
        read_workbook(path)
    err = exc.value
    assert err.code == code, str(err)
    text = str(err)
    assert code in text and str(path) in text
    for frag in fragments:
        assert frag in text, text
    if before:
        assert sha(path) == before
    return err


def test_not_a_workbook(tmp_path):
    p = tmp_path / "报表.xlsx"
    p.write_text("项目名称,分值\n", encoding="utf-8")
    expect_error(p, "PE-W001", "另存为 .xlsx")


def test_zip_that_is_not_a_workbook(tmp_path):
    p = tmp_path / "a.xlsx"
    shutil.make_archive(str(tmp_path / "a"), "zip", tmp_path)
    (tmp_path / "a.zip").rename(p)
    expect_error(p, "PE-W001", "xl/workbook.xml")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    expect_error(p, "PE-W001", "0 字节")


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nope.xlsx", "PE-W008", "不存在")


def test_empty_workbook(tmp_path):
    p = tmp_path / "blank.xlsx"
    Workbook().save(p)
    expect_error(p, "PE-W004")


def test_no_recognisable_form(tmp_path):
    p = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "123"])
    wb.save(p)
    err = expect_error(p, "PE-W005", "Sheet")
    assert "三级指标" in err.message


def test_missing_expected_column(tmp_path):
    p = tmp_path / "noscore.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值"])
    ws.append(["产出指标", "数量指标", "培训人次", "≥100人次", "120人次", 10])
    wb.save(p)
    err = expect_error(p, "PE-W006", "得分", "自评表")
    assert err.sheet == "自评表" and err.cell == "1:1"


def test_unparseable_number_is_reported_with_its_cell(tmp_path):
    p = standard_workbook(tmp_path / "bad.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(p)
    wb.active["F8"] = "十五"      # 分值 of the first indicator
    wb.save(p)
    before = sha(p)
    [form] = read_workbook(p)
    assert sha(p) == before
    [problem] = form.problems
    assert problem["code"] == "PE-W007" and problem["cell"] == "F8" and "十五" in problem["message"]
    assert form.indicators[0].weight is None


def test_password_protected(tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = standard_workbook(tmp_path / "plain.xlsx")
    enc = tmp_path / "locked.xlsx"
    with open(plain, "rb") as f, open(enc, "wb") as out:
        OOXMLFile(f).encrypt("secret", out)
    expect_error(enc, "PE-W003", "密码")
    assert msoffcrypto  # the encrypting library is the one we detect with


def test_corrupt_legacy_xls(tmp_path):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    expect_error(p, "PE-W002", "另存为 .xlsx")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice converts the fixture to .xls")
def test_legacy_xls_is_read(tmp_path):
    src = standard_workbook(tmp_path / "form.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "xls",
                    "--outdir", str(tmp_path / "xls"), str(src)], check=True, capture_output=True, timeout=180)
    xls = tmp_path / "xls" / "form.xls"
    before = sha(xls)
    [form] = read_workbook(xls)
    assert sha(xls) == before
    assert form.kind == "standard" and len(form.indicators) == 6 and form.total_stated == 95.33
