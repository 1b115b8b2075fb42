"""Which embedding model the stored vectors come from; refuse to mix vector spaces."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from codex7.errors import ModelMismatch


@dataclass(frozen=True)
class EmbeddingSpace:
    provider: str
    model: str
    dimensions: int

    def __str__(self) -> str:
        return f"{self.provider} {self.model} ({self.dimensions} dims)"


def row_target(dims: int) -> int:
    """`toast_tuple_target` for rows holding a `dims`-dimension halfvec (2 bytes a dimension).

    The vector stays in the row (STORAGE MAIN: exact scans read no TOAST); the row's text stays
    beside it, compressed or moved to TOAST only past this size, which is the most that still
    fits as many rows in a page as the vector alone allows (1536 dims: two rows, 4,076 bytes;
    768 or fewer: PostgreSQL's default, 2,032). sql/012_storage.sql applies the same rule.
    """
    # A page's 8,160 usable bytes over the vector (+8 header) and ~200 of tuple header, keys
    # and a short text: the rows a page can hold; then the most each may take.
    per_page = max(1, 8160 // (2 * int(dims) + 8 + 200))
    return min(8156, max(2032, 8160 // per_page - 4))


def _retype(dims: int) -> sql.Composed:
    """The embedding column typed to `dims` dimensions (a type modifier cannot be a parameter).

    Retyping resets the column's storage to the type's default, so it is set again here.
    """
    return sql.SQL(
        "ALTER TABLE documents ALTER COLUMN embedding TYPE halfvec({}),"
        " ALTER COLUMN embedding SET STORAGE MAIN, SET (toast_tuple_target = {})"
    ).format(sql.Literal(int(dims)), sql.Literal(row_target(dims)))


def lock_space(conn: psycopg.Connection) -> None:
    """Hold the model still until the transaction ends: publishes bind it under this lock."""
    conn.execute("LOCK TABLE embedding_space IN EXCLUSIVE MODE")


def get_space(conn: psycopg.Connection) -> EmbeddingSpace | None:
    row = conn.execute("SELECT provider, model, dimensions FROM embedding_space").fetchone()
    return EmbeddingSpace(*row) if row else None


def _mismatch(stored: EmbeddingSpace, provider: str, model: str, dims: int | None) -> ModelMismatch:
    wanted = f"{provider} {model}" + (f" ({dims} dims)" if dims else "")
    return ModelMismatch(
        f"This database holds embeddings from {stored}, but the configured model is {wanted}. "
        "Re-embed it with the configured model: `codex7 reembed`; or go back to the stored "
        f"one: CODEX7_EMBEDDING_PROVIDER={stored.provider} CODEX7_EMBEDDING_MODEL={stored.model}."
    )


def check_space(conn: psycopg.Connection, provider: str, model: str, dims: int | None) -> None:
    """Raise ModelMismatch if the database was built with another model; no-op if unbound."""
    stored = get_space(conn)
    if stored is None:
        return
    if stored.provider != provider or stored.model != model or (dims and dims != stored.dimensions):
        raise _mismatch(stored, provider, model, dims)


def bind_space(conn: psycopg.Connection, provider: str, model: str, dims: int) -> EmbeddingSpace:
    """Record the model on first use and type the embedding column to its dimension."""
    with conn.transaction():
        conn.execute("LOCK TABLE embedding_space IN EXCLUSIVE MODE")
        stored = get_space(conn)
        if stored is not None:
            if (stored.provider, stored.model, stored.dimensions) != (provider, model, dims):
                raise _mismatch(stored, provider, model, dims)
            return stored
        # The column is untyped until now; typing it lets pgvector index it later.
        conn.execute(_retype(dims))
        conn.execute(
            "INSERT INTO embedding_space (provider, model, dimensions) VALUES (%s, %s, %s)",
            (provider, model, dims),
        )
    return EmbeddingSpace(provider, model, dims)


def rebind_space(conn: psycopg.Connection, provider: str, model: str, dims: int) -> None:
    """Empty `documents` and bind the database to another model (inside the caller's transaction).

    The caller drops the per-version vector indexes first and writes the new vectors after.
    """
    conn.execute("LOCK TABLE embedding_space IN EXCLUSIVE MODE")
    stored = get_space(conn)
    conn.execute("DELETE FROM documents")
    if stored is None or stored.dimensions != dims:
        conn.execute(_retype(dims))
    conn.execute("DELETE FROM embedding_space")
    conn.execute(
        "INSERT INTO embedding_space (provider, model, dimensions) VALUES (%s, %s, %s)",
        (provider, model, dims),
    )
