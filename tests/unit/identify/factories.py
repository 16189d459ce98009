"""Household feature rows with neutral defaults, so a test states only what matters to it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from medaid.identify.model import FEATURE_NAMES

STD = 9600 * 100

DEFAULTS: dict[str, Any] = {
    "members": 3, "working_age": 2, "elderly": 0, "children": 1, "mean_age": 30.0,
    "income_per_head_fen": 3 * STD, "adjusted_per_head_fen": 3 * STD, "inferred_income_fen": 0,
    "burden_fen": 0, "oop_fen": 0, "oop_share": 0.0, "max_stay_oop_year_fen": 0, "inpatient_stays": 0,
    "claims": 0, "risk_score": 0, "risk_score_sum": 0, "disabled": 0, "severe_disabled": 0,
    "has_cancer": False, "has_esrd": False, "has_rare": False, "has_chronic": False,
    "unemployed": 0, "main_earner_unemployed": False, "business_drop": 0.0, "financial_per_head_fen": 0,
    "houses": 1, "costly_vehicle": False, "asset_fail": False, "rare_oop_fen": 0, "on_roster": False,
    "wage_per_head_fen": 2 * STD, "business_per_head_fen": 0, "pension_per_head_fen": 0,
    "transfer_per_head_fen": 0, "property_per_head_fen": 0, "other_per_head_fen": 0,
    "earners": 2, "employee_scheme": 0, "rules_in_need": False, "rigid": False,
    "recorded_per_head_fen": 3 * STD, "recorded_adjusted_per_head_fen": 3 * STD, "burden_per_head_fen": 0,
    "able_without_record": 0, "employed_without_wage": 0, "deceased_members": 0, "head_age": 40,
    "vehicle_value_fen": 0, "business_assets_fen": 0,
}


def households(*rows: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame([{**DEFAULTS, **r} for r in rows])
    df.index = [f"h{i:03d}" for i in range(len(df))]
    missing = set(FEATURE_NAMES) - set(df.columns)
    assert not missing, missing
    return df
