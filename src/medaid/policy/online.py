"""Online evaluator: one claim at a time in ``Decimal``, with a per-layer trace (一站式结算试算).

The money rule (DESIGN §5): for every variant of a schedule the year-to-date payout P(cumulative)
is computed exactly and rounded to the fen half-up once; a schedule's YTD payout Y is the largest
P of its variants; a claim is paid Y(after) − Y(before). The batch compiler (``compile.py``)
implements the same definition in integer SQL; property tests hold the two equal to the fen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from medaid.domain.money import round_fen
from medaid.errors import PolicyError
from medaid.policy.params import RBand, Variant, applies, schedule_for, term_for, variants
from medaid.policy.policy_set import PolicyLike, PolicySet, as_set
from medaid.policy.schema import Base, Layer

ZERO = Decimal(0)

RULE_REVERSED = "reversed"
"""Output rule of a claim cancelled by a later reversal: every layer shows base/paid/remaining 0."""
RULE_REVERSAL = "reversal"
"""Output rule of the reversing claim itself: every layer shows 0; the year is recomputed without both."""


@dataclass(frozen=True)
class Claim:
    """A settlement record (结算单) as the policy sees it; amounts are yuan ``Decimal``."""

    claim_id: str
    settle_date: date
    visit_type: str
    location: str
    hospital_level: int
    in_scope: Decimal
    total: Decimal
    basic_paid: Decimal | None = None
    critical_paid: Decimal | None = None
    reverses_claim_id: str | None = None
    categories: frozenset[str] = frozenset()
    """The person's categories/tags valid on ``settle_date`` (roster rows)."""


@dataclass(frozen=True)
class YtdState:
    """Year-to-date accumulators of one person: per variant the cumulative amount, per schedule Y."""

    cumulative: dict[str, Decimal] = field(default_factory=dict)  # key "layer.schedule.variant"
    paid: dict[str, Decimal] = field(default_factory=dict)  # key "layer.schedule"
    """With a policy set of several policies, keys prefixed ``"<policy id>|"`` hold each policy's own
    accumulators and Y; unprefixed ``paid`` keys hold what was actually paid (T, see policy_set)."""


@dataclass(frozen=True)
class LayerResult:
    """One layer's line of the trace; ``rule`` names the parameters that decided it."""

    layer: str
    name: str
    base: Decimal
    paid: Decimal
    remaining: Decimal
    rule: str
    deductible_used: Decimal = ZERO
    band: int | None = None
    ratio: Decimal | None = None
    cap_remaining: Decimal | None = None
    ytd_paid: Decimal | None = None


@dataclass(frozen=True)
class Settlement:
    claim_id: str
    layers: tuple[LayerResult, ...]
    state: YtdState

    @property
    def total_paid(self) -> Decimal:
        return sum((r.paid for r in self.layers), ZERO)

    def paid(self, layer_id: str) -> Decimal:
        return next(r.paid for r in self.layers if r.layer == layer_id)


def band_amount(excess: Decimal, bands: Sequence[RBand]) -> tuple[Decimal, int]:
    """Exact payout of ``excess`` over banded ratios, and the index of the band it ends in."""
    total, last = ZERO, 0
    for i, b in enumerate(bands):
        if excess <= b.lo:
            break
        top = excess if b.hi is None else min(excess, b.hi)
        total += (top - b.lo) * b.ratio
        last = i
    return total, last


def ytd_payout(v: Variant, cumulative: Decimal) -> Decimal:
    """P(cumulative): exact, capped, then rounded half-up to the fen (the one rounding rule)."""
    raw = band_amount(max(cumulative - v.deductible, ZERO), v.bands)[0] if not v.per_admission else cumulative
    if v.cap is not None:
        raw = min(raw, v.cap)
    return round_fen(raw)


def _base(layer: Layer, claim: Claim, earlier: Decimal) -> Decimal:
    match layer.base:
        case Base.IN_SCOPE:
            return claim.in_scope
        case Base.REMAINING:
            return max(claim.in_scope - earlier, ZERO)
        case Base.TOTAL:
            return claim.total
        case Base.TOTAL_REMAINING:
            return max(claim.total - earlier, ZERO)


def _layer(layer: Layer, claim: Claim, state: YtdState, earlier: Decimal,
           prefix: str = "") -> tuple[LayerResult, YtdState]:
    base = _base(layer, claim, earlier)
    given = getattr(claim, layer.given_field) if layer.given_field else None
    if given is not None:
        paid = min(max(given, ZERO), base)
        return LayerResult(layer.id, layer.name, base, paid, base - paid, f"{layer.id}.given"), state
    schedule = schedule_for(layer, claim.visit_type, claim.location)
    if schedule is None:
        return LayerResult(layer.id, layer.name, base, ZERO, base, f"{layer.id}.not_covered"), state
    vs = variants(layer, schedule)
    skey = f"{prefix}{layer.id}.{schedule.id}"
    cum = dict(state.cumulative)
    applicable = [v for v in vs if applies(layer, v, claim.categories)]
    for v in applicable:
        if v.per_admission:
            term = term_for(v, claim.location, claim.hospital_level)
            add = ZERO if term is None else band_amount(max(base - term.deductible, ZERO), term.bands)[0]
        else:
            add = base
        cum[prefix + v.rule] = cum.get(prefix + v.rule, ZERO) + add
    before = state.paid.get(skey, ZERO)
    payouts = [ytd_payout(v, cum.get(prefix + v.rule, ZERO)) for v in vs]
    after = max(payouts)
    best = vs[payouts.index(after)]
    new_state = YtdState(cum, {**state.paid, skey: after})
    paid = after - before
    if not applicable:
        return LayerResult(layer.id, layer.name, base, paid, base - paid, f"{layer.id}.not_eligible",
                           ytd_paid=after), new_state
    c = cum.get(prefix + best.rule, ZERO)
    if best.per_admission:
        term = term_for(best, claim.location, claim.hospital_level)
        ded = ZERO if term is None else min(term.deductible, base)
        band, ratio = (band_amount(base - ded, term.bands)[1], term.bands[0].ratio) if term else (None, None)
        if term is not None and band is not None:
            ratio = term.bands[band].ratio
    else:
        ded = min(best.deductible, c)
        band = band_amount(max(c - best.deductible, ZERO), best.bands)[1]
        ratio = best.bands[band].ratio
    cap_left = None if best.cap is None else best.cap - after
    return LayerResult(layer.id, layer.name, base, paid, base - paid, best.rule, ded, band, ratio, cap_left,
                       after), new_state


def _layer_in_set(pset: PolicySet, k: int, layer_id: str, claim: Claim, state: YtdState,
                  earlier: Decimal) -> tuple[LayerResult, YtdState]:
    """Layer ``layer_id`` of a claim settled under policy ``k`` of a set with a change in the year.

    Every policy of the set accumulates the claim (its own Y on the whole year); the claim is paid
    T_after − T_before with T_after = min(T_before + ΔY_k, max(T_before, Y_k(after))) — see policy_set.
    """
    results: list[LayerResult] = []
    for p in pset.policies:
        res, state = _layer(p.layer(layer_id), claim, state, earlier, prefix=f"{p.id}|")
        results.append(res)
    res = results[k]
    if res.ytd_paid is None:  # given amount or not covered: outside the schedule's accounting
        return res, state
    schedule = schedule_for(pset.policies[k].layer(layer_id), claim.visit_type, claim.location)
    assert schedule is not None  # ytd_paid is only set when a schedule matched
    skey = f"{layer_id}.{schedule.id}"
    t_before = state.paid.get(skey, ZERO)
    paid = min(res.paid, max(ZERO, res.ytd_paid - t_before))
    state = YtdState(state.cumulative, {**state.paid, skey: t_before + paid})
    return replace(res, paid=paid, remaining=res.base - paid, ytd_paid=t_before + paid), state


def quote(claim: Claim, ytd_state: YtdState, policy: PolicyLike, *, order: Sequence[str] | None = None) -> Settlement:
    """Settle one claim given the person's year-to-date state; returns the trace and the new state.

    ``policy`` is one policy or a set of dated policies (the one valid on the settle date applies,
    year-to-date state carries over a change). ``order`` permutes the layers (used by the optimal
    plan); default is the policy's own order.
    """
    pset = as_set(policy)
    if not pset.covers(claim.settle_date):
        spans = ", ".join(f"{a}..{b or 'open'}" for a, b in pset.bounds())
        raise PolicyError(
            f"claim {claim.claim_id} settled {claim.settle_date} is outside policy {pset.id} ({spans}); "
            "use the policy valid on that date",
            f"结算单 {claim.claim_id} 的结算日期 {claim.settle_date} 不在政策 {pset.id} 有效期内，请使用当日有效的政策",
            file=pset.id,
        )
    k = pset.index_at(claim.settle_date)
    own = pset.policies[k]
    ids = list(order) if order else [layer.id for layer in pset.layers]
    results: list[LayerResult] = []
    state = ytd_state
    earlier = ZERO
    for layer_id in ids:
        if len(pset.policies) == 1:
            res, state = _layer(own.layer(layer_id), claim, state, earlier)
        else:
            res, state = _layer_in_set(pset, k, layer_id, claim, state, earlier)
        results.append(res)
        earlier += res.paid
    return Settlement(claim.claim_id, tuple(results), state)


def _zero(claim: Claim, layers: Sequence[Layer], rule: str) -> Settlement:
    rows = tuple(LayerResult(layer.id, layer.name, ZERO, ZERO, ZERO, rule) for layer in layers)
    return Settlement(claim.claim_id, rows, YtdState())


def claim_order(claims: Iterable[Claim]) -> list[Claim]:
    """Claims are taken in (settle_date, claim_id) order (DESIGN §5)."""
    return sorted(claims, key=lambda c: (c.settle_date, c.claim_id))


def settle_person_year(
    claims: Iterable[Claim],
    categories: Collection[str] = (),
    policy: PolicyLike | None = None,
    *,
    order: Sequence[str] | None = None,
) -> list[Settlement]:
    """Replay one person's medical year in claim order, recomputing it without reversed claims.

    A claim with ``reverses_claim_id`` and the claim it names both show 0 on every layer (rules
    ``reversal`` / ``reversed``); every other claim is settled as if neither existed.
    ``categories`` are added to each claim's own (time-dependent) categories.
    """
    if policy is None:
        raise TypeError("settle_person_year needs a policy")
    extra = frozenset(categories)
    ordered = claim_order(claims)
    reversing = {c.claim_id for c in ordered if c.reverses_claim_id}
    reversed_ids = {c.reverses_claim_id for c in ordered if c.reverses_claim_id}
    layers = [policy.layer(i) for i in order] if order else list(policy.layers)
    state = YtdState()
    out: list[Settlement] = []
    for c in ordered:
        if c.claim_id in reversing:
            out.append(_zero(c, layers, RULE_REVERSAL))
        elif c.claim_id in reversed_ids:
            out.append(_zero(c, layers, RULE_REVERSED))
        else:
            s = quote(replace(c, categories=c.categories | extra), state, policy, order=order)
            state = s.state
            out.append(s)
    return out
