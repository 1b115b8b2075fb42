"""SQL for api_keys: a key's SHA-256 digest, its non-secret prefix, scopes, expiry, revocation.

The key itself is never stored, and no query here returns a digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

# last_used_at is written at most once a minute per key, not once per request: `touch_due` in
# _SELECT and the WHERE of touch() say "a minute" the same way.


@dataclass
class KeyRow:
    id: int
    workspace_id: int | None  # None: the default workspace
    prefix: str
    scopes: list[str]
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    workspace: str | None = None  # the workspace's name (None: default)
    expired: bool = False  # expires_at has passed (by the database's clock)
    touch_due: bool = False  # last_used_at is over a minute old (or unset): touch() writes


_SELECT = """
SELECT k.id, k.workspace_id, k.prefix, k.scopes, k.name, k.created_at, k.expires_at,
       k.revoked_at, k.last_used_at, w.name AS workspace,
       (k.expires_at IS NOT NULL AND k.expires_at <= now()) AS expired,
       (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
           AS touch_due
FROM api_keys k LEFT JOIN workspaces w ON w.id = k.workspace_id
"""


def insert(
    conn: psycopg.Connection,
    *,
    workspace_id: int | None,
    prefix: str,
    digest: str,
    scopes: Sequence[str],
    name: str,
    expires_at: datetime | None,
) -> KeyRow:
    row = conn.execute(
        """
        INSERT INTO api_keys (workspace_id, prefix, digest, scopes, name, expires_at)
        VALUES (%s, %s, %s, %s, %s, %s) RETURNING id
        """,
        (workspace_id, prefix, digest, list(scopes), name, expires_at),
    ).fetchone()
    assert row is not None
    found = by_id(conn, int(row[0]))
    assert found is not None
    return found


def by_id(conn: psycopg.Connection, key_id: int) -> KeyRow | None:
    with conn.cursor(row_factory=class_row(KeyRow)) as cur:
        return cur.execute(_SELECT + "WHERE k.id = %s", (key_id,)).fetchone()


def by_digest(conn: psycopg.Connection, digest: str) -> KeyRow | None:
    """The key whose digest this is (revoked and expired ones too: the caller says why not)."""
    with conn.cursor(row_factory=class_row(KeyRow)) as cur:
        return cur.execute(_SELECT + "WHERE k.digest = %s", (digest,)).fetchone()


def by_prefix(conn: psycopg.Connection, prefix: str) -> KeyRow | None:
    with conn.cursor(row_factory=class_row(KeyRow)) as cur:
        return cur.execute(_SELECT + "WHERE k.prefix = %s", (prefix,)).fetchone()


def list_keys(
    conn: psycopg.Connection, workspace_id: int | None, *, every_workspace: bool = False
) -> list[KeyRow]:
    """The keys of one workspace (None: the default one), or of all, oldest first."""
    with conn.cursor(row_factory=class_row(KeyRow)) as cur:
        return cur.execute(
            _SELECT + "WHERE %(all)s OR k.workspace_id IS NOT DISTINCT FROM %(ws)s "
            "ORDER BY k.created_at, k.id",
            {"all": every_workspace, "ws": workspace_id},
        ).fetchall()


def revoke(conn: psycopg.Connection, key_id: int) -> bool:
    """Revoke a key from now on; False if it was revoked already."""
    cur = conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (key_id,)
    )
    return cur.rowcount == 1


def any_key(conn: psycopg.Connection) -> bool:
    """Whether any key was ever made, revoked or not (then anonymous access is off by default)."""
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM api_keys)").fetchone()
    return bool(row and row[0])


def any_admin(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND 'admin' = ANY (scopes)"
        " AND (expires_at IS NULL OR expires_at > now()))"
    ).fetchone()
    return bool(row and row[0])


def count_usable(conn: psycopg.Connection) -> int:
    """Keys neither revoked nor expired."""
    row = conn.execute(
        "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"
        " AND (expires_at IS NULL OR expires_at > now())"
    ).fetchone()
    return int(row[0]) if row else 0


def touch(conn: psycopg.Connection, key_id: int) -> None:
    """Record that the key was used (at most once a minute)."""
    conn.execute(
        "UPDATE api_keys SET last_used_at = now() WHERE id = %s AND (last_used_at IS NULL"
        " OR last_used_at < now() - interval '1 minute')",
        (key_id,),
    )
