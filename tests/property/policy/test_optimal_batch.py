"""Batch optimal plan (DuckDB, one query per permitted order) chooses what online ``optimal_plan`` does."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings

from medaid.domain.money import to_fen
from medaid.policy import Claim, Policy, load_policy
from medaid.policy.backends.duckdb import settle_arrow
from medaid.policy.batch import claims_to_arrow
from medaid.policy.optimal import optimal_plan, order_sensitive_layers, permitted_orders
from tests.property.policy.strategies import claim_streams, policies

ROOT = Path(__file__).resolve().parents[3]
Lines = dict[tuple[str, str], tuple[int, int, int, str]]


def online_optimal(policy: Policy, stream: list[tuple[str, Claim]]) -> Lines:
    by_person: dict[str, list[Claim]] = defaultdict(list)
    for person, c in stream:
        by_person[person].append(c)
    out = {}
    for claims in by_person.values():
        plan = optimal_plan(claims, (), policy)
        for s in plan.settlements:
            for pos, r in enumerate(s.layers):
                out[(s.claim_id, r.layer)] = (pos, int(to_fen(r.base)), int(to_fen(r.paid)), r.rule)
    return out


def lines_of(table: pa.Table) -> Lines:
    """Batch lines keyed like ``online_optimal`` (position included: the order is what is chosen)."""
    return {(r["claim_id"], r["layer"]): (r["position"], r["base_fen"], r["paid_fen"], r["rule"])
            for r in table.to_pylist()}


def batch_optimal(policy: Policy, stream: list[tuple[str, Claim]]) -> Lines:
    return lines_of(settle_arrow(claims_to_arrow(stream), policy, optimal=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy=policies(movable=True), stream=claim_streams())
def test_batch_optimal_equals_online_optimal(policy: Policy, stream: list[tuple[str, Claim]]) -> None:
    assert len(permitted_orders(policy)) > 1
    assert batch_optimal(policy, stream) == online_optimal(policy, stream)


def xinjin() -> Policy:
    return load_policy(ROOT / "policies" / "xinjin-multidept-2026.yaml")


_CATS = frozenset({"veteran_priority", "severe_disability", "dibao"})
XINJIN_STREAM = [
    ("P1", Claim("a1", date(2026, 3, 1), "inpatient", "county", 2, Decimal("30000"), Decimal("30000"),
                 basic_paid=Decimal("20000"), critical_paid=Decimal("0"), categories=_CATS)),
    ("P1", Claim("a2", date(2026, 5, 1), "inpatient", "province", 3, Decimal("80000"), Decimal("90000"),
                 categories=_CATS)),
    ("P2", Claim("b1", date(2026, 4, 1), "inpatient", "county", 1, Decimal("5000"), Decimal("5000"))),
]
"""Seed 003: programs with different deductibles; the order matters for the multi-category P1."""


def test_xinjin_batch_picks_the_better_order_per_person() -> None:
    assert len(order_sensitive_layers(xinjin())) >= 2
    assert batch_optimal(xinjin(), XINJIN_STREAM) == online_optimal(xinjin(), XINJIN_STREAM)
