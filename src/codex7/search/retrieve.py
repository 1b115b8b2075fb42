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
from codex7.store.database import Connection, pipelined

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
    """Candidate sections with their features (unscored), the retrievers' lists (chunk IDs,
    best first) and timings (ms).

    Two round trips: the BM25 postings, the nearest vectors and the identifier matches are
    asked for at once; then the sections of every candidate."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    limit = limit or weights.overfetch
    words = library_words or set()
    text = hybrid.without_words(query, words)
    skip = {w.lower() for w in words}
    raw_idents = [i for i in hybrid.identifiers(query) if i.lower() not in skip]
    with pipelined(conn):
        with candidates.generic_plans(conn):
            postings = lexical.send_query_terms(conn, version_id, text, query_identifiers(text))
            nearest = (
                candidates.send_nearest(conn, version_id, vector, limit)
                if vector is not None
                else None
            )
            named = {
                ident: candidates.send_identifier_matches(
                    conn, version_id, ident, weights.identifier_limit
                )
                for ident in raw_idents
            }
            terms, documents = postings.result()
            match = lexical.matching_terms(terms, documents, weights.bm25)
            # Evidence and lists by chunk_index until the sections' rows give the chunk IDs.
            evidence: dict[int, ChunkEvidence] = {}
            hits = lexical.bm25(terms, match, limit)
            lists: dict[str, list[int]] = {"bm25": [h.chunk for h in hits]}
            for rank, h in enumerate(hits, 1):
                evidence[h.chunk] = ChunkEvidence(
                    bm25=h.score,
                    bm25_rank=rank,
                    heading_idf=h.heading_idf,
                    breadcrumb_idf=h.breadcrumb_idf,
                )
            if nearest is not None:
                scored = nearest.result()
                lists["vector"] = [c for c, _ in scored]
                for rank, (chunk, cosine) in enumerate(scored, 1):
                    ev = evidence.setdefault(chunk, ChunkEvidence())
                    ev.cosine, ev.vec_rank = cosine, rank
            for ident, pending in named.items():
                lists[f"identifier:{ident}"] = chunks = pending.result()
                for rank, chunk in enumerate(chunks, 1):
                    ev = evidence.setdefault(chunk, ChunkEvidence())
                    ev.ident_rank = ranking.better_rank(ev.ident_rank, rank)
            t = _lap(timings, "candidates", t)
            fetch = (
                candidates.send_section_chunks(conn, version_id, list(evidence), vector)
                if evidence
                else None
            )
        fetched = fetch.result() if fetch is not None else []
    by_id: dict[int, ChunkEvidence] = {}
    for doc, section_cosine in fetched:
        ev = by_id[doc.id] = evidence.setdefault(doc.chunk_index, ChunkEvidence())
        if section_cosine is not None:
            ev.cosine = section_cosine
    docs = [d for d, _ in fetched]
    ids = {d.chunk_index: d.id for d in docs}
    lists = {name: [ids[c] for c in chunks if c in ids] for name, chunks in lists.items()}
    sections = ranking.describe(docs, by_id, sum(x.idf for x in terms), raw_idents)
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
