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
from codex7.versions import best

_LOCK_SPACE = 0x7C7  # first key of lock_library_versions' advisory locks


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


_SELECT = """
SELECT id, library_id, version, git_commit, is_latest, document_count, source, metadata, indexed_at
FROM versions
"""


def list_versions(conn: psycopg.Connection, library_id: int) -> list[VersionRow]:
    """Newest first."""
    with conn.cursor(row_factory=class_row(VersionRow)) as cur:
        return cur.execute(
            _SELECT + "WHERE library_id = %s ORDER BY version_normalized DESC",
            (library_id,),
        ).fetchall()


def get_version(conn: psycopg.Connection, library_id: int, version: str) -> VersionRow | None:
    with conn.cursor(row_factory=class_row(VersionRow)) as cur:
        return cur.execute(
            _SELECT + "WHERE library_id = %s AND version = %s",
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
            version_normalized = excluded.version_normalized,
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
    """Make one version the latest (None: the newest release, see codex7.versions.best)."""
    if version_id is None:
        rows = {v.version: v.id for v in list_versions(conn, library_id)}
        newest = best(rows)
        if newest is None:
            return
        version_id = rows[newest]
    # Clear, then set: versions_one_latest_idx is checked row by row and is not deferrable.
    with conn.transaction():
        conn.execute(
            "UPDATE versions SET is_latest = false WHERE library_id = %s AND is_latest AND id <> %s",
            (library_id, version_id),
        )
        conn.execute(
            "UPDATE versions SET is_latest = true WHERE id = %s AND NOT is_latest", (version_id,)
        )


def lock_library_versions(conn: psycopg.Connection, library_id: int) -> None:
    """Serialise publishes of one library until the transaction ends (two-key advisory lock in
    a namespace of its own; a modulo collision only makes two libraries wait for each other)."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(%s, (%s %% 2147483647)::int)", (_LOCK_SPACE, library_id)
    )


def delete_version(conn: psycopg.Connection, version_id: int) -> None:
    """Delete a version, its chunks and its vector index."""

    drop_version_index(conn, version_id)
    conn.execute("DELETE FROM versions WHERE id = %s", (version_id,))


@dataclass
class RecordedVersion:
    """A version with its library's identifier and the source it was indexed from."""

    version_id: int
    library: str  # /org/project
    version: str
    source: dict[str, Any]
    indexed_at: datetime | None
    workspace_id: int | None = None  # the library's owner (None: the default workspace)

    @property
    def label(self) -> str:
        return f"{self.library}/{self.version}"


_RECORDED_SQL = """
SELECT v.id AS version_id, l.identifier AS library, v.version, v.source, v.indexed_at,
       l.workspace_id
FROM versions v JOIN libraries l ON l.id = v.library_id
WHERE %(library)s::bigint IS NULL OR l.id = %(library)s
ORDER BY l.identifier, v.version_normalized
"""


def recorded_versions(
    conn: psycopg.Connection, library_id: int | None = None
) -> list[RecordedVersion]:
    """Every version (of one library, or all), oldest first within a library."""
    with conn.cursor(row_factory=class_row(RecordedVersion)) as cur:
        return cur.execute(_RECORDED_SQL, {"library": library_id}).fetchall()


def record_rebuilt(
    conn: psycopg.Connection,
    version_id: int,
    document_count: int,
    git_commit: str | None,
    metadata: dict[str, Any],
) -> None:
    """After a version's chunks were replaced in place (re-embedding): its count, commit, date."""
    conn.execute(
        """
        UPDATE versions
        SET document_count = %s, indexed_at = now(), git_commit = coalesce(%s, git_commit),
            metadata = metadata || %s
        WHERE id = %s
        """,
        (document_count, git_commit, Jsonb(metadata), version_id),
    )


def set_document_count(conn: psycopg.Connection, version_id: int, count: int) -> None:
    """After a publish: how many chunks the version holds, indexed now."""
    conn.execute(
        "UPDATE versions SET document_count = %s, indexed_at = now() WHERE id = %s",
        (count, version_id),
    )


def touch_indexed(conn: psycopg.Connection, version_id: int) -> None:
    """An unchanged re-index still counts as indexed now."""
    conn.execute("UPDATE versions SET indexed_at = now() WHERE id = %s", (version_id,))


def record_fingerprint(conn: psycopg.Connection, version_id: int, fingerprint: str) -> None:
    conn.execute(
        """
        UPDATE versions
        SET metadata = metadata || jsonb_build_object('fingerprint', %s::text)
        WHERE id = %s
        """,
        (fingerprint, version_id),
    )
