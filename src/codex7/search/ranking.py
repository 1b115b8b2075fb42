"""Rank sections, not chunks: group a query's candidate chunks by section, describe each section
with a few features, and score it with a linear model; pure.

A section is the run of chunks under one heading of one file (`source_path`, `title`). Its
evidence is all of its chunks: the best cosine among them, its best BM25 chunk and BM25 mass,
how much of the query its own heading and breadcrumb hold, whether it names a queried
identifier, and where its chunks stood in each retriever's list. The weights come from
cross-validation over the dev queries (`scripts/tune_ranking.py`, docs/benchmarks.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from codex7.store.candidates import Doc

_CHANGELOG = re.compile(
    r"(^|/)(release[-_ ]?notes|changelog|changes|history|news|blog)(\.|/|$)", re.I
)
RANK_K = 10  # reciprocal-rank features: (RANK_K + 1) / (RANK_K + rank), 1 for a first place

FEATURES = (
    "vec_max",  # best cosine of the section's chunks
    "vec_gap",  # that cosine minus the query's best (≤ 0)
    "vec_rr",  # reciprocal rank of its best chunk in the vector list
    "bm25_max",  # its best chunk's BM25 / the query's best BM25
    "bm25_rr",  # reciprocal rank of its best chunk in the BM25 list
    "bm25_sum",  # its chunks' BM25 summed / the query's best, capped at 3
    "heading",  # share of the query's idf found in its own heading
    "breadcrumb",  # ... in its breadcrumb (page title, parent headings) or file path
    "ident_rr",  # reciprocal rank in the identifier lists (a heading that names it first)
    "ident_heading",  # 1 if its own heading names a queried identifier
    "page_support",  # other candidate sections of the same file, log-scaled
    "depth",  # heading depth, 1 for a page's top
    "changelog",  # 1 for release notes, changelogs, blogs: they mention everything, answer little
    "size",  # log10 of the section's tokens: stubs ("Import") against substance
)

# Fitted by coordinate ascent on all 187 dev docs queries; 5-fold cross-validation of the same
# procedure is the expected figure on new queries (scripts/tune_ranking.py, docs/benchmarks.md).
DEFAULT_WEIGHTS: dict[str, float] = {
    "vec_max": 2.0,
    "vec_gap": 0.1,
    "vec_rr": 1.5,
    "bm25_max": 0.0,
    "bm25_rr": 1.0,
    "bm25_sum": 0.1,
    "heading": -0.5,
    "breadcrumb": 0.5,
    "ident_rr": 0.25,
    "ident_heading": 0.25,
    "page_support": 0.0,
    "depth": 0.0,
    "changelog": -0.5,
    "size": 0.0,
}


@dataclass
class ChunkEvidence:
    """What the retrievers said about one chunk (None: not in that list)."""

    cosine: float | None = None
    vec_rank: int | None = None
    bm25: float = 0.0
    bm25_rank: int | None = None
    heading_idf: float = 0.0
    breadcrumb_idf: float = 0.0
    ident_rank: int | None = None


@dataclass
class Section:
    key: tuple[str, str]  # (source_path, title)
    docs: list[Doc] = field(default_factory=list)  # every fetched chunk, document order
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    chunk_scores: dict[int, float] = field(default_factory=dict)  # which chunks to keep first

    @property
    def path(self) -> str:
        return self.key[0]

    @property
    def hierarchy(self) -> list[str]:
        return self.docs[0].hierarchy if self.docs else []


def section_key(doc: Doc) -> tuple[str, str]:
    return (doc.source_path, doc.title)


def better_rank(a: int | None, b: int | None) -> int | None:
    """The better (lower) of two ranks, either possibly missing."""
    return b if a is None else a if b is None else min(a, b)


def _rr(rank: int | None) -> float:
    return (RANK_K + 1) / (RANK_K + rank) if rank is not None else 0.0


def describe(
    docs: Sequence[Doc],
    evidence: dict[int, ChunkEvidence],
    query_idf: float,
    identifiers: Sequence[str],
) -> list[Section]:
    """Sections of `docs` (every fetched chunk of every candidate section) with features."""
    sections: dict[tuple[str, str], Section] = {}
    for d in sorted(docs, key=lambda d: d.chunk_index):
        sections.setdefault(section_key(d), Section(section_key(d))).docs.append(d)
    cosines = [e.cosine for e in evidence.values() if e.cosine is not None]
    best_cos = max(cosines, default=0.0)
    best_bm25 = max((e.bm25 for e in evidence.values()), default=0.0) or 1.0
    per_file: dict[str, int] = {}
    for s in sections.values():
        per_file[s.path] = per_file.get(s.path, 0) + 1
    idf_total = query_idf or 1.0
    lowered = [i.lower() for i in identifiers]
    for s in sections.values():
        # One pass over the section's chunks (this loop runs for every fetched chunk).
        cos: float | None = None
        vec_rank = bm25_rank = ident_rank = None
        bm25_max = bm25_sum = heading_idf = breadcrumb_idf = 0.0
        tokens = 0
        for d in s.docs:
            tokens += d.token_count
            e = evidence.get(d.id)
            if e is None:
                s.chunk_scores[d.id] = 0.0
                continue
            s.chunk_scores[d.id] = (e.cosine or 0.0) + e.bm25 / best_bm25
            if e.cosine is not None and (cos is None or e.cosine > cos):
                cos = e.cosine
            vec_rank = better_rank(vec_rank, e.vec_rank)
            bm25_rank = better_rank(bm25_rank, e.bm25_rank)
            ident_rank = better_rank(ident_rank, e.ident_rank)
            bm25_max = max(bm25_max, e.bm25)
            bm25_sum += e.bm25
            heading_idf = max(heading_idf, e.heading_idf)
            breadcrumb_idf = max(breadcrumb_idf, e.breadcrumb_idf)
        if cos is None:
            cos = best_cos - 0.5
        heading = (s.hierarchy[-1] if s.hierarchy else "").lower()
        s.features = {
            "vec_max": cos,
            "vec_gap": cos - best_cos,
            "vec_rr": _rr(vec_rank),
            "bm25_max": bm25_max / best_bm25,
            "bm25_rr": _rr(bm25_rank),
            "bm25_sum": min(bm25_sum / best_bm25, 3.0),
            "heading": min(heading_idf / idf_total, 1.0),
            "breadcrumb": min(breadcrumb_idf / idf_total, 1.0),
            "ident_rr": _rr(ident_rank),
            "ident_heading": 1.0 if any(i in heading for i in lowered) else 0.0,
            "page_support": math.log1p(per_file[s.path] - 1),
            "depth": float(len(s.hierarchy)),
            "changelog": 1.0 if _CHANGELOG.search(s.path) else 0.0,
            "size": math.log10(1 + tokens),
        }
    return list(sections.values())


def score(sections: list[Section], weights: dict[str, float]) -> list[Section]:
    """Sections best first by the weighted sum of their features (ties: document order)."""
    for s in sections:
        s.score = sum(weights.get(name, 0.0) * value for name, value in s.features.items())
    return sorted(sections, key=lambda s: (-s.score, s.path, s.docs[0].chunk_index))
