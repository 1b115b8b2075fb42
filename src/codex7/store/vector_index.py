"""Per-version HNSW indexes: a big version gets its own partial index, a small one is scanned exactly.

Every search is scoped to one version, so one graph over all chunks would be filtered down to a
sliver of itself; a partial index per big version holds exactly the rows a query may return.
`scripts/bench_search.py` measured the options and the threshold (docs/benchmarks.md).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

# Versions smaller than this are scanned exactly: fast enough, and recall is 1 by construction.
MIN_CHUNKS = 1000
# The column is `halfvec` (sql/012_storage.sql): pgvector's HNSW indexes it up to 4,000
# dimensions; wider ones are scanned.
MAX_DIMENSIONS = 4000


def index_name(version_id: int) -> str:
    return f"documents_embedding_v{int(version_id)}"


def create_version_index(conn: psycopg.Connection, version_id: int) -> None:
    """Build the version's HNSW index (cosine) unless it exists. Readers are not blocked."""
    conn.execute(
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {} ON documents USING hnsw (embedding halfvec_cosine_ops)"
            " WHERE version_id = {}"
        ).format(sql.Identifier(index_name(version_id)), sql.Literal(int(version_id)))
    )


def drop_version_index(conn: psycopg.Connection, version_id: int) -> None:
    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(index_name(version_id))))


def sync_version_index(
    conn: psycopg.Connection, version_id: int, chunks: int, dimensions: int
) -> None:
    """Inside the publish transaction: an index for a big version, none for a small one.

    A re-published version keeps its index, which PostgreSQL maintains row by row; dropping it
    would lock the whole documents table against readers until the commit.
    """
    if chunks >= MIN_CHUNKS and dimensions <= MAX_DIMENSIONS:
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")  # the graph is built in memory
        create_version_index(conn, version_id)
    else:
        drop_version_index(conn, version_id)


def drop_library_indexes(conn: psycopg.Connection, library_id: int) -> None:
    for (version_id,) in conn.execute(
        "SELECT id FROM versions WHERE library_id = %s", (library_id,)
    ).fetchall():
        drop_version_index(conn, version_id)
