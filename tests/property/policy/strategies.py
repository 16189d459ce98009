"""Hypothesis strategies: policies within the schema and claim streams of a few people."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from medaid.policy import Claim, Policy, parse_policy
from medaid.policy.policy_set import PolicySet, policy_set

TAGS = ["tekun", "dibao", "monitored", "dibao_edge", "catastrophic"]


def _yuan(fen: int) -> str:
    return str(Decimal(fen) / 100)


def _ratio(bp: int) -> str:
    return str(Decimal(bp) / 10000)


amounts = st.one_of(st.sampled_from([0, 20_000, 60_000, 120_000, 750_000, 1_500_000]),
                    st.integers(min_value=0, max_value=5_000_000)).map(_yuan)  # up to 50,000 yuan
# half-fen results (the rounding rule's edge) need "policy-like" ratios such as 0.65 or 0.5
ratios = st.one_of(st.sampled_from([5000, 6500, 5500, 7000, 9000, 500, 2500, 0]),
                   st.integers(min_value=0, max_value=9000)).map(_ratio)


@st.composite
def bands(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 3))
    uptos = sorted(draw(st.sets(st.integers(1, 10_000_000), min_size=n - 1, max_size=n - 1)))
    out = [{"upto": _yuan(u), "ratio": draw(ratios)} for u in uptos]
    out.append({"ratio": draw(ratios)})
    return out


@st.composite
def tilts(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(0, 2))):
        t: dict[str, Any] = {"id": f"t{i}", "categories": draw(st.lists(st.sampled_from(TAGS), min_size=1,
                                                                             max_size=2, unique=True))}
        ded = draw(st.sampled_from(["none", "abs", "factor"]))
        if ded == "abs":
            t["deductible"] = draw(amounts)
        elif ded == "factor":
            t["deductible_factor"] = "0.5"
        rat = draw(st.sampled_from(["none", "abs", "points"]))
        if rat == "abs":
            t["ratio"] = draw(ratios)
        elif rat == "points":
            t["ratio_points"] = str(draw(st.integers(0, 10)))
        cap = draw(st.sampled_from(["none", "abs", "no"]))
        if cap == "abs":
            t["cap"] = draw(amounts)
        elif cap == "no":
            t["no_cap"] = True
        out.append(t)
    return out


def _params(draw: st.DrawFn, s: dict[str, Any]) -> dict[str, Any]:
    """Fill a schedule's parameters (kind, deductible, bands/terms, cap, tilts) onto its structure."""
    kind = draw(st.sampled_from(["year", "admission_bands", "admission_terms"]))
    if kind == "admission_terms":
        s["deductible_per"] = "admission"
        s["terms"] = [
            {"locations": ["county", "province"], "levels": [1, 2], "deductible": draw(amounts), "ratio": draw(ratios)},
            {"locations": ["county", "province"], "levels": [3], "deductible": draw(amounts), "ratio": draw(ratios)},
            {"locations": ["out_of_province"], "deductible": draw(amounts), "ratio": draw(ratios)},
        ]
    else:
        s["deductible_per"] = "admission" if kind == "admission_bands" else "year"
        s["deductible"] = draw(amounts)
        s["bands"] = draw(bands())
    if draw(st.booleans()):
        s["cap"] = draw(amounts)
    s["tilts"] = draw(tilts())
    return s


@st.composite
def schedules(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    split = draw(st.booleans())
    groups = [["inpatient"], ["chronic_outpatient"]] if split else [["inpatient", "chronic_outpatient"]]
    for j, vt in enumerate(groups):
        s: dict[str, Any] = {"id": f"s{j}", "visit_types": vt}
        if draw(st.booleans()):
            s["locations"] = draw(st.lists(st.sampled_from(["county", "province", "out_of_province"]),
                                           min_size=1, max_size=3, unique=True))
        out.append(_params(draw, s))
    return out


def _eligible(draw: st.DrawFn) -> list[str]:
    return draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=3, unique=True))


@st.composite
def policy_docs(draw: st.DrawFn, movable: bool = False) -> dict[str, Any]:
    """``movable``: layers after the first two may run in any order after them (``after``)."""
    n = draw(st.integers(3, 4)) if movable else draw(st.integers(1, 4))
    layers = []
    for k in range(n):
        layer: dict[str, Any] = {
            "id": f"l{k}", "name": f"层{k}", "department": "medical_security",
            "base": "in_scope" if k == 0 else "remaining", "schedules": draw(schedules()),
        }
        if draw(st.booleans()):
            layer["eligible"] = _eligible(draw)
        if k < 2 and draw(st.booleans()):
            layer["given_field"] = ["basic_paid", "critical_paid"][k]
        if movable and k >= 1:
            layer["after"] = ["l0"]
        layers.append(layer)
    if draw(st.booleans()):
        layers.append({"id": "supp", "name": "补充", "department": "insurer", "base": "total_remaining",
                       "in_scope": False, "schedules": draw(schedules())})
    return {"id": "gen", "name": "generated", "region": "37", "valid_from": "2026-01-01", "layers": layers}


@st.composite
def policies(draw: st.DrawFn, movable: bool = False) -> Policy:
    return parse_policy(draw(policy_docs(movable)), file="<generated>")


@st.composite
def policy_sets(draw: st.DrawFn) -> PolicySet:
    """2–3 dated policies of one structure splitting 2026; later ones redraw every parameter."""
    first = draw(policy_docs())
    cuts = sorted(draw(st.sets(st.integers(1, 364), min_size=1, max_size=2)))
    starts = [date(2026, 1, 1)] + [date(2026, 1, 1) + timedelta(days=c) for c in cuts]
    docs = []
    for q, start in enumerate(starts):
        doc = copy.deepcopy(first)
        if q > 0:
            for layer in doc["layers"]:
                layer["schedules"] = [_params(draw, {k: s[k] for k in ("id", "visit_types", "locations") if k in s})
                                      for s in layer["schedules"]]
                if draw(st.booleans()):
                    layer["eligible"] = _eligible(draw) if draw(st.booleans()) else "all"
        doc["id"] = f"gen{q}"
        doc["valid_from"] = start.isoformat()
        if q + 1 < len(starts):
            doc["valid_to"] = (starts[q + 1] - timedelta(days=1)).isoformat()
        docs.append(doc)
    return policy_set(parse_policy(d, file=f"<generated {d['id']}>") for d in docs)


@st.composite
def claim_streams(draw: st.DrawFn) -> list[tuple[str, Claim]]:
    out: list[tuple[str, Claim]] = []
    for p in range(draw(st.integers(1, 3))):
        mine: list[Claim] = []
        for i in range(draw(st.integers(1, 7))):
            in_scope = draw(st.integers(0, 30_000_000))
            total = in_scope + draw(st.integers(0, 2_000_000))
            given_b = draw(st.one_of(st.none(), st.integers(0, 40_000_000))) if draw(st.integers(0, 5)) == 0 else None
            given_c = draw(st.one_of(st.none(), st.integers(0, 5_000_000))) if draw(st.integers(0, 5)) == 0 else None
            reverses = None
            if mine and draw(st.integers(0, 6)) == 0:
                reverses = draw(st.sampled_from(mine)).claim_id
            mine.append(Claim(
                claim_id=f"p{p}c{i:02d}",
                settle_date=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 364))),
                visit_type=draw(st.sampled_from(["inpatient", "inpatient", "chronic_outpatient", "general_outpatient"])),
                location=draw(st.sampled_from(["county", "province", "out_of_province"])),
                hospital_level=draw(st.integers(1, 3)),
                in_scope=Decimal(in_scope) / 100,
                total=Decimal(total) / 100,
                basic_paid=None if given_b is None else Decimal(given_b) / 100,
                critical_paid=None if given_c is None else Decimal(given_c) / 100,
                reverses_claim_id=reverses,
                categories=frozenset(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))),
            ))
        out.extend((f"P{p}", c) for c in mine)
    return out
