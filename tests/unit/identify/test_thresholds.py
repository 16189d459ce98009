"""Threshold and disease-map files: dated selection, validation that lists every problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from medaid.errors import PolicyError
from medaid.identify.thresholds import identification_dir, load_disease_map, load_thresholds


def test_dated_file_is_chosen_by_assessment_date() -> None:
    t = load_thresholds(on=date(2026, 12, 31))
    assert t.dibao_standard_yuan == 9600
    assert t.risk_score.disability_points == {1: 10, 2: 10, 3: 5, 4: 5}
    assert t.rigid_inclusion.rare_disease_annual_oop_yuan == 50000
    with pytest.raises(PolicyError, match="no identification threshold file"):
        load_thresholds(on=date(1999, 1, 1))


def test_invalid_file_lists_every_problem(tmp_path: Path) -> None:
    doc = yaml.safe_load((identification_dir() / "identification-2026.yaml").read_text(encoding="utf-8"))
    doc["dibao_standard_yuan"] = "lots"
    del doc["risk_score"]["threshold"]
    bad = tmp_path / "identification-bad.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_thresholds(bad)
    assert len(exc.value.problems) == 2
    assert any("risk_score.threshold" in p for p in exc.value.problems)


@pytest.mark.parametrize(
    ("code", "cls"),
    [("C34.9", "cancer"), ("N18.5", "esrd"), ("N18.4", "chronic"), ("E75.2", "rare"), ("g12.2", "rare"),
     ("I10", "chronic"), ("J18.9", None), ("E11.9", "chronic"), ("D66", "rare")],
)
def test_disease_map_longest_prefix_wins(code: str, cls: str | None) -> None:
    assert load_disease_map().classify(code) == cls
