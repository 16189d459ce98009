"""A tiny county built row by row with SQLAlchemy Core, so identification tests know every answer.

Households (ids h01…): h01 poor, no records for the adults' income except low wages → dibao need;
h02 well-off → none; h03 two disabled members but rich → rigid (一户多残); h04 rare disease with
OOP > 50,000 → rigid; h05 high income, lost job this year (main earner unemployed) and a big stay;
h06 on the dibao roster and poor; h07 chronic inpatient without certificate (screening);
plus ``random_households`` more with a latent truth for model tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from medaid.store import tables as t
from medaid.store.db import engine_for, migrate

CORE = [t.load, t.identity, *t.CONTRACT_TABLES.values()]
YEAR = 2026


def token(i: int) -> str:
    return f"{i:032x}"


class County:
    """Collects rows per table, then writes them in one transaction."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.n = 0
        self.truth: dict[str, bool] = {}

    def add(self, table: str, **row: Any) -> None:
        row.setdefault("load_id", 1)
        row.setdefault("source_row", len(self.rows.get(table, [])) + 2)
        self.rows.setdefault(table, []).append(row)

    def person(self, hh: str, *, age: int, relation: str = "head", township: str = "370830100",
               wage: float = 0.0, disability: int = 0, unemployed: bool = False) -> str:
        self.n += 1
        tok = token(self.n)
        birth = date(YEAR - age, 6, 1)
        self.add("identity", id_token=tok, id_cipher="x", id_masked=f"370830********{self.n:04d}",
                 region_code="370830", birth_date=birth, sex="M")
        for k in ("identity",):
            self.rows[k][-1].pop("load_id"), self.rows[k][-1].pop("source_row")
        self.add("person", id_token=tok, name=f"人{self.n}", name_norm=f"人{self.n}", sex="M",
                 birth_date=birth, household_id=hh, relation=relation, township_code=township,
                 village="一村", address=None, phone=None)
        if wage:
            self.add("income", id_token=tok, kind="wage", amount_fen=int(wage * 100),
                     period_from=date(YEAR, 1, 1), period_to=date(YEAR, 12, 31))
        if disability:
            self.add("disability", id_token=tok, level=disability, type="肢体")
        if unemployed:
            self.add("employment", id_token=tok, status="unemployed", since=date(YEAR, 3, 1))
        return tok

    def claim(self, tok: str, *, code: str, in_scope: float, paid: float, visit: str = "inpatient",
              day: date = date(YEAR, 4, 1)) -> None:
        cid = f"c{len(self.rows.get('claim', [])) + 1}"
        self.add("claim", claim_id=cid, id_token=tok, name="x", hospital_code="H1", hospital_level=2,
                 location="county", visit_type=visit, admit_date=day, discharge_date=day, settle_date=day,
                 diagnosis_code=code, total_fen=int(in_scope * 110), in_scope_fen=int(in_scope * 100),
                 basic_paid_fen=int(paid * 100), critical_paid_fen=0, reverses_claim_id=None)

    def write_truth(self, path: Path) -> Path:
        """The truth file ``medaid identify train`` reads: household_id, in_need (Y/N)."""
        path.write_text("household_id,in_need\n" + "".join(f"{h},{'Y' if v else 'N'}\n" for h, v in self.truth.items()),
                        encoding="utf-8")
        return path

    def write(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for name, rows in self.rows.items():
                conn.execute(insert(t.metadata.tables[name]), rows)


def known_county(c: County) -> None:
    a = c.person("h01", age=40, wage=6000)
    c.person("h01", age=38, relation="spouse", wage=4000)
    c.person("h01", age=10, relation="child")
    c.person("h02", age=45, wage=150000)
    c.person("h02", age=44, relation="spouse", wage=90000)
    c.person("h03", age=50, wage=200000, disability=2)
    c.person("h03", age=20, relation="child", wage=50000, disability=3)
    r = c.person("h04", age=30, wage=120000)
    c.claim(r, code="E75.2", in_scope=90000, paid=20000)
    j = c.person("h05", age=45, wage=80000, unemployed=True)
    c.person("h05", age=43, relation="spouse", wage=20000)
    c.claim(j, code="I21.9", in_scope=40000, paid=25000)
    d = c.person("h06", age=70, wage=3000)
    c.add("roster", id_token=d, name="x", category="dibao", valid_from=date(2020, 1, 1), valid_to=None,
          township_code="370830100", source_dept="民政")
    s = c.person("h07", age=60, wage=60000, township="370830101")
    c.claim(s, code="I10", in_scope=8000, paid=6000)
    c.claim(a, code="J18.9", in_scope=3000, paid=2000)
    c.truth.update({"h01": True, "h02": False, "h03": True, "h04": True, "h05": False, "h06": True, "h07": False})


def random_households(c: County, n: int, seed: int = 3) -> None:
    """``n`` households with latent income; truth = latent income per head < 1.5 × 9,600 yuan."""
    rng = np.random.default_rng(seed)
    for k in range(n):
        hh = f"r{k:04d}"
        size = int(rng.integers(1, 5))
        latent = float(rng.lognormal(9.7, 0.7))  # yuan per head per year
        for m in range(size):
            age = int(rng.integers(20, 80)) if m < 2 else int(rng.integers(1, 18))
            recorded = latent * (0.6 if rng.random() < 0.3 else 1.0) if age >= 18 else 0.0
            tok = c.person(hh, age=age, relation="head" if m == 0 else "other", wage=round(recorded, 2))
            if rng.random() < 0.1:
                c.claim(tok, code="C34.9" if rng.random() < 0.3 else "J18.9",
                        in_scope=float(rng.lognormal(9.5, 0.8)), paid=0.0)
        c.truth[hh] = latent < 1.5 * 9600


@pytest.fixture
def make_county(db_url: str) -> Callable[..., tuple[str, County]]:
    def build(extra_random: int = 0) -> tuple[str, County]:
        migrate(db_url)
        engine = engine_for(db_url)
        t.metadata.create_all(engine, tables=CORE, checkfirst=True)
        c = County()
        known_county(c)
        if extra_random:
            random_households(c, extra_random)
        c.write(engine)
        return db_url, c

    return build
