"""Each person's true income by kind — the household situation a verification visit would confirm.

The verification platform (居民家庭经济状况核对) sees most income through department records;
this module draws the *true* amounts, ``departments.income_rows`` writes what the records show
(with noise and gaps). Kinds follow data contract v1 and the NBS income classification:

=============  ===========================================================  ================
component      true income                                                   contract kind
=============  ===========================================================  ================
wage           employees and migrant workers                                  ``wage``
business       non-farm family business (个体经营)                             ``business``
farm           family farming on contracted land (土地承包、种植收入)          ``other``
pension        basic pension (resident ~2,640 yuan, employee ~36,000)         ``pension``
support        support from children outside the household (赡养费)           ``transfer``
property       rent and land-transfer fees (租金、土地流转费)                   ``property``
casual         cash-paid casual work no department records                   (never recorded)
=============  ===========================================================  ================

Assistance payments (低保金、特困供养金) are written as ``transfer`` records too but are not income
for the need test (they are the help itself), so they are not a component here.
The household level comes from ``population._household_income`` (the latent earning capacity);
pensions are added on top of what the household earns, so retired households are not poorer for
it. Farm income exists only in rural households with a member aged 18–75 able to farm.
"""

from __future__ import annotations

import numpy as np

from medaid.synth.population import County

COMPONENTS = ("wage", "business", "farm", "pension", "support", "property", "casual")
RURAL_PENSION_FEN = 2_640_00  # ~220 yuan/month basic resident pension (Shandong 2024)


def income_components(rng: np.random.Generator, c: County) -> dict[str, np.ndarray]:
    """Per-person true annual income (fen, int64) by component; also sets the household total.

    ``c.hh_income_per_head_fen`` becomes the sum of the components per head (the verified income),
    so rosters, assets and truth all see the same figure.
    """
    n, n_hh = c.n, len(c.hh_id)
    size = c.hh_size.astype(float)
    earn = c.hh_income_per_head_fen * size  # latent earnings of the household (excl. pensions)
    urban = np.isin(c.hh_township, [0, 1])
    out = {k: np.zeros(n) for k in COMPONENTS}

    old = c.age >= 60
    out["pension"][old] = np.where(c.employee_scheme[old], rng.lognormal(np.log(36_000_00), 0.3, old.sum()),
                                   RURAL_PENSION_FEN)
    heads = np.flatnonzero(c.relation == "head")
    head_of = np.full(n_hh, -1)
    head_of[c.hh[heads]] = heads
    missing = head_of < 0  # every household has a head; guard anyway
    head_of[missing] = np.searchsorted(c.hh, np.flatnonzero(missing))

    rest = earn.copy()
    farmer = (c.age >= 18) & (c.age <= 75) & ~np.isin(c.disability, [1, 2])
    farms = (np.bincount(c.hh, weights=farmer.astype(float), minlength=n_hh) > 0) & ~urban
    farm = np.where(farms, rest * rng.uniform(0.10, 0.50, n_hh), 0.0)
    rest -= farm
    biz_hh = rng.random(n_hh) < 0.07
    biz = np.where(biz_hh, rest * rng.uniform(0.3, 0.7, n_hh), 0.0)
    rest -= biz
    rent_hh = rng.random(n_hh) < 0.03 + 0.05 * farms  # land transfer is common among farming households
    rent = np.where(rent_hh, np.minimum(rng.lognormal(np.log(4_000_00), 0.6, n_hh), 0.3 * rest), 0.0)
    rest -= rent
    casual = rest * rng.uniform(0.0, 0.08, n_hh)
    rest -= casual
    earners = np.bincount(c.hh, weights=c.employed.astype(float), minlength=n_hh)
    # households without an employed member live on support from children (and casual work)
    support = np.where(earners == 0, rest * rng.uniform(0.8, 1.0, n_hh), rest * rng.uniform(0.0, 0.1, n_hh)
                       * (rng.random(n_hh) < 0.2))
    rest -= support
    casual += np.where(earners == 0, rest, 0.0)
    wage_hh = np.where(earners > 0, rest, 0.0)
    w = np.where(c.employed, rng.lognormal(0, 0.4, n), 0.0)
    w_sum = np.bincount(c.hh, weights=w, minlength=n_hh)
    out["wage"] = np.where(c.employed, wage_hh[c.hh] * w / np.maximum(w_sum[c.hh], 1e-9), 0.0)
    for key, hh_amount in (("farm", farm), ("business", biz), ("property", rent), ("support", support),
                           ("casual", casual)):
        np.add.at(out[key], head_of, hh_amount)
    fen = {k: np.round(v).astype(np.int64) for k, v in out.items()}
    per_person = np.sum(np.stack(list(fen.values())), axis=0).astype(float)
    total = np.bincount(c.hh, weights=per_person, minlength=n_hh)
    c.hh_income_per_head_fen = np.round(total / size).astype(np.int64)
    return fen
