"""addin install / uninstall / doctor on a fake Windows machine: folders in tmp_path, the interpreter, xlwings'
version, its DLL and the Office bitness behind perfeval_xl.addin.install.Machine."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from perfeval_xl.addin.build import OUTPUT, xlwings_dir
from perfeval_xl.addin.install import Machine, config_of, doctor, install, runtime_version, uninstall

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = runtime_version(OUTPUT.read_bytes())


def fake(tmp_path, *, xlwings=RUNTIME, office=64, dll_bits=64, platform="win32", module=True):
    venv = tmp_path / "venv"
    (venv / "Scripts").mkdir(parents=True, exist_ok=True)
    python = venv / "Scripts" / "python.exe"
    python.write_bytes(b"")
    (venv / "Scripts" / "pythonw.exe").write_bytes(b"")
    if dll_bits:
        (venv / f"xlwings{dll_bits}-{RUNTIME}.dll").write_bytes(b"MZ")      # where a virtualenv keeps it
    return Machine(platform, tmp_path / "appdata", python, 64, lambda: xlwings, lambda: office,
                   lambda name: module)


def xlstart(tmp_path):
    return tmp_path / "appdata" / "Microsoft" / "Excel" / "XLSTART" / "perfeval_xl.xlam"


def test_runtime_version_is_the_installed_xlwings():
    version = (xlwings_dir() / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    assert f'XLWINGS_VERSION As String = "{RUNTIME}"' in version


def test_install_doctor_uninstall_on_a_ready_machine(tmp_path):
    m = fake(tmp_path)
    status, message = install(m)
    assert status == 0 and "已安装" in message and "绩效评价" in message
    conf = config_of(xlstart(tmp_path).read_bytes())
    assert conf["Interpreter_Win"] == str(tmp_path / "venv" / "Scripts" / "pythonw.exe")
    assert conf["UDF Modules"] == "perfeval_xl.udfs"
    status, report = doctor(m)
    assert status == 0 and "×" not in report and report.endswith("全部正常：Excel 启动后即可使用。")
    assert f"√ xlwings 动态库：{tmp_path / 'venv' / f'xlwings64-{RUNTIME}.dll'}" in report
    assert uninstall(m)[0] == 0 and not xlstart(tmp_path).exists()
    status, message = uninstall(m)
    assert status == 0 and "无需卸载" in message
    status, report = doctor(m)
    assert status == 2 and "× 已安装的加载项" in report and "1 项需要处理" in report


@pytest.mark.parametrize("kw, expect", [
    ({"xlwings": None}, f'-m pip install "xlwings=={RUNTIME}"'),
    ({"xlwings": "0.30.0"}, f"已安装 0.30.0，加载项需要 {RUNTIME}"),
    ({"office": 32}, f"找不到 xlwings32-{RUNTIME}.dll"),
    ({"dll_bits": None}, f"找不到 xlwings64-{RUNTIME}.dll"),
    ({"module": False}, "pip install perfeval-xl"),
])
def test_install_refuses_and_says_what_is_missing(tmp_path, kw, expect):
    status, message = install(fake(tmp_path, **kw))
    assert status == 2 and message.startswith("[PE-X003] 未安装") and expect in message, message
    assert not xlstart(tmp_path).exists()


def test_32_bit_office_with_64_bit_python_installs(tmp_path):
    """xlwings runs Python outside Excel's process, so any bitness of the two works; 32-bit Office needs only the
    xlwings32 DLL, which xlwings' 64-bit wheel ships beside xlwings64 (perfeval-xl's engine has no 32-bit Windows
    wheels, so 64-bit Python is the one to install). When that DLL is missing, the hint no longer asks the user to
    match Python's bitness to Excel's."""
    status, message = install(fake(tmp_path / "ok", office=32, dll_bits=32))
    assert status == 0 and "已安装" in message
    status, message = install(fake(tmp_path / "missing", office=32, dll_bits=64))
    assert status == 2 and f"找不到 xlwings32-{RUNTIME}.dll" in message and "Python 的位数不必与 Excel 相同" in message
    assert "同为" not in message


def test_off_windows_install_explains(tmp_path):
    status, message = install(fake(tmp_path, platform="linux"))
    assert status == 2 and "Windows" in message and "XLSTART" in message and "动态库" not in message


def test_excel_holding_the_file_gets_a_clear_message(tmp_path, monkeypatch):
    m = fake(tmp_path)
    assert install(m)[0] == 0

    def in_use(*a, **k):
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(os, "replace", in_use)
    status, message = install(m)
    assert status == 2 and message.startswith("[PE-X002]") and "关闭所有 Excel" in message
    monkeypatch.setattr(Path, "unlink", in_use)
    status, message = uninstall(m)
    assert status == 2 and message.startswith("[PE-X002]")


def test_doctor_names_a_broken_installation(tmp_path):
    m = fake(tmp_path)
    assert install(m)[0] == 0
    (tmp_path / "venv" / "Scripts" / "pythonw.exe").unlink()          # the interpreter the add-in names is gone
    status, report = doctor(m)
    assert status == 2 and "× 加载项使用的 Python" in report


def test_cli_doctor_and_uninstall_run_without_traceback():
    for action in ("doctor", "uninstall"):
        r = subprocess.run([sys.executable, "-m", "perfeval_xl.cli", "addin", action], cwd=ROOT, capture_output=True,
                           env={**os.environ, "PYTHONIOENCODING": "utf-8", "APPDATA": "/nonexistent"}, timeout=120)
        assert "Traceback" not in r.stderr.decode() and r.returncode in (0, 2)


def test_wheel_ships_the_addin_and_the_report_template(tmp_path):
    import shutil

    src = tmp_path / "src"            # a clean copy: an in-tree build would leave build/ in the checkout
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", ".hypothesis",
                                                             "__pycache__", "out", "benchmarks", "tests", "docs"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                        str(tmp_path), str(src)], capture_output=True, timeout=600)
    if r.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {r.stderr.decode()[-300:]}")
    [wheel] = tmp_path.glob("perfeval_xl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "perfeval_xl/addin/perfeval_xl.xlam" in names and "perfeval_xl/report/template.docx" in names
