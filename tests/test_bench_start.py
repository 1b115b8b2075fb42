"""A tiny-scale smoke run of scripts/bench_start.py, so it doesn't rot."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.paths import REPO


def test_bench_start_smoke() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX7_")}
    env.pop("DATABASE_URL", None)  # the script runs its own embedded PostgreSQL
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "bench_start.py")]
        + ["--runs", "1", "--fresh-runs", "1", "--files", "2", "--warm-wait", "0.2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    rows = {
        cells[1].strip(): cells[2:]
        for cells in (line.split("|") for line in out.stdout.splitlines())
        if len(cells) == 6 and cells[2].strip().isdigit()
    }
    assert rows["bare `mcp` server: spawn → tools/list"][0].strip() == "1"
    started = rows["codex7 serve, embedded PostgreSQL stopped: spawn → tools/list"]
    assert started[0].strip() == "2" and float(started[1]) > 0
    assert float(rows["codex7 serve, brand-new data dir: spawn → tools/list"][1]) > 0
    assert float(rows["second query-docs"][1]) > 0
    assert "Sessions with stderr lines besides the banner: 0 of 6." in out.stdout
