"""A tiny county written straight into the store (no files): persons, roster, enrolment, deaths, claims.

Each ``add_*`` returns the row's ID number so tests can name the person they break.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from medaid.domain.idnumber import make, mask
from medaid.domain.names import normalise_name
from medaid.store import tables as t
from medaid.store.db import engine_for, migrate

TOWN = "370830100"
COUNTY = "370830"


def prepare(url: str) -> Engine:
    """Migrate, then create any core table a not-yet-written earlier migration still lacks."""
    migrate(url)
    engine = engine_for(url)
    t.metadata.create_all(engine)
    return engine


@dataclass
class CountyFactory:
    url: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    _seq: int = 0

    def new_id(self, birth: dt.date = dt.date(1960, 5, 1), sex: str = "M") -> str:
        self._seq += 1
        return make(COUNTY, birth, self._seq, sex)

    def _add(self, kind: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(kind, []).append(row)

    def person(self, name: str, *, id_number: str | None = None, town: str = TOWN, address: str | None = "某村1号",
               phone: str | None = "13800000000", birth: dt.date = dt.date(1960, 5, 1), sex: str = "M") -> str:
        idn = id_number or self.new_id(birth, sex)
        self._add("persons", {"id_number": idn, "name": name, "sex": sex, "birth_date": birth,
                              "household_id": f"H{self._seq}", "relation": "head", "township_code": town,
                              "village": "某村", "address": address, "phone": phone})
        return idn

    def roster(self, idn: str, name: str, category: str = "dibao", *, valid_from: dt.date = dt.date(2020, 1, 1),
               valid_to: dt.date | None = None) -> None:
        self._add("roster", {"id_number": idn, "name": name, "category": category, "valid_from": valid_from,
                             "valid_to": valid_to, "township_code": TOWN, "source_dept": "民政"})

    def enrol(self, idn: str, name: str, *, year: int = 2026, scheme: str = "resident", region: str = COUNTY,
              status: str = "active", waived: bool = True, paid_fen: int | None = 0) -> None:
        self._add("enrolment", {"id_number": idn, "name": name, "year": year, "scheme": scheme,
                                "region_code": region, "status": status, "premium_waived": waived,
                                "paid_by_self_fen": paid_fen})

    def death(self, idn: str, name: str, when: dt.date) -> None:
        self._add("deaths", {"id_number": idn, "name": name, "death_date": when, "source": "公安"})

    def claim(self, idn: str, name: str, settle: dt.date, claim_id: str) -> None:
        self._add("claims", {"id_number": idn, "claim_id": claim_id, "name": name, "hospital_code": "H1",
                             "hospital_level": 2, "location": "county", "visit_type": "inpatient",
                             "admit_date": settle, "discharge_date": settle, "settle_date": settle,
                             "diagnosis_code": "I10", "total_fen": 100000, "in_scope_fen": 80000,
                             "basic_paid_fen": None, "critical_paid_fen": None, "reverses_claim_id": None})

    def bad_id(self, kind: str, raw_id: str, name: str, town: str = TOWN, **extra: Any) -> None:
        self.rejects.append({"kind": kind, "id_number": raw_id, "name": name, "township_code": town, **extra})

    def write(self) -> Engine:
        """Insert everything, one ``load`` per kind, as the ingest would have left it."""
        from medaid.privacy.tokens import tokeniser
        from medaid.privacy.vault import store

        engine = prepare(self.url)
        token = tokeniser()
        now = dt.datetime.now(dt.UTC)
        with engine.begin() as conn:
            ids = {r["id_number"] for rows in self.rows.values() for r in rows}
            store(conn, sorted(ids))
            kinds = set(self.rows) | {r["kind"] for r in self.rejects}
            load_ids = {}
            for kind in sorted(kinds):
                load_ids[kind] = conn.execute(t.load.insert().values(
                    kind=kind, file_name=f"{kind}.csv", file_sha256=kind.ljust(64, "0"), scope="",
                    status="loaded", rows_read=0, rows_accepted=0, rows_rejected=0, started_at=now,
                    actor="test")).inserted_primary_key[0]
            for kind, rows in self.rows.items():
                table = t.CONTRACT_TABLES[kind]
                out = []
                for i, r in enumerate(rows, start=2):
                    r = dict(r)
                    r["id_token"] = token(r.pop("id_number"))
                    if kind == "persons":
                        r["name_norm"] = normalise_name(r["name"])
                    out.append({**r, "load_id": load_ids[kind], "source_row": i})
                conn.execute(table.insert(), out)
            for i, r in enumerate(self.rejects, start=100):
                raw = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items() if k != "kind"}
                raw["id_number"] = mask(raw["id_number"])
                conn.execute(t.reject.insert().values(
                    load_id=load_ids[r["kind"]], file_name=f"{r['kind']}.csv", row_number=i, field="id_number",
                    reason="身份证号校验位错误 / check digit does not match", raw=json.dumps(raw, ensure_ascii=False)))
        return engine
