"""SQL for the versions table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from codex7.ids import normalize_version
from codex7.store.vector_index import drop_version_index


@dataclass
class VersionRow:
    id: int
    library_id: int
    version: str
    git_commit: str | None
    is_latest: bool
    document_count: int
    source: dict[str, Any]
    metadata: dict[str, Any]
    indexed_at: datetime | None


_COLUMNS = (
    "id, library_id, version, git_commit, is_latest, document_count, source, metadata, indexed_at"
)


def list_versions(conn: psycopg.Connection, library_id: int) -> list[VersionRow]:
    """Newest first."""
    with conn.cursor(row_factory=class_row(VersionRow)) as cur:
        return cur.execute(
            f"SELECT {_COLUMNS} FROM versions WHERE library_id = %s ORDER BY version_normalized DESC",
            (library_id,),
        ).fetchall()


def get_version(conn: psycopg.Connection, library_id: int, version: str) -> VersionRow | None:
    with conn.cursor(row_factory=class_row(VersionRow)) as cur:
        return cur.execute(
            f"SELECT {_COLUMNS} FROM versions WHERE library_id = %s AND version = %s",
            (library_id, version),
        ).fetchone()


def upsert_version(
    conn: psycopg.Connection,
    library_id: int,
    version: str,
    *,
    git_commit: str | None,
    source: dict[str, Any],
    metadata: dict[str, Any],
) -> int:
    row = conn.execute(
        """
        INSERT INTO versions (library_id, version, version_normalized, git_commit, source, metadata)
        VALUES (%s, %s, %s, %s, %s, %s)
        ON CONFLICT (library_id, version) DO UPDATE SET
            git_commit = excluded.git_commit,
            source = excluded.source,
            metadata = excluded.metadata,
            updated_at = now()
        RETURNING id
        """,
        (
            library_id,
            version,
            normalize_version(version),
            git_commit,
            Jsonb(source),
            Jsonb(metadata),
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_latest(conn: psycopg.Connection, library_id: int, version_id: int | None) -> None:
    """Make one version the latest (None: the newest by version order) in a single statement."""
    if version_id is None:
        row = conn.execute(
            "SELECT id FROM versions WHERE library_id = %s ORDER BY version_normalized DESC LIMIT 1",
            (library_id,),
        ).fetchone()
        if row is None:
            return
        version_id = int(row[0])
    conn.execute(
        "UPDATE versions SET is_latest = (id = %s) WHERE library_id = %s AND is_latest <> (id = %s)",
        (version_id, library_id, version_id),
    )


def delete_version(conn: psycopg.Connection, version_id: int) -> None:
    """Delete a version, its chunks and its vector index."""

    drop_version_index(conn, version_id)
    conn.execute("DELETE FROM versions WHERE id = %s", (version_id,))
