"""The need model learns a clear signal, explains itself in Chinese, and round-trips through files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medaid.errors import ConfigError
from medaid.identify.model import load_model, metrics, train

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
    assert load_model(tmp_path / "none") is None


def test_model_with_other_features_is_refused(trained: tuple, tmp_path: Path) -> None:
    meta = trained[1].model.save(tmp_path)
    meta.write_text(meta.read_text(encoding="utf-8").replace('"members"', '"people"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="identify train"):
        load_model(tmp_path)


def test_metrics_basics() -> None:
    m = metrics(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.6, 0.1]))
    assert (m.precision, m.recall, m.f1) == (0.5, 0.5, 0.5)
    assert m.auc == 0.75
