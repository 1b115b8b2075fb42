"""BM25 over documents.search_vector: per-version term statistics and the ranking query.

PostgreSQL's ts_rank knows neither inverse document frequency nor length normalisation. Each
version keeps its lexemes' document frequencies (`term_stats`, rebuilt at publish) and its
mean chunk length, and BM25F-style scores are computed in SQL over the chunks that match the
query's more selective terms. Field weights apply to the tsvector weights (A heading,
B breadcrumb and path, C identifiers, D body: see sql/007_lexical.sql).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import psycopg

_REFRESH_TERMS = """
INSERT INTO term_stats (version_id, term, df)
SELECT %(version)s, u.lexeme, count(*)
FROM documents d, unnest(d.search_vector) u
WHERE d.version_id = %(version)s
GROUP BY u.lexeme
"""

_REFRESH_LENGTH = """
UPDATE versions SET lexical_avg_length = coalesce(
    (SELECT avg(length(search_vector)) FROM documents WHERE version_id = %(version)s), 0)
WHERE id = %(version)s
"""


def refresh_term_stats(conn: psycopg.Connection, version_id: int) -> None:
    """Recompute a version's document frequencies and mean length (inside the publish
    transaction, after its chunks are in)."""
    params = {"version": version_id}
    conn.execute("DELETE FROM term_stats WHERE version_id = %(version)s", params)
    conn.execute(_REFRESH_TERMS, params)
    conn.execute(_REFRESH_LENGTH, params)


@dataclass(frozen=True)
class Term:
    term: str
    df: int
    idf: float


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
    # BM25 is computed exactly for this many chunks, chosen by PostgreSQL's cheap ts_rank over
    # the selective terms: ranking every match of a big version cost ~300 ms (docs/benchmarks.md).
    prefilter: int = 1000


@dataclass(frozen=True)
class Bm25Hit:
    id: int
    score: float
    heading_idf: float  # idf mass of query terms found in the chunk's own heading
    breadcrumb_idf: float  # ... in its breadcrumb or file path


_TERMS = """
SELECT v.document_count, s.term, s.df
FROM versions v
LEFT JOIN term_stats s ON s.version_id = v.id
    AND s.term = ANY(tsvector_to_array(to_tsvector('english', %(text)s)) || %(extra)s::text[])
WHERE v.id = %(version)s
"""


def query_terms(
    conn: psycopg.Connection, version_id: int, text: str, extra: list[str]
) -> tuple[list[Term], int]:
    """The query's lexemes (English stems, plus whole identifiers) that occur in the version,
    with their document frequency and BM25 idf, rarest first; and the version's chunk count."""
    rows = conn.execute(_TERMS, {"version": version_id, "text": text, "extra": extra}).fetchall()
    documents = int(rows[0][0]) if rows else 0
    terms = []
    for _, term, df in rows:
        if term is not None:
            idf = math.log(1 + (max(documents, df) - df + 0.5) / (df + 0.5))
            terms.append(Term(term, int(df), idf))
    return sorted(terms, key=lambda t: (t.df, t.term)), documents


def matching_terms(terms: list[Term], documents: int, params: Bm25Params) -> list[Term]:
    """The terms that choose candidates: the rare ones, or the rarest few when all are common."""
    rare = [t for t in terms if t.df <= params.common_share * max(documents, 1)]
    return (rare or terms[:3])[: params.max_match_terms]


# The tsquery is built in SQL from an array of lexemes (quoted, so no lexeme can be read as
# an operator), OR-ed: any selective term makes a chunk a candidate; ts_rank keeps the best few
# hundred, and BM25 scores those over every query term.
_BM25 = """
WITH terms AS (
    SELECT * FROM unnest(%(terms)s::text[], %(idf)s::float8[]) AS t(term, idf)
), match AS (
    SELECT string_agg('''' || replace(replace(m, '\\', '\\\\'), '''', '''''') || '''', ' | ')::tsquery AS q
    FROM unnest(%(match)s::text[]) m
), avg AS (
    SELECT greatest(lexical_avg_length, 1) AS len FROM versions WHERE id = %(version)s
), cand AS (
    SELECT d.id, d.search_vector FROM documents d, match
    WHERE d.version_id = %(version)s AND d.search_vector @@ match.q
    ORDER BY ts_rank(d.search_vector, match.q, 1) DESC, d.id
    LIMIT %(prefilter)s
)
SELECT d.id,
       sum(t.idf * f.tf * (%(k1)s + 1)
           / (f.tf + %(k1)s * (1 - %(b)s + %(b)s * length(d.search_vector) / avg.len))) AS score,
       coalesce(sum(t.idf) FILTER (WHERE f.in_heading), 0) AS heading_idf,
       coalesce(sum(t.idf) FILTER (WHERE f.in_breadcrumb), 0) AS breadcrumb_idf
FROM cand d
CROSS JOIN avg
CROSS JOIN LATERAL unnest(d.search_vector) u
JOIN terms t ON t.term = u.lexeme
CROSS JOIN LATERAL (
    SELECT sum(CASE w WHEN 'A' THEN %(wa)s WHEN 'B' THEN %(wb)s WHEN 'C' THEN %(wc)s
                      ELSE %(wd)s END) AS tf,
           bool_or(w = 'A') AS in_heading,
           bool_or(w = 'B') AS in_breadcrumb
    FROM unnest(u.weights) w
) f
GROUP BY d.id
ORDER BY score DESC, d.id
LIMIT %(limit)s
"""


def bm25(
    conn: psycopg.Connection,
    version_id: int,
    terms: list[Term],
    match: list[Term],
    params: Bm25Params,
    limit: int,
) -> list[Bm25Hit]:
    """The version's chunks matching any `match` term, best BM25 first."""
    if not match:
        return []
    rows = conn.execute(
        _BM25,
        {
            "version": version_id,
            "terms": [t.term for t in terms],
            "idf": [t.idf for t in terms],
            "match": [t.term for t in match],
            "k1": params.k1,
            "b": params.b,
            "wa": params.heading,
            "wb": params.breadcrumb,
            "wc": params.identifier,
            "wd": params.body,
            "limit": limit,
            "prefilter": max(params.prefilter, limit),
        },
    ).fetchall()
    return [Bm25Hit(int(r[0]), float(r[1]), float(r[2]), float(r[3])) for r in rows]
