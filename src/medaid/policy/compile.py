"""Batch compiler: a policy → set-based SQL over all claims of a year (DuckDB or Spark dialect).

Input relation (``INPUT_COLUMNS``): one row per claim with the person key, the claim fields in
integer fen, and one boolean ``cat_<tag>`` column per category/tag valid on the settle date.

Each layer is a few CTEs, because its base depends on what earlier layers paid on the same claim:
  1. base per claim (in fen);
  2. per variant, a running SUM over the person's claims in (settle_date, claim_id) order — of the
     base (per-year deductible) or of the exact per-admission payout in fen×basis points;
  3. per variant, P(cumulative) in exact integers: banded amount in fen·bp, capped, then rounded
     half-up to the fen with ``(units + 5000) div 10000``; Y = GREATEST over variants;
  4. paid = Y(cumulative) − Y(cumulative − this claim), rule = the first variant reaching Y.
This is the definition ``online.py`` implements in ``Decimal``; property tests keep them equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from medaid.policy.dialects import Dialect
from medaid.policy.online import RULE_REVERSAL, RULE_REVERSED
from medaid.policy.params import RBand, Variant, variants
from medaid.policy.policy_set import PolicyLike, PolicySet, as_set
from medaid.policy.schema import BP, LOCATIONS, TAGS, VISIT_TYPES, Base, Layer, Schedule

HALF = BP // 2

INPUT_COLUMNS: dict[str, str] = {
    "person": "VARCHAR",
    "claim_id": "VARCHAR",
    "settle_date": "DATE",
    "visit_type": "VARCHAR",
    "location": "VARCHAR",
    "hospital_level": "INTEGER",
    "in_scope_fen": "BIGINT",
    "total_fen": "BIGINT",
    "basic_paid_fen": "BIGINT",
    "critical_paid_fen": "BIGINT",
    "reverses_claim_id": "VARCHAR",
    **{f"cat_{t}": "BOOLEAN" for t in sorted(TAGS)},
}
"""Columns the compiled SQL reads from the input relation (types as in DuckDB)."""

OUTPUT_COLUMNS = ("person", "claim_id", "settle_date", "layer", "position", "base_fen", "paid_fen",
                  "remaining_fen", "rule")


@dataclass(frozen=True)
class CompiledPolicy:
    """SQL text for one policy and layer order; ``lines_sql`` yields one row per claim and layer."""

    policy_id: str
    order: tuple[str, ...]
    dialect: str
    lines_sql: str


VISIT_CODES: dict[str, int] = {v: i for i, v in enumerate(VISIT_TYPES)}
LOCATION_CODES: dict[str, int] = {v: i for i, v in enumerate(LOCATIONS)}
TAG_BITS = {t: 1 << i for i, t in enumerate(sorted(TAGS))}
"""Inside the CTE chain visit type, location and categories are small integers (a tag bitmask), so
the rows that every window pass sorts stay narrow; strings come back only in the final select."""
CHAIN_COLUMNS = ("person", "claim_id", "settle_date", "seq", "vt", "loc", "hospital_level", "in_scope_fen",
                 "total_fen", "basic_paid_fen", "critical_paid_fen", "tags")

_WINDOW = "PARTITION BY person ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


def _in(col: str, values: Sequence[object], d: Dialect) -> str:
    vals = ", ".join(d.literal(v) if isinstance(v, str) else str(v) for v in values)
    return f"{col} IN ({vals})"


def _any_tag(tags: Sequence[str] | frozenset[str]) -> str:
    return f"(tags & {sum(TAG_BITS[t] for t in set(tags))}) <> 0"


def _fen(amount: Decimal) -> int:
    """Policy amounts are validated to whole fen, so this is exact."""
    return int(amount * 100)


def _band_units(x: str, bands: Sequence[RBand]) -> str:
    """Exact banded amount of non-negative fen ``x`` in fen·bp (integers only)."""
    parts = []
    for b in bands:
        lo = _fen(b.lo)
        span = f"GREATEST({x} - {lo}, 0)" if b.hi is None else f"GREATEST(LEAST({x}, {_fen(b.hi)}) - {lo}, 0)"
        parts.append(f"{b.bp} * {span}")
    return "(" + " + ".join(parts) + ")"


def _match(s: Schedule, d: Dialect) -> str:
    vts = sorted(VISIT_CODES[v] for v in s.visit_types)
    locs = sorted(LOCATION_CODES[x] for x in s.locations)
    return f"({_in('vt', vts, d)} AND {_in('loc', locs, d)})"


def _applies(layer: Layer, v: Variant) -> str:
    conds = []
    if layer.eligible != "all":
        conds.append(_any_tag(layer.eligible))
    if v.categories is not None:
        conds.append(_any_tag(v.categories))
    return " AND ".join(conds) if conds else "TRUE"


def _given(layer: Layer) -> str | None:
    return f"{layer.given_field}_fen" if layer.given_field else None


def _contribution(layer: Layer, s: Schedule, v: Variant, base: str, d: Dialect) -> str:
    given = _given(layer)
    cond = f"{_match(s, d)} AND {_applies(layer, v)}"
    if given:
        cond = f"{given} IS NULL AND {cond}"
    if not v.per_admission:
        amount = base
    else:
        whens = " ".join(
            f"WHEN {_in('loc', sorted(LOCATION_CODES[x] for x in t.locations), d)} AND {_in('hospital_level', sorted(t.levels), d)} "
            f"THEN {_band_units(f'GREATEST({base} - {_fen(t.deductible)}, 0)', t.bands)}"
            for t in v.terms
        )
        amount = f"CASE {whens} ELSE 0 END"
    return f"CASE WHEN {cond} THEN {amount} ELSE 0 END"


def _payout(v: Variant, cum: str, d: Dialect) -> str:
    units = cum if v.per_admission else _band_units(f"GREATEST({cum} - {_fen(v.deductible)}, 0)", v.bands)
    if v.cap is not None:
        units = d.least(units, str(_fen(v.cap) * BP))
    return d.cast_bigint(d.int_div(f"{units} + {HALF}", str(BP)))


def _base_expr(layer: Layer) -> str:
    match layer.base:
        case Base.IN_SCOPE:
            return "in_scope_fen"
        case Base.REMAINING:
            return "GREATEST(in_scope_fen - earlier_fen, 0)"
        case Base.TOTAL:
            return "total_fen"
        case Base.TOTAL_REMAINING:
            return "GREATEST(total_fen - earlier_fen, 0)"


GIVEN, NOT_COVERED, NOT_ELIGIBLE = 0, 1, 2


def rule_names(layers: Layer | Sequence[Layer]) -> dict[str, int]:
    """Rule text → the small integer the chain carries for it (mapped back in the final select).

    ``layers`` are one layer, or the same layer in each policy of a set (their rules are merged).
    """
    group = [layers] if isinstance(layers, Layer) else list(layers)
    lid = group[0].id
    names = {f"{lid}.given": GIVEN, f"{lid}.not_covered": NOT_COVERED, f"{lid}.not_eligible": NOT_ELIGIBLE}
    for layer in group:
        for s in layer.schedules:
            for v in variants(layer, s):
                names.setdefault(v.rule, len(names))
    return names


def _t(ts: str, ys: str, y: str) -> str:
    """Actual YTD payout across a policy change (policy_set): min(T_start + Y − Y_start, max(T_start, Y))."""
    return f"LEAST({ts} + {y} - {ys}, GREATEST({ts}, {y}))"


def _layer_ctes(k: int, group: Sequence[Layer], src: str, d: Dialect,
                keep: Sequence[str]) -> tuple[list[str], str]:
    """CTEs settling layer ``k`` on top of relation ``src``; returns them and the last CTE's name.

    ``group`` is the layer in each policy of the set (one policy: one layer). Y before the claim is
    P at (cumulative − this claim's contribution), the same value LAG(Y) would give, without a
    second window pass. With several policies, each accumulates every claim; the claim's own
    policy (column ``seg``) decides its payout through the carried-over total T (policy_set).
    """
    p = f"l{k}"
    layer = group[0]
    many = len(group) > 1
    base = f"{p}_base"
    ctes = [f"{p}a AS (SELECT *, {_base_expr(layer)} AS {base} FROM {src})"]
    xs, cums, pays, ys, spans, paids, rules = [], [], [], [], [], [], []
    ts_steps: list[list[str]] = [[] for _ in group[1:]]
    given = _given(layer)
    names = rule_names(group)
    for j, s0 in enumerate(layer.schedules):
        per_policy_paid, per_policy_rule = [], []
        for q, lay in enumerate(group):
            s = lay.schedules[j]
            vs = variants(lay, s)
            vcols = []
            for i, v in enumerate(vs):
                col = f"{p}_q{q}_s{j}_v{i}" if many else f"{p}_s{j}_v{i}"
                xs.append(f"{_contribution(lay, s, v, base, d)} AS {col}_x")
                cums.append(f"SUM({col}_x) OVER ({_WINDOW}) AS {col}_cum")
                pays.append(f"{_payout(v, f'{col}_cum', d)} AS {col}_p")
                pays.append(f"{_payout(v, f'({col}_cum - {col}_x)', d)} AS {col}_p0")
                vcols.append(col)
            y = f"{p}_q{q}_s{j}_y" if many else f"{p}_s{j}_y"
            ys.append(f"{d.greatest([f'{c}_p' for c in vcols])} AS {y}")
            ys.append(f"{d.greatest([f'{c}_p0' for c in vcols])} AS {y}0")
            applicable = " OR ".join(f"({_applies(lay, v)})" for v in vs)
            best = " ".join(f"WHEN {c}_p = {y} THEN {names[v.rule]}" for c, v in zip(vcols, vs, strict=True))
            per_policy_rule.append(f"CASE WHEN NOT ({applicable}) THEN {NOT_ELIGIBLE} {best} END")
            if not many:
                per_policy_paid.append(f"{y} - {y}0")
                continue
            # Y_q at the start and end of policy q's period: Y is monotone, so a MAX over the person
            ystart, yend, ts = f"{p}_q{q}_s{j}_ys", f"{p}_q{q}_s{j}_ye", f"{p}_q{q}_s{j}_ts"
            spans.append(f"COALESCE(MAX(CASE WHEN seg < {q} THEN {y} END) OVER (PARTITION BY person), 0) AS {ystart}")
            spans.append(f"COALESCE(MAX(CASE WHEN seg <= {q} THEN {y} END) OVER (PARTITION BY person), 0) AS {yend}")
            if q == 0:
                ts = "0"
            else:
                prev_ts = "0" if q == 1 else f"{p}_q{q - 1}_s{j}_ts"
                ts_steps[q - 1].append(f"{_t(prev_ts, f'{p}_q{q - 1}_s{j}_ys', f'{p}_q{q - 1}_s{j}_ye')} AS {ts}")
            per_policy_paid.append(f"{_t(ts, ystart, y)} - {_t(ts, ystart, f'{y}0')}")
        if many:
            paid_j = "CASE seg " + " ".join(f"WHEN {q} THEN {e}" for q, e in enumerate(per_policy_paid)) + " END"
            rule_j = "CASE seg " + " ".join(f"WHEN {q} THEN {e}" for q, e in enumerate(per_policy_rule)) + " END"
        else:
            paid_j, rule_j = per_policy_paid[0], per_policy_rule[0]
        paids.append(f"WHEN {_match(s0, d)} THEN {paid_j}")
        rules.append(f"WHEN {_match(s0, d)} THEN {rule_j}")
    paid = f"CASE {' '.join(paids)} ELSE 0 END"
    rule = f"CASE {' '.join(rules)} ELSE {NOT_COVERED} END"
    if given:
        paid = f"CASE WHEN {given} IS NOT NULL THEN LEAST(GREATEST({given}, 0), {base}) ELSE {paid} END"
        rule = f"CASE WHEN {given} IS NOT NULL THEN {GIVEN} ELSE {rule} END"
    ctes.append(f"{p}x AS (SELECT *, {', '.join(xs)} FROM {p}a)")
    ctes.append(f"{p}b AS (SELECT *, {', '.join(cums)} FROM {p}x)")
    ctes.append(f"{p}c AS (SELECT *, {', '.join(pays)} FROM {p}b)")
    ctes.append(f"{p}d AS (SELECT *, {', '.join(ys)} FROM {p}c)")
    last = f"{p}d"
    if many:
        ctes.append(f"{p}w AS (SELECT *, {', '.join(spans)} FROM {last})")
        last = f"{p}w"
        for q, step in enumerate(ts_steps, 1):
            if step:
                ctes.append(f"{p}t{q} AS (SELECT *, {', '.join(step)} FROM {last})")
                last = f"{p}t{q}"
    ctes.append(f"{p}e AS (SELECT *, {d.cast_bigint(paid)} AS {p}_paid, {rule} AS {p}_rule FROM {last})")
    # keep the relation narrow: drop this layer's working columns, carry earlier_fen forward
    carried = [f"l{i}_base, l{i}_paid, l{i}_rule" for i in range(k)]
    ctes.append(
        f"{p} AS (SELECT {', '.join(keep)}, {', '.join([*carried, f'{base}, {p}_paid, {p}_rule'])}, "
        f"earlier_fen + {p}_paid AS earlier_fen FROM {p}e)"
    )
    return ctes, p


def _segment(pset: PolicySet, d: Dialect) -> str:
    """Index of the policy valid on the claim's settle date (the set is ordered and gap-free)."""
    whens = " ".join(f"WHEN settle_date < DATE {d.literal(p.valid_from.isoformat())} THEN {q - 1}"
                     for q, p in enumerate(pset.policies) if q > 0)
    return f"CASE {whens} ELSE {len(pset.policies) - 1} END"


def compile_policy(policy: PolicyLike, dialect: Dialect, *, source: str = "claims_in",
                   order: Sequence[str] | None = None) -> CompiledPolicy:
    """Compile ``policy`` (one policy or a dated set; optionally with its layers in ``order``) to one
    SQL query over ``source``."""
    pset = as_set(policy)
    ids = list(order) if order else [layer.id for layer in pset.layers]
    groups = [[p.layer(i) for p in pset.policies] for i in ids]
    layers = [g[0] for g in groups]
    many = len(pset.policies) > 1
    keep = [*CHAIN_COLUMNS, "seg"] if many else list(CHAIN_COLUMNS)
    d = dialect
    flags = (
        f"flagged AS (SELECT i.*, CASE WHEN i.reverses_claim_id IS NOT NULL THEN {d.literal(RULE_REVERSAL)} "
        f"WHEN r.rid IS NOT NULL THEN {d.literal(RULE_REVERSED)} END AS status "
        f"FROM {source} i LEFT JOIN (SELECT DISTINCT person AS rp, reverses_claim_id AS rid FROM {source} "
        "WHERE reverses_claim_id IS NOT NULL) r ON i.person = r.rp AND i.claim_id = r.rid)"
    )
    vt = "CASE visit_type " + " ".join(f"WHEN {d.literal(v)} THEN {i}" for v, i in VISIT_CODES.items()) + " END"
    loc = "CASE location " + " ".join(f"WHEN {d.literal(v)} THEN {i}" for v, i in LOCATION_CODES.items()) + " END"
    tags = " + ".join(f"CASE WHEN cat_{t} THEN {bit} ELSE 0 END" for t, bit in TAG_BITS.items())
    # seq = the claim's place in its person-year, (settle_date, claim_id) order (DESIGN §5)
    ctes = [flags, "l0src AS (SELECT person, claim_id, settle_date, "
                   "ROW_NUMBER() OVER (PARTITION BY person ORDER BY settle_date, claim_id) AS seq, "
                   f"{vt} AS vt, {loc} AS loc, hospital_level, in_scope_fen, total_fen, basic_paid_fen, "
                   f"critical_paid_fen, {tags} AS tags, CAST(0 AS {d.bigint}) AS earlier_fen"
                   + (f", {_segment(pset, d)} AS seg" if many else "")
                   + " FROM flagged WHERE status IS NULL)"]
    src = "l0src"
    for k, group in enumerate(groups):
        more, src = _layer_ctes(k, group, src, d, keep)
        ctes.extend(more)
    # one row per claim and layer: cross join with the layer positions, so the CTE chain runs once
    n = len(layers)
    positions = f"(VALUES {', '.join(f'({k})' for k in range(n))}) AS lp(position)"
    layer_name = "CASE lp.position " + " ".join(f"WHEN {k} THEN {d.literal(x.id)}" for k, x in enumerate(layers)) + " END"

    def pick(col: str) -> str:
        return "CASE lp.position " + " ".join(f"WHEN {k} THEN l{k}_{col}" for k in range(n)) + " END"

    def rule_text(k: int, group: Sequence[Layer]) -> str:
        return f"CASE l{k}_rule " + " ".join(f"WHEN {i} THEN {d.literal(r)}" for r, i in rule_names(group).items()) + " END"

    rule = "CASE lp.position " + " ".join(f"WHEN {k} THEN {rule_text(k, g)}" for k, g in enumerate(groups)) + " END"
    zero = f"CAST(0 AS {d.bigint})"
    selects = [
        f"SELECT person, claim_id, settle_date, {layer_name} AS layer, lp.position AS position, "
        f"{pick('base')} AS base_fen, {pick('paid')} AS paid_fen, {pick('base')} - {pick('paid')} AS remaining_fen, "
        f"{rule} AS rule FROM {src} CROSS JOIN {positions}",
        f"SELECT person, claim_id, settle_date, {layer_name} AS layer, lp.position AS position, {zero} AS base_fen, "
        f"{zero} AS paid_fen, {zero} AS remaining_fen, status AS rule FROM flagged CROSS JOIN {positions} "
        "WHERE status IS NOT NULL",
    ]
    sql = "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL\n".join(selects)
    return CompiledPolicy(pset.id, tuple(layer.id for layer in layers), d.name, sql)
