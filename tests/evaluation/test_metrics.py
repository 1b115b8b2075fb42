"""Ranking metrics on literal judgements."""

from __future__ import annotations

import math

import pytest

from codex7.evaluation import metrics


def test_first_hit_hits_and_reciprocal_rank() -> None:
    rank = metrics.first_hit([False, False, True, True])
    assert rank == 3
    assert [metrics.hit_at(rank, k) for k in (1, 3, 5)] == [0.0, 1.0, 1.0]
    assert metrics.reciprocal_rank(rank) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(None) == 0.0 and metrics.reciprocal_rank(11) == 0.0


def test_ndcg_counts_each_gold_once_and_is_one_when_ideal() -> None:
    assert metrics.ndcg([{0}, set()], [1.0]) == 1.0
    assert metrics.ndcg([set(), {0}], [1.0]) == pytest.approx(1 / math.log2(3))
    assert metrics.ndcg([{0}, {0}], [1.0]) == 1.0  # a second snippet of the same gold adds nothing
    graded = metrics.ndcg([{1}, {0}], [3.0, 1.0])  # the weaker gold first
    assert 0 < graded < 1
    assert metrics.ndcg([set()] * 3, [1.0]) == 0.0


def test_percentile() -> None:
    assert metrics.percentile([5, 1, 3, 2, 4], 50) == 3
    assert metrics.percentile(list(range(1, 101)), 95) == 95
    assert metrics.percentile([], 95) == 0.0
