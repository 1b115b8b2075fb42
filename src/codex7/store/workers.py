"""SQL for job_workers: which workers are alive, so `codex7 index` knows if anyone will run its job."""

from __future__ import annotations

import psycopg


def register(conn: psycopg.Connection, worker_id: str, hostname: str, pid: int) -> None:
    conn.execute(
        """
        INSERT INTO job_workers (id, hostname, pid) VALUES (%s, %s, %s)
        ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
        """,
        (worker_id, hostname, pid),
    )


def beat(conn: psycopg.Connection, worker_id: str) -> None:
    conn.execute("UPDATE job_workers SET heartbeat_at = now() WHERE id = %s", (worker_id,))


def unregister(conn: psycopg.Connection, worker_id: str) -> None:
    conn.execute("DELETE FROM job_workers WHERE id = %s", (worker_id,))


def live_count(conn: psycopg.Connection, within: float) -> int:
    """Workers heard from in the last `within` seconds; older rows (killed workers) go."""
    conn.execute(
        "DELETE FROM job_workers WHERE heartbeat_at < now() - make_interval(secs => %s)",
        (max(within * 10, 3600.0),),
    )
    row = conn.execute(
        "SELECT count(*) FROM job_workers WHERE heartbeat_at >= now() - make_interval(secs => %s)",
        (within,),
    ).fetchone()
    return int(row[0]) if row else 0
