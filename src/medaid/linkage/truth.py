"""Ground truth of a synthetic county (``DIR/truth``, engineer A's generator) as linkage keys.

Each row of persons/roster/enrolment/deaths is given its true person: persons rows from
``truth/persons.csv``; rows of the other files through their ID number (a wrong check digit is
repaired first — the generator only ever breaks that character), looked up in the register truth.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import select

from medaid.domain.idnumber import check_char, normalise
from medaid.linkage.score import PairScore, pairwise_score
from medaid.store.db import engine_for
from medaid.store.reconcile_tables import person_link

FILES = {"persons": "person", "roster": "roster", "enrolment": "enrolment", "deaths": "death"}


def _repair(idn: str) -> str:
    v = normalise(idn)
    return v[:17] + check_char(v[:17]) if len(v) == 18 and v[:17].isdigit() else v


def true_keys(county_dir: Path) -> pd.Series:
    """``table:row`` → true person key for the identity-bearing files of a synthetic county."""
    truth = pd.read_csv(county_dir / "truth" / "persons.csv", dtype=str, keep_default_na=False)
    by_row = dict(zip(truth["row"].astype(int), truth["true_person_key"], strict=True))
    by_id: dict[str, str] = {}
    for idn, key in zip(truth["id_number"], truth["true_person_key"], strict=True):
        by_id.setdefault(_repair(idn), key)
    out: dict[str, str] = {f"person:{r}": k for r, k in by_row.items()}
    for stem, table in FILES.items():
        if stem == "persons" or not (county_dir / f"{stem}.csv").exists():
            continue
        ids = pd.read_csv(county_dir / f"{stem}.csv", dtype=str, keep_default_na=False, usecols=["id_number"])
        for row, idn in enumerate(ids["id_number"], start=2):
            key = by_id.get(_repair(idn))
            if key:
                out[f"{table}:{row}"] = key
    return pd.Series(out)


def score_store(county_dir: Path, *, url: str | None = None) -> PairScore:
    """Pairwise precision/recall/F1 of ``person_link`` (identity files only) against the truth."""
    pl = person_link
    with engine_for(url).connect() as conn:
        rows = conn.execute(select(pl.c.table_name, pl.c.source_row, pl.c.person_key)
                            .where(pl.c.table_name.in_(list(FILES.values())))).fetchall()
    predicted = pd.Series({f"{tn}:{row}": key for tn, row, key in rows})
    truth = true_keys(county_dir)
    return pairwise_score(predicted, truth.reindex(predicted.index))
