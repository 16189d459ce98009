"""Which rows a loader that follows data contract v1 accepts (DESIGN.md §4).

The synthetic county's expected reconciliation problems are computed from *accepted* rows only,
because that is all a correct reconciliation can see. Rules: required fields present, enums and
dates (YYYY-MM-DD, real calendar dates) and amounts (yuan, ≤ 2 decimals, not negative) well formed,
valid GB 11643 IDs, in_scope ≤ total, and for repeated keys the first row wins. persons.csv keeps
every row: a repeated ID there is a duplicate for linkage to resolve, not a reject.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medaid.domain.categories import CODES
from medaid.synth.ids import valid_mask

REQUIRED: dict[str, tuple[str, ...]] = {
    "persons": ("id_number", "name", "sex", "birth_date", "household_id", "township_code"),
    "deaths": ("id_number", "name", "death_date"),
    "roster": ("id_number", "name", "category", "valid_from"),
    "enrolment": ("id_number", "name", "year", "scheme", "region_code", "status", "premium_waived"),
    "claims": ("claim_id", "id_number", "name", "hospital_code", "hospital_level", "location", "visit_type",
               "settle_date", "diagnosis_code", "total_yuan", "in_scope_yuan"),
    "income": ("id_number", "kind", "yuan", "period_from", "period_to"),
    "assets": ("id_number", "kind", "value_yuan"),
    "disability": ("id_number", "level"),
    "chronic_certs": ("id_number", "disease_code", "valid_from"),
    "employment": ("id_number", "status", "since"),
}
ENUMS: dict[str, dict[str, frozenset[str]]] = {
    "persons": {"sex": frozenset("MF"), "relation": frozenset({"head", "spouse", "child", "parent", "other"})},
    "roster": {"category": CODES},
    "enrolment": {"scheme": frozenset({"resident", "employee"}), "status": frozenset({"active", "suspended", "stopped"}),
                  "premium_waived": frozenset("YN")},
    "claims": {"hospital_level": frozenset("123"), "location": frozenset({"county", "province", "out_of_province"}),
               "visit_type": frozenset({"inpatient", "chronic_outpatient", "general_outpatient"})},
    "income": {"kind": frozenset({"wage", "business", "pension", "transfer", "property", "other"})},
    "assets": {"kind": frozenset({"house", "vehicle", "deposit", "securities", "business"})},
    "disability": {"level": frozenset("1234")},
    "employment": {"status": frozenset({"employed", "unemployed"})},
}
DATES: dict[str, tuple[str, ...]] = {
    "persons": ("birth_date",), "deaths": ("death_date",), "roster": ("valid_from", "valid_to"),
    "claims": ("admit_date", "discharge_date", "settle_date"), "income": ("period_from", "period_to"),
    "chronic_certs": ("valid_from", "valid_to"), "employment": ("since",),
}
AMOUNTS: dict[str, tuple[str, ...]] = {
    "enrolment": ("paid_by_self_yuan",),
    "claims": ("total_yuan", "in_scope_yuan", "basic_paid_yuan", "critical_paid_yuan"),
    "income": ("yuan",), "assets": ("value_yuan",),
}
KEYS: dict[str, tuple[str, ...]] = {
    "deaths": ("id_number",), "roster": ("id_number", "category", "valid_from"),
    "enrolment": ("id_number", "year"), "claims": ("claim_id",),
}
_AMOUNT_RE = r"^\d+(\.\d{1,2})?$"


def accepted(kind: str, df: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the rows of ``df`` (contract file ``kind``) that a loader accepts."""
    ok = valid_mask(df["id_number"].to_numpy())
    for col in REQUIRED[kind]:
        ok &= (df[col] != "").to_numpy()
    for col, allowed in ENUMS.get(kind, {}).items():
        ok &= (df[col].isin(allowed) | (df[col] == "")).to_numpy()
    for col in DATES.get(kind, ()):
        ok &= date_ok(df[col])
    for col in AMOUNTS.get(kind, ()):
        ok &= (df[col].str.match(_AMOUNT_RE) | (df[col] == "")).to_numpy()
    if kind == "claims":
        tot = pd.to_numeric(df["total_yuan"], errors="coerce")
        ins = pd.to_numeric(df["in_scope_yuan"], errors="coerce")
        ok &= ~(ins > tot).to_numpy()
    if kind in KEYS:
        first = np.zeros(len(df), dtype=bool)
        sub = df.loc[ok, list(KEYS[kind])]
        keep = ~sub.duplicated(keep="first").to_numpy()
        first[np.flatnonzero(ok)[keep]] = True
        ok = first
    return ok


def date_ok(col: pd.Series) -> np.ndarray:
    """'' or a real date written YYYY-MM-DD (within pandas' range 1677-2262, ample for the contract)."""
    blank = (col == "").to_numpy()
    shaped = col.str.match(r"^\d{4}-\d{2}-\d{2}$").to_numpy()
    parsed = pd.to_datetime(col.where(shaped, None), format="%Y-%m-%d", errors="coerce").notna().to_numpy()
    return np.asarray(blank | (shaped & parsed), dtype=bool)


def as_date(col: pd.Series) -> pd.Series:
    return pd.to_datetime(col.where(col != "", None), format="%Y-%m-%d", errors="coerce")
