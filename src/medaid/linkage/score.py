"""Pairwise link quality against ground truth: precision, recall and F1 of same-person pairs.

Counted from the contingency table of (predicted cluster, true person) — never by listing pairs —
so scoring 500k records is instant: pairs in a group of n records = n(n-1)/2.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True, slots=True)
class PairScore:
    true_positive: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_score(predicted: pd.Series, truth: pd.Series) -> PairScore:
    """``predicted`` and ``truth`` map the same record ids (index) to cluster / true-person keys."""
    both = pd.DataFrame({"p": predicted, "t": truth}).dropna()
    return PairScore(
        true_positive=_pairs(both.groupby(["p", "t"]).size()),
        predicted_pairs=_pairs(both.groupby("p").size()),
        true_pairs=_pairs(both.groupby("t").size()),
    )
