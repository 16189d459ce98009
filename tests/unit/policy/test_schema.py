"""Policy validation: every shipped policy loads; each kind of invalid file is reported by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from medaid.errors import PolicyError
from medaid.policy import load_policy, parse_policy
from medaid.policy.optimal import permitted_orders
from medaid.policy.params import variants

ROOT = Path(__file__).resolve().parents[3]
INVALID = sorted((ROOT / "tests" / "fixtures" / "policy_scenarios" / "invalid").glob("*.yaml"))
SHIPPED = sorted((ROOT / "policies").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_policies_are_valid(path: Path) -> None:
    policy = load_policy(path)
    assert policy.layers and permitted_orders(policy)


def test_reference_numbers_are_the_design_numbers() -> None:
    p = load_policy(ROOT / "policies" / "reference-2026.yaml")
    assert [layer.id for layer in p.layers] == ["basic", "critical", "assistance", "reassist"]
    inpatient = variants(p.layer("basic"), p.layer("basic").schedules[0])[0]
    assert [(str(t.deductible), str(t.bands[0].ratio)) for t in inpatient.terms] == [
        ("200", "0.90"), ("600", "0.80"), ("1200", "0.65"), ("1200", "0.55")]
    base, tilt = variants(p.layer("critical"), p.layer("critical").schedules[0])
    assert (str(base.deductible), str(base.cap)) == ("15000", "400000")
    assert (str(tilt.deductible), [str(b.ratio) for b in tilt.bands], tilt.cap) == ("7500", ["0.65", "0.75"], None)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_policy_reports_every_problem_with_path(path: Path) -> None:
    expected = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    exc = info.value
    assert exc.problems, "a PolicyError lists its problems"
    assert all(str(path) in p for p in exc.problems)
    assert expected in str(exc) + "\n".join(exc.problems)


def test_many_problems_are_reported_at_once() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(ROOT / "tests" / "fixtures" / "policy_scenarios" / "invalid" / "many-problems.yaml")
    text = "\n".join(info.value.problems)
    assert len(info.value.problems) == 4
    for where in ("layers/0/schedules/0/bands/0/ratio", "layers/0/schedules/1/deductible",
                  "layers/1/eligible", "layers/1/schedules/0"):
        assert where in text


def test_tilt_factor_rounds_deductible_half_up_to_the_fen() -> None:
    doc = {"id": "x", "name": "x", "region": "37", "valid_from": "2026-01-01", "layers": [{
        "id": "basic", "name": "b", "department": "d", "base": "in_scope", "schedules": [{
            "id": "s", "visit_types": ["inpatient"], "deductible": "0.05", "bands": [{"ratio": "0.5"}],
            "tilts": [{"id": "t", "categories": ["dibao"], "deductible_factor": "0.5"}]}]}]}
    policy = parse_policy(doc)
    tilt = variants(policy.layers[0], policy.layers[0].schedules[0])[1]
    assert str(tilt.deductible) == "0.03"  # 0.025 → 0.03
