"""Pair precision and recall of a story assignment against truth labels, over all pairs of articles."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class PairScores:
    true_pairs: int        # pairs in one story both by truth and by assignment
    predicted_pairs: int   # pairs the assignment puts in one story
    truth_pairs: int       # pairs the truth puts in one story

    @property
    def precision(self) -> float:
        return self.true_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_pairs / self.truth_pairs if self.truth_pairs else 1.0


def pair_scores(predicted: dict[str, str], truth: dict[str, str]) -> PairScores:
    """``predicted`` and ``truth`` map the same article keys to story ids / labels.  Pairs are counted from group
    sizes (n articles in one group make n·(n−1)/2 pairs), so that 50 000 articles need no billion comparisons."""
    keys = list(truth)
    both = Counter((predicted[key], truth[key]) for key in keys)
    return PairScores(true_pairs=_pairs(both),
                      predicted_pairs=_pairs(Counter(predicted[key] for key in keys)),
                      truth_pairs=_pairs(Counter(truth[key] for key in keys)))


def _pairs(group_sizes: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in group_sizes.values())
