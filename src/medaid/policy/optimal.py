"""Optimal plan (最优救助方案, seed 003): try every permitted order of programs, pay the most.

Programs of different departments have their own deductibles, so the order in which they see the
remaining cost changes what the person gets ("群众跑错顺序，还会影响到救助待遇"). A layer with
``after: [...]`` may move anywhere after those layers; a layer without ``after`` stays after every
layer listed before it. Each order is evaluated with the ordinary rules (so no fund's rules are
ever exceeded); the plan keeps the order paying the person most, ties going to the file's order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from medaid.errors import PolicyError
from medaid.policy.online import Claim, Settlement, settle_person_year
from medaid.policy.policy_set import PolicyLike, as_set
from medaid.policy.schema import Layer

MAX_ORDERS = 5040  # 7! — beyond this a policy needs more ordering constraints


@dataclass(frozen=True)
class Plan:
    order: tuple[str, ...]
    settlements: list[Settlement]
    total: Decimal
    alternatives: list[tuple[tuple[str, ...], Decimal]]
    """Every permitted order with the total it would pay, best first: the trace says why."""

    file_order_total: Decimal

    @property
    def why(self) -> str:
        """One line for a clerk: what was chosen and what the other orders would have paid."""
        totals = sorted({t for _, t in self.alternatives}, reverse=True)
        best_n = sum(1 for _, t in self.alternatives if t == self.total)
        return (f"{len(self.alternatives)} permitted orders tried; chose {' → '.join(self.order)} paying "
                f"{self.total} ({best_n} orders pay this); file order pays {self.file_order_total}; "
                f"other totals: {', '.join(str(t) for t in totals[1:]) or 'none'}")


def _must_follow(policy: PolicyLike) -> dict[str, set[str]]:
    ids = [layer.id for layer in policy.layers]
    return {layer.id: set(ids[:i]) if layer.after is None else set(layer.after)
            for i, layer in enumerate(policy.layers)}


def permitted_orders(policy: PolicyLike) -> list[tuple[str, ...]]:
    """All layer orders that respect every ``after`` constraint, the file's own order first."""
    deps = _must_follow(policy)
    ids = [layer.id for layer in policy.layers]

    def walk(done: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if len(done) == len(ids):
            yield done
            return
        for i in ids:
            if i not in done and deps[i] <= set(done):
                yield from walk((*done, i))

    orders = []
    for o in walk(()):
        orders.append(o)
        if len(orders) > MAX_ORDERS:
            raise PolicyError(f"policy {policy.id} permits more than {MAX_ORDERS} layer orders; add `after` constraints",
                              f"政策 {policy.id} 允许的保障顺序过多，请补充 after 约束")
    return orders


def optimal_plan(claims: Iterable[Claim], categories: Collection[str], policy: PolicyLike) -> Plan:
    """Evaluate the person-year under every permitted order and keep the best for the person."""
    claims = list(claims)
    tried: list[tuple[tuple[str, ...], Decimal, list[Settlement]]] = []
    for order in permitted_orders(policy):
        result = settle_person_year(claims, categories, policy, order=order)
        tried.append((order, sum((s.total_paid for s in result), Decimal(0)), result))
    best = max(range(len(tried)), key=lambda i: (tried[i][1], -i))
    ranked = sorted(range(len(tried)), key=lambda i: (-tried[i][1], i))
    order, total, settlements = tried[best]
    return Plan(order, settlements, total, [(tried[i][0], tried[i][1]) for i in ranked], tried[0][1])


def order_sensitive_layers(policy: PolicyLike) -> list[Layer]:
    """Layers whose position differs between permitted orders (the only ones the order can move).

    A movable layer with a ``given_field`` pays given amounts to anyone, so it counts as open to
    all (``eligible: all``); batch uses this to settle other orders only for people it can affect.
    """
    orders = permitted_orders(policy)
    ids = {i for k in range(len(orders[0])) if len({o[k] for o in orders}) > 1 for i in (o[k] for o in orders)}
    versions = as_set(policy).policies  # a set may open a layer to more people later in the year
    out = []
    for layer in policy.layers:
        if layer.id not in ids:
            continue
        same = [p.layer(layer.id) for p in versions]
        if layer.given_field or any(x.eligible == "all" for x in same):
            out.append(layer.model_copy(update={"eligible": "all"}))
        else:
            tags = sorted({t for x in same if x.eligible != "all" for t in x.eligible})
            out.append(layer.model_copy(update={"eligible": tags}))
    return out
