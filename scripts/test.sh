#!/usr/bin/env bash
# Install Codex7 with test dependencies into .venv, lint, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh "local,dev"
venv="${CODEX7_VENV:-.venv}"
"$venv/bin/ruff" check src tests scripts
"$venv/bin/python" -m pytest "$@"
