"""The real-form corpus (workbooks/corpus/, sources in SOURCES.md): every form read, every expected finding raised
on its cell, nothing the corpus marks as must-not raised, and the committed files equal to what the builder makes."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfeval_xl.checks import run_checks
from perfeval_xl.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "workbooks" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def findings(name):
    forms = read_workbook(CORPUS / name)
    assert len(forms) == 1
    return forms[0], run_checks(forms[0])


def test_every_corpus_file_has_expectations_and_a_source():
    files = {p.name for p in CORPUS.glob("*.xlsx")}
    assert files == set(EXPECTED) and len(files) >= 5
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for name, exp in EXPECTED.items():
        assert f"`{exp['source']}`" in sources, name
        assert name in sources


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_form_is_recognised_with_its_stated_total(name):
    exp = EXPECTED[name]
    form, _ = findings(name)
    assert form.kind == exp["form"] and form.sheet == exp["sheet"]
    assert form.total_stated == exp["total_stated"]
    assert bool(form.unread) == exp["partial"], form.unread


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_expected_findings_are_raised_on_their_cells(name):
    _, found = findings(name)
    got = {(f.code, f.cell) for f in found}
    for want in EXPECTED[name]["raise"]:
        assert (want["code"], want["cell"]) in got, (want, sorted(got))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_must_not_findings_are_absent(name):
    _, found = findings(name)
    assert not {f.code for f in found} & set(EXPECTED[name]["not_raise"])


def test_corpus_recall_and_false_errors():
    """The figures the README quotes: recall of the expected findings, false errors and warnings (a must-not code
    raised), unrecognised forms."""
    expected = raised = false = 0
    for name, exp in EXPECTED.items():
        _, found = findings(name)
        got = {(f.code, f.cell) for f in found}
        expected += len(exp["raise"])
        raised += sum((w["code"], w["cell"]) in got for w in exp["raise"])
        false += sum(f.code in exp["not_raise"] and f.severity in ("error", "warning") for f in found)
    assert raised == expected and false == 0


def test_committed_corpus_is_what_the_builder_writes(tmp_path):
    before = {p.name: p.read_bytes() for p in CORPUS.iterdir() if p.suffix in (".xlsx", ".json")}
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_corpus.py")], check=True, capture_output=True)
    after = {p.name: p.read_bytes() for p in CORPUS.iterdir() if p.suffix in (".xlsx", ".json")}
    assert after == before
