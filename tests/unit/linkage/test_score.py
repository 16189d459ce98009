"""Pairwise scoring from the contingency table equals brute-force pair counting."""

from __future__ import annotations

import itertools

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from medaid.linkage.score import pairwise_score


def _brute(pred: list[int], true: list[int]) -> tuple[int, int, int]:
    pairs = list(itertools.combinations(range(len(pred)), 2))
    p = {(i, j) for i, j in pairs if pred[i] == pred[j]}
    t = {(i, j) for i, j in pairs if true[i] == true[j]}
    return len(p & t), len(p), len(t)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=30))
def test_matches_brute_force(labels: list[tuple[int, int]]) -> None:
    pred = [a for a, _ in labels]
    true = [b for _, b in labels]
    s = pairwise_score(pd.Series(pred, dtype=object), pd.Series(true, dtype=object))
    assert (s.true_positive, s.predicted_pairs, s.true_pairs) == _brute(pred, true)
    assert 0.0 <= s.precision <= 1.0 and 0.0 <= s.recall <= 1.0


def test_perfect_and_empty() -> None:
    s = pairwise_score(pd.Series(["a", "a", "b"]), pd.Series(["x", "x", "y"]))
    assert s.f1 == 1.0
    assert pairwise_score(pd.Series([], dtype=object), pd.Series([], dtype=object)).f1 == 1.0
