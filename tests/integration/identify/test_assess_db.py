"""Rules-only identification on a hand-built county, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from medaid.identify.service import assess_year, identify_year
from medaid.store.db import engine_for
from medaid.store.identify_tables import identify_result

pytestmark = pytest.mark.integration


def test_rules_find_the_known_households(make_county, tmp_path: Path) -> None:
    url, _c = make_county()
    a = assess_year(2026, url=url)
    hh = a.households
    assert bool(hh.at["h01", "rules_in_need"]) and not bool(hh.at["h01", "rigid"])
    assert not bool(hh.at["h02", "rules_in_need"])
    assert bool(hh.at["h03", "rigid"]) and "一户多残" in hh.at["h03", "reasons"]
    assert bool(hh.at["h04", "rigid"]) and "罕见病" in hh.at["h04", "reasons"]
    assert bool(hh.at["h06", "on_roster"]) and bool(hh.at["h06", "rules_in_need"])
    assert bool(hh.at["h05", "main_earner_unemployed"])
    # health risk score of the 70-year-old dibao member: 5 years over 65
    assert int(hh.at["h06", "risk_score"]) == 5
    # rare disease (+10) and an inpatient stay with OOP 70,000 > 10,000 (+8)
    assert int(hh.at["h04", "risk_score"]) == 18
    # disability level 2 (+10) beats the level-3 member (+5); household score is the max
    assert int(hh.at["h03", "risk_score"]) == 10 and int(hh.at["h03", "risk_score_sum"]) == 15
    # h07: hypertension is chronic — in the map for screening, no risk points (DESIGN §6)
    assert int(hh.at["h07", "risk_score"]) == 0 and bool(hh.at["h07", "has_chronic"])


def test_identify_year_writes_masked_list_and_counts_unrostered(make_county, tmp_path: Path) -> None:
    url, _c = make_county()
    out = tmp_path / "identify.csv"
    s = identify_year(2026, url=url, out=out, use_model=False)
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id_number", "household_id", "tier", "score", "reasons"]
    by_hh = {r["household_id"]: r for r in rows}
    assert {"h01", "h03", "h04", "h06"} <= set(by_hh)
    assert "h02" not in by_hh
    assert all("*" in r["id_number"] for r in rows)  # never unmasked
    assert by_hh["h03"]["tier"] == "high"
    # h01, h03, h04 are in need and on no roster; h06 is on the dibao roster
    assert s.not_on_roster == s.in_need - 1
    with engine_for(url).connect() as conn:
        stored = conn.execute(select(identify_result.c.household_id).where(identify_result.c.run_id == s.run_id))
        assert set(stored.scalars()) == set(by_hh)
