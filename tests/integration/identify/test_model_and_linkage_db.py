"""Identification with a trained model (the 待入户核实 band) and with identity resolution, on both databases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from medaid.identify.service import assess_year, identify_year, train_from_truth
from medaid.store import tables as t
from medaid.store.db import engine_for
from medaid.store.identify_tables import identify_result, identify_run
from medaid.store.reconcile_tables import person_link
from tests.integration.identify.conftest import YEAR, token

pytestmark = pytest.mark.integration


def test_model_run_stores_the_verify_band_between_its_two_thresholds(make_county, tmp_path: Path) -> None:
    url, c = make_county(extra_random=400)
    r = train_from_truth(YEAR, c.write_truth(tmp_path / "truth.csv"), url=url, seed=3)
    model = r.model
    assert model.screen_threshold <= model.threshold
    s = identify_year(YEAR, url=url, actor="test")
    with engine_for(url).connect() as conn:
        rows = conn.execute(select(identify_result).where(identify_result.c.run_id == s.run_id)).mappings().all()
        run = conn.execute(select(identify_run).where(identify_run.c.id == s.run_id)).mappings().one()
    verify = [row for row in rows if row["verify"]]
    assert run["to_verify"] == s.to_verify == len(verify) > 0  # the county has households records cannot decide
    for row in verify:  # listed for a home visit, not (yet) in need
        assert row["tier"] == "low" and not row["rigid"]
        assert model.screen_threshold <= row["model_probability"] < model.threshold
        assert "待入户核实" in row["reasons"]
    for row in rows:
        if row["tier"] in ("high", "medium"):
            assert row["rigid"] or row["model_probability"] >= model.threshold
            assert not row["verify"]


def test_a_person_registered_under_two_ids_counts_once_when_linked(make_county) -> None:
    url, c = make_county()
    # h02's head registered a second time under another valid ID (no income record on that one):
    # by exact ID the household has 3 members and its income per head drops by a third
    second = c.person("h02", age=45, relation="other")
    c.add("income", id_token=second, kind="pension", amount_fen=1_200_00,
          period_from=date(YEAR, 1, 1), period_to=date(YEAR, 12, 31))
    with engine_for(url).begin() as conn:  # make_county already wrote the known county; add the duplicate
        for name, rows in c.rows.items():
            new = [r for r in rows if r.get("id_token") == second]
            if new:
                conn.execute(insert(t.metadata.tables[name]), new)
    before = assess_year(YEAR, url=url).households
    assert int(before.at["h02", "members"]) == 3
    head = token(4)  # h02's head is the fourth person of the known county
    with engine_for(url).begin() as conn:
        conn.execute(insert(person_link), [
            {"table_name": "person", "load_id": 1, "source_row": row, "person_key": "P1", "id_token": tok,
             "method": "splink", "match_probability": 0.99, "run_id": 1}
            for row, tok in ((98, head), (99, second))])
    after = assess_year(YEAR, url=url).households
    assert int(after.at["h02", "members"]) == 2
    # the linked row's records follow the person: the pension is counted once, for two members
    assert float(after.at["h02", "pension_per_head_fen"]) == pytest.approx(1_200_00 / 2)
