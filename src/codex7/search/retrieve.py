"""One version, one question → ranked sections: BM25, nearest vectors and identifier matches
gather candidate chunks; their sections are fetched whole and scored (codex7.search.ranking)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from codex7.config import Settings
from codex7.lexical import query_identifiers
from codex7.search import hybrid, ranking
from codex7.search.ranking import ChunkEvidence, Section
from codex7.search.rerank import Reranker, rerank, reranker_from_settings
from codex7.store import candidates, lexical
from codex7.store.database import Connection

# The rank features' weights when scores are not to be trusted: reciprocal-rank fusion.
RRF_WEIGHTS = {"vec_rr": 1.5, "bm25_rr": 1.0, "ident_rr": 1.0}


@dataclass
class Weights:
    """How one query is searched: candidates per list and how sections are scored."""

    overfetch: int = 60  # chunks per retriever
    identifier_limit: int = 20  # chunks per identifier list
    ranker: str = "learned"  # or "rrf"
    rank: dict[str, float] = field(default_factory=lambda: dict(ranking.DEFAULT_WEIGHTS))
    bm25: lexical.Bm25Params = field(default_factory=lexical.Bm25Params)
    reranker: Reranker | None = None  # a second stage over the first rerank_top_n sections
    rerank_top_n: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> Weights:
        return cls(
            overfetch=settings.search_overfetch,
            ranker=settings.search_ranker,
            reranker=reranker_from_settings(settings),
            rerank_top_n=settings.rerank_top_n,
        )

    @property
    def feature_weights(self) -> dict[str, float]:
        return RRF_WEIGHTS if self.ranker == "rrf" else self.rank


@dataclass
class Retrieval:
    sections: list[Section]  # best first
    lists: dict[str, list[int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _lap(timings: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    timings[name] = (now - since) * 1000
    return now


def gather(
    conn: Connection,
    version_id: int,
    query: str,
    vector: np.ndarray | None,
    weights: Weights,
    *,
    library_words: set[str] | None = None,
    limit: int | None = None,
) -> tuple[list[Section], dict[str, list[int]], dict[str, float]]:
    """Candidate sections with their features (unscored), the retrievers' lists, timings (ms)."""
    with candidates.generic_plans(conn):
        return _gather(conn, version_id, query, vector, weights, library_words, limit)


def _gather(
    conn: Connection,
    version_id: int,
    query: str,
    vector: np.ndarray | None,
    weights: Weights,
    library_words: set[str] | None,
    limit: int | None,
) -> tuple[list[Section], dict[str, list[int]], dict[str, float]]:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    limit = limit or weights.overfetch
    words = library_words or set()
    text = hybrid.without_words(query, words)
    skip = {w.lower() for w in words}
    raw_idents = [i for i in hybrid.identifiers(query) if i.lower() not in skip]
    terms, documents = lexical.query_terms(conn, version_id, text, query_identifiers(text))
    match = lexical.matching_terms(terms, documents, weights.bm25)
    hits = lexical.bm25(conn, version_id, terms, match, weights.bm25, limit)
    t = _lap(timings, "bm25", t)
    evidence: dict[int, ChunkEvidence] = {}
    lists: dict[str, list[int]] = {"bm25": [h.id for h in hits]}
    for rank, h in enumerate(hits, 1):
        evidence[h.id] = ChunkEvidence(
            bm25=h.score,
            bm25_rank=rank,
            heading_idf=h.heading_idf,
            breadcrumb_idf=h.breadcrumb_idf,
        )
    if vector is not None:
        nearest = candidates.nearest_scored(conn, version_id, vector, limit)
        lists["vector"] = [i for i, _ in nearest]
        for rank, (doc_id, cosine) in enumerate(nearest, 1):
            ev = evidence.setdefault(doc_id, ChunkEvidence())
            ev.cosine, ev.vec_rank = cosine, rank
        t = _lap(timings, "vector", t)
    for ident in raw_idents:
        ids = candidates.identifier_matches(conn, version_id, ident, weights.identifier_limit)
        lists[f"identifier:{ident}"] = ids
        for rank, doc_id in enumerate(ids, 1):
            ev = evidence.setdefault(doc_id, ChunkEvidence())
            ev.ident_rank = rank if ev.ident_rank is None else min(ev.ident_rank, rank)
    t = _lap(timings, "identifiers", t)
    fetched = candidates.section_chunks(conn, version_id, list(evidence), vector)
    for doc, section_cosine in fetched:
        if section_cosine is not None:
            evidence.setdefault(doc.id, ChunkEvidence()).cosine = section_cosine
    docs = [d for d, _ in fetched]
    sections = ranking.describe(docs, evidence, sum(x.idf for x in terms), raw_idents)
    _lap(timings, "sections", t)
    return sections, lists, timings


def retrieve(
    conn: Connection,
    version_id: int,
    query: str,
    vector: np.ndarray | None,
    weights: Weights,
    *,
    library_words: set[str] | None = None,
    limit: int | None = None,
) -> Retrieval:
    """Sections of one version for `query`, best first."""
    sections, lists, timings = gather(
        conn, version_id, query, vector, weights, library_words=library_words, limit=limit
    )
    ranked = ranking.score(sections, weights.feature_weights)
    if weights.reranker is not None:
        t = time.perf_counter()
        ranked = rerank(weights.reranker, query, ranked, weights.rerank_top_n)
        _lap(timings, "rerank", t)
    return Retrieval(ranked, lists, timings)
