"""Households and people of the synthetic county, with the latent facts that files only hint at.

Everything here is *truth*: household income per head, chronic disease, major illness, disability.
The contract files are later derived from it (with faults), and truth/ is scored against it.
Prevalences are documented with their sources in docs/synthetic-county.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medaid.synth import geography as geo
from medaid.synth.ids import make_ids
from medaid.synth.namepool import sample_names

# Household sizes 1-8: 2020 census mean 2.62 persons, rural Shandong skewed to 2-4.
HOUSEHOLD_SIZE_P = np.array([0.20, 0.30, 0.21, 0.15, 0.08, 0.04, 0.015, 0.005])

CHRONIC_CODES = np.array(["I10", "E11.9", "J44.9", "I25.1", "I63.9", "I50.9", "F20.9", "M05.9", "N18.4"], dtype=object)
CHRONIC_P = np.array([0.38, 0.22, 0.09, 0.10, 0.08, 0.05, 0.03, 0.02, 0.03])
CANCER_CODES = np.array(["C34.9", "C16.9", "C22.0", "C15.9", "C18.9", "C50.9", "C53.9", "C61", "C92.0"], dtype=object)
ESRD_CODES = np.array(["N18.5", "N18.6"], dtype=object)
RARE_CODES = np.array(["E75.2", "G12.2", "D66", "G71.0", "E84.9", "E70.0"], dtype=object)
DISABILITY_TYPES = np.array(["physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"], dtype=object)
DISABILITY_TYPE_P = np.array([0.45, 0.13, 0.12, 0.02, 0.10, 0.10, 0.08])

DIBAO_STANDARD_FEN = 960_000
"""Reference dibao standard 9,600 yuan per head per year (DESIGN.md §6)."""


@dataclass(slots=True)
class County:
    """Column arrays, one entry per true person (index = true person key) or household."""

    year: int
    # households
    hh_id: np.ndarray  # str household_id (户号)
    hh_township: np.ndarray  # int index into geo.TOWNSHIPS
    hh_village: np.ndarray  # str
    hh_income_per_head_fen: np.ndarray  # int64, latent income before medical spending
    hh_size: np.ndarray
    # persons
    hh: np.ndarray  # int household index
    relation: np.ndarray
    sex: np.ndarray
    birth: np.ndarray  # datetime64[D]
    age: np.ndarray  # on 1 Jan of the year
    id_number: np.ndarray
    name: np.ndarray
    address: np.ndarray  # "" = missing
    phone: np.ndarray
    chronic: np.ndarray  # ICD-10 code or ""
    major: np.ndarray  # "", "cancer", "esrd", "rare"
    disability: np.ndarray  # 0 none, 1-4
    disability_type: np.ndarray
    employed: np.ndarray  # bool
    employee_scheme: np.ndarray  # bool
    death: np.ndarray  # datetime64[D], NaT if alive all year

    @property
    def n(self) -> int:
        return len(self.hh)


def build_people(rng: np.random.Generator, people: int, year: int) -> County:
    """Draw households until ``people`` persons exist, then everyone's latent attributes."""
    sizes = rng.choice(np.arange(1, 9), size=people // 2 + 8, p=HOUSEHOLD_SIZE_P)
    cum = np.cumsum(sizes)
    n_hh = int(np.searchsorted(cum, people) + 1)
    sizes = sizes[:n_hh].copy()
    sizes[-1] -= int(cum[n_hh - 1] - people)
    hh = np.repeat(np.arange(n_hh), sizes)
    pos = np.arange(people) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # index within household

    relation, age, sex = _roles_and_ages(rng, sizes, hh, pos)
    ref = np.datetime64(f"{year}-01-01")
    birth = ref - (age * 365.25).astype(np.int64) - rng.integers(1, 365, size=people)
    birth = birth.astype("datetime64[D]")

    region_idx = rng.choice(len(geo.BIRTH_REGIONS), size=people, p=geo.BIRTH_REGION_WEIGHTS)
    regions = np.array(geo.BIRTH_REGIONS, dtype=object)[region_idx]
    ids = _unique_ids(rng, regions, birth, sex)
    names = sample_names(rng, sex)

    tw = np.array(geo.TOWNSHIP_WEIGHTS)
    hh_town = rng.choice(len(geo.TOWNSHIPS), size=n_hh, p=tw / tw.sum())
    village_names = _village_names(rng)
    hh_vill_idx = rng.integers(0, geo.VILLAGES_PER_TOWNSHIP, size=n_hh)
    hh_village = village_names[hh_town, hh_vill_idx]
    serial = np.zeros(n_hh, dtype=np.int64)
    for t in range(len(geo.TOWNSHIPS)):
        sel = np.flatnonzero(hh_town == t)
        serial[sel] = np.arange(1, len(sel) + 1)
    town_codes = np.array([c for c, _ in geo.TOWNSHIPS], dtype=object)
    hh_id = np.array([f"{c}{s:06d}" for c, s in zip(town_codes[hh_town], serial, strict=True)], dtype=object)

    address, phone = _contacts(rng, hh, hh_town, hh_village, age)
    chronic, major = _health(rng, age, sex)
    disability, dtype = _disability(rng, age, hh, sizes)
    employed = (age >= 18) & (age < 60) & (rng.random(people) < np.where(sex == "M", 0.78, 0.62))
    urban = np.isin(hh_town, [0, 1])[hh]
    employee = (employed & (rng.random(people) < np.where(urban, 0.45, 0.26))) | (
        (age >= 60) & (rng.random(people) < np.where(urban, 0.18, 0.05))
    )
    income = _household_income(rng, n_hh, hh, age, disability, major, employed, employee, urban, sizes)
    death = _deaths(rng, age, major, year)
    return County(
        year=year, hh_id=hh_id, hh_township=hh_town, hh_village=hh_village,
        hh_income_per_head_fen=income, hh_size=sizes, hh=hh, relation=relation, sex=sex, birth=birth,
        age=age, id_number=ids, name=names, address=address, phone=phone, chronic=chronic, major=major,
        disability=disability, disability_type=dtype, employed=employed, employee_scheme=employee,
        death=death,
    )


def _roles_and_ages(
    rng: np.random.Generator, sizes: np.ndarray, hh: np.ndarray, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(hh)
    size = sizes[hh]
    u = rng.random(n)
    relation = np.full(n, "child", dtype=object)
    relation[pos == 0] = "head"
    # second member: spouse mostly; in two-person households sometimes a child or parent
    second = pos == 1
    relation[second & (u < 0.85)] = "spouse"
    relation[second & (u >= 0.85) & (u < 0.93) & (size == 2)] = "parent"
    # larger households: the last one or two members may be the head's parents or "other"
    last = pos == size - 1
    big = size >= 5
    relation[last & big & (u < 0.45)] = "parent"
    relation[(pos == size - 2) & big & (u < 0.25) & (pos >= 2)] = "parent"
    relation[last & (size >= 3) & (u > 0.95)] = "other"

    head_age = np.where(sizes == 1, rng.triangular(20, 75, 95, size=len(sizes)), rng.uniform(24, 78, size=len(sizes)))
    # households with children are younger; three generations need a head old enough
    head_age = np.where(sizes >= 3, np.clip(head_age, 28, 62), head_age)
    ha = head_age[hh]
    age = ha.copy()
    age = np.where(relation == "spouse", ha + rng.normal(-2, 3, n), age)
    age = np.where(relation == "child", ha - rng.uniform(22, 34, n), age)
    age = np.where(relation == "parent", ha + rng.uniform(22, 32, n), age)
    age = np.where(relation == "other", np.maximum(ha - rng.uniform(40, 55, n), 0) + rng.uniform(0, 10, n), age)
    age = np.clip(age, 0, 101).astype(np.int64)
    age = np.where(relation == "spouse", np.maximum(age, 18), age)

    head_sex = np.where(rng.random(len(sizes)) < 0.75, "M", "F")[hh]
    sex = np.where(rng.random(n) < 0.512, "M", "F").astype(object)
    sex = np.where(relation == "head", head_sex, sex)
    sex = np.where(relation == "spouse", np.where(head_sex == "M", "F", "M"), sex)
    sex = np.where(relation == "parent", np.where(rng.random(n) < 0.45, "M", "F"), sex)
    return relation, age, sex.astype(object)


def _unique_ids(rng: np.random.Generator, regions: np.ndarray, birth: np.ndarray, sex: np.ndarray) -> np.ndarray:
    seqs = rng.integers(0, 500, size=len(regions))
    ids = make_ids(regions, birth, seqs, sex)
    for _ in range(50):
        _, first = np.unique(ids.astype(str), return_index=True)
        keep = np.zeros(len(ids), dtype=bool)
        keep[first] = True
        dup = np.flatnonzero(~keep)
        if len(dup) == 0:
            return ids
        seqs[dup] = rng.integers(0, 500, size=len(dup))
        ids[dup] = make_ids(regions[dup], birth[dup], seqs[dup], sex[dup])
    raise RuntimeError("could not draw unique ID numbers")  # pragma: no cover


def _village_names(rng: np.random.Generator) -> np.ndarray:
    from medaid.synth.namepool import SURNAMES

    single = np.array([s for s, _ in SURNAMES[:40]], dtype=object)
    suffix = np.array(geo.VILLAGE_SUFFIXES, dtype=object)
    shape = (len(geo.TOWNSHIPS), geo.VILLAGES_PER_TOWNSHIP)
    names = single[rng.integers(0, len(single), size=shape)] + np.where(
        rng.random(shape) < 0.5, "家", ""
    ) + suffix[rng.integers(0, len(suffix), size=shape)]
    # make names unique inside a township: append 东/西/前/后 when repeated
    for t in range(shape[0]):
        seen: dict[str, int] = {}
        for v in range(shape[1]):
            k = names[t, v]
            if k in seen:
                names[t, v] = "东西前后南北"[seen[k] % 6] + k
            seen[k] = seen.get(k, 0) + 1
    return np.asarray(names)


def _contacts(
    rng: np.random.Generator, hh: np.ndarray, hh_town: np.ndarray, hh_village: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(hh)
    town_names = np.array([name for _, name in geo.TOWNSHIPS], dtype=object)
    house_no = rng.integers(1, 300, size=len(hh_town))
    hh_addr = np.array(
        [f"山东省济宁市汶上县{t}{v}{k}号" for t, v, k in zip(town_names[hh_town], hh_village, house_no, strict=True)],
        dtype=object,
    )
    address = hh_addr[hh].copy()
    address[rng.random(n) < 0.03] = ""
    prefixes = np.array(["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                         "157", "158", "159", "176", "177", "178", "180", "181", "182", "185", "187", "188", "199"], dtype=object)
    tail = rng.integers(0, 100_000_000, size=n)
    phone = np.array([f"{p}{t:08d}" for p, t in zip(prefixes[rng.integers(0, len(prefixes), size=n)], tail, strict=True)], dtype=object)
    missing = np.where(age < 16, 0.9, np.where(age >= 70, 0.35, 0.08))
    phone[rng.random(n) < missing] = ""
    return address, phone


def _health(rng: np.random.Generator, age: np.ndarray, sex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(age)
    p_chronic = np.select([age < 40, age < 60, age < 75], [0.02, 0.12, 0.28], 0.36)
    chronic = np.where(rng.random(n) < p_chronic, CHRONIC_CODES[rng.choice(len(CHRONIC_CODES), size=n, p=CHRONIC_P)], "")
    major = np.full(n, "", dtype=object)
    p_cancer = np.select([age < 40, age < 60, age < 75], [0.0006, 0.004, 0.010], 0.012)
    u = rng.random(n)
    major[u < p_cancer] = "cancer"
    major[(u >= p_cancer) & (u < p_cancer + np.where(age >= 30, 0.0011, 0.0002))] = "esrd"
    major[(rng.random(n) < 0.0002) & (major == "")] = "rare"
    code = chronic.astype(object)
    c = major == "cancer"
    cancer = CANCER_CODES[rng.integers(0, len(CANCER_CODES), size=n)]
    cancer = np.where((cancer == "C50.9") | (cancer == "C53.9"), np.where(sex == "F", cancer, "C34.9"), cancer)
    cancer = np.where(cancer == "C61", np.where(sex == "M", cancer, "C18.9"), cancer)
    code[c] = cancer[c]
    code[major == "esrd"] = ESRD_CODES[rng.integers(0, 2, size=n)][major == "esrd"]
    code[major == "rare"] = RARE_CODES[rng.integers(0, len(RARE_CODES), size=n)][major == "rare"]
    return code.astype(object), major


def _disability(
    rng: np.random.Generator, age: np.ndarray, hh: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(age)
    # certified disability ~2.6-3% of residents (CDPF 2021 statistics), rising with age
    p = np.select([age < 18, age < 60], [0.008, 0.025], 0.06)
    has = rng.random(n) < p
    # 一户多残: a few households with two disabled members (seed 000 rigid inclusion)
    multi_hh = (sizes >= 2) & (rng.random(len(sizes)) < 0.003)
    first_two = np.zeros(n, dtype=bool)
    starts = np.cumsum(sizes) - sizes
    for h in np.flatnonzero(multi_hh):
        first_two[starts[h]: starts[h] + 2] = True
    has |= first_two
    level = np.where(has, rng.choice([1, 2, 3, 4], size=n, p=[0.12, 0.20, 0.30, 0.38]), 0)
    dtype = np.where(has, DISABILITY_TYPES[rng.choice(len(DISABILITY_TYPES), size=n, p=DISABILITY_TYPE_P)], "")
    return level.astype(np.int64), dtype.astype(object)


def _household_income(
    rng: np.random.Generator, n_hh: int, hh: np.ndarray, age: np.ndarray, disability: np.ndarray,
    major: np.ndarray, employed: np.ndarray, employee: np.ndarray, urban: np.ndarray, sizes: np.ndarray,
) -> np.ndarray:
    """Latent disposable income per head (fen/year): rural Shandong median ~20k yuan (2023)."""
    earners = np.bincount(hh, weights=employed.astype(float), minlength=n_hh)
    elderly = np.bincount(hh, weights=(age >= 65).astype(float), minlength=n_hh)
    disabled = np.bincount(hh, weights=(disability > 0).astype(float), minlength=n_hh)
    sick = np.bincount(hh, weights=(major != "").astype(float), minlength=n_hh)
    emp = np.bincount(hh, weights=employee.astype(float), minlength=n_hh)
    hh_urban = np.bincount(hh, weights=urban.astype(float), minlength=n_hh) > 0
    log_med = np.log(21_000.0) + 0.25 * np.minimum(earners / sizes, 1.0) - 0.20 * (elderly / sizes)
    log_med += -0.30 * np.minimum(disabled, 2) - 0.35 * np.minimum(sick, 1) + 0.20 * np.minimum(emp, 2) + 0.25 * hh_urban
    log_med += -0.30 * (earners == 0)
    yuan = np.exp(log_med + rng.normal(0, 0.42, n_hh))
    return np.asarray(np.round(yuan * 100), dtype=np.int64)


def _deaths(rng: np.random.Generator, age: np.ndarray, major: np.ndarray, year: int) -> np.ndarray:
    """~0.7% die in the year (China crude death rate 7.3‰, 2022), Gompertz by age, x5 if major illness."""
    hazard = 0.00025 * np.exp(0.088 * (age - 30.0))
    hazard *= np.where(major != "", 5.0, 1.0)
    p = np.minimum(hazard * (0.007 * len(age) / hazard.sum()), 0.6)
    dies = rng.random(len(age)) < p
    days = rng.integers(0, 365, size=len(age))
    death = np.full(len(age), np.datetime64("NaT"), dtype="datetime64[D]")
    death[dies] = np.datetime64(f"{year}-01-01") + days[dies]
    return death
