#!/usr/bin/env bash
# Install Codex7 into .venv and run it on the embedded defaults (no Docker, no DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh "local"
venv="${CODEX7_VENV:-.venv}"
"$venv/bin/codex7" db status
