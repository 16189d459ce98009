"""Online evaluator details: state threading, trace fields, optimal plan, exported surface."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import medaid.policy
from medaid.policy import Claim, YtdState, load_policy, quote, settle_person_year
from medaid.policy.optimal import optimal_plan, permitted_orders

ROOT = Path(__file__).resolve().parents[3]
REF = load_policy(ROOT / "policies" / "reference-2026.yaml")
XINJIN = load_policy(ROOT / "policies" / "xinjin-multidept-2026.yaml")


def _claim(cid: str, in_scope: str, level: int = 2, **kw: object) -> Claim:
    return Claim(cid, date(2026, 3, 1), "inpatient", "county", level, Decimal(in_scope), Decimal(in_scope), **kw)  # type: ignore[arg-type]


def test_public_surface_is_frozen() -> None:
    assert sorted(medaid.policy.__all__) == ["Claim", "LayerResult", "Policy", "Settlement", "YtdState",
                                             "load_policy", "parse_policy", "quote", "settle_person_year"]


def test_quote_threads_state_and_never_mutates_it() -> None:
    empty = YtdState()
    first = quote(_claim("C1", "30000"), empty, REF)
    assert empty.cumulative == {} and empty.paid == {}
    second = quote(_claim("C2", "50000"), first.state, REF)
    assert second.paid("critical") == Decimal("1176.00")  # same as scenario "two admissions cross…"
    assert quote(_claim("C2", "50000"), empty, REF).paid("critical") == Decimal("0.00")


def test_trace_shows_deductible_band_ratio_and_cap() -> None:
    s = quote(_claim("A", "40000", categories=frozenset({"dibao"})), YtdState(), REF)
    crit = s.layers[1]
    assert (crit.deductible_used, crit.band, crit.ratio, crit.cap_remaining) == (Decimal("7500"), 0, Decimal("0.65"), None)
    basic = s.layers[0]
    assert basic.cap_remaining == Decimal("168480.00") and basic.remaining == Decimal("8480.00")


def test_settle_person_year_sorts_by_date_then_claim_id() -> None:
    late = Claim("A", date(2026, 9, 1), "chronic_outpatient", "county", 1, Decimal("1300"), Decimal("1300"))
    early = Claim("Z", date(2026, 1, 1), "chronic_outpatient", "county", 1, Decimal("300"), Decimal("300"))
    result = settle_person_year([late, early], (), REF)
    assert [s.claim_id for s in result] == ["Z", "A"]
    assert result[1].paid("basic") == Decimal("910.00")


def test_permitted_orders_keep_fixed_layers_in_place() -> None:
    orders = permitted_orders(XINJIN)
    assert len(orders) == 120  # five department programs in any order between critical and bottom_line
    assert all(o[:2] == ("basic", "critical") and o[-1] == "bottom_line" for o in orders)
    assert orders[0] == tuple(layer.id for layer in XINJIN.layers)


def test_optimal_plan_picks_the_order_paying_most() -> None:
    # OOP after basic/critical 10000. veterans (1000, 80%) then disability (2000, 50%): 7200 + 400 = 7600;
    # disability first: 4000, then veterans (6000-1000)*0.8 = 4000: 8000 (seed 003: order matters).
    claim = Claim("Q", date(2026, 3, 1), "inpatient", "county", 2, Decimal("30000"), Decimal("30000"),
                  basic_paid=Decimal("20000"), critical_paid=Decimal("0"))
    plan = optimal_plan([claim], {"veteran_priority", "severe_disability"}, XINJIN)
    assert plan.total == Decimal("28000.00") and plan.file_order_total == Decimal("27600.00")
    assert plan.order.index("disability") < plan.order.index("veterans")
    s = plan.settlements[0]
    assert (s.paid("disability"), s.paid("veterans")) == (Decimal("4000.00"), Decimal("4000.00"))
    assert "file order pays 27600.00" in plan.why


def test_supplementary_pays_on_total_cost_not_only_in_scope() -> None:
    shandong = load_policy(ROOT / "policies" / "shandong-2017-supplementary.yaml")
    claim = Claim("S", date(2017, 5, 1), "inpatient", "county", 2, Decimal("40000"), Decimal("50000"),
                  categories=frozenset({"lifted"}))
    s = quote(claim, YtdState(), shandong)
    # basic 31520; OOP 8480 -> critical: tilt deductible 7500, 65% -> 637; total left 50000-32157 = 17843
    # -> supplementary 90% = 16058.70; person bears 1784.30 = 3.6% of total (seed 004 target ≤ 10%)
    assert (s.paid("basic"), s.paid("critical"), s.paid("supplementary")) == (
        Decimal("31520.00"), Decimal("637.00"), Decimal("16058.70"))
    assert (Decimal("50000") - s.total_paid) / Decimal("50000") <= Decimal("0.10")


def test_a_claim_outside_the_policy_dates_is_refused() -> None:
    import pytest

    from medaid.errors import PolicyError

    claim = Claim("OLD", date(2025, 12, 31), "inpatient", "county", 2, Decimal("100"), Decimal("100"))
    with pytest.raises(PolicyError, match="outside policy reference-2026"):
        quote(claim, YtdState(), REF)
