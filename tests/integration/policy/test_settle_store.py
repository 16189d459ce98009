"""``settle_year`` on SQLite and PostgreSQL: reads claim + roster, stores a run, writes the output."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, insert, select

from medaid.errors import PolicyError
from medaid.policy.settle_store import settle_year
from medaid.store.db import engine_for, migrate
from medaid.store.settlement_tables import settlement_line, settlement_run
from medaid.store.tables import claim, roster

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
TOKEN_A, TOKEN_B, TOKEN_C = "a" * 32, "b" * 32, "c" * 32


def _claim(claim_id: str, token: str, level: int, in_scope: int, total: int, day: date, **kw: Any) -> dict[str, Any]:
    return {"claim_id": claim_id, "id_token": token, "name": "张三", "hospital_code": "H1", "hospital_level": level,
            "location": "county", "visit_type": "inpatient", "settle_date": day, "diagnosis_code": "C34.9",
            "total_fen": total * 100, "in_scope_fen": in_scope * 100, "load_id": 1, "source_row": 2,
            "basic_paid_fen": None, "critical_paid_fen": None, "reverses_claim_id": None, **kw}


def _seed(url: str) -> None:
    migrate(url)
    with engine_for(url).begin() as conn:
        conn.execute(insert(claim), [
            _claim("A", TOKEN_A, 2, 40_000, 50_000, date(2026, 3, 1)),
            _claim("B", TOKEN_B, 3, 180_000, 200_000, date(2026, 3, 2)),
            # dibao only until May: the June claim gets the general parameters
            _claim("C1", TOKEN_C, 2, 20_000, 20_000, date(2026, 6, 1)),
            _claim("OLD", TOKEN_A, 2, 40_000, 50_000, date(2025, 12, 31)),
        ])
        base = {"name": "张三", "township_code": None, "source_dept": "民政", "load_id": 1, "source_row": 2}
        conn.execute(insert(roster), [
            {**base, "id_token": TOKEN_A, "category": "dibao", "valid_from": date(2025, 1, 1), "valid_to": None},
            {**base, "id_token": TOKEN_B, "category": "tekun", "valid_from": date(2026, 1, 1), "valid_to": None},
            {**base, "id_token": TOKEN_C, "category": "dibao", "valid_from": date(2025, 1, 1),
             "valid_to": date(2026, 5, 31)},
        ])


def test_settle_year_stores_run_and_writes_design_output(db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    out = tmp_path / "settle.csv"
    seen: list[str] = []
    summary = settle_year(2026, url=db_url, out=out, progress=lambda stage, done, total: seen.append(stage))
    assert summary.claims == 3 and summary.lines == 12
    assert summary.paid_by_layer_fen["basic"] == 3_152_000 + 11_622_000 + 1_552_000
    assert "store" in seen and "read claims" in seen
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["claim_id", "layer", "base_yuan", "paid_yuan", "remaining_yuan", "rule"]
    got = {(r["claim_id"], r["layer"]): r["paid_yuan"] for r in rows}
    assert got[("A", "basic")] == "31520.00" and got[("A", "critical")] == "637.00"
    assert got[("A", "assistance")] == "5490.10" and got[("B", "assistance")] == "27198.00"
    assert got[("C1", "assistance")] == "0.00"  # roster ended before the claim
    with engine_for(db_url).connect() as conn:
        run = conn.execute(select(settlement_run)).one()
        assert run.policy_id == "reference-2026" and run.claims == 3 and run.engine == "duckdb"
        n = conn.execute(select(func.count()).select_from(settlement_line)
                         .where(settlement_line.c.run_id == run.id)).scalar_one()
        assert n == 12
        paid = conn.execute(select(settlement_line.c.paid_fen).where(settlement_line.c.claim_id == "B")
                            .where(settlement_line.c.layer == "critical")).scalar_one()
        assert paid == 3_658_200


def test_settle_year_xlsx_has_chinese_headers(db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    out = tmp_path / "settle.xlsx"
    settle_year(2026, url=db_url, out=out)
    ws = openpyxl.load_workbook(out, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("结算单号", "保障层次", "计算基数(元)")
    assert ("A", "basic", "40000.00", "31520.00", "8480.00", "basic.inpatient.base") in rows


def test_policy_not_covering_the_year_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    migrate(url)
    with pytest.raises(PolicyError, match="2027"):
        settle_year(2027, url=url)


FIXTURE_POLICIES = ROOT / "tests" / "fixtures" / "policy_scenarios" / "policies"


def test_settle_year_with_a_policy_change_in_the_year(db_url: str, tmp_path: Path) -> None:
    """Two dated files (reference until 06-30, h2 from 07-01: dibao assistance 80%), stored and written."""
    _seed(db_url)
    with engine_for(db_url).begin() as conn:
        conn.execute(insert(claim), [_claim("A2", TOKEN_A, 2, 40_000, 50_000, date(2026, 7, 1))])
    out = tmp_path / "settle.csv"
    files = [FIXTURE_POLICIES / "reference-2026-h1.yaml", FIXTURE_POLICIES / "reference-2026-h2.yaml"]
    summary = settle_year(2026, url=db_url, out=out, policy_path=files)
    assert summary.policy_id == "reference-2026-h1+reference-2026-h2" and summary.claims == 4
    got = {(r["claim_id"], r["layer"]): r["paid_yuan"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert got[("A", "assistance")] == "5490.10"  # March: 70%
    # July, same person: basic 31520; critical on the year's OOP 16960 with the dibao tilt (deductible 7500):
    # (16960-7500)*0.65 = 6149 − 637 already = 5512; OOP 2968 → assistance at h2's 80% = 2374.40
    assert got[("A2", "basic")] == "31520.00" and got[("A2", "critical")] == "5512.00"
    assert got[("A2", "assistance")] == "2374.40"


def test_a_gap_in_the_policy_set_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    migrate(url)
    with pytest.raises(PolicyError, match="2026-07-01"):
        settle_year(2026, url=url, policy_path=[FIXTURE_POLICIES / "reference-2026-h1.yaml"])


@pytest.mark.spark
def test_settle_year_on_spark_stores_the_same_lines_as_duckdb(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _seed(url)
    duck = settle_year(2026, url=url, out=tmp_path / "duck.csv")
    spark = settle_year(2026, url=url, out=tmp_path / "spark.csv", engine="spark")
    assert spark.engine == "spark" and spark.paid_by_layer_fen == duck.paid_by_layer_fen
    assert (tmp_path / "spark.csv").read_text(encoding="utf-8") == (tmp_path / "duck.csv").read_text(encoding="utf-8")
