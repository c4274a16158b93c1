#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian/Ubuntu machine with Python 3, then run it.
# LibreOffice (the independent oracle of the recalculation tests), poppler (PDF → PNG of the rendered outputs)
# and a CJK font (so that rendered pages show Chinese) come from Debian's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest -q "$@"
