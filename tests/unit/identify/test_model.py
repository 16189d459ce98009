"""The need model learns a clear signal, explains itself in Chinese, and round-trips through files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medaid.errors import ConfigError
from medaid.identify.model import load_model, metrics, operating_thresholds, train
from medaid.identify.thresholds import OperatingPoints

from .factories import STD, households


def _county(n: int = 1200, seed: int = 1) -> tuple:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(np.log(1.8 * STD), 0.6, n)
    burden = np.where(rng.random(n) < 0.15, rng.lognormal(np.log(30_000_00), 0.8, n), 0)
    rows = [{"income_per_head_fen": float(i), "wage_per_head_fen": float(i) * 0.6,
             "adjusted_per_head_fen": float(i - b / 3), "burden_fen": float(b)} for i, b in zip(income, burden, strict=True)]
    hh = households(*rows)
    y = ((income - burden / 3) < 1.2 * STD).astype(int)
    flip = rng.random(n) < 0.03  # truth is never perfectly learnable
    y[flip] = 1 - y[flip]
    hh["rules_in_need"] = hh["adjusted_per_head_fen"] < STD
    return hh, y


@pytest.fixture(scope="module")
def trained() -> tuple:
    hh, y = _county()
    return hh, train(hh, y, model_id="t1", seed=3, rounds=60, threads=1)


def test_model_beats_rules_on_a_learnable_signal(trained: tuple) -> None:
    hh, r = trained
    assert r.model_metrics.f1 > r.rules_metrics.f1
    assert r.model_metrics.auc is not None and r.model_metrics.auc > 0.85
    assert 0.0 < r.model.threshold <= 1.0
    assert r.test_rows + r.train_rows == len(hh)
    points = r.operating_points()
    assert 0.0 <= points["recall_at_precision_0.90"] <= 1.0
    assert 0.0 <= points["precision_at_recall_0.95"] <= 1.0


def test_screening_band_lies_below_the_confirm_threshold_and_finds_more(trained: tuple) -> None:
    _, r = trained
    assert 0.0 < r.model.screen_threshold <= r.model.threshold
    screened = r.screening.screened
    assert screened.recall >= r.model_metrics.recall
    assert screened.precision <= r.model_metrics.precision + 1e-9
    assert r.screening.in_need == int(r.test_truth.sum())
    assert r.screening.to_verify == int(((r.test_probability >= r.model.screen_threshold)
                                         & (r.test_probability < r.model.threshold)).sum())


def test_operating_thresholds_meet_the_targets_on_their_own_rows() -> None:
    # ten households, scores in order; truth: the top four and one at 0.35 are in need
    prob = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.35, 0.2, 0.1])
    y = np.array([1, 1, 1, 1, 0, 0, 0, 1, 0, 0])
    confirm, screen = operating_thresholds(y, prob, OperatingPoints(confirm_precision=0.9, screen_recall=0.95))
    assert confirm == 0.7  # {≥ 0.7}: 4/4 correct; {≥ 0.6} would be 4/5 = 0.8 < 0.9
    assert screen == 0.35  # the fifth household in need is only reached at 0.35
    confirm, screen = operating_thresholds(y, prob, OperatingPoints(confirm_precision=0.75, screen_recall=0.8))
    # {≥ 0.6}: 4/5 = 0.8 ≥ 0.75, and it already reaches recall 0.8: the band is empty
    assert confirm == 0.6 and screen == 0.6


def test_unreachable_precision_falls_back_to_the_most_precise_threshold() -> None:
    prob = np.array([0.9, 0.8, 0.7, 0.6])
    y = np.array([0, 1, 1, 0])
    confirm, screen = operating_thresholds(y, prob, OperatingPoints(confirm_precision=0.99, screen_recall=0.95))
    assert confirm == 0.7  # {≥ 0.8}: 1/2, {≥ 0.7}: 2/3 — the best precision there is
    assert screen == 0.7  # never above confirm


def test_calibrated_probabilities_are_monotone_and_bounded(trained: tuple) -> None:
    hh, r = trained
    model = r.model
    p = model.probability(hh)
    assert ((p >= 0) & (p <= 1)).all()
    assert np.all(np.diff(model.iso_y) >= 0)


def test_explanations_are_plain_chinese(trained: tuple) -> None:
    hh, r = trained
    model = r.model
    poorest = hh.sort_values("income_per_head_fen").head(3)
    text = model.explain(poorest)
    assert all(t.startswith("模型依据：") for t in text)
    assert any("元" in t for t in text)


def test_save_and_load_round_trip(trained: tuple, tmp_path: Path) -> None:
    hh, r = trained
    model = r.model
    model.save(tmp_path)
    again = load_model(tmp_path)
    assert again is not None and again.model_id == "t1"
    np.testing.assert_allclose(again.probability(hh), model.probability(hh))
    assert (again.threshold, again.screen_threshold) == (model.threshold, model.screen_threshold)
    assert load_model(tmp_path / "none") is None


def test_a_model_saved_before_the_screening_band_has_an_empty_band(trained: tuple, tmp_path: Path) -> None:
    meta = trained[1].model.save(tmp_path)
    doc = json.loads(meta.read_text(encoding="utf-8"))
    del doc["screen_threshold"]
    meta.write_text(json.dumps(doc), encoding="utf-8")
    again = load_model(tmp_path)
    assert again is not None and again.screen_threshold == again.threshold


def test_model_with_other_features_is_refused(trained: tuple, tmp_path: Path) -> None:
    meta = trained[1].model.save(tmp_path)
    meta.write_text(meta.read_text(encoding="utf-8").replace('"members"', '"people"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="identify train"):
        load_model(tmp_path)


def test_metrics_basics() -> None:
    m = metrics(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.6, 0.1]))
    assert (m.precision, m.recall, m.f1) == (0.5, 0.5, 0.5)
    assert m.auc == 0.75
