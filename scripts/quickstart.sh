#!/usr/bin/env bash
# Install Codex7 into .venv and run it on the embedded defaults (no Docker, no DATABASE_URL):
# start the database, index this repository's docs/, and answer a question over MCP.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CODEX7_VENV:-.venv}"
codex7="$venv/bin/codex7"

# shellcheck source=scripts/steps.sh
source scripts/steps.sh

step "Installing Codex7 into $venv" bash scripts/bootstrap.sh "local"
version="$("$venv/bin/python" -c 'import codex7; print(codex7.__version__)')"
step "Starting the embedded database" "$codex7" db status
step "Indexing docs/ as /codex7/docs/$version (loads the embedding model)" \
    "$codex7" index docs --library /codex7/docs --version "$version" --name "Codex7 docs" \
    --description "How to install, configure, index with and connect clients to Codex7"
step "Resolving 'codex7'" "$codex7" resolve "codex7"
step "Asking a question over MCP" \
    "$codex7" query /codex7/docs "How do I connect Cursor to a Codex7 server over HTTP?" --tokens 1000
