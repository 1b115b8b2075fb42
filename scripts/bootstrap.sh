#!/usr/bin/env bash
# Create .venv (or $CODEX7_VENV) and install Codex7 into it with the given extras.
# CPU torch goes in first, from PyTorch's CPU wheel index, so sentence-transformers does not pull
# a multi-GB CUDA build; when that index cannot be reached, the plain pin from the default index.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"
venv="${CODEX7_VENV:-.venv}"
python="${PYTHON:-python3}"
torch_pin="torch==2.13.0"
cpu_index="https://download.pytorch.org/whl/cpu"

# shellcheck source=scripts/steps.sh
source scripts/steps.sh

pip() {
    "$venv/bin/python" -m pip --disable-pip-version-check "$@"
}

# The CPU index answers within 10 s, or it counts as unreachable (proxies come from the environment).
cpu_index_reachable() {
    "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)' \
        "$cpu_index/torch/" >/dev/null 2>&1
}

install_torch() {
    if cpu_index_reachable &&
        pip install --timeout 10 --retries 0 --index-url "$cpu_index" \
            --extra-index-url https://pypi.org/simple "$torch_pin"; then
        return
    fi
    echo "CPU wheel index unreachable; installing $torch_pin from the default index"
    pip install "$torch_pin"
}

if [ ! -x "$venv/bin/python" ]; then
    step "Creating $venv" "$python" -m venv "$venv"
fi
step "Installing CPU torch" install_torch
step "Installing Codex7 [$extras]" pip install -e ".[$extras]"
