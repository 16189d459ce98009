"""Policy sets: several dated policy files of one region, for a medical year that spans a change.

A claim uses the policy valid on its settle date (issue 4). When a year spans a change (政策调整),
the year-to-date accounting carries over and the parameters switch on the change date; the exact
rule is in docs/decisions/0004-policy-engine.md (decision 10) and implemented by both evaluators:

  * every policy ``q`` of the set keeps its own year-to-date payout Y_q, evaluated on *all* claims
    of the year so far (what q would have paid for the whole year);
  * the schedule's actual year-to-date payout T starts at 0 and, for a claim settled under ``q``,
    T_after = min(T_before + (Y_q(after) − Y_q(before)), max(T_before, Y_q(after))).

So a claim never gets more than its increment under its own policy (never more than its base, no
retroactive re-rating of earlier claims), never a negative amount (no claw-back), and the year's
total never exceeds the new policy's whole-year amount (its cap) unless the old policy had already
paid more, in which case nothing more is paid until the new policy catches up (never paid twice).
With one policy T = Y, the ordinary rule.

The policies of a set must share their *structure* (layer ids and order, bases, given fields,
``after`` constraints, schedule ids with their visit types and locations); parameters, tilts and
eligibility may change. That keeps schedules — the unit of annual accounting — the same all year.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from medaid.errors import PolicyError
from medaid.policy.schema import Layer, Policy, load_policy


def _structure(layer: Layer) -> tuple[object, ...]:
    return (layer.id, layer.base, layer.given_field, layer.in_scope, tuple(layer.after or ()) if layer.after else None,
            tuple((s.id, tuple(sorted(s.visit_types)), tuple(sorted(s.locations))) for s in layer.schedules))


@dataclass(frozen=True)
class PolicySet:
    """Policies of one region ordered by ``valid_from``, not overlapping, with one structure."""

    policies: tuple[Policy, ...]

    @property
    def id(self) -> str:
        return "+".join(p.id for p in self.policies)

    @property
    def layers(self) -> list[Layer]:
        """The shared structure (the first policy's layers; parameters may differ later in the year)."""
        return self.policies[0].layers

    def layer(self, layer_id: str) -> Layer:
        return self.policies[0].layer(layer_id)

    def index_at(self, day: date) -> int:
        """Index of the policy valid on ``day``; ``PolicyError`` if none is."""
        for i, p in enumerate(self.policies):
            if p.covers(day):
                return i
        spans = ", ".join(f"{p.id} {p.valid_from}..{p.valid_to or 'open'}" for p in self.policies)
        raise PolicyError(
            f"no policy of set {self.id} is valid on {day} ({spans}); add the policy file valid on that date",
            f"政策组 {self.id} 中没有 {day} 当日有效的政策，请补充该日期适用的政策文件",
            file=self.id,
        )

    def at(self, day: date) -> Policy:
        return self.policies[self.index_at(day)]

    def covers(self, day: date) -> bool:
        return any(p.covers(day) for p in self.policies)

    def check_year(self, year: int, where: str) -> None:
        """Every day of the medical year has exactly one policy (no gap), or ``PolicyError``."""
        lo, hi = date(year, 1, 1), date(year, 12, 31)
        day = lo
        for p in self.policies:
            if p.valid_to is not None and p.valid_to < day:
                continue
            if p.valid_from > day:
                break
            day = hi + timedelta(days=1) if p.valid_to is None else p.valid_to + timedelta(days=1)
            if day > hi:
                return
        raise PolicyError(
            f"policies {where} do not cover {year} from {day} on; pass --policy files covering the whole "
            "medical year (one per period, e.g. one valid to 06-30 and one from 07-01)",
            f"政策文件 {where} 未覆盖 {year} 年 {day} 起的日期，请用 --policy 提供覆盖全年的政策文件（每个时段一个）",
            file=where,
        )

    def bounds(self) -> list[tuple[date, date | None]]:
        return [(p.valid_from, p.valid_to) for p in self.policies]


PolicyLike = Policy | PolicySet
"""What the evaluators accept: one policy, or a set of dated policies of one region."""


def policy_set(policies: Iterable[Policy]) -> PolicySet:
    """Validate and order dated policies into a set; every problem is reported at once."""
    ps = sorted(policies, key=lambda p: p.valid_from)
    where = ", ".join(p.id for p in ps)
    problems: list[str] = []
    if not ps:
        problems.append("a policy set needs at least one policy file")
    ids = [p.id for p in ps]
    if len(set(ids)) != len(ids):
        problems.append(f"policy ids repeat in the set: {ids}; each dated file needs its own id")
    for a, b in itertools.pairwise(ps):
        if a.region != b.region:
            problems.append(f"{b.id}: region {b.region} differs from {a.id}'s {a.region}; a set is one region")
        if a.valid_to is None or a.valid_to >= b.valid_from:
            problems.append(f"{a.id} ({a.valid_from}..{a.valid_to or 'open'}) overlaps {b.id} (from {b.valid_from}); "
                            f"set valid_to of {a.id} to the day before")
        if [_structure(x) for x in a.layers] != [_structure(x) for x in b.layers]:
            problems.append(f"{b.id}: layers/schedules differ from {a.id} (ids, order, base, given_field, in_scope, "
                            "after, schedule visit types/locations must stay the same; only parameters may change)")
    if problems:
        raise PolicyError(f"policy set [{where}] is invalid ({len(problems)} problems)",
                          f"政策组 [{where}] 有 {len(problems)} 处错误", file=where, problems=problems)
    return PolicySet(tuple(ps))


def as_set(policy: PolicyLike) -> PolicySet:
    return policy if isinstance(policy, PolicySet) else PolicySet((policy,))


def load_policy_set(paths: Path | Sequence[Path]) -> PolicySet:
    """Load one file, several files, or every ``*.yaml`` of a directory as a set."""
    items = [paths] if isinstance(paths, Path) else list(paths)
    files: list[Path] = []
    for p in items:
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    return policy_set(load_policy(f) for f in files)
