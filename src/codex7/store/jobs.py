"""SQL for indexing_jobs: one row per run, with live counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row


@dataclass
class JobRow:
    id: int
    library: str
    version: str | None
    source: str
    ref: str | None
    status: str
    files_total: int
    files_done: int
    chunks: int
    embedded: int
    reused: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def create_job(
    conn: psycopg.Connection, library: str, version: str, source: str, ref: str | None
) -> int:
    row = conn.execute(
        "INSERT INTO indexing_jobs (library, version, source, ref, status, started_at)"
        " VALUES (%s, %s, %s, %s, 'running', now()) RETURNING id",
        (library, version, source, ref),
    ).fetchone()
    assert row is not None
    return int(row[0])


def update_counters(
    conn: psycopg.Connection,
    job_id: int,
    *,
    files_total: int,
    files_done: int,
    chunks: int,
    embedded: int,
    reused: int,
) -> None:
    conn.execute(
        "UPDATE indexing_jobs SET files_total = %s, files_done = %s, chunks = %s, embedded = %s, reused = %s"
        " WHERE id = %s",
        (files_total, files_done, chunks, embedded, reused, job_id),
    )


def finish_job(
    conn: psycopg.Connection,
    job_id: int,
    status: str,
    *,
    error: str | None = None,
    library_id: int | None = None,
    version_id: int | None = None,
) -> None:
    conn.execute(
        "UPDATE indexing_jobs SET status = %s, error = %s, finished_at = now(),"
        " library_id = coalesce(%s, library_id), version_id = coalesce(%s, version_id) WHERE id = %s",
        (status, error, library_id, version_id, job_id),
    )


def list_jobs(conn: psycopg.Connection, limit: int = 20) -> list[JobRow]:
    with conn.cursor(row_factory=class_row(JobRow)) as cur:
        return cur.execute(
            "SELECT id, library, version, source, ref, status, files_total, files_done, chunks,"
            " embedded, reused, error, created_at, finished_at"
            " FROM indexing_jobs ORDER BY id DESC LIMIT %s",
            (limit,),
        ).fetchall()
