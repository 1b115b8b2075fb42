#!/usr/bin/env bash
# Install Codex7 into .venv and run it on the embedded defaults (no Docker, no DATABASE_URL):
# start the database, index this repository's docs/, and answer a question over MCP.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh "local"
codex7="${CODEX7_VENV:-.venv}/bin/codex7"
"$codex7" db status
"$codex7" index docs --library /codex7/docs --name "Codex7 docs" \
    --description "How to install, configure, index with and connect clients to Codex7"
"$codex7" resolve "codex7"
"$codex7" query /codex7/docs "How do I connect Cursor to a Codex7 server over HTTP?" --tokens 1000
