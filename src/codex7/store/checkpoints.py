"""SQL for embedding_checkpoints: vectors a job computed before publishing, by content hash.

A job writes each slice of new vectors here as soon as it is embedded, so a re-run after a
crash (on any worker, against any DATABASE_URL) embeds only what was not embedded yet. The
publish transaction deletes the rows of every hash it publishes (from then on `documents` holds
those vectors); rows of runs that never published are purged after MAX_AGE_DAYS by the workers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import psycopg

MAX_AGE_DAYS = 7


def get_many(conn: psycopg.Connection, space: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    if not hashes:
        return {}
    rows = conn.execute(
        "SELECT content_hash, embedding FROM embedding_checkpoints"
        " WHERE space = %s AND content_hash = ANY(%s)",
        (space, list(hashes)),
    ).fetchall()
    return {
        h: np.asarray(e.to_numpy() if hasattr(e, "to_numpy") else e, dtype=np.float32)
        for h, e in rows
    }


def put_many(
    conn: psycopg.Connection, space: str, job_id: int, items: Sequence[tuple[str, np.ndarray]]
) -> None:
    """Keep these vectors for `job_id` (the latest job to compute a hash owns its row)."""
    if not items:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO embedding_checkpoints (space, content_hash, embedding, job_id)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (space, content_hash) DO UPDATE
            SET embedding = excluded.embedding, job_id = excluded.job_id, created_at = now()
            """,
            [(space, h, np.asarray(v, dtype=np.float32), job_id) for h, v in items],
        )


def delete_published(conn: psycopg.Connection, space: str, hashes: Sequence[str]) -> None:
    """Forget these vectors: `documents` holds them now (call in the publish transaction)."""
    conn.execute(
        "DELETE FROM embedding_checkpoints WHERE space = %s AND content_hash = ANY(%s)",
        (space, list(set(hashes))),
    )


def purge_older_than(conn: psycopg.Connection, days: float = MAX_AGE_DAYS) -> int:
    cur = conn.execute(
        "DELETE FROM embedding_checkpoints WHERE created_at < now() - make_interval(secs => %s)",
        (days * 86400.0,),
    )
    return cur.rowcount
