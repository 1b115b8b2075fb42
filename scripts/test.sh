#!/usr/bin/env bash
# Install Codex7 with test dependencies into .venv, lint (ruff, import layers), and run the whole
# test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh "local,dev"
venv="${CODEX7_VENV:-.venv}"
# The official Context7 MCP client, for the end-to-end API test (tests fail, not skip, without it).
client_dir=".cache/context7-mcp"
if [ ! -f "$client_dir/node_modules/@upstash/context7-mcp/dist/index.js" ]; then
    npm install --silent --no-audit --no-fund --prefix "$client_dir" @upstash/context7-mcp@4.1.1
fi
# Debian's Chromium for the web UI's browser tests (Playwright drives it; no browser download).
if ! command -v chromium >/dev/null && [ -z "${CODEX7_CHROMIUM:-}" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
"$venv/bin/ruff" check src tests scripts
"$venv/bin/lint-imports" --no-cache  # the layer rules in pyproject.toml
"$venv/bin/python" -m pytest "$@"
