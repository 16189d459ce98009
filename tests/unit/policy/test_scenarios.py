"""Hand-checked scenarios (tests/fixtures/policy_scenarios/*.yaml): online and DuckDB batch."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from medaid.domain.money import to_fen
from medaid.policy import Claim, load_policy, settle_person_year
from medaid.policy.backends.duckdb import settle_arrow
from medaid.policy.batch import claims_to_arrow
from medaid.policy.policy_set import PolicyLike, load_policy_set

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "tests" / "fixtures" / "policy_scenarios"


def _cases() -> list[Any]:
    out = []
    for f in sorted(SCENARIOS.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for sc in doc["scenarios"]:
            out.append(pytest.param(doc["policy"], sc, id=f"{f.stem}:{sc['name']}"))
    return out


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _claims(sc: dict[str, Any]) -> list[Claim]:
    person = frozenset(sc.get("categories", []))
    return [
        Claim(
            claim_id=c["id"], settle_date=c["date"], visit_type=c["visit"], location=c["location"],
            hospital_level=c["level"], in_scope=Decimal(c["in_scope"]), total=Decimal(c["total"]),
            basic_paid=_dec(c.get("basic_paid")), critical_paid=_dec(c.get("critical_paid")),
            reverses_claim_id=c.get("reverses"), categories=person | frozenset(c.get("categories", [])),
        )
        for c in sc["claims"]
    ]


def _policy(name: str | list[str]) -> PolicyLike:
    """A policy of policies/ (or of the fixtures' policies/), or a dated set given as a list."""
    def path(n: str) -> Path:
        fixture = SCENARIOS / "policies" / f"{n}.yaml"
        return fixture if fixture.exists() else ROOT / "policies" / f"{n}.yaml"

    return load_policy(path(name)) if isinstance(name, str) else load_policy_set([path(n) for n in name])


def test_there_are_enough_scenarios() -> None:
    assert len(_cases()) >= 32


@pytest.mark.parametrize(("policy_name", "sc"), _cases())
def test_scenario(policy_name: str | list[str], sc: dict[str, Any]) -> None:
    policy = _policy(policy_name)
    claims = _claims(sc)
    online = {(s.claim_id, r.layer): (r.paid, r.rule) for s in settle_person_year(claims, (), policy) for r in s.layers}
    batch = {(r["claim_id"], r["layer"]): (r["paid_fen"], r["rule"])
             for r in settle_arrow(claims_to_arrow(("P", c) for c in claims), policy).to_pylist()}
    for c in claims:
        want = sc["expect"].get(c.claim_id, {})
        for layer in policy.layers:
            expected = Decimal(str(want.get(layer.id, "0")))
            paid, rule = online[(c.claim_id, layer.id)]
            assert paid == expected, f"online {c.claim_id}/{layer.id}: {paid} != {expected} ({rule})"
            assert batch[(c.claim_id, layer.id)][0] == to_fen(expected), f"batch {c.claim_id}/{layer.id}"
            want_rule = sc.get("rules", {}).get(c.claim_id, {}).get(layer.id)
            if want_rule:
                assert rule == want_rule
                assert batch[(c.claim_id, layer.id)][1] == want_rule
