"""Which programs a case carries, and the skip rule of ``open_cases``: a person holding none of the
tags the case programs admit is paid nothing by them, so skipping the replay changes no plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from medaid.cases.plan import case_programs
from medaid.cases.service import _admitting_tags, _lines
from medaid.domain.categories import CODES
from medaid.policy import Claim, load_policy
from medaid.policy.optimal import optimal_plan

POLICY = load_policy(Path(__file__).resolve().parents[3] / "policies" / "reference-2026.yaml")
PROGRAMS = frozenset(layer.id for layer in case_programs(POLICY))
NEEDED = _admitting_tags(case_programs(POLICY))


def test_case_programs_are_the_layers_not_settled_at_the_counter() -> None:
    assert {"assistance", "reassist"} == PROGRAMS
    assert {"tekun", "dibao", "orphan", "dibao_edge", "monitored", "catastrophic"} == NEEDED


claims = st.lists(st.builds(
    lambda i, day, visit, level, scope, extra: Claim(
        f"c{i}", dt.date(2026, 1, 1) + dt.timedelta(days=day), visit, "county", level, Decimal(scope),
        Decimal(scope + extra)),
    st.integers(0, 10_000), st.integers(0, 364), st.sampled_from(["inpatient", "chronic_outpatient"]),
    st.integers(1, 3), st.integers(0, 300_000), st.integers(0, 50_000)), min_size=1, max_size=6,
    unique_by=lambda c: c.claim_id)


@settings(max_examples=60, deadline=None)
@given(claims, st.frozensets(st.sampled_from(sorted(CODES))))
def test_skip_rule_and_lines_never_exceed_what_the_plan_pays(year: list[Claim], tags: frozenset[str]) -> None:
    plan = optimal_plan(year, tags, POLICY)
    lines = [line for s in plan.settlements for line in _lines(s.layers, POLICY, PROGRAMS)]
    if not tags & NEEDED:
        assert lines == []
    for s in plan.settlements:
        paid = sum(int(x["amount_fen"]) for x in _lines(s.layers, POLICY, PROGRAMS))
        in_scope = next(c.in_scope for c in year if c.claim_id == s.claim_id)
        assert 0 <= paid <= in_scope * 100
    for line in lines:
        assert line["amount_fen"] > 0 and (line["cap_fen"] is None or line["amount_fen"] <= line["cap_fen"])
