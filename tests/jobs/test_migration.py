"""sql/008_jobs.sql on a database with jobs recorded before the queue existed."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg

from codex7.store.migrate import migrate, migrations_dir


def test_old_job_rows_stay_valid_and_lost_runs_are_failed(
    empty_db_url: str, tmp_path: Path
) -> None:
    before = tmp_path / "sql"
    before.mkdir()
    for path in migrations_dir().glob("*.sql"):
        if path.name < "008":
            shutil.copy(path, before / path.name)
    migrate(empty_db_url, before)
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO indexing_jobs (library, version, source, status, finished_at)"
            " VALUES ('/acme/a', '1', '/docs', 'succeeded', now()),"
            "        ('/acme/a', '2', '/docs', 'running', NULL)"
        )
    assert migrate(empty_db_url)[0] == "008_jobs"  # later migrations follow it
    with psycopg.connect(empty_db_url) as conn:
        rows = conn.execute(
            "SELECT status, attempts, max_attempts, request, cancel_requested, error,"
            " finished_at IS NOT NULL FROM indexing_jobs ORDER BY id"
        ).fetchall()
    assert rows == [
        ("succeeded", 1, 3, {}, False, None, True),
        (
            "failed",
            1,
            3,
            {},
            False,
            "interrupted (its process ended before durable jobs existed)",
            True,
        ),
    ]
