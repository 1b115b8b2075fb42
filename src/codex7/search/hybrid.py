"""Candidates for one version: vector similarity, full-text rank, and exact identifier matches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import psycopg
from psycopg.rows import class_row

from codex7.config import Settings
from codex7.search.fusion import rrf


@dataclass
class Doc:
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


@dataclass
class Weights:
    vector: float = 1.5
    text: float = 1.0
    identifier: float = 1.0
    overfetch: int = 50
    k: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> Weights:
        return cls(
            vector=settings.search_vector_weight,
            text=settings.search_text_weight,
            identifier=settings.search_identifier_weight,
            overfetch=settings.search_overfetch,
            k=settings.search_rrf_k,
        )


@dataclass
class Retrieval:
    ranked: list[Doc]
    scores: dict[int, float] = field(default_factory=dict)
    lists: dict[str, list[int]] = field(default_factory=dict)


DOC_COLUMNS = (
    "id, chunk_index, coalesce(source_path, '') AS source_path, source_url, title, hierarchy,"
    " content, content_hash, has_code, code_language, token_count"
)

_VECTOR_SQL = """
SELECT id FROM documents
WHERE version_id = %(version)s
ORDER BY embedding <=> %(vector)s
LIMIT %(limit)s
"""

# pgvector's costs make sorting a version's rows by distance look cheaper than its HNSW index,
# though each row means de-TOASTing a vector (8x slower at 1536 dims, bench_search.py). So
# the plan is pinned: the version's partial HNSW index when it has one (codex7.store.vector_index),
# else its rows through the (version_id, chunk_index) btree and a top-N sort.
_PIN_PLAN = """
SELECT current_setting('enable_seqscan'), current_setting('enable_bitmapscan'),
       current_setting('enable_sort'),
       set_config('enable_seqscan', 'off', false), set_config('enable_bitmapscan', 'off', false),
       set_config('enable_sort', 'off', false)
"""
_RESTORE_PLAN = """
SELECT set_config('enable_seqscan', %s, false), set_config('enable_bitmapscan', %s, false),
       set_config('enable_sort', %s, false)
"""


@contextmanager
def pinned_plan(conn: psycopg.Connection) -> Iterator[None]:
    """Within the block, nearest-neighbour queries use a version's HNSW index if it has one."""
    row = conn.execute(_PIN_PLAN).fetchone()
    assert row is not None
    try:
        yield
    finally:
        # After an error the transaction is aborted and rolling it back reverts the settings.
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            conn.execute(_RESTORE_PLAN, row[:3])


def nearest(conn: psycopg.Connection, version_id: int, vector: np.ndarray, limit: int) -> list[int]:
    """IDs of the version's chunks closest to `vector` (cosine), nearest first."""
    with pinned_plan(conn):
        rows = conn.execute(
            _VECTOR_SQL, {"version": version_id, "vector": vector, "limit": limit}, prepare=False
        ).fetchall()
    return [r[0] for r in rows]


# websearch_to_tsquery parses the query (phrases, -exclusions, stop words, stemming); its
# AND of every term would miss most natural-language questions, so the terms are OR-ed and
# ts_rank_cd rewards documents matching more of them (headings weigh more: weight A).
_TEXT_SQL = """
WITH q AS (
    SELECT replace(websearch_to_tsquery('english', %(text)s)::text, ' & ', ' | ')::tsquery AS query
)
SELECT d.id FROM documents d, q
WHERE d.version_id = %(version)s AND q.query <> ''::tsquery AND d.search_vector @@ q.query
ORDER BY ts_rank_cd(d.search_vector, q.query) DESC, d.chunk_index
LIMIT %(limit)s
"""

# A section whose own heading names the identifier defines it; then any heading; then the body.
_IDENTIFIER_SQL = """
SELECT id FROM documents
WHERE version_id = %(version)s AND (title LIKE %(pattern)s OR content LIKE %(pattern)s)
ORDER BY (hierarchy[cardinality(hierarchy)] LIKE %(pattern)s) DESC,
         (title LIKE %(pattern)s) DESC,
         chunk_index
LIMIT %(limit)s
"""

_BACKTICKED = re.compile(r"`([^`\s][^`]*?)`")
_CODEISH = re.compile(
    r"\b(?:[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[A-Za-z]+_[A-Za-z0-9_]+"
    r"|[A-Za-z_][\w]*\.[A-Za-z_][\w.]*|[A-Za-z_]\w*\(\))"
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+[A-Za-z0-9]*\b")


def identifiers(query: str) -> list[str]:
    """Code-like names in a query: `backticked`, camelCase, snake_case, dotted.names, calls(),
    and Capitalised words inside a sentence (`Depends`, `StaticFiles`)."""
    found = [m.strip("()") for m in _BACKTICKED.findall(query)]
    rest = _BACKTICKED.sub(" ", query)
    found += [m.removesuffix("()") for m in _CODEISH.findall(rest)]
    found += _CAPITALISED.findall(rest.strip())
    seen: dict[str, None] = {}
    for f in found:
        f = f.strip().strip(".,:;?!")
        if len(f) >= 3 and f.lower() not in seen:
            seen[f] = None
    return list(seen)


def name_words(name: str, project: str, org: str) -> set[str]:
    """How a query names the library itself: its name, the name without a suffix ("Vue" for
    Vue.js) and the project or org when they spell the name ("fastapi", "reactjs"), not
    generic ones ("docs", "website")."""
    stem = re.sub(r"\.(js|dev|io|py)$", "", name.strip(), flags=re.IGNORECASE)
    key = re.sub(r"[^a-z0-9]", "", stem.lower())
    words = {name, stem}
    for other in (project, org):
        if key and re.sub(r"[^a-z0-9]", "", other.lower()).startswith(key):
            words.add(other)
    return {w for w in words if w}


def without_words(query: str, words: set[str]) -> str:
    """The query minus the library's own names ("fastapi", "next.js"): every chunk of the
    library is about it, so in full-text rank those words only reward pages that repeat the
    name. The query itself if nothing else would be left."""
    rest = query
    for w in sorted(words, key=len, reverse=True):
        if len(w) >= 2:
            rest = re.sub(
                rf"(?<![\w.-]){re.escape(w)}(?![\w-]|\.\w)", " ", rest, flags=re.IGNORECASE
            )
    return rest if re.search(r"\w", rest) else query


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fetch_docs(conn: psycopg.Connection, ids: list[int]) -> dict[int, Doc]:
    if not ids:
        return {}
    with conn.cursor(row_factory=class_row(Doc)) as cur:
        rows = cur.execute(
            f"SELECT {DOC_COLUMNS} FROM documents WHERE id = ANY(%s)", (ids,)
        ).fetchall()
    return {d.id: d for d in rows}


def retrieve(
    conn: psycopg.Connection,
    version_id: int,
    query: str,
    vector: np.ndarray | None,
    weights: Weights,
    *,
    library_words: set[str] | None = None,
) -> Retrieval:
    """Fused candidates for `query` in one version, best first."""
    params = {"version": version_id, "limit": weights.overfetch}
    lists: dict[str, list[int]] = {}
    ranked: list[tuple[list[int], float]] = []
    if vector is not None:
        lists["vector"] = nearest(conn, version_id, vector, weights.overfetch)
        ranked.append((lists["vector"], weights.vector))
    text = without_words(query, library_words or set())
    lists["text"] = [r[0] for r in conn.execute(_TEXT_SQL, {**params, "text": text})]
    ranked.append((lists["text"], weights.text))
    skip = {w.lower() for w in (library_words or set())}
    for ident in identifiers(query):
        if ident.lower() in skip:
            continue
        ids = [r[0] for r in conn.execute(_IDENTIFIER_SQL, {**params, "pattern": _like(ident)})]
        lists[f"identifier:{ident}"] = ids
        ranked.append((ids, weights.identifier))
    fused = rrf(ranked, k=weights.k)
    docs = fetch_docs(conn, [doc_id for doc_id, _ in fused])
    return Retrieval(
        ranked=[docs[i] for i, _ in fused if i in docs], scores=dict(fused), lists=lists
    )


_OVERVIEW_SQL = f"""
SELECT {DOC_COLUMNS} FROM documents
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


def neighbours(conn: psycopg.Connection, version_id: int, docs: list[Doc]) -> dict[int, Doc]:
    """The chunks right before and after each doc, keyed by chunk_index."""
    wanted = sorted(
        {d.chunk_index + off for d in docs for off in (-1, 1)} - {d.chunk_index for d in docs}
    )
    if not wanted:
        return {}
    with conn.cursor(row_factory=class_row(Doc)) as cur:
        rows = cur.execute(
            f"SELECT {DOC_COLUMNS} FROM documents WHERE version_id = %s AND chunk_index = ANY(%s)",
            (version_id, wanted),
        ).fetchall()
    return {d.chunk_index: d for d in rows}
