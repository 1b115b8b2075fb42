"""SQL for workspaces: one team's libraries and keys. The default workspace has no row (None)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

from codex7.errors import WorkspaceError


@dataclass
class WorkspaceRow:
    id: int
    name: str
    description: str
    created_at: datetime
    libraries: int = 0  # owned libraries, private and public
    keys: int = 0  # keys neither revoked nor expired


_SELECT = """
SELECT w.id, w.name, w.description, w.created_at,
       (SELECT count(*) FROM libraries l WHERE l.workspace_id = w.id)::int AS libraries,
       (SELECT count(*) FROM api_keys k WHERE k.workspace_id = w.id AND k.revoked_at IS NULL
          AND (k.expires_at IS NULL OR k.expires_at > now()))::int AS keys
FROM workspaces w
"""


def create(conn: psycopg.Connection, name: str, description: str = "") -> WorkspaceRow:
    try:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO workspaces (name, description) VALUES (%s, %s) RETURNING id",
                (name, description),
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise WorkspaceError(
            f"A workspace named {name!r} already exists; see `codex7 workspaces list`."
        ) from None
    assert row is not None
    found = by_id(conn, int(row[0]))
    assert found is not None
    return found


def by_name(conn: psycopg.Connection, name: str) -> WorkspaceRow | None:
    with conn.cursor(row_factory=class_row(WorkspaceRow)) as cur:
        return cur.execute(_SELECT + "WHERE w.name = %s", (name,)).fetchone()


def by_id(conn: psycopg.Connection, workspace_id: int) -> WorkspaceRow | None:
    with conn.cursor(row_factory=class_row(WorkspaceRow)) as cur:
        return cur.execute(_SELECT + "WHERE w.id = %s", (workspace_id,)).fetchone()


def list_all(conn: psycopg.Connection) -> list[WorkspaceRow]:
    with conn.cursor(row_factory=class_row(WorkspaceRow)) as cur:
        return cur.execute(_SELECT + "ORDER BY w.name").fetchall()
