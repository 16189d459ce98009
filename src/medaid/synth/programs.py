"""Who is on which assistance roster (救助对象名单) and who is enrolled (参保) for the year.

Household programmes (dibao, dibao_edge, monitored, lifted) go to whole households ranked by a
*noisy* view of their income — departments see income imperfectly — so some needy households are
on no roster and some rostered ones are not in need. That gap is what identification must find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medaid.synth import geography as geo
from medaid.synth.population import County

PREVALENCE: dict[str, float] = {
    "tekun": 0.004, "dibao": 0.03, "dibao_edge": 0.015, "monitored": 0.008, "lifted": 0.04,
    "catastrophic": 0.003, "orphan": 0.0005, "severe_disability": 0.01, "veteran_priority": 0.003,
    "hardship_worker": 0.003,
}
"""Share of residents per category (Shandong 2022-23 civil-affairs statistics, rounded; see docs)."""

RESIDENT_PREMIUM_FEN = 40_000  # 400 yuan individual contribution, resident scheme 2024-2026


@dataclass(slots=True)
class Roster:
    person: np.ndarray  # int true person index
    category: np.ndarray
    valid_from: np.ndarray  # datetime64[D]
    valid_to: np.ndarray  # datetime64[D], NaT = open


def assign_categories(rng: np.random.Generator, c: County) -> Roster:
    n, n_hh = c.n, len(c.hh_id)
    noisy = c.hh_income_per_head_fen * np.exp(rng.normal(0, 0.35, n_hh))
    order = np.argsort(noisy, kind="stable")
    taken_hh = np.zeros(n_hh, dtype=bool)
    rows: list[tuple[np.ndarray, str]] = []

    # 特困: single elderly or severely disabled people living alone, poorest first
    alone = (c.hh_size[c.hh] == 1) & ((c.age >= 60) | ((c.disability > 0) & (c.disability <= 2)))
    cand = np.flatnonzero(alone)
    cand = cand[np.argsort(noisy[c.hh[cand]], kind="stable")][: int(PREVALENCE["tekun"] * n)]
    rows.append((cand, "tekun"))
    taken_hh[c.hh[cand]] = True

    for cat in ("dibao", "dibao_edge", "monitored"):
        skip = 0.5 if cat == "monitored" else 0.15  # monitoring picks by risk, not only income
        chosen = _households_until(rng, order, taken_hh, c.hh_size, PREVALENCE[cat] * n, skip)
        taken_hh[chosen] = True
        rows.append((np.flatnonzero(np.isin(c.hh, chosen)), cat))

    poorer = order[: int(0.4 * n_hh)]
    lifted_hh = _households_until(rng, rng.permutation(poorer), np.zeros(n_hh, dtype=bool), c.hh_size,
                                  PREVALENCE["lifted"] * n, 0.0)
    rows.append((np.flatnonzero(np.isin(c.hh, lifted_hh)), "lifted"))

    on_basic = np.zeros(n, dtype=bool)
    for idx, cat in rows:
        if cat in ("tekun", "dibao"):
            on_basic[idx] = True
    sick = np.flatnonzero((c.major != "") & ~on_basic)
    sick = sick[np.argsort(noisy[c.hh[sick]], kind="stable")][: int(PREVALENCE["catastrophic"] * n)]
    rows.append((sick, "catastrophic"))
    kids = np.flatnonzero(c.age < 16)
    rows.append((rng.choice(kids, size=min(len(kids), max(1, int(PREVALENCE["orphan"] * n))), replace=False), "orphan"))
    severe = np.flatnonzero((c.disability >= 1) & (c.disability <= 2))
    rows.append((severe[rng.random(len(severe)) < 0.9], "severe_disability"))
    vets = np.flatnonzero((c.sex == "M") & (c.age >= 50))
    rows.append((rng.choice(vets, size=min(len(vets), int(PREVALENCE["veteran_priority"] * n)), replace=False), "veteran_priority"))
    workers = np.flatnonzero(c.employee_scheme & (c.age >= 25) & (c.age < 60))
    workers = workers[np.argsort(noisy[c.hh[workers]], kind="stable")][: int(PREVALENCE["hardship_worker"] * n)]
    rows.append((workers, "hardship_worker"))

    person = np.concatenate([idx for idx, _ in rows]).astype(np.int64)
    category = np.concatenate([np.full(len(idx), cat, dtype=object) for idx, cat in rows])
    valid_from, valid_to = _validity(rng, c, person, category)
    return Roster(person, category, valid_from, valid_to)


def _households_until(
    rng: np.random.Generator, order: np.ndarray, taken: np.ndarray, sizes: np.ndarray, target: float, skip: float
) -> np.ndarray:
    free = order[~taken[order]]
    free = free[rng.random(len(free)) >= skip]
    cum = np.cumsum(sizes[free])
    return np.asarray(free[: int(np.searchsorted(cum, target)) + 1])


def _validity(
    rng: np.random.Generator, c: County, person: np.ndarray, category: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Most entries predate the year; ~12% join during it, ~6% are delisted during it; death ends one."""
    m = len(person)
    start = np.datetime64(f"{c.year}-01-01")
    # household programmes share dates inside a household: draw per household, look up per person
    hh_draw = np.random.default_rng(rng.integers(0, 2**32)).random((len(c.hh_id), 3))
    u = np.where(np.isin(category, ["dibao", "dibao_edge", "monitored", "lifted"]), hh_draw[c.hh[person], 0], rng.random(m))
    v = np.where(np.isin(category, ["dibao", "dibao_edge", "monitored", "lifted"]), hh_draw[c.hh[person], 1], rng.random(m))
    years_back = np.where(category == "lifted", 6 + (u * 4).astype(np.int64), (u * 8).astype(np.int64))
    valid_from = start - (years_back * 365 + (v * 364).astype(np.int64))
    joins = (u > 0.88) & (category != "lifted")
    valid_from = np.where(joins, start + ((u - 0.88) / 0.12 * 300).astype(np.int64), valid_from)
    # orphans and children cannot be rostered before birth
    valid_from = np.maximum(valid_from, c.birth[person] + 30).astype("datetime64[D]")
    valid_to = np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")
    w = np.where(np.isin(category, ["dibao", "dibao_edge", "monitored", "lifted"]), hh_draw[c.hh[person], 2], rng.random(m))
    delist = w < 0.06
    end = np.maximum(valid_from + 1, start + (w / 0.06 * 360).astype(np.int64))
    valid_to[delist] = end[delist]
    died = ~np.isnat(c.death[person])
    valid_to[died] = c.death[person][died]
    valid_from = np.minimum(valid_from, np.where(np.isnat(valid_to), valid_from, valid_to))
    return valid_from, valid_to


@dataclass(slots=True)
class Enrolment:
    person: np.ndarray
    scheme: np.ndarray
    region: np.ndarray
    status: np.ndarray
    waived: np.ndarray  # "Y"/"N"
    paid_fen: np.ndarray  # int64; -1 = blank (employee scheme: payroll, not self-paid)


def enrol(rng: np.random.Generator, c: County, roster: Roster) -> Enrolment:
    """Everyone alive on 1 Jan, minus ~2% of non-assisted residents insured elsewhere (not in file)."""
    assisted = np.zeros(c.n, dtype=bool)
    assisted[roster.person] = True
    present = assisted | (rng.random(c.n) >= 0.02)
    person = np.flatnonzero(present)
    scheme = np.where(c.employee_scheme[person], "employee", "resident").astype(object)
    region = np.full(len(person), geo.COUNTY_CODE, dtype=object)
    status = np.where(rng.random(len(person)) < 0.005, "suspended", "active").astype(object)
    status[~np.isnat(c.death[person])] = "stopped"
    waived = np.where(assisted[person] & (scheme == "resident"), "Y", "N").astype(object)
    paid = np.where(scheme == "employee", -1, np.where(waived == "Y", 0, RESIDENT_PREMIUM_FEN)).astype(np.int64)
    return Enrolment(person, scheme, region, status, waived, paid)
