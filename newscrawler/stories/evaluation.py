"""Pair precision and recall of a story assignment against truth labels, over all pairs of articles."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations


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
    """``predicted`` and ``truth`` map the same article keys to story ids / labels."""
    keys = sorted(truth)
    counts = Counter()
    for a, b in combinations(keys, 2):
        same_predicted = predicted[a] == predicted[b]
        same_truth = truth[a] == truth[b]
        counts["predicted"] += same_predicted
        counts["truth"] += same_truth
        counts["true"] += same_predicted and same_truth
    return PairScores(counts["true"], counts["predicted"], counts["truth"])
