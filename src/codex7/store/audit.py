"""SQL for audit_log: who did what, when. Actors are key prefixes or names, never keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass
class AuditRow:
    id: int
    at: datetime
    workspace_id: int | None
    workspace: str | None  # its name; None: the default workspace
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


def record(
    conn: psycopg.Connection,
    *,
    workspace_id: int | None,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (workspace_id, actor, action, target, detail)"
        " VALUES (%s, %s, %s, %s, %s)",
        (workspace_id, actor, action, target, Jsonb(detail or {})),
    )


def list_events(
    conn: psycopg.Connection,
    *,
    workspace_id: int | None,
    every_workspace: bool = False,
    action: str | None = None,
    limit: int = 50,
) -> list[AuditRow]:
    """The newest events of one workspace (None: the default one), or of all."""
    with conn.cursor(row_factory=class_row(AuditRow)) as cur:
        return cur.execute(
            """
            SELECT a.id, a.at, a.workspace_id, w.name AS workspace, a.actor, a.action, a.target,
                   a.detail
            FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id
            WHERE (%(all)s OR a.workspace_id IS NOT DISTINCT FROM %(ws)s)
              AND (%(action)s::text IS NULL OR a.action = %(action)s
                   OR a.action LIKE %(action)s || '.%%')
            ORDER BY a.at DESC, a.id DESC
            LIMIT %(limit)s
            """,
            {"all": every_workspace, "ws": workspace_id, "action": action, "limit": limit},
        ).fetchall()
