"""Query-time reads of the documents table: the candidate chunks of one version (nearest vectors,
identifier matches), the chunks of their sections, the overview and neighbours."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.rows import class_row

from codex7.lexical import normalize as normalize_identifier
from codex7.store.database import Pending


@dataclass
class Doc:
    """One chunk as the query flow sees it."""

    id: int
    chunk_index: int
    source_path: str
    source_url: str | None
    title: str
    hierarchy: list[str]
    content: str
    content_hash: str
    has_code: bool
    code_language: str | None
    token_count: int


# The version is written into the statement, not passed: only then can a cached plan use the
# version's partial index. With one partial index per big version, planning a query on documents
# costs milliseconds at a million chunks, so each version's statement is prepared once per
# connection and its generic plan kept (the vector and limit stay parameters).
_VECTOR_SQL = """
SELECT chunk_index, 1 - (embedding <=> %(vector)s::halfvec) AS cosine FROM documents
WHERE version_id = {version}
ORDER BY embedding <=> %(vector)s::halfvec
LIMIT %(limit)s
"""

# pgvector's costs make sorting a version's rows by distance look cheaper than its HNSW index,
# though that reads every row of the version (bench_search.py: 40 ms p95 against 4 ms). So
# the plan is pinned: the version's partial HNSW index when it has one (codex7.store.vector_index),
# else its rows through the (version_id, chunk_index) btree and a top-N sort.
# An HNSW scan returns at most ef_search rows: it is raised to the number asked for.
# The settings before are kept in the session (codex7.pinned) and put back from there, so
# neither statement waits for an answer inside a pipeline.
_PIN_PLAN = """
SELECT set_config('codex7.pinned', concat_ws(' ',
           current_setting('enable_seqscan'), current_setting('enable_bitmapscan'),
           current_setting('enable_sort'), coalesce(current_setting('hnsw.ef_search', true), '40'),
           current_setting('plan_cache_mode')), false),
       set_config('enable_seqscan', 'off', false), set_config('enable_bitmapscan', 'off', false),
       set_config('enable_sort', 'off', false), set_config('hnsw.ef_search', %s, false),
       set_config('plan_cache_mode', 'force_generic_plan', false)
"""
_RESTORE_PLAN = """
SELECT set_config('enable_seqscan', split_part(current_setting('codex7.pinned'), ' ', 1), false),
       set_config('enable_bitmapscan', split_part(current_setting('codex7.pinned'), ' ', 2), false),
       set_config('enable_sort', split_part(current_setting('codex7.pinned'), ' ', 3), false),
       set_config('hnsw.ef_search', split_part(current_setting('codex7.pinned'), ' ', 4), false),
       set_config('plan_cache_mode', split_part(current_setting('codex7.pinned'), ' ', 5), false)
"""
MAX_EF_SEARCH = 1000  # pgvector's upper bound


@contextmanager
def _restoring(conn: psycopg.Connection, restore: str) -> Iterator[None]:
    """Run `restore` when the block ends. After an error the transaction is aborted, and
    rolling it back reverts the settings by itself."""
    try:
        yield
    finally:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            conn.execute(restore)


@contextmanager
def pinned_plan(conn: psycopg.Connection, limit: int = 40) -> Iterator[None]:
    """Within the block, nearest-neighbour queries use a version's HNSW index if it has one,
    searching wide enough to return `limit` rows."""
    conn.execute(_PIN_PLAN, (str(min(max(limit, 40), MAX_EF_SEARCH)),))
    with _restoring(conn, _RESTORE_PLAN):
        yield


_GENERIC_PLANS = """
SELECT set_config('codex7.plans', current_setting('plan_cache_mode'), false),
       set_config('plan_cache_mode', 'force_generic_plan', false)
"""
_RESTORE_PLANS = "SELECT set_config('plan_cache_mode', current_setting('codex7.plans'), false)"


@contextmanager
def generic_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Within the block, a statement prepared on this connection keeps its first plan.

    With a partial HNSW index per big version, planning any query on documents costs ~1.5 ms at
    a million chunks (the planner weighs every index), more than running it; PostgreSQL would
    otherwise keep re-planning the candidate queries, whose custom plans look cheaper."""
    conn.execute(_GENERIC_PLANS)
    with _restoring(conn, _RESTORE_PLANS):
        yield


def send_nearest(
    conn: psycopg.Connection, version_id: int, vector: np.ndarray, limit: int
) -> Pending[list[tuple[int, float]]]:
    """(chunk_index, cosine) of the version's chunks closest to `vector`, nearest first."""
    query = sql.SQL(_VECTOR_SQL).format(version=sql.Literal(int(version_id)))
    with pinned_plan(conn, limit):
        cur = conn.execute(query, {"vector": vector, "limit": limit}, prepare=True)
    return Pending(cur, lambda rows: [(int(r[0]), float(r[1])) for r in rows])


def nearest(conn: psycopg.Connection, version_id: int, vector: np.ndarray, limit: int) -> list[int]:
    """chunk_index of the version's chunks closest to `vector` (cosine), nearest first."""
    return [i for i, _ in send_nearest(conn, version_id, vector, limit).result()]


# A section whose own heading names the identifier defines it; then any heading; then the body.
# The BM25 postings (codex7.store.lexical) find the chunks holding the identifier, whole or as
# all of its English words; LIKE then keeps those that spell it exactly. A capitalised word's
# stem can be in thousands of a big version's chunks, and reading each to test the spelling
# cost up to 9 ms at a million chunks: only the `checked` likeliest are read, those with the
# words in their own heading first, then in their breadcrumb or path, then in document order
# (the order the answer is sorted in).
_IDENTIFIER_SQL = """
WITH words AS (
    SELECT tsvector_to_array(to_tsvector('english', %(raw)s)) AS stems
), holding AS (
    SELECT u.chunk_index, u.fields
    FROM term_postings p, unnest(p.chunks, p.fields) AS u(chunk_index, fields)
    WHERE p.version_id = %(version)s AND p.term = %(lexeme)s
    UNION ALL
    SELECT u.chunk_index, bit_and(u.fields)
    FROM words, term_postings p, unnest(p.chunks, p.fields) AS u(chunk_index, fields)
    WHERE p.version_id = %(version)s AND p.term = ANY(words.stems)
    GROUP BY u.chunk_index
    HAVING count(*) = (SELECT cardinality(stems) FROM words)
), likely AS (
    SELECT chunk_index FROM holding
    GROUP BY chunk_index
    ORDER BY bit_or(fields) & 1 DESC, bit_or(fields) & 2 DESC, chunk_index
    LIMIT %(checked)s
)
SELECT chunk_index FROM documents
WHERE version_id = %(version)s
  AND chunk_index IN (SELECT chunk_index FROM likely)
  AND (title LIKE %(pattern)s OR content LIKE %(pattern)s)
ORDER BY (hierarchy[cardinality(hierarchy)] LIKE %(pattern)s) DESC,
         (title LIKE %(pattern)s) DESC,
         chunk_index
LIMIT %(limit)s
"""
CHECKED_PER_RESULT = 5  # chunks read to test the spelling, per identifier match returned


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def send_identifier_matches(
    conn: psycopg.Connection, version_id: int, identifier: str, limit: int
) -> Pending[list[int]]:
    """chunk_index of chunks naming `identifier`: those whose own heading names it first, then
    any heading."""
    lexeme = normalize_identifier(identifier) or "_"
    params = {
        "version": version_id,
        "limit": limit,
        "checked": limit * CHECKED_PER_RESULT,
        "pattern": like_pattern(identifier),
        "lexeme": lexeme,
        "raw": identifier,
    }
    return Pending(conn.execute(_IDENTIFIER_SQL, params), lambda rows: [r[0] for r in rows])


# LATERAL: each hit's window is an index range scan on (version_id, chunk_index); as a plain
# join the planner hashed the whole version instead (a seq scan, ~25 ms on CPython). OFFSET 0
# keeps it from flattening the subquery back into that join. The window stops at the section's
# bounds (sql/014); greatest/least skip them where a row has none, and the page and heading
# test keeps those rows' windows inside their sections as before.
_SECTIONS_SQL = """
SELECT DISTINCT ON (d.chunk_index) d.*
FROM documents c
CROSS JOIN LATERAL (
    SELECT d.id, d.chunk_index, coalesce(d.source_path, '') AS source_path, d.source_url,
           d.title, d.hierarchy, d.content, d.content_hash, d.has_code, d.code_language,
           d.token_count, 1 - (d.embedding <=> %(vector)s::halfvec) AS cosine
    FROM documents d
    WHERE d.version_id = c.version_id
      AND d.chunk_index BETWEEN greatest(c.chunk_index - %(window)s, c.section_start)
                            AND least(c.chunk_index + %(window)s, c.section_end)
      AND d.source_path IS NOT DISTINCT FROM c.source_path AND d.title = c.title
    OFFSET 0
) d
WHERE c.version_id = %(version)s AND c.chunk_index = ANY(%(chunks)s)
ORDER BY d.chunk_index
"""
# The same without a query vector (keyword-only search): no cosine.
_SECTIONS_NO_VECTOR_SQL = _SECTIONS_SQL.replace(
    "1 - (d.embedding <=> %(vector)s::halfvec)", "NULL::float8"
)


def _docs_with_cosine(rows: list[Any]) -> list[tuple[Doc, float | None]]:
    return [(Doc(*r[:-1]), None if r[-1] is None else float(r[-1])) for r in rows]


def send_section_chunks(
    conn: psycopg.Connection,
    version_id: int,
    chunks: list[int],
    vector: np.ndarray | None,
    window: int = 3,
) -> Pending[list[tuple[Doc, float | None]]]:
    """The chunks of the sections holding the chunks at `chunks` (chunk_index; up to `window`
    either side of each), with their cosine to `vector` when there is one."""
    params = {"version": version_id, "chunks": chunks, "window": window, "vector": vector}
    query = _SECTIONS_SQL if vector is not None else _SECTIONS_NO_VECTOR_SQL
    return Pending(conn.execute(query, params), _docs_with_cosine)


_OVERVIEW_SQL = """
SELECT id, chunk_index, coalesce(source_path, '') AS source_path, source_url, title, hierarchy,
       content, content_hash, has_code, code_language, token_count
FROM documents
WHERE version_id = %(version)s
ORDER BY (lower(regexp_replace(coalesce(source_path, ''), '^.*/|\\.[a-z]+$', '', 'g'))
             IN ('readme', 'index', 'introduction', 'intro', 'overview', 'getting-started', 'quickstart')) DESC,
         array_length(string_to_array(coalesce(source_path, ''), '/'), 1),
         chunk_index
LIMIT %(limit)s
"""


def overview(conn: psycopg.Connection, version_id: int, limit: int = 80) -> list[Doc]:
    """No topic: the version's introductory sections, in document order."""
    with conn.cursor(row_factory=class_row(Doc)) as cur:
        return cur.execute(_OVERVIEW_SQL, {"version": version_id, "limit": limit}).fetchall()


_NEIGHBOURS_SQL = """
SELECT id, chunk_index, coalesce(source_path, '') AS source_path, source_url, title, hierarchy,
       content, content_hash, has_code, code_language, token_count
FROM documents
WHERE version_id = %s AND chunk_index = ANY(%s)
"""


def neighbours(conn: psycopg.Connection, version_id: int, docs: list[Doc]) -> dict[int, Doc]:
    """The chunks right before and after each doc, keyed by chunk_index."""
    wanted = sorted(
        {d.chunk_index + off for d in docs for off in (-1, 1)} - {d.chunk_index for d in docs}
    )
    if not wanted:
        return {}
    with conn.cursor(row_factory=class_row(Doc)) as cur:
        rows = cur.execute(_NEIGHBOURS_SQL, (version_id, wanted)).fetchall()
    return {d.chunk_index: d for d in rows}
