"""Tiny-scale smoke runs of the benchmark scripts, so they don't rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.corpus import IndexedCorpus
from tests.paths import REPO, SHARED


def run_script(name: str, db_url: str, *args: str, data_dir: Path | None = None) -> str:
    """Run scripts/<name> against the test server; its stdout, after asserting it succeeded."""
    env = {**os.environ, "DATABASE_URL": db_url, "HF_HUB_OFFLINE": "1"}
    if data_dir is not None:
        env["CODEX7_DATA_DIR"] = str(data_dir)
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def bench_index_rows(stdout: str) -> dict[str, list[str]]:
    return {
        cells[1].strip(): cells
        for cells in (line.split("|") for line in stdout.splitlines())
        if len(cells) > 5 and cells[1].strip().startswith(("cold", "median", "warm"))
    }


def test_bench_index_smoke(db_url: str) -> None:
    """(a) the embedder alone and (b) cold indexing runs on the same texts, and their ratio."""
    stdout = run_script(
        "bench_index.py", db_url, *("--library", "/encode/httpx", "--files", "2", "--rounds", "2")
    )
    rows = bench_index_rows(stdout)
    assert set(rows) == {"cold 1", "cold 2", "median", "warm"}
    for name in ("cold 1", "cold 2"):
        cells = rows[name]
        chunks, embedded = int(cells[3]), int(cells[4])
        assert chunks > 0 and embedded == chunks  # every round starts cold: all embedded
        alone, run, ratio = float(cells[5]), float(cells[7]), float(cells[9].strip(" *"))
        assert alone > 0 and run > 0 and abs(ratio - alone / run) <= 0.01 + 0.02 * ratio
    assert int(rows["warm"][4]) == 0  # the warm run embeds nothing
    assert "Speed ratio per round" in stdout and "model load" in stdout

    # The repository's own docs when the shared corpus is not there.
    stdout = run_script(
        "bench_index.py", db_url, *("--library", "/codex7/docs", "--files", "1", "--rounds", "1")
    )
    rows = bench_index_rows(stdout)
    assert set(rows) == {"cold 1", "warm"} and int(rows["cold 1"][4]) > 0


def test_bench_search_smoke(db_url: str) -> None:
    stdout = run_script(
        "bench_search.py",
        db_url,
        *("--chunks", "2500", "--dims", "64", "--queries", "20", "--clients", "2"),
        *("--threshold", "300", "--options", "exact,partial"),
    )
    rows = {
        cells[1].strip(): cells
        for cells in (line.split("|") for line in stdout.splitlines())
        if len(cells) > 8 and cells[1].strip() in ("exact", "partial")
    }
    assert set(rows) == {"exact", "partial"}
    assert float(rows["exact"][7]) == 1.0  # exact search against itself
    assert float(rows["partial"][7]) >= 0.9  # HNSW recall@10 against exact
    assert float(rows["partial"][3]) > 0  # the partial indexes take space
    hybrid = [line for line in stdout.splitlines() if line.startswith("| partial ×")]
    assert len(hybrid) == 2  # one client and two at once


def test_bench_search_builds_once_and_measures_the_kept_database_again(
    db_url: str, tmp_path: Path
) -> None:
    kept = tmp_path / "bench"
    args = ("--dims", "32", "--queries", "10", "--clients", "2", "--threshold", "300")
    refused = subprocess.run(
        [sys.executable, str(REPO / "scripts/bench_search.py"), "--db-dir", str(kept)]
        + ["--measure-only"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 2 and "build it first" in refused.stderr
    assert "Traceback" not in refused.stderr

    def summary(stdout: str) -> tuple[str, str, str]:
        """(heading, load time, the partial row's build seconds and recall)."""
        lines = stdout.splitlines()
        load = next(part for part in lines[2].split(" · ") if part.startswith("load "))
        row = next(line.split("|") for line in lines if line.startswith("| partial |"))
        return lines[0], load, f"{row[2].strip()} {row[7].strip()}"

    first = run_script("bench_search.py", db_url, "--chunks", "1500", *args, "--db-dir", str(kept))
    assert (kept / "pgdata").is_dir()
    again = run_script("bench_search.py", db_url, *args, "--db-dir", str(kept), "--measure-only")
    # The same database, queries and indexes: nothing was loaded or built the second time.
    assert summary(again) == summary(first)
    assert summary(first)[0] == "### Search at 1,500 chunks (32 dims)"
    assert "Storage per chunk" in again and "| partial ×2 |" in again


def test_tune_ranking_smoke(indexed_corpus: IndexedCorpus) -> None:
    """The tuning script fits and cross-validates on the dev queries of the indexed slices."""
    stdout = run_script(
        "tune_ranking.py",
        indexed_corpus.url,
        str(SHARED / "eval/dev_queries.jsonl"),
        *("--folds", "2"),
        data_dir=indexed_corpus.data_dir,
    )
    rows = {
        cells[1].strip(): (float(cells[2]), float(cells[3]))
        for cells in (line.split("|") for line in stdout.splitlines())
        if len(cells) == 5 and cells[2].strip()[:1].isdigit()
    }
    assert {"current defaults", "rrf", "pairwise, 2-fold held-out"} <= set(rows)
    assert all(0 < f <= 1 and 0 <= s <= 1 for f, s in rows.values())
    assert '"vec_max"' in stdout  # the fitted weights are printed


def test_load_smoke(indexed_corpus: IndexedCorpus) -> None:
    """A few REST clients and MCP sessions at once against a real server: no errors."""
    stdout = run_script(
        "load.py",
        indexed_corpus.url,
        *("--rest-clients", "3", "--mcp-sessions", "2", "--seconds", "3"),
        data_dir=indexed_corpus.data_dir,
    )
    rows = [line.split("|") for line in stdout.splitlines() if line.startswith(("| REST", "| MCP"))]
    assert len(rows) == 2
    assert all(int(r[2]) > 0 and int(r[3]) == 0 for r in rows)  # requests made, no errors
