"""`kill -9` of `codex7 index` mid-embedding: the published version is served intact, and the
next run completes, reusing the embeddings made before the kill (the embedding cache)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.test_lifecycle import wait_for

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()


def write_pages(folder: Path, pages: int, sections: int) -> Path:
    folder.mkdir(parents=True)
    for p in range(pages):
        body = [f"# Page {p}\n"]
        for s in range(sections):
            words = " ".join(WORDS[(p * 7 + s * 3 + i) % len(WORDS)] for i in range(60))
            body.append(f"## Topic {p}-{s}\n\nSection {p}-{s} explains {words}.\n")
        (folder / f"page{p}.md").write_text("\n".join(body))
    return folder


def codex7(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "codex7", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_mid_embedding_keeps_the_served_version_and_the_rerun_reuses_work(
    db_url: str, tmp_path: Path
) -> None:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CODEX7_")}
    env = {**keep, "DATABASE_URL": db_url, "CODEX7_DATA_DIR": str(tmp_path / "data")}
    small = write_pages(tmp_path / "small", pages=2, sections=2)
    big = write_pages(tmp_path / "big", pages=40, sections=15)
    first = codex7(env, "index", str(small), "--library", "/acme/lib", "--version", "1")
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""

    def served() -> list[tuple[str, str]]:
        with psycopg.connect(db_url) as conn:
            return conn.execute(
                "SELECT d.title, d.content_hash FROM documents d JOIN versions v ON v.id = d.version_id"
                " WHERE v.version = '1' ORDER BY d.chunk_index"
            ).fetchall()

    def embedded_so_far() -> int:
        with psycopg.connect(db_url) as conn:
            row = conn.execute(
                "SELECT embedded FROM indexing_jobs WHERE status = 'running' ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return int(row[0]) if row else 0

    before = served()
    second = codex7(env, "index", str(big), "--library", "/acme/lib", "--version", "1")
    wait_for(lambda: embedded_so_far() >= 256, "the first embedding slice", timeout=300)
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=30)
    assert served() == before  # nothing half-written: the old content is what is served

    third = codex7(env, "index", str(big), "--library", "/acme/lib", "--version", "1")
    out, err = third.communicate(timeout=600)
    assert third.returncode == 0, err
    m = re.search(r"(\d+) chunks \((\d+) embedded, (\d+) reused\)", out)
    assert m, out
    chunks, embedded, reused = map(int, m.groups())
    assert reused >= 256 and embedded + reused == chunks  # the killed run's slices were kept
    assert len(served()) == chunks
