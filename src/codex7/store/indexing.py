"""SQL the indexer runs on a version beside replacing its chunks: counts, dates, fingerprint."""

from __future__ import annotations

import psycopg


def set_document_count(conn: psycopg.Connection, version_id: int, count: int) -> None:
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
