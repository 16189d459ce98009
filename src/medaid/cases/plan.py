"""The plan a case carries: the policy engine's optimal plan (``medaid.policy.optimal``) for the
person's medical year, and which of its programs a case approves and pays.

Case programs are the layers without ``given_field``: basic insurance and critical illness
insurance are settled at the hospital counter (一站式结算), so a case carries, approves and pays
only the assistance programs that come after them (医疗救助、再救助、部门救助…). See
docs/decisions/0008-cases-and-payouts.md.
"""

from __future__ import annotations

from medaid.domain.money import to_fen
from medaid.policy import Policy, Settlement
from medaid.policy.optimal import Plan
from medaid.policy.schema import Layer


def case_programs(policy: Policy) -> list[Layer]:
    """Layers whose payout a case carries (not settled at the hospital counter)."""
    return [layer for layer in policy.layers if layer.given_field is None]


def plan_detail(settlement: Settlement, plan: Plan, policy: Policy) -> dict[str, object]:
    """The JSON-able plan stored on a case: chosen order, why, every layer's trace, the alternatives."""
    layers = []
    for r in settlement.layers:
        layers.append({
            "layer": r.layer, "name": r.name, "department": policy.layer(r.layer).department,
            "base_fen": int(to_fen(r.base)), "paid_fen": int(to_fen(r.paid)),
            "remaining_fen": int(to_fen(r.remaining)), "rule": r.rule,
            "cap_remaining_fen": None if r.cap_remaining is None else int(to_fen(r.cap_remaining)),
            "ytd_paid_fen": None if r.ytd_paid is None else int(to_fen(r.ytd_paid)),
        })
    return {"policy": policy.id, "order": list(plan.order), "why": plan.why,
            "alternatives": {">".join(o): str(t) for o, t in plan.alternatives}, "layers": layers}
