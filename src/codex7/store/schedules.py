"""SQL for library_schedules: how often a library is refreshed, and when it last was enqueued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import class_row


@dataclass
class Schedule:
    library_id: int
    identifier: str
    every: timedelta
    last_enqueued_at: datetime


def set_every(conn: psycopg.Connection, library_id: int, every: timedelta) -> None:
    """Refresh every `every`, counted from the library's last indexing (or now)."""
    conn.execute(
        """
        INSERT INTO library_schedules (library_id, every, last_enqueued_at)
        VALUES (%s, %s, coalesce(
            (SELECT max(indexed_at) FROM versions WHERE library_id = %s), now()))
        ON CONFLICT (library_id) DO UPDATE SET every = excluded.every
        """,
        (library_id, every, library_id),
    )


def clear(conn: psycopg.Connection, library_id: int) -> None:
    conn.execute("DELETE FROM library_schedules WHERE library_id = %s", (library_id,))


def list_schedules(conn: psycopg.Connection) -> list[Schedule]:
    with conn.cursor(row_factory=class_row(Schedule)) as cur:
        return cur.execute(
            """
            SELECT s.library_id, l.identifier, s.every, s.last_enqueued_at
            FROM library_schedules s JOIN libraries l ON l.id = s.library_id
            ORDER BY l.identifier
            """
        ).fetchall()


def lock_due(conn: psycopg.Connection) -> list[Schedule]:
    """Schedules whose time has come, locked until the caller's transaction ends; a schedule
    another worker is enqueueing right now is skipped (it will not be enqueued twice)."""
    with conn.cursor(row_factory=class_row(Schedule)) as cur:
        return cur.execute(
            """
            SELECT s.library_id, l.identifier, s.every, s.last_enqueued_at
            FROM library_schedules s JOIN libraries l ON l.id = s.library_id
            WHERE s.last_enqueued_at + s.every <= now()
            ORDER BY s.last_enqueued_at
            FOR UPDATE OF s SKIP LOCKED
            """
        ).fetchall()


def mark_enqueued(conn: psycopg.Connection, library_id: int) -> None:
    conn.execute(
        "UPDATE library_schedules SET last_enqueued_at = now() WHERE library_id = %s",
        (library_id,),
    )
