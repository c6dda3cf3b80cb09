"""Reciprocal rank fusion: merge ranked lists by rank alone, so cosine and BM25 scores never need calibrating.

Cormack, Clarke and Buettcher (SIGIR 2009): score(d) = sum over lists of weight / (k + rank of d in that list).
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None,
                           k: int = RRF_K) -> list[tuple[int, float]]:
    """(item, fused score) best first; ties keep the order of first appearance in the earlier lists."""
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(rankings)} rankings but {len(weights)} weights")
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda pair: -pair[1])


def max_fused_score(weights: Sequence[float], k: int = RRF_K) -> float:
    """The score of an item ranked first everywhere: divides fused scores into a 0..1 relevance."""
    return sum(weights) / (k + 1)
