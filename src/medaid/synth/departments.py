"""The other departments' files: income, assets, disability, chronic certificates, employment, deaths.

Income records show what the verification platform sees of the true income drawn in
``synth.income`` (wages, business, farm income as ``other``, pensions, support, rent), with noise and
gaps; cash-paid casual work is never recorded. Chronic certificates (门诊慢特病证) cover only
part of the chronic patients, so seed 002's screening funnel — inpatient chronic patients without a
certificate — has people to find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medaid.synth.population import County
from medaid.synth.programs import Roster


@dataclass(slots=True)
class Rows:
    """Column arrays of one department file, indexed by true person."""

    person: np.ndarray
    cols: dict[str, np.ndarray]


def chronic_certificates(rng: np.random.Generator, c: County) -> tuple[np.ndarray, Rows]:
    """55% of chronic patients hold a certificate, 85% of those with a major illness."""
    chronic = c.chronic != ""
    p = np.where(c.major != "", 0.85, 0.55)
    has = chronic & (rng.random(c.n) < p)
    person = np.flatnonzero(has)
    start = np.datetime64(f"{c.year}-01-01")
    vf = start - rng.integers(30, 6 * 365, len(person))
    vf = np.maximum(vf, c.birth[person] + 365).astype("datetime64[D]")
    vt = (vf + rng.choice([2, 3, 5], len(person)) * 365).astype("datetime64[D]")
    open_ended = rng.random(len(person)) < 0.4
    vt[open_ended] = np.datetime64("NaT")
    # an expired certificate still leaves the patient without cover: they count as "no cert" in claims
    valid_now = np.isnat(vt) | (vt >= start)
    has_valid = np.zeros(c.n, dtype=bool)
    has_valid[person[valid_now]] = True
    return has_valid, Rows(person, {"disease_code": c.chronic[person], "valid_from": vf, "valid_to": vt})


def disability_rows(c: County) -> Rows:
    person = np.flatnonzero(c.disability > 0)
    return Rows(person, {"level": c.disability[person], "type": c.disability_type[person]})


def employment_rows(rng: np.random.Generator, c: County) -> tuple[Rows, np.ndarray]:
    """Working-age people known to HR (~70%); some main earners lost their job this year."""
    start = np.datetime64(f"{c.year}-01-01")
    working = (c.age >= 18) & (c.age < 60)
    known = working & (rng.random(c.n) < 0.7)
    person = np.flatnonzero(known)
    employed = c.employed[person]
    since = start - rng.integers(30, 15 * 365, len(person))
    lost = (c.relation[person] == "head") & employed & (rng.random(len(person)) < 0.04)
    since = np.where(lost, start + rng.integers(0, 300, len(person)), since)
    status = np.where(employed & ~lost, "employed", "unemployed").astype(object)
    since = np.maximum(since, c.birth[person] + 16 * 365).astype("datetime64[D]")
    unemployed_now = np.zeros(c.n, dtype=bool)
    unemployed_now[person[lost]] = True
    return Rows(person, {"status": status, "since": since}), unemployed_now


def income_rows(rng: np.random.Generator, c: County, roster: Roster, true: dict[str, np.ndarray]) -> Rows:
    """What the verification platform's department records show of each person's true income.

    Records cover last year (tax and social-security files lag a year); business owners also
    have a first-half record of this year, where a fifth saw income fall by half or more. Gaps and
    noise (documented in docs/synthetic-county.md): 7% of wages are paid in cash and unrecorded,
    recorded wages differ ±10% (bonuses, timing); business ±15%, 8% unrecorded; farm income is the
    land-contract area times the county's standard yield value, so it differs ±20% from the real
    harvest, 5% unrecorded; rent ±10%, 15% unrecorded; support from children is declared by 85%
    of households, ±25%; pensions are exact; casual cash work is never recorded. Assistance
    payments of dibao/tekun are written as ``transfer`` (they are not income for the need test).
    """
    year = c.year
    prev_from = np.datetime64(f"{year - 1}-01-01")
    prev_to = np.datetime64(f"{year - 1}-12-31")
    parts: list[tuple[np.ndarray, str, np.ndarray, np.datetime64, np.datetime64]] = []

    def seen(component: str, kind: str, p_recorded: float, sigma: float) -> np.ndarray:
        amount = true[component]
        who = np.flatnonzero((amount > 0) & (rng.random(c.n) < p_recorded))
        parts.append((who, kind, amount[who] * rng.lognormal(0, sigma, len(who)), prev_from, prev_to))
        return who

    seen("wage", "wage", 0.93, 0.10)
    seen("pension", "pension", 1.0, 0.0)
    biz = seen("business", "business", 0.92, 0.15)
    # first half of this year for business owners: a fifth of them saw income fall by half or more
    drop = rng.random(len(biz)) < 0.2
    h1 = true["business"][biz] * rng.uniform(0.4, 0.6, len(biz)) * np.where(drop, rng.uniform(0.1, 0.5, len(biz)), 1.0)
    parts.append((biz, "business", h1, np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-06-30")))
    seen("farm", "other", 0.95, 0.20)
    seen("property", "property", 0.85, 0.10)
    seen("support", "transfer", 0.85, 0.25)
    on_dibao = np.unique(roster.person[np.isin(roster.category, ["dibao", "tekun"])])
    parts.append((on_dibao, "transfer", rng.uniform(3_000_00, 7_200_00, len(on_dibao)), prev_from, prev_to))

    person = np.concatenate([p for p, *_ in parts])
    kind = np.concatenate([np.full(len(p), k, dtype=object) for p, k, *_ in parts])
    fen = np.concatenate([np.round(a).astype(np.int64) for _, _, a, *_ in parts])
    pf = np.concatenate([np.full(len(p), f) for p, _, _, f, _ in parts]).astype("datetime64[D]")
    pt = np.concatenate([np.full(len(p), t) for p, *_, t in parts]).astype("datetime64[D]")
    order = np.argsort(person, kind="stable")
    return Rows(person[order], {"kind": kind[order], "yuan": fen[order], "period_from": pf[order], "period_to": pt[order]})


def asset_rows(rng: np.random.Generator, c: County) -> Rows:
    heads = np.flatnonzero(c.relation == "head")
    urban = np.isin(c.hh_township[c.hh[heads]], [0, 1])
    inc = c.hh_income_per_head_fen[c.hh[heads]] / 2_000_000
    parts: list[tuple[np.ndarray, str, np.ndarray, np.ndarray]] = []
    house = rng.random(len(heads)) < 0.9
    n_house = np.where(rng.random(len(heads)) < 0.08, 2, 1)
    h_val = rng.lognormal(np.log(np.where(urban, 420_000_00, 150_000_00)), 0.4) * n_house
    parts.append((heads[house], "house", h_val[house], n_house[house]))
    car = rng.random(len(heads)) < 0.35 * np.clip(inc, 0.3, 2)
    parts.append((heads[car], "vehicle", rng.lognormal(np.log(60_000_00), 0.7, len(heads))[car], np.ones(car.sum(), dtype=np.int64)))
    dep = rng.random(len(heads)) < 0.6
    parts.append((heads[dep], "deposit", (rng.lognormal(np.log(30_000_00), 1.0, len(heads)) * np.clip(inc, 0.2, 5))[dep], np.full(dep.sum(), -1)))
    sec = rng.random(len(heads)) < 0.04
    parts.append((heads[sec], "securities", rng.lognormal(np.log(50_000_00), 1.0, len(heads))[sec], np.full(sec.sum(), -1)))
    bus = rng.random(len(heads)) < 0.06
    parts.append((heads[bus], "business", rng.lognormal(np.log(100_000_00), 1.0, len(heads))[bus], np.ones(bus.sum(), dtype=np.int64)))
    person = np.concatenate([p for p, *_ in parts])
    order = np.argsort(person, kind="stable")
    return Rows(person[order], {
        "kind": np.concatenate([np.full(len(p), k, dtype=object) for p, k, *_ in parts])[order],
        "value_yuan": np.concatenate([np.round(v).astype(np.int64) for _, _, v, _ in parts])[order],
        "count": np.concatenate([cnt for *_, cnt in parts]).astype(np.int64)[order],
    })


def death_rows(rng: np.random.Generator, c: County) -> Rows:
    person = np.flatnonzero(~np.isnat(c.death))
    source = np.where(rng.random(len(person)) < 0.6, "public_security", "health_commission").astype(object)
    return Rows(person, {"death_date": c.death[person], "source": source})
