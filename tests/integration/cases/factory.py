"""Small data factories for case tests: persons, roster rows and claims inserted with SQLAlchemy Core
into a migrated database (tokens are fake 32-hex strings; no vault needed)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa

from medaid.store.tables import claim, person, roster


def token(n: int) -> str:
    return hashlib.sha256(f"p{n}".encode()).hexdigest()[:32]


@dataclass
class County:
    """Rows to insert; ``add_*`` return what they added so tests can refer to it."""

    persons: list[dict[str, object]] = field(default_factory=list)
    rosters: list[dict[str, object]] = field(default_factory=list)
    claims: list[dict[str, object]] = field(default_factory=list)

    def add_person(self, n: int, *, category: str | None = "dibao", village: str = "一村",
                   household: str | None = None, name: str | None = None) -> str:
        tok = token(n)
        self.persons.append({"id_token": tok, "name": name or f"人{n}", "name_norm": name or f"人{n}", "sex": "F",
                             "birth_date": dt.date(1960, 1, 1), "household_id": household or f"h{n}",
                             "relation": "head", "township_code": "370830101", "village": village,
                             "address": None, "phone": None, "load_id": 1, "source_row": len(self.persons) + 2})
        if category:
            self.rosters.append({"id_token": tok, "name": name or f"人{n}", "category": category,
                                 "valid_from": dt.date(2020, 1, 1), "valid_to": None, "township_code": "370830101",
                                 "source_dept": "civil_affairs", "load_id": 2, "source_row": len(self.rosters) + 2})
        return tok

    def add_claim(self, claim_id: str, tok: str, *, in_scope_yuan: int = 40_000, total_yuan: int = 50_000,
                  level: int = 2, settle: dt.date = dt.date(2026, 3, 10), visit: str = "inpatient",
                  reverses: str | None = None) -> str:
        self.claims.append({"claim_id": claim_id, "id_token": tok, "name": "x", "hospital_code": "H1",
                            "hospital_level": level, "location": "county", "visit_type": visit,
                            "admit_date": settle - dt.timedelta(days=7), "discharge_date": settle,
                            "settle_date": settle, "diagnosis_code": "I63", "total_fen": total_yuan * 100,
                            "in_scope_fen": in_scope_yuan * 100, "basic_paid_fen": None, "critical_paid_fen": None,
                            "reverses_claim_id": reverses, "load_id": 3, "source_row": len(self.claims) + 2})
        return claim_id

    def insert(self, engine: sa.Engine) -> None:
        with engine.begin() as conn:
            for table, rows in ((person, self.persons), (roster, self.rosters), (claim, self.claims)):
                if rows:
                    conn.execute(table.insert(), rows)
        self.persons, self.rosters, self.claims = [], [], []
