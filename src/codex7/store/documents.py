"""SQL for the documents table: embedding reuse by hash, bulk replace of a version's chunks."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import psycopg

from codex7.lexical import document_identifiers
from codex7.records import Chunk


def vectors_for_hashes(
    conn: psycopg.Connection, hashes: Sequence[str], workspace_id: int | None = None
) -> dict[str, np.ndarray]:
    """Stored embeddings for any of these content hashes, from the libraries WORKSPACE_ID may
    reuse: public ones and its own (None: the default workspace's, all public). Another
    workspace's private text is never reused, so a job's counts say nothing about it."""
    if not hashes:
        return {}
    rows = conn.execute(
        """
        SELECT DISTINCT ON (d.content_hash) d.content_hash, d.embedding
        FROM documents d
        JOIN versions v ON v.id = d.version_id
        JOIN libraries l ON l.id = v.library_id
        WHERE d.content_hash = ANY(%s) AND d.embedding IS NOT NULL
          AND (l.visibility = 'public' OR l.workspace_id = %s)
        """,
        (list(hashes), workspace_id),
    ).fetchall()
    # Stored as halfvec: handed back as float32, like a fresh embedding.
    return {
        h: np.asarray(e.to_numpy() if hasattr(e, "to_numpy") else e, dtype=np.float32)
        for h, e in rows
    }


def version_hashes(conn: psycopg.Connection, version_id: int) -> list[tuple[str, str, str]]:
    """(source_path, title, content_hash) of a version's chunks in order: its content fingerprint."""
    return [
        (r[0], r[1], r[2])
        for r in conn.execute(
            "SELECT coalesce(source_path, ''), title, content_hash FROM documents"
            " WHERE version_id = %s ORDER BY chunk_index",
            (version_id,),
        )
    ]


# What replace_documents derives from a chunk besides its text and vector: its identifiers
# (codex7.lexical) and section bounds. Bump it when that changes, so that indexing a version
# stored the old way rewrites its rows (reusing their vectors) even when its files have not
# changed. 2: section bounds (sql/014) and namespaced identifiers (`class:list`).
ROW_FORMAT = 2


def section_bounds(keys: Sequence[Hashable]) -> list[tuple[int, int]]:
    """For each chunk, the first and last index of its section: the run of chunks in a row
    with its key (page and heading path)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            bounds += [(start, i - 1)] * (i - start)
            start = i
    return bounds


_COPY_SQL = """
COPY documents (version_id, chunk_index, title, hierarchy, content, content_hash, embedding,
                source_type, source_path, source_url, has_code, code_language, token_count,
                identifiers, section_start, section_end)
FROM STDIN
"""


def replace_documents(
    conn: psycopg.Connection,
    version_id: int,
    chunks: Sequence[Chunk],
    hashes: Sequence[str],
    vectors: np.ndarray,
    source_type: str,
) -> int:
    """Delete a version's chunks and COPY the new ones in. Call inside the publish transaction."""
    conn.execute("DELETE FROM documents WHERE version_id = %s", (version_id,))
    bounds = section_bounds([(c.path, c.title) for c in chunks])
    with conn.cursor() as cur, cur.copy(_COPY_SQL) as copy:
        for i, (chunk, digest) in enumerate(zip(chunks, hashes, strict=True)):
            copy.write_row(
                (
                    version_id,
                    i,
                    chunk.title,
                    chunk.hierarchy,
                    chunk.content,
                    digest,
                    vectors[i],
                    source_type,
                    chunk.path,
                    chunk.url,
                    chunk.has_code,
                    chunk.code_language,
                    chunk.token_count,
                    document_identifiers(chunk.title, chunk.content),
                    *bounds[i],
                )
            )
    return len(chunks)
