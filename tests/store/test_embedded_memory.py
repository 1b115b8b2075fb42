"""The embedded PostgreSQL sizes its shared buffers to the machine, once, and never overrides a
value someone chose with ALTER SYSTEM."""

from __future__ import annotations

from pathlib import Path

import psycopg

from codex7.store.embedded import shared_buffers_mb, start_embedded, stop_embedded


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
