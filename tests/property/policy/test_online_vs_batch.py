"""Online (Decimal) and DuckDB batch (integer SQL) agree to the fen; the money invariants hold."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from medaid.domain.money import to_fen
from medaid.policy import Claim, Policy, settle_person_year
from medaid.policy.backends.duckdb import settle_arrow
from medaid.policy.batch import claims_to_arrow
from medaid.policy.policy_set import PolicyLike, PolicySet, as_set
from tests.property.policy.strategies import claim_streams, policies, policy_sets


def online_lines(policy: PolicyLike, stream: list[tuple[str, Claim]]) -> dict[tuple[str, str], tuple[int, int, str]]:
    by_person: dict[str, list[Claim]] = defaultdict(list)
    for person, c in stream:
        by_person[person].append(c)
    out = {}
    for claims in by_person.values():
        for s in settle_person_year(claims, (), policy):
            for r in s.layers:
                out[(s.claim_id, r.layer)] = (int(to_fen(r.base)), int(to_fen(r.paid)), r.rule)
    return out


def batch_lines(table) -> dict[tuple[str, str], tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    rows = table.to_pylist()
    return {(r["claim_id"], r["layer"]): (r["base_fen"], r["paid_fen"], r["rule"]) for r in rows}


def check_invariants(policy: PolicyLike, stream: list[tuple[str, Claim]],
                     lines: dict[tuple[str, str], tuple[int, int, str]]) -> None:
    claims = {c.claim_id: c for _, c in stream}
    per_rule_total: dict[tuple[str, str], int] = defaultdict(int)
    person_of = {c.claim_id: p for p, c in stream}
    for cid, c in claims.items():
        in_scope_paid = 0
        for layer in as_set(policy).layers:
            base, paid, rule = lines[(cid, layer.id)]
            assert 0 <= paid <= base, (cid, layer.id, base, paid)
            if layer.in_scope:
                in_scope_paid += paid
            if not rule.endswith(".given"):
                per_rule_total[(person_of[cid], layer.id + "|" + rule.split(".")[1] if "." in rule else rule)] += paid
        assert in_scope_paid <= int(to_fen(c.in_scope)), cid
    # no schedule pays a person more in the year than the largest cap among its variants
    from medaid.policy.params import variants

    # (with a policy change: than the largest cap of any policy of the set — never paid twice)
    pset = as_set(policy)
    for layer in pset.layers:
        for j, s in enumerate(layer.schedules):
            caps = [v.cap for p in pset.policies for v in variants(p.layer(layer.id), p.layer(layer.id).schedules[j])]
            if any(cap is None for cap in caps):
                continue
            limit = int(to_fen(max(c for c in caps if c is not None)))
            for (_person, key), total in per_rule_total.items():
                if key == f"{layer.id}|{s.id}":
                    assert total <= limit, (layer.id, s.id, total, limit)
    assert all(paid >= 0 for _, paid, _ in lines.values())
    assert Decimal(0) == Decimal(0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy=policies(), stream=claim_streams())
def test_online_equals_duckdb_to_the_fen(policy: Policy, stream: list[tuple[str, Claim]]) -> None:
    online = online_lines(policy, stream)
    batch = batch_lines(settle_arrow(claims_to_arrow(stream), policy))
    assert online == batch
    check_invariants(policy, stream, online)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pset=policy_sets(), stream=claim_streams())
def test_policy_change_in_year_online_equals_duckdb(pset: PolicySet, stream: list[tuple[str, Claim]]) -> None:
    """Several dated policies in one year (issue 4): same carry-over rule online and in SQL."""
    online = online_lines(pset, stream)
    batch = batch_lines(settle_arrow(claims_to_arrow(stream), pset))
    assert online == batch
    check_invariants(pset, stream, online)
