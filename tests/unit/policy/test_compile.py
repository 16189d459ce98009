"""Compiler output: dialect differences, layer order, and the batch agreeing with a permuted online run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from medaid.domain.money import to_fen
from medaid.policy import Claim, load_policy, settle_person_year
from medaid.policy.backends.duckdb import settle_arrow
from medaid.policy.batch import claims_to_arrow
from medaid.policy.compile import compile_policy
from medaid.policy.dialects import DUCKDB, SPARK

ROOT = Path(__file__).resolve().parents[3]
XINJIN = load_policy(ROOT / "policies" / "xinjin-multidept-2026.yaml")


def test_dialects_differ_only_where_they_must() -> None:
    duck = compile_policy(XINJIN, DUCKDB).lines_sql
    spark = compile_policy(XINJIN, SPARK).lines_sql
    assert " // " in duck and " div " not in duck
    assert " div " in spark and " // " not in spark
    assert duck.replace(" // ", " div ") == spark


def test_batch_follows_a_given_layer_order_like_online() -> None:
    order = ("basic", "critical", "disability", "veterans", "civil_affairs", "union", "revitalisation", "bottom_line")
    claim = Claim("Q", date(2026, 3, 1), "inpatient", "county", 2, Decimal("30000"), Decimal("30000"),
                  basic_paid=Decimal("20000"), critical_paid=Decimal("0"),
                  categories=frozenset({"veteran_priority", "severe_disability"}))
    online = {r.layer: to_fen(r.paid) for r in settle_person_year([claim], (), XINJIN, order=order)[0].layers}
    batch = {r["layer"]: r["paid_fen"] for r in settle_arrow(claims_to_arrow([("P", claim)]), XINJIN, order=order).to_pylist()}
    assert online == batch
    assert batch["disability"] == 400_000 and batch["veterans"] == 400_000
