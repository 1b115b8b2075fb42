#!/usr/bin/env bash
# Create .venv (or $CODEX7_VENV) and install Codex7 into it with the given extras.
# CPU torch goes in first, so sentence-transformers does not pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"
venv="${CODEX7_VENV:-.venv}"
python="${PYTHON:-python3}"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
