"""Weighted reciprocal rank fusion over ranked id lists; pure."""

from __future__ import annotations

from collections.abc import Sequence


def rrf(ranked: Sequence[tuple[Sequence[int], float]], k: int = 60) -> list[tuple[int, float]]:
    """Fuse (ids best-first, weight) lists: score = Σ weight / (k + rank), rank from 1."""
    scores: dict[int, float] = {}
    for ids, weight in ranked:
        for rank, doc_id in enumerate(ids, 1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
