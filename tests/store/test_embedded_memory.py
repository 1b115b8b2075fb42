"""The embedded PostgreSQL sizes its shared buffers to the machine, once, and never overrides a
value someone chose with ALTER SYSTEM."""

from __future__ import annotations

from pathlib import Path

import psycopg

from codex7.store.embedded import memory_bytes, shared_buffers_mb, start_embedded, stop_embedded


def shared_buffers(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW shared_buffers").fetchone()[0]


def in_mb(setting: str) -> int:
    number, unit = int(setting[:-2]), setting[-2:]
    return number * {"kB": 1, "MB": 1024, "GB": 1024 * 1024}[unit] // 1024


def test_shared_buffers_follow_the_machine_unless_chosen(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    _, server = start_embedded(pgdata)  # a new server: initdb's value until the next start
    stop_embedded(server)
    assert "shared_buffers" in (pgdata / "postgresql.auto.conf").read_text()

    url, server = start_embedded(pgdata)  # the next start applies it
    try:
        assert in_mb(shared_buffers(url)) == shared_buffers_mb()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET shared_buffers = '200MB'")
    finally:
        stop_embedded(server)

    url, server = start_embedded(pgdata)  # a value chosen by hand stands
    try:
        assert in_mb(shared_buffers(url)) == 200
    finally:
        stop_embedded(server)


def test_a_container_limit_below_the_machine_sizes_the_buffers(tmp_path: Path) -> None:
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v2.write_text("max\n")  # no limit
    v1.write_text(f"{1024 * 2**20}\n")  # 1 GiB, far below this machine's memory
    assert memory_bytes((v2, v1)) == 1024 * 2**20
    assert memory_bytes((tmp_path / "absent",)) > 1024 * 2**20
    assert shared_buffers_mb(1024 * 2**20) == 256  # a quarter
    assert shared_buffers_mb(256 * 2**20) == 128  # never below PostgreSQL's default
    assert shared_buffers_mb(64 * 2**30) == 4096  # nor above 4 GB
