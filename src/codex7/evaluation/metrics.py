"""Ranking metrics over one ranked list of snippet judgements; pure."""

from __future__ import annotations

import math
from collections.abc import Sequence


def first_hit(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant item, or None."""
    return next((i for i, r in enumerate(relevant, 1) if r), None)


def hit_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def ndcg(matches: Sequence[set[int]], grades: Sequence[float], k: int = 10) -> float:
    """nDCG@k where `matches[i]` holds the gold entries snippet i satisfies and `grades[g]` is
    gold g's grade. Each gold entry counts once, at the first snippet that satisfies it; the
    ideal ranking puts every gold entry first, best grade first."""
    seen: set[int] = set()
    dcg = 0.0
    for i, golds in enumerate(matches[:k], 1):
        fresh = golds - seen
        if fresh:
            dcg += max(grades[g] for g in fresh) / math.log2(i + 1)
            seen |= fresh
    ideal = sum(g / math.log2(i + 1) for i, g in enumerate(sorted(grades, reverse=True)[:k], 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[index]
