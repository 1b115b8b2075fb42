"""SQL for indexing_jobs: the queue of indexing runs, their leases and live counters.

A job is `queued` until a worker claims it (`running`, with a lease the worker renews by
heartbeat), then ends `succeeded`, `failed` or `cancelled`. Every write by a running job's
worker names the lease owner, so a worker that lost its lease can change nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

ACTIVE = ("queued", "running")
TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class Job:
    id: int
    library: str
    version: str | None
    source: str
    ref: str | None
    status: str  # queued | running | succeeded | failed | cancelled
    request: dict[str, Any]
    attempts: int
    max_attempts: int
    lease_owner: str | None
    heartbeat_at: datetime | None
    files_total: int
    files_done: int
    chunks: int
    to_embed: int
    embedded: int
    reused: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested: bool
    stage: str | None = None  # reading → chunking → embedding → publishing → done
    lease_expires_at: datetime | None = None
    result: dict[str, Any] | None = None  # the IndexResult once succeeded
    library_id: int | None = None
    version_id: int | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO 8601 strings."""
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}


@dataclass
class Counters:
    stage: str
    files_total: int
    files_done: int
    chunks: int
    to_embed: int
    embedded: int
    reused: int


_FIELDS = [f.name for f in fields(Job)]


_COUNTERS = ("files_total", "files_done", "chunks", "to_embed", "embedded", "reused")


def _counter_params(c: Counters | None) -> dict[str, int | None]:
    """The counters as query parameters; None keeps a column as it is (coalesce)."""
    return {n: getattr(c, n) if c else None for n in _COUNTERS}


def _job(row: dict[str, Any]) -> Job:
    # Queries say `*`: a column added later does not break reading the ones Job knows.
    return Job(**{name: row[name] for name in _FIELDS})


def _one(conn: psycopg.Connection, query: str, params: Any) -> Job | None:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, params).fetchone()
    return None if row is None else _job(row)


def _all(conn: psycopg.Connection, query: str, params: Any) -> list[Job]:
    with conn.cursor(row_factory=dict_row) as cur:
        return [_job(row) for row in cur.execute(query, params).fetchall()]


def enqueue(
    conn: psycopg.Connection,
    *,
    library: str,
    version: str | None,
    source: str,
    ref: str | None,
    request: dict[str, Any],
    max_attempts: int,
) -> Job:
    job = _one(
        conn,
        """
        INSERT INTO indexing_jobs (library, version, source, ref, request, max_attempts, stage)
        VALUES (%s, %s, %s, %s, %s, %s, 'queued')
        RETURNING *
        """,
        (library, version, source, ref, Jsonb(request), max_attempts),
    )
    assert job is not None
    return job


def create_running(
    conn: psycopg.Connection,
    *,
    library: str,
    version: str | None,
    source: str,
    ref: str | None,
    request: dict[str, Any],
    owner: str,
    lease: float,
    max_attempts: int = 1,
) -> Job:
    """A job that starts running at once under `owner`, in the caller's process; no worker can
    claim it first. If that process dies, a worker takes it over once the lease expires, up to
    `max_attempts` runs in all (1: never)."""
    job = _one(
        conn,
        """
        INSERT INTO indexing_jobs (library, version, source, ref, request, status, stage,
                                   attempts, max_attempts, lease_owner, lease_expires_at,
                                   heartbeat_at, started_at)
        VALUES (%s, %s, %s, %s, %s, 'running', 'starting', 1, %s, %s,
                now() + make_interval(secs => %s), now(), now())
        RETURNING *
        """,
        (library, version, source, ref, Jsonb(request), max_attempts, owner, lease),
    )
    assert job is not None
    return job


def get(conn: psycopg.Connection, job_id: int) -> Job | None:
    return _one(conn, "SELECT * FROM indexing_jobs WHERE id = %s", (job_id,))


def list_jobs(
    conn: psycopg.Connection,
    limit: int = 20,
    status: str | None = None,
    *,
    scoped: bool = False,
    workspace_id: int | None = None,
) -> list[Job]:
    """Newest first; only `status` if given; SCOPED: only the jobs of WORKSPACE_ID (the one its
    request names; None: the default workspace)."""
    return _all(
        conn,
        """
        SELECT * FROM indexing_jobs
        WHERE (%(status)s::text IS NULL OR status = %(status)s)
          AND (NOT %(scoped)s
               OR (request->>'workspace_id')::bigint IS NOT DISTINCT FROM %(ws)s::bigint)
        ORDER BY id DESC
        LIMIT %(limit)s
        """,
        {"status": status, "limit": limit, "scoped": scoped, "ws": workspace_id},
    )


def workspace_of(job: Job) -> int | None:
    """The workspace a job indexes for (None: the default one)."""
    value = job.request.get("workspace_id")
    return int(value) if value is not None else None


def active_for(
    conn: psycopg.Connection, library: str, version: str, workspace_id: int | None = None
) -> Job | None:
    """A queued or running job for this library version of WORKSPACE_ID, if there is one."""
    return _one(
        conn,
        """
        SELECT * FROM indexing_jobs
        WHERE library = %s AND version = %s AND status IN ('queued', 'running')
          AND (request->>'workspace_id')::bigint IS NOT DISTINCT FROM %s::bigint
        ORDER BY id
        LIMIT 1
        """,
        (library, version, workspace_id),
    )


def claim_next(conn: psycopg.Connection, owner: str, lease: float) -> Job | None:
    """The oldest queued job, now running under `owner`; None when the queue is empty.

    SKIP LOCKED: workers claiming at the same moment each get a different job.
    """
    return _one(
        conn,
        """
        UPDATE indexing_jobs
        SET status = 'running', stage = 'starting', attempts = attempts + 1,
            lease_owner = %(owner)s, lease_expires_at = now() + make_interval(secs => %(lease)s),
            heartbeat_at = now(), started_at = coalesce(started_at, now()), error = NULL
        WHERE id = (
            SELECT id FROM indexing_jobs
            WHERE status = 'queued'
            ORDER BY id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING *
        """,
        {"owner": owner, "lease": lease},
    )


def expire_leases(conn: psycopg.Connection) -> list[Job]:
    """Running jobs whose lease ran out (their worker died or hung): queued again while they
    have attempts left, else failed with the reason; cancelled if a cancel was pending."""
    return _all(
        conn,
        """
        UPDATE indexing_jobs
        SET status = CASE
                WHEN cancel_requested THEN 'cancelled'
                WHEN attempts < max_attempts THEN 'queued'
                ELSE 'failed'
            END,
            stage = CASE
                WHEN NOT cancel_requested AND attempts < max_attempts THEN 'queued'
                ELSE stage
            END,
            error = CASE
                WHEN cancel_requested THEN 'cancelled'
                WHEN attempts < max_attempts THEN NULL
                ELSE 'worker lost ' || attempts
                     || CASE WHEN attempts = 1 THEN ' time' ELSE ' times' END
                     || ' (its lease expired without a heartbeat)'
            END,
            finished_at = CASE
                WHEN cancel_requested OR attempts >= max_attempts THEN now()
            END,
            lease_expires_at = NULL
        WHERE id IN (
            SELECT id FROM indexing_jobs
            WHERE status = 'running' AND lease_expires_at < now()
            FOR UPDATE SKIP LOCKED
        )
        RETURNING *
        """,
        None,
    )


def heartbeat(
    conn: psycopg.Connection, job_id: int, owner: str, lease: float, counters: Counters | None
) -> bool | None:
    """Renew the lease (and write the counters): the job's cancel_requested, or None when
    `owner` no longer holds the job (its lease expired and it was requeued, or it ended)."""
    c = counters
    row = conn.execute(
        """
        UPDATE indexing_jobs
        SET lease_expires_at = now() + make_interval(secs => %(lease)s), heartbeat_at = now(),
            stage = coalesce(%(stage)s, stage),
            files_total = coalesce(%(files_total)s, files_total),
            files_done = coalesce(%(files_done)s, files_done),
            chunks = coalesce(%(chunks)s, chunks),
            to_embed = coalesce(%(to_embed)s, to_embed),
            embedded = coalesce(%(embedded)s, embedded),
            reused = coalesce(%(reused)s, reused)
        WHERE id = %(id)s AND status = 'running' AND lease_owner = %(owner)s
        RETURNING cancel_requested
        """,
        {
            "id": job_id,
            "owner": owner,
            "lease": lease,
            "stage": c.stage if c else None,
            **_counter_params(c),
        },
    ).fetchone()
    return None if row is None else bool(row[0])


def set_version(conn: psycopg.Connection, job_id: int, version: str) -> None:
    """The version name, once the worker knows it (a git source is named after its ref)."""
    conn.execute("UPDATE indexing_jobs SET version = %s WHERE id = %s", (version, job_id))


def finish(
    conn: psycopg.Connection,
    job_id: int,
    owner: str,
    status: str,
    *,
    error: str | None = None,
    counters: Counters | None = None,
    result: dict[str, Any] | None = None,
    library_id: int | None = None,
    version_id: int | None = None,
) -> bool:
    """End a running job held by `owner`. Success is refused once a cancel was requested.

    False when the job was not ours to finish (lease lost, or cancel requested on success);
    inside the publish transaction that rolls the publication back.
    """
    c = counters
    row = conn.execute(
        """
        UPDATE indexing_jobs
        SET status = %(status)s, error = %(error)s, finished_at = now(), lease_expires_at = NULL,
            stage = CASE WHEN %(status)s = 'succeeded' THEN 'done' ELSE stage END,
            result = %(result)s,
            library_id = coalesce(%(library_id)s, library_id),
            version_id = coalesce(%(version_id)s, version_id),
            files_total = coalesce(%(files_total)s, files_total),
            files_done = coalesce(%(files_done)s, files_done),
            chunks = coalesce(%(chunks)s, chunks),
            to_embed = coalesce(%(to_embed)s, to_embed),
            embedded = coalesce(%(embedded)s, embedded),
            reused = coalesce(%(reused)s, reused)
        WHERE id = %(id)s AND status = 'running' AND lease_owner = %(owner)s
          AND NOT (cancel_requested AND %(status)s = 'succeeded')
        RETURNING id
        """,
        {
            "id": job_id,
            "owner": owner,
            "status": status,
            "error": error,
            "result": Jsonb(result) if result is not None else None,
            "library_id": library_id,
            "version_id": version_id,
            **_counter_params(c),
        },
    ).fetchone()
    return row is not None


def release(conn: psycopg.Connection, job_id: int, owner: str) -> bool:
    """Give a running job back to the queue (its worker is stopping); the attempt is not
    counted, since nothing was lost."""
    row = conn.execute(
        """
        UPDATE indexing_jobs
        SET status = 'queued', stage = 'queued', attempts = greatest(attempts - 1, 0),
            lease_owner = NULL, lease_expires_at = NULL
        WHERE id = %s AND status = 'running' AND lease_owner = %s
        RETURNING id
        """,
        (job_id, owner),
    ).fetchone()
    return row is not None


def request_cancel(conn: psycopg.Connection, job_id: int) -> Job | None:
    """A queued job is cancelled at once; a running one is marked for its worker to stop at
    its next checkpoint. None when the job is not active."""
    return _one(
        conn,
        """
        UPDATE indexing_jobs
        SET cancel_requested = true,
            status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
            error = CASE WHEN status = 'queued' THEN 'cancelled before it started' ELSE error END,
            finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END
        WHERE id = %s AND status IN ('queued', 'running')
        RETURNING *
        """,
        (job_id,),
    )
