"""BM25 over per-version postings, built from the chunks' lexemes at publish and summed per query.

PostgreSQL's ts_rank knows neither inverse document frequency nor length normalisation, and
ranking a big version's matches with it cost tens of milliseconds. At publish each lexeme of a
version gets one `term_postings` row: the chunks holding it and its BM25F term weight in each
(field weights: heading, breadcrumb and path, identifiers, body). No tsvector is stored. A query
reads the rows of its own lexemes and adds idf × weight up in numpy: every chunk matching a
selective term is scored exactly, in about a millisecond.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from codex7.store.database import Pending


@dataclass(frozen=True, eq=False)
class Term:
    """A query lexeme found in the version, with its postings."""

    term: str
    idf: float
    chunks: np.ndarray  # chunk_index of every chunk holding it, ascending
    weights: np.ndarray  # its BM25 term weight in each
    fields: np.ndarray  # 1: in the chunk's own heading, 2: in its breadcrumb or path

    @property
    def df(self) -> int:
        """Document frequency: the chunks holding it."""
        return len(self.chunks)


@dataclass(frozen=True)
class Bm25Params:
    k1: float = 1.2
    b: float = 0.75
    heading: float = 3.0  # A
    breadcrumb: float = 1.5  # B
    identifier: float = 2.0  # C
    body: float = 1.0  # D
    # Terms in more than this share of a version's chunks don't select candidates (they
    # still score); at most this many of the rarest terms do.
    common_share: float = 0.2
    max_match_terms: int = 12


# Each chunk's lexemes are computed here, at publish, and kept only as postings: one row per
# lexeme of the version with the chunks holding it (by chunk_index, ascending), its BM25 term
# weight in each (field-weighted term frequency, saturated by k1, normalised by the chunk's
# number of distinct lexemes against the version's mean) and whether it stands in the chunk's
# own heading (1) or its breadcrumb/path (2). A query then adds up idf × weight over a few arrays.
# Fields: A the section's own heading, B the breadcrumb and file path, C code identifiers kept
# whole (`model_config` → modelconfig), D the body.
_REFRESH_POSTINGS = r"""
WITH docs AS MATERIALIZED (
    SELECT chunk_index,
           setweight(to_tsvector('english', coalesce(hierarchy[cardinality(hierarchy)], '')), 'A')
           || setweight(to_tsvector('english', title || ' ' || regexp_replace(
                  regexp_replace(coalesce(source_path, ''), '\.[A-Za-z0-9]+$', ''), '[/_.-]+', ' ', 'g')), 'B')
           || setweight(to_tsvector('simple', identifiers), 'C')
           || setweight(to_tsvector('english', content), 'D') AS lexemes
    FROM documents
    WHERE version_id = %(version)s
), sized AS (
    SELECT chunk_index, lexemes, length(lexemes) AS len FROM docs
), mean AS (
    SELECT greatest(avg(len), 1) AS len FROM sized
)
INSERT INTO term_postings (version_id, term, chunks, weights, fields)
SELECT %(version)s, p.term,
       array_agg(p.chunk_index ORDER BY p.chunk_index),
       array_agg(p.weight ORDER BY p.chunk_index),
       array_agg(p.fields ORDER BY p.chunk_index)
FROM (
    SELECT u.lexeme AS term, d.chunk_index, f.fields,
           (f.tf * (%(k1)s + 1)
            / (f.tf + %(k1)s * (1 - %(b)s + %(b)s * d.len / mean.len)))::real AS weight
    FROM sized d
    CROSS JOIN mean
    CROSS JOIN LATERAL unnest(d.lexemes) u
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(CASE w WHEN 'A' THEN %(wa)s WHEN 'B' THEN %(wb)s
                                   WHEN 'C' THEN %(wc)s ELSE %(wd)s END), %(wd)s) AS tf,
               ((CASE WHEN bool_or(w = 'A') THEN 1 ELSE 0 END)
                + (CASE WHEN bool_or(w = 'B') THEN 2 ELSE 0 END))::smallint AS fields
        FROM unnest(u.weights) w
    ) f
) p
GROUP BY p.term
"""


def refresh_postings(
    conn: psycopg.Connection, version_id: int, params: Bm25Params | None = None
) -> None:
    """Rebuild a version's postings (inside the publish transaction, after its chunks are in)."""
    p = params or Bm25Params()
    args = {"version": version_id, "k1": p.k1, "b": p.b}
    args |= {"wa": p.heading, "wb": p.breadcrumb, "wc": p.identifier, "wd": p.body}
    conn.execute("DELETE FROM term_postings WHERE version_id = %(version)s", args)
    conn.execute("SET LOCAL work_mem = '128MB'")  # sort a big version's postings in memory
    conn.execute(_REFRESH_POSTINGS, args)


@dataclass(frozen=True)
class Bm25Hit:
    chunk: int  # chunk_index
    score: float
    heading_idf: float  # idf mass of query terms found in the chunk's own heading
    breadcrumb_idf: float  # ... in its breadcrumb or file path


_POSTINGS = """
SELECT v.document_count, p.term, p.chunks, p.weights, p.fields
FROM versions v
LEFT JOIN term_postings p ON p.version_id = v.id
    AND p.term = ANY(tsvector_to_array(to_tsvector('english', %(text)s)) || %(extra)s::text[])
WHERE v.id = %(version)s
"""


def send_query_terms(
    conn: psycopg.Connection, version_id: int, text: str, extra: list[str]
) -> Pending[tuple[list[Term], int]]:
    """The query's lexemes (English stems, plus whole identifiers) that occur in the version,
    with their postings and BM25 idf, rarest first; and the version's chunk count."""
    params = {"version": version_id, "text": text, "extra": extra}
    return Pending(conn.execute(_POSTINGS, params, binary=True), _terms)


def query_terms(
    conn: psycopg.Connection, version_id: int, text: str, extra: list[str]
) -> tuple[list[Term], int]:
    """send_query_terms, answered."""
    return send_query_terms(conn, version_id, text, extra).result()


def _terms(rows: list[Any]) -> tuple[list[Term], int]:
    documents = int(rows[0][0]) if rows else 0
    terms = []
    for _, term, chunks, weights, fields in rows:
        if term is not None:
            df = len(chunks)
            idf = math.log(1 + (max(documents, df) - df + 0.5) / (df + 0.5))
            terms.append(
                Term(
                    term,
                    idf,
                    np.asarray(chunks, dtype=np.int64),
                    np.asarray(weights, dtype=np.float64),
                    np.asarray(fields, dtype=np.int8),
                )
            )
    return sorted(terms, key=lambda t: (t.df, t.term)), documents


def matching_terms(terms: list[Term], documents: int, params: Bm25Params) -> list[Term]:
    """The terms that choose candidates: the rare ones, or the rarest few when all are common."""
    rare = [t for t in terms if t.df <= params.common_share * max(documents, 1)]
    return (rare or terms[:3])[: params.max_match_terms]


def bm25(terms: list[Term], match: list[Term], limit: int) -> list[Bm25Hit]:
    """The version's chunks holding any `match` term, best BM25 (over every term) first."""
    if not match:
        return []
    size = max(int(t.chunks[-1]) for t in terms) + 1
    score, heading, breadcrumb = np.zeros(size), np.zeros(size), np.zeros(size)
    for t in terms:  # a term lists each chunk once, so += per index is exact
        score[t.chunks] += t.idf * t.weights
        heading[t.chunks] += t.idf * (t.fields & 1)
        breadcrumb[t.chunks] += t.idf * ((t.fields & 2) >> 1)
    matched = np.zeros(size, dtype=bool)
    for t in match:
        matched[t.chunks] = True
    found = np.flatnonzero(matched)
    best = found[np.lexsort((found, -score[found]))][:limit]  # score, then document order
    return [
        Bm25Hit(c, float(score[c]), float(heading[c]), float(breadcrumb[c])) for c in best.tolist()
    ]
