"""Turn the latent county into the ten contract files as text, exactly as a department exports them.

Each table is a pandas DataFrame of ``str`` columns in data-contract-v1 order (DESIGN.md §4), plus
two hidden columns that never reach the files: ``_p`` (true person index, -1 if none) and ``_rid``
(a stable row identity, so faults can be located after rows are dropped or appended).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from medaid.synth import geography as geo
from medaid.synth.claims import VISIT_TYPES, Claims
from medaid.synth.departments import Rows
from medaid.synth.population import County
from medaid.synth.programs import Enrolment, Roster

COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("id_number", "name", "sex", "birth_date", "household_id", "relation", "township_code",
                "village", "address", "phone"),
    "deaths": ("id_number", "name", "death_date", "source"),
    "roster": ("id_number", "name", "category", "valid_from", "valid_to", "township_code", "source_dept"),
    "enrolment": ("id_number", "name", "year", "scheme", "region_code", "status", "premium_waived",
                  "paid_by_self_yuan"),
    "claims": ("claim_id", "id_number", "name", "hospital_code", "hospital_level", "location", "visit_type",
               "admit_date", "discharge_date", "settle_date", "diagnosis_code", "total_yuan", "in_scope_yuan",
               "basic_paid_yuan", "critical_paid_yuan", "reverses_claim_id"),
    "income": ("id_number", "kind", "yuan", "period_from", "period_to"),
    "assets": ("id_number", "kind", "value_yuan", "count"),
    "disability": ("id_number", "level", "type"),
    "chronic_certs": ("id_number", "disease_code", "valid_from", "valid_to"),
    "employment": ("id_number", "status", "since"),
}
"""Data contract v1: file kind → columns, in the order written."""

KINDS: tuple[str, ...] = tuple(COLUMNS)


def dates(values: np.ndarray) -> np.ndarray:
    """datetime64[D] → 'YYYY-MM-DD' (NaT → '').

    Each distinct date is formatted once and its string object shared by every row: a county has
    ~40k distinct dates but millions of date cells, and one str per cell costs ~60 bytes.
    """
    uniq, inverse = np.unique(values.astype("datetime64[D]"), return_inverse=True)
    text = np.datetime_as_string(uniq, unit="D").astype(object)
    text[np.isnat(uniq)] = ""
    return np.asarray(text[inverse.reshape(-1)])


def yuan(fen: np.ndarray) -> np.ndarray:
    """Integer fen → 'yuan.ff' text (negative values → '', the blank marker); distinct values shared."""
    uniq, inverse = np.unique(np.asarray(fen, dtype=np.int64), return_inverse=True)
    a = pa.array(np.abs(uniq))
    whole = pc.cast(pc.divide(a, 100), pa.string())
    part = pc.utf8_lpad(pc.cast(pc.remainder(a, 100), pa.string()), 2, "0")
    text = pc.binary_join_element_wise(whole, part, ".").to_numpy(zero_copy_only=False).astype(object)
    text[uniq < 0] = ""
    return np.asarray(text[inverse.reshape(-1)])


def ints(values: np.ndarray, blank: int | None = None) -> np.ndarray:
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()).to_numpy(zero_copy_only=False).astype(object)
    if blank is not None:
        text[np.asarray(values) == blank] = ""
    return np.asarray(text)


def _frame(kind: str, person: np.ndarray, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    data: dict[str, np.ndarray] = {name: cols[name] for name in COLUMNS[kind]}
    data["_p"] = np.asarray(person, dtype=np.int64)
    data["_rid"] = np.arange(len(person), dtype=np.int64)
    return pd.DataFrame(data)


def build_tables(
    rng: np.random.Generator, c: County, roster: Roster, enr: Enrolment, claims: Claims,
    dept: dict[str, Rows],
) -> dict[str, pd.DataFrame]:
    town_codes = np.array([code for code, _ in geo.TOWNSHIPS], dtype=object)
    p_town = town_codes[c.hh_township[c.hh]]
    all_p = np.arange(c.n)
    out: dict[str, pd.DataFrame] = {}
    out["persons"] = _frame("persons", all_p, {
        "id_number": c.id_number, "name": c.name, "sex": c.sex, "birth_date": dates(c.birth),
        "household_id": c.hh_id[c.hh], "relation": c.relation, "township_code": p_town,
        "village": c.hh_village[c.hh], "address": c.address, "phone": c.phone,
    })
    d = dept["deaths"]
    out["deaths"] = _frame("deaths", d.person, {
        "id_number": c.id_number[d.person], "name": c.name[d.person], "death_date": dates(d.cols["death_date"]),
        "source": d.cols["source"],
    })
    r = roster.person
    r_town = p_town[r].copy()
    r_town[rng.random(len(r)) < 0.05] = ""
    out["roster"] = _frame("roster", r, {
        "id_number": c.id_number[r], "name": c.name[r], "category": roster.category,
        "valid_from": dates(roster.valid_from), "valid_to": dates(roster.valid_to), "township_code": r_town,
        "source_dept": np.array([geo.SOURCE_DEPTS[k] for k in roster.category], dtype=object),
    })
    e = enr.person
    out["enrolment"] = _frame("enrolment", e, {
        "id_number": c.id_number[e], "name": c.name[e], "year": np.full(len(e), str(c.year), dtype=object),
        "scheme": enr.scheme, "region_code": enr.region, "status": enr.status, "premium_waived": enr.waived,
        "paid_by_self_yuan": yuan(enr.paid_fen),
    })
    cp = claims.person
    out["claims"] = _frame("claims", cp, {
        "claim_id": claims.claim_id, "id_number": c.id_number[cp], "name": c.name[cp],
        "hospital_code": claims.hospital, "hospital_level": ints(claims.level), "location": claims.location,
        "visit_type": VISIT_TYPES[claims.visit], "admit_date": dates(claims.admit),
        "discharge_date": dates(claims.discharge), "settle_date": dates(claims.settle),
        "diagnosis_code": claims.diagnosis, "total_yuan": yuan(claims.total_fen),
        "in_scope_yuan": yuan(claims.in_scope_fen), "basic_paid_yuan": yuan(claims.basic_fen),
        "critical_paid_yuan": yuan(claims.critical_fen), "reverses_claim_id": claims.reverses,
    })
    i = dept["income"]
    out["income"] = _frame("income", i.person, {
        "id_number": c.id_number[i.person], "kind": i.cols["kind"], "yuan": yuan(i.cols["yuan"]),
        "period_from": dates(i.cols["period_from"]), "period_to": dates(i.cols["period_to"]),
    })
    a = dept["assets"]
    out["assets"] = _frame("assets", a.person, {
        "id_number": c.id_number[a.person], "kind": a.cols["kind"], "value_yuan": yuan(a.cols["value_yuan"]),
        "count": ints(a.cols["count"], blank=-1),
    })
    ds = dept["disability"]
    out["disability"] = _frame("disability", ds.person, {
        "id_number": c.id_number[ds.person], "level": ints(ds.cols["level"]), "type": ds.cols["type"],
    })
    cc = dept["chronic_certs"]
    out["chronic_certs"] = _frame("chronic_certs", cc.person, {
        "id_number": c.id_number[cc.person], "disease_code": cc.cols["disease_code"],
        "valid_from": dates(cc.cols["valid_from"]), "valid_to": dates(cc.cols["valid_to"]),
    })
    em = dept["employment"]
    out["employment"] = _frame("employment", em.person, {
        "id_number": c.id_number[em.person], "status": em.cols["status"], "since": dates(em.cols["since"]),
    })
    return out
