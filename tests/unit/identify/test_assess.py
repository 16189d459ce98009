"""Rules of DESIGN.md §6 on single households, and a monotonicity property."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from medaid.identify.assess import assess
from medaid.identify.thresholds import load_thresholds

from .factories import STD, households

TH = load_thresholds(on=__import__("datetime").date(2026, 6, 1))


def test_below_dibao_standard_is_in_need() -> None:
    out = assess(households({"adjusted_per_head_fen": STD - 1}, {"adjusted_per_head_fen": STD}), TH)
    assert out["rules_in_need"].tolist() == [True, False]
    assert "低于低保标准" in out["reasons"].iloc[0]


def test_edge_band_needs_a_severe_patient() -> None:
    out = assess(households(
        {"adjusted_per_head_fen": 1.2 * STD},
        {"adjusted_per_head_fen": 1.2 * STD, "has_cancer": True},
        {"adjusted_per_head_fen": 1.2 * STD, "risk_score": 15},
    ), TH)
    assert out["rules_in_need"].tolist() == [False, True, True]


def test_asset_test_blocks_income_route_but_not_rigid_inclusion() -> None:
    out = assess(households(
        {"adjusted_per_head_fen": 0, "asset_fail": True},
        {"adjusted_per_head_fen": 10 * STD, "asset_fail": True, "disabled": 2},
        {"adjusted_per_head_fen": 10 * STD, "rare_oop_fen": 5_000_001, "has_rare": True},
        {"adjusted_per_head_fen": 10 * STD, "rare_oop_fen": 5_000_000, "has_rare": True},
    ), TH)
    assert out["rules_in_need"].tolist() == [False, True, True, False]
    assert out["rigid"].tolist() == [False, True, True, False]
    assert "一户多残" in out["reasons"].iloc[1] and "不看收入" in out["reasons"].iloc[1]
    assert "罕见病" in out["reasons"].iloc[2]
    assert out["tier"].iloc[1] == "high"


def test_high_risk_alone_is_monitored_not_in_need() -> None:
    out = assess(households({"risk_score": 20}), TH)
    assert not out["rules_in_need"].iloc[0]
    assert out["tier"].iloc[0] == "low"
    assert "健康风险分 20" in out["reasons"].iloc[0]


def test_tiers() -> None:
    out = assess(households(
        {"adjusted_per_head_fen": 0, "oop_share": 0.6},
        {"adjusted_per_head_fen": 0, "oop_share": 0.1},
        {},
    ), TH)
    assert out["tier"].tolist() == ["high", "medium", ""]


@given(
    income=st.integers(min_value=-5 * STD, max_value=5 * STD),
    less=st.integers(min_value=0, max_value=5 * STD),
    risk=st.integers(min_value=0, max_value=40),
    disabled=st.integers(min_value=0, max_value=3),
)
def test_lower_income_never_removes_need(income: int, less: int, risk: int, disabled: int) -> None:
    rows = [{"adjusted_per_head_fen": income, "risk_score": risk, "disabled": disabled},
            {"adjusted_per_head_fen": income - less, "risk_score": risk, "disabled": disabled}]
    out = assess(households(*rows), TH)
    assert out["rules_in_need"].iloc[1] >= out["rules_in_need"].iloc[0]
