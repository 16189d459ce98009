"""Resolved parameters: each schedule's base parameters and tilts expanded into *variants*.

Both the online evaluator and the batch compiler read these, never the raw YAML models, so the
two can only differ in arithmetic, not in how a tilt is applied. A variant is one complete set of
parameters (deductible, ratio bands, cap) and the people it applies to.

Most favourable parameters (DESIGN §4, several categories): every variant keeps its own year-to-date
accumulator over the claims it applies to; a schedule's year-to-date payout is the largest of its
variants' payouts. See docs/decisions/0004-policy-engine.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from medaid.domain.money import round_fen
from medaid.policy.schema import BP, Layer, Policy, Schedule, Tilt


@dataclass(frozen=True)
class RBand:
    lo: Decimal
    hi: Decimal | None
    ratio: Decimal

    @property
    def bp(self) -> int:
        return int(self.ratio * BP)


@dataclass(frozen=True)
class RTerm:
    """Per-admission: claims at these locations/levels pay ``bands`` over (base − deductible)."""

    locations: frozenset[str]
    levels: frozenset[int]
    deductible: Decimal
    bands: tuple[RBand, ...]


@dataclass(frozen=True)
class Variant:
    id: str
    rule: str  # "layer.schedule.variant": what the output's rule column shows
    categories: frozenset[str] | None  # None = everyone eligible for the layer
    per_admission: bool
    deductible: Decimal  # per-year deductible (per-admission ones are in terms)
    bands: tuple[RBand, ...]  # per-year bands
    terms: tuple[RTerm, ...]  # per-admission terms
    cap: Decimal | None


def _bands(schedule_bands: list[tuple[Decimal | None, Decimal]]) -> tuple[RBand, ...]:
    out: list[RBand] = []
    lo = Decimal(0)
    for upto, ratio in schedule_bands:
        out.append(RBand(lo, upto, ratio))
        if upto is not None:
            lo = upto
    return tuple(out)


def _tilted_ratio(ratio: Decimal, tilt: Tilt | None) -> Decimal:
    if tilt is None:
        return ratio
    if tilt.ratio is not None:
        return tilt.ratio
    if tilt.ratio_points is not None:
        return ratio + tilt.ratio_points / 100
    return ratio


def _tilted_ded(ded: Decimal, tilt: Tilt | None) -> Decimal:
    if tilt is None:
        return ded
    if tilt.deductible is not None:
        return tilt.deductible
    if tilt.deductible_factor is not None:
        return round_fen(ded * tilt.deductible_factor)
    return ded


def _variant(layer: Layer, s: Schedule, tilt: Tilt | None) -> Variant:
    vid = tilt.id if tilt else "base"
    if tilt is not None and tilt.ratio is not None:
        raw_bands: list[tuple[Decimal | None, Decimal]] = [(None, tilt.ratio)]
    else:
        raw_bands = [(b.upto, _tilted_ratio(b.ratio, tilt)) for b in s.bands]
    terms: list[RTerm] = []
    if s.deductible_per == "admission":
        if s.terms:
            for t in s.terms:
                terms.append(RTerm(frozenset(t.locations), frozenset(t.levels), _tilted_ded(t.deductible, tilt),
                                   _bands([(None, _tilted_ratio(t.ratio, tilt))])))
        else:
            terms.append(RTerm(frozenset(s.locations), frozenset((1, 2, 3)), _tilted_ded(s.deductible, tilt),
                               _bands(raw_bands)))
    cap = s.cap
    if tilt is not None and tilt.no_cap:
        cap = None
    elif tilt is not None and tilt.cap is not None:
        cap = tilt.cap
    return Variant(
        id=vid,
        rule=f"{layer.id}.{s.id}.{vid}",
        categories=frozenset(tilt.categories) if tilt else None,
        per_admission=s.deductible_per == "admission",
        deductible=_tilted_ded(s.deductible, tilt),
        bands=_bands(raw_bands) if s.deductible_per == "year" else (),
        terms=tuple(terms),
        cap=cap,
    )


def variants(layer: Layer, schedule: Schedule) -> tuple[Variant, ...]:
    """The base parameters first, then one variant per tilt, in file order."""
    return (_variant(layer, schedule, None), *(_variant(layer, schedule, t) for t in schedule.tilts))


def check_resolved(policy: Policy, file: str) -> list[str]:
    """Problems only visible after tilts are applied (e.g. 95% + 10 points > 100%)."""
    problems: list[str] = []
    for li, layer in enumerate(policy.layers):
        for si, s in enumerate(layer.schedules):
            for v in variants(layer, s):
                ratios = [b.ratio for b in v.bands] + [b.ratio for t in v.terms for b in t.bands]
                if any(r > 1 or r < 0 for r in ratios):
                    problems.append(f"{file}: layers/{li}/schedules/{si} ({v.rule}): tilted ratio {max(ratios)} "
                                    "is outside 0..1; lower ratio_points")
    return problems


def applies(layer: Layer, variant: Variant, tags: frozenset[str]) -> bool:
    """Whether a person holding ``tags`` on the claim's date gets these parameters."""
    if layer.eligible != "all" and not (tags & frozenset(layer.eligible)):
        return False
    return variant.categories is None or bool(variant.categories & tags)


def term_for(variant: Variant, location: str, level: int) -> RTerm | None:
    for t in variant.terms:
        if location in t.locations and level in t.levels:
            return t
    return None


def schedule_for(layer: Layer, visit_type: str, location: str) -> Schedule | None:
    for s in layer.schedules:
        if visit_type in s.visit_types and location in s.locations:
            return s
    return None
