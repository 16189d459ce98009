"""Settlement records (结算单) for the year: ~4 per person-year with a long tail.

Counts are negative-binomial (gamma-Poisson, shape 0.6) around a rate that rises with age, chronic
disease and major illness, so most people have 0-2 claims and chronic patients dozens. Costs are
log-normal per visit type and hospital level (inpatient level 3 median ~16k yuan, tail capped at
500k); in_scope is 60-95% of total. ~0.5% of claims are reversed later (冲销) by a claim carrying
``reverses_claim_id``; half of those are re-billed with a corrected amount.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medaid.synth import geography as geo
from medaid.synth.population import County

MEAN_CLAIMS_PER_PERSON_YEAR = 4.0
VISIT_TYPES = np.array(["inpatient", "chronic_outpatient", "general_outpatient"], dtype=object)
INPATIENT_COMMON = np.array(["J18.9", "I63.9", "I21.9", "K80.2", "K35.8", "S72.0", "S82.2", "J44.1",
                             "N20.0", "I20.0", "A09.9", "K29.7", "E11.9", "M51.2"], dtype=object)
OUTPATIENT_COMMON = np.array(["J06.9", "J20.9", "K29.7", "M54.5", "R51", "H10.9", "L30.9", "K52.9",
                              "J02.9", "I10", "N39.0", "M17.9"], dtype=object)
LOCATIONS = np.array(["county", "province", "out_of_province"], dtype=object)


@dataclass(slots=True)
class Claims:
    person: np.ndarray
    visit: np.ndarray  # index into VISIT_TYPES
    level: np.ndarray  # 1..3
    location: np.ndarray  # str
    hospital: np.ndarray  # str
    admit: np.ndarray  # datetime64[D] / NaT
    discharge: np.ndarray
    settle: np.ndarray
    diagnosis: np.ndarray
    total_fen: np.ndarray
    in_scope_fen: np.ndarray
    basic_fen: np.ndarray  # -1 = blank
    critical_fen: np.ndarray  # -1 = blank
    claim_id: np.ndarray
    reverses: np.ndarray  # claim_id or ""

    def __len__(self) -> int:
        return len(self.person)


def simulate_claims(rng: np.random.Generator, c: County, has_cert: np.ndarray, insured: np.ndarray) -> Claims:
    """Claims of the people insured in the county (``insured``); others settle where they are insured."""
    n, year = c.n, c.year
    start = np.datetime64(f"{year}-01-01")
    days_alive = np.where(np.isnat(c.death), 365, (c.death - start).astype(np.int64) + 1)
    age_f = np.select([c.age < 6, c.age < 18, c.age < 45, c.age < 65], [1.3, 0.6, 0.7, 1.1], 1.8)
    risk = age_f * np.where(c.chronic != "", 2.5, 1.0) * np.where(c.major != "", 4.0, 1.0)
    risk = risk * insured
    lam = risk * (MEAN_CLAIMS_PER_PERSON_YEAR * insured.sum() / (risk * days_alive / 365).sum()) * days_alive / 365
    shape = 0.6
    counts = np.minimum(rng.poisson(rng.gamma(shape, lam / shape)), 150)
    person = np.repeat(np.arange(n), counts)
    m = len(person)

    chronic = c.chronic[person] != ""
    major = c.major[person] != ""
    cert = has_cert[person]
    # ~0.2 admissions per person-year overall (China: 17-20 per 100 residents), more when ill
    p_inp = np.where(major, 0.25, np.where(chronic, np.where(cert, 0.07, 0.09), 0.03))
    p_chr = np.where(cert, np.where(major, 0.45, 0.50), 0.0)
    u = rng.random(m)
    visit = np.where(u < p_inp, 0, np.where(u < p_inp + p_chr, 1, 2))

    level = _levels(rng, visit, major)
    location = _locations(rng, level, major)
    hospital = _hospitals(rng, c, person, level, location)

    last_day = np.minimum(days_alive[person], 365)
    settle = start + (rng.random(m) * last_day).astype(np.int64)
    los = np.maximum(1, np.round(rng.lognormal(np.log(7), 0.5, m))).astype(np.int64)
    discharge = settle - rng.integers(0, 4, m)
    admit = discharge - los
    inp = visit == 0
    nat = np.datetime64("NaT")
    admit = np.where(inp, admit, nat).astype("datetime64[D]")
    discharge = np.where(inp, discharge, nat).astype("datetime64[D]")

    diagnosis = _diagnoses(rng, c, person, visit)
    total = _costs(rng, c, person, visit, level)
    in_scope = np.round(total * rng.uniform(0.60, 0.95, m)).astype(np.int64)
    basic = np.full(m, -1, dtype=np.int64)
    critical = np.full(m, -1, dtype=np.int64)
    national = (location == "out_of_province") & inp & (rng.random(m) < 0.6)
    b = np.maximum(in_scope - 120_000, 0) * 55 // 100
    oop = in_scope - b
    basic[national] = b[national]
    critical[national] = (np.maximum(oop - 1_500_000, 0) * 60 // 100)[national]

    claims = Claims(person, visit, level, location, hospital, admit, discharge, settle.astype("datetime64[D]"),
                    diagnosis, total, in_scope, basic, critical, np.empty(m, dtype=object), np.full(m, "", dtype=object))
    return _with_reversals_and_ids(rng, claims, year)


def _levels(rng: np.random.Generator, visit: np.ndarray, major: np.ndarray) -> np.ndarray:
    u = rng.random(len(visit))
    p1 = np.select([visit == 0, visit == 1], [np.where(major, 0.05, 0.30), 0.45], 0.72)
    p2 = np.select([visit == 0, visit == 1], [np.where(major, 0.35, 0.48), 0.45], 0.22)
    return np.where(u < p1, 1, np.where(u < p1 + p2, 2, 3)).astype(np.int64)


def _locations(rng: np.random.Generator, level: np.ndarray, major: np.ndarray) -> np.ndarray:
    u = rng.random(len(level))
    p_county = np.select([level == 1, level == 2], [1.0, 0.85], np.where(major, 0.25, 0.35))
    p_prov = np.select([level == 1, level == 2], [0.0, 0.12], np.where(major, 0.50, 0.50))
    return np.where(u < p_county, "county", np.where(u < p_county + p_prov, "province", "out_of_province")).astype(object)


def _hospitals(rng: np.random.Generator, c: County, person: np.ndarray, level: np.ndarray, location: np.ndarray) -> np.ndarray:
    out = np.empty(len(person), dtype=object)
    # level 1 = the patient's own township health centre (乡镇卫生院)
    town_codes = np.array([f"H{code}" for code, _ in geo.TOWNSHIPS], dtype=object)
    l1 = level == 1
    out[l1] = town_codes[c.hh_township[c.hh[person[l1]]]]
    pool = [h for h in geo.hospitals() if h.level > 1]
    for lev in (2, 3):
        for loc in ("county", "province", "out_of_province"):
            sel = np.flatnonzero((level == lev) & (location == loc))
            codes = np.array([h.code for h in pool if h.level == lev and h.location == loc]
                             or [h.code for h in pool if h.location == loc], dtype=object)
            out[sel] = codes[rng.integers(0, len(codes), len(sel))]
    return out


def _diagnoses(rng: np.random.Generator, c: County, person: np.ndarray, visit: np.ndarray) -> np.ndarray:
    m = len(person)
    own = c.chronic[person]
    has_own = own != ""
    inp = INPATIENT_COMMON[rng.integers(0, len(INPATIENT_COMMON), m)]
    # deliveries: women 20-40 admitted
    birth_age = (c.sex[person] == "F") & (c.age[person] >= 20) & (c.age[person] <= 40)
    inp = np.where(birth_age & (rng.random(m) < 0.35), "O80", inp)
    out = OUTPATIENT_COMMON[rng.integers(0, len(OUTPATIENT_COMMON), m)]
    u = rng.random(m)
    major = c.major[person] != ""
    diag = np.where(
        visit == 0,
        np.where(has_own & (major | (u < 0.4)), own, inp),
        np.where(visit == 1, own, np.where(has_own & (u < 0.5), own, out)),
    )
    return diag.astype(object)


def _costs(rng: np.random.Generator, c: County, person: np.ndarray, visit: np.ndarray, level: np.ndarray) -> np.ndarray:
    major = c.major[person]
    inp_median = np.array([0, 2_800, 7_500, 16_000])[level]
    inp_sigma = np.array([0, 0.6, 0.75, 0.9])[level]
    gen_median = np.array([0, 90, 220, 420])[level]
    chr_median = np.select([major == "esrd", major == "cancer", major == "rare"], [4_500, 6_000, 9_000], 380)
    mult = np.select([major == "rare", major != ""], [4.0, 2.5], 1.0)
    median = np.select([visit == 0, visit == 1], [inp_median * mult, chr_median], gen_median)
    sigma = np.select([visit == 0, visit == 1], [inp_sigma, np.where(major != "", 0.4, 0.7)], 0.8)
    yuan = rng.lognormal(np.log(median), sigma)
    lo = np.select([visit == 0, visit == 1], [200.0, 20.0], 5.0)
    yuan = np.clip(yuan, lo, 500_000)
    return np.asarray(np.round(yuan * 100), dtype=np.int64)


def _take(cl: Claims, idx: np.ndarray) -> Claims:
    return Claims(*(getattr(cl, f)[idx] for f in Claims.__slots__))


def _concat(a: Claims, b: Claims) -> Claims:
    return Claims(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in Claims.__slots__))


def _with_reversals_and_ids(rng: np.random.Generator, cl: Claims, year: int) -> Claims:
    m = len(cl)
    end = np.datetime64(f"{year}-12-31")
    order = np.lexsort((cl.person, cl.settle))
    cl = _take(cl, order)
    cl.claim_id = np.array([f"JS{year}{i:08d}" for i in range(1, m + 1)], dtype=object)
    rev = np.flatnonzero(rng.random(m) < 0.005)
    r = _take(cl, rev)
    r.reverses = cl.claim_id[rev]
    r.settle = np.minimum(cl.settle[rev] + rng.integers(1, 31, len(rev)), end)
    rebill_idx = rev[rng.random(len(rev)) < 0.5]
    rb = _take(cl, rebill_idx)
    rb.settle = np.minimum(cl.settle[rebill_idx] + rng.integers(1, 31, len(rebill_idx)), end)
    factor = rng.uniform(0.85, 1.02, len(rebill_idx))
    rb.total_fen = np.round(rb.total_fen * factor).astype(np.int64)
    rb.in_scope_fen = np.minimum(np.round(rb.in_scope_fen * factor).astype(np.int64), rb.total_fen)
    extra = _concat(r, rb)
    extra.claim_id = np.array([f"JS{year}{i:08d}" for i in range(m + 1, m + 1 + len(extra))], dtype=object)
    # a re-bill follows its reversal on the same day or later: nudge it to after the reversal
    rb_settle = extra.settle[len(r):]
    rev_settle_for_rb = r.settle[np.searchsorted(rev, rebill_idx)]
    extra.settle[len(r):] = np.minimum(np.maximum(rb_settle, rev_settle_for_rb), end)
    return _concat(cl, extra)
